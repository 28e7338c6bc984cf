"""How missing runs are executed: here, in local worker processes, or on a Ray cluster.

An executor takes a list of training tasks (``harness.tasks.TrainingTask``) and yields each
task's outcome as it finishes. Which runs train together, how stacks are split and in what order
tasks start is planned by the runner (``harness.runs``) before any executor sees them, so every
executor trains exactly the same stacks and a result does not depend on where it trained.
"""
from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Iterator, Protocol, Sequence

import torch

from .compute import SESSION_RATE_MATRIX, machine_peak_flops
from .tasks import TaskOutcome, TrainingTask, train_task

EXECUTORS = ("local", "ray")


class Executor(Protocol):
    """``slots``: how many tasks run at once (the planner deals large stacks into that many
    shares). ``map`` yields (task index, outcome) as tasks finish, in any order."""

    slots: int

    def map(self, tasks: Sequence[TrainingTask]) -> Iterator[tuple[int, TaskOutcome]]: ...

    def peak_flops(self) -> float: ...

    def close(self) -> None: ...


class InProcess:
    """Every task in this process, one after another, on this process's threads."""

    slots = 1

    def map(self, tasks: Sequence[TrainingTask]) -> Iterator[tuple[int, TaskOutcome]]:
        for i, task in enumerate(tasks):
            yield i, train_task(task)

    def peak_flops(self) -> float:
        return machine_peak_flops(SESSION_RATE_MATRIX, processes=1)

    def close(self) -> None:
        pass


def _single_threaded() -> None:
    torch.set_num_threads(1)


class LocalProcesses:
    """``workers`` single-threaded processes on this machine (spawned on first use, kept until
    ``close``): at these model sizes one thread per core in separate processes outruns two
    threads on one stack, whose per-op overhead does not shrink with threads. Even a single
    task trains in a worker, so this process's threads never train."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.slots = workers
        self._pool: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def map(self, tasks: Sequence[TrainingTask]) -> Iterator[tuple[int, TaskOutcome]]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.slots, mp_context=mp.get_context("spawn"),
                                             initializer=_single_threaded)
        futures = {self._pool.submit(train_task, task): i for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            yield futures[future], future.result()

    def peak_flops(self) -> float:
        """The better of this process with every thread and the workers (started) at one
        thread each: what the workers can reach."""
        return machine_peak_flops(SESSION_RATE_MATRIX, pool=self._pool,
                                  processes=self.slots if self._pool else 1)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def local_executor(workers: int) -> Executor:
    return LocalProcesses(workers) if workers > 1 else InProcess()


def make_executor(name: str, *, workers: int, address: str | None = None,
                  device: str = "cpu") -> Executor:
    """The executor called ``name`` (one of ``EXECUTORS``); ``address`` is a Ray cluster's."""
    if name == "local":
        return local_executor(workers)
    if name == "ray":
        from .ray_executor import RayExecutor
        return RayExecutor(address=address, device=device)
    raise ValueError(f"unknown executor {name!r}; allowed: {', '.join(EXECUTORS)}")
