"""``sd_below``: the chi-square bound on the spread across seeds, with its calibration."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from harness.stats import INCONCLUSIVE, REFUTED, SUPPORTED, sd_below

ALPHA = 0.01
DRAWS = 4000
SLACK = 3 * np.sqrt(ALPHA * (1 - ALPHA) / DRAWS)


def test_the_interval_is_the_chi_square_interval_of_the_sd():
    v = np.array([0.40, 0.41, 0.395, 0.405, 0.42, 0.39])
    ev = sd_below(v, 0.04, alpha=ALPHA)
    s, n = v.std(ddof=1), len(v)
    assert ev.estimate == pytest.approx(s)
    assert ev.ci_high == pytest.approx(s * np.sqrt((n - 1) / sps.chi2.ppf(ALPHA, n - 1)))
    assert ev.ci_low == pytest.approx(s * np.sqrt((n - 1) / sps.chi2.ppf(1 - ALPHA, n - 1)))
    assert ev.verdict == SUPPORTED and ev.p_value < ALPHA


@pytest.mark.parametrize("n", [6, 16])
def test_a_spread_exactly_at_the_bound_is_supported_at_most_alpha_of_the_time(n):
    rng = np.random.default_rng(41 + n)
    samples = rng.normal(0.4, 0.0135, size=(DRAWS, n))
    supported = np.mean([sd_below(x, 0.0135, alpha=ALPHA).verdict == SUPPORTED
                         for x in samples])
    refuted = np.mean([sd_below(x, 0.0135, alpha=ALPHA).verdict == REFUTED for x in samples])
    assert supported <= ALPHA + SLACK and refuted <= ALPHA + SLACK


def test_power_at_the_spread_of_wide_nets_and_refutation_at_the_spread_of_narrow_ones():
    """16 seeds: a spread of 0.57 pp against a 1.35 pp bound is supported almost always; a
    spread of 2.5 pp (a narrow net's) is refuted most of the time and never supported."""
    rng = np.random.default_rng(7)
    wide = [sd_below(x, 0.0135, alpha=ALPHA).verdict for x in rng.normal(0.4, 0.0057, (2000, 16))]
    narrow = [sd_below(x, 0.0135, alpha=ALPHA).verdict
              for x in rng.normal(0.5, 0.025, (2000, 16))]
    assert np.mean([v == SUPPORTED for v in wide]) > 0.95
    assert np.mean([v == REFUTED for v in narrow]) > 0.7
    assert not any(v == SUPPORTED for v in narrow)


def test_zero_spread_is_not_decided_without_a_resolution():
    assert sd_below([0.0] * 6, 0.01, alpha=ALPHA).verdict == INCONCLUSIVE
    assert sd_below([0.0] * 6, 0.01, alpha=ALPHA, resolution=1 / 4000).verdict == SUPPORTED
