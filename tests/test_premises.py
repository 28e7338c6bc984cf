"""Premises as checked parts: a failed premise gives an inconclusive verdict naming it, never a
pass and never a refutation."""
from __future__ import annotations

import math

import pytest

from harness.premises import (PREMISE_NOT_MET, Premise, few_diverged, given, inside_grid,
                              interpolates, near_a_minimum, premise_failed)
from harness.stats import INCONCLUSIVE, REFUTED, SUPPORTED, exceeds

SUPPORTING = exceeds([0.30, 0.31, 0.29, 0.30], 0.0, min_effect=0.1, alpha=0.01)
REFUTING = exceeds([-0.30, -0.31, -0.29, -0.30], 0.0, min_effect=0.1, alpha=0.01)


def test_every_premise_held_leaves_the_verdict_and_records_them():
    ev = given([Premise("a", True, "m")], SUPPORTING)
    assert ev.verdict == SUPPORTED and not premise_failed(ev)
    assert ev.details["premises"] == [{"statement": "a", "holds": True, "measured": "m"}]


@pytest.mark.parametrize("evidence", [SUPPORTING, REFUTING])
def test_a_failed_premise_makes_a_pass_or_a_refutation_inconclusive_naming_it(evidence):
    ev = given([Premise("a", True, "m"), Premise("width 128 interpolates", False, "31 errors"),
                Premise("c", False, "n")], evidence)
    assert ev.verdict == INCONCLUSIVE and ev.refuted_as == ""
    assert ev.decided_by == f"{PREMISE_NOT_MET}: width 128 interpolates; measured: 31 errors"
    assert premise_failed(ev)
    assert ev.details["verdict_without_premises"] == evidence.verdict_words
    assert ev.estimate == evidence.estimate  # the measurement is still shown
    assert evidence.verdict in (SUPPORTED, REFUTED)  # the input record is not mutated


def test_given_needs_premises_and_a_premise_needs_words():
    with pytest.raises(ValueError, match="at least one premise"):
        given([], SUPPORTING)
    with pytest.raises(ValueError, match="needs a statement"):
        Premise(" ", True, "")
    with pytest.raises(ValueError, match="True or False"):
        Premise("a", "yes", "")


def test_interpolation_counts_training_errors_and_a_diverged_seed_does_not_fit():
    assert interpolates([0.0, 0.00025], what="width 128", n_train=4000).holds
    failed = interpolates([0.0, 0.0005], what="width 128", n_train=4000)
    assert not failed.holds and failed.measured == "worst seed 2 training errors in 4000"
    assert not interpolates([0.0, math.nan], what="w", n_train=4000).holds
    assert not interpolates([], what="w", n_train=4000).holds
    assert interpolates([0.001], what="w", n_train=4000, errors_allowed=4).holds


def test_near_a_minimum_needs_every_endpoint_below_the_bound():
    assert near_a_minimum([0.001, 0.004], what="width 1024", bound=0.01).holds
    assert not near_a_minimum([0.001, 0.02], what="width 128", bound=0.01).holds
    assert not near_a_minimum([0.001, math.inf], what="w", bound=0.01).holds


def test_a_rate_at_the_edge_of_its_grid_is_not_tuned():
    grid = (0.1, 0.3, 1.0, 3.0, 10.0)
    assert inside_grid(1.0, grid, what="lr").holds
    assert not inside_grid(0.1, grid, what="lr").holds
    assert not inside_grid(10.0, grid, what="lr").holds
    with pytest.raises(ValueError, match="not in the grid"):
        inside_grid(0.5, grid, what="lr")
    with pytest.raises(ValueError, match="at least 3 values"):
        inside_grid(0.1, (0.1, 1.0), what="lr")


def test_divergence_per_arm_is_bounded():
    assert few_diverged([0.1, math.nan, 0.2], what="lr 10", at_most=1).holds
    failed = few_diverged([math.nan, math.inf, 0.2], what="lr 10", at_most=1)
    assert not failed.holds and failed.measured == "2 of 3 diverged"
