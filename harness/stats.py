"""Statistics as pure functions: arrays and an explicit ``rng`` in, an evidence record out.

The verdict rule is shared by every claim. Effects are signed so that a positive value points the
way the claim says. A claim is *supported* only when the test is significant at ``alpha`` AND the
estimated effect reaches the smallest effect that matters; it is *refuted* when the confidence
interval lies wholly below that smallest effect (the effect, if any, is too small to matter, or
points the other way); anything else is *inconclusive*.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import numpy as np
from scipy import stats as sps

SUPPORTED, REFUTED, INCONCLUSIVE = "supported", "refuted", "inconclusive"
VERDICTS = (SUPPORTED, REFUTED, INCONCLUSIVE)


@dataclass(frozen=True)
class Evidence:
    """What a claim measured and what it concludes; every field is reported."""

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
    details: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} not one of {VERDICTS}")

    def to_dict(self) -> dict:
        return asdict(self)


def verdict_for(p_value: float, alpha: float, estimate: float, ci_high: float,
                min_effect: float) -> str:
    if not all(map(math.isfinite, (p_value, estimate, ci_high))):
        return INCONCLUSIVE
    if p_value < alpha and estimate >= min_effect:
        return SUPPORTED
    if ci_high < min_effect:
        return REFUTED
    return INCONCLUSIVE


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def _groups(values: Sequence[Sequence[float]]) -> list[np.ndarray]:
    groups = [np.asarray(g, dtype=float) for g in values]
    if len(groups) < 2:
        raise ValueError(f"need at least 2 groups, got {len(groups)}")
    for i, g in enumerate(groups):
        if g.ndim != 1 or len(g) == 0:
            raise ValueError(f"group {i} must be a non-empty 1-D sequence, got shape {g.shape}")
        if not np.all(np.isfinite(g)):
            raise ValueError(f"group {i} has non-finite values: {g.tolist()}")
    return groups


def jonckheere_terpstra(values: Sequence[Sequence[float]], *, increasing: bool,
                        rng: np.random.Generator, n_permutations: int = 20000
                        ) -> tuple[float, float]:
    """Jonckheere–Terpstra test for an ordered trend across independent groups.

    ``values[k]`` holds the replicate measurements at the k-th point of the sweep, in sweep order.
    The statistic counts the between-group pairs (earlier group, later group) that follow the
    alternative, ties counting one half. The p-value is a one-sided permutation p-value, exact in
    distribution up to Monte-Carlo error and valid for ties and small groups.
    """
    groups = _groups(values)
    v = np.concatenate(groups)
    if not increasing:
        v = -v
    labels = np.concatenate([np.full(len(g), k) for k, g in enumerate(groups)])
    follows = (v[:, None] < v[None, :]) + 0.5 * (v[:, None] == v[None, :])

    def stat(lab: np.ndarray) -> np.ndarray:
        earlier = lab[..., :, None] < lab[..., None, :]
        return (earlier * follows).sum(axis=(-1, -2))

    observed = float(stat(labels))
    exceed = 0
    chunk = max(1, 2_000_000 // (len(v) ** 2))
    done = 0
    while done < n_permutations:
        m = min(chunk, n_permutations - done)
        perms = rng.permuted(np.broadcast_to(labels, (m, len(labels))), axis=1)
        exceed += int((stat(perms) >= observed - 1e-9).sum())
        done += m
    return observed, (1 + exceed) / (1 + n_permutations)


def stratified_bootstrap(values: Sequence[Sequence[float]],
                         statistic: Callable[[list[np.ndarray]], float], *,
                         rng: np.random.Generator, reps: int = 10000, level: float = 0.95
                         ) -> tuple[float, float]:
    """Percentile interval of ``statistic`` when each group is resampled within itself
    (seeds are independent within a sweep point; points are fixed by design).

    ``statistic`` receives one array per group, replicates on the last axis, and must reduce
    that axis (``lambda gs: gs[0].mean(-1) - gs[-1].mean(-1)``), so all draws run at once."""
    groups = _groups(values)
    picks = [g[rng.integers(0, len(g), (reps, len(g)))] for g in groups]  # (reps, n_k) each
    draws = np.asarray(statistic(picks), dtype=float)
    if draws.shape != (reps,):
        raise ValueError(f"statistic must reduce the last axis to shape ({reps},), got "
                         f"{draws.shape}")
    tail = (1 - level) / 2
    return float(np.quantile(draws, tail)), float(np.quantile(draws, 1 - tail))


def ordered_trend(values: Sequence[Sequence[float]], *, direction: str, alpha: float,
                  min_effect: float, rng: np.random.Generator, label: str = "",
                  center: str = "mean", n_permutations: int = 20000, reps: int = 10000
                  ) -> Evidence:
    """Does a metric move monotonically in ``direction`` along a sweep?

    Test: Jonckheere–Terpstra, one-sided. Effect: the ``center`` (mean, or median for
    heavy-tailed metrics such as the test MSE of ill-conditioned fits) at the first point minus
    at the last (for 'decreasing'; the reverse for 'increasing'), with a stratified bootstrap
    interval.
    """
    if direction not in ("decreasing", "increasing"):
        raise ValueError(f"direction must be 'decreasing' or 'increasing', got {direction!r}")
    if center not in ("mean", "median"):
        raise ValueError(f"center must be 'mean' or 'median', got {center!r}")
    _check_alpha(alpha)
    groups = _groups(values)
    sign = 1.0 if direction == "decreasing" else -1.0
    middle = (lambda a: a.mean(-1)) if center == "mean" else (lambda a: np.median(a, -1))
    effect = lambda gs: sign * (middle(gs[0]) - middle(gs[-1]))  # noqa: E731
    statistic, p = jonckheere_terpstra(groups, increasing=direction == "increasing", rng=rng,
                                       n_permutations=n_permutations)
    estimate = float(effect(groups))
    level = 1 - 2 * alpha
    lo, hi = stratified_bootstrap(groups, effect, rng=rng, reps=reps, level=level)
    return Evidence(
        test=f"Jonckheere-Terpstra ({direction}), permutation",
        statistic=statistic, estimate=estimate,
        estimate_label=label or f"{center} " + ("first - last" if sign > 0 else "last - first"),
        ci_low=lo, ci_high=hi, ci_level=level, p_value=p, alpha=alpha, min_effect=min_effect,
        n_seeds=min(len(g) for g in groups),
        verdict=verdict_for(p, alpha, estimate, hi, min_effect),
        details={"group_means": [float(g.mean()) for g in groups],
                 "group_medians": [float(np.median(g)) for g in groups],
                 "group_sizes": [len(g) for g in groups]},
    )


def clopper_pearson(k: int, n: int, level: float) -> tuple[float, float]:
    tail = (1 - level) / 2
    lo = 0.0 if k == 0 else float(sps.beta.ppf(tail, k, n - k + 1))
    hi = 1.0 if k == n else float(sps.beta.ppf(1 - tail, k + 1, n - k))
    return lo, hi


def all_rates_below(counts: Sequence[int], n: int, *, margin: float, alpha: float,
                    label: str = "worst rate") -> Evidence:
    """Is the event rate below ``margin`` for *every* replicate (e.g. training error per seed)?

    Each replicate's count of events out of ``n`` gets an exact one-sided binomial test of
    H0: rate ≥ margin. The claim is the intersection "all rates < margin", so its p-value is the
    largest per-replicate p-value (an intersection–union test, valid without correction). It is
    refuted when some replicate's rate is significantly above the margin.
    """
    _check_alpha(alpha)
    if not 0.0 < margin < 1.0:
        raise ValueError(f"margin must be in (0, 1), got {margin!r}")
    counts = [int(c) for c in counts]
    if not counts or any(c < 0 or c > n for c in counts):
        raise ValueError(f"counts must be in [0, {n}], got {counts}")
    p_below = [float(sps.binomtest(c, n, margin, alternative="less").pvalue) for c in counts]
    p_above = [float(sps.binomtest(c, n, margin, alternative="greater").pvalue) for c in counts]
    worst = max(counts)
    level = 1 - 2 * alpha
    lo, hi = clopper_pearson(worst, n, level)
    p = max(p_below)
    if p < alpha:
        verdict = SUPPORTED
    elif min(p_above) < alpha:
        verdict = REFUTED
    else:
        verdict = INCONCLUSIVE
    return Evidence(
        test="exact binomial per replicate, intersection-union", statistic=float(worst),
        estimate=worst / n, estimate_label=label, ci_low=lo, ci_high=hi, ci_level=level,
        p_value=p, alpha=alpha, min_effect=margin, n_seeds=len(counts), verdict=verdict,
        details={"counts": counts, "n": n, "rates": [c / n for c in counts]},
    )


def _sample(values: Sequence[float], what: str) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or len(v) < 2:
        raise ValueError(f"{what} needs at least 2 replicates in a 1-D sequence, got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{what} has non-finite values: {v.tolist()}")
    return v


def _t_interval(mean: float, se: float, df: float, level: float) -> tuple[float, float]:
    if se == 0:
        return mean, mean
    half = float(sps.t.ppf(0.5 + level / 2, df)) * se
    return mean - half, mean + half


def _welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Difference of means, its standard error, and the Welch–Satterthwaite degrees of freedom."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = float(np.sqrt(va + vb))
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1)) if se else 1.0
    return float(a.mean() - b.mean()), se, float(df)


def _t_p(estimate: float, threshold: float, se: float, df: float) -> float:
    """One-sided p of H0: true value <= threshold against H1: > threshold."""
    if se == 0:
        return 0.0 if estimate > threshold else 1.0
    return float(sps.t.sf((estimate - threshold) / se, df))


def _one_sample(values: Sequence[float], reference: float, alpha: float, what: str):
    """The sample, mean minus reference, its standard error, and the 1 - 2·alpha t interval."""
    _check_alpha(alpha)
    v = _sample(values, what)
    est, se = float(v.mean() - reference), float(v.std(ddof=1) / np.sqrt(len(v)))
    level = 1 - 2 * alpha
    return v, est, se, level, _t_interval(est, se, len(v) - 1, level)


def exceeds(values: Sequence[float], reference: float, *, min_effect: float, alpha: float,
            label: str = "mean - reference") -> Evidence:
    """Is the mean of ``values`` above ``reference``? One-sample one-sided t-test; supported
    when significant and the mean excess reaches ``min_effect``."""
    v, est, se, level, (lo, hi) = _one_sample(values, reference, alpha, "exceeds")
    n = len(v)
    p = _t_p(est, 0.0, se, n - 1)
    return Evidence(test="one-sample t-test, one-sided", statistic=est / se if se else math.inf,
                    estimate=est, estimate_label=label, ci_low=lo, ci_high=hi, ci_level=level,
                    p_value=p, alpha=alpha, min_effect=min_effect, n_seeds=n,
                    verdict=verdict_for(p, alpha, est, hi, min_effect),
                    details={"mean": float(v.mean()), "reference": reference})


def no_worse_than(values: Sequence[float], baseline: Sequence[float], *, margin: float,
                  alpha: float, label: str = "mean - baseline mean") -> Evidence:
    """Non-inferiority: is mean(values) - mean(baseline) below ``margin`` (lower is better)?

    Welch's one-sided t-test of H0: difference >= margin. Supported when rejected (the upper
    confidence bound is below the margin); refuted when the lower bound is above the margin.
    """
    _check_alpha(alpha)
    a, b = _sample(values, "no_worse_than"), _sample(baseline, "no_worse_than baseline")
    est, se, df = _welch(a, b)
    level = 1 - 2 * alpha
    lo, hi = _t_interval(est, se, df, level)
    p = _t_p(-est, -margin, se, df)
    verdict = SUPPORTED if p < alpha else (REFUTED if lo > margin else INCONCLUSIVE)
    return Evidence(test="Welch non-inferiority t-test, one-sided", statistic=est,
                    estimate=est, estimate_label=label, ci_low=lo, ci_high=hi, ci_level=level,
                    p_value=p, alpha=alpha, min_effect=margin, n_seeds=min(len(a), len(b)),
                    verdict=verdict,
                    details={"mean": float(a.mean()), "baseline_mean": float(b.mean())})


def equivalent_to(values: Sequence[float], reference: float, *, margin: float, alpha: float,
                  label: str = "mean - reference") -> Evidence:
    """Equivalence (TOST): is the mean of ``values`` within ±``margin`` of ``reference``?

    Two one-sided t-tests; p is the larger. Refuted when the ``1 - 2·alpha`` interval lies
    wholly outside the margin.
    """
    v, est, se, level, (lo, hi) = _one_sample(values, reference, alpha, "equivalent_to")
    n = len(v)
    p = max(_t_p(est, -margin, se, n - 1), _t_p(-est, -margin, se, n - 1))
    outside = lo > margin or hi < -margin
    verdict = SUPPORTED if p < alpha else (REFUTED if outside else INCONCLUSIVE)
    return Evidence(test="TOST equivalence, one-sample t-tests", statistic=est, estimate=est,
                    estimate_label=label, ci_low=lo, ci_high=hi, ci_level=level, p_value=p,
                    alpha=alpha, min_effect=margin, n_seeds=n, verdict=verdict,
                    details={"mean": float(v.mean()), "reference": reference})


def all_of(parts: dict[str, Evidence], *, headline: str) -> Evidence:
    """A claim made of several statements that must all hold (intersection-union).

    Supported only if every part is; refuted if any part is; p is the largest part p-value.
    The headline part's estimate and interval stand for the whole in the summary table.
    """
    if headline not in parts:
        raise ValueError(f"headline {headline!r} not among parts {list(parts)}")
    verdicts = [e.verdict for e in parts.values()]
    if all(v == SUPPORTED for v in verdicts):
        verdict = SUPPORTED
    elif any(v == REFUTED for v in verdicts):
        verdict = REFUTED
    else:
        verdict = INCONCLUSIVE
    head = parts[headline]
    return Evidence(
        test="all of: " + "; ".join(f"{k} ({e.test})" for k, e in parts.items()),
        statistic=head.statistic, estimate=head.estimate,
        estimate_label=f"{headline}: {head.estimate_label}", ci_low=head.ci_low,
        ci_high=head.ci_high, ci_level=head.ci_level,
        p_value=max(e.p_value for e in parts.values()), alpha=max(e.alpha for e in parts.values()),
        min_effect=head.min_effect, n_seeds=min(e.n_seeds for e in parts.values()),
        verdict=verdict, details={k: e.to_dict() for k, e in parts.items()},
    )


def difference_exceeds(values: Sequence[float], baseline: Sequence[float], *, min_effect: float,
                       alpha: float, label: str = "mean - baseline mean") -> Evidence:
    """Is mean(values) above mean(baseline)? Welch's one-sided t-test; supported when
    significant and the difference reaches ``min_effect``."""
    _check_alpha(alpha)
    a, b = _sample(values, "difference_exceeds"), _sample(baseline, "difference_exceeds baseline")
    est, se, df = _welch(a, b)
    level = 1 - 2 * alpha
    lo, hi = _t_interval(est, se, df, level)
    p = _t_p(est, 0.0, se, df)
    return Evidence(test="Welch t-test, one-sided", statistic=est / se if se else math.inf,
                    estimate=est, estimate_label=label, ci_low=lo, ci_high=hi, ci_level=level,
                    p_value=p, alpha=alpha, min_effect=min_effect, n_seeds=min(len(a), len(b)),
                    verdict=verdict_for(p, alpha, est, hi, min_effect),
                    details={"mean": float(a.mean()), "baseline_mean": float(b.mean())})


def undecidable(reason: str, *, alpha: float, min_effect: float, n_seeds: int) -> Evidence:
    """An inconclusive record for a design whose precondition the data did not meet (e.g. no
    width interpolated), so the claim reports why instead of crashing."""
    nan = float("nan")
    return Evidence(test="precondition not met", statistic=nan, estimate=nan,
                    estimate_label=reason, ci_low=nan, ci_high=nan, ci_level=1 - 2 * alpha,
                    p_value=nan, alpha=alpha, min_effect=min_effect, n_seeds=n_seeds,
                    verdict=INCONCLUSIVE, details={"reason": reason})
