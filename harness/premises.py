"""Premises: what must be true of the runs before a claim's test means what its sentence says.

A claim about "networks past interpolation" says nothing about nets that do not interpolate; a
claim about "global optima" says nothing about endpoints far from a minimum; a learning rate
"tuned" on a grid whose best value sits at its edge was not tuned. An external review found such
premises written in docstrings and never checked. Here each is a measured ``Premise``, and
``given`` judges a claim only where every premise holds: otherwise the verdict is inconclusive,
naming the premise that failed and what was measured ("premise not met: width 128 interpolates
(every seed at most 1 training error in 4000); measured: worst seed 31 errors"). It is never a
pass and never a refutation: a failed premise says the experiment did not reach the regime the
sentence is about, not that the sentence is false.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Sequence

import numpy as np

from .stats import INCONCLUSIVE, Evidence

PREMISE_NOT_MET = "premise not met"


@dataclass(frozen=True)
class Premise:
    """One checked precondition: the statement, whether it holds, and what was measured."""

    statement: str
    holds: bool
    measured: str

    def __post_init__(self) -> None:
        if not self.statement.strip():
            raise ValueError("a premise needs a statement")
        if not isinstance(self.holds, (bool, np.bool_)):
            raise ValueError(f"premise {self.statement!r}: holds must be True or False, got "
                             f"{self.holds!r}")
        object.__setattr__(self, "holds", bool(self.holds))

    def to_dict(self) -> dict:
        return asdict(self)


def given(premises: Sequence[Premise], evidence: Evidence) -> Evidence:
    """``evidence`` if every premise holds; otherwise the same measurement, inconclusive, with
    the first failed premise as what decided it. Every premise, held or not, and the verdict
    the test alone would have given are kept in ``details``."""
    premises = list(premises)
    if not premises:
        raise ValueError("given() needs at least one premise; judge the evidence directly")
    details = {**evidence.details, "premises": [p.to_dict() for p in premises]}
    failed = [p for p in premises if not p.holds]
    if not failed:
        return replace(evidence, details=details)
    first = failed[0]
    details["verdict_without_premises"] = evidence.verdict_words
    return replace(evidence, verdict=INCONCLUSIVE, refuted_as="",
                   decided_by=f"{PREMISE_NOT_MET}: {first.statement}; measured: {first.measured}",
                   details=details)


def premise_failed(evidence: Evidence) -> bool:
    """Whether ``evidence`` is inconclusive because a premise was not met."""
    return evidence.decided_by.startswith(PREMISE_NOT_MET)


def _finite(values: Sequence[float]) -> np.ndarray:
    return np.asarray(values, dtype=float).ravel()


def interpolates(train_errors: Sequence[float], *, what: str, n_train: int,
                 errors_allowed: int = 1) -> Premise:
    """Every seed fits its training set: at most ``errors_allowed`` misclassified training
    examples out of ``n_train`` (a diverged seed does not fit)."""
    e = _finite(train_errors)
    counts = np.where(np.isfinite(e), np.rint(e * n_train), n_train)
    worst = int(counts.max()) if len(counts) else n_train
    return Premise(f"{what} interpolates (every seed at most {errors_allowed} training "
                   f"error{'s' if errors_allowed != 1 else ''} in {n_train})",
                   bool(len(e)) and worst <= errors_allowed,
                   f"worst seed {worst} training errors in {n_train}")


def near_a_minimum(train_losses: Sequence[float], *, what: str, bound: float) -> Premise:
    """Every endpoint is near a minimum of the training loss: its loss below ``bound`` (a
    diverged endpoint is not)."""
    v = _finite(train_losses)
    worst = float(np.nanmax(np.where(np.isfinite(v), v, math.inf))) if len(v) else math.inf
    return Premise(f"{what} ends near a minimum (training loss below {bound:g} on every seed)",
                   bool(len(v)) and worst < bound, f"worst seed training loss {worst:.3g}")


def inside_grid(chosen: float, grid: Sequence[float], *, what: str) -> Premise:
    """A value chosen from a grid (a tuned learning rate) lies strictly inside it: one at an
    edge may be an edge of the grid, not an optimum."""
    grid = sorted(float(g) for g in grid)
    if len(grid) < 3:
        raise ValueError(f"{what}: a grid needs at least 3 values to have an inside, got {grid}")
    if float(chosen) not in grid:
        raise ValueError(f"{what}: chosen value {chosen!r} is not in the grid {grid}")
    return Premise(f"{what} chosen strictly inside its grid {grid[0]:g} … {grid[-1]:g}",
                   grid[0] < float(chosen) < grid[-1], f"chosen {float(chosen):g}")


def few_diverged(values: Sequence[float], *, what: str, at_most: int) -> Premise:
    """No more than ``at_most`` runs of an arm diverged (a non-finite metric)."""
    v = _finite(values)
    diverged = int((~np.isfinite(v)).sum())
    return Premise(f"at most {at_most} diverged run{'s' if at_most != 1 else ''} in {what}",
                   diverged <= at_most, f"{diverged} of {len(v)} diverged")
