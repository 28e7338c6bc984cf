"""Statistics: the decision rule's truth table, the tests' arithmetic against scipy, the combined
claims, Holm's adjustment, and bad input. Calibration (coverage, operating characteristics) is
measured in ``test_stats_calibration.py``."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from harness.stats import (BEYOND_MARGIN, INCONCLUSIVE, NEGLIGIBLE, REFUTED, REVERSED,
                           SUPPORTED, Evidence, all_of, any_of, clopper_pearson,
                           difference_exceeds, equivalent_to, exceeds, holm, interval_verdict,
                           margin_verdict, mean_below, no_worse_than, rate_exceeds, trend,
                           undecidable, welch)


@pytest.mark.parametrize("lo, hi, expected", [
    (0.03, 0.05, (SUPPORTED, "")),            # wholly above the smallest effect
    (0.02, 0.05, (INCONCLUSIVE, "")),         # touching it is not above it
    (0.01, 0.05, (INCONCLUSIVE, "")),         # straddles it
    (0.005, 0.015, (REFUTED, NEGLIGIBLE)),    # real but too small to matter
    (-0.01, 0.015, (REFUTED, NEGLIGIBLE)),    # around zero, below the smallest effect
    (-0.05, -0.01, (REFUTED, REVERSED)),      # the other way
    (-0.05, 0.03, (INCONCLUSIVE, "")),        # wide: decides nothing
    (math.nan, 0.03, (INCONCLUSIVE, "")),
])
def test_interval_verdict_truth_table(lo, hi, expected):
    assert interval_verdict(lo, hi, 0.02) == expected


@pytest.mark.parametrize("lo, hi, expected", [
    (-0.02, 0.005, (SUPPORTED, "")),
    (-0.02, 0.015, (INCONCLUSIVE, "")),
    (0.011, 0.03, (REFUTED, BEYOND_MARGIN)),
])
def test_margin_verdict_truth_table(lo, hi, expected):
    assert margin_verdict(lo, hi, 0.01) == expected


def test_welch_matches_scipy():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 1.0, 5), rng.normal(0.0, 3.0, 7)
    est = welch(a, b)
    ref = sps.ttest_ind(a, b, equal_var=False)
    assert est.t == pytest.approx(ref.statistic)
    assert est.df == pytest.approx(ref.df)
    assert est.p_above(0.0) == pytest.approx(sps.ttest_ind(a, b, equal_var=False,
                                                           alternative="greater").pvalue)


def test_minimum_effect_p_and_interval_agree():
    """Supported exactly when p (H0: effect <= min_effect) < alpha; refuted exactly when the
    mirror p < alpha."""
    rng = np.random.default_rng(1)
    for _ in range(200):
        a, b = rng.normal(rng.uniform(-0.1, 0.1), 0.03, 4), rng.normal(0, 0.03, 5)
        ev = difference_exceeds(a, b, min_effect=0.02, alpha=0.01)
        assert (ev.verdict == SUPPORTED) == (ev.p_value < 0.01)
        assert (ev.verdict == REFUTED) == (ev.p_against < 0.01)
        assert ev.ci_level == pytest.approx(0.98)


def test_a_significant_effect_below_the_smallest_that_matters_is_refuted_as_negligible():
    a = np.full(40, 0.01) + np.random.default_rng(2).normal(0, 0.001, 40)
    ev = exceeds(a, 0.0, min_effect=0.02, alpha=0.01)
    assert ev.details["p_vs_zero"] < 1e-10
    assert (ev.verdict, ev.refuted_as, ev.verdict_words) == (REFUTED, NEGLIGIBLE,
                                                             "refuted (negligible)")


def test_an_effect_the_other_way_is_refuted_as_reversed():
    ev = difference_exceeds([0.30, 0.31, 0.29, 0.30], [0.40, 0.41, 0.39, 0.40], min_effect=0.02,
                            alpha=0.01)
    assert (ev.verdict, ev.refuted_as) == (REFUTED, REVERSED)
    assert ev.decision_p == ev.p_against < 0.01


def test_noisy_small_samples_are_inconclusive():
    ev = difference_exceeds([0.1, 0.5, 0.3], [0.2, 0.0, 0.4], min_effect=0.02, alpha=0.01)
    assert ev.verdict == INCONCLUSIVE and ev.refuted_as == ""


def test_non_inferiority_and_bounds():
    base = [0.40, 0.41, 0.39, 0.40, 0.40]
    assert no_worse_than([0.39, 0.40, 0.38, 0.39, 0.39], base, margin=0.01,
                         alpha=0.01).verdict == SUPPORTED
    worse = no_worse_than([0.45, 0.46, 0.44, 0.45, 0.45], base, margin=0.01, alpha=0.01)
    assert (worse.verdict, worse.refuted_as) == (REFUTED, BEYOND_MARGIN)
    assert mean_below([0.0] * 6, 0.01, alpha=0.01).verdict == SUPPORTED
    assert mean_below([0.2, 0.21, 0.19], 0.01, alpha=0.01).verdict == REFUTED


def test_equivalence_is_tost():
    near = equivalent_to([0.10, 0.101, 0.099, 0.1, 0.102, 0.098], 0.1, margin=0.015, alpha=0.01)
    assert near.verdict == SUPPORTED
    far = equivalent_to([0.2, 0.21, 0.19, 0.2], 0.1, margin=0.015, alpha=0.01)
    assert (far.verdict, far.refuted_as) == (REFUTED, BEYOND_MARGIN)
    wide = equivalent_to([0.05, 0.15, 0.1], 0.1, margin=0.015, alpha=0.01)
    assert wide.verdict == INCONCLUSIVE


def test_rate_exceeds_counts_seeds():
    assert rate_exceeds(12, 12, rate=0.5, alpha=0.01).verdict == SUPPORTED
    assert rate_exceeds(11, 12, rate=0.5, alpha=0.01).verdict == SUPPORTED  # p = 13/4096
    assert rate_exceeds(6, 6, rate=0.5, alpha=0.01).verdict == INCONCLUSIVE  # 1/64 > 0.01
    none = rate_exceeds(0, 12, rate=0.5, alpha=0.01)
    assert (none.verdict, none.refuted_as) == (REFUTED, NEGLIGIBLE)
    assert rate_exceeds(11, 12, rate=0.5, alpha=0.01).p_value == pytest.approx(13 / 4096)


@pytest.mark.parametrize("n", [1, 5, 40])
def test_clopper_pearson_at_the_extremes(n):
    lo, hi = clopper_pearson(0, n, 0.98)
    assert lo == 0.0 and hi == pytest.approx(1 - 0.01 ** (1 / n))
    lo, hi = clopper_pearson(n, n, 0.98)
    assert hi == 1.0 and lo == pytest.approx(0.01 ** (1 / n))


def _ev(verdict, p=0.5, p_against=0.5, how=""):
    return Evidence(test="t", statistic=0.0, estimate=0.0, estimate_label="e", ci_low=0.0,
                    ci_high=0.0, ci_level=0.98, p_value=p, alpha=0.01, min_effect=0.1,
                    n_seeds=3, verdict=verdict, p_against=p_against, refuted_as=how)


def test_all_of_names_the_part_that_decided():
    yes, weak = _ev(SUPPORTED, p=1e-4), _ev(SUPPORTED, p=3e-3)
    maybe = _ev(INCONCLUSIVE)
    no = _ev(REFUTED, p=0.99, p_against=1e-4, how=REVERSED)
    combined = all_of({"a": yes, "b": weak})
    assert (combined.verdict, combined.decided_by, combined.p_value) == (SUPPORTED, "b", 3e-3)
    combined = all_of({"a": yes, "b": maybe})
    assert (combined.verdict, combined.decided_by) == (INCONCLUSIVE, "b")
    combined = all_of({"a": yes, "b": no, "c": maybe})
    assert (combined.verdict, combined.decided_by, combined.refuted_as) == (REFUTED, "b",
                                                                            REVERSED)
    assert combined.p_against == pytest.approx(3e-4)  # Bonferroni over 3 parts
    assert combined.estimate_label.startswith("b: ")
    assert set(combined.details) == {"a", "b", "c"}


def test_all_of_refutes_a_part_only_at_alpha_over_k():
    borderline = _ev(REFUTED, p=0.99, p_against=0.008, how=NEGLIGIBLE)
    combined = all_of({"a": _ev(SUPPORTED, p=1e-4), "b": borderline})
    assert combined.verdict == INCONCLUSIVE and combined.decided_by == "b"


def test_any_of_is_bonferroni():
    parts = {"x": _ev(SUPPORTED, p=0.001), "y": _ev(INCONCLUSIVE, p=0.2)}
    parts = {k: Evidence(**{**v.to_dict(), "alpha": 0.005}) for k, v in parts.items()}
    ev = any_of(parts)
    assert (ev.verdict, ev.decided_by, ev.alpha, ev.p_value) == (SUPPORTED, "x", 0.01, 0.002)


def test_trend_catches_a_late_rise_that_an_ordered_test_would_pass():
    rng = np.random.default_rng(3)
    late_rise = [rng.normal(m, 0.005, 6) for m in (0.60, 0.50, 0.42, 0.36, 0.34, 0.37, 0.40)]
    ev = trend(late_rise, direction="decreasing", min_effect=0.02, margin=0.02, alpha=0.01,
               points=list(range(7)), what="error")
    assert ev.verdict == REFUTED
    assert ev.decided_by.startswith("no late reversal") and ev.decided_by.endswith("vs 3")
    steady = [rng.normal(m, 0.005, 6) for m in (0.60, 0.50, 0.42, 0.36, 0.34, 0.33, 0.32)]
    assert trend(steady, direction="decreasing", min_effect=0.02, margin=0.02, alpha=0.01,
                 points=list(range(7)), what="error").verdict == SUPPORTED


def test_trend_increasing_is_decreasing_of_the_negation():
    rng = np.random.default_rng(4)
    groups = [rng.normal(m, 0.01, 5) for m in (0.1, 0.2, 0.3)]
    up = trend(groups, direction="increasing", min_effect=0.05, margin=0.05, alpha=0.01,
               points=[1, 2, 3], what="x")
    down = trend([-g for g in groups], direction="decreasing", min_effect=0.05, margin=0.05,
                 alpha=0.01, points=[1, 2, 3], what="x")
    assert up.verdict == down.verdict == SUPPORTED
    assert up.estimate == pytest.approx(down.estimate)


def test_holm_by_hand():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5]) == [0.5]
    assert holm([0.001, 0.9]) == pytest.approx([0.002, 0.9])


def test_evidence_round_trips_and_checks_its_words():
    ev = difference_exceeds([1.0, 1.1, 0.9], [0.0, 0.1, -0.1], min_effect=0.1, alpha=0.01)
    assert Evidence.from_dict(ev.to_dict()) == ev
    with pytest.raises(ValueError, match="refuted_as"):
        _ev(REFUTED)
    with pytest.raises(ValueError, match="refuted_as"):
        _ev(SUPPORTED, how=REVERSED)
    assert undecidable("why", alpha=0.01, min_effect=0.1, n_seeds=3).verdict == INCONCLUSIVE


@pytest.mark.parametrize("call, match", [
    (lambda: exceeds([1.0], 0.0, min_effect=0.1, alpha=0.01), "at least 2"),
    (lambda: exceeds([1.0, math.nan], 0.0, min_effect=0.1, alpha=0.01), "non-finite"),
    (lambda: exceeds([1.0, 2.0], 0.0, min_effect=0.0, alpha=0.01), "min_effect"),
    (lambda: exceeds([1.0, 2.0], 0.0, min_effect=0.1, alpha=0.7), "alpha"),
    (lambda: no_worse_than([1.0, 2.0], [1.0, 1.0], margin=-1, alpha=0.01), "margin"),
    (lambda: rate_exceeds(13, 12, rate=0.5, alpha=0.01), "successes"),
    (lambda: rate_exceeds(3, 12, rate=1.0, alpha=0.01), "rate"),
    (lambda: trend([[1.0, 2.0]], direction="decreasing", min_effect=0.1, margin=0.1,
                   alpha=0.01, points=[1], what="x"), "at least 2 points"),
    (lambda: trend([[1.0, 2.0], [1.0, 2.0]], direction="down", min_effect=0.1, margin=0.1,
                   alpha=0.01, points=[1, 2], what="x"), "direction"),
    (lambda: all_of({}), "at least one"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()
