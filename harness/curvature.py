"""Curvature of the training loss: its sharpness, the largest eigenvalue of the Hessian.

For gradient descent on a quadratic, a learning rate above 2/λ_max makes the step along the
sharpest direction overshoot and grow: the classical stability limit (LeCun, Simard & Pearlmutter
1993; Cohen et al. 2021, "Edge of Stability"). A claim that a learning rate must be "small" has a
natural unit in it: 2/λ_max of the loss the network starts on. λ_max is found by Lanczos
iteration on Hessian-vector products (double backward through the model's forward pass), never by
forming the Hessian.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator, eigsh

from .landscape import Params, initial_params
from .models import build_model
from .seeding import derive_seed, torch_generator
from .train import cached_dataset, loss_function

TOLERANCE = 1e-4  # ARPACK's relative accuracy of the eigenvalue


def _loss(config, params: Params, device, data_store) -> tuple[torch.Tensor, list[torch.Tensor]]:
    data = cached_dataset(config.data, str(torch.device(device)), data_store)
    model = build_model(config.model, data.input_shape, data.n_outputs)
    leaves = [v.detach().to(device).double().requires_grad_(True) for v in params.values()]
    stacked = {k: v[None].float() for k, v in zip(params, leaves)}
    loss = loss_function(data.task)(model.forward(stacked, data.x_train), data.y_train).mean()
    return loss, leaves


def sharpness(config, params: Params, *, seed: int, device="cpu", data_store=None,
              tolerance: float = TOLERANCE) -> dict:
    """λ_max, the largest eigenvalue of the full-batch training loss's Hessian at ``params``,
    with the stability limit 2/λ_max and the Hessian-vector products it took. Found by
    implicitly restarted Lanczos (ARPACK through ``scipy.sparse.linalg.eigsh``, largest
    algebraic eigenvalue) on Hessian-vector products, from a start drawn from ``seed``: plain
    power iteration with a stopping rule on successive estimates stopped early on some seeds,
    up to 8× below λ_max, where the top eigenvalues lie close together."""
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be in (0, 1), got {tolerance!r}")
    loss, leaves = _loss(config, params, device, data_store)
    grads = torch.autograd.grad(loss, leaves, create_graph=True)
    sizes = [g.numel() for g in grads]
    products = 0

    def matvec(v: np.ndarray) -> np.ndarray:
        nonlocal products
        products += 1
        parts = torch.split(torch.from_numpy(np.asarray(v, dtype=np.float64).ravel()), sizes)
        tangent = [t.reshape(g.shape).to(g.device) for t, g in zip(parts, grads)]
        hv = torch.autograd.grad(grads, leaves, grad_outputs=tangent, retain_graph=True)
        return torch.cat([h.reshape(-1) for h in hv]).cpu().double().numpy()

    n = sum(sizes)
    start = np.random.default_rng(seed).standard_normal(n)
    top = float(eigsh(LinearOperator((n, n), matvec=matvec, dtype=np.float64), k=1,
                      which="LA", v0=start, tol=tolerance, return_eigenvectors=False)[0])
    return {"lambda_max": top, "stability_limit": 2 / top if top > 0 else math.inf,
            "hessian_vector_products": products}


def sharpness_at_init(run) -> dict:
    """``sharpness`` of the loss at the initialization a trained run (``runs.TrainedRun``)
    drew, a measurement."""
    return sharpness(run.config, initial_params(run), seed=derive_seed(run.seed, "sharpness"),
                     device=run.device, data_store=run.data_store)
