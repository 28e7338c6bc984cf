"""How much arithmetic the suite does, and how fast this machine can do it: the FLOP bound.

A run's FLOPs are counted from its shapes, not measured: a training step costs about three
forward passes of its batch (the backward pass computes two products per layer for the one the
forward pass computes), and every evaluation is one forward pass over both splits. The bound
is those FLOPs at the rate this machine multiplies large float32 matrices, measured in the same
session: no training loop can beat it, so wall time over bound says how far from the machine's
limit the suite runs.
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import time

import torch

TRAIN_STEP_FORWARDS = 3
RATE_MATRIX = 2048
SESSION_RATE_MATRIX = 1024  # the session's own measurement: under a second, near the peak


def run_flops(flops_per_example: int, *, batch_size: int, steps: int, n_examples: int,
              n_evals: int) -> int:
    """Training plus evaluation FLOPs of one run (``n_examples``: both splits together)."""
    return (TRAIN_STEP_FORWARDS * flops_per_example * batch_size * steps
            + flops_per_example * n_examples * n_evals)


def matmul_throughput(n: int = RATE_MATRIX, repeats: int = 8, trials: int = 3) -> float:
    """FLOP/s of an n×n float32 matrix product in this process, the best of ``trials``."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(trials):
        started = time.perf_counter()
        for _ in range(repeats):
            a @ b
        best = min(best, (time.perf_counter() - started) / repeats)
    return 2 * n ** 3 / best


def single_thread_throughput(n: int = RATE_MATRIX) -> float:
    torch.set_num_threads(1)
    return matmul_throughput(n, repeats=4, trials=2)


def machine_peak_flops(n: int = RATE_MATRIX, pool=None, processes: int | None = None) -> float:
    """The machine's arithmetic ceiling: the better of one process using every thread and
    ``processes`` single-threaded processes (default: one per core) running at once, since the
    harness's worker processes can reach the latter and the bound must not be below it.
    ``pool``: processes already started (the runner's workers) to measure in, else spawned."""
    together = matmul_throughput(n)
    processes = processes or os.cpu_count() or 1
    if processes == 1 and pool is None:
        return together
    with contextlib.nullcontext(pool) if pool else mp.get_context("spawn").Pool(processes) as use:
        apart = sum(use.map(single_thread_throughput, [n] * processes))
    return max(together, apart)


def flop_bound(flops: float, rate: float | None) -> float:
    """Seconds ``flops`` take at ``rate`` (nan when no rate is known)."""
    return flops / rate if rate else float("nan")


def bound_ratio(wall_seconds: float, flops: float, rate: float | None) -> float:
    """Wall time over the FLOP bound (nan when nothing was computed or no rate is known)."""
    if not rate or flops <= 0:
        return float("nan")
    return wall_seconds / flop_bound(flops, rate)
