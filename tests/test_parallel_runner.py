"""Worker processes: the same results as in-process training, each run trained once."""
from __future__ import annotations

import pytest
import torch

from harness.cache import RunCache
from harness.runs import Runner, Sweep, _stacks
from harness.tasks import train_task


def test_parallel_workers_match_in_process_training(tmp_path, tiny_config):
    sweep = Sweep.of(tiny_config(steps=20), seeds=3, namespace="parallel",
                     grid={"model.width": [4, 8]})
    serial = Runner(RunCache(tmp_path / "a"), torch.device("cpu"), master_seed=0).run(sweep)
    parallel_runner = Runner(RunCache(tmp_path / "b"), torch.device("cpu"), master_seed=0,
                             workers=2)
    try:
        parallel = parallel_runner.run(sweep)
        assert parallel_runner.trained == 6 and parallel_runner.reused == 0
        # one config with more seeds than workers
        single = Sweep.of(tiny_config(steps=20, **{"model.width": 4}), seeds=3,
                          namespace="parallel")
        again = parallel_runner.run(single)
        assert parallel_runner.trained == 6 and parallel_runner.reused == 3
        assert [r.seed for r in again.only().results] == [r.seed for r in
                                                          parallel.points[0].results]
    finally:
        parallel_runner.close()
    for a, b in zip(serial.points, parallel.points):
        assert a.values == b.values
        assert [r.seed for r in a.results] == [r.seed for r in b.results]
        for ra, rb in zip(a.results, b.results):
            for metric in ra.curves:
                assert torch.allclose(torch.tensor(ra.curves[metric]),
                                      torch.tensor(rb.curves[metric]), rtol=1e-4, atol=1e-5)


def test_split_deals_out_stacks_larger_than_a_workers_fair_share(tmp_path, tiny_config):
    runner = Runner(RunCache(None), torch.device("cpu"), master_seed=0, workers=2)
    wide = tiny_config(**{"model.width": 256})
    one = [[(0, wide, "k1", 1), (0, wide, "k2", 2), (1, wide, "k3", 3)]]
    assert runner._split(one) == [[(0, wide, "k1", 1), (1, wide, "k3", 3)], [(0, wide, "k2", 2)]]
    equal = [[(0, wide, "k1", 1)], [(1, wide, "k2", 2)]]
    assert runner._split(equal) == equal  # one fair share each
    unequal = one + [[(2, wide, "k4", 4)]]  # three runs beside one: the three are dealt out
    assert runner._split(unequal) == [[(0, wide, "k1", 1), (1, wide, "k3", 3)],
                                      [(0, wide, "k2", 2)], [(2, wide, "k4", 4)]]
    narrow = tiny_config(**{"model.width": 16})
    assert runner._split([[(0, narrow, "k1", 1), (0, narrow, "k2", 2)]]) == [
        [(0, narrow, "k1", 1)], [(0, narrow, "k2", 2)]]  # every core trains, at any width
    alone = Runner(RunCache(None), torch.device("cpu"), master_seed=0, workers=1)
    assert alone._split(one) == one


def test_with_workers_even_a_single_task_trains_in_a_worker(tmp_path, tiny_config):
    """Workers run single-threaded; this process keeps every thread, which slows the small
    kernels of a narrow net, so it trains nothing itself."""
    runner = Runner(RunCache(tmp_path), torch.device("cpu"), master_seed=0, workers=2)
    try:
        runner.run(Sweep.of(tiny_config(steps=5), seeds=1, namespace="single"))
        assert runner.trained == 1 and runner.executor.started
    finally:
        runner.close()


def test_configs_that_share_shapes_are_stacked_and_others_are_not(tiny_config):
    base = tiny_config()
    rates = [(i, base.with_values(lr=lr), f"k{i}", i) for i, lr in enumerate((0.1, 0.2, 0.4))]
    wider = [(3, base.with_values(**{"model.width": base.model.width + 1}), "k3", 3)]
    assert _stacks(rates + wider) == [rates, wider]


def test_a_spawned_child_draws_the_seed_of_its_parent(tiny_config):
    runner = Runner(RunCache(None), torch.device("cpu"), master_seed=3)
    parent = Sweep.of(tiny_config(), seeds=3, namespace="spawn")
    children = Sweep.of(tiny_config(spawn_child=1), seeds=3, namespace="spawn",
                        grid={"spawn_step": [0, 5]})
    seeds = runner.seeds_for(parent, parent.base)
    assert all(runner.seeds_for(children, c) == seeds for _, c in children.configs())
    other = Sweep.of(tiny_config(**{"model.width": 17}), seeds=3, namespace="spawn")
    assert runner.seeds_for(other, other.base) != seeds


def test_paired_arms_share_their_seeds_and_other_arms_do_not(tiny_config):
    runner = Runner(RunCache(None), torch.device("cpu"), master_seed=3)
    grid = {"augment": [(), ("shift",)], "lr": [0.05, 0.1]}
    paired = Sweep.of(tiny_config(), seeds=2, namespace="pairs", grid=grid, paired=("augment",))
    seeds = {tuple(sorted(v.items())): runner.seeds_for(paired, c) for v, c in paired.configs()}
    by_lr = {}
    for values, s in seeds.items():
        by_lr.setdefault(dict(values)["lr"], []).append(s)
    assert all(a == b for a, b in by_lr.values())  # augmented or not: the same seeds
    assert by_lr[0.05][0] != by_lr[0.1][0]  # lr is not paired
    with pytest.raises(ValueError, match="unknown config field 'augmentation' in paired"):
        Sweep.of(tiny_config(), seeds=2, namespace="pairs", paired=("augmentation",))


class RecordingExecutor:
    """Runs tasks in this process in the order given, and records that order."""

    def __init__(self, slots: int) -> None:
        self.slots, self.order = slots, []

    def map(self, tasks):
        for i, task in enumerate(tasks):
            self.order.append(task.keys)
            yield i, train_task(task)

    def peak_flops(self) -> float:
        return 1.0

    def close(self) -> None:
        pass


@pytest.mark.parametrize("slots", [1, 2])
def test_the_longest_tasks_start_first_when_tasks_run_at_once(tiny_config, slots):
    short = tiny_config(steps=2)
    wide = tiny_config(steps=2, **{"model.width": 512})
    long = tiny_config(steps=40)
    plan = [[(0, short, "a", 1)], [(1, long, "b", 2)], [(2, wide, "c", 3)],
            [(3, short, "d", 4), (3, short, "e", 5)]]
    executor = RecordingExecutor(slots)
    runner = Runner(RunCache(None), torch.device("cpu"), master_seed=0, executor=executor)
    finished = [runs for runs, _ in runner._execute(plan)]
    assert sorted(map(str, finished)) == sorted(map(str, plan))
    first_keys = [keys[0] for keys in executor.order]
    # one slot: the sweep's own order; more: the longest (steps, then width, then runs) first
    assert first_keys == (["a", "b", "c", "d"] if slots == 1 else ["b", "c", "d", "a"])
