"""Probing tools: the linear probe, class selectivity and the hidden layers they read."""
from __future__ import annotations

import pytest
import torch

from harness.cache import RunCache
from harness.config import ModelSpec
from harness.models import build_model
from harness.probes import class_selectivity, linear_probe_error, probe_layers
from harness.runs import Runner, Sweep

CPU = torch.device("cpu")


def _blobs(n, classes, dim, seed, spread=0.1):
    gen = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=gen)
    centres = torch.randn(classes, dim, generator=torch.Generator().manual_seed(99)) * 3
    return (centres[y] + spread * torch.randn(n, dim, generator=gen)).double(), y


def test_a_probe_separates_separable_features_and_not_random_labels():
    x, y = _blobs(400, 4, 8, 0)
    xt, yt = _blobs(400, 4, 8, 1)
    assert linear_probe_error(x, y, xt, yt, 4) == 0.0
    shuffled = yt[torch.randperm(len(yt), generator=torch.Generator().manual_seed(2))]
    assert linear_probe_error(x, y, xt, shuffled, 4) > 0.6  # chance is 0.75


def test_a_probe_refuses_mismatched_rows():
    x, y = _blobs(10, 2, 3, 0)
    with pytest.raises(ValueError, match="features and labels disagree"):
        linear_probe_error(x, y[:5], x, y, 2)


def test_selectivity_is_one_for_a_single_class_unit_zero_for_an_even_one():
    y = torch.tensor([0, 0, 1, 1, 2, 2])
    single = torch.tensor([1.0, 1.0, 0, 0, 0, 0])
    even = torch.ones(6)
    silent = torch.zeros(6)
    index, n_silent = class_selectivity(torch.stack([single, even, silent], 1), y, 3)
    assert index.tolist() == pytest.approx([1.0, 0.0]) and n_silent == 1


def test_selectivity_refuses_negative_activations():
    with pytest.raises(ValueError, match="non-negative"):
        class_selectivity(torch.tensor([[-1.0]]), torch.tensor([0]), 2)


@pytest.mark.parametrize("spec", [ModelSpec(kind="mlp", width=6, depth=3),
                                  ModelSpec(kind="cnn", width=4, depth=2)])
def test_hidden_layers_are_one_per_layer_and_per_seed(spec):
    model = build_model(spec, (40,), 10)
    params = model.init([torch.Generator().manual_seed(s) for s in (0, 1)], CPU)
    x = torch.randn(5, 40)
    hidden = model.hidden_layers(params, x)
    assert len(hidden) == spec.depth
    assert all(h.shape[:2] == (2, 5) for h in hidden)
    alone = model.hidden_layers({k: v[1:] for k, v in params.items()}, x)
    assert torch.allclose(hidden[-1][1], alone[-1][0], atol=1e-6)


def test_probing_a_run_and_its_initialization(tiny_config):
    config = tiny_config("mnist1d", optimizer="adam", lr=0.01, steps=40,
                         **{"model.depth": 2, "model.width": 32})
    runner = Runner(RunCache(None), CPU, master_seed=0)
    run = runner.trained_run(runner.run(Sweep.of(config, seeds=1, namespace="T-probe")).only(), 0)
    trained, init = probe_layers(run), probe_layers(run, at_init=True)
    for probe in (trained, init):
        assert len(probe["probe_error"]) == 3 and probe["selectivity"][0] is None
        assert all(0.0 <= e <= 1.0 for e in probe["probe_error"])
        assert probe["selective_fraction"][0] is None
        assert all(0.0 <= f <= 1.0 for f in probe["selective_fraction"][1:])
    assert trained["probe_error"][0] == init["probe_error"][0]  # the input is the input
    assert trained["probe_error"][1:] != init["probe_error"][1:]
