"""Statistics: the decision rule's truth table, the tests' arithmetic against scipy, zero spread
and the metric's resolution, the combined claims and their headline, the monotone trend, Holm's
adjustment over a session's family, and bad input. Calibration (coverage, operating
characteristics) is measured in ``test_stats_calibration.py``; diverged runs in
``test_stats_diverged.py``."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from harness.facts import computed_within_factor, measured_within_factor
from harness.stats import (BEYOND_MARGIN, INCONCLUSIVE, NEGLIGIBLE, PUBLISHED_FACT, REFUTED,
                           REVERSED, SUPPORTED, ZERO_SPREAD, Evidence, all_of, any_of,
                           clopper_pearson, difference_exceeds, equivalent_to, exceeds, holm,
                           holm_family, interval_verdict, is_published_fact, margin_verdict,
                           mean_below, mean_of, monotone_part_name, no_worse_than, rate_exceeds,
                           trend, undecidable, welch)


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
    assert mean_below([0.0] * 6, 0.01, alpha=0.01, resolution=1 / 4000).verdict == SUPPORTED
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
    assert ev.decided_by == "no point worse than an earlier one by > 0.02 / 6 vs 4"
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
    (lambda: all_of({"a": _ev(SUPPORTED)}, headline="b"), "headline 'b' is not a part"),
    (lambda: mean_below([0.0, 0.0], 0.01, alpha=0.01, resolution=0.0), "resolution"),
    (lambda: welch([1.0, 2.0], [1.0, 2.0], resolution=-1.0), "resolution"),
    (lambda: holm_family([], alpha=0.7), "alpha"),
])
def test_bad_input_is_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# -- zero spread and the metric's resolution ----------------------------------------------------

ZERO_SPREAD_CALLS = {
    "mean_below": lambda **kw: mean_below([0.0] * 6, 0.01, alpha=0.01, **kw),
    "exceeds": lambda **kw: exceeds([0.5] * 4, 0.0, min_effect=0.1, alpha=0.01, **kw),
    "equivalent_to": lambda **kw: equivalent_to([0.1] * 4, 0.1, margin=0.015, alpha=0.01, **kw),
    "difference_exceeds": lambda **kw: difference_exceeds([0.5] * 4, [0.2] * 4, min_effect=0.1,
                                                          alpha=0.01, **kw),
    "no_worse_than": lambda **kw: no_worse_than([0.3] * 4, [0.3] * 4, margin=0.01, alpha=0.01,
                                                **kw),
}


@pytest.mark.parametrize("name", list(ZERO_SPREAD_CALLS))
def test_zero_spread_is_not_decided_without_a_resolution(name):
    """A sample with no visible spread gives no zero-width interval and no p = 0: the claim is
    inconclusive and says what to pass."""
    ev = ZERO_SPREAD_CALLS[name]()
    assert ev.verdict == INCONCLUSIVE and ev.estimate_label == ZERO_SPREAD
    assert math.isnan(ev.p_value) and math.isnan(ev.ci_low) and ev.details["zero_spread"]
    assert "pass resolution=" in ev.details["reason"]


@pytest.mark.parametrize("name", list(ZERO_SPREAD_CALLS))
def test_zero_spread_is_decided_with_the_sd_floored_at_the_resolution(name):
    ev = ZERO_SPREAD_CALLS[name](resolution=1 / 4000)
    assert ev.ci_high - ev.ci_low > 0 and 0 < ev.p_value < 1
    assert ev.details["resolution"] == 1 / 4000 and ev.details["sd_floored_at_resolution"]
    assert ev.verdict == SUPPORTED  # each call is far from its threshold in steps of 1/4000


def test_g4_memorizes_part_at_zero_training_error_by_hand():
    """Six seeds, every training error 0 of 4000: the SD used is 1/4000, so the 98 % upper
    bound is t(0.99, 5) · (1/4000) / √6, far below the 1 % bound."""
    ev = mean_below([0.0] * 6, 0.01, alpha=0.01, resolution=1 / 4000)
    assert ev.ci_high == pytest.approx(sps.t.ppf(0.99, 5) / 4000 / math.sqrt(6))
    assert ev.p_value == pytest.approx(sps.t.cdf(-0.01 / (1 / 4000 / math.sqrt(6)), 5))


def test_the_resolution_changes_nothing_when_the_spread_is_visible():
    a, b = [0.30, 0.32, 0.29, 0.31], [0.20, 0.22, 0.18, 0.21]
    with_step = difference_exceeds(a, b, min_effect=0.02, alpha=0.01, resolution=1 / 4000)
    plain = difference_exceeds(a, b, min_effect=0.02, alpha=0.01)
    assert (with_step.ci_low, with_step.ci_high, with_step.p_value) == (
        plain.ci_low, plain.ci_high, plain.p_value)
    assert not with_step.details["sd_floored_at_resolution"]


def test_welch_floors_each_group_on_its_own():
    """One group without spread, one with: Welch without a resolution treats the silent group's
    mean as exact; with one, its SD is the resolution."""
    a, b = [0.0] * 5, [0.1, 0.12, 0.08, 0.11, 0.09]
    plain, floored = welch(a, b), welch(a, b, resolution=0.01)
    assert plain.se == pytest.approx(np.std(b, ddof=1) / math.sqrt(5))
    assert floored.se == pytest.approx(math.sqrt((0.01 ** 2 + np.var(b, ddof=1)) / 5))
    assert mean_of([0.0, 0.0, 0.0], resolution=0.5).se == pytest.approx(0.5 / math.sqrt(3))


# -- combined claims: the headline ----------------------------------------------------------------

def test_all_of_keeps_the_headline_apart_from_the_deciding_part():
    shrinks = _ev(SUPPORTED, p=1e-5)
    shrinks = Evidence(**{**shrinks.to_dict(), "estimate": 0.4, "ci_low": 0.35, "ci_high": 0.45,
                          "estimate_label": "gap shrinkage"})
    margin = _ev(INCONCLUSIVE)
    margin = Evidence(**{**margin.to_dict(), "estimate": -0.25, "ci_low": -0.3,
                         "ci_high": 0.02, "estimate_label": "gap at 8000 - at 4000"})
    ev = all_of({"shrinks": shrinks, "no reversal": margin})
    assert (ev.verdict, ev.decided_by, ev.estimate) == (INCONCLUSIVE, "no reversal", -0.25)
    head = ev.headline_estimate
    assert (head.part, head.label, head.estimate, head.ci_low, head.ci_high) == (
        "shrinks", "shrinks: gap shrinkage", 0.4, 0.35, 0.45)
    assert ev.decided_apart
    chosen = all_of({"shrinks": shrinks, "no reversal": margin}, headline="no reversal")
    assert chosen.headline_estimate.estimate == -0.25 and not chosen.decided_apart


def test_a_nested_headline_names_its_path():
    rng = np.random.default_rng(8)
    falls = [rng.normal(m, 0.005, 6) for m in (0.6, 0.5, 0.4)]
    inner = trend(falls, direction="decreasing", min_effect=0.02, margin=0.02, alpha=0.01,
                  points=[1, 2, 3], what="error")
    outer = all_of({"classic": inner, "network": inner})
    head = outer.headline_estimate
    assert head.part == "classic / first to last"
    assert head.label == "classic / first to last: error at 1 - at 3"
    assert head.estimate == pytest.approx(falls[0].mean() - falls[-1].mean())
    assert any_of({"x": inner}).headline == {}


def test_records_written_before_the_headline_still_load():
    """A results file's evidence from before the field: no ``headline`` key."""
    old = difference_exceeds([1.0, 1.1, 0.9], [0.0, 0.1, -0.1], min_effect=0.1,
                             alpha=0.01).to_dict()
    del old["headline"]
    ev = Evidence.from_dict(old)
    assert ev.headline == {} and ev.headline_estimate.estimate == ev.estimate
    assert not ev.decided_apart
    nested = all_of({"a": ev, "b": ev}).to_dict()
    assert Evidence.from_dict(nested).headline_estimate.part == "a"


def test_an_undecidable_part_counts_as_p_one():
    ok = _ev(SUPPORTED, p=1e-4, p_against=0.9)
    gone = undecidable("why", alpha=0.01, min_effect=0.1, n_seeds=3)
    for parts in ({"a": ok, "b": gone}, {"b": gone, "a": ok}):
        ev = all_of(parts)
        assert (ev.verdict, ev.p_value, ev.decided_by) == (INCONCLUSIVE, 1.0, "b")
        assert ev.p_against == 1.0


# -- the monotone trend ---------------------------------------------------------------------------

def test_trend_fails_a_hump_in_the_middle_that_last_vs_earlier_passed():
    """Errors fall 6 → 3 pp but jump 6 pp at the fourth point: the last point is below every
    earlier one (the rule before passed it), but point 3 is worse than points 0-2."""
    rng = np.random.default_rng(9)
    hump = [rng.normal(m, 0.005, 6) for m in (0.06, 0.05, 0.04, 0.10, 0.02, 0.01, 0.0)]
    ev = trend(hump, direction="decreasing", min_effect=0.02, margin=0.02, alpha=0.01,
               points=list(range(7)), what="error")
    assert ev.verdict == REFUTED
    assert ev.decided_by == f"{monotone_part_name('decreasing', 0.02)} / 3 vs 0"
    assert ev.headline_estimate.part == "first to last"
    monotone = ev.details[monotone_part_name("decreasing", 0.02)]
    assert len(monotone["details"]) == 21  # every pair i < j of 7 points


def test_trend_part_names_read_as_the_statement():
    assert monotone_part_name("decreasing", 0.02) == "no point worse than an earlier one by > 0.02"
    assert monotone_part_name("increasing", 0.0225) == ("no point lower than an earlier one by "
                                                        "> 0.0225")


# -- a session read as one family -------------------------------------------------------------

def test_holm_family_adjusts_both_sides_of_every_claim_by_hand():
    """Three claims, six one-sided p-values: Holm multiplies the smallest by 6, the next by 5."""
    strong = _ev(SUPPORTED, p=0.001, p_against=0.999)
    weak = _ev(SUPPORTED, p=0.004, p_against=0.996)
    refuted = _ev(REFUTED, p=0.995, p_against=0.002, how=NEGLIGIBLE)
    readings = holm_family([strong, weak, refuted], alpha=0.01)
    assert [r.p_decision for r in readings] == pytest.approx([0.006, 0.016, 0.01])
    assert [r.verdict_words for r in readings] == ["supported", "inconclusive", "inconclusive"]
    assert readings[0].p_refuting == pytest.approx(1.0)
    # the rule before adjusted only the 3 decision p-values and kept all three verdicts
    assert holm([0.001, 0.004, 0.002]) == pytest.approx([0.003, 0.004, 0.004])


def test_holm_family_never_makes_a_verdict():
    maybe = _ev(INCONCLUSIVE, p=0.02, p_against=0.5)
    reading = holm_family([maybe], alpha=0.01)[0]
    assert reading.verdict == INCONCLUSIVE and reading.p_decision == pytest.approx(0.04)
    kept = holm_family([_ev(REFUTED, p=0.9, p_against=1e-6, how=REVERSED)], alpha=0.01)[0]
    assert kept.verdict_words == "refuted (reversed)"


def test_published_facts_are_recognised():
    count = computed_within_factor(175e9, stated=12e9, factor=1.1, alpha=0.01, label="params")
    brain = measured_within_factor(86.1e9, 8.1e9, 4, stated=1e11, factor=10 ** 0.5, alpha=0.01,
                                   label="neurons")
    assert is_published_fact(count) and is_published_fact(brain)
    marked = Evidence(**{**_ev(SUPPORTED).to_dict(), "details": {PUBLISHED_FACT: True}})
    assert is_published_fact(marked)
    assert not is_published_fact(_ev(SUPPORTED))
    assert not is_published_fact(undecidable("every run diverged", alpha=0.01,
                                             min_effect=math.nan, n_seeds=0))
