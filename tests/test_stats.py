"""Statistics: the trend test holds its level under the null, finds planted effects, and the
verdict rule, binomial bounds and bootstrap behave as documented."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats as sps

from harness.stats import (INCONCLUSIVE, REFUTED, SUPPORTED, Evidence, all_rates_below,
                           clopper_pearson, jonckheere_terpstra, ordered_trend,
                           stratified_bootstrap, verdict_for)

FAST = {"n_permutations": 500, "reps": 300}


def brute_force_jt(groups, increasing=True):
    """Pairs (earlier group, later group) that follow the alternative, ties one half."""
    total = 0.0
    for a, b in itertools.combinations(range(len(groups)), 2):
        for x in groups[a]:
            for y in groups[b]:
                if increasing:
                    total += (x < y) + 0.5 * (x == y)
                else:
                    total += (x > y) + 0.5 * (x == y)
    return total


# --- Jonckheere-Terpstra --------------------------------------------------------------------

def test_jt_statistic_by_hand():
    rng = np.random.default_rng(0)
    assert jonckheere_terpstra([[1, 2], [3], [0]], increasing=True, rng=rng,
                               n_permutations=10)[0] == 2.0
    assert jonckheere_terpstra([[1], [1]], increasing=True, rng=rng, n_permutations=10)[0] == 0.5
    assert jonckheere_terpstra([[3, 4], [1, 2]], increasing=False, rng=rng,
                               n_permutations=10)[0] == 4.0


def test_jt_statistic_matches_brute_force_with_ties():
    data = np.random.default_rng(1)
    for _ in range(5):
        groups = [data.integers(0, 4, size=data.integers(1, 5)).tolist() for _ in range(4)]
        for inc in (True, False):
            stat, _ = jonckheere_terpstra(groups, increasing=inc, rng=np.random.default_rng(0),
                                          n_permutations=10)
            assert stat == brute_force_jt(groups, inc)


def test_jt_decreasing_is_increasing_over_the_reversed_order():
    groups = np.random.default_rng(2).normal(size=(4, 3)).tolist()
    dec = jonckheere_terpstra(groups, increasing=False, rng=np.random.default_rng(0),
                              n_permutations=200)
    inc = jonckheere_terpstra(groups[::-1], increasing=True, rng=np.random.default_rng(0),
                              n_permutations=200)
    assert dec[0] == inc[0]


def test_jt_p_value_matches_exact_enumeration():
    groups = [[0.3, 1.2], [0.9, 2.0], [1.5, 2.5]]
    values = [v for g in groups for v in g]
    observed = brute_force_jt(groups)
    labelings = set(itertools.permutations([0, 0, 1, 1, 2, 2]))
    exceed = 0
    for lab in labelings:
        regrouped = [[v for v, k in zip(values, lab) if k == g] for g in range(3)]
        exceed += brute_force_jt(regrouped) >= observed - 1e-9
    exact = exceed / len(labelings)
    stat, p = jonckheere_terpstra(groups, increasing=True, rng=np.random.default_rng(3),
                                  n_permutations=20000)
    assert stat == observed
    assert p == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 20000) + 1e-4)


def _null_data(rng, groups=5, reps=5):
    return rng.normal(0.0, 1.0, size=(groups, reps)).tolist()


def test_trend_test_holds_its_level_on_null_data():
    """200 data sets without any effect: at most alpha of them (plus binomial slack) may be
    declared supported, whatever the direction asked. (The bootstrap cannot make a verdict
    supported when min_effect is 0, so few reps keep this fast.)"""
    alpha, n_sets = 0.05, 200
    data_rng, test_rng = np.random.default_rng(20240101), np.random.default_rng(7)
    verdicts, p_values = [], []
    for i in range(n_sets):
        ev = ordered_trend(_null_data(data_rng), direction=("decreasing", "increasing")[i % 2],
                           alpha=alpha, min_effect=0.0, rng=test_rng, n_permutations=500,
                           reps=100)
        verdicts.append(ev.verdict)
        p_values.append(ev.p_value)
    slack = sps.binom.ppf(0.999, n_sets, alpha) / n_sets
    assert np.mean([v == SUPPORTED for v in verdicts]) <= slack
    p = np.array(p_values)
    assert np.all((p > 0) & (p <= 1))
    assert np.mean(p < alpha) <= slack
    # and it is not vacuous: under the null p is roughly uniform
    assert 0.35 < np.mean(p < 0.5) < 0.65


def test_a_planted_decreasing_trend_is_supported():
    rng = np.random.default_rng(11)
    means = [0.50, 0.46, 0.42, 0.38, 0.34]
    values = [rng.normal(m, 0.02, 5) for m in means]
    ev = ordered_trend(values, direction="decreasing", alpha=0.01, min_effect=0.05,
                       rng=np.random.default_rng(0), **FAST)
    assert ev.verdict == SUPPORTED
    assert ev.p_value < 0.01
    assert ev.estimate == pytest.approx(np.mean(values[0]) - np.mean(values[-1]))
    assert ev.ci_low <= ev.estimate <= ev.ci_high
    assert ev.ci_level == pytest.approx(0.98)
    assert ev.n_seeds == 5
    assert ev.details["group_means"] == pytest.approx([float(np.mean(v)) for v in values])
    assert ev.details["group_sizes"] == [5] * 5


def test_a_planted_increasing_trend_refutes_decreasing_and_supports_increasing():
    rng = np.random.default_rng(12)
    values = [rng.normal(m, 0.02, 5) for m in [0.30, 0.34, 0.38, 0.42, 0.46]]
    dec = ordered_trend(values, direction="decreasing", alpha=0.01, min_effect=0.02,
                        rng=np.random.default_rng(0), **FAST)
    assert dec.verdict == REFUTED
    assert dec.estimate < 0 and dec.ci_high < 0.02
    assert dec.p_value > 0.5
    inc = ordered_trend(values, direction="increasing", alpha=0.01, min_effect=0.02,
                        rng=np.random.default_rng(0), **FAST)
    assert inc.verdict == SUPPORTED and inc.estimate == pytest.approx(-dec.estimate)
    assert inc.estimate_label == "mean last - first" and dec.estimate_label == "mean first - last"


def test_a_significant_effect_below_the_smallest_that_matters_is_not_supported():
    rng = np.random.default_rng(13)
    values = [rng.normal(m, 0.0005, 6) for m in [0.400, 0.398, 0.396, 0.394, 0.392]]
    ev = ordered_trend(values, direction="decreasing", alpha=0.01, min_effect=0.02,
                       rng=np.random.default_rng(0), **FAST)
    assert ev.p_value < 0.01  # clearly there...
    assert ev.estimate < 0.02  # ...but too small to matter
    assert ev.verdict == REFUTED


def test_noisy_small_samples_are_inconclusive():
    values = [[0.50, 0.30], [0.45, 0.35], [0.40, 0.42]]
    ev = ordered_trend(values, direction="decreasing", alpha=0.01, min_effect=0.02,
                       rng=np.random.default_rng(0), **FAST)
    assert ev.verdict == INCONCLUSIVE


def test_ordered_trend_is_deterministic_given_the_rng_seed():
    values = _null_data(np.random.default_rng(5))
    a = ordered_trend(values, direction="decreasing", alpha=0.05, min_effect=0.1,
                      rng=np.random.default_rng(42), **FAST)
    b = ordered_trend(values, direction="decreasing", alpha=0.05, min_effect=0.1,
                      rng=np.random.default_rng(42), **FAST)
    c = ordered_trend(values, direction="decreasing", alpha=0.05, min_effect=0.1,
                      rng=np.random.default_rng(43), **FAST)
    assert a == b
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)


def test_ordered_trend_does_not_mutate_its_input():
    values = [np.array([3.0, 2.0]), np.array([1.0, 0.0])]
    ordered_trend(values, direction="increasing", alpha=0.05, min_effect=0.0,
                  rng=np.random.default_rng(0), **FAST)
    assert values[0].tolist() == [3.0, 2.0] and values[1].tolist() == [1.0, 0.0]


def test_evidence_round_trips_through_a_dict():
    ev = ordered_trend([[1.0, 2.0], [0.0, 0.5]], direction="decreasing", alpha=0.05,
                       min_effect=0.0, rng=np.random.default_rng(0), **FAST)
    assert Evidence(**ev.to_dict()) == ev
    with pytest.raises(ValueError, match="verdict"):
        Evidence(**{**ev.to_dict(), "verdict": "maybe"})


@pytest.mark.parametrize("values, kwargs, match", [
    ([[1.0, 2.0]], {}, "at least 2 groups"),
    ([], {}, "at least 2 groups"),
    ([[1.0, 2.0], []], {}, "group 1"),
    ([[1.0, float("nan")], [1.0]], {}, "non-finite"),
    ([[1.0, float("inf")], [1.0]], {}, "non-finite"),
    ([[[1.0], [2.0]], [[1.0], [2.0]]], {}, "1-D"),
    ([[1.0], [2.0]], {"direction": "down"}, "'down'"),
    ([[1.0], [2.0]], {"alpha": 0.0}, "alpha"),
    ([[1.0], [2.0]], {"alpha": 1.0}, "alpha"),
    ([[1.0], [2.0]], {"alpha": -0.05}, "alpha"),
    ([[1.0], [2.0]], {"alpha": 5}, "alpha"),
])
def test_ordered_trend_rejects_bad_inputs(values, kwargs, match):
    args = {"direction": "decreasing", "alpha": 0.05, "min_effect": 0.0,
            "rng": np.random.default_rng(0), **FAST, **kwargs}
    with pytest.raises(ValueError, match=match):
        ordered_trend(values, **args)


def test_jt_rejects_bad_inputs():
    with pytest.raises(ValueError):
        jonckheere_terpstra([[1.0]], increasing=True, rng=np.random.default_rng(0))
    with pytest.raises(ValueError):
        jonckheere_terpstra([[1.0], [float("nan")]], increasing=True,
                            rng=np.random.default_rng(0))


# --- every replicate below a margin ---------------------------------------------------------

def test_all_zero_counts_are_supported():
    ev = all_rates_below([0] * 6, 4000, margin=0.005, alpha=0.01)
    assert ev.verdict == SUPPORTED
    assert ev.p_value == pytest.approx(0.995 ** 4000, rel=1e-6)
    assert ev.estimate == 0.0 and ev.ci_low == 0.0
    assert ev.n_seeds == 6 and ev.min_effect == 0.005


def test_one_replicate_far_above_the_margin_refutes():
    ev = all_rates_below([0, 0, 1, 0, 200, 0], 4000, margin=0.005, alpha=0.01)
    assert ev.verdict == REFUTED
    assert ev.estimate == pytest.approx(0.05)
    assert ev.ci_low > 0.005
    assert ev.details["counts"][4] == 200


def test_a_borderline_replicate_is_inconclusive():
    ev = all_rates_below([0, 0, 16], 4000, margin=0.005, alpha=0.01)
    assert ev.verdict == INCONCLUSIVE
    assert ev.p_value == pytest.approx(
        sps.binomtest(16, 4000, 0.005, alternative="less").pvalue)
    assert ev.ci_low < 0.005 < ev.ci_high


def test_the_claim_p_value_is_the_worst_replicates():
    counts = [0, 3, 8]
    ev = all_rates_below(counts, 4000, margin=0.005, alpha=0.01)
    per = [sps.binomtest(c, 4000, 0.005, alternative="less").pvalue for c in counts]
    assert ev.p_value == pytest.approx(max(per))
    assert ev.verdict == (SUPPORTED if max(per) < 0.01 else INCONCLUSIVE)


@pytest.mark.parametrize("counts, n, kwargs, match", [
    ([], 10, {}, "counts"),
    ([-1], 10, {}, "counts"),
    ([11], 10, {}, "counts"),
    ([0], 10, {"margin": 0.0}, "margin"),
    ([0], 10, {"margin": 1.0}, "margin"),
    ([0], 10, {"alpha": 0.0}, "alpha"),
])
def test_all_rates_below_rejects_bad_inputs(counts, n, kwargs, match):
    with pytest.raises(ValueError, match=match):
        all_rates_below(counts, n, **{"margin": 0.05, "alpha": 0.01, **kwargs})


# --- intervals ------------------------------------------------------------------------------

@pytest.mark.parametrize("n, level", [(10, 0.95), (4000, 0.98), (1, 0.9)])
def test_clopper_pearson_at_the_extremes(n, level):
    tail = (1 - level) / 2
    lo, hi = clopper_pearson(0, n, level)
    assert lo == 0.0 and hi == pytest.approx(1 - tail ** (1 / n))
    lo, hi = clopper_pearson(n, n, level)
    assert hi == 1.0 and lo == pytest.approx(tail ** (1 / n))


def test_clopper_pearson_known_values_and_symmetry():
    lo, hi = clopper_pearson(5, 10, 0.95)
    assert (lo, hi) == pytest.approx((0.187086, 0.812914), abs=1e-6)
    lo, hi = clopper_pearson(1, 20, 0.95)
    assert (lo, hi) == pytest.approx((0.001265, 0.248733), abs=1e-6)
    lo3, hi3 = clopper_pearson(3, 17, 0.9)
    lo14, hi14 = clopper_pearson(14, 17, 0.9)
    assert (lo3, hi3) == pytest.approx((1 - hi14, 1 - lo14))


def test_clopper_pearson_covers_at_least_its_level():
    n, level, p = 30, 0.9, 0.2
    pmf = sps.binom.pmf(np.arange(n + 1), n, p)
    covered = sum(pmf[k] for k in range(n + 1)
                  if clopper_pearson(k, n, level)[0] <= p <= clopper_pearson(k, n, level)[1])
    assert covered >= level


def test_stratified_bootstrap_covers_the_true_mean_difference():
    data, boot = np.random.default_rng(30), np.random.default_rng(31)
    effect = lambda gs: gs[0].mean(-1) - gs[-1].mean(-1)  # noqa: E731
    hits = 0
    for _ in range(40):
        groups = [data.normal(0.6, 0.1, 30), data.normal(0.55, 0.1, 30), data.normal(0.5, 0.1, 30)]
        lo, hi = stratified_bootstrap(groups, effect, rng=boot, reps=400, level=0.95)
        assert lo <= effect(groups) <= hi
        hits += lo <= 0.1 <= hi
    assert hits >= 34  # nominal 38 of 40


def test_stratified_bootstrap_resamples_within_groups():
    # constant groups: every resample gives the same statistic
    lo, hi = stratified_bootstrap([[1.0] * 4, [3.0] * 2], lambda gs: gs[1].mean(-1) - gs[0].mean(-1),
                                  rng=np.random.default_rng(0), reps=100)
    assert lo == hi == 2.0
    # a statistic of the group sizes: resampling never moves points between groups
    sizes = stratified_bootstrap([[1.0, 2.0, 3.0], [4.0]],
                                 lambda gs: gs[0].shape[-1] * 10.0 + gs[1].shape[-1] + 0 * gs[0][:, 0],
                                 rng=np.random.default_rng(0), reps=50)
    assert sizes == (31.0, 31.0)


# --- the verdict rule -----------------------------------------------------------------------

@pytest.mark.parametrize("p, estimate, ci_high, expected", [
    (0.001, 0.05, 0.08, SUPPORTED),      # significant, large enough
    (0.001, 0.02, 0.05, SUPPORTED),      # exactly the smallest effect that matters
    (0.001, 0.01, 0.03, INCONCLUSIVE),   # significant, too small, but could matter
    (0.001, 0.01, 0.015, REFUTED),       # significant, and surely too small
    (0.01, 0.05, 0.08, INCONCLUSIVE),    # p == alpha is not significant
    (0.5, 0.05, 0.08, INCONCLUSIVE),     # not significant, could matter
    (0.5, -0.03, 0.0, REFUTED),          # the other way
    (0.5, -0.03, 0.02, INCONCLUSIVE),    # ci_high == min_effect is not below it
    (float("nan"), 0.05, 0.08, INCONCLUSIVE),
    (0.001, float("nan"), 0.08, INCONCLUSIVE),
    (0.001, 0.05, float("inf"), INCONCLUSIVE),
])
def test_verdict_truth_table(p, estimate, ci_high, expected):
    assert verdict_for(p, 0.01, estimate, ci_high, 0.02) == expected
