"""Diverged runs (a metric NaN or infinite): ``counting_diverged`` counts one against its arm as
the metric's worst value; ``excluding_diverged`` drops it, the sensitivity analysis. Planted
NaNs in Welch and paired comparisons, all-NaN input, and the arguments each decorator reads.
How often each rule errs when one arm diverges more often is measured in
``test_stats_calibration.py``."""
from __future__ import annotations

import math

import numpy as np
import pytest

from harness.stats import (INCONCLUSIVE, REFUTED, SUPPORTED, counting_diverged,
                           difference_exceeds, exceeds, excluding_diverged, no_worse_than, trend)

NAN = float("nan")
ARM_A = [0.30, 0.31, 0.29, NAN, 0.30, 0.31]
ARM_B = [0.30, 0.30, 0.31, 0.29, 0.30, 0.30]


def no_worse(a, b):
    """Arm a's test error is no worse than arm b's by more than 5 pp (Welch)."""
    return no_worse_than(a, b, margin=0.05, alpha=0.01)


def paired_gain(before, after):
    """Seeds shared by both arms: the per-seed gain before - after exceeds 1 pp (one-sample t
    on the paired differences)."""
    return exceeds(np.asarray(before) - np.asarray(after), 0.0, min_effect=0.01, alpha=0.01)


def test_a_diverged_run_counts_against_its_arm_in_a_welch_comparison():
    counted = counting_diverged(worst=1.0)(no_worse)(ARM_A, ARM_B)
    assert counted.details["diverged_runs"] == {"a": 1, "b": 0}
    assert counted.details["diverged_as"] == 1.0
    assert counted.details["mean"] == pytest.approx((sum(ARM_A[:3]) + 1.0 + sum(ARM_A[4:])) / 6)
    assert counted.verdict != SUPPORTED  # one run in six at error 1.0 is not "no worse"
    dropped = excluding_diverged(no_worse)(ARM_A, ARM_B)
    assert dropped.verdict == SUPPORTED  # the survivors are as good
    assert dropped.details["diverged_runs_excluded"] == 1
    assert dropped.details["diverged_runs"] == {"a": 1, "b": 0}
    assert dropped.n_seeds == 5


def test_keywords_and_a_worst_value_per_argument():
    judge = counting_diverged(worst={"a": 1.0, "b": 1.0})(no_worse)
    assert judge(b=ARM_B, a=ARM_A).details["diverged_runs"] == {"a": 1, "b": 0}
    unnamed = counting_diverged(worst={"b": 1.0})(no_worse)(ARM_A, ARM_B)
    assert unnamed.verdict == INCONCLUSIVE and "no worst value named" in unnamed.estimate_label
    assert counting_diverged(worst={"b": 1.0})(no_worse)(ARM_B, ARM_B).verdict == SUPPORTED


def test_paired_samples_stay_paired():
    """Seed 3 diverged in the second arm only. Counting keeps every position; the paired
    exclusion drops seed 3 from both arms; dropping it from one arm only would pair seed 4's
    'before' with seed 5's 'after'."""
    before = [0.50, 0.52, 0.48, 0.51, 0.60, 0.40]
    after = [0.40, 0.42, 0.38, NAN, 0.50, 0.30]
    counted = counting_diverged(worst=1.0)(paired_gain)(before, after)
    expected = np.asarray(before) - np.where(np.isnan(after), 1.0, after)
    assert counted.details["mean"] == pytest.approx(expected.mean())
    assert counted.details["diverged_runs"] == {"before": 0, "after": 1}
    paired = excluding_diverged(paired=True)(paired_gain)(before, after)
    assert paired.details["mean"] == pytest.approx(0.10)  # every kept seed gained exactly 0.1
    assert paired.n_seeds == 5 and paired.verdict == INCONCLUSIVE  # zero spread: undecided
    with pytest.raises(ValueError, match="one length"):
        excluding_diverged(paired=True)(paired_gain)(before, after[:5])


def test_a_sweep_of_samples_is_counted_point_by_point():
    rng = np.random.default_rng(0)
    groups = [rng.normal(m, 0.005, 6) for m in (0.60, 0.50, 0.40)]
    groups[1][2] = np.inf

    @counting_diverged(worst=1.0)
    def falls(errors_by_point, points=(1, 2, 3)):
        return trend(errors_by_point, direction="decreasing", min_effect=0.02, margin=0.02,
                     alpha=0.01, points=list(points), what="error")
    ev = falls(groups)
    assert ev.details["diverged_runs"] == {"errors_by_point": [0, 1, 0]}
    assert ev.details["means"][1] == pytest.approx((groups[1][np.isfinite(groups[1])].sum()
                                                    + 1.0) / 6)
    rows = falls(np.vstack(groups))  # one row per point works too
    assert rows.details["diverged_runs"] == {"errors_by_point": [0, 1, 0]}


@pytest.mark.parametrize("decorate", [counting_diverged(worst=1.0), excluding_diverged,
                                      excluding_diverged(paired=True)],
                         ids=["counting", "excluding", "excluding paired"])
def test_all_nan_input_is_undecidable_never_a_traceback(decorate):
    ev = decorate(no_worse)([NAN] * 4, [NAN, math.inf, NAN, NAN])
    assert ev.verdict == INCONCLUSIVE and ev.test == "not decidable"
    assert "diverged" in ev.estimate_label
    assert ev.details["diverged_runs"] == {"a": 4, "b": 4}


def test_one_arm_wholly_diverged_is_counted_not_dropped():
    """Every run of arm a diverged: excluded, nothing is left to judge; counted, arm a sits at
    error 1.0 (no spread: the resolution floor decides it)."""
    dead = [NAN] * 5

    def worse(a, b):
        return no_worse_than(a, b, margin=0.01, alpha=0.01, resolution=1 / 4000)
    assert excluding_diverged(worse)(dead, ARM_B).verdict == INCONCLUSIVE
    counted = counting_diverged(worst=1.0)(worse)(dead, ARM_B)
    assert counted.verdict == REFUTED and counted.details["diverged_runs"]["a"] == 5


def test_nothing_diverged_changes_nothing():
    plain = difference_exceeds(ARM_B, [0.2] * 5 + [0.21], min_effect=0.02, alpha=0.01)

    @counting_diverged(worst=1.0)
    def judge(a, b, label="x"):
        return difference_exceeds(a, b, min_effect=0.02, alpha=0.01)
    ev = judge(ARM_B, [0.2] * 5 + [0.21])
    assert (ev.verdict, ev.estimate, ev.ci_low) == (plain.verdict, plain.estimate, plain.ci_low)
    assert ev.details["diverged_runs"] == {"a": 0, "b": 0}


@pytest.mark.parametrize("worst", [NAN, math.inf, "1.0", True, {"a": NAN}])
def test_the_worst_value_must_be_a_finite_number(worst):
    with pytest.raises(ValueError, match="worst"):
        counting_diverged(worst=worst)
