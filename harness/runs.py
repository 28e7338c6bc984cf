"""Sweeps: what runs a claim needs, and the table of results it gets back.

A claim declares a base config, a grid of values and a number of seeds. The runner decides how:
which runs are already cached, which seeds of one config train together, and where. A run's seed
is derived from (master seed, namespace, config, replicate index); the namespace is the claim id
unless claims deliberately share a sweep under a common name, in which case they share its runs.
"""
from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import torch

from . import __version__
from .cache import RunCache
from .config import TrainConfig, get_path, resolve_data, set_path, stable_hash, stack_key
from .data import generator_version
from .executors import Executor, local_executor
from .seeding import derive_seed
from .tasks import TaskOutcome, TrainingTask, stack_cost, train_task
from .train import RunResult, device_model


class CacheWriteWarning(UserWarning):
    """The run cache could not store a result (no space, read-only); nothing trained is lost."""


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
    paired: tuple[str, ...] = ()

    @classmethod
    def of(cls, base: TrainConfig, *, seeds: int, namespace: str,
           grid: dict[str, Sequence[Any]] | None = None, paired: Sequence[str] = ()
           ) -> "Sweep":
        """``paired`` names config paths whose values do not enter the seeds: configs that
        differ only there share their seeds (the same initialization and data order), so
        replicate i of one arm is paired with replicate i of another."""
        if seeds < 1:
            raise ValueError(f"seeds must be >= 1, got {seeds}")
        paired = tuple(paired)
        for path in paired:
            try:
                get_path(base, path)
            except AttributeError:
                raise ValueError(f"unknown config field {path!r} in paired") from None
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
        return cls(base, tuple(materialized), seeds, namespace, paired)

    def points(self) -> list[dict[str, Any]]:
        out = []
        for combo in itertools.product(*(v for _, v in self.grid)):
            point: dict[str, Any] = {}
            for (path, _), value in zip(self.grid, combo):
                point.update(zip(path, value) if isinstance(path, tuple) else [(path, value)])
            out.append(point)
        return out

    def configs(self, master_seed: int | None = None) -> list[tuple[dict[str, Any], TrainConfig]]:
        """Each grid point's config; with ``master_seed``, its data draw resolved for it."""
        out = [(p, self.base.with_values(**p)) for p in self.points()]
        if master_seed is None:
            return out
        return [(p, resolve_data(c, master_seed)) for p, c in out]


@dataclass
class SweepPoint:
    """One grid point: its values, its config, one result per replicate, and each result's run
    key (what names its cached entry and parameters)."""

    values: dict[str, Any]
    config: TrainConfig
    results: list[RunResult]
    keys: list[str] = field(default_factory=list)

    def metric(self, name: str) -> np.ndarray:
        return np.array([r.final(name) for r in self.results])

    def curve(self, name: str) -> tuple[list[int], list[list[float]]]:
        """``name`` over training: the evaluation steps, and per step one value per seed."""
        steps = list(self.results[0].steps)
        return steps, [[r.curves[name][j] for r in self.results] for j in range(len(steps))]


@dataclass(frozen=True)
class TrainedRun:
    """One finished run with its final parameters (one seed's tensors, no seed axis), what a
    measurement on trained runs reads."""

    config: TrainConfig
    seed: int
    key: str
    result: RunResult
    params: dict[str, torch.Tensor]
    device: torch.device
    data_store: Path | None = None


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
    """Everything that changes a result: the config, the seed, the harness, torch and numpy
    versions, the data generator's version, and the device model (not only its type)."""
    return stable_hash("run", __version__, torch.__version__, np.__version__,
                       generator_version(config.data), device_model(str(device)), config, seed,
                       length=32)


@dataclass
class Runner:
    """Turns sweeps into result tables, training only what the cache lacks.

    The runner plans: which missing runs stack together, which stacks are dealt out, which
    start first. The ``executor`` (``harness.executors``) runs the plan: by default in this
    process, or with ``workers`` > 1 in that many single-threaded local processes.
    """

    cache: RunCache
    device: torch.device
    master_seed: int
    data_store: Path | None = None
    workers: int = 1
    trained: int = field(default=0)
    reused: int = field(default=0)
    trained_flops: float = field(default=0.0)  # of the runs this runner trained
    trained_seconds: float = field(default=0.0)
    write_failure: str | None = None
    _memory: dict[str, RunResult] = field(default_factory=dict, repr=False)
    _weights: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict, repr=False)
    executor: Executor | None = None

    def __post_init__(self) -> None:
        if self.executor is None:
            self.executor = local_executor(self.workers)
        self.workers = self.executor.slots

    def seeds_for(self, sweep: Sweep, config: TrainConfig) -> list[int]:
        """A spawned child shares the seeds of its parent's config (``TrainConfig.lineage``),
        and configs that differ only in the sweep's ``paired`` paths share theirs."""
        seeded = config.lineage()
        if sweep.paired:
            seeded = set_path(seeded, {p: get_path(sweep.base, p) for p in sweep.paired})
        return [derive_seed(self.master_seed, sweep.namespace, seeded, i)
                for i in range(sweep.seeds)]

    def forget_session(self) -> None:
        """Drop the results and weights this runner holds in memory, so the next ``run`` reads
        the cache (or, without one, trains) again: what a benchmark round must time."""
        self._memory.clear()
        self._weights.clear()

    def peak_flops(self) -> float:
        """This machine's float32 matmul peak as the executor can use it."""
        return self.executor.peak_flops()

    def close(self) -> None:
        self.executor.close()

    def run(self, sweep: Sweep, progress: Callable[[str, int, int], None] | None = None
            ) -> ResultTable:
        """The sweep's results; ``progress(label, runs done, runs total)`` follows each config."""
        configs = sweep.configs(self.master_seed)
        total = len(configs) * sweep.seeds
        slots: list[dict[str, RunResult | None]] = []
        missing: list[tuple[int, TrainConfig, str, int]] = []
        for i, (values, config) in enumerate(configs):
            seeds = self.seeds_for(sweep, config)
            keys = [run_key(config, s, self.device) for s in seeds]
            config_key = stable_hash(config)
            found = {k: self._memory.get(k) or self.cache.load(k, seed=s, config_key=config_key)
                     for k, s in zip(keys, seeds)}
            slots.append(found)
            missing += [(i, config, k, s) for k, s in zip(keys, seeds) if found[k] is None]
        done = sum(1 for found in slots for r in found.values() if r is not None)
        self.reused += done
        labels = [", ".join(f"{k}={v}" for k, v in values.items()) or "base"
                  for values, _ in configs]
        for runs, outcome in self._execute(self._split(_stacks(missing))):
            for (i, _, key, _), result in zip(runs, outcome.results):
                slots[i][key] = self._lean(key, result, outcome)
            self.trained += outcome.trained
            self.trained_flops += outcome.trained_flops
            self.trained_seconds += outcome.trained_seconds
            self.reused += len(outcome.results) - outcome.trained
            done += len(outcome.results)
            if outcome.write_failure and self.write_failure is None:
                self.write_failure = outcome.write_failure
                warnings.warn(CacheWriteWarning(
                    f"could not store run results under {outcome.write_failure}; this session "
                    f"keeps its results in memory and goes on without storing"), stacklevel=2)
            if progress is not None:
                shown = sorted({i for i, *_ in runs})
                progress("; ".join(labels[i] for i in shown[:3])
                         + (f"; … {len(shown)} configs" if len(shown) > 3 else ""), done, total)
        for found in slots:
            self._memory.update(found)
        points = [SweepPoint(values, config, list(found.values()), list(found))
                  for (values, config), found in zip(configs, slots)]
        return ResultTable(points)

    def _lean(self, key: str, result: RunResult, outcome: TaskOutcome) -> RunResult:
        """The result without its parameters, which stay in the cache; in memory only when the
        cache could not take them."""
        if result.params is not None and (not self.cache.enabled or outcome.write_failure
                                          or self.write_failure):
            self._weights[key] = result.params
        return replace(result, params=None)

    def trained_run(self, point: SweepPoint, replicate: int) -> TrainedRun:
        return TrainedRun(point.config, point.results[replicate].seed, point.keys[replicate],
                          point.results[replicate], self.weights(point, replicate), self.device,
                          self.data_store)

    def weights(self, point: SweepPoint, replicate: int) -> dict[str, torch.Tensor]:
        """The final parameters of one run of a sweep, without retraining it: read from the
        cache (or this session's memory). A run whose parameters were lost (a corrupt or
        removed file) is trained again, which gives the same numbers on the same platform."""
        key, result = point.keys[replicate], point.results[replicate]
        if key in self._weights:
            return self._weights[key]
        params = self.cache.load_params(key)
        if params is None:
            self.cache.forget(key)
            outcome = train_task(self._task([(0, point.config, key, result.seed)]))
            self.trained += outcome.trained
            self.trained_flops += outcome.trained_flops
            self.trained_seconds += outcome.trained_seconds
            params = outcome.results[0].params
            self._lean(key, outcome.results[0], outcome)  # kept in memory if not stored
        return params

    def _split(self, stacks: list[list[tuple]]) -> list[list[tuple]]:
        """One task per stack, except that a stack costing more than a worker's fair share of
        the whole (``_expected_cost``) is dealt into as many shares as it holds fair shares, so
        every core trains until the end: one stack alone goes to every worker, and a wide stack
        beside a narrow one is halved rather than left to one core. A share pays its own
        per-step overhead, but in parallel: measured on 2 cores, 8 seeds split in two train at
        width 32 in 0.28 s against 0.33 s as one stack, at width 64 in the same time, and from
        width 128 up faster."""
        if self.workers <= 1 or not stacks:
            return stacks
        costs = [_expected_cost(runs) for runs in stacks]
        fair = sum(costs) / self.workers
        out = []
        for runs, cost in zip(stacks, costs):
            shares = min(len(runs), self.workers, max(1, math.ceil(cost / fair - 1e-9)))
            out += [runs[j::shares] for j in range(shares)]
        return out

    def _task(self, runs: list[tuple]) -> TrainingTask:
        return TrainingTask(tuple(c for _, c, _, _ in runs), tuple(s for *_, s in runs),
                            tuple(k for _, _, k, _ in runs), str(self.device), self.cache.root,
                            self.data_store, self.write_failure is None)

    def _execute(self, plan: list[list[tuple]]) -> Iterator[tuple[list[tuple], TaskOutcome]]:
        """(the task's runs, its outcome) per task, as tasks finish. With more than one slot the
        longest start first; with one, tasks run in the order the sweep declares them."""
        if self.workers > 1:
            plan = sorted(plan, key=_expected_cost, reverse=True)
        for i, outcome in self.executor.map([self._task(runs) for runs in plan]):
            yield plan[i], outcome


def _expected_cost(runs: list[tuple]) -> float:
    return stack_cost(runs[0][1], len(runs))


def _stacks(missing: list[tuple[int, TrainConfig, str, int]]) -> list[list[tuple]]:
    """The missing runs grouped into stacks of configs that share every shape, in first-seen
    order: a learning-rate or init-scale sweep trains as one computation."""
    stacks: dict[str, list[tuple]] = {}
    for run in missing:
        stacks.setdefault(stack_key(run[1]), []).append(run)
    return list(stacks.values())
