"""Hand-designed features of a 1-D signal: the representation a practitioner would build before
deep learning, as the contender that a network trained on the raw signal must beat (R4).

MNIST-1D digits are templates that are padded, shifted circularly (``mnist1d.transform.translate``),
scaled, sheared and noised. A signal-processing practitioner answers shifts with features that
do not move under them, and summarizes shape with robust statistics:

- the magnitudes of the discrete Fourier transform of the de-meaned signal (frequencies 1 to
  L/2): a circular shift changes only the phases, so these are exactly shift invariant;
- the same for the first difference (slopes), which weighs the digit's edges over its level;
- order statistics (min, 10/25/50/75/90 % quantiles, max), mean, standard deviation,
  skewness, kurtosis, total variation, the number of zero crossings of the de-meaned signal,
  and the circular distance between the positions of the maximum and the minimum: each
  unchanged by a circular shift.

Every feature is then standardized with the training split's mean and standard deviation, as
a practitioner would before fitting any classifier.
"""
from __future__ import annotations

import numpy as np

FEATURE_SETS = ("raw", "designed")


def _spectrum(x: np.ndarray) -> np.ndarray:
    centred = x - x.mean(axis=1, keepdims=True)
    return np.abs(np.fft.rfft(centred, axis=1))[:, 1:]


def _summary(x: np.ndarray) -> np.ndarray:
    length = x.shape[1]
    mean = x.mean(axis=1, keepdims=True)
    std = x.std(axis=1, keepdims=True)
    z = (x - mean) / np.maximum(std, 1e-8)
    quantiles = np.quantile(x, [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0], axis=1).T
    total_variation = np.abs(np.diff(x, axis=1, append=x[:, :1])).sum(axis=1, keepdims=True)
    centred = x - mean
    crossings = (np.sign(centred) != np.sign(np.roll(centred, 1, axis=1))).sum(
        axis=1, keepdims=True)
    gap = np.abs(x.argmax(axis=1) - x.argmin(axis=1))
    peak_gap = np.minimum(gap, length - gap)[:, None]
    return np.concatenate([quantiles, mean, std, (z ** 3).mean(axis=1, keepdims=True),
                           (z ** 4).mean(axis=1, keepdims=True), total_variation, crossings,
                           peak_gap], axis=1)


def designed_features(signals: np.ndarray) -> np.ndarray:
    """(N, L) signals -> (N, F) unstandardized features (see the module docstring)."""
    x = np.asarray(signals, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 4:
        raise ValueError(f"designed features need (examples, length >= 4) signals, got shape "
                         f"{x.shape}")
    slopes = np.diff(x, axis=1, append=x[:, :1])
    return np.concatenate([_spectrum(x), _spectrum(slopes), _summary(x)], axis=1)


def standardized_features(train: np.ndarray, test: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Designed features of both splits, standardized with the training split's statistics."""
    f_train, f_test = designed_features(train), designed_features(test)
    mean, std = f_train.mean(axis=0), f_train.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    return (((f_train - mean) / std).astype(np.float32),
            ((f_test - mean) / std).astype(np.float32))
