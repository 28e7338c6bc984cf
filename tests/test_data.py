"""Data sets: shapes, determinism, the canonical MNIST-1D split, label corruption, no network.
The image sets read from a local folder are tested in ``test_images.py``."""
from __future__ import annotations

import io
import socket
from dataclasses import replace

import numpy as np
import pytest
import torch

import harness.data as hd
from harness.config import DataSpec
from harness.data import corrupt_labels, known_datasets, load_dataset
from harness.storage import read_checked

SMALL = {
    "mnist1d": DataSpec(name="mnist1d", n_train=200, n_test=100),
    "teacher_student": DataSpec(name="teacher_student", n_train=120, n_test=30,
                                options=(("dim", 6), ("teacher_width", 3))),
    "teacher_student_classes": DataSpec(name="teacher_student", n_train=120, n_test=30,
                                        options=(("dim", 6), ("teacher_width", 3),
                                                 ("classes", 4))),
    "angles": DataSpec(name="angles", n_train=120, n_test=30),
    "angles_sincos": DataSpec(name="angles", n_train=120, n_test=30,
                              options=(("encoding", "sincos"),)),
    "polynomial": DataSpec(name="polynomial", n_train=120, n_test=30),
}
# (input shape, task, n_outputs, y dtype, y trailing shape)
EXPECTED = {
    "mnist1d": ((40,), "classification", 10, torch.int64, ()),
    "teacher_student": ((6,), "regression", 1, torch.float32, (1,)),
    "teacher_student_classes": ((6,), "classification", 4, torch.int64, ()),
    "angles": ((1,), "classification", 2, torch.int64, ()),
    "angles_sincos": ((2,), "classification", 2, torch.int64, ()),
    "polynomial": ((1,), "regression", 1, torch.float32, (1,)),
}


@pytest.mark.parametrize("key", sorted(SMALL))
def test_shapes_dtypes_and_task(key):
    spec = SMALL[key]
    shape, task, n_out, y_dtype, y_tail = EXPECTED[key]
    d = load_dataset(spec)
    assert d.x_train.shape == (spec.n_train, *shape)
    assert d.x_test.shape == (spec.n_test, *shape)
    assert d.y_train.shape == (spec.n_train, *y_tail)
    assert d.y_test.shape == (spec.n_test, *y_tail)
    assert d.x_train.dtype == d.x_test.dtype == torch.float32
    assert d.y_train.dtype == d.y_test.dtype == y_dtype
    assert d.input_shape == shape
    assert (d.task, d.n_outputs) == (task, n_out)
    assert torch.isfinite(d.x_train).all() and torch.isfinite(d.x_test).all()
    if task == "classification":
        assert int(d.y_train.min()) >= 0 and int(d.y_train.max()) < n_out
        assert len(torch.unique(d.y_train)) > 1


@pytest.mark.parametrize("key", sorted(SMALL))
def test_same_spec_gives_identical_tensors(key):
    hd._mnist1d_arrays.cache_clear()  # regenerate rather than return the cached arrays
    a = load_dataset(SMALL[key])
    hd._mnist1d_arrays.cache_clear()
    b = load_dataset(SMALL[key])
    for name in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name


@pytest.mark.parametrize("key", sorted(SMALL))
def test_another_seed_gives_other_inputs(key):
    spec = SMALL[key]
    a = load_dataset(spec)
    b = load_dataset(replace(spec, seed=spec.resolved(0).seed + 1))
    assert a.x_train.shape == b.x_train.shape
    assert not torch.equal(a.x_train, b.x_train)


def test_train_and_test_inputs_are_disjoint_samples():
    d = load_dataset(SMALL["polynomial"])
    assert not np.isin(d.x_test.numpy().ravel(), d.x_train.numpy().ravel()).any()


def test_mnist1d_canonical_split_has_the_published_label_counts():
    """DataSpec(seed=42) is the canonical MNIST-1D: 4000 train / 1000 test samples of seed 42."""
    d = load_dataset(DataSpec(seed=42))
    assert d.x_train.shape == (4000, 40) and d.x_test.shape == (1000, 40)
    assert np.bincount(d.y_train.numpy(), minlength=10).tolist() == [
        398, 396, 411, 394, 394, 402, 401, 404, 402, 398]
    assert np.bincount(d.y_test.numpy(), minlength=10).tolist() == [
        102, 104, 89, 106, 106, 98, 99, 96, 98, 102]


def test_mnist1d_pool_keeps_one_test_set_across_training_sizes():
    small = load_dataset(DataSpec(name="mnist1d", n_train=100, n_test=50, options=(("pool", 300),)))
    large = load_dataset(DataSpec(name="mnist1d", n_train=250, n_test=50, options=(("pool", 300),)))
    assert torch.equal(small.x_test, large.x_test) and torch.equal(small.y_test, large.y_test)
    assert torch.equal(small.x_train, large.x_train[:100])
    # and the test set is disjoint from the largest training set the pool allows
    assert not (large.x_test[:, None, :] == large.x_train[None, :, :]).all(-1).any()
    with pytest.raises(ValueError, match="pool 200"):
        load_dataset(DataSpec(name="mnist1d", n_train=180, n_test=50, options=(("pool", 200),)))


def test_mnist1d_sizes_not_a_multiple_of_ten():
    d = load_dataset(DataSpec(name="mnist1d", n_train=123, n_test=45))
    assert d.x_train.shape == (123, 40) and d.x_test.shape == (45, 40)


def test_label_noise_flips_about_the_requested_fraction_to_another_class():
    clean_spec = DataSpec(name="teacher_student", n_train=4000, n_test=500,
                          options=(("classes", 5), ("dim", 8), ("teacher_width", 4)))
    noisy_spec = replace(clean_spec, label_noise=0.2)
    clean, noisy = load_dataset(clean_spec), load_dataset(noisy_spec)
    assert torch.equal(clean.x_train, noisy.x_train)
    assert torch.equal(clean.y_test, noisy.y_test)  # test labels are never touched
    flipped = (clean.y_train != noisy.y_train).double().mean().item()
    sd = (0.2 * 0.8 / 4000) ** 0.5
    assert abs(flipped - 0.2) < 4 * sd


def test_corrupt_labels_never_keeps_the_label_it_flips():
    y = np.repeat(np.arange(10), 300)
    out = corrupt_labels(y, 10, noise=1.0, random=False, seed=3)
    assert (out != y).all()
    assert out.min() >= 0 and out.max() <= 9
    # every wrong class is reachable
    for c in range(10):
        assert set(np.unique(out[y == c])) == set(range(10)) - {c}
    assert (y == np.repeat(np.arange(10), 300)).all()  # the caller's array is not mutated


def test_corrupt_labels_with_two_classes_always_swaps():
    y = np.array([0, 1] * 50)
    assert (corrupt_labels(y, 2, noise=1.0, random=False, seed=0) == 1 - y).all()


def test_corrupt_labels_is_deterministic_in_its_seed():
    y = np.arange(1000) % 10
    a = corrupt_labels(y, 10, noise=0.3, random=False, seed=1)
    b = corrupt_labels(y, 10, noise=0.3, random=False, seed=1)
    c = corrupt_labels(y, 10, noise=0.3, random=False, seed=2)
    assert (a == b).all() and not (a == c).all()


def test_random_labels_are_roughly_uniform_and_leave_test_labels_alone():
    spec = DataSpec(name="teacher_student", n_train=5000, n_test=300,
                    options=(("classes", 4), ("dim", 8), ("teacher_width", 2)))
    clean = load_dataset(spec)
    shuffled = load_dataset(replace(spec, random_labels=True))
    counts = np.bincount(shuffled.y_train.numpy(), minlength=4)
    assert counts.sum() == 5000
    assert np.all(np.abs(counts - 1250) < 4 * np.sqrt(5000 * 0.25 * 0.75))
    # a uniform redraw keeps a label with probability 1/4, and ignores the teacher
    agree = (clean.y_train == shuffled.y_train).double().mean().item()
    assert abs(agree - 0.25) < 0.05
    assert torch.equal(clean.y_test, shuffled.y_test)
    assert torch.equal(clean.x_train, shuffled.x_train)


def test_label_noise_on_a_regression_set_is_an_error():
    with pytest.raises(ValueError, match="classification"):
        load_dataset(DataSpec(name="polynomial", n_train=10, n_test=5, label_noise=0.1))


def test_unknown_data_set_lists_the_known_ones():
    with pytest.raises(ValueError) as err:
        load_dataset(DataSpec(name="imagenet", n_train=10, n_test=5))
    message = str(err.value)
    assert "'imagenet'" in message
    for name in ("mnist1d", "teacher_student", "angles", "polynomial", "mnist", "cifar10"):
        assert name in message
    assert set(known_datasets()) >= {"mnist1d", "teacher_student", "angles", "polynomial"}


@pytest.mark.parametrize("spec, match", [
    (DataSpec(name="angles", n_train=10, n_test=5, options=(("encoding", "polar"),)), "polar"),
    (DataSpec(name="angles", n_train=10, n_test=5, options=(("target", "quarter"),)), "quarter"),
    (DataSpec(name="teacher_student", n_train=10, n_test=5,
              options=(("dim", 3), ("teacher_width", 5))), "teacher_width 5"),
])
def test_bad_options_are_errors(spec, match):
    with pytest.raises(ValueError, match=match):
        load_dataset(spec)


def test_angle_targets_label_the_seam_arc_or_the_upper_half():
    """'seam' labels the arc around 0 ≡ 2π, which a raw angle splits in two; 'half' labels
    θ < π, one threshold on the raw angle."""
    def labels(target):
        data = load_dataset(DataSpec(name="angles", n_train=400, n_test=10,
                                     options=(("target", target),)))
        return data.x_train[:, 0].numpy(), data.y_train.numpy()
    theta, seam = labels("seam")
    assert np.array_equal(seam, ((theta < np.pi / 2) | (theta > 3 * np.pi / 2)).astype(int))
    theta_half, half = labels("half")
    assert np.array_equal(theta_half, theta)
    assert np.array_equal(half, (theta < np.pi).astype(int))


def test_mnist1d_is_generated_offline_and_stored_then_read_back(tmp_path, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    spec = DataSpec(name="mnist1d", n_train=200, n_test=100, seed=5)

    hd._mnist1d_arrays.cache_clear()
    first = load_dataset(spec, store=tmp_path)
    stored = list(tmp_path.glob("*.npz"))
    assert len(stored) == 1
    assert not list(tmp_path.glob("*.tmp"))

    import mnist1d.data

    def no_generation(*args, **kwargs):
        raise AssertionError("make_dataset called although the arrays are stored")

    monkeypatch.setattr(mnist1d.data, "make_dataset", no_generation)
    hd._mnist1d_arrays.cache_clear()
    second = load_dataset(spec, store=tmp_path)
    for name in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(first, name), getattr(second, name)), name
    hd._mnist1d_arrays.cache_clear()


def test_a_corrupt_stored_mnist1d_file_is_regenerated(tmp_path):
    spec = DataSpec(name="mnist1d", n_train=200, n_test=100, seed=6)
    hd._mnist1d_arrays.cache_clear()
    first = load_dataset(spec, store=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    hd._mnist1d_arrays.cache_clear()
    second = load_dataset(spec, store=tmp_path)
    assert torch.equal(first.x_train, second.x_train)
    with np.load(io.BytesIO(read_checked(path))) as saved:  # rewritten whole
        assert saved["x"].shape == (300, 40)
    hd._mnist1d_arrays.cache_clear()


def test_changing_a_loaded_tensor_in_place_does_not_change_the_next_load():
    spec = DataSpec(name="mnist1d", n_train=200, n_test=100, seed=8)
    first = load_dataset(spec)
    original = first.x_train[0, 0].item()
    first.x_train[0, 0] = original + 1000.0
    try:
        assert load_dataset(spec).x_train[0, 0].item() == original
    finally:
        hd._mnist1d_arrays.cache_clear()


def test_shuffled_labels_control_permutes_every_split_and_keeps_the_inputs():
    plain = load_dataset(SMALL["mnist1d"])
    control = load_dataset(replace(SMALL["mnist1d"], control="shuffled_labels"))
    assert torch.equal(plain.x_train, control.x_train) and torch.equal(plain.x_test,
                                                                       control.x_test)
    for a, b in ((plain.y_train, control.y_train), (plain.y_test, control.y_test)):
        assert torch.equal(a.sort().values, b.sort().values)  # same labels, other order
        assert (a != b).float().mean() > 0.5


def test_shuffled_inputs_control_permutes_positions_alike_in_every_example():
    plain = load_dataset(SMALL["mnist1d"])
    control = load_dataset(replace(SMALL["mnist1d"], control="shuffled_inputs"))
    assert torch.equal(plain.y_train, control.y_train)
    order = [next(i for i in range(40) if torch.equal(plain.x_train[:, i],
                                                      control.x_train[:, j]))
             for j in range(40)]
    assert sorted(order) == list(range(40)) and order != list(range(40))
    assert torch.equal(plain.x_test[:, order], control.x_test)


def test_polynomial_fixed_design_repeats_chebyshev_nodes_with_fresh_noise():
    spec = DataSpec(name="polynomial", n_train=10, n_test=30,
                    options=(("noise", 0.3), ("design", "fixed")))
    data = load_dataset(spec)
    nodes = np.cos(np.pi * (2 * np.arange(10) + 1) / 20)
    assert np.allclose(data.x_train[:, 0].numpy(), nodes, atol=1e-6)
    assert np.allclose(data.x_test[:, 0].numpy(), np.tile(nodes, 3), atol=1e-6)
    assert not torch.equal(data.y_test[:10], data.y_train)  # new noise at the same inputs
    with pytest.raises(ValueError, match="multiple of n_train"):
        load_dataset(replace(spec, n_test=25))
    with pytest.raises(ValueError, match="unknown polynomial design 'grid'"):
        load_dataset(replace(spec, options=(("design", "grid"),)))
