"""Negative controls for the generalization claims and K1-depth: each judgement, fed data where
the claim is false or undecidable, must not come out supported; fed the effect it looks for, it
must (so the "not supported" results are not a judgement that never passes)."""
from __future__ import annotations

import functools

import numpy as np
import pytest

import claims.test_generalization as gen
import claims.test_known as known
from claims.recipes import WIDTHS
from harness.stats import INCONCLUSIVE, REFUTED, SUPPORTED, ordered_trend


@pytest.fixture(autouse=True)
def fewer_resamples(monkeypatch):
    """The claims' own tests, alphas and smallest effects with fewer resamples (p resolves to
    1/2001, far below alpha 0.01)."""
    fast = functools.partial(ordered_trend, n_permutations=2000, reps=2000)
    monkeypatch.setattr(gen, "ordered_trend", fast)
    monkeypatch.setattr(known, "ordered_trend", fast)


def groups(means, sd, n, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(m, sd, n) for m in means]


def rng():
    return np.random.default_rng(0)


# --- G1 / G2 -----------------------------------------------------------------------------------

def test_gap_vs_n_is_not_supported_when_the_gap_ignores_n():
    ev = gen.gap_shrinks_with_n(groups([0.1] * 5, 0.02, 4, 1), rng(), min_effect=0.02)
    assert ev.verdict != SUPPORTED


def test_gap_vs_n_is_supported_by_a_shrinking_gap():
    ev = gen.gap_shrinks_with_n(groups([0.2, 0.15, 0.1, 0.06, 0.03], 0.01, 4, 2), rng(),
                                min_effect=0.02)
    assert ev.verdict == SUPPORTED


def test_gap_vs_degree_is_refuted_when_the_gap_falls_with_degree():
    ev = gen.gap_grows_with_degree(groups(np.linspace(0.1, 0.0, 8), 0.005, 10, 3), rng())
    assert ev.verdict == REFUTED


def test_gap_vs_degree_is_not_supported_by_a_flat_gap():
    ev = gen.gap_grows_with_degree(groups([0.05] * 8, 0.03, 10, 4), rng())
    assert ev.verdict != SUPPORTED


# --- G3 ------------------------------------------------------------------------------------------

def _widths_errors(train_means, test_means, sd=0.003, n=6, seed=5):
    return (groups(train_means, 0.0, n, seed), groups(test_means, sd, n, seed + 1))


def test_g3_is_refuted_when_the_gap_grows_past_interpolation():
    train, test = _widths_errors([0.4, 0.3, 0.2, 0.05, 0.0, 0.0, 0.0],
                                 [0.5, 0.45, 0.42, 0.40, 0.38, 0.41, 0.45])
    ev = gen.gap_does_not_grow_past_interpolation(train, test, list(WIDTHS))
    assert ev.verdict == REFUTED
    assert ev.details["interpolation_width"] == 256


def test_g3_is_supported_when_the_gap_stays_flat():
    train, test = _widths_errors([0.4, 0.3, 0.2, 0.05, 0.0, 0.0, 0.0],
                                 [0.5, 0.45, 0.42, 0.40, 0.38, 0.38, 0.377])
    assert gen.gap_does_not_grow_past_interpolation(train, test, list(WIDTHS)).verdict == SUPPORTED


def test_g3_is_inconclusive_without_an_interpolating_width():
    train, test = _widths_errors([0.4, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02], [0.4] * 7)
    assert gen.gap_does_not_grow_past_interpolation(train, test, list(WIDTHS)).verdict == \
        INCONCLUSIVE


# --- G4 / G5 -------------------------------------------------------------------------------------

def test_g4_is_not_supported_when_random_labels_are_not_fitted():
    ev = gen.memorizes_random_labels([0.0, 0.0, 0.12], [0.10, 0.10, 0.101], [0.6, 0.61, 0.6],
                                     4000)
    assert ev.verdict == REFUTED


def test_g4_is_not_supported_when_random_label_nets_beat_chance():
    ev = gen.memorizes_random_labels([0.0, 0.0, 0.0], [0.30, 0.31, 0.29], [0.6, 0.61, 0.6], 4000)
    assert ev.verdict == REFUTED


def test_g4_is_supported_by_memorization_at_chance():
    ev = gen.memorizes_random_labels([0.0, 0.0, 0.0], [0.10, 0.102, 0.099], [0.6, 0.61, 0.6],
                                     4000)
    assert ev.verdict == SUPPORTED


def test_g5_is_not_supported_at_chance():
    assert gen.far_above_chance([0.1, 0.11, 0.09, 0.1]).verdict == REFUTED
    assert gen.far_above_chance([0.62, 0.61, 0.63]).verdict == SUPPORTED


# --- G6 ------------------------------------------------------------------------------------------

WIDTHS_DD = list(gen.DOUBLE_DESCENT_WIDTHS)
TRAIN_DD = [0.6, 0.5, 0.4, 0.3, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0]


def test_g6_is_not_supported_without_a_peak():
    monotone = groups(np.linspace(0.6, 0.4, 10), 0.005, 6, 7)
    ev = gen.peak_then_descent(groups(TRAIN_DD, 0.0, 6, 8), monotone, WIDTHS_DD)
    assert ev.verdict != SUPPORTED
    assert ev.details["ascent"]["verdict"] == REFUTED


def test_g6_is_supported_by_a_peak_at_the_threshold():
    peaked = groups([0.6, 0.5, 0.45, 0.44, 0.48, 0.53, 0.50, 0.47, 0.45, 0.44], 0.005, 6, 9)
    ev = gen.peak_then_descent(groups(TRAIN_DD, 0.0, 6, 10), peaked, WIDTHS_DD)
    assert ev.verdict == SUPPORTED
    assert ev.details["interpolation_width"] == 32
    assert ev.details["peak_width"] == 4 or ev.details["peak_width"] == 32


def test_g6_is_inconclusive_when_nothing_interpolates():
    never = groups([0.6] * 10, 0.0, 6, 11)
    ev = gen.peak_then_descent(never, groups([0.5] * 10, 0.01, 6, 12), WIDTHS_DD)
    assert ev.verdict == INCONCLUSIVE


# --- K1-depth ------------------------------------------------------------------------------------

def test_depth_is_not_supported_when_depth_does_not_matter():
    flat = groups([0.4] * 6, 0.01, 4, 13)
    assert known.depth_lowers_test_error(flat, rng(), known.DEPTHS, "plain").verdict != SUPPORTED


def test_depth_is_refuted_when_deep_nets_degrade():
    plain = groups([0.42, 0.39, 0.40, 0.41, 0.43, 0.45], 0.003, 4, 14)
    ev = known.depth_lowers_test_error(plain, rng(), known.DEPTHS, "plain")
    assert ev.verdict == REFUTED
    assert ev.details["best_depth"] == 2 and ev.details["stops_helping_at"] == 2


def test_depth_is_supported_when_deeper_keeps_helping():
    residual = groups([0.42, 0.40, 0.38, 0.37, 0.36, 0.35], 0.003, 4, 15)
    ev = known.depth_lowers_test_error(residual, rng(), known.DEPTHS, "residual")
    assert ev.verdict == SUPPORTED


def test_stops_helping_finds_the_plateau():
    assert known.stops_helping([0.5, 0.4, 0.35, 0.345, 0.35, 0.36], known.DEPTHS) == 3
    assert known.stops_helping([0.5, 0.45, 0.4, 0.35, 0.3, 0.25], known.DEPTHS) == 8
