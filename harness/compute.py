"""How much arithmetic the suite does, and how fast this machine can do it: the FLOP bound.

A run's FLOPs are counted from its shapes, not measured: a training step costs about three
forward passes of its batch (the backward pass computes two products per layer for the one the
forward pass computes), and every evaluation is one forward pass over both splits. The bound
is those FLOPs at the rate this machine multiplies large float32 matrices, measured in the same
session: no training loop can beat it, so wall time over bound says how far from the machine's
limit the suite runs.
"""
from __future__ import annotations

import time

import torch

TRAIN_STEP_FORWARDS = 3
RATE_MATRIX = 2048


def run_flops(flops_per_example: int, *, batch_size: int, steps: int, n_examples: int,
              n_evals: int) -> int:
    """Training plus evaluation FLOPs of one run (``n_examples``: both splits together)."""
    return (TRAIN_STEP_FORWARDS * flops_per_example * batch_size * steps
            + flops_per_example * n_examples * n_evals)


def matmul_rate(n: int = RATE_MATRIX, repeats: int = 5) -> float:
    """FLOP/s of an n×n float32 matrix product on the CPU with torch's threads, the best of
    ``repeats`` (after one warm-up): the machine's arithmetic limit for dense work."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - started)
    return 2 * n ** 3 / best


def bound_ratio(wall_seconds: float, flops: float, rate: float | None) -> float:
    """Wall time over the FLOP bound (nan when nothing was computed or no rate is known)."""
    if not rate or flops <= 0:
        return float("nan")
    return wall_seconds / (flops / rate)
