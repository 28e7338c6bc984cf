"""Operating characteristics of the claims' tests, measured by simulation.

How often does each test call a claim supported, refuted or inconclusive when the truth is
known? Seeds are simulated as normal draws (or Bernoulli successes for rates) around a chosen true
effect, fed to the very functions the claims call, and the verdicts counted. ``tests/`` asserts
the bounds the decision rule promises; ``python -m harness.calibration`` prints the table the
README shows.

Beyond the single tests: a metric measured in steps (``resolution_scenarios``: zero spread is
the usual sample), a sweep with a hump in the middle (``trend_scenarios``), a session of many
claims read as one family (``session_error_rates``: Holm over every claim's two one-sided tests)
and an arm that diverges more often than its comparator (``divergence_scenarios``: counting a
diverged run as the worst value against dropping it).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .stats import (INCONCLUSIVE, REFUTED, SUPPORTED, Evidence, counting_diverged,
                    difference_exceeds, equivalent_to, exceeds, excluding_diverged,
                    holm, holm_family, margin_verdict, mean_below, mean_of,
                    no_worse_than, rate_exceeds, trend, welch)

ALPHA = 0.01


@dataclass(frozen=True)
class Scenario:
    """One row: a test, its design, a true state of the world and the draws it makes."""

    test: str
    design: str
    truth: str
    draw: Callable[[np.random.Generator], object]  # rng -> Evidence


def rates(scenario: Scenario, reps: int, seed: int = 0) -> dict[str, float]:
    """Fractions of ``reps`` simulated experiments called supported / refuted / inconclusive."""
    rng = np.random.default_rng(seed)
    verdicts = [scenario.draw(rng).verdict for _ in range(reps)]
    supported = verdicts.count(SUPPORTED) / reps
    refuted = verdicts.count(REFUTED) / reps
    return {"supported": supported, "refuted": refuted,
            "inconclusive": 1.0 - supported - refuted}


def min_effect_scenarios(n: int, delta: float = 0.02, sd: float = 0.02) -> list[Scenario]:
    """Welch (two groups of n) and one-sample t (n) at true effects 0, Δ and 2Δ, spread sd."""
    out = []
    for k, truth in ((0, "no effect"), (1, "effect = Δ"), (2, "effect = 2Δ")):
        def two(rng, k=k):
            return difference_exceeds(rng.normal(k * delta, sd, n), rng.normal(0, sd, n),
                                      min_effect=delta, alpha=ALPHA)

        def one(rng, k=k):
            return exceeds(rng.normal(k * delta, sd, n), 0.0, min_effect=delta, alpha=ALPHA)
        out.append(Scenario("Welch t, minimum effect", f"{n} + {n} seeds, sd = Δ", truth, two))
        out.append(Scenario("one-sample t, minimum effect", f"{n} seeds, sd = Δ", truth, one))
    return out


def margin_scenarios(n: int, margin: float = 0.01, sd: float = 0.005) -> list[Scenario]:
    """Non-inferiority (Welch) and equivalence (TOST) at a true difference at the margin
    (the claim false at its boundary), at half the margin and at zero."""
    out = []
    for diff, truth in ((margin, "difference = margin"), (margin / 2, "difference = margin/2"),
                        (0.0, "difference = 0")):
        def ni(rng, diff=diff):
            return no_worse_than(rng.normal(diff, sd, n), rng.normal(0, sd, n), margin=margin,
                                 alpha=ALPHA)

        def eq(rng, diff=diff):
            return equivalent_to(rng.normal(diff, sd, n), 0.0, margin=margin, alpha=ALPHA)
        out.append(Scenario("Welch t, non-inferiority", f"{n} + {n} seeds, sd = margin/2",
                            truth, ni))
        out.append(Scenario("TOST equivalence", f"{n} seeds, sd = margin/2", truth, eq))
    return out


def rate_scenarios(n: int = 12, rate: float = 0.5) -> list[Scenario]:
    """Seeds succeeding with probability 0.5 (the bound), 0.9 and 0.97."""
    return [Scenario("binomial over seeds", f"{n} seeds, bound {rate}", f"success rate = {p}",
                     lambda rng, p=p: rate_exceeds(int(rng.binomial(n, p)), n, rate=rate,
                                                   alpha=ALPHA))
            for p in (rate, 0.9, 0.97)]


TREND_TEST = "trend (first to last + no point worse than an earlier one)"


def trend_shapes(delta: float = 0.02) -> dict[str, list[float]]:
    """True means at seven sweep points, by name: flat (no effect); a steady fall of Δ in all
    (the boundary of the first statement); steady falls of 3Δ and 6Δ (Δ/2 and Δ a step); a
    fall of 3Δ that rises again by Δ at the last point (the boundary of the second); the same
    fall with a hump in the middle (point 3 rises 3Δ above point 2, then the fall resumes); and
    a fall of 6Δ that creeps back up by 0.75Δ a step over its last three points (each step
    within the margin, 2.25Δ in all)."""
    fall = list(np.linspace(3 * delta, 0, 7))
    hump = list(fall)
    hump[3] = fall[2] + 3 * delta
    creep = list(np.linspace(6 * delta, 0, 4)) + [0.75 * delta * k for k in (1, 2, 3)]
    return {"flat": [0.0] * 7,
            "falls by Δ": list(np.linspace(delta, 0, 7)),
            "falls by 3Δ": fall,
            "falls by 6Δ": list(np.linspace(6 * delta, 0, 7)),
            "falls by 3Δ, last rises by Δ": list(np.linspace(3 * delta, 0, 6)) + [delta],
            "falls by 3Δ, hump of 3Δ at point 3": hump,
            "falls by 6Δ, then creeps up 0.75Δ a step": creep}


def trend_scenarios(n: int = 6, delta: float = 0.02, sd: float = 0.01) -> list[Scenario]:
    """``trend`` at the shapes of ``trend_shapes``, margin = Δ, n seeds per point of spread sd
    (Δ/2 by default)."""
    spread = "Δ/2" if sd == delta / 2 else f"{sd:g}"
    return [Scenario(TREND_TEST, f"7 points x {n} seeds, sd = {spread}", truth,
                     lambda rng, m=means: trend([rng.normal(x, sd, n) for x in m],
                                                direction="decreasing", min_effect=delta,
                                                margin=delta, alpha=ALPHA,
                                                points=list(range(7)), what="metric"))
            for truth, means in trend_shapes(delta).items()]


RESOLUTION_TEST = "one-sample t bound, SD floored at the resolution"


def stepped_errors(rng: np.random.Generator, n: int, *, low: float, step: float,
                   above: float) -> np.ndarray:
    """n seeds of an error rate that moves in steps of ``step`` and whose true spread is far
    below one: each seed measures ``low``, or ``low + step`` with probability ``above``."""
    return low + step * rng.binomial(1, above, n)


def zero_width_verdict(values: np.ndarray, bound: float) -> str:
    """The rule before the resolution floor, kept only for contrast: a sample with zero spread
    got a zero-width interval at its mean."""
    est = mean_of(values)
    lo, hi = est.interval(1 - 2 * ALPHA) if est.se else (est.estimate, est.estimate)
    return margin_verdict(lo, hi, bound)[0]


def resolution_scenarios(n: int = 6, step: float = 1 / 4000,
                         fractions: tuple[float, ...] = (0.05, 0.15, 0.5)) -> list[Scenario]:
    """G4's "memorizes" part (``mean_below``, bound 1 %, ``resolution`` = 1/4000) on error rates
    that move in steps of 1/4000 with a true spread far below a step. At the boundary, seeds
    measure 39/4000, or 40/4000 with probability f, and the bound is set at their true mean
    39/4000 + f/4000: most samples show no spread at all (probability (1 - f)^n). The last row
    is G4's truth (every seed fits its 4000 examples) against the 1 % bound."""
    low = 39 * step
    out = [Scenario(RESOLUTION_TEST, f"{n} seeds, steps of 1/4000", f"mean = bound, f = {f}",
                    lambda rng, f=f: mean_below(stepped_errors(rng, n, low=low, step=step,
                                                               above=f),
                                                low + f * step, alpha=ALPHA, resolution=step))
           for f in fractions]
    out.append(Scenario(RESOLUTION_TEST, f"{n} seeds, steps of 1/4000", "every seed at 0",
                        lambda rng: mean_below(np.zeros(n), 0.01, alpha=ALPHA,
                                               resolution=step)))
    return out


def zero_width_rate(n: int, f: float, reps: int, seed: int = 0,
                    step: float = 1 / 4000) -> float:
    """How often the zero-width rule called ``resolution_scenarios``' boundary supported."""
    rng = np.random.default_rng(seed)
    low = 39 * step
    return sum(zero_width_verdict(stepped_errors(rng, n, low=low, step=step, above=f),
                                  low + f * step) == SUPPORTED for _ in range(reps)) / reps


def _diverging(rng: np.random.Generator, n: int, rate: float, mean: float,
               sd: float) -> np.ndarray:
    """n runs of a test error N(mean, sd), each diverged (NaN) with probability ``rate``."""
    values = rng.normal(mean, sd, n)
    values[rng.random(n) < rate] = np.nan
    return values


DIVERGENCE_TEST = "non-inferiority with diverged runs"


def divergence_scenarios(n: int = 8, margin: float = 0.01, sd: float = 0.005,
                         rates: tuple[float, float] = (0.5, 0.1)) -> list[Scenario]:
    """Arm A diverges with probability 0.5, arm B with 0.1; the finite test errors of both are
    N(0.3, sd). "A is no worse than B" (``no_worse_than``, margin 1 pp) is false as a statement
    about the arms (A's expected error, a diverged run counted as 1.0, is 0.65, B's 0.37), and
    true only of the survivors. One row per rule: ``excluding_diverged`` (the survivors) and
    ``counting_diverged(worst=1.0)``."""
    def judge(a, b):
        return no_worse_than(a, b, margin=margin, alpha=ALPHA)
    rules = {"excluding diverged runs": excluding_diverged(judge),
             "counting diverged runs as error 1.0": counting_diverged(worst=1.0)(judge)}
    return [Scenario(DIVERGENCE_TEST, f"{n} + {n} seeds, A diverges {rates[0]}, B {rates[1]}",
                     rule, lambda rng, j=j: j(_diverging(rng, n, rates[0], 0.3, sd),
                                              _diverging(rng, n, rates[1], 0.3, sd)))
            for rule, j in rules.items()]


def boundary_session(rng: np.random.Generator, m: int = 30, n: int = 6, delta: float = 0.02,
                     sd: float = 0.02) -> list[Evidence]:
    """One simulated session of m claims, each at its boundary: half minimum-effect claims
    (Welch) whose true effect is exactly Δ, half non-inferiority claims whose true difference is
    exactly the margin (Δ). At the boundary a supported verdict and a refuted one are both
    wrong."""
    half = m // 2
    return ([difference_exceeds(rng.normal(delta, sd, n), rng.normal(0, sd, n),
                                min_effect=delta, alpha=ALPHA) for _ in range(half)]
            + [no_worse_than(rng.normal(delta, sd, n), rng.normal(0, sd, n), margin=delta,
                             alpha=ALPHA) for _ in range(m - half)])


def session_error_rates(reps: int, *, m: int = 30, seed: int = 0) -> dict[str, float]:
    """P(any wrong verdict in a session of m boundary claims): claim by claim at alpha, Holm
    over each claim's decision p (the rule before, which counts one test per claim), and Holm
    over all 2m one-sided p-values (``holm_family``)."""
    rng = np.random.default_rng(seed)
    wrong = {"per claim": 0, "Holm over decision p": 0, "Holm over 2m one-sided p": 0}
    for _ in range(reps):
        session = boundary_session(rng, m)
        wrong["per claim"] += any(e.verdict != INCONCLUSIVE for e in session)
        adjusted = holm([e.decision_p for e in session])
        wrong["Holm over decision p"] += any(e.verdict != INCONCLUSIVE and p < ALPHA
                                             for e, p in zip(session, adjusted))
        wrong["Holm over 2m one-sided p"] += any(
            r.verdict != INCONCLUSIVE for r in holm_family(session, alpha=ALPHA))
    return {rule: count / reps for rule, count in wrong.items()}


def all_scenarios() -> list[Scenario]:
    return ([s for n in (3, 4, 6) for s in min_effect_scenarios(n)] + margin_scenarios(6)
            + rate_scenarios() + trend_scenarios() + resolution_scenarios()
            + divergence_scenarios())


def coverage(n: int, *, reps: int, seed: int = 0, level: float = 1 - 2 * ALPHA,
             skewed: bool = False) -> dict[str, float]:
    """How often the ``level`` Welch interval of a mean difference (two groups of n with
    unequal spreads, 1 and 3) and the one-sample t interval contain the true value."""
    rng = np.random.default_rng(seed)
    hits_two = hits_one = 0
    for _ in range(reps):
        if skewed:
            a, b = rng.lognormal(0, 0.5, n), 3 * rng.lognormal(0, 0.5, n)
            true = np.exp(0.125) - 3 * np.exp(0.125)
        else:
            a, b, true = rng.normal(0, 1, n), rng.normal(0, 3, n), 0.0
        lo, hi = welch(a, b).interval(level)
        hits_two += lo <= true <= hi
        lo, hi = mean_of(a, np.exp(0.125) if skewed else 0.0).interval(level)
        hits_one += lo <= 0.0 <= hi
    return {"welch": float(hits_two) / reps, "one-sample t": float(hits_one) / reps}


def table(reps: int = 4000) -> list[str]:
    lines = ["| test | design | truth | P(supported) | P(refuted) | P(inconclusive) |",
             "|---|---|---|---|---|---|"]
    for s in all_scenarios():
        r = rates(s, reps)
        lines.append(f"| {s.test} | {s.design} | {s.truth} | {r['supported']:.3f} | "
                     f"{r['refuted']:.3f} | {r['inconclusive']:.3f} |")
    return lines


if __name__ == "__main__":
    for line in table():
        print(line)
    print("a session of 30 claims at their boundary, P(any wrong verdict):",
          session_error_rates(2000))
    for f in (0.05, 0.15, 0.5):
        print(f"zero-width rule at the resolution boundary, f = {f}: P(supported) =",
              zero_width_rate(6, f, 4000))
    for n in (3, 4, 6):
        print(f"coverage at {n} seeds per group:", coverage(n, reps=20000),
              "skewed:", coverage(n, reps=20000, skewed=True))
