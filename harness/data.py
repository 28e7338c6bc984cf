"""Data sets as whole tensors, generated offline or read from a local folder.

Every set is small enough to live on the device in full, so training indexes tensors instead of
iterating a DataLoader. Nothing here touches the network: MNIST-1D is generated with
``mnist1d.data.make_dataset`` (never ``get_dataset``, which downloads), synthetic sets are drawn
from a seeded generator, and the image sets (MNIST, Fashion-MNIST, CIFAR-10) are read only from
a root the user names, in torchvision's folder layout, by ``harness.images``.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from .config import DataSpec
from .features import FEATURE_SETS, standardized_features
from .images import IMAGE_READER_VERSION, IMAGE_SETS, N_CLASSES, read_image_set
from .seeding import derive_seed, numpy_rng
from .storage import read_checked, remove, write_checked


@dataclass(frozen=True)
class Dataset:
    """Train and test tensors. ``n_outputs`` is the class count, or the target dimension."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    task: str  # "classification" or "regression"
    n_outputs: int

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def to(self, device: str | torch.device) -> "Dataset":
        move = lambda t: t.to(device)  # noqa: E731
        return Dataset(self.name, move(self.x_train), move(self.y_train), move(self.x_test),
                       move(self.y_test), self.task, self.n_outputs)


# --- generators: each returns numpy arrays (x_train, y_train, x_test, y_test), task, n_outputs ---

ANGLE_ENCODINGS = ("raw", "sincos")
ANGLE_TARGETS = ("seam", "half")


@functools.lru_cache(maxsize=8)
def _mnist1d_arrays(n_total: int, seed: int, store: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """Generated once per size and seed; ``store`` keeps the arrays on disk, since generating
    16 000 samples takes about 10 s."""
    from mnist1d.data import get_dataset_args, make_dataset

    path = None
    if store is not None:
        version = _package_version("mnist1d")
        path = store / f"mnist1d-{version}-n{n_total}-seed{seed}.npz"
        try:
            payload = read_checked(path)
            if payload is not None:
                with np.load(io.BytesIO(payload)) as saved:
                    x, y = saved["x"], saved["y"]
                if x.shape == (n_total, 40) and y.shape == (n_total,):
                    return x, y
        except Exception:  # corrupt, truncated or foreign: generate anew
            pass
        remove(path)

    args = get_dataset_args()
    args.num_samples = n_total
    args.seed = seed
    # make_dataset splits at train_split; we concatenate and split ourselves so any sizes work.
    # With the defaults (5000 samples, 0.8) this is exactly the canonical MNIST-1D split.
    args.train_split = 0.8
    raw = make_dataset(args)
    x = np.concatenate([raw["x"], raw["x_test"]]).astype(np.float32)
    y = np.concatenate([raw["y"], raw["y_test"]]).astype(np.int64)
    if path is not None:
        atomic_save_npz(path, x=x, y=y)
    return x, y


def atomic_save_npz(path: Path, **arrays: np.ndarray) -> None:
    """Arrays stored atomically behind a checksum; a store that fails (no space) only costs the
    next session a regeneration."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with contextlib.suppress(OSError):
        write_checked(path, buffer.getvalue())


def _mnist1d(spec: DataSpec, store: Path | None):
    """MNIST-1D; option ``pool`` draws train and test from one generated pool of that size
    (train from its start, test from its end), so sweeps over ``n_train`` share one test set.
    Option ``features`` 'designed' replaces each signal by hand-made features
    (``harness.features``)."""
    features = spec.option("features", "raw")
    if features not in FEATURE_SETS:
        raise ValueError(f"unknown MNIST-1D feature set {features!r}; allowed: "
                         f"{', '.join(FEATURE_SETS)}")
    n = spec.n_train + spec.n_test
    pool = int(spec.option("pool", n))
    if pool < n:
        raise ValueError(f"pool {pool} is smaller than n_train + n_test = {n}")
    n_total = 10 * math.ceil(pool / 10)  # make_dataset draws num_samples // 10 per class
    x, y = _mnist1d_arrays(n_total, spec.seed, store)
    test = slice(pool - spec.n_test, pool)
    x_train, x_test = x[: spec.n_train], x[test]
    if features == "designed":
        x_train, x_test = standardized_features(x_train, x_test)
    return x_train, y[: spec.n_train], x_test, y[test], "classification", 10


def _teacher_student(spec: DataSpec, store: Path | None = None):
    """Gaussian inputs through a fixed random one-hidden-layer ReLU teacher (Safran & Shamir
    2018): orthonormal teacher rows, output the sum of the units (regression) or the argmax of
    ``classes`` random read-outs (classification)."""
    d = int(spec.option("dim", 20))
    k = int(spec.option("teacher_width", 8))
    classes = int(spec.option("classes", 0))
    rng = numpy_rng(derive_seed(spec.seed, "teacher-student"))
    if k > d:
        raise ValueError(f"teacher_width {k} must be <= dim {d} for orthonormal teacher rows")
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    w = q[:k]
    x = rng.standard_normal((spec.n_train + spec.n_test, d)).astype(np.float32)
    hidden = np.maximum(x @ w.T, 0.0)
    if classes:
        readout = rng.standard_normal((k, classes))
        y = np.argmax(hidden @ readout, axis=1).astype(np.int64)
        task, n_out = "classification", classes
    else:
        y = hidden.sum(axis=1, keepdims=True).astype(np.float32)
        task, n_out = "regression", 1
    n = spec.n_train
    return x[:n], y[:n], x[n:], y[n:], task, n_out


def _angles(spec: DataSpec, store: Path | None = None):
    """Angles anywhere in [0, 2π), labelled by a 2π-periodic rule.

    ``target`` 'seam' (the default) labels the arc around 0 ≡ 2π (cos θ > 0): the class that a
    raw angle splits in two. 'half' labels θ < π (sin θ > 0): one threshold on the raw angle
    decides it, so the encoding no longer matters (R1's control).
    ``encoding`` 'raw' gives the angle itself, 'sincos' gives (sin θ, cos θ): the note's example
    of a representation that makes 0 and 1.99π neighbours.
    """
    encoding = spec.option("encoding", "raw")
    if encoding not in ANGLE_ENCODINGS:
        raise ValueError(f"unknown angle encoding {encoding!r}; allowed: "
                         f"{', '.join(ANGLE_ENCODINGS)}")
    target = spec.option("target", "seam")
    if target not in ANGLE_TARGETS:
        raise ValueError(f"unknown angle target {target!r}; allowed: {', '.join(ANGLE_TARGETS)}")
    rng = numpy_rng(derive_seed(spec.seed, "angles"))
    theta = rng.uniform(0.0, 2 * np.pi, spec.n_train + spec.n_test)
    y = ((np.cos(theta) if target == "seam" else np.sin(theta)) > 0).astype(np.int64)
    if encoding == "raw":
        x = theta[:, None]
    else:
        x = np.stack([np.sin(theta), np.cos(theta)], axis=1)
    x = x.astype(np.float32)
    n = spec.n_train
    return x[:n], y[:n], x[n:], y[n:], "classification", 2


def _polynomial(spec: DataSpec, store: Path | None = None):
    """1-D regression: y = sin(π x) + Gaussian noise (``noise`` std, default 0.3).

    The smooth target is not a polynomial, so every degree has bias and variance to trade.
    ``design`` 'random' draws x ~ U[-1, 1] for both splits. 'fixed' puts the training inputs at
    the n Chebyshev nodes of [-1, 1] and the test inputs at the same nodes (``n_test`` must be a
    multiple of ``n_train``) with fresh noise: the in-sample prediction error of ESL §7.4, whose
    expected gap over the training error is exactly 2σ²·p/n for a least-squares fit with p
    coefficients, and a design on which high-degree fits stay well conditioned.
    """
    noise = float(spec.option("noise", 0.3))
    design = spec.option("design", "random")
    rng = numpy_rng(derive_seed(spec.seed, "polynomial"))
    if design == "random":
        x = rng.uniform(-1.0, 1.0, (spec.n_train + spec.n_test, 1))
    elif design == "fixed":
        if spec.n_test % spec.n_train:
            raise ValueError(f"design 'fixed' repeats the training inputs in the test split: "
                             f"n_test {spec.n_test} must be a multiple of n_train {spec.n_train}")
        k = np.arange(spec.n_train)
        nodes = np.cos(np.pi * (2 * k + 1) / (2 * spec.n_train))
        x = np.tile(nodes, 1 + spec.n_test // spec.n_train)[:, None]
    else:
        raise ValueError(f"unknown polynomial design {design!r}; allowed: random, fixed")
    y = np.sin(np.pi * x) + noise * rng.standard_normal(x.shape)
    n = spec.n_train
    return (x[:n].astype(np.float32), y[:n].astype(np.float32), x[n:].astype(np.float32),
            y[n:].astype(np.float32), "regression", 1)


def _image_set(name: str):
    def load(spec: DataSpec, store: Path | None = None):
        root = spec.option("root")
        if not root:
            raise ValueError(
                f"data set {name!r} is read from a local folder: give options=(('root', PATH),)"
            )
        return load_image_arrays(name, Path(root), spec.n_train, spec.n_test)
    return load


def load_image_arrays(name: str, root: Path, n_train: int, n_test: int):
    """The first ``n_train`` / ``n_test`` images of each split of an image set under ``root``
    (``harness.images``), as float32 in [0, 1] of shape (N, C, H, W): kept as images, so a
    2-D CNN sees their geometry (an MLP flattens them itself)."""
    splits = []
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = read_image_set(name, root, split)
        if len(images) < n:
            raise ValueError(f"{name!r} under {str(root)!r} has {len(images)} {split} samples, "
                             f"asked for {n}")
        splits += [images[:n].astype(np.float32) / 255.0, labels[:n]]
    return (*splits, "classification", N_CLASSES)


GENERATORS: dict[str, Callable] = {
    "mnist1d": _mnist1d,
    "teacher_student": _teacher_student,
    "angles": _angles,
    "polynomial": _polynomial,
    **{name: _image_set(name) for name in IMAGE_SETS},
}


def known_datasets() -> list[str]:
    return sorted(GENERATORS)


@functools.lru_cache(maxsize=None)
def _package_version(name: str) -> str:
    return importlib.metadata.version(name)


def generator_version(spec: DataSpec) -> str:
    """What made the data of ``spec`` besides the spec itself: the mnist1d package for MNIST-1D,
    this harness's reader for the image sets (``IMAGE_READER_VERSION``), this harness for the
    synthetic sets. Part of every run key, so an update that changes the data misses the
    cache."""
    if spec.name == "mnist1d":
        return f"mnist1d {_package_version('mnist1d')}"
    if spec.name in IMAGE_SETS:
        return IMAGE_READER_VERSION
    return "harness synthetic"


def corrupt_labels(y: np.ndarray, n_classes: int, *, noise: float, random: bool,
                   seed: int) -> np.ndarray:
    """Label noise flips to a different class with probability ``noise``; random labels redraw
    every label uniformly. Deterministic in ``seed``."""
    rng = numpy_rng(seed)
    y = y.copy()
    if random:
        return rng.integers(0, n_classes, size=y.shape).astype(y.dtype)
    flip = rng.random(y.shape) < noise
    offset = rng.integers(1, n_classes, size=y.shape)
    y[flip] = (y[flip] + offset[flip]) % n_classes
    return y


def remove_the_signal(spec: DataSpec, x_tr, y_tr, x_te, y_te):
    """The negative controls of ``DataSpec.control``: 'shuffled_labels' permutes the labels of
    each split, so inputs say nothing about labels; 'shuffled_inputs' applies one fixed random
    permutation of input positions to every example (a CNN's locality is gone, an MLP does not
    care). An example of any shape is permuted as one flattened vector (for an image, every
    channel value of every pixel) and keeps its shape; for a vector this is the permutation it
    always had."""
    rng = numpy_rng(derive_seed(spec.seed, "control", spec.control))
    if spec.control == "shuffled_labels":
        return x_tr, rng.permutation(y_tr), x_te, rng.permutation(y_te)
    order = rng.permutation(math.prod(x_tr.shape[1:]))

    def shuffled(x: np.ndarray) -> np.ndarray:
        return x.reshape(len(x), -1)[:, order].reshape(x.shape)

    return shuffled(x_tr), y_tr, shuffled(x_te), y_te


def load_dataset(spec: DataSpec, device: str | torch.device = "cpu",
                 store: Path | None = None) -> Dataset:
    """The data of ``spec`` on ``device``; ``store`` is a folder for slow-to-generate arrays.

    A spec whose draw is not resolved (no seed) loads master seed 0's draw: a session's runner
    always resolves its specs for its own master seed before training."""
    spec = spec.resolved(0)
    if spec.name not in GENERATORS:
        raise ValueError(f"unknown data set {spec.name!r}; known: {', '.join(known_datasets())}")
    x_tr, y_tr, x_te, y_te, task, n_out = GENERATORS[spec.name](spec, store)
    if spec.label_noise or spec.random_labels:
        if task != "classification":
            raise ValueError(f"label noise needs a classification set; {spec.name!r} is {task}")
        y_tr = corrupt_labels(y_tr, n_out, noise=spec.label_noise, random=spec.random_labels,
                              seed=derive_seed(spec.seed, "labels", spec.label_noise,
                                               spec.random_labels))
    if spec.control != "none":
        x_tr, y_tr, x_te, y_te = remove_the_signal(spec, x_tr, y_tr, x_te, y_te)
    tensors = [torch.tensor(a) for a in (x_tr, y_tr, x_te, y_te)]  # copies: callers own them
    return Dataset(spec.name, *tensors, task=task, n_outputs=n_out).to(device)
