"""Stacked-seed MLP and CNN: sizes, shapes, seed independence, and agreement with torch.nn."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn

from harness.config import ModelSpec
from harness.models import build_model
from harness.seeding import torch_generator
from tests.reference_nets import torch_cnn, with_seed


def gens(*seeds: int) -> list[torch.Generator]:
    return [torch_generator(s) for s in seeds]


def init(spec: ModelSpec, input_shape=(40,), n_out=10, seeds=(0, 1, 2)):
    model = build_model(spec, input_shape, n_out)
    return model, model.init(gens(*seeds), "cpu")


def test_mlp_parameter_count():
    model = build_model(ModelSpec(kind="mlp", width=100, depth=2), (40,), 10)
    assert model.n_params() == 40 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10 == 15210
    params = model.init(gens(0, 1), "cpu")
    assert sum(p[0].numel() for p in params.values()) == 15210
    assert params["layer0.weight"].shape == (2, 40, 100)
    assert params["layer2.bias"].shape == (2, 1, 10)


def test_mlp_with_no_hidden_layer_is_linear():
    model = build_model(ModelSpec(kind="mlp", width=100, depth=0), (40,), 10)
    assert model.n_params() == 410
    assert sorted(model.init(gens(0), "cpu")) == ["layer0.bias", "layer0.weight"]


def test_cnn_parameter_count():
    # lengths 40 -> 20 -> 10 -> 5 (three stride-2 layers), then a stride-1 layer keeps 5
    model = build_model(ModelSpec(kind="cnn", width=8, depth=4, kernel_size=3), (40,), 10)
    conv = (8 * 1 * 3 + 8) + 3 * (8 * 8 * 3 + 8)
    head = 8 * 5 * 10 + 10
    assert model.n_params() == conv + head == 1042


def _torch_mlp(spec: ModelSpec, n_in: int, n_out: int) -> nn.Sequential:
    dims = [n_in] + [spec.width] * spec.depth + [n_out]
    layers: list[nn.Module] = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


@pytest.mark.parametrize("width, depth", [(7, 1), (16, 2), (5, 3)])
def test_mlp_matches_torch_nn_seed_by_seed(width, depth):
    spec = ModelSpec(kind="mlp", width=width, depth=depth)
    model, params = init(spec, (12,), 4, seeds=(0, 1))
    x = torch.randn(6, 12, generator=torch_generator(99))
    out = model.forward(params, x)
    for s in range(2):
        ref = _torch_mlp(spec, 12, 4)
        assert sum(p.numel() for p in ref.parameters()) == model.n_params()
        linears = [m for m in ref if isinstance(m, nn.Linear)]
        with torch.no_grad():
            for i, lin in enumerate(linears):
                lin.weight.copy_(params[f"layer{i}.weight"][s].T)
                lin.bias.copy_(params[f"layer{i}.bias"][s, 0])
        torch.testing.assert_close(out[s], ref(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("width, depth, kernel", [(4, 2, 3), (6, 4, 3), (3, 3, 5)])
def test_cnn_matches_torch_nn_seed_by_seed(width, depth, kernel):
    spec = ModelSpec(kind="cnn", width=width, depth=depth, kernel_size=kernel)
    model, params = init(spec, (40,), 10, seeds=(0, 1))
    x = torch.randn(5, 40, generator=torch_generator(98))
    out = model.forward(params, x)
    for s in range(2):
        ref = with_seed(torch_cnn(spec, (1, 40), 10), params, s)
        assert sum(p.numel() for p in ref.parameters()) == model.n_params()
        torch.testing.assert_close(out[s], ref(x.unsqueeze(1)), rtol=1e-5, atol=1e-6)


def test_cnn_with_an_even_kernel_and_a_stride_one_layer_runs():
    model, params = init(ModelSpec(kind="cnn", width=4, depth=4, kernel_size=4), seeds=(0,))
    assert model.forward(params, torch.randn(3, 40)).shape == (1, 3, 10)


@pytest.mark.parametrize("spec", [
    ModelSpec(kind="mlp", width=8, depth=2),
    ModelSpec(kind="cnn", width=4, depth=4),
], ids=["mlp", "cnn"])
def test_output_shapes_for_per_seed_and_shared_batches(spec):
    model, params = init(spec, (40,), 10, seeds=(0, 1, 2))
    per_seed = torch.randn(3, 5, 40)
    shared = torch.randn(5, 40)
    assert model.forward(params, per_seed).shape == (3, 5, 10)
    assert model.forward(params, shared).shape == (3, 5, 10)
    # a shared batch is the same as that batch given to every seed
    torch.testing.assert_close(model.forward(params, shared),
                               model.forward(params, shared.expand(3, 5, 40)))


def test_cnn_accepts_channelled_inputs():
    model, params = init(ModelSpec(kind="cnn", width=4, depth=2), (3, 16), 5, seeds=(0, 1))
    assert model.forward(params, torch.randn(7, 3, 16)).shape == (2, 7, 5)
    assert model.forward(params, torch.randn(2, 7, 3, 16)).shape == (2, 7, 5)


@pytest.mark.parametrize("shape", [(2, 3), (3, 4, 5)], ids=["grid", "image"])
def test_mlp_flattens_multi_dimensional_inputs(shape):
    spec = ModelSpec(kind="mlp", width=8, depth=1)
    grid, params = init(spec, shape, 4, seeds=(0, 1))
    n = math.prod(shape)
    flat = build_model(spec, (n,), 4)
    assert grid.n_params() == flat.n_params()
    x = torch.randn(5, *shape)
    torch.testing.assert_close(grid.forward(params, x), flat.forward(params, x.reshape(5, n)))
    torch.testing.assert_close(grid.forward(params, x.expand(2, 5, *shape)),
                               flat.forward(params, x.reshape(5, n)))


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_a_seeds_init_does_not_depend_on_its_stack(kind):
    spec = ModelSpec(kind=kind, width=6, depth=2)
    _, alone = init(spec, seeds=(7,))
    _, stacked = init(spec, seeds=(3, 7, 11))
    _, first = init(spec, seeds=(7, 3))
    for name in alone:
        assert torch.equal(alone[name][0], stacked[name][1]), name
        assert torch.equal(alone[name][0], first[name][0]), name
    # and different seeds draw different weights
    assert not torch.equal(stacked["conv0.weight" if kind == "cnn" else "layer0.weight"][0],
                           stacked["conv0.weight" if kind == "cnn" else "layer0.weight"][1])


@pytest.mark.parametrize("spec", [
    ModelSpec(kind="mlp", width=8, depth=3),
    ModelSpec(kind="mlp", width=8, depth=3, residual=True, norm="layer"),
    ModelSpec(kind="cnn", width=4, depth=4),
    ModelSpec(kind="cnn", width=4, depth=5, residual=True, norm="layer"),
], ids=["mlp", "mlp-res-ln", "cnn", "cnn-res-ln"])
def test_each_seeds_output_depends_only_on_its_own_params(spec):
    model, params = init(spec, (40,), 10, seeds=(0, 1, 2))
    x = torch.randn(3, 4, 40)
    before = model.forward(params, x)
    perturbed = {k: v.clone() for k, v in params.items()}
    for v in perturbed.values():
        v[1] += 0.5
    after = model.forward(perturbed, x)
    assert torch.equal(before[0], after[0]) and torch.equal(before[2], after[2])
    assert not torch.allclose(before[1], after[1])
    # and on its own inputs only
    x2 = x.clone()
    x2[1] += 1.0
    again = model.forward(params, x2)
    assert torch.equal(before[0], again[0]) and torch.equal(before[2], again[2])


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_residual_and_layer_norm_variants_run_and_differ(kind):
    base = ModelSpec(kind=kind, width=8, depth=4)
    x = torch.randn(5, 40, generator=torch_generator(1))
    outs = {}
    for residual in (False, True):
        for norm in ("none", "layer"):
            spec = ModelSpec(**{**base.__dict__, "residual": residual, "norm": norm})
            model, params = init(spec, seeds=(0, 1))
            out = model.forward(params, x)
            assert out.shape == (2, 5, 10) and torch.isfinite(out).all()
            outs[residual, norm] = out
            # the parameter set does not change with these knobs
            assert model.n_params() == build_model(base, (40,), 10).n_params()
    assert not torch.allclose(outs[False, "none"], outs[True, "none"])
    assert not torch.allclose(outs[False, "none"], outs[False, "layer"])


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_layer_norm_has_no_batch_statistics_so_evaluation_equals_training(kind):
    """The normalization K5's ladder uses: an example's output does not depend on the batch
    it is in, so there are no running statistics to get wrong at evaluation, and seeds
    stacked in one batch stay independent (above)."""
    model, params = init(ModelSpec(kind=kind, width=8, depth=4, norm="layer"), seeds=(0, 1))
    x = torch.randn(6, 40, generator=torch_generator(2))
    batch = model.forward(params, x)
    alone = torch.cat([model.forward(params, x[i:i + 1]) for i in range(6)], dim=1)
    torch.testing.assert_close(batch, alone, rtol=1e-5, atol=1e-6)


def test_mlp_layer_norm_normalises_each_hidden_vector():
    spec = ModelSpec(kind="mlp", width=32, depth=1, norm="layer", activation="tanh")
    model, params = init(spec, (40,), 10, seeds=(0,))
    # with identity-like access to the hidden layer: depth 1, so the head sees act(norm(z))
    x = torch.randn(4, 40) * 100
    z = torch.matmul(x, params["layer0.weight"]) + params["layer0.bias"]
    h = torch.tanh((z - z.mean(-1, keepdim=True)) / z.std(-1, unbiased=False, keepdim=True))
    expected = torch.matmul(h, params["layer1.weight"]) + params["layer1.bias"]
    torch.testing.assert_close(model.forward(params, x), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_zero_init_gives_all_zeros(kind):
    model, params = init(ModelSpec(kind=kind, width=6, depth=2, init="zero"), seeds=(0, 1))
    assert all(torch.count_nonzero(p) == 0 for p in params.values())
    assert torch.count_nonzero(model.forward(params, torch.randn(3, 40))) == 0


@pytest.mark.parametrize("init_name", ["default", "he", "xavier"])
def test_init_scale_scales_the_initial_weights(init_name):
    one = init(ModelSpec(width=20, depth=2, init=init_name, init_scale=1.0), seeds=(4,))[1]
    half = init(ModelSpec(width=20, depth=2, init=init_name, init_scale=0.5), seeds=(4,))[1]
    zero = init(ModelSpec(width=20, depth=2, init=init_name, init_scale=0.0), seeds=(4,))[1]
    for name in one:
        torch.testing.assert_close(half[name], 0.5 * one[name])
        assert torch.count_nonzero(zero[name]) == 0
    assert torch.count_nonzero(one["layer0.weight"]) > 0


def test_init_distributions_have_the_documented_scale():
    n_in, width = 400, 300
    for init_name, expected_std in [
        ("default", 1 / math.sqrt(n_in) / math.sqrt(3)),  # uniform ±1/√fan_in
        ("he", math.sqrt(2 / n_in)),
        ("xavier", math.sqrt(2 / (n_in + width))),
    ]:
        _, params = init(ModelSpec(width=width, depth=1, init=init_name), (n_in,), 10, (0,))
        w = params["layer0.weight"][0]
        assert float(w.std()) == pytest.approx(expected_std, rel=0.03), init_name
        bias = params["layer0.bias"][0]
        if init_name == "default":
            assert float(bias.abs().max()) <= 1 / math.sqrt(n_in)
        else:
            assert torch.count_nonzero(bias) == 0


def test_flops_count_multiply_adds_of_the_weights():
    model = build_model(ModelSpec(kind="mlp", width=100, depth=2), (40,), 10)
    assert model.flops_per_example() == 2 * (40 * 100 + 100 * 100 + 100 * 10)
    cnn = build_model(ModelSpec(kind="cnn", width=8, depth=2, kernel_size=3), (40,), 10)
    # conv0: 8 x 1 x 3 taps at 20 positions, conv1: 8 x 8 x 3 taps at 10 positions, head 80 x 10
    assert cnn.flops_per_example() == 2 * (24 * 20 + 192 * 10 + 80 * 10)


def test_init_is_deterministic_in_the_generator_seed():
    model = build_model(ModelSpec(width=4, depth=1), (3,), 2)
    params = model.init(gens(0), "cpu")
    assert all(p.device.type == "cpu" for p in params.values())
    assert all(torch.equal(params[k], model.init(gens(0), "cpu")[k]) for k in params)
    assert not torch.equal(params["layer0.weight"], model.init(gens(1), "cpu")["layer0.weight"])
