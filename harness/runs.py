"""Sweeps: what runs a claim needs, and the table of results it gets back.

A claim declares a base config, a grid of values and a number of seeds. The runner decides how:
which runs are already cached, which seeds of one config train together, and where. A run's seed
is derived from (master seed, namespace, config, replicate index); the namespace is the claim id
unless claims deliberately share a sweep under a common name, in which case they share its runs.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch

from . import __version__
from .cache import RunCache
from .config import TrainConfig, stable_hash
from .seeding import derive_seed
from .train import RunResult, train_seeds


@dataclass(frozen=True)
class Sweep:
    """A base config, a grid over dotted config paths, and replicates per grid point."""

    base: TrainConfig
    grid: tuple[tuple[str, tuple[Any, ...]], ...]
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
            base.with_values(**{path: values[0]})  # unknown paths fail here, naming the path
            materialized.append((path, values))
        return cls(base, tuple(materialized), seeds, namespace)

    def points(self) -> list[dict[str, Any]]:
        keys = [k for k, _ in self.grid]
        return [dict(zip(keys, combo)) for combo in itertools.product(*(v for _, v in self.grid))]

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


@dataclass
class Runner:
    """Turns sweeps into result tables, training only what the cache lacks."""

    cache: RunCache
    device: torch.device
    master_seed: int
    data_store: Path | None = None
    progress: Callable[[str, int, int], None] | None = None
    trained: int = field(default=0)
    reused: int = field(default=0)

    def seeds_for(self, sweep: Sweep, config: TrainConfig) -> list[int]:
        return [derive_seed(self.master_seed, sweep.namespace, config, i)
                for i in range(sweep.seeds)]

    def run(self, sweep: Sweep) -> ResultTable:
        configs = sweep.configs()
        total = len(configs) * sweep.seeds
        done = 0
        points = []
        for values, config in configs:
            label = ", ".join(f"{k}={v}" for k, v in values.items()) or "base"
            results = self._run_config(config, self.seeds_for(sweep, config))
            done += len(results)
            if self.progress is not None:
                self.progress(label, done, total)
            points.append(SweepPoint(values, config, results))
        return ResultTable(points)

    def _run_config(self, config: TrainConfig, seeds: list[int]) -> list[RunResult]:
        keys = [run_key(config, s, self.device) for s in seeds]
        found = {k: self.cache.load(k) for k in keys}
        trained = 0
        if any(r is None for r in found.values()):
            with self.cache.lock(stable_hash("group", config, self.device.type)):
                found = {k: found[k] or self.cache.load(k) for k in keys}
                todo = [(k, s) for k, s in zip(keys, seeds) if found[k] is None]
                if todo:
                    fresh = train_seeds(config, [s for _, s in todo], self.device,
                                        config_key=stable_hash(config),
                                        data_store=self.data_store)
                    for (k, _), result in zip(todo, fresh):
                        self.cache.store(k, result)
                        found[k] = result
                    trained = len(todo)
        self.trained += trained
        self.reused += len(keys) - trained
        return [found[k] for k in keys]
