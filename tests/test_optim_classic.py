"""The batched optimizers follow torch.optim; the classic polynomial model behaves as theory says."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from harness.classic import polynomial_fit_errors, polynomial_sweep
from harness.config import DataSpec
from harness.optim import BatchedAdam, BatchedSGD, make_optimizer


def _params(seed: int) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(3, 5, 4, generator=gen), torch.randn(3, 1, 4, generator=gen)]


@pytest.mark.parametrize("name,kwargs", [
    ("sgd", dict(lr=0.1, momentum=0.0, weight_decay=0.0)),
    ("sgd", dict(lr=0.05, momentum=0.9, weight_decay=1e-3)),
    ("adam", dict(lr=0.01, weight_decay=0.0)),
    ("adam", dict(lr=0.003, weight_decay=1e-2)),
])
def test_batched_optimizers_match_torch_optim(name, kwargs):
    ours, theirs = _params(0), [p.clone().requires_grad_(True) for p in _params(0)]
    if name == "sgd":
        mine = BatchedSGD(ours, **kwargs)
        ref = torch.optim.SGD(theirs, **kwargs)
    else:
        mine = BatchedAdam(ours, **kwargs)
        ref = torch.optim.Adam(theirs, **kwargs)
    gen = torch.Generator().manual_seed(1)
    for _ in range(25):
        grads = [torch.randn(p.shape, generator=gen) for p in ours]
        mine.step(grads)
        for p, g in zip(theirs, grads):
            p.grad = g.clone()
        ref.step()
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b.detach(), rtol=1e-5, atol=1e-6)


def test_unknown_optimizer_is_named():
    with pytest.raises(ValueError, match="'rmsprop'.*sgd, adam"):
        make_optimizer("rmsprop", _params(0), lr=0.1, momentum=0.0, weight_decay=0.0)


POLY = DataSpec(name="polynomial", n_train=30, n_test=500, options=(("noise", 0.3),))


def test_polynomial_fit_gap_grows_with_degree_on_average():
    gaps = {d: np.mean([polynomial_fit_errors(POLY.__class__(**{**POLY.__dict__, "seed": s}),
                                              d)["gap"] for s in range(20)])
            for d in (1, 12)}
    assert gaps[12] > gaps[1] + 0.02


def test_polynomial_fit_interpolates_at_n_minus_one():
    errs = polynomial_fit_errors(DataSpec(name="polynomial", n_train=8, n_test=50), 7)
    assert errs["train_error"] < 1e-12


def test_polynomial_fit_rejects_bad_input():
    with pytest.raises(ValueError, match="degree"):
        polynomial_fit_errors(POLY, -1)
    with pytest.raises(ValueError, match="1-D regression"):
        polynomial_fit_errors(DataSpec(name="angles", n_train=20, n_test=10), 2)


def test_polynomial_sweep_is_deterministic_and_seeds_by_namespace():
    a = polynomial_sweep(POLY, grid={"degree": (2, 4)}, replicates=3, master_seed=0,
                         namespace="x")
    b = polynomial_sweep(POLY, grid={"degree": (2, 4)}, replicates=3, master_seed=0,
                         namespace="x")
    c = polynomial_sweep(POLY, grid={"degree": (2, 4)}, replicates=3, master_seed=0,
                         namespace="y")
    assert [p for p, _ in a] == [{"degree": 2}, {"degree": 4}]
    np.testing.assert_array_equal(a[0][1]["gap"], b[0][1]["gap"])
    assert not np.array_equal(a[0][1]["gap"], c[0][1]["gap"])
    with pytest.raises(ValueError, match="replicates"):
        polynomial_sweep(POLY, grid={"degree": (2,)}, replicates=0, master_seed=0, namespace="x")


def _scalar_sgd_step(params, grads, buffers, *, lr, momentum, weight_decay):
    """One SGD step through the scalar-argument kernels (the engine's earlier form)."""
    if weight_decay:
        grads = torch._foreach_add(grads, params, alpha=weight_decay)
    if momentum:
        if not buffers:
            buffers += [g.clone() for g in grads]
        else:
            torch._foreach_mul_(buffers, momentum)
            torch._foreach_add_(buffers, grads)
        grads = buffers
    torch._foreach_add_(params, grads, alpha=-lr)


def _scalar_adam_step(params, grads, m, v, t, *, lr, weight_decay):
    if weight_decay:
        grads = torch._foreach_add(grads, params, alpha=weight_decay)
    torch._foreach_lerp_(m, grads, 0.1)
    torch._foreach_mul_(v, 0.999)
    torch._foreach_addcmul_(v, grads, grads, 0.001)
    denom = torch._foreach_sqrt(v)
    torch._foreach_div_(denom, (1 - 0.999 ** t) ** 0.5)
    torch._foreach_add_(denom, 1e-8)
    torch._foreach_addcdiv_(params, m, denom, -lr / (1 - 0.9 ** t))


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_per_member_values_give_bit_for_bit_the_scalar_kernels_numbers(name):
    """Per-member hyper-parameters go through fused kernels that round like the scalar ones:
    each member of a mixed stack equals a scalar-kernel update with its own values."""
    lrs, decays, momenta = [0.1, 0.013, 0.37], [0.0, 1e-3, 0.02], [0.9, 0.0, 0.5]
    ours = _params(0)
    mine = (BatchedSGD(ours, lr=lrs, momentum=momenta, weight_decay=decays) if name == "sgd"
            else BatchedAdam(ours, lr=lrs, weight_decay=decays))
    refs = [[p[i:i + 1].clone() for p in _params(0)] for i in range(3)]
    state = [([], [torch.zeros_like(p) for p in r], [torch.zeros_like(p) for p in r])
             for r in refs]
    gen = torch.Generator().manual_seed(1)
    for t in range(1, 21):
        grads = [torch.randn(p.shape, generator=gen) for p in ours]
        mine.step(grads)
        for i, ref in enumerate(refs):
            g = [x[i:i + 1] for x in grads]
            if name == "sgd":
                _scalar_sgd_step(ref, g, state[i][0], lr=lrs[i], momentum=momenta[i],
                                 weight_decay=decays[i])
            else:
                _scalar_adam_step(ref, g, state[i][1], state[i][2], t, lr=lrs[i],
                                  weight_decay=decays[i])
    for i, ref in enumerate(refs):
        for a, b in zip(ours, ref):
            assert torch.equal(a[i:i + 1], b)


def test_a_per_member_value_list_must_match_the_stack():
    with pytest.raises(ValueError, match="lr has 2 values for a stack of 3 members"):
        BatchedSGD(_params(0), lr=[0.1, 0.2])
