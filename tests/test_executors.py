"""Executors: where missing runs train changes nothing about what they compute.

The runner plans the stacks; an executor only runs them. Local processes and a Ray instance
started here must give the results of in-process training bit for bit, land them in the same
content-addressed cache, and leave nothing half-written when a worker dies mid-task.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import torch

from harness.cache import RunCache
from harness.config import stable_hash
from harness.executors import EXECUTORS, InProcess, LocalProcesses, make_executor
from harness.runs import Runner, Sweep, run_key
from harness.tasks import TrainingTask, stack_cost, store_outcome, train_task


def _task(config, seeds, cache_root, device="cpu"):
    keys = tuple(run_key(config, s, torch.device(device)) for s in seeds)
    return TrainingTask((config,) * len(seeds), tuple(seeds), keys, device, cache_root, None)


def _same(a, b) -> None:
    """Two results identical to the bit: every curve value and every parameter."""
    assert a.seed == b.seed and a.steps == b.steps and a.curves == b.curves
    assert a.params.keys() == b.params.keys()
    assert all(torch.equal(a.params[k], b.params[k]) for k in a.params)


def _stored(cache: RunCache, task: TrainingTask, i: int):
    """Run i of ``task`` as its cache holds it, parameters included."""
    result = cache.load(task.keys[i], seed=task.seeds[i], config_key=stable_hash(task.configs[i]))
    assert result is not None, f"run {task.keys[i]} is not in the cache"
    return replace(result, params=cache.load_params(task.keys[i]))


def test_unknown_executor_is_refused_naming_the_choices():
    with pytest.raises(ValueError, match=r"unknown executor 'slurm'; allowed: local, ray"):
        make_executor("slurm", workers=1)
    assert EXECUTORS == ("local", "ray")
    assert isinstance(make_executor("local", workers=1), InProcess)
    assert isinstance(make_executor("local", workers=2), LocalProcesses)


def test_a_task_must_name_as_many_configs_seeds_and_keys(tiny_config):
    with pytest.raises(ValueError, match="as many configs, seeds and keys"):
        TrainingTask((tiny_config(),), (1, 2), ("a", "b"), "cpu", None, None)


def test_a_detached_task_trains_everything_and_its_results_store_whole(tmp_path, tiny_config):
    """What a remote worker does: train without any cache; the driver stores the results,
    and a run someone stored meanwhile is kept as it was."""
    task = _task(tiny_config(steps=6), [1, 2], tmp_path)
    remote = task.detached()()
    assert remote.trained == 2 and not list(tmp_path.rglob("*.pt"))
    cache = RunCache(tmp_path)
    stored = store_outcome(task, remote)
    assert stored.write_failure is None
    for i, result in enumerate(remote.results):
        _same(_stored(cache, task, i), result)
    again = train_task(task)  # everything is cached now: nothing trains
    assert again.trained == 0
    assert [r.curves for r in again.results] == [r.curves for r in remote.results]


def test_costs_rank_stacks_by_steps_width_and_runs(tiny_config):
    base = tiny_config(steps=100)
    assert stack_cost(base, 4) > stack_cost(base, 2)
    assert stack_cost(base.with_values(steps=200), 2) > stack_cost(base, 2)
    assert stack_cost(base.with_values(**{"model.width": 256}), 2) > stack_cost(base, 2)


# --- Ray: a local instance, as CI runs it -------------------------------------------------------

ray = pytest.importorskip("ray", reason="the ray extra is not installed")


@pytest.fixture(scope="module")
def ray_executor():
    from harness.ray_executor import RayExecutor
    executor = RayExecutor(num_cpus=2)
    yield executor
    executor.close()


@pytest.mark.slow
def test_ray_results_equal_local_execution_bit_for_bit(tmp_path, tiny_config, ray_executor):
    sweep = Sweep.of(tiny_config(steps=20), seeds=3, namespace="executors",
                     grid={"model.width": [4, 8], "lr": [0.05, 0.1]})
    local = Runner(RunCache(tmp_path / "local"), torch.device("cpu"), master_seed=5, workers=2)
    on_ray = Runner(RunCache(tmp_path / "ray"), torch.device("cpu"), master_seed=5,
                    executor=ray_executor)
    try:
        expected, got = local.run(sweep), on_ray.run(sweep)
    finally:
        local.close()
    assert on_ray.trained == local.trained == 12 and on_ray.workers == ray_executor.slots
    for a, b in zip(expected.points, got.points):
        assert a.values == b.values and a.keys == b.keys
        for i in range(sweep.seeds):
            ra, rb = a.results[i], b.results[i]
            assert ra.curves == rb.curves and ra.seed == rb.seed
            wa, wb = local.weights(a, i), on_ray.weights(b, i)
            assert all(torch.equal(wa[k], wb[k]) for k in wa)
    # the cluster's results landed in this runner's cache: a fresh runner trains nothing
    reread = Runner(RunCache(tmp_path / "ray"), torch.device("cpu"), master_seed=5)
    reread.run(sweep)
    assert reread.trained == 0 and reread.reused == 12


@dataclass(frozen=True)
class DiesOnce(TrainingTask):
    """A task whose first attempt kills its worker process mid-task (after touching a marker),
    as a node lost to the cluster would."""

    marker: Path | None = None

    def __call__(self):
        if self.marker is not None and not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            os._exit(1)
        return super().__call__()


@pytest.fixture
def picklable_here():
    """Ray ships this module's task class by value, so workers need not import the tests."""
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.mark.slow
def test_a_worker_that_dies_mid_task_is_retried_without_a_partial_entry(
        tmp_path, tiny_config, ray_executor, picklable_here):
    config = tiny_config(steps=15)
    plain = _task(config, [7, 8], None)
    dying = DiesOnce(*(getattr(plain, f) for f in ("configs", "seeds", "keys", "device")),
                     cache_root=tmp_path / "cache", data_store=None,
                     marker=tmp_path / "died")
    [(index, outcome)] = list(ray_executor.map([dying]))
    assert (tmp_path / "died").exists(), "the first attempt did not die: nothing was tested"
    assert index == 0 and outcome.trained == 2
    local = train_task(plain)  # in this process, no cache
    for a, b in zip(outcome.results, local.results):
        _same(a, b)
    cache = RunCache(tmp_path / "cache")
    for i, result in enumerate(local.results):
        _same(_stored(cache, plain, i), result)


@dataclass(frozen=True)
class AlwaysDies(TrainingTask):
    def __call__(self):
        os._exit(1)


@pytest.mark.slow
def test_a_task_that_always_dies_fails_loudly_and_stores_nothing(
        tmp_path, tiny_config, ray_executor, picklable_here):
    from harness.ray_executor import RayExecutor
    retrying_once = RayExecutor(retries=1)  # joins the running instance
    plain = _task(tiny_config(steps=5), [3], None)
    doomed = AlwaysDies(plain.configs, plain.seeds, plain.keys, "cpu", tmp_path / "cache", None)
    with pytest.raises(ray.exceptions.RayError):
        list(retrying_once.map([doomed]))
    assert RunCache(tmp_path / "cache").load(plain.keys[0]) is None
    assert ray.is_initialized(), "an executor that joined an instance must not shut it down"
    retrying_once.close()
    assert ray.is_initialized()
