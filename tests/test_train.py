"""The training engine: it learns, batching seeds changes no number, runs are deterministic,
and divergence is recorded rather than raised."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import harness.train as ht
from harness.config import ModelSpec, TrainConfig
from harness.seeding import derive_seed
from harness.train import METRICS, eval_steps, evaluate, resolve_device, train_seeds


def curves_close(a, b, rtol=1e-4, atol=1e-5):
    assert a.steps == b.steps
    for m in METRICS:
        np.testing.assert_allclose(a.curves[m], b.curves[m], rtol=rtol, atol=atol, err_msg=m)


@pytest.mark.parametrize("data, chance", [("classes", 2 / 3), ("mnist1d", 0.9)])
def test_a_tiny_classifier_learns(tiny_config, data, chance):
    cfg = tiny_config(data, optimizer="adam", lr=0.01, batch_size=20, steps=60,
                      eval_points=3, **{"model.width": 32})
    (r,) = train_seeds(cfg, [0])
    loss, err = r.curves["train_loss"], r.curves["train_error"]
    assert r.steps == [0, 20, 40, 60]
    assert len(loss) == len(err) == len(r.curves["test_loss"]) == 4
    assert loss[-1] < 0.8 * loss[0]
    assert err[-1] < err[0] - 0.1
    assert r.final("test_error") < chance - 0.1  # better than chance on held-out data too
    assert not r.diverged
    assert r.meta["n_params"] > 0 and r.seconds > 0


def test_a_tiny_regression_learns(tiny_config):
    cfg = tiny_config("regression", optimizer="adam", lr=0.02, steps=80, eval_points=2)
    (r,) = train_seeds(cfg, [1])
    assert r.final("train_loss") < 0.5 * r.curves["train_loss"][0]
    # for regression the "error" is the mean squared error
    assert r.curves["train_error"] == pytest.approx(r.curves["train_loss"])


@pytest.mark.parametrize("overrides", [
    {},
    {"optimizer": "adam", "lr": 0.01, "weight_decay": 1e-3, "schedule": "cosine"},
    {"momentum": 0.9, "schedule": "step", "model.depth": 2, "model.norm": "layer",
     "model.residual": True},
    {"model.kind": "cnn", "model.width": 4, "model.depth": 2, "optimizer": "adam", "lr": 0.01},
], ids=["sgd", "adam-cosine-wd", "momentum-step-resnorm", "cnn-adam"])
def test_batched_seeds_give_the_numbers_of_each_seed_alone(tiny_config, overrides):
    data = "mnist1d" if overrides.get("model.kind") == "cnn" else "classes"
    cfg = tiny_config(data, steps=30, **overrides)  # 30 steps: more than one epoch of 12
    a, b = train_seeds(cfg, [11, 22])
    (b_alone,) = train_seeds(cfg, [22])
    (a_alone,) = train_seeds(cfg, [11])
    curves_close(b, b_alone)
    curves_close(a, a_alone)
    assert (a.seed, b.seed) == (11, 22)


def test_the_same_seed_twice_gives_identical_curves(tiny_config):
    cfg = tiny_config(steps=20)
    (r1,), (r2,) = train_seeds(cfg, [5]), train_seeds(cfg, [5])
    assert r1.curves == r2.curves
    assert all(torch.equal(r1.params[k], r2.params[k]) for k in r1.params)


def test_different_seeds_give_different_runs(tiny_config):
    a, b = train_seeds(tiny_config(steps=20), [5, 6])
    assert a.curves["train_loss"] != b.curves["train_loss"]
    assert not torch.equal(a.params["layer0.weight"], b.params["layer0.weight"])


def test_a_seed_in_the_stack_twice_trains_twice_alike(tiny_config):
    a, b = train_seeds(tiny_config(steps=15), [9, 9])
    assert a.curves == b.curves


def test_divergence_is_recorded_not_raised(tiny_config):
    cfg = tiny_config("regression", lr=1e6, steps=30, eval_points=3, **{"model.depth": 2})
    results = train_seeds(cfg, [0, 1, 2])
    assert [r.seed for r in results] == [0, 1, 2]
    for r in results:
        assert r.diverged
        assert 0 < r.diverged_at <= cfg.steps
        assert r.diverged_at in set(eval_steps(cfg)) | set(range(25, cfg.steps + 1, 25))
        for m in METRICS:
            assert math.isnan(r.final(m)), m
            assert math.isfinite(r.curves[m][0]), m  # the initialisation was fine
        # after the divergence is noticed every recorded point is NaN
        for step, value in zip(r.steps, r.curves["train_loss"]):
            if step >= r.diverged_at:
                assert math.isnan(value)


def test_a_sane_rate_does_not_diverge(tiny_config):
    results = train_seeds(tiny_config("regression", lr=0.01, steps=30), [0, 1, 2])
    assert not any(r.diverged for r in results)
    assert all(math.isfinite(r.final(m)) for r in results for m in METRICS)


def test_a_diverged_seed_does_not_disturb_the_others(tiny_config, monkeypatch):
    """Poison the second seed's initial weights; the first must train exactly as alone."""
    real_build = ht.build_model
    poisoned_init = derive_seed(4, "init")

    def build_with_poisoned_second_seed(spec, input_shape, n_outputs):
        model = real_build(spec, input_shape, n_outputs)
        real_init = model.init

        def init(generators, device):
            params = real_init(generators, device)
            for i, gen in enumerate(generators):
                if gen.initial_seed() == poisoned_init:
                    params["layer0.weight"][i] = float("inf")
            return params

        model.init = init
        return model

    cfg = tiny_config(optimizer="adam", lr=0.01, steps=30, eval_points=3)
    (alone,) = train_seeds(cfg, [3])
    monkeypatch.setattr(ht, "build_model", build_with_poisoned_second_seed)
    sane, poisoned = train_seeds(cfg, [3, 4])
    curves_close(sane, alone)
    assert not sane.diverged
    assert poisoned.diverged_at == 0  # the first check: the evaluation at initialisation
    assert all(math.isnan(v) for v in poisoned.curves["test_loss"])


def test_a_run_whose_final_metrics_are_nan_is_marked_diverged(tiny_config):
    cfg = tiny_config("regression", lr=1e6, steps=2, eval_points=1, **{"model.depth": 2})
    for r in train_seeds(cfg, [0, 1]):
        assert math.isfinite(r.final("train_loss")) or r.diverged


def test_every_result_carries_its_own_seeds_parameters(tiny_config):
    cfg = tiny_config(steps=10, **{"model.depth": 2, "model.width": 8})
    results = train_seeds(cfg, [0, 1])
    shapes = {"layer0.weight": (10, 8), "layer0.bias": (1, 8), "layer1.weight": (8, 8),
              "layer1.bias": (1, 8), "layer2.weight": (8, 3), "layer2.bias": (1, 3)}
    for r in results:
        assert {k: tuple(v.shape) for k, v in r.params.items()} == shapes
        assert all(v.device.type == "cpu" and not v.requires_grad for v in r.params.values())
    # the kept parameters are the ones the final metrics were measured on
    data = ht.cached_dataset(cfg.data, "cpu", None)
    model = ht.build_model(cfg.model, data.input_shape, data.n_outputs)
    stacked = {k: torch.stack([r.params[k] for r in results]) for k in shapes}
    loss, err = evaluate(model, stacked, data.x_test, data.y_test, data.task)
    assert loss.tolist() == pytest.approx([r.final("test_loss") for r in results], rel=1e-6)
    assert err.tolist() == pytest.approx([r.final("test_error") for r in results])


@pytest.mark.parametrize("steps, points", [(10, 1), (10, 3), (12, 4), (1000, 5), (7, 7), (5, 2)])
def test_eval_steps_start_at_zero_and_end_at_the_last_step(tiny_config, steps, points):
    s = eval_steps(tiny_config(steps=steps, eval_points=points))
    assert s[0] == 0 and s[-1] == steps
    assert s == sorted(set(s)) and len(s) == points + 1
    no_init = eval_steps(tiny_config(steps=steps, eval_points=points, eval_init=False))
    assert no_init == s[1:]


@pytest.mark.parametrize("eval_init", [True, False])
def test_curves_have_one_value_per_eval_step(tiny_config, eval_init):
    (r,) = train_seeds(tiny_config(steps=9, eval_points=3, eval_init=eval_init), [0])
    assert r.steps == ([0] if eval_init else []) + [3, 6, 9]
    assert all(len(r.curves[m]) == len(r.steps) for m in METRICS)


def test_more_eval_points_than_steps_still_give_one_value_per_step(tiny_config):
    (r,) = train_seeds(tiny_config(steps=2, eval_points=5), [0])
    assert all(len(r.curves[m]) == len(r.steps) for m in METRICS)


def test_no_seeds_train_nothing(tiny_config):
    assert train_seeds(tiny_config(), []) == []


def test_evaluation_does_not_depend_on_the_chunk_size(tiny_config, monkeypatch):
    cfg = tiny_config("mnist1d")
    data = ht.cached_dataset(cfg.data, "cpu", None)
    model = ht.build_model(ModelSpec(width=8, depth=1), data.input_shape, data.n_outputs)
    params = model.init([torch.Generator().manual_seed(s) for s in (0, 1)], "cpu")
    whole = evaluate(model, params, data.x_test, data.y_test, data.task)
    monkeypatch.setattr(ht, "EVAL_CHUNK", 7)
    chunked = evaluate(model, params, data.x_test, data.y_test, data.task)
    torch.testing.assert_close(whole[0], chunked[0])
    torch.testing.assert_close(whole[1], chunked[1])
    # the error is the fraction of wrong argmax predictions
    out = model.forward(params, data.x_test)
    wrong = (out.argmax(-1) != data.y_test).double().mean(dim=1)
    torch.testing.assert_close(whole[1], wrong)


def test_schedules():
    constant, cosine, step = (ht._schedule(TrainConfig(schedule=s, steps=100))
                              for s in ("constant", "cosine", "step"))
    assert [constant(t) for t in (0, 50, 99)] == [1.0, 1.0, 1.0]
    assert cosine(0) == pytest.approx(1.0) and cosine(50) == pytest.approx(0.5)
    assert cosine(100) == pytest.approx(0.0, abs=1e-12)
    assert [step(t) for t in (0, 49, 50, 74, 75, 99)] == pytest.approx(
        [1.0, 1.0, 0.1, 0.1, 0.01, 0.01])


def test_unknown_metric_names_the_known_ones(tiny_config):
    (r,) = train_seeds(tiny_config(steps=3), [0])
    with pytest.raises(KeyError, match="test_error"):
        r.final("accuracy")


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda")
    with pytest.raises(ValueError) as err:
        resolve_device("tpu")
    assert "'tpu'" in str(err.value) and "auto, cpu, cuda" in str(err.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="only meaningful without a GPU")
def test_resolve_device_refuses_cuda_without_a_gpu():
    assert resolve_device("auto") == torch.device("cpu")
    with pytest.raises(RuntimeError, match="cuda"):
        resolve_device("cuda")


def test_the_schedule_sets_the_rate_of_every_later_step(tiny_config, monkeypatch):
    """With a factor of 0 from the first step on, only step 1 (at the base rate) moves."""
    monkeypatch.setattr(ht, "_schedule", lambda config: (lambda step: 0.0))
    (frozen,) = train_seeds(tiny_config(steps=6, schedule="cosine"), [0])
    monkeypatch.undo()
    (one_step,) = train_seeds(tiny_config(steps=1, eval_points=1), [0])
    (six_steps,) = train_seeds(tiny_config(steps=6), [0])
    for k in frozen.params:
        torch.testing.assert_close(frozen.params[k], one_step.params[k])
    assert not torch.equal(frozen.params["layer0.weight"], six_steps.params["layer0.weight"])


# -- configs stacked by shape --------------------------------------------------------------------

def same_run(a, b) -> None:
    """Identical numbers: every curve value and every parameter, bit for bit."""
    assert a.curves == b.curves and a.diverged_at == b.diverged_at
    for k in a.params:
        assert torch.equal(a.params[k], b.params[k]), k


STACKED_VALUES = [
    ("lr", [0.02, 0.05, 0.2]),
    ("momentum", [0.0, 0.5, 0.9]),
    ("weight_decay", [0.0, 1e-3, 1e-2]),
    ("schedule", ["constant", "cosine", "step"]),
    ("model.init_scale", [0.0, 0.5, 2.0]),
    ("data.label_noise", [0.0, 0.2, 0.5]),
]


@pytest.mark.parametrize("optimizer, path, values", [
    (opt, path, values) for opt in ("sgd", "adam") for path, values in STACKED_VALUES
    if not (opt == "adam" and path == "momentum")])  # Adam has no momentum setting
def test_configs_stacked_by_shape_give_the_numbers_of_each_trained_apart(
        tiny_config, optimizer, path, values):
    base = tiny_config("mnist1d", optimizer=optimizer, lr=0.01 if optimizer == "adam" else 0.05,
                       steps=30)  # 30 steps: more than one epoch of 12
    configs = [base.with_values(**{path: v}) for v in values]
    members = [ht.Member(c, seed) for c in configs for seed in (3, 4)]
    stacked = ht.train_stack(members)
    for m, together in zip(members, stacked):
        (apart,) = train_seeds(m.config, [m.seed])
        same_run(together, apart)
    finals = {round(r.final("train_loss"), 6) for r in stacked}
    assert len(finals) == len(stacked)  # the members did differ


def test_a_stack_refuses_configs_of_different_shapes(tiny_config):
    base = tiny_config()
    with pytest.raises(ValueError, match="differ only in lr, momentum"):
        ht.train_stack([ht.Member(base, 0), ht.Member(base.with_values(batch_size=8), 0)])


def test_mixed_momentum_in_one_stack_equals_plain_sgd_for_the_zero_member(tiny_config):
    """A member without momentum in a stack that keeps momentum buffers: buffer·0 + g is g."""
    plain = tiny_config(steps=20)
    together = ht.train_stack([ht.Member(plain, 1), ht.Member(plain.with_values(momentum=0.9), 1)])
    (apart,) = train_seeds(plain, [1])
    same_run(together[0], apart)


# -- spawning ------------------------------------------------------------------------------------

def test_a_spawned_child_follows_its_parent_until_the_spawn_step_then_departs(tiny_config):
    parent = tiny_config("mnist1d", steps=40, eval_points=4)  # evaluations at 10, 20, 30, 40
    child = parent.with_values(spawn_step=20, spawn_child=1)
    (p,), (c,) = train_seeds(parent, [7]), train_seeds(child, [7])
    for m in METRICS:
        assert c.curves[m][:3] == p.curves[m][:3], m  # init, step 10, step 20: shared
        assert c.curves[m][3] != p.curves[m][3], m  # its own data order from step 21
    (c_again,) = train_seeds(child, [7])
    same_run(c, c_again)


def test_a_child_spawned_at_step_zero_shares_only_the_initialization(tiny_config):
    parent = tiny_config("mnist1d", steps=24, eval_points=2)
    (p,), (c,) = train_seeds(parent, [7]), train_seeds(parent.with_values(spawn_child=1), [7])
    assert c.curves["train_loss"][0] == p.curves["train_loss"][0]
    assert c.curves["train_loss"][1] != p.curves["train_loss"][1]


def test_two_children_of_one_parent_differ_and_each_trains_as_alone_in_a_stack(tiny_config):
    parent = tiny_config("mnist1d", steps=30)
    kids = [parent.with_values(spawn_step=k, spawn_child=c) for k, c in ((5, 1), (5, 2), (13, 1))]
    together = ht.train_stack([ht.Member(parent, 2)] + [ht.Member(k, 2) for k in kids])
    (alone,) = train_seeds(parent, [2])
    same_run(together[0], alone)
    for kid, result in zip(kids, together[1:]):
        (apart,) = train_seeds(kid, [2])
        same_run(result, apart)
    assert together[1].curves["train_loss"][-1] != together[2].curves["train_loss"][-1]
