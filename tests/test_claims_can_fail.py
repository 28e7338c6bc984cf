"""Negative controls: the judgements of the known claims, fed data where the claim is false or
undecidable, must not come out supported. A claim that cannot fail tests nothing.

The judgements are the functions the claims call on their measurements, so these controls
run in milliseconds without training anything.
"""
from __future__ import annotations

import functools

import numpy as np
import pytest

import claims.test_known as known
from claims.recipes import WIDTHS
from claims.test_known import sgd_fits_every_seed, width_lowers_test_error
from harness.stats import INCONCLUSIVE, REFUTED, SUPPORTED, ordered_trend

N_TRAIN = known.SGD_GLOBAL_RECIPE.data.n_train
SEEDS = 6


@pytest.fixture
def fewer_resamples(monkeypatch):
    """The claim's own test, alpha and smallest effect, with fewer permutations and bootstrap
    draws (p-values resolve to 1/2001, far below the claim's alpha of 0.01)."""
    monkeypatch.setattr(known, "ordered_trend",
                        functools.partial(ordered_trend, n_permutations=2000, reps=2000))


def errors_by_width(means, sd, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(m, sd, SEEDS) for m in means]


# --- K1-width ---------------------------------------------------------------------------------

def test_width_claim_is_not_supported_by_errors_that_ignore_width():
    """Null data at the claim's own settings (20 000 permutations, 10 000 bootstrap draws)."""
    null = errors_by_width([0.45] * len(WIDTHS), 0.02, seed=100)
    ev = width_lowers_test_error(null, np.random.default_rng(0))
    assert ev.verdict != SUPPORTED
    assert ev.p_value > 0.01
    assert ev.n_seeds == SEEDS and len(ev.details["group_means"]) == len(WIDTHS)


def test_width_claim_is_refuted_by_flat_errors(fewer_resamples):
    """No trend at all, measured precisely: any effect is far below 2 pp."""
    flat = errors_by_width([0.30] * len(WIDTHS), 0.002, seed=101)
    ev = width_lowers_test_error(flat, np.random.default_rng(0))
    assert ev.verdict == REFUTED
    assert ev.ci_high < 0.02


def test_width_claim_is_refuted_by_a_reversed_trend(fewer_resamples):
    """Test error that grows with width."""
    rising = errors_by_width(np.linspace(0.30, 0.36, len(WIDTHS)), 0.01, seed=102)
    ev = width_lowers_test_error(rising, np.random.default_rng(0))
    assert ev.verdict == REFUTED
    assert ev.estimate < 0


def test_width_claim_is_refuted_by_a_trend_too_small_to_matter(fewer_resamples):
    """Significant but 1 pp from narrowest to widest: below the 2 pp that matter."""
    small = errors_by_width(np.linspace(0.310, 0.300, len(WIDTHS)), 0.001, seed=103)
    ev = width_lowers_test_error(small, np.random.default_rng(0))
    assert ev.p_value < 0.01
    assert ev.verdict == REFUTED


def test_width_claim_can_be_supported(fewer_resamples):
    """The positive control: without it the controls above would pass for a claim that can
    never be supported."""
    falling = errors_by_width(np.linspace(0.40, 0.25, len(WIDTHS)), 0.015, seed=104)
    ev = width_lowers_test_error(falling, np.random.default_rng(0))
    assert ev.verdict == SUPPORTED
    assert ev.estimate == pytest.approx(falling[0].mean() - falling[-1].mean())


# --- K2-sgd-global ----------------------------------------------------------------------------

def test_sgd_claim_is_refuted_by_one_seed_at_five_percent_training_error():
    errors = [0.0] * (SEEDS - 1) + [0.05]
    ev = sgd_fits_every_seed(errors, N_TRAIN)
    assert ev.verdict == REFUTED
    assert ev.estimate == pytest.approx(0.05)
    assert ev.details["counts"] == [0] * (SEEDS - 1) + [200]


def test_sgd_claim_is_not_supported_near_the_margin():
    errors = [0.0] * (SEEDS - 1) + [0.004]  # 16 errors, margin 20
    ev = sgd_fits_every_seed(errors, N_TRAIN)
    assert ev.verdict == INCONCLUSIVE
    assert ev.p_value > 0.01


def test_sgd_claim_is_refuted_by_a_diverged_seed():
    ev = sgd_fits_every_seed([0.0] * (SEEDS - 1) + [float("nan")], N_TRAIN)
    assert ev.verdict == REFUTED
    assert ev.details["counts"][-1] == N_TRAIN


def test_sgd_claim_can_be_supported():
    ev = sgd_fits_every_seed([0.0] * (SEEDS - 2) + [0.00025, 0.0005], N_TRAIN)
    assert ev.verdict == SUPPORTED
    assert ev.details["counts"] == [0] * (SEEDS - 2) + [1, 2]
