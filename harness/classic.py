"""Classic models in closed form, as the control for what networks do.

Polynomial least squares is the textbook case of the bias-variance trade-off: its degrees of
freedom are explicit (degree + 1), so the gap between train and test error can be related to them
directly. Legendre polynomials on [-1, 1] keep the least-squares problem well conditioned up to
high degree. Replicates draw fresh data sets, seeded like network runs.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any, Sequence

import numpy as np

from .config import DataSpec
from .data import load_dataset
from .seeding import derive_seed


def polynomial_fit_errors(spec: DataSpec, degree: int, ridge: float = 0.0) -> dict[str, float]:
    """Train and test mean squared error of a degree-``degree`` Legendre least-squares fit
    (with an optional ridge penalty) to a 1-D regression set."""
    if degree < 0:
        raise ValueError(f"degree must be >= 0, got {degree}")
    if ridge < 0:
        raise ValueError(f"ridge must be >= 0, got {ridge}")
    data = load_dataset(spec)
    if data.task != "regression" or data.input_shape != (1,):
        raise ValueError(f"polynomial regression needs a 1-D regression set; {spec.name!r} is "
                         f"{data.task} with inputs {data.input_shape}")
    x_tr, y_tr = data.x_train.double().numpy()[:, 0], data.y_train.double().numpy()[:, 0]
    x_te, y_te = data.x_test.double().numpy()[:, 0], data.y_test.double().numpy()[:, 0]
    design = np.polynomial.legendre.legvander(x_tr, degree)
    # least squares on the design itself (ridge as extra rows), never the normal equations,
    # which square the condition number
    rows = np.vstack([design, np.sqrt(ridge) * np.eye(degree + 1)])
    targets = np.concatenate([y_tr, np.zeros(degree + 1)])
    coef = np.linalg.lstsq(rows, targets, rcond=None)[0]
    train = float(np.mean((design @ coef - y_tr) ** 2))
    test = float(np.mean((np.polynomial.legendre.legvander(x_te, degree) @ coef - y_te) ** 2))
    return {"train_error": train, "test_error": test, "gap": test - train}


def polynomial_sweep(base: DataSpec, *, grid: dict[str, Sequence[Any]], replicates: int,
                     master_seed: int, namespace: str, ridge: float = 0.0
                     ) -> list[tuple[dict[str, Any], dict[str, np.ndarray]]]:
    """For each grid point over ``degree`` and DataSpec fields (e.g. ``n_train``), the errors
    of ``replicates`` fits, each on its own freshly drawn data set."""
    if replicates < 1:
        raise ValueError(f"replicates must be >= 1, got {replicates}")
    keys = list(grid)
    out = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        point = dict(zip(keys, combo))
        degree = int(point.get("degree", 1))
        fields = {k: v for k, v in point.items() if k != "degree"}
        rows = []
        for i in range(replicates):
            seed = derive_seed(master_seed, namespace, base, point, i)
            rows.append(polynomial_fit_errors(replace(base, seed=seed, **fields), degree, ridge))
        out.append((point, {m: np.array([r[m] for r in rows]) for m in rows[0]}))
    return out
