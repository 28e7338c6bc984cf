"""Calibration of the verdict core, by simulation: the intervals reach their nominal coverage at
the seed counts the claims use, and every test the claims use errs at most alpha where the
decision rule promises it (README, "Reading the output")."""
from __future__ import annotations

import math

import pytest

from harness import calibration as cal

REPS = 2000
ALPHA = cal.ALPHA
# three Monte Carlo standard errors of a rate near alpha over REPS draws
TOLERANCE = ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / REPS)


@pytest.mark.parametrize("n", [3, 4, 6])
def test_intervals_reach_nominal_coverage(n):
    """Nominal 98 %. The percentile bootstrap the suite used before covered 85.5, 89.5 and 94 %
    at 3, 4 and 6 seeds per point; Welch and t intervals must be within Monte Carlo error."""
    reps = 4000
    mc = 3.5 * math.sqrt(0.98 * 0.02 / reps)
    got = cal.coverage(n, reps=reps, seed=n)
    for name, rate in got.items():
        assert abs(rate - 0.98) < mc, f"{name} covers {rate:.4f} at {n} seeds, nominal 0.98"


def _by_truth(scenarios, test):
    return {s.truth: cal.rates(s, REPS, seed=i) for i, s in enumerate(scenarios)
            if s.test == test}


@pytest.mark.parametrize("n", [3, 4, 6])
@pytest.mark.parametrize("test", ["Welch t, minimum effect", "one-sample t, minimum effect"])
def test_minimum_effect_tests_err_at_most_alpha(n, test):
    r = _by_truth(cal.min_effect_scenarios(n), test)
    assert r["no effect"]["supported"] <= TOLERANCE
    assert r["effect = Δ"]["supported"] <= TOLERANCE  # the boundary: at most alpha
    assert r["effect = Δ"]["refuted"] <= TOLERANCE    # a true claim is rarely refuted
    assert r["effect = 2Δ"]["refuted"] <= TOLERANCE
    assert r["effect = 2Δ"]["supported"] > r["effect = Δ"]["supported"] + 0.03  # it can pass
    assert r["no effect"]["refuted"] > 0.02  # and it can refute


@pytest.mark.parametrize("test", ["Welch t, non-inferiority", "TOST equivalence"])
def test_margin_tests_err_at_most_alpha(test):
    r = _by_truth(cal.margin_scenarios(6), test)
    assert r["difference = margin"]["supported"] <= TOLERANCE
    assert r["difference = margin"]["refuted"] <= TOLERANCE
    assert r["difference = margin/2"]["refuted"] <= TOLERANCE
    assert r["difference = 0"]["supported"] > 0.5


def test_rate_test_errs_at_most_alpha():
    r = _by_truth(cal.rate_scenarios(), "binomial over seeds")
    assert r["success rate = 0.5"]["supported"] <= TOLERANCE
    assert r["success rate = 0.9"]["refuted"] <= TOLERANCE
    assert r["success rate = 0.97"]["supported"] > 0.9


def test_trend_errs_at_most_alpha_and_catches_a_late_rise():
    r = _by_truth(cal.trend_scenarios(), "trend (first to last + no late reversal)")
    assert r["flat"]["supported"] <= TOLERANCE
    assert r["falls by Δ"]["supported"] <= TOLERANCE
    assert r["falls by 3Δ"]["refuted"] <= TOLERANCE
    assert r["falls by 3Δ"]["supported"] > 0.9
    assert r["falls by 3Δ, last rises by Δ"]["supported"] <= TOLERANCE
