"""Seams for the landscape family: weights without retraining, cached measurements, declared
permutation symmetry with weight matching, and paths, barriers and Bézier curves."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from harness.cache import RunCache
from harness.config import ModelSpec
from harness.landscape import (MIN_PATH_POINTS, barrier, bezier_path, evaluate_points,
                               fit_bezier, initial_params, largest_rise, line_from_init,
                               linear_path)
from harness.measure import Measurements
from harness.models import build_model
from harness.runs import Runner, Sweep
from harness.symmetry import permute, unit_counts, weight_matching

CPU = torch.device("cpu")
ARCHITECTURES = [
    ModelSpec(kind="mlp", width=8, depth=3),
    ModelSpec(kind="mlp", width=8, depth=3, residual=True, norm="layer"),
    ModelSpec(kind="cnn", width=6, depth=4, kernel_size=3),
    ModelSpec(kind="cnn", width=6, depth=5, kernel_size=3, residual=True, norm="layer"),
]


def two_nets(spec: ModelSpec, dtype=torch.float64):
    model = build_model(spec, (40,), 10)
    stacked = model.init([torch.Generator().manual_seed(i) for i in (0, 1)], "cpu")
    a, b = ({k: v[i].to(dtype) for k, v in stacked.items()} for i in (0, 1))
    return model, a, b


def outputs(model, params, x):
    return model.forward({k: v[None] for k, v in params.items()}, x)[0]


# -- symmetry --------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", ARCHITECTURES, ids=lambda s: f"{s.kind}-res{s.residual}")
def test_a_permuted_network_computes_the_same_function(spec):
    model, a, _ = two_nets(spec)
    perm_spec = model.permutation_spec()
    rng = np.random.default_rng(0)
    perms = {n: rng.permutation(c) for n, c in unit_counts(perm_spec, a).items()}
    assert any((p != np.arange(len(p))).any() for p in perms.values())
    moved = permute(a, perm_spec, perms)
    x = torch.randn(16, 40, dtype=torch.float64)
    assert torch.allclose(outputs(model, moved, x), outputs(model, a, x), rtol=0, atol=1e-12)
    assert any(not torch.equal(moved[k], a[k]) for k in a)


@pytest.mark.parametrize("spec", ARCHITECTURES, ids=lambda s: f"{s.kind}-res{s.residual}")
def test_a_wrong_declaration_changes_the_function(spec):
    """The test above can fail: permuting one layer's outputs without its reader's inputs
    changes what the network computes."""
    model, a, _ = two_nets(spec)
    name, axes = next(iter(model.permutation_spec().items()))
    broken = {name: axes[:-1]}
    order = np.roll(np.arange(a[axes[0].param].shape[axes[0].axis]), 1)
    x = torch.randn(16, 40, dtype=torch.float64)
    moved = permute(a, broken, {name: order})
    assert not torch.allclose(outputs(model, moved, x), outputs(model, a, x), atol=1e-6)


@pytest.mark.parametrize("spec", ARCHITECTURES, ids=lambda s: f"{s.kind}-res{s.residual}")
def test_weight_matching_undoes_a_permutation_exactly(spec):
    model, a, _ = two_nets(spec)
    perm_spec = model.permutation_spec()
    rng = np.random.default_rng(1)
    scrambled = permute(a, perm_spec, {n: rng.permutation(c)
                                       for n, c in unit_counts(perm_spec, a).items()})
    found, passes = weight_matching(perm_spec, a, scrambled, rng=np.random.default_rng(2))
    back = permute(scrambled, perm_spec, found)
    assert all(torch.equal(back[k], a[k]) for k in a)
    assert passes <= 10


def test_weight_matching_brings_independent_nets_closer_and_leaves_inputs_alone():
    model, a, b = two_nets(ModelSpec(kind="mlp", width=32, depth=2))
    perm_spec = model.permutation_spec()
    before = {k: v.clone() for k, v in b.items()}
    found, _ = weight_matching(perm_spec, a, b, rng=np.random.default_rng(0))
    matched = permute(b, perm_spec, found)
    inner = lambda p: sum(float((a[k] * p[k]).sum()) for k in a)  # noqa: E731
    assert inner(matched) > inner(b)
    assert all(torch.equal(before[k], b[k]) for k in b)
    x = torch.randn(8, 40, dtype=torch.float64)
    assert torch.allclose(outputs(model, matched, x), outputs(model, b, x), atol=1e-12)


def test_a_declaration_that_disagrees_with_the_tensors_is_named():
    model, a, _ = two_nets(ModelSpec(kind="mlp", width=8, depth=2))
    spec = dict(model.permutation_spec())
    spec["P0"] = spec["P0"] + spec["P1"][:1] + (type(spec["P0"][0])("layer2.weight", 1),)
    with pytest.raises(ValueError, match="permutation 'P0' acts on axes of different sizes"):
        unit_counts(spec, a)


# -- paths and barriers ----------------------------------------------------------------------

def test_linear_path_has_exact_endpoints_and_never_mutates(tiny_config):
    _, a, b = two_nets(ModelSpec(kind="mlp", width=8, depth=1), dtype=torch.float32)
    copies = [{k: v.clone() for k, v in p.items()} for p in (a, b)]
    path = linear_path(a, b, 25)
    assert len(path) == 25
    assert all(torch.equal(path[0][k], a[k]) and torch.equal(path[-1][k], b[k]) for k in a)
    assert torch.allclose(path[12]["layer0.weight"], (a["layer0.weight"] + b["layer0.weight"]) / 2)
    path[0]["layer0.weight"].add_(1.0)  # the path's points are new tensors
    assert all(torch.equal(a[k], copies[0][k]) and torch.equal(b[k], copies[1][k]) for k in a)
    with pytest.raises(ValueError, match="at least 25 points"):
        linear_path(a, b, 11)


def test_barrier_is_the_peak_over_the_endpoint_mean():
    values = [1.0] + [1.0 + 2 * math.sin(math.pi * i / 24) for i in range(1, 24)] + [3.0]
    assert barrier(values) == pytest.approx(max(values) - 2.0)
    assert barrier([0.5] * MIN_PATH_POINTS) == 0.0
    assert math.isnan(barrier([0.5] * 24 + [float("nan")]))
    with pytest.raises(ValueError, match="at least 25"):
        barrier([1.0, 2.0])


def test_evaluating_a_path_matches_evaluating_each_run(tmp_path, tiny_config):
    config = tiny_config("classes", steps=30)
    runner = Runner(RunCache(tmp_path), CPU, master_seed=0)
    point = runner.run(Sweep.of(config, seeds=2, namespace="T1-path")).only()
    a, b = runner.weights(point, 0), runner.weights(point, 1)
    along = evaluate_points(config, linear_path(a, b))
    for end, result in ((0, point.results[0]), (-1, point.results[1])):
        for metric in ("train_loss", "test_error"):
            assert along[metric][end] == pytest.approx(result.final(metric), abs=1e-6)
    assert len(along["train_loss"]) == 25


def test_a_fitted_bezier_curve_is_no_worse_than_the_line(tiny_config):
    config = tiny_config("classes", steps=200, lr=0.2, **{"model.width": 32})
    (ra, rb) = __import__("harness.train", fromlist=["train_seeds"]).train_seeds(config, [0, 1])
    a, b = ra.params, rb.params
    control = fit_bezier(config, a, b, steps=300, lr=0.01, samples_per_step=4, seed=0)
    line = evaluate_points(config, linear_path(a, b))
    curve = evaluate_points(config, bezier_path(a, control, b))
    assert barrier(curve["train_loss"]) <= barrier(line["train_loss"]) + 1e-6
    assert curve["train_loss"][0] == pytest.approx(line["train_loss"][0])
    again = fit_bezier(config, a, b, steps=300, lr=0.01, samples_per_step=4, seed=0)
    assert all(torch.equal(control[k], again[k]) for k in control)  # reproducible


# -- weights without retraining, measurements cached by the runs they read -------------------

def test_weights_come_from_the_cache_without_retraining_and_leave_the_key_alone(
        tmp_path, tiny_config, monkeypatch):
    config = tiny_config("classes", steps=10)
    sweep = Sweep.of(config, seeds=2, namespace="T1-weights")
    first = Runner(RunCache(tmp_path), CPU, master_seed=0)
    point = first.run(sweep).only()
    trained_params = first.weights(point, 1)
    fresh = Runner(RunCache(tmp_path), CPU, master_seed=0)
    import harness.tasks as tasks_module
    monkeypatch.setattr(tasks_module, "train_stack", lambda *a, **k: pytest.fail("retrained"))
    again = fresh.run(sweep).only()
    assert again.keys == point.keys and fresh.trained == 0
    loaded = fresh.weights(again, 1)
    assert all(torch.equal(loaded[k], trained_params[k]) for k in loaded)
    assert fresh.trained == 0


def test_lost_weights_are_retrained_to_the_same_numbers(tmp_path, tiny_config):
    config = tiny_config("classes", steps=10)
    runner = Runner(RunCache(tmp_path), CPU, master_seed=0)
    point = runner.run(Sweep.of(config, seeds=2, namespace="T1-lost")).only()
    original = {k: v.clone() for k, v in runner.weights(point, 0).items()}
    path = RunCache(tmp_path).params_path(point.keys[0])
    path.write_bytes(path.read_bytes()[:-3])  # truncated: unreadable
    again = Runner(RunCache(tmp_path), CPU, master_seed=0)
    restored = again.weights(again.run(Sweep.of(config, seeds=2, namespace="T1-lost")).only(), 0)
    assert again.trained == 1
    assert all(torch.equal(restored[k], original[k]) for k in original)


def test_weights_without_a_cache_stay_in_memory(tiny_config):
    runner = Runner(RunCache(None), CPU, master_seed=0)
    point = runner.run(Sweep.of(tiny_config("classes", steps=5), seeds=1,
                                namespace="T1-mem")).only()
    assert point.results[0].params is None  # results themselves stay lean
    assert runner.weights(point, 0)["layer0.weight"].shape == (10, 16)
    assert runner.trained == 1


def test_a_measurement_is_computed_once_and_keyed_by_its_runs(tmp_path, tiny_config):
    config = tiny_config("classes", steps=10)
    runner = Runner(RunCache(tmp_path), CPU, master_seed=0)
    point = runner.run(Sweep.of(config, seeds=3, namespace="T1-measure")).only()
    calls = []

    def distance(first, second, scale=1.0):
        calls.append((first.seed, second.seed))
        return scale * sum(float((first.params[k] - second.params[k]).norm()) for k in
                           first.params)

    measure = Measurements(runner, tmp_path / "measurements")
    d01 = measure("distance", distance, runs=[(point, 0), (point, 1)])
    assert measure("distance", distance, runs=[(point, 0), (point, 1)]) == d01
    assert len(calls) == 1
    fresh = Measurements(Runner(RunCache(tmp_path), CPU, master_seed=0),
                         tmp_path / "measurements")
    assert fresh("distance", distance, runs=[(point, 0), (point, 1)]) == d01
    assert len(calls) == 1 and fresh.reused == 1
    measure("distance", distance, runs=[(point, 0), (point, 2)])
    measure("distance", distance, runs=[(point, 0), (point, 1)], scale=2.0)
    measure("distance", distance, runs=[(point, 0), (point, 1)], version=2)
    assert len(calls) == 4
    with pytest.raises(ValueError, match="integer version >= 1"):
        measure("distance", distance, runs=[(point, 0)], version=0)


def test_a_damaged_measurement_is_recomputed(tmp_path, tiny_config):
    runner = Runner(RunCache(tmp_path), CPU, master_seed=0)
    point = runner.run(Sweep.of(tiny_config("classes", steps=5), seeds=1,
                                namespace="T1-damaged")).only()
    measure = Measurements(runner, tmp_path / "m")
    value = measure("norm", lambda r: float(r.params["layer0.weight"].norm()), runs=[(point, 0)])
    (entry,) = (tmp_path / "m").rglob("*.json")
    blob = bytearray(entry.read_bytes())
    blob[-5] ^= 0x01
    entry.write_bytes(bytes(blob))
    again = Measurements(runner, tmp_path / "m")
    assert again("norm", lambda r: float(r.params["layer0.weight"].norm()),
                 runs=[(point, 0)]) == value
    assert again.computed == 1


def test_the_initialization_is_drawn_again_exactly_as_training_drew_it(tiny_config):
    """The redrawn initialization has the loss the run itself recorded at step 0."""
    config = tiny_config("classes", steps=20, **{"model.init_scale": 0.5})
    runner = Runner(RunCache(None), CPU, master_seed=0)
    point = runner.run(Sweep.of(config, seeds=2, namespace="T1-init")).only()
    for i in range(2):
        run = runner.trained_run(point, i)
        start = evaluate_points(config, [initial_params(run)])
        assert start["train_loss"][0] == pytest.approx(run.result.curves["train_loss"][0],
                                                       abs=1e-6)
    assert not torch.equal(initial_params(runner.trained_run(point, 0))["layer0.weight"],
                           initial_params(runner.trained_run(point, 1))["layer0.weight"])


def test_the_line_from_init_reports_its_largest_rise_and_total_fall(tiny_config):
    config = tiny_config("classes", optimizer="adam", lr=0.01, steps=40)
    runner = Runner(RunCache(None), CPU, master_seed=0)
    run = runner.trained_run(runner.run(Sweep.of(config, seeds=1, namespace="T1-mli")).only(), 0)
    line = line_from_init(run)
    loss = line["train_loss"]
    assert len(loss) == MIN_PATH_POINTS and line["alphas"][0] == 0 and line["alphas"][-1] == 1
    assert loss[0] == pytest.approx(run.result.curves["train_loss"][0], abs=1e-6)
    assert loss[-1] == pytest.approx(run.result.final("train_loss"), abs=1e-6)
    assert line["fall"]["train_loss"] == pytest.approx(loss[0] - loss[-1])
    assert line["largest_rise"]["train_loss"] == pytest.approx(largest_rise(loss))


def test_largest_rise():
    assert largest_rise([3.0, 2.0, 1.0]) == -1.0
    assert largest_rise([3.0, 2.0, 2.5, 1.0]) == 0.5
    with pytest.raises(ValueError, match="at least 2 points"):
        largest_rise([1.0])
