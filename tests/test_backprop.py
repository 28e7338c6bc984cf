"""The hand-written backward pass gives autograd's gradients bit for bit, and whole runs trained
through it equal runs trained through autograd bit for bit, so no cached result changes."""
from __future__ import annotations

import math

import pytest
import torch

import harness.backprop as hb
import harness.train as ht
from harness.backprop import MLPBackprop, log_softmax_rows, log_softmax_rows_backward, supports
from harness.config import ModelSpec
from harness.models import build_model
from harness.train import METRICS, loss_function, train_seeds

VARIANTS = [
    dict(width=16, depth=2, activation="relu"),
    dict(width=24, depth=1, activation="tanh"),
    dict(width=8, depth=3, activation="sigmoid", init="default"),
    dict(width=12, depth=2, activation="gelu"),
    dict(width=16, depth=0, activation="relu"),
    dict(width=16, depth=4, activation="relu", residual=True),
]


def autograd_loss_and_grads(model, params, x, y, alive, task):
    """What the engine computed before the hand-written pass existed."""
    tensors = [p.detach().clone().requires_grad_(True) for p in params.values()]
    leaves = dict(zip(params, tensors))
    losses = loss_function(task)(model.forward(leaves, x), y).mean(dim=1)
    total = torch.where(alive, losses, torch.zeros_like(losses)).sum()
    return losses.detach(), list(torch.autograd.grad(total, tensors))


def stacked_problem(variant: dict, task: str, seeds: int = 3, batch: int = 20):
    spec = ModelSpec(kind="mlp", **variant)
    outputs = 4 if task == "classification" else 3
    model = build_model(spec, (10,), outputs)
    params = model.init([torch.Generator().manual_seed(s) for s in range(seeds)], "cpu")
    gen = torch.Generator().manual_seed(99)
    x = torch.randn(seeds, batch, 10, generator=gen)
    y = (torch.randint(0, outputs, (seeds, batch), generator=gen) if task == "classification"
         else torch.randn(seeds, batch, outputs, generator=gen))
    return model, params, x, y


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(map(str, v.values())))
def test_gradients_are_autograds_bit_for_bit(variant, task):
    model, params, x, y = stacked_problem(variant, task)
    alive = torch.tensor([True, False, True])  # a dead member contributes no gradient
    expected_losses, expected = autograd_loss_and_grads(model, params, x, y, alive, task)
    backprop = MLPBackprop(model, task)
    losses, tape = backprop.forward(params, x, y)
    grads = backprop.backward(params, tape, alive.to(losses.dtype))
    assert torch.equal(losses, expected_losses)
    assert len(grads) == len(expected)
    for name, got, want in zip(params, grads, expected):
        assert got.shape == want.shape, name
        assert torch.equal(got, want), f"{name}: max diff {(got - want).abs().max().item()}"
    assert all(g[1].abs().sum() == 0 for g in grads)


def test_a_wrong_gradient_is_caught():
    """The comparison above can fail: a backward pass that drops the skip connection's
    gradient differs from autograd's."""
    model, params, x, y = stacked_problem(dict(width=16, depth=3, activation="relu",
                                               residual=True), "classification")
    alive = torch.ones(3, dtype=torch.bool)
    _, expected = autograd_loss_and_grads(model, params, x, y, alive, "classification")
    backprop = MLPBackprop(model, "classification")
    losses, tape = backprop.forward(params, x, y)
    tape.skips = [False] * len(tape.skips)
    grads = backprop.backward(params, tape, alive.to(losses.dtype))
    assert not all(torch.equal(g, e) for g, e in zip(grads, expected))


def test_unsupported_models_train_through_autograd():
    assert supports(build_model(ModelSpec(kind="mlp", width=8, depth=2), (10,), 3))
    for spec in (ModelSpec(kind="mlp", width=8, depth=2, norm="layer"),
                 ModelSpec(kind="cnn", width=4, depth=2)):
        model = build_model(spec, (10,), 3)
        assert not supports(model)
        with pytest.raises(ValueError, match="no hand-written backward pass"):
            MLPBackprop(model, "classification")


def test_an_unknown_task_is_refused():
    model = build_model(ModelSpec(kind="mlp", width=8, depth=2), (10,), 3)
    with pytest.raises(ValueError, match="'ranking'.*allowed: classification, regression"):
        MLPBackprop(model, "ranking")


def identical(a, b) -> bool:
    same_curves = all(
        all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a.curves[m], b.curves[m]))
        for m in METRICS)
    same_params = all(torch.equal(a.params[k], b.params[k]) for k in a.params
                      if torch.isfinite(a.params[k]).all())
    return same_curves and same_params and a.diverged_at == b.diverged_at


@pytest.mark.parametrize("data, overrides", [
    ("classes", {"optimizer": "sgd", "momentum": 0.9, "model.depth": 2}),
    ("classes", {"optimizer": "adam", "lr": 0.01, "weight_decay": 1e-3, "schedule": "cosine",
                 "model.depth": 3, "model.residual": True, "model.activation": "tanh"}),
    ("regression", {"optimizer": "adam", "lr": 0.02, "model.depth": 1}),
    ("regression", {"lr": 1e3, "model.depth": 2}),  # diverges: dead members stay dead alike
], ids=["sgd-momentum", "adam-residual-tanh", "regression", "diverging"])
def test_whole_runs_equal_autograds_bit_for_bit(tiny_config, monkeypatch, data, overrides):
    cfg = tiny_config(data, steps=40, eval_points=2, **overrides)
    fast = train_seeds(cfg, [5, 6])
    monkeypatch.setattr(ht, "supports", lambda model: False)
    monkeypatch.setattr(hb, "columns_match_rows", lambda classes: False)
    slow = train_seeds(cfg, [5, 6])
    assert all(identical(f, s) for f, s in zip(fast, slow))
    if overrides.get("lr") == 1e3:
        assert all(r.diverged for r in fast)


@pytest.mark.parametrize("rows", [1, 60, 400, 800, 1000])
@pytest.mark.parametrize("classes", [2, 4, 10, 16, 100])
def test_the_log_softmax_of_the_step_gives_the_row_kernels_bits(rows, classes):
    """Whichever kernel serves (see ``columns_match_rows``), values and gradients are those of
    ``log_softmax(x, 1)``, and for any number of rows (padding never leaks into them)."""
    gen = torch.Generator().manual_seed(rows * classes)
    logits = torch.randn(rows, classes, generator=gen) * 5
    grad = torch.randn(rows, classes, generator=gen)
    expected = torch.log_softmax(logits, 1)
    got, columns = log_softmax_rows(logits)
    assert torch.equal(got, expected)
    expected_back = torch.ops.aten._log_softmax_backward_data(grad, expected, 1, torch.float32)
    assert torch.equal(log_softmax_rows_backward(grad, got, columns), expected_back)


@pytest.mark.parametrize("data, overrides", [
    ("mnist1d", {"model.kind": "cnn", "model.width": 4, "model.depth": 2, "optimizer": "adam",
                 "lr": 0.01}),
    ("classes", {"model.depth": 2, "model.norm": "layer", "model.residual": True}),
], ids=["cnn", "layernorm"])
def test_autograd_runs_through_the_faster_log_softmax_are_unchanged(tiny_config, monkeypatch,
                                                                   data, overrides):
    """Models without a hand-written backward pass still get the faster kernel, inside
    autograd, with the numbers of ``F.cross_entropy``."""
    cfg = tiny_config(data, steps=30, eval_points=2, **overrides)
    fast = train_seeds(cfg, [1, 2])
    monkeypatch.setattr(hb, "columns_match_rows", lambda classes: False)
    slow = train_seeds(cfg, [1, 2])
    assert all(identical(f, s) for f, s in zip(fast, slow))


def test_the_loss_is_cross_entropys_bit_for_bit():
    gen = torch.Generator().manual_seed(3)
    out = torch.randn(3, 50, 10, generator=gen)
    y = torch.randint(0, 10, (3, 50), generator=gen)
    expected = torch.nn.functional.cross_entropy(out.reshape(150, 10), y.reshape(-1),
                                                 reduction="none").view(3, 50)
    assert torch.equal(loss_function("classification")(out, y), expected)
