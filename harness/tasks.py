"""The unit of work an executor runs: one stack of runs that share every shape.

A task names its runs (configs, seeds, cache keys) and where results go; running it trains the
runs nobody has stored yet and hands back their results. It is plain data plus one function, so
any executor can ship it: to a worker process, to a Ray node, or call it here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import torch

from .cache import RunCache
from .config import TrainConfig, stable_hash
from .train import Member, RunResult, train_stack

STEP_OVERHEAD_MACS = 20e6  # a step's fixed cost (~0.4 ms), as multiply-adds at ~45 GMAC/s


@dataclass
class TaskOutcome:
    """What one training task hands back: every run's result in key order, how many it
    trained, and the storage failure it met, if any (the results are whole regardless)."""

    results: list[RunResult]
    trained: int
    write_failure: str | None = None
    trained_flops: float = 0.0
    trained_seconds: float = 0.0


@dataclass(frozen=True)
class TrainingTask:
    """Runs (``configs[i]``, ``seeds[i]``) stored under ``keys[i]``, trained as one stack on
    ``device``. ``cache_root`` None trains every run and stores nothing (what a remote worker
    does: its results are stored where the runner's cache lives, by ``store_outcome``)."""

    configs: tuple[TrainConfig, ...]
    seeds: tuple[int, ...]
    keys: tuple[str, ...]
    device: str
    cache_root: Path | None
    data_store: Path | None
    writable: bool = True

    def __post_init__(self) -> None:
        if not (len(self.configs) == len(self.seeds) == len(self.keys)) or not self.keys:
            raise ValueError(f"a task needs as many configs, seeds and keys, at least one; got "
                             f"{len(self.configs)}, {len(self.seeds)}, {len(self.keys)}")

    def __call__(self) -> TaskOutcome:
        return train_task(self)

    def detached(self) -> "TrainingTask":
        """The same runs, trained without reading or writing any cache."""
        return replace(self, cache_root=None)


def stack_cost(config: TrainConfig, runs: int) -> float:
    """A stack's cost, roughly: steps × (a fixed cost per step + the stack's multiply-adds per
    step, from its width and depth). Only ratios between stacks matter: a stack larger than a
    worker's fair share is dealt out, and the longest tasks start first, so the last task to
    finish is a short one and no core idles through a long one."""
    model = config.model
    per_example = model.width * (model.width * max(model.depth - 1, 0) + 100) * (
        model.kernel_size * 10 if model.kind == "cnn"
        else model.kernel_size ** 2 * 100 if model.kind == "cnn2d" else 1)
    return config.steps * (STEP_OVERHEAD_MACS + runs * config.batch_size * per_example)


def train_task(task: TrainingTask) -> TaskOutcome:
    """Train the runs of ``task`` that nobody has stored yet, holding their locks.

    Module-level so a worker process can run it. Locks are taken in sorted order, so parallel
    processes never train the same run twice and never deadlock. A failed store (no space) does
    not throw the training away: the results come back with the failure named.
    """
    cache = RunCache(task.cache_root, writable=task.writable)
    config_keys = [stable_hash(c) for c in task.configs]
    with cache.locks(task.keys):
        found = {k: cache.load(k, seed=s, config_key=ck)
                 for k, s, ck in zip(task.keys, task.seeds, config_keys)}
        todo = [i for i, k in enumerate(task.keys) if found[k] is None]
        if todo:
            fresh = train_stack([Member(task.configs[i], task.seeds[i]) for i in todo],
                                torch.device(task.device),
                                config_keys=[config_keys[i] for i in todo],
                                data_store=task.data_store)
            for i, result in zip(todo, fresh):
                cache.store(task.keys[i], result)
                found[task.keys[i]] = result
    fresh_runs = [found[task.keys[i]] for i in todo]
    return TaskOutcome([found[k] for k in task.keys], len(todo), cache.write_failure,
                       trained_flops=float(sum(r.meta.get("flops", 0) for r in fresh_runs)),
                       trained_seconds=sum(r.seconds for r in fresh_runs))


def store_outcome(task: TrainingTask, outcome: TaskOutcome) -> TaskOutcome:
    """Results trained elsewhere (``task.detached()``) stored in ``task``'s cache, under the
    runs' locks, each only if no other session stored it meanwhile: what lands is whole, and
    a worker that died mid-task left nothing behind."""
    cache = RunCache(task.cache_root, writable=task.writable)
    with cache.locks(task.keys):
        for key, seed, config, result in zip(task.keys, task.seeds, task.configs,
                                             outcome.results):
            if cache.load(key, seed=seed, config_key=stable_hash(config)) is None:
                cache.store(key, result)
    return replace(outcome, write_failure=outcome.write_failure or cache.write_failure)
