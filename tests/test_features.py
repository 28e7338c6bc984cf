"""Designed features (R4's contender) and equal tuning effort (O5, K5)."""
from __future__ import annotations

import numpy as np
import pytest

from harness.config import DataSpec
from harness.data import load_dataset
from harness.features import designed_features, standardized_features
from harness.tuning import chosen_rate


def test_designed_features_do_not_move_under_a_circular_shift():
    """What makes them a serious contender on MNIST-1D, whose digits are shifted."""
    signals = np.random.default_rng(0).normal(size=(20, 40))
    features = designed_features(signals)
    for shift in (1, 7, 13):
        assert np.allclose(designed_features(np.roll(signals, shift, axis=1)), features,
                           atol=1e-9)


def test_designed_features_tell_different_shapes_apart():
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    a, b = designed_features(np.stack([np.sin(t), np.sin(3 * t)]))
    assert not np.allclose(a, b)


def test_features_are_standardized_with_the_training_split_only():
    rng = np.random.default_rng(1)
    train, test = rng.normal(size=(200, 40)), rng.normal(3.0, 2.0, size=(50, 40))
    f_train, f_test = standardized_features(train, test)
    assert f_train.dtype == np.float32 and f_train.shape[1] == f_test.shape[1]
    assert np.allclose(f_train.mean(0), 0, atol=1e-5)
    assert np.allclose(f_train.std(0), 1, atol=1e-3)
    signal_mean = 20 + 20 + 7  # after two 20-frequency spectra and seven order statistics
    assert float(f_test[:, signal_mean].mean()) > 5  # the test split keeps its offset of 3


def test_bad_signals_are_errors():
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        designed_features(np.zeros(3))


def test_mnist1d_designed_features_replace_the_signal(tmp_path):
    spec = DataSpec(name="mnist1d", n_train=100, n_test=50, options=(("features", "designed"),))
    data = load_dataset(spec, store=tmp_path)
    raw = load_dataset(DataSpec(name="mnist1d", n_train=100, n_test=50), store=tmp_path)
    assert data.input_shape == (designed_features(raw.x_train.numpy()).shape[1],)
    assert data.input_shape != raw.input_shape
    assert np.array_equal(data.y_test.numpy(), raw.y_test.numpy())
    with pytest.raises(ValueError, match="'wavelets'.*raw, designed"):
        load_dataset(DataSpec(name="mnist1d", n_train=10, n_test=10,
                              options=(("features", "wavelets"),)), store=tmp_path)


def test_tuning_needs_one_group_of_errors_per_rate():
    with pytest.raises(ValueError, match="2 groups for 3 rates"):
        chosen_rate([[0.3], [0.2]], [0.1, 0.3, 1.0])
    assert chosen_rate([[0.3], [0.2], [np.nan]], [0.1, 0.3, 1.0]) == 0.3
