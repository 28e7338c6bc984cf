"""The interval, equivalence and combination tests the generalization claims use."""
from __future__ import annotations

import math

import numpy as np
import pytest

from harness.stats import (INCONCLUSIVE, REFUTED, SUPPORTED, all_of, difference_exceeds,
                           equivalent_to, exceeds, no_worse_than, undecidable)


def test_exceeds_needs_significance_and_size():
    assert exceeds([0.6, 0.62, 0.61], 0.1, min_effect=0.2, alpha=0.01).verdict == SUPPORTED
    # significant but small: inconclusive, not supported
    small = exceeds([0.15, 0.151, 0.149, 0.15], 0.1, min_effect=0.2, alpha=0.01)
    assert small.p_value < 0.01 and small.verdict == REFUTED
    assert exceeds([0.1, 0.3, -0.1], 0.1, min_effect=0.2, alpha=0.01).verdict != SUPPORTED


def test_exceeds_on_null_data_rejects_at_most_alpha():
    rng = np.random.default_rng(1)
    hits = sum(exceeds(rng.normal(0, 1, 6), 0.0, min_effect=0.0, alpha=0.05).verdict == SUPPORTED
               for _ in range(400))
    assert hits / 400 < 0.05 + 3 * math.sqrt(0.05 * 0.95 / 400)


def test_no_worse_than_margin_logic():
    same = no_worse_than([0.39, 0.391, 0.389, 0.39], [0.39, 0.392, 0.388, 0.391], margin=0.01,
                         alpha=0.01)
    assert same.verdict == SUPPORTED and same.ci_high < 0.01
    worse = no_worse_than([0.45, 0.451, 0.449], [0.39, 0.392, 0.388], margin=0.01, alpha=0.01)
    assert worse.verdict == REFUTED and worse.ci_low > 0.01
    noisy = no_worse_than([0.3, 0.5, 0.4], [0.4, 0.3, 0.5], margin=0.01, alpha=0.01)
    assert noisy.verdict == INCONCLUSIVE


def test_equivalence_is_tost():
    at = equivalent_to([0.1, 0.101, 0.099, 0.1], 0.1, margin=0.015, alpha=0.01)
    assert at.verdict == SUPPORTED
    off = equivalent_to([0.2, 0.201, 0.199], 0.1, margin=0.015, alpha=0.01)
    assert off.verdict == REFUTED
    wide = equivalent_to([0.05, 0.15, 0.1], 0.1, margin=0.015, alpha=0.01)
    assert wide.verdict == INCONCLUSIVE  # no significant equivalence from noisy data


def test_difference_exceeds_is_one_sided():
    up = difference_exceeds([0.5, 0.51, 0.52], [0.4, 0.41, 0.39], min_effect=0.01, alpha=0.01)
    assert up.verdict == SUPPORTED and up.estimate == pytest.approx(0.11)
    down = difference_exceeds([0.4, 0.41, 0.39], [0.5, 0.51, 0.52], min_effect=0.01, alpha=0.01)
    assert down.verdict == REFUTED and down.p_value > 0.5


def test_all_of_needs_every_part():
    yes = exceeds([0.6, 0.62, 0.61], 0.1, min_effect=0.2, alpha=0.01)
    no = exceeds([0.1, 0.1, 0.11], 0.1, min_effect=0.2, alpha=0.01)
    maybe = undecidable("why", alpha=0.01, min_effect=0.1, n_seeds=3)
    assert all_of({"a": yes, "b": yes}, headline="a").verdict == SUPPORTED
    assert all_of({"a": yes, "b": no}, headline="a").verdict == REFUTED
    combined = all_of({"a": yes, "b": maybe}, headline="a")
    assert combined.verdict == INCONCLUSIVE
    assert combined.estimate == yes.estimate and combined.details["b"]["verdict"] == INCONCLUSIVE
    with pytest.raises(ValueError, match="headline 'c'"):
        all_of({"a": yes}, headline="c")


@pytest.mark.parametrize("fn", [exceeds, equivalent_to])
def test_one_sample_tests_reject_bad_input(fn):
    kwargs = {"min_effect": 0.1} if fn is exceeds else {"margin": 0.1}
    with pytest.raises(ValueError, match="at least 2 replicates"):
        fn([0.1], 0.0, alpha=0.01, **kwargs)
    with pytest.raises(ValueError, match="non-finite"):
        fn([0.1, float("nan")], 0.0, alpha=0.01, **kwargs)
    with pytest.raises(ValueError, match="alpha"):
        fn([0.1, 0.2], 0.0, alpha=1.5, **kwargs)
