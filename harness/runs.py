"""Sweeps: what runs a claim needs, and the table of results it gets back.

A claim declares a base config, a grid of values and a number of seeds. The runner decides how:
which runs are already cached, which seeds of one config train together, and where. A run's seed
is derived from (master seed, namespace, config, replicate index); the namespace is the claim id
unless claims deliberately share a sweep under a common name, in which case they share its runs.
"""
from __future__ import annotations

import itertools
import math
import multiprocessing as mp
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np
import torch

from . import __version__
from .cache import RunCache
from .compute import SESSION_RATE_MATRIX, machine_peak_flops
from .config import TrainConfig, get_path, set_path, stable_hash, stack_key
from .seeding import derive_seed
from .data import generator_version
from .train import Member, RunResult, device_model, train_stack


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

    def configs(self) -> list[tuple[dict[str, Any], TrainConfig]]:
        return [(p, self.base.with_values(**p)) for p in self.points()]


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
class TaskOutcome:
    """What one training task hands back: every run's result in key order, how many it
    trained, and the storage failure it met, if any (the results are whole regardless)."""

    results: list[RunResult]
    trained: int
    write_failure: str | None = None
    trained_flops: float = 0.0
    trained_seconds: float = 0.0


def _train_task(configs: list[TrainConfig], seeds: list[int], keys: list[str], device: str,
                cache_root: Path | None, data_store: Path | None, writable: bool = True
                ) -> TaskOutcome:
    """Train the runs among ``keys`` that nobody has stored yet, holding their locks; the
    runs (``configs[i]``, ``seeds[i]``) share every shape and train in one stack.

    Module-level so a worker process can run it. Locks are taken in sorted order, so parallel
    processes never train the same run twice and never deadlock. A failed store (no space) does
    not throw the training away: the results come back with the failure named.
    """
    cache = RunCache(cache_root, writable=writable)
    config_keys = [stable_hash(c) for c in configs]
    with cache.locks(keys):
        found = {k: cache.load(k, seed=s, config_key=ck)
                 for k, s, ck in zip(keys, seeds, config_keys)}
        todo = [i for i, k in enumerate(keys) if found[k] is None]
        if todo:
            fresh = train_stack([Member(configs[i], seeds[i]) for i in todo],
                                torch.device(device), config_keys=[config_keys[i] for i in todo],
                                data_store=data_store)
            for i, result in zip(todo, fresh):
                cache.store(keys[i], result)
                found[keys[i]] = result
    fresh_runs = [found[keys[i]] for i in todo]
    return TaskOutcome([found[k] for k in keys], len(todo), cache.write_failure,
                       trained_flops=float(sum(r.meta.get("flops", 0) for r in fresh_runs)),
                       trained_seconds=sum(r.seconds for r in fresh_runs))


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
    trained_flops: float = field(default=0.0)  # of the runs this runner trained
    trained_seconds: float = field(default=0.0)
    write_failure: str | None = None
    _memory: dict[str, RunResult] = field(default_factory=dict, repr=False)
    _weights: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict, repr=False)
    _pool: ProcessPoolExecutor | None = field(default=None, repr=False)

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
        """This machine's float32 matmul peak as the runner can use it: this process with
        every thread, or its worker processes (already started) at one thread each."""
        return machine_peak_flops(SESSION_RATE_MATRIX, pool=self._pool,
                                  processes=self.workers if self._pool else 1)

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
            outcome = _train_task([point.config], [result.seed], [key], str(self.device),
                                  self.cache.root, self.data_store, self.write_failure is None)
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

    def _execute(self, tasks: list[list[tuple]]) -> Iterator[tuple[list[tuple], TaskOutcome]]:
        """(the task's runs, what ``_train_task`` returned) per task, as tasks finish."""
        jobs = [(runs, ([c for _, c, _, _ in runs], [s for *_, s in runs],
                        [k for _, _, k, _ in runs], str(self.device), self.cache.root,
                        self.data_store, self.write_failure is None))
                for runs in tasks]
        if self.workers <= 1:
            for runs, args in jobs:
                yield runs, _train_task(*args)
            return
        jobs.sort(key=lambda job: _expected_cost(job[0]), reverse=True)
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"),
                                             initializer=_worker_init)
        futures = {self._pool.submit(_train_task, *args): runs for runs, args in jobs}
        for future in as_completed(futures):
            yield futures[future], future.result()


STEP_OVERHEAD_MACS = 20e6  # a step's fixed cost (~0.4 ms), as multiply-adds at ~45 GMAC/s


def _expected_cost(runs: list[tuple]) -> float:
    """A task's cost, roughly: steps × (a fixed cost per step + the stack's multiply-adds per
    step, from its width and depth). Only ratios between tasks matter: a stack larger than a
    worker's fair share is dealt out (``Runner._split``), and the longest tasks start first, so
    the last task to finish is a short one and no core idles through a long one."""
    config = runs[0][1]
    model = config.model
    per_example = model.width * (model.width * max(model.depth - 1, 0) + 100) * (
        model.kernel_size * 10 if model.kind == "cnn" else 1)
    return config.steps * (STEP_OVERHEAD_MACS + len(runs) * config.batch_size * per_example)


def _stacks(missing: list[tuple[int, TrainConfig, str, int]]) -> list[list[tuple]]:
    """The missing runs grouped into stacks of configs that share every shape, in first-seen
    order: a learning-rate or init-scale sweep trains as one computation."""
    stacks: dict[str, list[tuple]] = {}
    for run in missing:
        stacks.setdefault(stack_key(run[1]), []).append(run)
    return list(stacks.values())
