"""Curvature of the training loss: its sharpness, the largest eigenvalue of the Hessian.

For gradient descent on a quadratic, a learning rate above 2/λ_max makes the step along the
sharpest direction overshoot and grow: the classical stability limit (LeCun, Simard & Pearlmutter
1993; Cohen et al. 2021, "Edge of Stability"). A claim that a learning rate must be "small" has a
natural unit in it: 2/λ_max of the loss the network starts on. λ_max is found by power iteration
on Hessian-vector products (double backward through the model's forward pass), never by forming
the Hessian.
"""
from __future__ import annotations

import math

import torch

from .landscape import Params, initial_params
from .models import build_model
from .seeding import derive_seed, torch_generator
from .train import cached_dataset, loss_function

POWER_ITERATIONS = 50
RELATIVE_TOLERANCE = 1e-3


def _loss(config, params: Params, device, data_store) -> tuple[torch.Tensor, list[torch.Tensor]]:
    data = cached_dataset(config.data, str(torch.device(device)), data_store)
    model = build_model(config.model, data.input_shape, data.n_outputs)
    leaves = [v.detach().to(device).double().requires_grad_(True) for v in params.values()]
    stacked = {k: v[None].float() for k, v in zip(params, leaves)}
    loss = loss_function(data.task)(model.forward(stacked, data.x_train), data.y_train).mean()
    return loss, leaves


def _power_iteration(hvp, like: list[torch.Tensor], gen: torch.Generator, shift: float,
                     iterations: int) -> tuple[float, int]:
    """The dominant eigenvalue of H - shift·I (largest in magnitude), and the iterations used."""
    v = [torch.randn(g.shape, generator=gen, dtype=torch.float64).to(g.device) for g in like]
    estimate, used = math.nan, 0
    for used in range(1, iterations + 1):
        norm = math.sqrt(sum(float((x * x).sum()) for x in v))
        v = [x / norm for x in v]
        hv = [h - shift * x for h, x in zip(hvp(v), v)]
        previous, estimate = estimate, sum(float((a * b).sum()) for a, b in zip(v, hv))
        v = [h.detach() for h in hv]
        if math.isfinite(previous) and abs(estimate - previous) <= RELATIVE_TOLERANCE * abs(
                estimate):
            break
    return estimate, used


def sharpness(config, params: Params, *, seed: int, device="cpu", data_store=None,
              iterations: int = POWER_ITERATIONS) -> dict:
    """λ_max, the largest eigenvalue of the full-batch training loss's Hessian at ``params``,
    with the stability limit 2/λ_max and the power iterations used. Power iteration finds the
    eigenvalue largest in magnitude; where that one is negative (a saddle's curvature), a second
    pass on H − μ·I, which is positive semi-definite when μ is the most negative eigenvalue,
    finds λ_max − μ. Each pass starts from a random direction drawn from ``seed`` and stops when
    the estimate moves by less than ``RELATIVE_TOLERANCE``."""
    if iterations < 1:
        raise ValueError(f"iterations must be >= 1, got {iterations!r}")
    loss, leaves = _loss(config, params, device, data_store)
    grads = torch.autograd.grad(loss, leaves, create_graph=True)

    def hvp(v):
        return torch.autograd.grad(grads, leaves, grad_outputs=v, retain_graph=True)

    gen = torch_generator(seed)
    dominant, used = _power_iteration(hvp, grads, gen, 0.0, iterations)
    top = dominant
    if dominant < 0:
        shifted, more = _power_iteration(hvp, grads, gen, dominant, iterations)
        top, used = shifted + dominant, used + more
    return {"lambda_max": top, "stability_limit": 2 / top if top > 0 else math.inf,
            "iterations": used}


def sharpness_at_init(run) -> dict:
    """``sharpness`` of the loss at the initialization a trained run (``runs.TrainedRun``)
    drew, a measurement."""
    return sharpness(run.config, initial_params(run), seed=derive_seed(run.seed, "sharpness"),
                     device=run.device, data_store=run.data_store)
