"""Equal tuning effort: every arm picks its learning rate from a grid of the same size, by its
mean error on a validation draw of the data that the claim never evaluates on."""
from __future__ import annotations

from typing import Sequence

import numpy as np

DIVERGED_AS = 0.9  # a diverged seed counts as chance on ten classes


def chosen_rate(validation_error_by_rate: Sequence[Sequence[float]],
                rates: Sequence[float]) -> float:
    """The rate with the lowest mean validation error; a diverged seed counts as chance (90 %),
    so a rate that sometimes diverges is not chosen for its surviving seeds."""
    if len(validation_error_by_rate) != len(rates) or not len(rates):
        raise ValueError(f"need one group of validation errors per rate; got "
                         f"{len(validation_error_by_rate)} groups for {len(rates)} rates")
    means = [float(np.mean(np.nan_to_num(np.asarray(e, dtype=float), nan=DIVERGED_AS)))
             for e in validation_error_by_rate]
    return float(rates[int(np.argmin(means))])
