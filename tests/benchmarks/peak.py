"""The machine's arithmetic ceiling: large fp32 matmul throughput, the better of one process
using every thread and one single-threaded process per core running at once (the engine's
worker processes can reach the latter, so the bound must not be below it)."""
from __future__ import annotations

import multiprocessing as mp
import os
import time

import torch


def matmul_throughput(n: int = 2048, repeats: int = 8, trials: int = 3) -> float:
    """FLOP/s of an n×n fp32 matmul in this process, best of ``trials``."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(trials):
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        best = min(best, (time.perf_counter() - start) / repeats)
    return 2 * n ** 3 / best


def _single_thread_throughput(_: int) -> float:
    torch.set_num_threads(1)
    return matmul_throughput(repeats=4)


def machine_peak_flops() -> float:
    together = matmul_throughput()
    cores = os.cpu_count() or 1
    if cores == 1:
        return together
    with mp.get_context("spawn").Pool(cores) as pool:
        apart = sum(pool.map(_single_thread_throughput, range(cores)))
    return max(together, apart)
