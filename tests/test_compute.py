"""Compute accounting: FLOPs per run, counted for the runs a session trains, and the bound."""
from __future__ import annotations

import math

import pytest
import torch

from harness.cache import RunCache
from harness.compute import bound_ratio, matmul_throughput, run_flops
from harness.config import ModelSpec
from harness.models import build_model
from harness.reporting.records import ClaimRecord, SessionRecord
from harness.reporting.table import compute_lines
from harness.runs import Runner, Sweep
from harness.train import eval_steps, train_seeds

CPU = torch.device("cpu")


def test_a_run_counts_three_forward_passes_per_step_and_one_per_evaluation():
    assert run_flops(800, batch_size=10, steps=5, n_examples=30, n_evals=2) == (
        3 * 800 * 10 * 5 + 800 * 30 * 2)


def test_an_mlp_forward_pass_costs_two_flops_per_weight():
    model = build_model(ModelSpec(kind="mlp", width=8, depth=1), (40,), 10)
    assert model.flops_per_example() == 2 * (40 * 8 + 8 * 10)


def test_every_trained_run_records_its_flops(tiny_config):
    config = tiny_config("mnist1d", steps=7)
    result = train_seeds(config, [0, 1])[0]
    model = build_model(config.model, (40,), 10)
    n_evals = len(eval_steps(config))
    assert result.meta["flops"] == run_flops(
        model.flops_per_example(), batch_size=config.batch_size, steps=7,
        n_examples=config.data.n_train + config.data.n_test, n_evals=n_evals)


def test_a_runner_counts_the_flops_of_the_runs_it_trains_not_of_cache_hits(tmp_path,
                                                                          tiny_config):
    sweep = Sweep.of(tiny_config("mnist1d", steps=5), seeds=3, namespace="T-compute")
    runner = Runner(RunCache(tmp_path), CPU, master_seed=0)
    table = runner.run(sweep)
    per_run = table.only().results[0].meta["flops"]
    assert runner.trained_flops == 3 * per_run and runner.trained_seconds > 0
    again = Runner(RunCache(tmp_path), CPU, master_seed=0)
    again.run(sweep)
    assert again.reused == 3 and again.trained_flops == 0 and again.trained_seconds == 0


def test_the_session_compares_its_wall_time_with_the_flop_bound():
    claims = {
        "A1-x": ClaimRecord(id="A1-x", expected="supported", seconds=4.0,
                            compute={"flops_trained": 2e9, "trained_seconds": 3.0}),
        "A2-y": ClaimRecord(id="A2-y", expected="supported", seconds=1.0),
    }
    session = SessionRecord(master_seed=0, budget="quick", device="cpu", device_model="cpu:x",
                            versions={}, git=None, started="now", duration_s=5.0, claims=claims,
                            matmul_rate=1e9)
    totals = session.totals
    assert totals["flops_trained"] == 2e9 and totals["claims_seconds"] == 5.0
    assert totals["flop_bound_s"] == pytest.approx(2.0)
    assert totals["bound_ratio"] == pytest.approx(2.5)
    lines = compute_lines(session)
    assert [line.split()[0] for line in lines[2:4]] == ["A1-x", "total"]
    assert lines[2].split()[-1] == "2" and lines[3].split()[-1] == "2.5"
    assert "1 GFLOP/s" in lines[-1]
    again = SessionRecord.from_dict(session.to_dict())
    assert again.matmul_rate == 1e9 and again.totals == session.totals


def test_without_a_rate_the_bound_is_unknown_not_zero():
    assert math.isnan(bound_ratio(10.0, 1e9, None))
    assert math.isnan(bound_ratio(10.0, 0.0, 1e9))
    assert bound_ratio(10.0, 1e9, 1e9) == pytest.approx(10.0)


def test_the_matmul_throughput_is_a_positive_rate():
    assert matmul_throughput(n=64, repeats=2, trials=1) > 1e6


def test_the_report_shows_the_compute_only_when_something_trained():
    from harness.reporting.document import build
    record = ClaimRecord(id="A1-x", expected="supported", seconds=4.0,
                         compute={"flops_trained": 2e9, "trained_seconds": 3.0})
    make = lambda claims: SessionRecord(  # noqa: E731
        master_seed=0, budget="quick", device="cpu", device_model="cpu:x", versions={},
        git=None, started="now", duration_s=5.0, claims=claims, matmul_rate=1e9)
    blocks = build(make({"A1-x": record}))
    at = next(i for i, b in enumerate(blocks) if b.kind == "heading2" and b.text == "Compute")
    assert blocks[at + 2].rows[-1][0] == "total"
    idle = ClaimRecord(id="A1-x", expected="supported", seconds=0.1)
    assert not any(b.text == "Compute" for b in build(make({"A1-x": idle})))


def test_a_runner_that_forgets_its_session_trains_again_without_a_cache(tiny_config):
    """What the engine benchmark relies on: without it every round after the first would read
    the first round's results from memory and time nothing."""
    runner = Runner(RunCache(None), CPU, master_seed=0)
    sweep = Sweep.of(tiny_config("mnist1d", steps=3), seeds=2, namespace="T-forget")
    runner.run(sweep)
    runner.run(sweep)
    assert (runner.trained, runner.reused) == (2, 2)
    runner.forget_session()
    runner.run(sweep)
    assert (runner.trained, runner.reused) == (4, 2)
