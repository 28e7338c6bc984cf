"""Runs and their cache: nothing trains twice, any change misses, broken files are never
returned, and processes sharing a cache train each run once."""
from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest
import torch

import harness.runs as hr
import harness.tasks as ht
from harness.cache import RunCache
from harness.config import DataSpec, ModelSpec, TrainConfig, stable_hash
from harness.runs import ResultTable, Runner, Sweep, run_key
from harness.seeding import derive_seed
from harness.train import RunResult

CPU = torch.device("cpu")


@pytest.fixture
def tiny_sweep(tiny_config) -> Sweep:
    """2 widths x 2 seeds of a tiny regression: 4 runs."""
    base = tiny_config("regression", steps=6, eval_points=2)
    return Sweep.of(base, seeds=2, namespace="T1-tiny", grid={"model.width": [4, 8]})


def runner_on(root, master_seed: int = 0) -> Runner:
    return Runner(cache=RunCache(root), device=CPU, master_seed=master_seed)


def pt_files(root: Path) -> list[Path]:
    """Stored run entries (not their parameter files)."""
    return sorted(p for p in (root / "runs").rglob("*.pt") if not p.name.endswith(".params.pt"))


def count_training(monkeypatch) -> list[int]:
    """Replace the runner's training function by a counting wrapper; returns the call log."""
    calls: list[int] = []
    real = ht.train_stack

    def counted(members, *args, **kwargs):
        calls.append(len(members))
        return real(members, *args, **kwargs)

    monkeypatch.setattr(ht, "train_stack", counted)
    return calls


def same_results(a: ResultTable, b: ResultTable) -> None:
    assert len(a) == len(b)
    for pa, pb in zip(a.points, b.points):
        assert pa.values == pb.values and pa.config == pb.config
        for ra, rb in zip(pa.results, pb.results):
            assert (ra.seed, ra.steps, ra.config_key) == (rb.seed, rb.steps, rb.config_key)
            assert ra.curves == rb.curves
            assert ra.params is None and rb.params is None  # weights stay in the cache


def same_weights(runner_a: Runner, a: ResultTable, runner_b: Runner, b: ResultTable) -> None:
    for pa, pb in zip(a.points, b.points):
        for i in range(len(pa.results)):
            wa, wb = runner_a.weights(pa, i), runner_b.weights(pb, i)
            assert wa.keys() == wb.keys()
            assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_a_second_run_of_a_sweep_trains_nothing(tmp_path, tiny_sweep, monkeypatch):
    calls = count_training(monkeypatch)
    first_runner = runner_on(tmp_path)
    first = first_runner.run(tiny_sweep)
    assert (first_runner.trained, first_runner.reused) == (4, 0)
    assert calls == [2, 2]  # the seeds of one config train together
    assert len(pt_files(tmp_path)) == 4

    def no_training(*args, **kwargs):
        raise AssertionError("train_stack called for a cached run")

    monkeypatch.setattr(ht, "train_stack", no_training)
    second_runner = runner_on(tmp_path)  # a new session, same cache
    second = second_runner.run(tiny_sweep)
    assert (second_runner.trained, second_runner.reused) == (0, 4)
    same_results(first, second)
    same_weights(first_runner, first, second_runner, second)  # read back, not retrained
    assert second_runner.trained == 0
    # and within one session the counters accumulate
    first_runner_again = first_runner.run(tiny_sweep)
    assert (first_runner.trained, first_runner.reused) == (4, 4)
    same_results(first, first_runner_again)


def test_the_result_table_is_in_grid_order(tmp_path, tiny_sweep):
    table = runner_on(tmp_path).run(tiny_sweep)
    assert table.values("model.width") == [4, 8]
    assert [p.config.model.width for p in table.points] == [4, 8]
    errors = table.metric("test_error")
    assert [len(e) for e in errors] == [2, 2]
    assert errors[1].tolist() == [r.final("test_error") for r in table.points[1].results]
    assert table.where(model__width=8).only().values == {"model.width": 8}
    with pytest.raises(ValueError, match="expected one sweep point, have 2"):
        table.only()


@pytest.mark.parametrize("change", [
    {"lr": 0.051}, {"steps": 7}, {"model.activation": "tanh"}, {"data.seed": 1},
    {"data.n_train": 65}, {"optimizer": "adam"}, {"eval_points": 3}, {"eval_init": False},
])
def test_any_config_change_misses_the_cache(tmp_path, tiny_config, change, monkeypatch):
    base = tiny_config("regression", steps=6, eval_points=2)
    runner = runner_on(tmp_path)
    runner.run(Sweep.of(base, seeds=2, namespace="T1-tiny"))
    calls = count_training(monkeypatch)
    runner.run(Sweep.of(base.with_values(**change), seeds=2, namespace="T1-tiny"))
    assert calls == [2]
    assert runner.trained == 4 and runner.reused == 0
    assert len(pt_files(tmp_path)) == 4


def test_another_master_seed_misses_the_cache(tmp_path, tiny_sweep):
    runner_on(tmp_path, master_seed=0).run(tiny_sweep)
    other = runner_on(tmp_path, master_seed=1)
    table = other.run(tiny_sweep)
    assert other.trained == 4 and other.reused == 0
    assert len(pt_files(tmp_path)) == 8
    seeds0 = runner_on(tmp_path, 0).seeds_for(tiny_sweep, tiny_sweep.configs()[0][1])
    assert [r.seed for r in table.points[0].results] != seeds0


def test_another_device_type_is_another_key(tiny_config, monkeypatch):
    monkeypatch.setattr(hr, "device_model", lambda device: f"model of {device}")
    cfg = tiny_config()
    assert run_key(cfg, 1, torch.device("cpu")) != run_key(cfg, 1, torch.device("cuda"))
    assert run_key(cfg, 1, CPU) != run_key(cfg, 2, CPU)
    assert run_key(cfg, 1, CPU) == run_key(cfg, 1, CPU)
    assert len(run_key(cfg, 1, CPU)) == 32


def test_a_truncated_cache_file_is_not_read_and_is_retrained(tmp_path, tiny_sweep, monkeypatch):
    runner = runner_on(tmp_path)
    table = runner.run(tiny_sweep)
    config = table.points[0].config
    seed = table.points[0].results[0].seed
    key = run_key(config, seed, CPU)
    path = RunCache(tmp_path).path(key)
    assert path.exists()
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    assert RunCache(tmp_path).load(key) is None
    assert not path.exists()  # removed, so nobody reads it again
    path.write_bytes(b"")  # an empty file too
    assert RunCache(tmp_path).load(key) is None and not path.exists()

    calls = count_training(monkeypatch)
    again = runner_on(tmp_path)
    table2 = again.run(tiny_sweep)
    assert calls == [1]  # only the broken run trains, alone
    assert (again.trained, again.reused) == (1, 3)
    assert path.exists()
    assert table2.points[0].results[0].curves == table.points[0].results[0].curves


def test_a_file_with_a_foreign_key_is_not_read(tmp_path, tiny_sweep):
    table = runner_on(tmp_path).run(tiny_sweep)
    a, b = table.points[0].results
    cache = RunCache(tmp_path)
    key_a, key_b = (run_key(table.points[0].config, r.seed, CPU) for r in (a, b))
    cache.path(key_b).write_bytes(cache.path(key_a).read_bytes())  # a's file under b's name
    assert cache.load(key_b) is None
    assert cache.load(key_a) is not None and cache.load(key_a).seed == a.seed


def test_a_file_of_another_format_is_not_read(tmp_path, tiny_config):
    cache = RunCache(tmp_path)
    key = "ab" + "0" * 30
    cache.path(key).parent.mkdir(parents=True)
    torch.save({"format": 999, "key": key, "result": {}}, cache.path(key))
    assert cache.load(key) is None and not cache.path(key).exists()


def test_store_then_load_round_trips_a_result(tmp_path, tiny_config):
    from harness.train import train_seeds
    (result,) = train_seeds(tiny_config(steps=4), [3], config_key="k")
    cache = RunCache(tmp_path)
    cache.store("cd" + "1" * 30, result)
    back = cache.load("cd" + "1" * 30)
    assert back is not result
    assert (back.seed, back.steps, back.config_key, back.diverged_at, back.meta) == (
        result.seed, result.steps, result.config_key, result.diverged_at, result.meta)
    assert back.curves == result.curves
    assert back.params is None  # results load lean; their parameters on demand
    params = cache.load_params("cd" + "1" * 30)
    assert all(torch.equal(params[k], result.params[k]) for k in result.params)
    assert cache.path("cd" + "1" * 30).parent.name == "cd"


def test_store_is_atomic_and_leaves_no_temporary_files(tmp_path, tiny_sweep, monkeypatch):
    table = runner_on(tmp_path).run(tiny_sweep)
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    good = table.points[0].results[0]
    key = run_key(table.points[0].config, good.seed, CPU)
    cache = RunCache(tmp_path)

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    assert cache.store("ef" + "2" * 30, good) is False
    assert "No space left on device" in cache.write_failure
    assert not cache.path("ef" + "2" * 30).exists()
    # a failed rewrite leaves the whole old file in place
    assert RunCache(tmp_path).store(key, table.points[1].results[1]) is False
    monkeypatch.undo()
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert cache.load(key).curves == good.curves


def test_no_cache_stores_nothing_and_always_trains(tmp_path, tiny_sweep, monkeypatch):
    calls = count_training(monkeypatch)
    monkeypatch.chdir(tmp_path)
    runner = runner_on(None)
    assert not runner.cache.enabled
    first = runner.run(tiny_sweep)
    assert runner_on(None).run(tiny_sweep) is not None
    assert calls == [2, 2, 2, 2]
    second = runner.run(tiny_sweep)  # the session keeps its results in memory
    assert runner.trained == 4 and runner.reused == 4 and calls == [2, 2, 2, 2]
    same_results(first, second)
    same_weights(runner, first, runner, second)  # kept in memory without a cache
    assert list(tmp_path.iterdir()) == []
    cache = RunCache(None)
    cache.store("ab" * 16, first.points[0].results[0])
    assert cache.load("ab" * 16) is None
    with cache.locks(["anything"]):
        pass


def test_claims_sharing_a_namespace_share_runs(tmp_path, tiny_config, monkeypatch):
    base = tiny_config("regression", steps=6, eval_points=2)
    runner = runner_on(tmp_path)
    first = runner.run(Sweep.of(base, seeds=3, namespace="shared-sweep"))
    calls = count_training(monkeypatch)
    second = runner.run(Sweep.of(base, seeds=3, namespace="shared-sweep"))
    assert calls == [] and runner.reused == 3
    assert [r.seed for r in first.points[0].results] == [r.seed for r in second.points[0].results]
    # a claim asking for more seeds reuses the shared ones and trains only the new
    more = runner.run(Sweep.of(base, seeds=5, namespace="shared-sweep"))
    assert calls == [2]
    assert [r.seed for r in more.points[0].results][:3] == [r.seed for r in first.points[0].results]
    # another namespace draws other seeds, so other runs
    other = runner.run(Sweep.of(base, seeds=3, namespace="K9-other"))
    assert calls == [2, 3]
    assert not {r.seed for r in other.points[0].results} & {r.seed for r in more.points[0].results}


def test_derive_seed_is_stable_and_sensitive(tiny_config):
    cfg = tiny_config()
    s = derive_seed(0, "K1-width", cfg, 0)
    assert s == derive_seed(0, "K1-width", cfg, 0)
    assert 0 <= s < 2 ** 62
    others = [derive_seed(1, "K1-width", cfg, 0), derive_seed(0, "K2-width", cfg, 0),
              derive_seed(0, "K1-width", cfg.with_values(lr=0.02), 0),
              derive_seed(0, "K1-width", cfg, 1)]
    assert len({s, *others}) == 5
    # sha256 of the canonical JSON, never hash(): pinned, since a change re-seeds every run
    assert derive_seed(0, "K1-width") == int(stable_hash(0, "K1-width"), 16) % 2 ** 62
    assert derive_seed(0, "K1-width") == 2141292553133695157
    assert derive_seed(7, "ns", 3) == 1604841139200459599


def test_sweep_seeds_are_per_config_and_replicate(tmp_path, tiny_sweep):
    runner = runner_on(tmp_path)
    (_, c4), (_, c8) = tiny_sweep.configs()
    s4, s8 = runner.seeds_for(tiny_sweep, c4), runner.seeds_for(tiny_sweep, c8)
    assert len(s4) == len(s8) == 2 and len({*s4, *s8}) == 4
    assert s4 == [derive_seed(0, "T1-tiny", c4, i) for i in range(2)]


@pytest.mark.parametrize("kwargs, match", [
    ({"seeds": 0}, "seeds must be >= 1"),
    ({"seeds": 1, "grid": {"model.width": 8}}, "must be a list"),
    ({"seeds": 1, "grid": {"model.activation": "relu"}}, "must be a list"),
    ({"seeds": 1, "grid": {"model.width": []}}, "empty"),
])
def test_bad_sweeps_are_errors(tiny_config, kwargs, match):
    with pytest.raises(ValueError, match=match):
        Sweep.of(tiny_config(), namespace="x", **kwargs)


def test_an_unknown_grid_path_is_an_error_naming_it(tiny_config):
    with pytest.raises((ValueError, AttributeError), match="widht"):
        Sweep.of(tiny_config(), seeds=1, namespace="x", grid={"model.widht": [1, 2]})


def test_a_grid_given_as_a_generator_keeps_its_values(tiny_config):
    sweep = Sweep.of(tiny_config(), seeds=1, namespace="x",
                     grid={"model.width": (w for w in (4, 8))})
    assert [p["model.width"] for p in sweep.points()] == [4, 8]


def test_a_grid_over_two_paths_is_their_product(tiny_config):
    sweep = Sweep.of(tiny_config(), seeds=1, namespace="x",
                     grid={"model.width": [4, 8], "lr": [0.1, 0.2, 0.3]})
    assert sweep.points()[:2] == [{"model.width": 4, "lr": 0.1}, {"model.width": 4, "lr": 0.2}]
    assert len(sweep.configs()) == 6
    assert {(c.model.width, c.lr) for _, c in sweep.configs()} == {
        (w, lr) for w in (4, 8) for lr in (0.1, 0.2, 0.3)}


def test_progress_reports_every_point(tmp_path, tiny_sweep):
    seen = []
    runner = runner_on(tmp_path)
    runner.run(tiny_sweep, progress=lambda label, done, total: seen.append((label, done, total)))
    assert seen == [("model.width=4", 2, 4), ("model.width=8", 4, 4)]


# --- several processes on one cache --------------------------------------------------------

RACE_SWEEP = Sweep.of(TrainConfig(model=ModelSpec(width=4, depth=1),
                                  data=DataSpec(name="polynomial", n_train=64, n_test=32),
                                  lr=0.05, batch_size=16, steps=6, eval_points=2),
                      seeds=2, namespace="T2-race", grid={"model.width": [4, 8]})


def _slow_fake_training(members, device, config_keys=None, **kwargs):
    """Stands in for train_stack; the sleep holds the group lock long enough for the other
    process to collide with it."""
    time.sleep(0.3)
    return [RunResult(k, m.seed, [0, 1], {"train_loss": [1.0, m.seed % 1000 / 1000]})
            for m, k in zip(members, config_keys)]


def _race_worker(root: str, barrier, results) -> None:
    ht.train_stack = _slow_fake_training  # this process only
    runner = runner_on(root)
    barrier.wait(timeout=60)  # both processes start the sweep at the same moment
    table = runner.run(RACE_SWEEP)
    results.put({"pid": os.getpid(), "trained": runner.trained, "reused": runner.reused,
                 "seeds": [r.seed for p in table.points for r in p.results],
                 "loss": [r.final("train_loss") for p in table.points for r in p.results]})


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="needs fork (spawn re-imports torch: seconds per process)")
def test_processes_sharing_a_cache_train_each_run_once(tmp_path):
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    cache = tmp_path / "cache"
    procs = [ctx.Process(target=_race_worker, args=(str(cache), barrier, results))
             for _ in range(2)]
    for p in procs:
        p.start()
    try:
        reports = [results.get(timeout=60) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.kill()
    assert [p.exitcode for p in procs] == [0, 0]
    assert len({r["pid"] for r in reports}) == 2
    assert sum(r["trained"] for r in reports) == 4  # not 8: no run trained twice
    assert all(r["trained"] + r["reused"] == 4 for r in reports)
    assert len(pt_files(cache)) == 4
    assert not [p for p in cache.rglob("*") if p.name.endswith(".tmp")]
    # the process that did not train got the other's results, under the same seeds
    assert reports[0]["seeds"] == reports[1]["seeds"]
    assert reports[0]["loss"] == reports[1]["loss"] == [s % 1000 / 1000
                                                        for s in reports[0]["seeds"]]
    here = runner_on(None)
    assert reports[0]["seeds"] == [s for _, c in RACE_SWEEP.configs(here.master_seed)
                                   for s in here.seeds_for(RACE_SWEEP, c)]
