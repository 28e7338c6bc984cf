"""Sweeps: what runs a claim needs, and the table of results it gets back.

A claim declares a base config, a grid of values and a number of seeds. The runner decides how:
which runs are already cached, which seeds of one config train together, and where. A run's seed
is derived from (master seed, namespace, config, replicate index); the namespace is the claim id
unless claims deliberately share a sweep under a common name, in which case they share its runs.
"""
from __future__ import annotations

import contextlib
import itertools
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import torch

from . import __version__
from .cache import RunCache
from .config import TrainConfig, stable_hash
from .seeding import derive_seed
from .train import RunResult, train_seeds


@dataclass(frozen=True)
class Sweep:
    """A base config, a grid over dotted config paths, and replicates per grid point.

    A grid key may also be a tuple of paths whose values move together (zipped, not crossed):
    ``{("data.n_train", "steps"): [(500, 500), (1000, 1000)]}`` trains each size for the same
    number of epochs.
    """

    base: TrainConfig
    grid: tuple[tuple[str | tuple[str, ...], tuple[Any, ...]], ...]
    seeds: int
    namespace: str

    @classmethod
    def of(cls, base: TrainConfig, *, seeds: int, namespace: str,
           grid: dict[str, Sequence[Any]] | None = None) -> "Sweep":
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {seeds}")
        materialized = []
        for path, values in (grid or {}).items():
            if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                raise ValueError(f"grid values for {path!r} must be a list, got {values!r}")
            values = tuple(values)
            if not values:
                raise ValueError(f"grid values for {path!r} are empty")
            if isinstance(path, tuple):
                for combo in values:
                    if not isinstance(combo, tuple) or len(combo) != len(path):
                        raise ValueError(f"grid values for {path!r} must be tuples of "
                                         f"{len(path)} values, got {combo!r}")
                base.with_values(**dict(zip(path, values[0])))
            else:
                base.with_values(**{path: values[0]})  # unknown paths fail here, naming it
            materialized.append((path, values))
        return cls(base, tuple(materialized), seeds, namespace)

    def points(self) -> list[dict[str, Any]]:
        out = []
        for combo in itertools.product(*(v for _, v in self.grid)):
            point: dict[str, Any] = {}
            for (path, _), value in zip(self.grid, combo):
                point.update(zip(path, value) if isinstance(path, tuple) else [(path, value)])
            out.append(point)
        return out

    def configs(self) -> list[tuple[dict[str, Any], TrainConfig]]:
        return [(p, self.base.with_values(**p)) for p in self.points()]


@dataclass
class SweepPoint:
    values: dict[str, Any]
    config: TrainConfig
    results: list[RunResult]

    def metric(self, name: str) -> np.ndarray:
        return np.array([r.final(name) for r in self.results])


@dataclass
class ResultTable:
    """Results by grid point, in grid order; each point holds one result per replicate."""

    points: list[SweepPoint]

    def metric(self, name: str) -> list[np.ndarray]:
        """The final value of ``name`` per point: a list of arrays of one value per seed."""
        return [p.metric(name) for p in self.points]

    def values(self, path: str) -> list[Any]:
        return [p.values[path] for p in self.points]

    def where(self, **values: Any) -> "ResultTable":
        def match(p: SweepPoint) -> bool:
            return all(p.values.get(k.replace("__", ".")) == v for k, v in values.items())
        return ResultTable([p for p in self.points if match(p)])

    def only(self) -> SweepPoint:
        if len(self.points) != 1:
            raise ValueError(f"expected one sweep point, have {len(self.points)}")
        return self.points[0]

    def __len__(self) -> int:
        return len(self.points)


def run_key(config: TrainConfig, seed: int, device: torch.device) -> str:
    """Everything that changes a result: config, seed, harness and torch versions, device."""
    return stable_hash("run", __version__, torch.__version__, device.type, config, seed,
                       length=32)


def _train_task(config: TrainConfig, seeds: list[int], keys: list[str], device: str,
                cache_root: Path | None, data_store: Path | None
                ) -> tuple[list[RunResult], int]:
    """Train the runs among ``keys`` that nobody has stored yet, holding their locks; return
    every run's result, in ``keys`` order, and how many of them this call trained.

    Module-level so a worker process can run it. Locks are taken per run, in sorted order, so
    parallel processes never train the same run twice and never deadlock.
    """
    cache = RunCache(cache_root)
    with contextlib.ExitStack() as stack:
        for key in sorted(keys):
            stack.enter_context(cache.lock(key))
        found = {k: cache.load(k) for k in keys}
        todo = [(k, s) for k, s in zip(keys, seeds) if found[k] is None]
        if todo:
            fresh = train_seeds(config, [s for _, s in todo], torch.device(device),
                                config_key=stable_hash(config), data_store=data_store)
            for (k, _), result in zip(todo, fresh):
                cache.store(k, result)
                found[k] = result
    return [found[k] for k in keys], len(todo)


SPLIT_MIN_WIDTH = 128


def _worker_init() -> None:
    torch.set_num_threads(1)


@dataclass
class Runner:
    """Turns sweeps into result tables, training only what the cache lacks.

    With ``workers`` > 1, missing runs train in that many single-threaded worker processes: at
    these model sizes one thread per core in separate processes outruns two threads on one
    stack, whose per-op overhead does not shrink with threads. Seeds of one config are split
    across workers when there are fewer configs than workers.
    """

    cache: RunCache
    device: torch.device
    master_seed: int
    data_store: Path | None = None
    workers: int = 1
    trained: int = field(default=0)
    reused: int = field(default=0)
    _pool: ProcessPoolExecutor | None = field(default=None, repr=False)

    def seeds_for(self, sweep: Sweep, config: TrainConfig) -> list[int]:
        return [derive_seed(self.master_seed, sweep.namespace, config, i)
                for i in range(sweep.seeds)]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def run(self, sweep: Sweep, progress: Callable[[str, int, int], None] | None = None
            ) -> ResultTable:
        """The sweep's results; ``progress(label, runs done, runs total)`` follows each config."""
        configs = sweep.configs()
        total = len(configs) * sweep.seeds
        slots: list[dict[str, RunResult | None]] = []
        tasks = []
        for i, (values, config) in enumerate(configs):
            seeds = self.seeds_for(sweep, config)
            keys = [run_key(config, s, self.device) for s in seeds]
            found = {k: self.cache.load(k) for k in keys}
            slots.append(found)
            missing = [(k, s) for k, s in zip(keys, seeds) if found[k] is None]
            if missing:
                tasks.append((i, config, missing))
        done = sum(1 for found in slots for r in found.values() if r is not None)
        self.reused += done
        labels = [", ".join(f"{k}={v}" for k, v in values.items()) or "base"
                  for values, _ in configs]
        for i, keys, (results, trained) in self._execute(self._split(tasks)):
            slots[i].update(zip(keys, results))
            self.trained += trained
            self.reused += len(results) - trained
            done += len(results)
            if progress is not None:
                progress(labels[i], done, total)
        points = [SweepPoint(values, config, list(found.values()))
                  for (values, config), found in zip(configs, slots)]
        return ResultTable(points)

    def _split(self, tasks):
        """One task per config, or per share of its seeds when configs are fewer than workers
        and the model is wide enough for arithmetic, not per-step overhead, to dominate (a
        process's overhead per step does not shrink with fewer seeds; measured on 2 cores,
        splitting 8 seeds pays from width 128 up and costs time at width 16)."""
        if self.workers <= 1 or len(tasks) >= self.workers:
            return tasks
        out = []
        for i, config, missing in tasks:
            shares = min(self.workers, len(missing))
            if config.model.width < SPLIT_MIN_WIDTH:
                shares = 1
            out += [(i, config, missing[j::shares]) for j in range(shares)]
        return out

    def _execute(self, tasks) -> Iterator[tuple[int, list[str], tuple[list[RunResult], int]]]:
        """(config index, run keys, what ``_train_task`` returned) per task, as tasks finish."""
        jobs = [(i, [k for k, _ in missing],
                 (config, [s for _, s in missing], [k for k, _ in missing], self.device.type,
                  self.cache.root, self.data_store)) for i, config, missing in tasks]
        if self.workers <= 1 or len(jobs) <= 1:
            for i, keys, args in jobs:
                yield i, keys, _train_task(*args)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"),
                                             initializer=_worker_init)
        futures = {self._pool.submit(_train_task, *args): (i, keys) for i, keys, args in jobs}
        for future in as_completed(futures):
            yield (*futures[future], future.result())
