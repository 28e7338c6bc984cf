"""Statistics as pure functions: arrays in, an evidence record out.

The decision rule, shared by every claim
----------------------------------------
Every claim states an effect, signed so that a positive value points the way the claim says, and
the smallest effect that matters, Δ > 0 (for bound, non-inferiority and equivalence claims, the
margin plays Δ's part). The effect gets a two-sided ``1 - 2·alpha`` confidence interval
[lo, hi] from a method that reaches its nominal coverage at the seed counts the claims use: t and
Welch intervals for means and mean differences, Clopper-Pearson for a rate. Then:

- **supported**: the interval lies wholly above Δ (lo > Δ);
- **refuted**, as *negligible*: it lies wholly below Δ (hi < Δ), so any effect is too small to
  matter; as *reversed*: it lies wholly below zero (hi < 0), the effect points the other way;
  for a margin claim, as *beyond the margin*;
- **inconclusive**: anything else. It says the design lacks the power to decide, never "no".

This is the minimum-effect test and its mirror (Lakens, Scheel & Isager 2018), equivalently the
interval-versus-region-of-practical-equivalence rule (Kruschke 2018). Each one-sided bound holds
at level 1 - alpha, so at a true effect exactly at Δ the claim is called supported with
probability at most alpha, and a true claim (effect ≥ Δ) is called refuted with probability at
most alpha; at a true effect of zero, supported is rarer still. The p-value reported is that of
the minimum-effect test, H0 "effect ≤ Δ" (supported exactly when p < alpha); ``p_against`` is the
mirror test's, H0 "effect ≥ Δ" (refuted exactly when it is < alpha). The operating
characteristics of every test here are measured by simulation in
``tests/test_stats_calibration.py`` and tabled in the README.

An earlier rule, "p < alpha against *no* effect and a point estimate ≥ Δ", called a true effect
of exactly Δ supported half the time, and the percentile bootstrap it used covered 85-94 % for a
nominal 98 % at 3-6 seeds; both are gone.

Zero spread and the metric's resolution
---------------------------------------
A t interval needs a standard deviation, and a sample whose seeds all measured the same value
has a sample SD of 0: its interval would have zero width and its p would be 0 or 1, a certainty
no finite sample gives. A metric read off a finite set (an error rate over 4000 examples moves
in steps of 1/4000) shows no spread when its true spread is below that step: the zero says the
spread is below the measuring unit, not that it is zero. So every t-based test takes an optional
``resolution`` (the metric's smallest step) and uses max(sample SD, resolution) as each sample's
SD. That is conservative: a variable confined to two neighbouring steps has an SD of at most
half a step, and quantization noise alone (Sheppard's correction) adds step/√12. Without a
resolution, a test whose samples all have zero spread (or a spread within floating-point
rounding, ``ROUNDING``) is not decided: it returns an inconclusive record, "not decidable: zero
spread", asking for one. An exact binomial bound on the pooled k-of-n counts was considered and
rejected: it treats every example of every seed as an independent trial, while the seeds, not
the examples, are the replicates a claim is about, and seed-to-seed spread is the larger part
of the variation. The floor's calibration (true mean at the bound, most samples without spread)
is measured in ``tests/test_stats_calibration.py``.

Combined claims
---------------
A claim made of several statements (``all_of``) is supported when every part is (an
intersection-union test, valid without correction) and refuted when one of its k parts is refuted
at alpha / k (Bonferroni), so a true claim is still refuted with probability at most alpha. The
part that decided the verdict is named in ``decided_by`` and its estimate is the record's; the
*headline* part (``all_of(..., headline=...)``, by default the first) is the estimate a reader
looks for first, and tables show both.

``trend`` is "all the way" as a statement: the first point beats the last by at least Δ, and no
point is worse than any earlier point by more than the margin (one non-inferiority test per
ordered pair, all of which must hold), so a hump in the middle or a creeping rise fails it.

A session of claims
-------------------
Each claim is decided at its own alpha. Read as a family, every claim offers two chances to err,
a false *supported* and a false *refuted*, so ``holm_family`` adjusts all 2m one-sided p-values
of m claims (each claim's ``p_value`` and ``p_against``) by Holm's method: the probability of
any wrong verdict across the session is then at most the family alpha (Holm 1979), and a verdict
whose own p does not survive the adjustment reads "inconclusive" in that second reading. Verdicts
on published numbers (``is_published_fact``) draw nothing in a session and stay out of it.

Diverged runs
-------------
A run that diverged (its metrics NaN or infinite) is a result: when divergence depends on the
arm, dropping it conditions on the outcome. ``counting_diverged(worst=...)`` counts it against
its arm as the metric's worst value (intention to treat); ``excluding_diverged`` drops it and is
the sensitivity analysis, stated as such.
"""
from __future__ import annotations

import functools
import inspect
import math
from dataclasses import dataclass, field, fields, replace
from typing import Callable, Mapping, Sequence

import numpy as np
from scipy import special as spf
from scipy import stats as sps

SUPPORTED, REFUTED, INCONCLUSIVE = "supported", "refuted", "inconclusive"
VERDICTS = (SUPPORTED, REFUTED, INCONCLUSIVE)
NEGLIGIBLE, REVERSED, BEYOND_MARGIN = "negligible", "reversed", "beyond the margin"
REFUTATIONS = (NEGLIGIBLE, REVERSED, BEYOND_MARGIN)
ABOVE, BELOW, WITHIN = "above", "below", "within"
DIRECTIONS = (ABOVE, BELOW, WITHIN)
# ``Evidence.details`` key that marks a verdict on a published number (a count computed from a
# published specification, a published mean ± sd): nothing in it is drawn in the session.
PUBLISHED_FACT = "published_fact"
ZERO_SPREAD = "not decidable: zero spread, pass resolution= (the metric's smallest step)"
UNDECIDABLE_ALPHA = 0.01  # the alpha an undecidable record states when the judge names none
UNDECIDABLE_TEST = "not decidable"
ROUNDING = 1e-12  # a sample SD below this fraction of the values' magnitude is rounding
# the tests ``harness.facts`` names (until it marks its records with ``PUBLISHED_FACT``)
PUBLISHED_FACT_TESTS = ("exact count from a published specification",
                        "t interval on a published mean")


def _float(x) -> float:
    """A number read back from strict JSON, where NaN is written as null."""
    return math.nan if x is None else float(x)


def _plain_copy(value):
    """A copy of plain data (dicts, lists, tuples, arrays); numbers and strings are shared."""
    if isinstance(value, dict):
        return {k: _plain_copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain_copy(v) for v in value)
    if isinstance(value, np.ndarray):
        return value.copy()
    return value


def _p_or_one(p: float) -> float:
    """A p-value that could not be computed supports nothing: it counts as 1."""
    return float(p) if p is not None and math.isfinite(p) else 1.0


@dataclass(frozen=True)
class Headline:
    """What stands for a claim where one number is shown: the headline part's estimate and
    interval (the whole claim's, for a claim of one statement). ``part`` is its path of part
    names, empty for a claim of one statement."""

    part: str
    label: str
    estimate: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Evidence:
    """What a claim measured and what it concludes; every field is reported.

    ``p_value`` is the p of the test that supports (H0: the claim is false at its boundary),
    ``p_against`` the p of the test that refutes (H0: the claim holds at its boundary).
    ``refuted_as`` says how a refuted claim failed (one of ``REFUTATIONS``), ``decided_by`` which
    part of a combined claim decided it; the estimate, interval and label are that part's.
    ``claim_direction`` says where the claim wants the estimate (``DIRECTIONS``: above its
    threshold, below its bound, within its margins), so a baseline comparison knows which way a
    move is bad; empty when nothing was decided. ``headline`` (empty for a claim of one
    statement) holds the headline part of a combined claim: ``part``, ``estimate_label``,
    ``estimate``, ``ci_low``, ``ci_high``, ``ci_level``; read it through ``headline_estimate``.
    Records written before a field existed load with its default.
    """

    test: str
    statistic: float
    estimate: float
    estimate_label: str
    ci_low: float
    ci_high: float
    ci_level: float
    p_value: float
    alpha: float
    min_effect: float
    n_seeds: int
    verdict: str
    p_against: float = float("nan")
    refuted_as: str = ""
    decided_by: str = ""
    details: dict = field(default_factory=dict)
    claim_direction: str = ""
    headline: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} not one of {VERDICTS}")
        if (self.verdict == REFUTED) != bool(self.refuted_as):
            raise ValueError(f"refuted_as {self.refuted_as!r} must be one of {REFUTATIONS} "
                             f"exactly when the verdict is refuted (verdict {self.verdict!r})")
        if self.refuted_as and self.refuted_as not in REFUTATIONS:
            raise ValueError(f"refuted_as {self.refuted_as!r} not one of {REFUTATIONS}")
        if self.claim_direction and self.claim_direction not in DIRECTIONS:
            raise ValueError(f"claim_direction {self.claim_direction!r} not one of {DIRECTIONS}")

    @property
    def verdict_words(self) -> str:
        """The verdict as the summary prints it: 'refuted (reversed)', 'supported', ..."""
        return f"{self.verdict} ({self.refuted_as})" if self.refuted_as else self.verdict

    @property
    def decision_p(self) -> float:
        """The p-value of the decision taken: the supporting test's if supported, the refuting
        test's if refuted, the smaller of the two if neither."""
        if self.verdict == SUPPORTED:
            return self.p_value
        if self.verdict == REFUTED:
            return self.p_against
        return float(np.nanmin([self.p_value, self.p_against, 1.0]))

    @property
    def headline_estimate(self) -> Headline:
        """The headline part's estimate and interval; the record's own without a headline."""
        h = self.headline
        if not h:
            return Headline("", self.estimate_label, self.estimate, self.ci_low, self.ci_high)
        return Headline(h.get("part", ""), h.get("estimate_label", ""), _float(h.get("estimate")),
                        _float(h.get("ci_low")), _float(h.get("ci_high")))

    @property
    def decided_apart(self) -> bool:
        """Whether a part other than the headline decided the verdict: tables then show the
        deciding part's estimate (the record's own) beside the headline's."""
        return bool(self.decided_by and self.headline) and \
            self.decided_by != self.headline_estimate.part

    def to_dict(self) -> dict:
        """The record as plain data (what ``dataclasses.asdict`` gives, without its deep-copy
        machinery: a combined claim's tree of parts is copied once per level)."""
        return {f.name: _plain_copy(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, record: dict) -> "Evidence":
        return cls(**record)


def interval_verdict(ci_low: float, ci_high: float, min_effect: float) -> tuple[str, str]:
    """The decision rule for a minimum-effect claim: (verdict, refuted_as)."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return INCONCLUSIVE, ""
    if ci_low > min_effect:
        return SUPPORTED, ""
    if ci_high < 0:
        return REFUTED, REVERSED
    if ci_high < min_effect:
        return REFUTED, NEGLIGIBLE
    return INCONCLUSIVE, ""


def margin_verdict(ci_low: float, ci_high: float, margin: float) -> tuple[str, str]:
    """The decision rule for "the difference stays below ``margin``" (a bound)."""
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)):
        return INCONCLUSIVE, ""
    if ci_high < margin:
        return SUPPORTED, ""
    if ci_low > margin:
        return REFUTED, BEYOND_MARGIN
    return INCONCLUSIVE, ""


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha!r}")


def _check_positive(what: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{what} must be a finite number > 0, got {value!r}")


def _check_resolution(resolution: float | None) -> None:
    if resolution is not None:
        _check_positive("resolution (the metric's smallest step)", resolution)


def _sample(values: Sequence[float], what: str) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or len(v) < 2:
        raise ValueError(f"{what} needs at least 2 replicates in a 1-D sequence, got shape "
                         f"{v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{what} has non-finite values: {v.tolist()}")
    return v


def sample_sd(values: np.ndarray, resolution: float | None = None) -> float:
    """The SD a t interval uses: the sample SD, floored at the metric's ``resolution`` when one
    is given (a spread below the measuring unit shows as none; see the module docstring). A
    spread within ``ROUNDING`` of the values' magnitude is floating-point rounding (seeds that
    all gained exactly 0.1, computed as 0.5 - 0.4 and 0.52 - 0.42), not a measured spread: it
    counts as none."""
    sd = float(values.std(ddof=1))
    if sd <= ROUNDING * max(1.0, float(np.abs(values).max())):
        sd = 0.0
    return max(sd, float(resolution)) if resolution is not None else sd


def _floored(resolution: float | None, *samples: np.ndarray) -> bool:
    """Whether the resolution floor raised the SD of any of ``samples``."""
    return resolution is not None and any(sample_sd(s) < resolution for s in samples)


@dataclass(frozen=True)
class TEstimate:
    """An estimate with a standard error and t degrees of freedom. The tests never build one
    with se = 0 into a verdict (see ``_t_evidence``); the se = 0 branches keep the arithmetic
    total."""

    estimate: float
    se: float
    df: float

    def interval(self, level: float) -> tuple[float, float]:
        if self.se == 0:
            return self.estimate, self.estimate
        half = float(spf.stdtrit(self.df, 0.5 + level / 2)) * self.se
        return self.estimate - half, self.estimate + half

    def p_above(self, threshold: float) -> float:
        """One-sided p of H0 "true value ≤ threshold" against "> threshold"."""
        if self.se == 0:
            return 0.0 if self.estimate > threshold else 1.0
        return float(spf.stdtr(self.df, -(self.estimate - threshold) / self.se))

    def p_below(self, threshold: float) -> float:
        """One-sided p of H0 "true value ≥ threshold" against "< threshold"."""
        if self.se == 0:
            return 0.0 if self.estimate < threshold else 1.0
        return float(spf.stdtr(self.df, (self.estimate - threshold) / self.se))

    @property
    def t(self) -> float:
        return self.estimate / self.se if self.se else math.copysign(math.inf, self.estimate)


def mean_of(values: Sequence[float], reference: float = 0.0, *,
            resolution: float | None = None) -> TEstimate:
    """Mean minus ``reference``, with its standard error; t with n - 1 degrees of freedom. The
    SD is floored at ``resolution`` when one is given (``sample_sd``)."""
    _check_resolution(resolution)
    v = _sample(values, "mean_of")
    return TEstimate(float(v.mean() - reference), sample_sd(v, resolution) / math.sqrt(len(v)),
                     float(len(v) - 1))


def welch(a: Sequence[float], b: Sequence[float], *,
          resolution: float | None = None) -> TEstimate:
    """mean(a) - mean(b) with Welch's standard error and Satterthwaite degrees of freedom:
    unequal variances are the rule between sweep points (a narrow net's spread is not a wide
    net's). Each group's SD is floored at ``resolution`` when one is given."""
    _check_resolution(resolution)
    a, b = _sample(a, "welch (first group)"), _sample(b, "welch (second group)")
    va = sample_sd(a, resolution) ** 2 / len(a)
    vb = sample_sd(b, resolution) ** 2 / len(b)
    se = float(np.sqrt(va + vb))
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if se else 1.0
    return TEstimate(float(a.mean() - b.mean()), se, float(df))


def _zero_spread(*, alpha: float, threshold: float, n_seeds: int, details: dict) -> Evidence:
    """The record for samples with no spread at all and no resolution to floor it at."""
    return undecidable(ZERO_SPREAD, alpha=alpha, min_effect=threshold, n_seeds=n_seeds,
                       details={**details, "zero_spread": True})


def _t_evidence(est: TEstimate, *, claim: str, threshold: float, test: str, label: str,
                alpha: float, n_seeds: int, details: dict,
                resolution: float | None = None, floored: bool = False) -> Evidence:
    """Evidence from a t estimate for a claim that the true value lies ``claim`` ('above': a
    minimum effect; 'below': a bound or margin) ``threshold``. Samples with zero spread and no
    resolution are not decided (module docstring)."""
    _check_alpha(alpha)
    _check_positive("min_effect" if claim == "above" else "margin", threshold)
    if resolution is not None:
        details = {**details, "resolution": resolution, "sd_floored_at_resolution": floored}
    if est.se == 0:
        return _zero_spread(alpha=alpha, threshold=threshold, n_seeds=n_seeds, details=details)
    level = 1 - 2 * alpha
    lo, hi = est.interval(level)
    if claim == "above":
        verdict, how = interval_verdict(lo, hi, threshold)
        p, p_against = est.p_above(threshold), est.p_below(threshold)
        details = {**details, "p_vs_zero": est.p_above(0.0)}
    else:
        verdict, how = margin_verdict(lo, hi, threshold)
        p, p_against = est.p_below(threshold), est.p_above(threshold)
    return Evidence(test=test, statistic=est.t, estimate=est.estimate, estimate_label=label,
                    ci_low=lo, ci_high=hi, ci_level=level, p_value=p, p_against=p_against,
                    alpha=alpha, min_effect=threshold, n_seeds=n_seeds, verdict=verdict,
                    refuted_as=how, details={**details, "se": est.se, "df": est.df},
                    claim_direction=ABOVE if claim == "above" else BELOW)


def exceeds(values: Sequence[float], reference: float, *, min_effect: float, alpha: float,
            label: str = "mean - reference", resolution: float | None = None) -> Evidence:
    """Does the mean of ``values`` exceed ``reference`` by at least ``min_effect``?
    One-sample t interval; ``resolution``: the metric's smallest step (module docstring)."""
    v = _sample(values, "exceeds")
    return _t_evidence(mean_of(v, reference, resolution=resolution), claim="above",
                       threshold=min_effect, test="one-sample t, minimum effect", label=label,
                       alpha=alpha, n_seeds=len(v),
                       details={"mean": float(v.mean()), "reference": reference},
                       resolution=resolution, floored=_floored(resolution, v))


def difference_exceeds(values: Sequence[float], baseline: Sequence[float], *, min_effect: float,
                       alpha: float, label: str = "mean - baseline mean",
                       resolution: float | None = None) -> Evidence:
    """Does mean(values) exceed mean(baseline) by at least ``min_effect``? Welch interval;
    ``resolution``: the metric's smallest step (module docstring)."""
    a, b = _sample(values, "difference_exceeds"), _sample(baseline, "difference_exceeds baseline")
    return _t_evidence(welch(a, b, resolution=resolution), claim="above", threshold=min_effect,
                       test="Welch t, minimum effect", label=label, alpha=alpha,
                       n_seeds=min(len(a), len(b)),
                       details={"mean": float(a.mean()), "baseline_mean": float(b.mean())},
                       resolution=resolution, floored=_floored(resolution, a, b))


def no_worse_than(values: Sequence[float], baseline: Sequence[float], *, margin: float,
                  alpha: float, label: str = "mean - baseline mean",
                  resolution: float | None = None) -> Evidence:
    """Non-inferiority, lower is better: is mean(values) - mean(baseline) below ``margin``?
    Supported when the Welch interval lies below the margin, refuted when it lies above;
    ``resolution``: the metric's smallest step (module docstring)."""
    a, b = _sample(values, "no_worse_than"), _sample(baseline, "no_worse_than baseline")
    return _t_evidence(welch(a, b, resolution=resolution), claim="below", threshold=margin,
                       test="Welch t, non-inferiority", label=label, alpha=alpha,
                       n_seeds=min(len(a), len(b)),
                       details={"mean": float(a.mean()), "baseline_mean": float(b.mean())},
                       resolution=resolution, floored=_floored(resolution, a, b))


def equivalent_to(values: Sequence[float], reference: float, *, margin: float, alpha: float,
                  label: str = "mean - reference", resolution: float | None = None) -> Evidence:
    """Equivalence (TOST): is the mean of ``values`` within ±``margin`` of ``reference``?
    Supported when the ``1 - 2·alpha`` t interval lies inside the margins, refuted when it lies
    wholly outside them; ``resolution``: the metric's smallest step (module docstring)."""
    _check_alpha(alpha)
    _check_positive("margin", margin)
    v = _sample(values, "equivalent_to")
    est = mean_of(v, reference, resolution=resolution)
    details = {"mean": float(v.mean()), "reference": reference}
    if resolution is not None:
        details.update(resolution=resolution,
                       sd_floored_at_resolution=_floored(resolution, v))
    if est.se == 0:
        return _zero_spread(alpha=alpha, threshold=margin, n_seeds=len(v), details=details)
    level = 1 - 2 * alpha
    lo, hi = est.interval(level)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        verdict, how = INCONCLUSIVE, ""
    elif -margin < lo and hi < margin:
        verdict, how = SUPPORTED, ""
    elif lo > margin or hi < -margin:
        verdict, how = REFUTED, BEYOND_MARGIN
    else:
        verdict, how = INCONCLUSIVE, ""
    p = max(est.p_above(-margin), est.p_below(margin))
    p_against = min(est.p_above(margin), est.p_below(-margin))
    return Evidence(test="TOST equivalence, one-sample t", statistic=est.t, estimate=est.estimate,
                    estimate_label=label, ci_low=lo, ci_high=hi, ci_level=level, p_value=p,
                    p_against=p_against, alpha=alpha, min_effect=margin, n_seeds=len(v),
                    verdict=verdict, refuted_as=how, claim_direction=WITHIN,
                    details={**details, "se": est.se})


def clopper_pearson(k: int, n: int, level: float) -> tuple[float, float]:
    """Exact two-sided interval for a binomial rate; each tail holds (1 - level) / 2."""
    tail = (1 - level) / 2
    lo = 0.0 if k == 0 else float(sps.beta.ppf(tail, k, n - k + 1))
    hi = 1.0 if k == n else float(sps.beta.ppf(1 - tail, k + 1, n - k))
    return lo, hi


def rate_exceeds(successes: int, n: int, *, rate: float, alpha: float,
                 label: str = "success rate") -> Evidence:
    """Is the probability of success above ``rate``, from ``successes`` out of ``n`` independent
    trials (seeds)? Exact binomial test and Clopper-Pearson interval: supported when the interval
    lies above ``rate``, refuted (negligible) when it lies below."""
    _check_alpha(alpha)
    if not 0.0 < rate < 1.0:
        raise ValueError(f"rate must be in (0, 1), got {rate!r}")
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if not (isinstance(successes, (int, np.integer)) and 0 <= successes <= n):
        raise ValueError(f"successes must be an integer in [0, {n}], got {successes!r}")
    level = 1 - 2 * alpha
    lo, hi = clopper_pearson(int(successes), int(n), level)
    verdict, how = INCONCLUSIVE, ""
    if lo > rate:
        verdict = SUPPORTED
    elif hi < rate:
        verdict, how = REFUTED, NEGLIGIBLE
    return Evidence(test="exact binomial over seeds, Clopper-Pearson", statistic=float(successes),
                    estimate=successes / n, estimate_label=label, ci_low=lo, ci_high=hi,
                    ci_level=level,
                    p_value=float(sps.binom.sf(successes - 1, n, rate)),
                    p_against=float(sps.binom.cdf(successes, n, rate)),
                    alpha=alpha, min_effect=rate, n_seeds=int(n), verdict=verdict,
                    refuted_as=how, claim_direction=ABOVE,
                    details={"successes": int(successes), "trials": int(n)})


def _headline_of(name: str, part: Evidence) -> dict:
    """The ``headline`` record of a combined claim whose headline is ``part``: the part's own
    headline when it is combined too (its path prefixed with ``name``), else its estimate."""
    inner = part.headline
    if inner:
        return {**inner, "part": f"{name} / {inner['part']}",
                "estimate_label": f"{name} / {inner['estimate_label']}"}
    return {"part": name, "estimate_label": f"{name}: {part.estimate_label}",
            "estimate": part.estimate, "ci_low": part.ci_low, "ci_high": part.ci_high,
            "ci_level": part.ci_level}


def all_of(parts: dict[str, Evidence], *, headline: str | None = None) -> Evidence:
    """A claim made of several statements that must all hold.

    Supported when every part is (intersection-union: p is the largest part p). Refuted when a
    part's ``p_against`` is below alpha / k for k parts (Bonferroni, so a true claim is refuted
    with probability at most alpha). The deciding part (the refuting one; else the first part
    that is not supported; else the part with the weakest support) decided the verdict: its
    estimate, interval and label are the record's. The ``headline`` part (by default the first)
    is the one a reader looks for first, the claim's main effect; its estimate and interval are
    kept in ``Evidence.headline``, so a table can show it beside the deciding part (G1's row
    leads with the gap's shrinkage, not a non-inferiority margin). Every part is kept in
    ``details``. A part that could not be computed (p NaN) counts as p = 1 on both sides.
    """
    if not parts:
        raise ValueError("all_of needs at least one part")
    headline = next(iter(parts)) if headline is None else headline
    if headline not in parts:
        raise ValueError(f"headline {headline!r} is not a part; parts: {list(parts)}")
    alphas = {e.alpha for e in parts.values()}
    if len(alphas) != 1:
        raise ValueError(f"all parts of a claim share one alpha, got {sorted(alphas)}")
    alpha = alphas.pop()
    k = len(parts)
    p_against = {name: min(1.0, _p_or_one(e.p_against) * k) for name, e in parts.items()}
    refuting = [n for n, e in parts.items() if e.verdict == REFUTED and p_against[n] < alpha]
    unsupported = [n for n, e in parts.items() if e.verdict != SUPPORTED]
    if refuting:
        verdict, decided_by = REFUTED, refuting[0]
    elif unsupported:
        verdict, decided_by = INCONCLUSIVE, unsupported[0]
    else:
        verdict, decided_by = SUPPORTED, max(parts, key=lambda n: parts[n].p_value)
    head = parts[decided_by]
    label = f"{decided_by}: {head.estimate_label}"
    if head.decided_by:
        label = f"{decided_by} / {head.estimate_label}"
    return replace(
        head, test="all of: " + "; ".join(f"{name} ({e.test})" for name, e in parts.items()),
        estimate_label=label, p_value=max(_p_or_one(e.p_value) for e in parts.values()),
        p_against=min(p_against.values()), n_seeds=min(e.n_seeds for e in parts.values()),
        verdict=verdict, refuted_as=head.refuted_as if verdict == REFUTED else "",
        decided_by=decided_by if not head.decided_by else f"{decided_by} / {head.decided_by}",
        details={name: e.to_dict() for name, e in parts.items()},
        headline=_headline_of(headline, parts[headline]),
    )


def any_of(parts: dict[str, Evidence]) -> Evidence:
    """A claim that holds when at least one of k candidate statements does, each tested at
    alpha / k (Bonferroni), so the family's error stays at most alpha = k · (part alpha).

    Supported when some part is; refuted when every part is (each refutation holds at its own
    level, so their intersection does too); inconclusive otherwise. Use it where the claim names
    no single comparison in advance ("some narrower width is better"), instead of picking the
    best-looking one, whose test would be biased (the winner's curse). The deciding part stands
    for the whole; there is no separate headline.
    """
    if not parts:
        raise ValueError("any_of needs at least one part")
    alphas = {e.alpha for e in parts.values()}
    if len(alphas) != 1:
        raise ValueError(f"all parts share one alpha, got {sorted(alphas)}")
    k = len(parts)
    family_alpha = alphas.pop() * k
    if family_alpha >= 0.5:
        raise ValueError(f"{k} parts at alpha {family_alpha / k} exceed a family alpha of 0.5")
    if any(e.verdict == SUPPORTED for e in parts.values()):
        verdict = SUPPORTED
        decided_by = min((n for n, e in parts.items() if e.verdict == SUPPORTED),
                         key=lambda n: parts[n].p_value)
    elif all(e.verdict == REFUTED for e in parts.values()):
        verdict, decided_by = REFUTED, max(parts, key=lambda n: parts[n].p_against)
    else:
        verdict, decided_by = INCONCLUSIVE, min(parts, key=lambda n: _p_or_one(parts[n].p_value))
    head = parts[decided_by]
    return replace(
        head, test=f"any of {k} (Bonferroni): " + "; ".join(parts),
        estimate_label=f"{decided_by}: {head.estimate_label}",
        p_value=min(1.0, k * min(_p_or_one(e.p_value) for e in parts.values())),
        p_against=max(_p_or_one(e.p_against) for e in parts.values()), alpha=family_alpha,
        n_seeds=min(e.n_seeds for e in parts.values()), verdict=verdict,
        refuted_as=head.refuted_as if verdict == REFUTED else "", decided_by=decided_by,
        details={name: e.to_dict() for name, e in parts.items()}, headline={},
    )


def mean_below(values: Sequence[float], bound: float, *, alpha: float,
               label: str = "mean", resolution: float | None = None) -> Evidence:
    """Is the mean of ``values`` below ``bound``? Supported when the one-sample t interval lies
    below it, refuted when it lies above. A training error of exactly 0 on every seed has no
    spread: pass ``resolution`` (1 / the number of examples) to decide it (module docstring)."""
    v = _sample(values, "mean_below")
    return _t_evidence(mean_of(v, resolution=resolution), claim="below", threshold=bound,
                       test="one-sample t, upper bound", label=label, alpha=alpha,
                       n_seeds=len(v), details={"mean": float(v.mean())},
                       resolution=resolution, floored=_floored(resolution, v))


def sd_below(values: Sequence[float], bound: float, *, alpha: float,
             label: str = "SD across seeds", resolution: float | None = None) -> Evidence:
    """Is the standard deviation of ``values`` across replicates below ``bound``? The exact
    chi-square interval for a normal sample's SD, (n − 1)s²/σ² ~ χ²(n − 1): supported when its
    upper end lies below the bound, refuted (beyond the margin) when its lower end lies above.
    An estimand that, unlike the mean of exchangeable differences (0 by symmetry), grows with
    the spread it bounds. ``resolution`` floors the sample SD as for the t tests."""
    _check_alpha(alpha)
    _check_positive("bound", bound)
    v = _sample(values, "sd_below")
    n = len(v)
    sd = sample_sd(v, resolution)
    details = {"mean": float(v.mean()), "sample_sd": float(v.std(ddof=1))}
    if resolution is not None:
        details.update(resolution=resolution, sd_floored_at_resolution=_floored(resolution, v))
    if sd == 0:
        return _zero_spread(alpha=alpha, threshold=bound, n_seeds=n, details=details)
    level = 1 - 2 * alpha
    q = (n - 1) * sd ** 2
    lo = math.sqrt(q / float(sps.chi2.ppf(1 - alpha, n - 1)))
    hi = math.sqrt(q / float(sps.chi2.ppf(alpha, n - 1)))
    verdict, how = margin_verdict(lo, hi, bound)
    statistic = q / bound ** 2
    return Evidence(test="chi-square bound on the SD", statistic=statistic, estimate=sd,
                    estimate_label=label, ci_low=lo, ci_high=hi, ci_level=level,
                    p_value=float(sps.chi2.cdf(statistic, n - 1)),
                    p_against=float(sps.chi2.sf(statistic, n - 1)), alpha=alpha,
                    min_effect=bound, n_seeds=n, verdict=verdict, refuted_as=how,
                    claim_direction=BELOW, details=details)


def monotone_part_name(direction: str, margin: float) -> str:
    """The name ``trend`` gives its second statement, as the verdict table shows it."""
    word = "worse" if direction == "decreasing" else "lower"
    return f"no point {word} than an earlier one by > {margin}"


def trend(values_by_point: Sequence[Sequence[float]], *, direction: str, min_effect: float,
          margin: float, alpha: float, points: Sequence, what: str,
          resolution: float | None = None) -> Evidence:
    """Does a metric move in ``direction`` along a sweep, all the way to its last point?

    Two statements, combined by ``all_of`` (the first is the headline):

    - *first to last*: the mean at the first point minus at the last (for 'decreasing'; the
      reverse for 'increasing') reaches ``min_effect`` (Welch interval);
    - *no point worse than an earlier one by more than* ``margin``: for every pair of points
      i < j, the mean at j is no worse than at i by more than the margin (one Welch
      non-inferiority test per pair, named "j vs i"; all must hold). That is "monotone within
      the margin", the statement's "all the way", as an intersection-union test: supported only
      if every pair is, so the k(k-1)/2 tests need no correction to support (each is at alpha),
      and refuted when one pair is refuted at alpha over the number of pairs (``all_of``).

    An ordered-trend test alone passes a sweep that rises again at its end (errors 60, 50, 42,
    36, 34, 36, 38 % have a significant decreasing trend). Testing only the last point against
    each earlier one (the rule before this) passes a hump in the middle; testing only
    neighbours passes a creeping rise (each step within the margin, their sum far beyond it).
    Every pair catches all three. Power: the binding pairs are the neighbours, whose true
    difference is the smallest step; ``tests/test_stats_calibration.py`` measures it.
    ``resolution``: the metric's smallest step (module docstring).
    """
    if direction not in ("decreasing", "increasing"):
        raise ValueError(f"direction must be 'decreasing' or 'increasing', got {direction!r}")
    groups = [_sample(g, f"{what} at {p}") for g, p in zip(values_by_point, points)]
    if len(groups) < 2 or len(groups) != len(points):
        raise ValueError(f"need one group per point and at least 2 points; got {len(groups)} "
                         f"groups for {len(points)} points")
    sign = 1.0 if direction == "decreasing" else -1.0
    first, last = groups[0] * sign, groups[-1] * sign
    pairs = {}
    for j in range(1, len(groups)):
        for i in range(j):
            pairs[f"{points[j]} vs {points[i]}"] = no_worse_than(
                groups[j] * sign, groups[i] * sign, margin=margin, alpha=alpha,
                resolution=resolution,
                label=(f"{what} at {points[j]} - at {points[i]}" if sign > 0
                       else f"{what} at {points[i]} - at {points[j]}"))
    evidence = all_of({
        "first to last": difference_exceeds(
            first, last, min_effect=min_effect, alpha=alpha, resolution=resolution,
            label=(f"{what} at {points[0]} - at {points[-1]}" if sign > 0
                   else f"{what} at {points[-1]} - at {points[0]}")),
        monotone_part_name(direction, margin): all_of(pairs),
    })
    return replace(evidence, details={
        **evidence.details, "points": [str(p) for p in points],
        "means": [float(g.mean()) for g in groups], "sds": [float(g.std(ddof=1)) for g in groups],
        "group_sizes": [len(g) for g in groups]})


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment (family-wise error at most alpha for any dependence)."""
    p = np.asarray(p_values, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adjusted[i] = running
    return adjusted.tolist()


def is_published_fact(evidence: Evidence) -> bool:
    """Whether ``evidence`` judges a published number rather than this session's runs: marked
    with ``details[PUBLISHED_FACT]``, or recognised as ``harness.facts`` writes it (a test on a
    published specification or measurement, or a decided record with no seeds). Its p is fixed
    by the publication (0 or 1 for an exact count), the same in every session: no draw of the
    session's family of tests."""
    return (bool(evidence.details.get(PUBLISHED_FACT))
            or evidence.test.startswith(PUBLISHED_FACT_TESTS)
            or (evidence.n_seeds == 0 and evidence.test != UNDECIDABLE_TEST))


@dataclass(frozen=True)
class FamilyReading:
    """One claim read as a member of a family (``holm_family``): its supporting and refuting
    p-values Holm-adjusted over the family, the adjusted p of the decision the claim took, and
    the verdict that survives at the family's alpha (its own, or inconclusive)."""

    p_supporting: float
    p_refuting: float
    p_decision: float
    verdict: str
    refuted_as: str = ""

    @property
    def verdict_words(self) -> str:
        return f"{self.verdict} ({self.refuted_as})" if self.refuted_as else self.verdict


def holm_family(evidence: Sequence[Evidence], *, alpha: float) -> list[FamilyReading]:
    """Holm's adjustment over the 2m one-sided hypotheses of m claims, at family ``alpha``.

    Every claim is two tests: the supporting one (H0: the claim is false at its boundary,
    ``p_value``) and the refuting one (H0: it holds at its boundary, ``p_against``), and either
    can err. Adjusting only each claim's decision p (the side the data fell on) counts one test
    per claim where two were run: at the boundary that p is min(U, 1 - U), and the family's
    error reaches 2·alpha. Holm over all 2m p-values bounds the probability of *any* wrong
    verdict, a false supported or a false refuted, by ``alpha`` under any dependence (Holm 1979).
    A verdict survives when the adjusted p of its own test is below ``alpha``; otherwise its
    family reading is inconclusive. The adjustment never makes a verdict: an inconclusive claim
    stays inconclusive. A p that could not be computed counts as 1 (the claim stays in the
    family, which is fixed by the claims run, not by their data).
    """
    _check_alpha(alpha)
    adjusted = holm([_p_or_one(p) for e in evidence for p in (e.p_value, e.p_against)])
    readings = []
    for k, e in enumerate(evidence):
        supporting, refuting = adjusted[2 * k], adjusted[2 * k + 1]
        if e.verdict == SUPPORTED:
            p_decision, keeps = supporting, supporting < alpha
        elif e.verdict == REFUTED:
            p_decision, keeps = refuting, refuting < alpha
        else:
            p_decision, keeps = min(supporting, refuting), False
        readings.append(FamilyReading(
            p_supporting=supporting, p_refuting=refuting, p_decision=p_decision,
            verdict=e.verdict if keeps else INCONCLUSIVE,
            refuted_as=e.refuted_as if keeps else ""))
    return readings


# -- diverged runs --------------------------------------------------------------------------

def _samples_in(value) -> tuple[str, list[np.ndarray]] | None:
    """The measurements in one argument of a judgement, with how they came: ``'one'`` (a 1-D
    float sample), ``'list'`` (a list or tuple of them, one per sweep point) or ``'rows'`` (a
    2-D float array, one row per point); None for anything else (labels, widths, options)."""
    if isinstance(value, (list, tuple)) and value and all(np.ndim(v) == 1 for v in value):
        samples = [np.asarray(v) for v in value]
        if all(s.dtype.kind == "f" for s in samples):
            return "list", [s.astype(float) for s in samples]
        return None
    if not isinstance(value, (list, tuple, np.ndarray)):
        return None
    arr = np.asarray(value)
    if arr.dtype.kind != "f" or arr.ndim not in (1, 2):
        return None
    return ("one", [arr.astype(float)]) if arr.ndim == 1 else ("rows", list(arr.astype(float)))


def _rebuilt(kind: str, samples: list[np.ndarray]):
    """Samples put back in the form they came in (rows of unequal length as a list)."""
    if kind == "one":
        return samples[0]
    if kind == "rows" and len({len(s) for s in samples}) == 1:
        return np.stack(samples)
    return list(samples)


def _diverged_counts(kind: str, samples: list[np.ndarray]) -> int | list[int]:
    counts = [int((~np.isfinite(s)).sum()) for s in samples]
    return counts[0] if kind == "one" else counts


def _bind(judge: Callable, args: tuple, kwargs: dict) -> inspect.BoundArguments | None:
    try:
        return inspect.signature(judge).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return None  # the judge's own call reports the mistake


def _alpha_of(bound: inspect.BoundArguments) -> float:
    alpha = bound.arguments.get("alpha")
    return float(alpha) if isinstance(alpha, float) and 0 < alpha < 0.5 else UNDECIDABLE_ALPHA


def counting_diverged(worst: float | Mapping[str, float]) -> Callable[[Callable[..., Evidence]],
                                                                      Callable[..., Evidence]]:
    """Count a diverged run against the arm it diverged in: the default for every claim.

    ``@counting_diverged(worst=1.0)`` on a judgement replaces every non-finite value (a run whose
    metric is NaN or infinite) in each sample it receives by ``worst``, the metric's worst value
    that the caller names (1.0 for an error rate, 0.0 for an accuracy, a stated worst loss), or by
    ``worst[name]`` for the argument ``name`` when a mapping is given. This is the
    intention-to-treat rule (every run counted in the arm it was assigned to): dropping the runs
    that diverged compares the survivors of each arm, and when one arm diverges more often that
    conditions on the outcome and can make the worse arm look as good (measured in
    ``tests/test_stats_calibration.py``). Values keep their positions, so samples paired by seed
    stay paired. ``details['diverged_runs']`` counts the replaced values per argument (a list,
    one count per sweep point, for a list of samples); ``details['diverged_as']`` says what they
    counted as.

    A sample where every run diverged is counted too (every value the worst). When every run of
    every sample diverged, or a sample with diverged runs has no worst value named, the claim is
    undecidable, saying why: never a traceback. The t tests assume roughly normal samples; one
    mixing the worst value with finite ones is far from it, and a divergence rate p below about
    1/n hides in n seeds with probability (1 - p)^n, where no test can see it.
    """
    if isinstance(worst, Mapping):
        for name, value in worst.items():
            _check_finite_worst(f"worst[{name!r}]", value)
    else:
        _check_finite_worst("worst", worst)

    def decorate(judge: Callable[..., Evidence]) -> Callable[..., Evidence]:
        @functools.wraps(judge)
        def judged(*args, **kwargs):
            bound = _bind(judge, args, kwargs)
            if bound is None:
                return judge(*args, **kwargs)
            counts, missing, sizes, finite = {}, [], [], 0
            for name, value in list(bound.arguments.items()):
                found = _samples_in(value)
                if found is None:
                    continue
                kind, samples = found
                counts[name] = _diverged_counts(kind, samples)
                sizes += [len(s) for s in samples]
                finite += sum(int(np.isfinite(s).sum()) for s in samples)
                if all(np.isfinite(s).all() for s in samples):
                    continue
                value_worst = worst.get(name) if isinstance(worst, Mapping) else worst
                if value_worst is None:
                    missing.append(name)
                    continue
                bound.arguments[name] = _rebuilt(kind, [
                    np.where(np.isfinite(s), s, float(value_worst)) for s in samples])
            reason = ""
            if sizes and not finite:
                reason = (f"every run diverged ({sum(sizes)} non-finite values): nothing was "
                          f"measured")
            elif missing:
                reason = (f"diverged runs in {', '.join(missing)} and no worst value named for "
                          f"{'it' if len(missing) == 1 else 'them'} (counting_diverged(worst=...))")
            if reason:
                return undecidable(reason, alpha=_alpha_of(bound), min_effect=math.nan,
                                   n_seeds=min(sizes), details={"diverged_runs": counts})
            evidence = judge(*bound.args, **bound.kwargs)
            diverged_as = dict(worst) if isinstance(worst, Mapping) else float(worst)
            return replace(evidence, details={**evidence.details, "diverged_runs": counts,
                                              "diverged_as": diverged_as})
        return judged
    return decorate


def _check_finite_worst(what: str, value) -> None:
    if isinstance(value, bool) or not (isinstance(value, (int, float, np.number))
                                       and math.isfinite(value)):
        raise ValueError(f"{what} must be a finite number (the metric's worst value), got "
                         f"{value!r}")


def excluding_diverged(judge: Callable[..., Evidence] | None = None, *, paired: bool = False):
    """The sensitivity analysis to ``counting_diverged``: drop diverged runs instead.

    A diverged run (its metrics NaN or infinite) is excluded from every sample the judgement
    receives and counted in ``details['diverged_runs_excluded']`` (in all) and
    ``details['diverged_runs']`` (per argument). Dropping runs conditions on the outcome: when
    one arm diverges more often, its survivors are a selected sample, and the comparison can
    call a worse arm no worse (measured in ``tests/test_stats_calibration.py``). So a claim
    decides with ``counting_diverged`` and may report this beside it, as the reading "excluding
    diverged runs"; it stays the rule only where divergence cannot depend on the arm.

    ``@excluding_diverged(paired=True)`` is for samples paired by position (arms sharing seeds):
    a position that diverged in any sample is dropped from every sample, which must all have
    one length, so no run is paired with another seed's. Unpaired (plain ``@excluding_diverged``)
    each sample loses only its own diverged runs. If a sample is left with fewer than 2 runs
    (every run diverged, say) the claim is inconclusive, saying so: never a traceback.
    """
    if judge is None:
        return functools.partial(excluding_diverged, paired=paired)

    @functools.wraps(judge)
    def judged(*args, **kwargs):
        bound = _bind(judge, args, kwargs)
        if bound is None:
            return judge(*args, **kwargs)
        found = {name: f for name, f in ((n, _samples_in(v)) for n, v in bound.arguments.items())
                 if f is not None}
        flat = [s for _, samples in found.values() for s in samples]
        lengths = sorted({len(s) for s in flat})
        if paired and len(lengths) > 1:
            raise ValueError(f"excluding_diverged(paired=True) needs samples of one length (one "
                             f"run per seed), got lengths {lengths}")
        common = np.logical_and.reduce([np.isfinite(s) for s in flat]) if paired and flat \
            else None
        counts, excluded, smallest = {}, 0, math.inf
        for name, (kind, samples) in found.items():
            counts[name] = _diverged_counts(kind, samples)
            excluded += sum(int((~np.isfinite(s)).sum()) for s in samples)
            kept = [s[common if common is not None else np.isfinite(s)] for s in samples]
            smallest = min([smallest] + [len(s) for s in kept])
            bound.arguments[name] = _rebuilt(kind, kept)
        if excluded and smallest < 2:
            return undecidable(f"{excluded} diverged run(s) excluded, leaving fewer than 2 runs "
                               f"in some sample", alpha=_alpha_of(bound), min_effect=math.nan,
                               n_seeds=int(smallest), details={"diverged_runs": counts})
        evidence = judge(*bound.args, **bound.kwargs)
        return replace(evidence, details={**evidence.details, "diverged_runs_excluded": excluded,
                                          "diverged_runs": counts})
    return judged


def undecidable(reason: str, *, alpha: float, min_effect: float, n_seeds: int,
                details: dict | None = None) -> Evidence:
    """An inconclusive record for data that cannot decide the claim (every run diverged, no
    spread to measure), so the claim reports why instead of crashing."""
    nan = float("nan")
    return Evidence(test=UNDECIDABLE_TEST, statistic=nan, estimate=nan, estimate_label=reason,
                    ci_low=nan, ci_high=nan, ci_level=1 - 2 * alpha, p_value=nan, alpha=alpha,
                    min_effect=min_effect, n_seeds=n_seeds, verdict=INCONCLUSIVE,
                    details={**(details or {}), "reason": reason})
