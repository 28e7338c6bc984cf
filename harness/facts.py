"""Verdicts on the note's numbers: a stated value against a published measurement or count.

Two kinds of evidence, both under the one verdict rule (supported when the interval lies inside
the tolerance, refuted beyond the margin when it lies wholly outside, inconclusive otherwise):

- ``measured_within_factor``: a published mean ± standard deviation over n specimens (a cell
  count over brains) gives a t interval for the true value; the tolerance is a factor around
  the stated value, fixed before the check.
- ``computed_within_factor``: a number computed exactly from a published specification (the
  parameters of an architecture) has no sampling error; its interval is the point itself and
  its p-values are 0 or 1, which the test's name says.
"""
from __future__ import annotations

import math

from scipy import stats as sps

from .stats import BEYOND_MARGIN, INCONCLUSIVE, REFUTED, SUPPORTED, WITHIN, Evidence


def _check_factor(factor: float, stated: float) -> None:
    if not (isinstance(factor, (int, float)) and math.isfinite(factor) and factor > 1):
        raise ValueError(f"tolerance factor must be a finite number > 1, got {factor!r}")
    if not (isinstance(stated, (int, float)) and math.isfinite(stated) and stated > 0):
        raise ValueError(f"stated value must be a finite positive number, got {stated!r}")


def _verdict(lo: float, hi: float, low: float, high: float) -> tuple[str, str]:
    if low < lo and hi < high:
        return SUPPORTED, ""
    if hi < low or lo > high:
        return REFUTED, BEYOND_MARGIN
    return INCONCLUSIVE, ""


def measured_within_factor(mean: float, sd: float, n: int, *, stated: float, factor: float,
                           alpha: float, label: str) -> Evidence:
    """Is the true value, measured as ``mean`` ± ``sd`` over ``n`` specimens, within
    ``factor`` of ``stated`` (between stated/factor and stated·factor)? t interval at level
    1 − 2·alpha; p is the larger of the two one-sided tests (TOST) for being inside."""
    _check_factor(factor, stated)
    if not (isinstance(n, int) and n >= 2 and sd >= 0 and math.isfinite(mean)):
        raise ValueError(f"a measurement needs a finite mean, sd >= 0 and n >= 2 specimens, got "
                         f"mean={mean!r}, sd={sd!r}, n={n!r}")
    low, high = stated / factor, stated * factor
    se, df = sd / math.sqrt(n), n - 1
    q = sps.t.ppf(1 - alpha, df)
    lo, hi = mean - q * se, mean + q * se
    verdict, how = _verdict(lo, hi, low, high)
    inside = max(sps.t.sf((mean - low) / se, df), sps.t.cdf((mean - high) / se, df))
    outside = min(sps.t.cdf((mean - low) / se, df), sps.t.sf((mean - high) / se, df))
    return Evidence(test=f"t interval on a published mean ± sd (n = {n}), within a factor",
                    statistic=(mean - stated) / se, estimate=mean, estimate_label=label,
                    ci_low=lo, ci_high=hi, ci_level=1 - 2 * alpha, p_value=float(inside),
                    p_against=float(outside), alpha=alpha, min_effect=factor, n_seeds=n,
                    verdict=verdict, refuted_as=how, claim_direction=WITHIN,
                    details={"stated": stated, "tolerance": [low, high], "sd": sd})


def computed_within_factor(value: float, *, stated: float, factor: float, alpha: float,
                           label: str) -> Evidence:
    """Is an exactly computed ``value`` within ``factor`` of ``stated``? No sampling error: the
    interval is the value itself."""
    _check_factor(factor, stated)
    low, high = stated / factor, stated * factor
    verdict, how = _verdict(value, value, low, high)
    return Evidence(test="exact count from a published specification, within a factor",
                    statistic=value / stated, estimate=value, estimate_label=label,
                    ci_low=value, ci_high=value, ci_level=1.0,
                    p_value=0.0 if verdict == SUPPORTED else 1.0,
                    p_against=0.0 if verdict == REFUTED else 1.0, alpha=alpha,
                    min_effect=factor, n_seeds=0, verdict=verdict, refuted_as=how,
                    claim_direction=WITHIN,
                    details={"stated": stated, "tolerance": [low, high],
                             "ratio_to_stated": value / stated})
