"""Image sets read from torchvision's folder layout by the harness's own readers, kept as
images, and the 2-D CNN that reads them: exact pixels, errors that name the files, and a CNN
whose stacked seeds, symmetry and training behave as the 1-D CNN's do."""
from __future__ import annotations

import gzip
import math
import os
import pickle
import socket
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from harness.backprop import supports
from harness.config import DataSpec, ModelSpec, TrainConfig
from harness.data import generator_version, load_dataset
from harness.images import IMAGE_READER_VERSION, IMAGE_SETS, read_image_set
from harness.models import build_model
from harness.seeding import torch_generator
from harness.symmetry import permute, unit_counts
from harness.train import METRICS, train_seeds
from tests.image_files import idx_bytes
from tests.reference_nets import torch_cnn, with_seed

N_TRAIN, N_TEST = 12, 5
MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
               "t10k-labels-idx1-ubyte")
CIFAR_FILES = tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",)
CIFAR_ROWS = (3, 2, 4, 1, 2)  # train rows per data batch: 12 in all


# --- writing torchvision's files -----------------------------------------------------------

def write_idx_set(root: Path, folder: str = "MNIST", gzipped: tuple[str, ...] = (),
                  seed: int = 0) -> dict[str, np.ndarray]:
    """Tiny MNIST-layout files under ``root/folder/raw``; the files named in ``gzipped`` are
    written only as ``name.gz``."""
    rng = np.random.default_rng(seed)
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    arrays = dict(zip(MNIST_FILES, (rng.integers(0, 256, (N_TRAIN, 28, 28)),
                                    rng.integers(0, 10, N_TRAIN),
                                    rng.integers(0, 256, (N_TEST, 28, 28)),
                                    rng.integers(0, 10, N_TEST))))
    for name, array in arrays.items():
        if name in gzipped:
            (raw / f"{name}.gz").write_bytes(gzip.compress(idx_bytes(array)))
        else:
            (raw / name).write_bytes(idx_bytes(array))
    return arrays


def write_cifar(root: Path, protocol: int = 2) -> tuple[np.ndarray, ...]:
    """Tiny CIFAR-10 batches (rows ``CIFAR_ROWS``, then a test batch of ``N_TEST``), pickled
    as dicts of bytes keys like the official files; returns the rows and labels written."""
    rng = np.random.default_rng(1)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    written = []
    for name, rows in zip(CIFAR_FILES, CIFAR_ROWS + (N_TEST,)):
        data = rng.integers(0, 256, (rows, 3072)).astype(np.uint8)
        labels = rng.integers(0, 10, rows).tolist()
        batch = {b"batch_label": name.encode(), b"labels": labels, b"data": data}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=protocol))
        written.append((data, np.array(labels)))
    train = written[:5]
    return (np.concatenate([d for d, _ in train]), np.concatenate([y for _, y in train]),
            *written[5])


def spec(name: str, root: Path, n_train: int = N_TRAIN, n_test: int = N_TEST) -> DataSpec:
    return DataSpec(name=name, n_train=n_train, n_test=n_test, options=(("root", str(root)),))


# --- reading them --------------------------------------------------------------------------

@pytest.mark.parametrize("name, folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
@pytest.mark.parametrize("gzipped", [(), MNIST_FILES, MNIST_FILES[1::2]],
                         ids=["raw", "gzipped", "mixed"])
def test_idx_sets_give_the_written_pixels_as_images(tmp_path, monkeypatch, name, folder,
                                                    gzipped):
    monkeypatch.setattr(socket, "create_connection",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("network")))
    arrays = write_idx_set(tmp_path, folder, gzipped)
    d = load_dataset(spec(name, tmp_path))
    assert d.x_train.shape == (N_TRAIN, 1, 28, 28) and d.x_test.shape == (N_TEST, 1, 28, 28)
    assert d.input_shape == (1, 28, 28)
    assert d.x_train.dtype == torch.float32 and d.y_train.dtype == torch.int64
    assert (d.task, d.n_outputs) == ("classification", 10)
    assert 0.0 <= float(d.x_train.min()) and float(d.x_train.max()) <= 1.0
    assert np.array_equal(np.rint(d.x_train.numpy()[:, 0] * 255),
                          arrays["train-images-idx3-ubyte"])
    assert np.array_equal(np.rint(d.x_test.numpy()[:, 0] * 255),
                          arrays["t10k-images-idx3-ubyte"])
    assert d.y_train.tolist() == arrays["train-labels-idx1-ubyte"].tolist()
    assert d.y_test.tolist() == arrays["t10k-labels-idx1-ubyte"].tolist()


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_cifar_batches_give_the_written_rows_as_channel_major_images(tmp_path, protocol):
    x_tr, y_tr, x_te, y_te = write_cifar(tmp_path, protocol)
    d = load_dataset(spec("cifar10", tmp_path))
    assert d.x_train.shape == (N_TRAIN, 3, 32, 32) and d.x_test.shape == (N_TEST, 3, 32, 32)
    pixels = np.rint(d.x_train.numpy() * 255)
    # row layout: 1024 red, then 1024 green, then 1024 blue values, each row by row
    assert pixels[4, 1, 2, 5] == x_tr[4, 1024 + 2 * 32 + 5]
    assert np.array_equal(pixels.reshape(N_TRAIN, -1), x_tr)  # batches in order 1 … 5
    assert np.array_equal(np.rint(d.x_test.numpy() * 255).reshape(N_TEST, -1), x_te)
    assert d.y_train.tolist() == y_tr.tolist() and d.y_test.tolist() == y_te.tolist()


def test_the_first_n_of_each_split_are_taken(tmp_path):
    arrays = write_idx_set(tmp_path)
    d = load_dataset(spec("mnist", tmp_path, n_train=7, n_test=3))
    assert d.y_train.tolist() == arrays["train-labels-idx1-ubyte"][:7].tolist()
    assert d.y_test.tolist() == arrays["t10k-labels-idx1-ubyte"][:3].tolist()


def test_the_reader_names_the_data_version(tmp_path):
    assert generator_version(spec("cifar10", tmp_path)) == IMAGE_READER_VERSION
    assert "harness" in IMAGE_READER_VERSION


def test_shuffled_inputs_permute_pixels_alike_in_every_image_and_keep_the_shape(tmp_path):
    write_idx_set(tmp_path)
    plain = load_dataset(spec("mnist", tmp_path))
    control = load_dataset(replace(spec("mnist", tmp_path), control="shuffled_inputs"))
    assert control.x_train.shape == plain.x_train.shape == (N_TRAIN, 1, 28, 28)
    assert torch.equal(plain.y_train, control.y_train)
    flat, shuffled = plain.x_train.flatten(1), control.x_train.flatten(1)
    source = [next(i for i in range(784) if torch.equal(flat[:, i], shuffled[:, j]))
              for j in range(784)]
    assert sorted(source) == list(range(784)) and source != list(range(784))
    assert torch.equal(plain.x_test.flatten(1)[:, source], control.x_test.flatten(1))


# --- errors that name the files ------------------------------------------------------------

def test_without_a_root_the_error_says_how_to_give_one():
    with pytest.raises(ValueError, match="root"):
        load_dataset(DataSpec(name="mnist", n_train=20, n_test=10))


def test_a_missing_root_names_it_and_every_expected_file(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as err:
        load_dataset(spec("mnist", missing))
    message = str(err.value)
    assert str(missing) in message and "'mnist'" in message
    assert all(f in message for f in MNIST_FILES)
    assert not missing.exists()  # nothing was created (or downloaded) there


def test_a_root_without_the_set_folder_names_the_folder_and_the_files(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        load_dataset(spec("fashion_mnist", tmp_path))
    message = str(err.value)
    assert str(tmp_path / "FashionMNIST" / "raw") in message
    assert all(f in message for f in MNIST_FILES)


def test_a_missing_file_is_named_with_every_expected_file(tmp_path):
    write_idx_set(tmp_path)
    gone = tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    gone.unlink()
    with pytest.raises(FileNotFoundError) as err:
        load_dataset(spec("mnist", tmp_path))
    message = str(err.value)
    assert f"missing: {gone};" in message
    assert all(f in message for f in MNIST_FILES) and ".gz" in message


def test_a_missing_cifar_batch_is_named_with_every_expected_batch(tmp_path):
    write_cifar(tmp_path)
    gone = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    gone.unlink()
    with pytest.raises(FileNotFoundError) as err:
        load_dataset(spec("cifar10", tmp_path))
    message = str(err.value)
    assert f"missing: {gone};" in message and all(f in message for f in CIFAR_FILES)


def _rewrite(root: Path, name: str, data: bytes) -> Path:
    path = root / "MNIST" / "raw" / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name, corrupt, expected", [
    ("train-images-idx3-ubyte", lambda b: b[:16 + 100],
     "payload holds 100 bytes, header says 12 x 28 x 28 = 9408"),
    ("train-images-idx3-ubyte", lambda b: b + b"\0",
     "payload holds 9409 bytes, header says 12 x 28 x 28 = 9408"),
    ("train-labels-idx1-ubyte", lambda b: b"\x01\x02" + b[2:], "magic number 0x01020801"),
    ("train-labels-idx1-ubyte", lambda b: b[:2] + b"\x0d" + b[3:],
     "type code 0x0d, expected 0x08"),
    ("train-images-idx3-ubyte", lambda b: b[:3] + b"\x02" + b[4:],
     "header says 2 dimensions, expected 3"),
    ("t10k-images-idx3-ubyte", lambda b: b[:10], "too short for a header of 3 dimensions"),
    ("t10k-labels-idx1-ubyte", lambda b: b[:2], "too short for an IDX header"),
], ids=["truncated", "too-long", "magic", "type", "dims", "short-header", "empty"])
def test_a_malformed_idx_file_is_named_with_what_is_wrong(tmp_path, name, corrupt, expected):
    write_idx_set(tmp_path)
    path = tmp_path / "MNIST" / "raw" / name
    path.write_bytes(corrupt(path.read_bytes()))
    with pytest.raises(ValueError) as err:
        load_dataset(spec("mnist", tmp_path))
    assert str(err.value).startswith(f"{path}: ") and expected in str(err.value)


def test_label_and_image_counts_must_agree(tmp_path):
    write_idx_set(tmp_path)
    labels = _rewrite(tmp_path, "train-labels-idx1-ubyte", idx_bytes(np.zeros(N_TRAIN - 1)))
    with pytest.raises(ValueError, match=f"{N_TRAIN - 1} labels for the {N_TRAIN} images") as err:
        load_dataset(spec("mnist", tmp_path))
    assert str(labels) in str(err.value)


@pytest.mark.parametrize("rewrite, expected", [
    (lambda: idx_bytes(np.full(N_TRAIN, 10)), "labels range over 10 … 10"),
    (lambda: gzip.compress(idx_bytes(np.zeros(N_TRAIN)))[:-12], "not a readable gzip file"),
], ids=["label-out-of-range", "bad-gzip"])
def test_bad_labels_or_a_bad_gzip_are_named(tmp_path, rewrite, expected):
    write_idx_set(tmp_path, gzipped=("train-labels-idx1-ubyte",))
    path = tmp_path / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(rewrite()) if "range" in expected else rewrite())
    with pytest.raises(ValueError, match=expected) as err:
        load_dataset(spec("mnist", tmp_path))
    assert str(path) in str(err.value)


def test_images_of_another_size_are_an_error(tmp_path):
    write_idx_set(tmp_path)
    path = _rewrite(tmp_path, "train-images-idx3-ubyte", idx_bytes(np.zeros((N_TRAIN, 32, 32))))
    with pytest.raises(ValueError, match="images are 32 x 32, 'mnist' has 28 x 28") as err:
        load_dataset(spec("mnist", tmp_path))
    assert str(path) in str(err.value)


class _Shell:
    def __reduce__(self):
        return (os.system, ("true",))


@pytest.mark.parametrize("payload, expected", [
    (b"not a pickle at all", "not a CIFAR-10 batch pickle"),
    (pickle.dumps([1, 2, 3]), "holds a list"),
    (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8)}), "no b'labels'"),
    (pickle.dumps({b"data": np.zeros((2, 3000), np.uint8), b"labels": [0, 1]}),
     "shape (2, 3000), expected uint8 rows of 3072"),
    (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}),
     "1 labels for 2 images"),
    (pickle.dumps({b"data": np.zeros((2, 3072)), b"labels": [0, 1]}), "float64"),
    (pickle.dumps({b"data": _Shell(), b"labels": []}), "refused to load"),
], ids=["not-pickle", "not-dict", "no-labels", "row-length", "label-count", "dtype", "code"])
def test_a_malformed_cifar_batch_is_named_with_what_is_wrong(tmp_path, payload, expected):
    write_cifar(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "data_batch_2"
    path.write_bytes(payload)
    with pytest.raises(ValueError) as err:
        load_dataset(spec("cifar10", tmp_path))
    assert str(err.value).startswith(f"{path}: ") and expected in str(err.value)


@pytest.mark.parametrize("n_train, n_test, expected", [
    (N_TRAIN + 1, N_TEST, f"{N_TRAIN} train samples, asked for {N_TRAIN + 1}"),
    (N_TRAIN, N_TEST + 1, f"{N_TEST} test samples, asked for {N_TEST + 1}"),
])
def test_asking_for_more_samples_than_stored_names_both_counts(tmp_path, n_train, n_test,
                                                               expected):
    write_idx_set(tmp_path)
    with pytest.raises(ValueError, match=expected):
        load_dataset(spec("mnist", tmp_path, n_train=n_train, n_test=n_test))


def test_the_reader_alone_returns_uint8_images_and_int64_labels(tmp_path):
    arrays = write_idx_set(tmp_path, gzipped=MNIST_FILES[:2])
    images, labels = read_image_set("mnist", tmp_path, "train")
    assert images.dtype == np.uint8 and images.shape == (N_TRAIN, 1, 28, 28)
    assert labels.dtype == np.int64
    assert np.array_equal(images[:, 0], arrays["train-images-idx3-ubyte"])
    with pytest.raises(ValueError, match="unknown split 'valid'"):
        read_image_set("mnist", tmp_path, "valid")
    with pytest.raises(ValueError, match="unknown image set 'svhn'"):
        read_image_set("svhn", tmp_path, "train")
    assert set(IMAGE_SETS) == {"mnist", "fashion_mnist", "cifar10"}


# --- the 2-D CNN ---------------------------------------------------------------------------

def init(model_spec: ModelSpec, input_shape=(1, 28, 28), n_out=10, seeds=(0, 1, 2)):
    model = build_model(model_spec, input_shape, n_out)
    return model, model.init([torch_generator(s) for s in seeds], "cpu")


@pytest.mark.parametrize("width, depth, kernel, shape", [
    (4, 2, 3, (1, 28, 28)), (3, 4, 3, (3, 32, 32)), (2, 3, 5, (1, 28, 28)),
    (3, 4, 4, (3, 12, 9)),
])
def test_cnn2d_matches_torch_nn_seed_by_seed(width, depth, kernel, shape):
    s = ModelSpec(kind="cnn2d", width=width, depth=depth, kernel_size=kernel)
    model, params = init(s, shape, 10, seeds=(0, 1))
    x = torch.randn(5, *shape, generator=torch_generator(97))
    out = model.forward(params, x)
    assert out.shape == (2, 5, 10)
    for seed in range(2):
        ref = with_seed(torch_cnn(s, shape, 10), params, seed)
        assert sum(p.numel() for p in ref.parameters()) == model.n_params()
        torch.testing.assert_close(out[seed], ref(x), rtol=1e-5, atol=1e-6)


def test_cnn2d_sizes_flops_and_fans():
    # 28 -> 14 -> 7 -> 4 (three stride-2 layers), then a stride-1 layer keeps 4 x 4
    model = build_model(ModelSpec(kind="cnn2d", width=8, depth=4, kernel_size=3), (1, 28, 28), 10)
    conv = (8 * 1 * 9 + 8) + 3 * (8 * 8 * 9 + 8)
    head = 8 * 16 * 10 + 10
    assert model.n_params() == conv + head
    assert model.flops_per_example() == 2 * (72 * 196 + 576 * 49 + 576 * 16 + 576 * 16
                                             + 128 * 10)
    fans = {name: (fi, fo) for name, _, fi, fo in model.shapes}
    assert fans["conv0.weight"] == (1 * 9, 8 * 9) and fans["conv1.weight"] == (8 * 9, 8 * 9)


def test_cnn2d_takes_per_seed_and_shared_batches_and_keeps_seeds_apart():
    s = ModelSpec(kind="cnn2d", width=4, depth=5, residual=True, norm="layer")
    model, params = init(s, (3, 16, 16), 10, seeds=(0, 1, 2))
    x = torch.randn(3, 4, 3, 16, 16, generator=torch_generator(5))
    before = model.forward(params, x)
    assert before.shape == (3, 4, 10) and torch.isfinite(before).all()
    torch.testing.assert_close(model.forward(params, x[0]),
                               model.forward(params, x[0].expand(3, *x[0].shape)))
    perturbed = {k: v.clone() for k, v in params.items()}
    for v in perturbed.values():
        v[1] += 0.5
    after = model.forward(perturbed, x)
    assert torch.equal(before[0], after[0]) and torch.equal(before[2], after[2])
    assert not torch.allclose(before[1], after[1])
    # per-example normalization: an image's output does not depend on its batch
    alone = torch.cat([model.forward(params, x[:, i:i + 1]) for i in range(4)], dim=1)
    torch.testing.assert_close(before, alone, rtol=1e-5, atol=1e-6)


def test_a_seeds_cnn2d_init_does_not_depend_on_its_stack():
    s = ModelSpec(kind="cnn2d", width=4, depth=2)
    _, alone = init(s, seeds=(7,))
    _, stacked = init(s, seeds=(3, 7, 11))
    for name in alone:
        assert torch.equal(alone[name][0], stacked[name][1]), name
    assert not torch.equal(stacked["conv0.weight"][0], stacked["conv0.weight"][1])


@pytest.mark.parametrize("model_spec", [
    ModelSpec(kind="cnn2d", width=5, depth=4, kernel_size=3),
    ModelSpec(kind="cnn2d", width=5, depth=5, kernel_size=3, residual=True, norm="layer"),
], ids=["plain", "res-ln"])
def test_a_permuted_cnn2d_computes_the_same_function(model_spec):
    model, stacked = init(model_spec, (3, 12, 12), 10, seeds=(0,))
    a = {k: v[0].double() for k, v in stacked.items()}
    perm_spec = model.permutation_spec()
    # 12 -> 6 -> 3 -> 2, then stride 1: the last channels reach the head in blocks of 2 x 2
    assert perm_spec[next(reversed(perm_spec))][-1].block == 2 * 2
    rng = np.random.default_rng(0)
    perms = {n: rng.permutation(c) for n, c in unit_counts(perm_spec, a).items()}
    moved = permute(a, perm_spec, perms)
    x = torch.randn(6, 3, 12, 12, dtype=torch.float64)

    def outputs(p):
        return model.forward({k: v[None] for k, v in p.items()}, x)[0]

    assert torch.allclose(outputs(moved), outputs(a), rtol=0, atol=1e-12)
    assert any(not torch.equal(moved[k], a[k]) for k in a)
    # and the declaration matters: moving the last channels without the head's blocks does not
    name, axes = next(reversed(perm_spec.items()))
    broken = permute(a, {name: axes[:-1]}, {name: np.roll(np.arange(5), 1)})
    assert not torch.allclose(outputs(broken), outputs(a), atol=1e-6)


def test_cnn2d_hidden_layers_are_flattened_per_seed():
    model, params = init(ModelSpec(kind="cnn2d", width=4, depth=4), seeds=(0, 1))
    hidden = model.hidden_layers(params, torch.randn(3, 1, 28, 28))
    assert [tuple(h.shape) for h in hidden] == [(2, 3, 4 * 14 * 14), (2, 3, 4 * 7 * 7),
                                                (2, 3, 4 * 4 * 4), (2, 3, 4 * 4 * 4)]


def test_each_cnn_kind_names_the_inputs_it_reads():
    with pytest.raises(ValueError, match=r"'cnn2d' reads images \(C, H, W\); got .* \(40,\)"):
        build_model(ModelSpec(kind="cnn2d"), (40,), 10)
    with pytest.raises(ValueError, match="use 'cnn2d' for images"):
        build_model(ModelSpec(kind="cnn"), (1, 28, 28), 10)


def test_cnn2d_trains_through_autograd():
    assert not supports(build_model(ModelSpec(kind="cnn2d", width=4, depth=2), (1, 28, 28), 10))


# --- training on the tiny image files ------------------------------------------------------

@pytest.mark.parametrize("overrides", [
    {"model.kind": "cnn2d", "model.width": 4, "model.depth": 3, "optimizer": "adam",
     "lr": 0.01},
    {"model.kind": "cnn2d", "model.width": 3, "model.depth": 4, "model.residual": True,
     "model.norm": "layer", "momentum": 0.9},
    {"model.kind": "mlp", "model.width": 8, "model.depth": 1},
], ids=["cnn2d-adam", "cnn2d-res-ln", "mlp"])
def test_a_stack_on_images_trains_each_seed_as_alone(tmp_path, overrides):
    write_idx_set(tmp_path)
    cfg = TrainConfig(data=spec("mnist", tmp_path), lr=0.05, batch_size=4, steps=6,
                      eval_points=2).with_values(**overrides)
    a, b = train_seeds(cfg, [11, 22])
    (b_alone,) = train_seeds(cfg, [22])
    for r in (a, b):
        assert not r.diverged and r.steps == [0, 3, 6]
        assert all(math.isfinite(v) for m in METRICS for v in r.curves[m])
        assert r.meta["flops"] > 0
    for m in METRICS:
        np.testing.assert_allclose(b.curves[m], b_alone.curves[m], rtol=1e-4, atol=1e-5)
    assert a.curves["train_loss"][-1] != a.curves["train_loss"][0]  # it moved
