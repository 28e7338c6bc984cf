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


def test_preferred_class_auroc_is_the_mann_whitney_probability_by_brute_force():
    from harness.probes import preferred_class_auroc
    gen = torch.Generator().manual_seed(3)
    y_train, y_test = torch.randint(0, 3, (60,), generator=gen), torch.randint(0, 3, (40,),
                                                                                generator=gen)
    shift = torch.tensor([1.5, 0.0, -1.0]).double()
    train = torch.randn(60, 2, generator=gen).double() + shift[y_train][:, None]
    test = torch.round(torch.randn(40, 2, generator=gen).double() + shift[y_test][:, None],
                       decimals=1)  # ties, as ReLU zeros give
    got = preferred_class_auroc(train, y_train, test, y_test, 3)
    for unit in range(2):
        own, rest = test[y_test == 0, unit], test[y_test != 0, unit]  # class 0 is preferred
        pairs = (own[:, None] > rest[None, :]).double() + 0.5 * (own[:, None] == rest[None, :])
        assert float(got[unit]) == pytest.approx(float(pairs.mean()))


def test_auroc_ignores_thresholds_where_the_class_selectivity_index_rises_with_sparsity():
    """The referee's counterexample: the same unit with its bias lowered by 0.5 SD fires more
    sparsely; Morcos's index rises, the pre-activation AUROC cannot move."""
    from harness.probes import class_selectivity, preferred_class_auroc
    gen = torch.Generator().manual_seed(4)
    y = torch.randint(0, 10, (4000,), generator=gen)
    z = torch.randn(4000, 64, generator=gen).double() + 0.3 * (y[:, None] == torch.arange(64)[
        None, :] % 10).double()
    lowered = z - 0.5
    index_before = class_selectivity(torch.relu(z), y, 10)[0].mean()
    index_after = class_selectivity(torch.relu(lowered), y, 10)[0].mean()
    assert index_after > index_before + 0.03
    assert torch.equal(preferred_class_auroc(z, y, z, y, 10),
                       preferred_class_auroc(lowered * 3.0, y, lowered * 3.0, y, 10))
