"""Operating characteristics of the claims' tests, measured by simulation.

How often does each test call a claim supported, refuted or inconclusive when the truth is
known? Seeds are simulated as normal draws (or Bernoulli successes for rates) around a chosen true
effect, fed to the very functions the claims call, and the verdicts counted. ``tests/`` asserts
the bounds the decision rule promises; ``python -m harness.calibration`` prints the table the
README shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .stats import (REFUTED, SUPPORTED, difference_exceeds, equivalent_to, exceeds, mean_of,
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


def trend_scenarios(n: int = 6, delta: float = 0.02, sd: float = 0.01) -> list[Scenario]:
    """Seven sweep points: flat (no effect); a steady fall of Δ in all (the boundary); a fall
    of 3Δ; and a fall of 3Δ that rises again by Δ at the last point."""
    shapes = {"flat": [0.0] * 7,
              "falls by Δ": list(np.linspace(delta, 0, 7)),
              "falls by 3Δ": list(np.linspace(3 * delta, 0, 7)),
              "falls by 3Δ, last rises by Δ": list(np.linspace(3 * delta, 0, 6)) + [delta]}
    return [Scenario("trend (first to last + no late reversal)", f"7 points x {n} seeds, "
                     f"sd = Δ/2", truth,
                     lambda rng, m=means: trend([rng.normal(x, sd, n) for x in m],
                                                direction="decreasing", min_effect=delta,
                                                margin=delta, alpha=ALPHA,
                                                points=list(range(7)), what="metric"))
            for truth, means in shapes.items()]


def all_scenarios() -> list[Scenario]:
    return ([s for n in (3, 4, 6) for s in min_effect_scenarios(n)] + margin_scenarios(6)
            + rate_scenarios() + trend_scenarios())


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
    for n in (3, 4, 6):
        print(f"coverage at {n} seeds per group:", coverage(n, reps=20000),
              "skewed:", coverage(n, reps=20000, skewed=True))
