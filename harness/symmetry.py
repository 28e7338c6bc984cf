"""Permutation symmetry as data, and one weight-matching algorithm over it.

Permuting the hidden units of a layer (and, consistently, every tensor that reads or writes them)
leaves the function a network computes unchanged. Each architecture declares, once, which axis of
which parameter each hidden-unit permutation acts on (``StackedModel.permutation_spec``); the
functions here act on any such declaration, as git-re-basin's ``PermutationSpec`` does
(Ainsworth, Hayase & Srinivasa 2023).

Parameters here are one run's tensors (no seed axis), as ``Runner.weights`` returns them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

Params = dict[str, torch.Tensor]


@dataclass(frozen=True)
class Axis:
    """Where a permutation acts: ``param``'s ``axis``, whose units come in consecutive blocks of
    ``block`` entries (1 for a weight's row; a convolution's channel flattened with its length
    into a head's input has ``block`` = that length)."""

    param: str
    axis: int
    block: int = 1


PermutationSpec = Mapping[str, tuple[Axis, ...]]


def unit_counts(spec: PermutationSpec, params: Params) -> dict[str, int]:
    """How many units each permutation moves; the declaration must agree with the tensors."""
    counts = {}
    for name, axes in spec.items():
        sizes = {params[a.param].shape[a.axis] // a.block for a in axes}
        if len(sizes) != 1:
            raise ValueError(f"permutation {name!r} acts on axes of different sizes: {sizes}")
        counts[name] = sizes.pop()
    return counts


def _take(t: torch.Tensor, order: torch.Tensor, axis: int, block: int) -> torch.Tensor:
    if block == 1:
        return t.index_select(axis, order)
    shape = t.shape
    grouped = t.reshape(*shape[:axis], shape[axis] // block, block, *shape[axis + 1:])
    return grouped.index_select(axis, order).reshape(shape)


def permute(params: Params, spec: PermutationSpec, perms: Mapping[str, np.ndarray]) -> Params:
    """New parameters whose unit ``i`` of permutation ``p`` is the old unit ``perms[p][i]``;
    the input is never changed. Permutations missing from ``perms`` stay the identity."""
    out = dict(params)
    for name, order in perms.items():
        index = torch.as_tensor(np.asarray(order), dtype=torch.long)
        for a in spec[name]:
            out[a.param] = _take(out[a.param], index.to(out[a.param].device), a.axis, a.block)
    return out


def _units_first(t: torch.Tensor, axis: int, block: int) -> torch.Tensor:
    """(units, everything else) view of ``t`` for the permutation acting on ``axis``."""
    shape = t.shape
    grouped = t.reshape(*shape[:axis], shape[axis] // block, block, *shape[axis + 1:])
    return grouped.movedim(axis, 0).reshape(shape[axis] // block, -1)


def weight_matching(spec: PermutationSpec, target: Params, other: Params, *,
                    rng: np.random.Generator, max_iter: int = 100
                    ) -> tuple[dict[str, np.ndarray], int]:
    """Permutations of ``other``'s units that bring its weights closest to ``target``'s.

    Coordinate descent (Ainsworth et al. 2023, weight matching): visit the permutations in a
    random order; for each, with the others held fixed, the best one maximizes
    Σ_i ⟨target's unit i, other's unit π(i)⟩ over every tensor it acts on, a linear assignment
    problem (``scipy.optimize.linear_sum_assignment``). Stop when a full pass changes nothing,
    or after ``max_iter`` passes. Needs weights only, no data. Returns the permutations (apply
    them with ``permute(other, spec, perms)``) and the passes made.
    """
    counts = unit_counts(spec, target)
    perms = {name: np.arange(n) for name, n in counts.items()}
    names = list(spec)
    for sweep in range(1, max_iter + 1):
        changed = False
        for p in (names[i] for i in rng.permutation(len(names))):
            held = permute(other, spec, {q: perms[q] for q in names if q != p})
            cost = np.zeros((counts[p], counts[p]))
            for a in spec[p]:
                wa = _units_first(target[a.param].double(), a.axis, a.block)
                wb = _units_first(held[a.param].double(), a.axis, a.block)
                cost += (wa @ wb.T).cpu().numpy()
            _, best = linear_sum_assignment(cost, maximize=True)
            rows = np.arange(counts[p])
            if cost[rows, best].sum() > cost[rows, perms[p]].sum() + 1e-12:
                perms[p], changed = best, True
        if not changed:
            return perms, sweep
    return perms, max_iter
