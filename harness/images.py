"""MNIST, Fashion-MNIST and CIFAR-10 read from the files torchvision leaves on disk.

The layouts are torchvision's own, so a folder it downloaded once works here, but the readers
are the harness's: torchvision's CIFAR10 checks the MD5 sums of the official files (so small
files written by a test could never reach it), and its errors do not say which files were
expected. These readers check every header and length and name the file that is wrong.

Formats: MNIST's IDX files (LeCun et al. 1998, http://yann.lecun.com/exdb/mnist/: a magic
0x0000 08 NN, each of the NN dimensions as a big-endian int32, then the unsigned bytes), raw or
gzipped; CIFAR-10's Python pickles (Krizhevsky 2009: ``data`` N×3072 uint8, channel-major
32×32 RGB, and ``labels``).
"""
from __future__ import annotations

import gzip
import math
import pickle
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IMAGE_READER_VERSION = "harness image reader 1"  # part of run keys: raise it when reads change
N_CLASSES = 10
SPLITS = ("train", "test")
IDX_UNSIGNED_BYTE = 0x08


@dataclass(frozen=True)
class ImageLayout:
    """Where a set's files lie under the root, which files hold each split, and the shape of
    one image (C, H, W)."""

    folder: str
    files: dict[str, tuple[str, ...]]
    image_shape: tuple[int, int, int]
    gzip_allowed: bool

    def all_files(self) -> tuple[str, ...]:
        return tuple(name for split in SPLITS for name in self.files[split])


_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IMAGE_SETS: dict[str, ImageLayout] = {
    "mnist": ImageLayout("MNIST/raw", _MNIST_FILES, (1, 28, 28), gzip_allowed=True),
    "fashion_mnist": ImageLayout("FashionMNIST/raw", _MNIST_FILES, (1, 28, 28),
                                 gzip_allowed=True),
    "cifar10": ImageLayout(
        "cifar-10-batches-py",
        {"train": tuple(f"data_batch_{i}" for i in range(1, 6)), "test": ("test_batch",)},
        (3, 32, 32), gzip_allowed=False),
}


def image_sets_under(root: Path) -> list[str]:
    """The sets whose folder exists under ``root`` (their files are checked when read)."""
    return [name for name, layout in IMAGE_SETS.items() if (root / layout.folder).is_dir()]


def read_image_set(name: str, root: str | Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Every image of ``split`` ('train' or 'test') of set ``name`` under ``root``: images
    uint8 (N, C, H, W) and labels int64 (N,), in the files' order. Nothing is downloaded."""
    if name not in IMAGE_SETS:
        raise ValueError(f"unknown image set {name!r}; known: {', '.join(IMAGE_SETS)}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; allowed: {', '.join(SPLITS)}")
    layout = IMAGE_SETS[name]
    paths = _locate(name, Path(root), layout, split)
    if name == "cifar10":
        batches = [read_cifar_batch(p) for p in paths]
        images = np.concatenate([b[0] for b in batches])
        labels = np.concatenate([b[1] for b in batches])
    else:
        images_path, labels_path = paths
        images = read_idx(images_path, n_dims=3)
        labels = read_idx(labels_path, n_dims=1)
        if images.shape[1:] != layout.image_shape[1:]:
            raise ValueError(f"{images_path}: images are {_times(images.shape[1:])}, "
                             f"{name!r} has {_times(layout.image_shape[1:])}")
        if len(labels) != len(images):
            raise ValueError(f"{labels_path}: {len(labels)} labels for the {len(images)} "
                             f"images of {images_path}")
        images = images[:, None]
        _check_labels(labels, labels_path)
    return images, labels.astype(np.int64)


def _locate(name: str, root: Path, layout: ImageLayout, split: str) -> list[Path]:
    """The files of ``split``, raw preferred to gzipped; a missing one is an error that lists
    every file the set's folder should hold."""
    folder = root / layout.folder
    expected = ", ".join(layout.all_files())
    if layout.gzip_allowed:
        expected += " (each raw or gzipped, name + '.gz')"
    if not root.is_dir():
        raise FileNotFoundError(f"data root {str(root)!r} for {name!r} is not a folder; "
                                f"expected {folder} holding: {expected}")
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder} for {name!r}; expected it to hold: "
                                f"{expected}")
    found, missing = [], []
    for file in layout.files[split]:
        raw, packed = folder / file, folder / f"{file}.gz"
        if raw.is_file():
            found.append(raw)
        elif layout.gzip_allowed and packed.is_file():
            found.append(packed)
        else:
            missing.append(str(raw))
    if missing:
        raise FileNotFoundError(f"{name!r} {split} files missing: {', '.join(missing)}; "
                                f"expected in {folder}: {expected}")
    return found


def read_idx(path: Path, n_dims: int) -> np.ndarray:
    """The unsigned-byte array of an IDX file (gzipped when its name ends in '.gz'), which must
    have ``n_dims`` dimensions; any other header or a payload of the wrong length is an
    error naming the file."""
    path = Path(path)
    if path.suffix == ".gz":
        try:
            with gzip.open(path, "rb") as f:
                data = f.read()
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(f"{path}: not a readable gzip file ({err})") from err
    else:
        data = path.read_bytes()
    if len(data) < 4:
        raise ValueError(f"{path}: {len(data)} bytes, too short for an IDX header")
    if data[:2] != b"\0\0":
        raise ValueError(f"{path}: magic number 0x{data[:4].hex()} does not start with 0x0000, "
                         f"so this is not an IDX file")
    type_code, dims = data[2], data[3]
    if type_code != IDX_UNSIGNED_BYTE:
        raise ValueError(f"{path}: type code 0x{type_code:02x}, expected 0x08 (unsigned byte)")
    if dims != n_dims:
        raise ValueError(f"{path}: header says {dims} dimensions, expected {n_dims}")
    header = 4 + 4 * dims
    if len(data) < header:
        raise ValueError(f"{path}: {len(data)} bytes, too short for a header of {dims} "
                         f"dimensions ({header} bytes)")
    shape = struct.unpack(f">{dims}I", data[4:header])
    payload, expected = len(data) - header, math.prod(shape)
    if payload != expected:
        raise ValueError(f"{path}: payload holds {payload} bytes, header says "
                         f"{_times(shape)} = {expected}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape).copy()


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Images uint8 (N, 3, 32, 32) and labels int64 (N,) of one CIFAR-10 batch file.

    Unpickled with ``encoding="bytes"`` (the files were written by Python 2) and allowed to
    build numpy arrays only: a pickle can run any code it names, and the root is the user's."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            batch = _ArraysOnlyUnpickler(f, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, struct.error) as err:
        raise ValueError(f"{path}: not a CIFAR-10 batch pickle ({err})") from err
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: holds a {type(batch).__name__}, expected a dict with "
                         f"b'data' and b'labels'")
    missing = [repr(k) for k in (b"data", b"labels") if k not in batch]
    if missing:
        raise ValueError(f"{path}: no {' or '.join(missing)} in the batch; keys: "
                         f"{', '.join(map(repr, batch))}")
    data = np.asarray(batch[b"data"])
    row = math.prod(IMAGE_SETS["cifar10"].image_shape)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != row:
        raise ValueError(f"{path}: b'data' is {data.dtype} of shape {data.shape}, expected "
                         f"uint8 rows of {row} = 3 x 32 x 32")
    try:
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (TypeError, ValueError, OverflowError) as err:
        raise ValueError(f"{path}: b'labels' are not integers ({err})") from err
    if labels.shape != (len(data),):
        raise ValueError(f"{path}: {labels.size} labels for {len(data)} images")
    _check_labels(labels, path)
    return data.reshape(len(data), 3, 32, 32).copy(), labels


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Resolves only what a pickled numpy array needs, under its numpy 1 and numpy 2 names
    (and the codec Python 3 pickles bytes with at protocol 2)."""

    def find_class(self, module: str, name: str):
        allowed = _allowed_globals()
        if (module, name) not in allowed:
            raise pickle.UnpicklingError(f"refused to load {module}.{name}: a CIFAR-10 batch "
                                         f"holds only numpy arrays, lists and bytes")
        return allowed[module, name]


def _allowed_globals() -> dict[tuple[str, str], object]:
    try:
        from numpy._core import multiarray, numeric
    except ImportError:  # numpy < 2
        from numpy.core import multiarray, numeric
    import _codecs

    out: dict[tuple[str, str], object] = {("numpy", "ndarray"): np.ndarray,
                                          ("numpy", "dtype"): np.dtype,
                                          ("_codecs", "encode"): _codecs.encode}
    for package in ("numpy.core", "numpy._core"):
        out[f"{package}.multiarray", "_reconstruct"] = multiarray._reconstruct
        out[f"{package}.multiarray", "scalar"] = multiarray.scalar
        if hasattr(numeric, "_frombuffer"):
            out[f"{package}.numeric", "_frombuffer"] = numeric._frombuffer
    return out


def _check_labels(labels: np.ndarray, path: Path) -> None:
    if labels.size and (labels.min() < 0 or labels.max() >= N_CLASSES):
        raise ValueError(f"{path}: labels range over {int(labels.min())} … "
                         f"{int(labels.max())}, expected classes 0 … {N_CLASSES - 1}")


def _times(shape) -> str:
    return " x ".join(str(int(n)) for n in shape)
