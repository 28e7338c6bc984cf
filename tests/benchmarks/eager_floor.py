"""The least time an eager training step can take: its ATen calls, each alone, with nothing
between them.

A step of the harness is a fixed sequence of ATen calls (matmuls, elementwise ops, views, the
optimizer's foreach update). Recording that sequence and replaying each call in a tight loop
gives what the step would cost with no Python, no allocation churn between calls and warm
caches: a floor for any eager implementation that makes these calls. Where the floor alone
reaches a compiled peer's whole step, no rewrite of the Python around the calls can catch it;
only fusing calls (a compiler) can.
"""
from __future__ import annotations

import time

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from harness.config import TrainConfig
from harness.train import Member, train_stack


class _Recorder(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        self.calls.append((func, args, kwargs))
        return func(*args, **kwargs)


def _recorded(config: TrainConfig, seeds: int, steps: int) -> list[tuple]:
    recorder = _Recorder()
    with recorder:
        train_stack([Member(config.with_values(steps=steps), s) for s in range(seeds)])
    return recorder.calls


def _fastest(func, args, kwargs, repeats: int = 200, rounds: int = 5) -> float:
    """The best time of one call, through the operator's C++ entry (``_op``): the Python
    wrapper of an ``OpOverload`` adds about 0.6 µs a call that the harness's calls do not pay."""
    func = getattr(func, "_op", func)
    for _ in range(20):
        func(*args, **kwargs)
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(repeats):
            func(*args, **kwargs)
        best = min(best, (time.perf_counter() - started) / repeats)
    return best


def step_floor(config: TrainConfig, seeds: int, steps: int = 100) -> tuple[int, float]:
    """(ATen calls per step, seconds per step at the floor) for ``seeds`` stacked runs of
    ``config``, on this process's threads. The calls of one step are the difference between
    a run of ``steps + 1`` and one of ``steps`` steps; any window of that many consecutive
    calls in the middle of a run is one whole step, rotated."""
    short, long = _recorded(config, seeds, steps), _recorded(config, seeds, steps + 1)
    per_step = len(long) - len(short)
    if per_step <= 0:
        raise RuntimeError(f"a step made {per_step} ATen calls; cannot isolate one step")
    start = len(short) // 2
    window = short[start:start + per_step]
    return per_step, sum(_fastest(*call) for call in window)
