"""Equal tuning effort: every arm picks its learning rate from a grid of the same size, by its
mean error on a validation draw of the data that the claim never evaluates on."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .premises import Premise, inside_grid

DIVERGED_AS = 0.9  # a diverged seed counts as chance on ten classes


def chosen_rate(validation_error_by_rate: Sequence[Sequence[float]],
                rates: Sequence[float]) -> float:
    """The rate with the lowest mean validation error; a diverged seed counts as chance (90 %),
    so a rate that sometimes diverges is not chosen for its surviving seeds."""
    if len(validation_error_by_rate) != len(rates) or not len(rates):
        raise ValueError(f"need one group of validation errors per rate; got "
                         f"{len(validation_error_by_rate)} groups for {len(rates)} rates")
    return float(rates[int(np.argmin(mean_validation_errors(validation_error_by_rate)))])


def mean_validation_errors(validation_error_by_rate: Sequence[Sequence[float]]) -> list[float]:
    """Per rate, the mean validation error with a diverged seed counted as chance."""
    return [float(np.mean(np.nan_to_num(np.asarray(e, dtype=float), nan=DIVERGED_AS)))
            for e in validation_error_by_rate]


def tuned_inside_grid(validation_error_by_rate: Sequence[Sequence[float]],
                      rates: Sequence[float], *, what: str, chance: float = DIVERGED_AS,
                      untrained_within: float = 0.02) -> Premise:
    """The premise of a tuned comparison: the chosen rate lies strictly inside its grid (one at
    an edge may be an edge of the grid, not an optimum), unless no rate of the grid trained
    the arm at all (every rate's mean validation error within ``untrained_within`` of chance),
    where the grid has shown the arm fails across its whole range."""
    means = mean_validation_errors(validation_error_by_rate)
    chosen = chosen_rate(validation_error_by_rate, rates)
    inside = inside_grid(chosen, rates, what=f"{what}'s learning rate")
    if inside.holds or min(means) < chance - untrained_within:
        return inside
    return Premise(inside.statement + " (or no rate of it trains)", True,
                   f"no rate trained: best mean validation error {min(means):.3f}")
