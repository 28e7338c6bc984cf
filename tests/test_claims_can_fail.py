"""Negative and positive controls of every claim's judgement: fed data where the claim is false
or undecidable, it must not come out supported; fed the effect it looks for, it must be (so the
"not supported" results do not come from a judgement that never passes).

The judgements are the functions the claims call on their measurements, so these controls run in
milliseconds. ``test_claims_end_to_end.py`` runs the claim bodies themselves on data with the
effect removed.
"""
from __future__ import annotations

import numpy as np
import pytest

import claims.test_generalization as gen
import claims.test_known as known
import claims.test_optimization as opt
import claims.test_representation as rep
from claims.recipes import WIDTHS
from harness.stats import INCONCLUSIVE, NEGLIGIBLE, REFUTED, REVERSED, SUPPORTED


def groups(means, sd, n, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(m, sd, n) for m in means]


# --- K1-width ---------------------------------------------------------------------------------

def test_width_claim_is_not_supported_by_errors_that_ignore_width():
    ev = known.width_lowers_test_error(groups([0.45] * len(WIDTHS), 0.02, 6, 100))
    assert ev.verdict != SUPPORTED and ev.p_value > 0.01


def test_width_claim_is_refuted_as_negligible_by_flat_errors():
    ev = known.width_lowers_test_error(groups([0.30] * len(WIDTHS), 0.002, 6, 101))
    assert (ev.verdict, ev.refuted_as) == (REFUTED, NEGLIGIBLE)


def test_width_claim_is_refuted_as_reversed_by_a_rising_trend():
    ev = known.width_lowers_test_error(groups(np.linspace(0.30, 0.36, len(WIDTHS)), 0.005, 6,
                                              102))
    assert (ev.verdict, ev.refuted_as) == (REFUTED, REVERSED)


def test_width_claim_is_not_supported_when_the_widest_nets_are_clearly_worse():
    """The issue's example: 60, 50, 42, 36, 34, 36, 38 % passes an ordered-trend test."""
    late_rise = groups([0.60, 0.50, 0.42, 0.36, 0.34, 0.36, 0.38], 0.005, 6, 103)
    ev = known.width_lowers_test_error(late_rise)
    assert ev.verdict != SUPPORTED
    assert ev.decided_by.startswith("no point worse than an earlier one")


def test_width_claim_can_be_supported():
    falling = groups(np.linspace(0.40, 0.25, len(WIDTHS)), 0.015, 6, 104)
    ev = known.width_lowers_test_error(falling)
    assert ev.verdict == SUPPORTED
    first_to_last = ev.details["first to last"]["estimate"]
    assert first_to_last == pytest.approx(falling[0].mean() - falling[-1].mean())


# --- K2-sgd-global ----------------------------------------------------------------------------

def test_sgd_claim_is_refuted_when_most_seeds_stay_above_the_bound():
    errors = [0.05] * 11 + [0.0]
    ev = known.sgd_reaches_global_minimum(errors, [0.01] * 12)
    assert (ev.verdict, ev.estimate) == (REFUTED, pytest.approx(1 / 12))


def test_sgd_claim_needs_the_loss_near_its_minimum_too():
    """Zero 0-1 error with a large cross-entropy is not a minimum of the training loss."""
    ev = known.sgd_reaches_global_minimum([0.0] * 12, [0.3] * 12)
    assert ev.verdict == REFUTED


def test_sgd_claim_counts_a_diverged_seed_as_a_failure():
    ev = known.sgd_reaches_global_minimum([0.0] * 10 + [float("nan")] * 2,
                                          [0.01] * 10 + [float("nan")] * 2)
    assert ev.details["successes"] == 10 and ev.verdict == INCONCLUSIVE


def test_sgd_claim_can_be_supported_with_one_failed_seed_of_twelve():
    ev = known.sgd_reaches_global_minimum([0.0] * 11 + [0.01], [0.01] * 12)
    assert ev.verdict == SUPPORTED and ev.details["successes"] == 11


# --- K1-depth -----------------------------------------------------------------------------------

def test_depth_is_not_supported_when_depth_does_not_matter():
    assert known.depth_lowers_test_error(groups([0.4] * 6, 0.01, 4, 13)).verdict != SUPPORTED


def test_depth_is_refuted_as_reversed_when_deep_nets_degrade():
    plain = groups([0.427, 0.41, 0.435, 0.457, 0.482, 0.494], 0.01, 4, 14)
    ev = known.depth_lowers_test_error(plain)
    assert (ev.verdict, ev.refuted_as) == (REFUTED, REVERSED)


def test_depth_is_supported_when_deeper_keeps_helping():
    residual = groups([0.42, 0.40, 0.38, 0.37, 0.36, 0.35], 0.003, 10, 15)
    assert known.depth_lowers_test_error(residual).verdict == SUPPORTED


# --- G1 / G2 ----------------------------------------------------------------------------------

def test_gap_vs_n_is_not_supported_when_the_gap_ignores_n():
    ev = gen.gap_shrinks_with_n(groups([0.1] * 5, 0.02, 4, 1), gen.NETWORK_SIZES,
                                min_effect=0.02)
    assert ev.verdict != SUPPORTED


def test_gap_vs_n_is_supported_by_a_shrinking_gap():
    ev = gen.gap_shrinks_with_n(groups([0.2, 0.15, 0.1, 0.06, 0.03], 0.01, 4, 2),
                                gen.NETWORK_SIZES, min_effect=0.02)
    assert ev.verdict == SUPPORTED


def test_gap_vs_degree_is_refuted_when_the_gap_falls_with_degree():
    ev = gen.gap_grows_with_degree(groups(np.linspace(0.1, 0.0, 8), 0.005, 10, 3))
    assert (ev.verdict, ev.refuted_as) == (REFUTED, REVERSED)


def test_gap_vs_degree_follows_least_squares_theory():
    """The classic sweep itself: fixed design, in-sample prediction error, so the mean gap is
    2σ²(d + 1)/n (ESL §7.4) and the claim is supported; the theory's slope with the degrees
    of freedom removed (every degree's gap drawn at degree 1's level) is not."""
    from harness.classic import polynomial_sweep
    sweep = polynomial_sweep(gen.polynomial_data(30), grid={"degree": gen.DEGREES},
                             replicates=40, master_seed=7, namespace="control")
    gaps = [errs["gap"] for _, errs in sweep]
    for degree, g in zip(gen.DEGREES, gaps):
        theory = 2 * gen.POLY_NOISE ** 2 * (degree + 1) / 30
        assert abs(g.mean() - theory) < 4 * g.std() / np.sqrt(len(g)) + 1e-3
    assert gen.gap_grows_with_degree(gaps).verdict == SUPPORTED
    assert gen.gap_grows_with_degree([gaps[0]] * len(gen.DEGREES)).verdict != SUPPORTED


# --- G3 ---------------------------------------------------------------------------------------

def test_g3_is_refuted_when_the_gap_grows_with_width():
    train = groups([0.0, 0.0, 0.0], 0.0, 4, 5)
    ev = gen.gap_does_not_grow_with_width(train, groups([0.38, 0.41, 0.45], 0.003, 4, 6))
    assert (ev.verdict, ev.refuted_as) == (REFUTED, "beyond the margin")


def test_g3_is_supported_when_the_gap_shrinks():
    train = groups([0.0, 0.0, 0.0], 0.0, 4, 5)
    ev = gen.gap_does_not_grow_with_width(train, groups([0.385, 0.358, 0.334], 0.004, 4, 7))
    assert ev.verdict == SUPPORTED


# --- G4 / G5 -------------------------------------------------------------------------------------

LINEAR = [0.32, 0.321, 0.318, 0.32, 0.322, 0.319]


def test_g4_is_not_supported_when_random_labels_are_not_fitted():
    ev = gen.memorizes_random_labels([0.0, 0.0, 0.12, 0.1, 0.2, 0.15], [0.10] * 6,
                                     [0.6, 0.61, 0.6, 0.6, 0.61, 0.6], LINEAR)
    assert ev.verdict != SUPPORTED and ev.decided_by == "memorizes"


def test_g4_is_refuted_when_random_label_nets_beat_chance():
    ev = gen.memorizes_random_labels([0.0] * 6, [0.30, 0.31, 0.29, 0.3, 0.3, 0.31],
                                     [0.6, 0.61, 0.6, 0.6, 0.61, 0.6], LINEAR)
    assert ev.verdict == REFUTED and ev.decided_by == "at chance"


def test_g4_is_supported_by_memorization_at_chance():
    ev = gen.memorizes_random_labels([0.0] * 6, [0.10, 0.102, 0.099, 0.1, 0.101, 0.098],
                                     [0.6, 0.61, 0.6, 0.6, 0.61, 0.6], LINEAR)
    assert ev.verdict == SUPPORTED


def test_g5_bar_is_one_a_linear_model_cannot_clear():
    """Design 1's bar (20 pp above chance) is cleared by the linear model itself; design 2's is
    not, and the widest net's measured margin clears it."""
    assert gen.beats_a_linear_model(LINEAR, LINEAR).verdict == REFUTED
    assert gen.beats_a_linear_model([0.35, 0.36, 0.34, 0.35, 0.36, 0.35],
                                    LINEAR).verdict != SUPPORTED
    assert gen.beats_a_linear_model([0.61, 0.62, 0.61, 0.60, 0.61, 0.62],
                                    LINEAR).verdict == SUPPORTED


# --- G6 ------------------------------------------------------------------------------------------

WIDTHS_DD = list(gen.DOUBLE_DESCENT_WIDTHS)
TRAIN_DD = [0.465, 0.399, 0.329, 0.177, 0.024, 0.0, 0.0]


def test_g6_is_not_supported_without_a_peak():
    monotone = groups(np.linspace(0.6, 0.4, len(WIDTHS_DD)), 0.005, 16, 7)
    ev = gen.peak_then_descent(groups(TRAIN_DD, 0.0, 16, 8), monotone, WIDTHS_DD)
    assert ev.verdict != SUPPORTED
    assert ev.details["ascent"]["verdict"] == REFUTED


def test_g6_is_supported_by_a_peak_at_the_threshold():
    peaked = groups([0.506, 0.502, 0.499, 0.515, 0.531, 0.509, 0.493], 0.01, 16, 9)
    ev = gen.peak_then_descent(groups(TRAIN_DD, 0.0, 16, 10), peaked, WIDTHS_DD)
    assert ev.verdict == SUPPORTED
    assert ev.details["peak_width"] == 64 and ev.details["interpolation_width"] == 96


def test_g6_is_not_supported_by_a_rise_of_less_than_a_point():
    small = groups([0.506, 0.502, 0.499, 0.503, 0.504, 0.49, 0.48], 0.003, 16, 13)
    ev = gen.peak_then_descent(groups(TRAIN_DD, 0.0, 16, 14), small, WIDTHS_DD)
    assert ev.verdict != SUPPORTED and ev.decided_by.startswith("ascent")


def test_g6_is_inconclusive_when_nothing_interpolates():
    never = groups([0.6] * len(WIDTHS_DD), 0.0, 16, 11)
    ev = gen.peak_then_descent(never, groups([0.5] * len(WIDTHS_DD), 0.01, 16, 12), WIDTHS_DD)
    assert ev.verdict == INCONCLUSIVE


# --- O1-nonconvex, O6-linear-naive, O6-linear-aligned -----------------------------------------

def test_o1_is_not_supported_when_the_midpoint_is_no_higher_than_the_ends():
    ev = opt.loss_is_not_convex(groups([0.0, 0.01, -0.01], 0.05, 8, 300))
    assert ev.verdict != SUPPORTED


def test_o1_is_refuted_by_a_midpoint_below_the_ends():
    ev = opt.loss_is_not_convex(groups([-0.3, -0.4, -0.5], 0.05, 8, 301))
    assert ev.verdict == REFUTED


def test_o1_can_be_supported():
    assert opt.loss_is_not_convex(groups([0.9, 1.6, 2.6], 0.15, 8, 302)).verdict == SUPPORTED


def test_naive_line_claim_is_supported_when_the_line_has_no_barrier():
    """The expected-refuted claim can come out supported: lines without a barrier pass it."""
    ev = opt.straight_line_is_low_loss(groups([0.002, 0.004, 0.003], 0.002, 8, 303))
    assert ev.verdict == SUPPORTED


def test_naive_line_claim_is_refuted_beyond_the_margin_by_a_high_barrier():
    ev = opt.straight_line_is_low_loss(groups([0.22, 0.29, 0.32], 0.02, 8, 304))
    assert (ev.verdict, ev.refuted_as) == (REFUTED, "beyond the margin")


def test_aligned_claim_is_not_supported_when_matching_changes_nothing():
    naive = groups([0.22, 0.29, 0.32], 0.02, 8, 305)
    ev = opt.aligned_line_is_low_loss_and_more_so_when_wider(naive, naive)
    assert ev.verdict == REFUTED and ev.decided_by.startswith("half the naive barrier")


def test_aligned_claim_is_not_supported_when_the_barrier_ignores_width():
    naive = groups([0.22, 0.29, 0.32], 0.02, 8, 306)
    flat = groups([0.03, 0.03, 0.03], 0.003, 8, 307)
    ev = opt.aligned_line_is_low_loss_and_more_so_when_wider(naive, flat)
    assert ev.verdict != SUPPORTED and ev.decided_by.startswith("falls with width")


def test_aligned_claim_can_be_supported():
    naive = groups([0.22, 0.29, 0.32], 0.02, 8, 308)
    rng = np.random.default_rng(309)  # the pilot's means and spreads
    aligned = [np.abs(rng.normal(m, sd, 8)) for m, sd in ((0.06, 0.016), (0.012, 0.004),
                                                          (0.009, 0.0034))]
    ev = opt.aligned_line_is_low_loss_and_more_so_when_wider(naive, aligned)
    assert ev.verdict == SUPPORTED


def test_landscape_pairs_are_disjoint():
    assert opt.pairs(16) == [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (12, 13), (14, 15)]
    assert opt.pairs(5) == [(0, 1), (2, 3)]


def _o2(errors, gains, seed, seeds=16):
    """O2's judgement on simulated width-1024 seeds: test error (mean, sd) over ``seeds`` runs
    and ensemble gain (mean, sd) over half as many pairs."""
    rng = np.random.default_rng(seed)
    return opt.different_optima_equally_good([rng.normal(*errors, seeds)],
                                             [rng.normal(*gains, seeds // 2)])


PILOT_O2_ERRORS, PILOT_O2_GAINS = (0.390, 0.0021), (0.0054, 0.0012)


def test_o2_is_refuted_when_seeds_find_the_same_function():
    """Two seeds that reach one function, up to relabelled units, gain nothing by averaging."""
    ev = _o2(PILOT_O2_ERRORS, (0.0, 0.0005), 310)
    assert ev.verdict == REFUTED and ev.decided_by == "different, width 1024"


def test_o2_is_refuted_when_seeds_spread_like_an_under_parameterized_net():
    """The designed contrast: width 16's spread in the pilot (1.68 pp); the old design's mean
    of exchangeable differences passed at any spread."""
    ev = _o2((0.529, 0.0168), (0.0207, 0.0041), 311, seeds=32)
    assert ev.verdict != SUPPORTED and ev.decided_by == "equally good, width 1024"
    wider = _o2((0.529, 0.04), (0.0207, 0.0041), 312)
    assert (wider.verdict, wider.refuted_as) == (REFUTED, "beyond the margin")


def test_o2_can_be_supported_and_its_premise_is_checked():
    ev = _o2(PILOT_O2_ERRORS, PILOT_O2_GAINS, 313)
    assert ev.verdict == SUPPORTED
    measured = {1024: {"test_error": np.full(16, 0.39), "ensemble_gain": np.full(8, 0.005),
                       "train_error": np.r_[np.zeros(15), 0.0025]}}
    gated = opt.optima_evidence(measured, (1024,), 4000)
    assert gated.verdict == "inconclusive"
    assert gated.decided_by.startswith("premise not met: width 1024 interpolates")


def test_o6_connected_is_not_supported_when_the_curve_is_no_better_than_the_line():
    line = groups([0.22, 0.29, 0.32], 0.02, 6, 313)
    ev = opt.curve_joins_solutions(line, line)
    assert ev.verdict == REFUTED and ev.decided_by.startswith("half the line's barrier")


def test_o6_connected_is_refuted_by_a_curve_barrier_above_2_pp_for_wide_nets():
    line = groups([0.22, 0.29, 0.32], 0.02, 6, 314)
    curve = groups([0.03, 0.05, 0.05], 0.003, 6, 315)
    ev = opt.curve_joins_solutions(line, curve)
    assert (ev.verdict, ev.refuted_as) == (REFUTED, "beyond the margin")


def test_o6_connected_can_be_supported():
    line = groups([0.22, 0.29, 0.32], 0.02, 6, 316)
    rng = np.random.default_rng(317)
    curve = [np.abs(rng.normal(m, sd, 6)) for m, sd in ((0.034, 0.005), (0.005, 0.002),
                                                       (0.001, 0.0006))]
    assert opt.curve_joins_solutions(line, curve).verdict == SUPPORTED


def _o3(train_error_by_multiple, seed, n=12, limit_spread=0.1):
    """O3's judgement on simulated seeds: per grid rate (by its multiple of the pilot limit) a
    training error (mean, sd; NaN for diverged), each seed's own limit drawn around the
    pilot's."""
    rng = np.random.default_rng(seed)
    errors = [np.full(n, np.nan) if np.isnan(m) else np.clip(rng.normal(m, sd, n), 0, 1)
              for m, sd in train_error_by_multiple]
    limits = opt.PILOT_STABILITY_LIMIT * rng.normal(1.0, limit_spread, n)
    return opt.learning_rate_has_a_critical_value(errors, limits)


# design 2's run at master seed 0: every seed trains up to 1/4 of the limit, fails from 1/2
DESIGN_2_O3 = [(0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (np.nan, 0), (np.nan, 0), (np.nan, 0)]


def test_o3_is_refuted_when_rates_from_half_the_limit_train():
    """The catapult world: training proceeds at and past 2/λ_max at init."""
    ev = _o3(DESIGN_2_O3[:3] + [(0.0, 0.001), (0.01, 0.005), (0.02, 0.005)], 320)
    assert ev.verdict == REFUTED and ev.decided_by == "fails from half the limit up"


def test_o3_is_refuted_when_small_rates_do_not_train():
    ev = _o3([(0.8, 0.01)] * 3 + DESIGN_2_O3[3:], 321)
    assert ev.verdict == REFUTED and ev.decided_by == "trains at a quarter of the limit and below"


def test_o3_can_be_supported_counts_divergence_as_failure_and_uses_the_median_limit():
    ev = _o3(DESIGN_2_O3, 323)
    assert ev.verdict == SUPPORTED
    assert ev.details["fails from half the limit up"]["estimate"] == 1.0
    rng = np.random.default_rng(1)
    errors = [np.zeros(12)] * 3 + [np.full(12, np.nan)] * 3
    limits = np.r_[opt.PILOT_STABILITY_LIMIT * rng.normal(1, 0.05, 11), 19.8]  # one outlier
    assert opt.learning_rate_has_a_critical_value(errors, limits).verdict == SUPPORTED


def test_the_smallest_rate_is_refuted_as_best_when_a_larger_rate_generalizes_better():
    rng = np.random.default_rng(329)
    ev = opt.smallest_rate_is_best(rng.normal(0.340, 0.005, 12), rng.normal(0.267, 0.005, 12))
    assert (ev.verdict, ev.refuted_as) == (REFUTED, "beyond the margin")
    same = opt.smallest_rate_is_best(rng.normal(0.30, 0.005, 12), rng.normal(0.30, 0.005, 12))
    assert same.verdict == SUPPORTED


def _o4(by_depth, seed, n=12):
    """O4's judgement on simulated seeds: per depth, (mean, sd) of test error at 1/2, 1 and 2
    × He's scale (NaN mean: every seed diverged)."""
    rng = np.random.default_rng(seed)
    return opt.small_init_beats_large({d: [np.full(n, np.nan) if np.isnan(m) else
                                           rng.normal(m, sd, n) for m, sd in arms]
                                       for d, arms in by_depth.items()})


DESIGN_3_O4 = {2: [(0.3685, 0.0071), (0.363, 0.0119), (0.4114, 0.0176)],
               8: [(0.409, 0.0389), (0.3807, 0.0157), (0.8025, 0.0763)]}


def test_o4_is_refuted_where_a_larger_start_is_harmless():
    """The designed contrast: a net invariant to its weights' scale (normalized layers), where
    twice He's scale ends as well as He's."""
    harmless = {2: [(0.3685, 0.0071), (0.363, 0.0119), (0.364, 0.0119)], 8: DESIGN_3_O4[8]}
    ev = _o4(harmless, 324)
    assert ev.verdict == REFUTED and ev.decided_by.startswith("depth 2")


def test_o4_counts_a_diverged_arm_against_itself_and_can_be_supported():
    ev = _o4(DESIGN_3_O4, 327, n=16)  # power 0.98 at 16 seeds, 0.92 at the claim's 12
    assert ev.verdict == SUPPORTED
    diverged = _o4({2: DESIGN_3_O4[2], 8: DESIGN_3_O4[8][:2] + [(np.nan, 0)]}, 328)
    assert diverged.verdict == SUPPORTED  # a diverged larger arm counts as error 1 against it
    assert diverged.details["depth 8"]["details"]["diverged_runs"]["test_error_by_scale"] == [
        0, 0, 12]


def test_o4_premise_fails_when_a_decided_arm_chose_the_grid_edge():
    from harness.premises import given, inside_grid
    premise = inside_grid(0.3, opt.INIT_RATES, what="depth 8, scale 1's rate")
    assert not premise.holds and premise.measured == "chosen 0.3"
    ev = given([premise], _o4(DESIGN_3_O4, 329))
    assert ev.verdict == "inconclusive" and "premise not met" in ev.decided_by


# --- O5-tuned-sgd ------------------------------------------------------------------------------

def test_o5_is_refuted_when_tuning_buys_nothing():
    plain, tuned = groups([0.294, 0.294], 0.005, 16, 401)
    ev = opt.tuned_sgd_beats_plain(plain, tuned)
    assert ev.verdict == REFUTED


def test_o5_is_refuted_when_the_tuned_arm_is_worse():
    plain, tuned = groups([0.28, 0.30], 0.005, 16, 402)
    assert opt.tuned_sgd_beats_plain(plain, tuned).verdict == REFUTED


def test_o5_counts_a_diverged_seed_as_chance():
    plain, tuned = groups([0.294, 0.273], 0.005, 16, 403)
    tuned[:8] = np.nan
    assert opt.tuned_sgd_beats_plain(plain, tuned).verdict != SUPPORTED


def test_o5_can_be_supported():
    plain, tuned = groups([0.294, 0.273], 0.005, 16, 404)
    assert opt.tuned_sgd_beats_plain(plain, tuned).verdict == SUPPORTED


def test_o5_chooses_by_validation_error_and_never_a_rate_that_diverges():
    rates = [0.1, 0.3, 1.0, 3.0, 10.0]
    errors = [[0.38] * 4, [0.35] * 4, [0.30] * 4, [0.25, 0.25, 0.25, np.nan], [np.nan] * 4]
    assert opt.chosen_rate(errors, rates) == 1.0
    errors[3] = [0.25] * 4
    assert opt.chosen_rate(errors, rates) == 3.0


def test_o5_arms_search_the_same_effective_rates():
    plain, tuned = opt.rates_of(opt.PLAIN_SGD), opt.rates_of(opt.TUNED_SGD)
    assert len(plain) == len(tuned)
    assert [p for p in plain] == pytest.approx([t / (1 - 0.9) for t in tuned])


# --- O6-linear-spawned -------------------------------------------------------------------------

def _spawned(child_means, independent_mean, seed, n=8, independent_sd=0.02):
    rng = np.random.default_rng(seed)
    by_width = {w: {k: np.abs(rng.normal(m, 0.002, n))
                    for k, m in zip(opt.DECIDED_SPAWN_STEPS, child_means)}
                for w in opt.SPAWN_WIDTHS}
    independent = {w: rng.normal(independent_mean, independent_sd, n) for w in opt.SPAWN_WIDTHS}
    return opt.children_are_connected_and_strangers_are_not(by_width, independent)


def test_o6_spawned_is_refuted_when_children_have_the_strangers_barrier():
    ev = _spawned([0.25, 0.25, 0.25], 0.25, 501)
    assert ev.verdict == REFUTED


def test_o6_spawned_is_refuted_when_strangers_are_connected_too():
    ev = _spawned([0.002, 0.0015, 0.001], 0.002, 502, independent_sd=0.002)
    assert ev.verdict == REFUTED and "independent pairs" in ev.decided_by


def test_o6_spawned_can_be_supported():
    assert _spawned([0.002, 0.0015, 0.001], 0.25, 503).verdict == SUPPORTED


# --- O7-local-is-global ------------------------------------------------------------------------

def _o7(wide_stuck, narrow_stuck, bumpy, n=64, seed=601):
    rng = np.random.default_rng(seed)

    def losses(stuck):
        good = rng.uniform(1e-5, 2e-4, n)
        good[:stuck] = rng.uniform(0.05, 0.3, stuck)
        return good

    falls = rng.uniform(2.0, 3.0, n)
    rises = -rng.uniform(0.001, 0.01, n)
    rises[:bumpy] = 0.05 * falls[:bumpy]
    by_width = {4: rng.uniform(0.3, 0.5, n), 8: losses(narrow_stuck), 16: losses(n // 2),
                64: losses(wide_stuck)}
    return opt.wide_nets_have_no_bad_minima(by_width, rises, falls)


def test_o7_is_refuted_when_wide_nets_are_trapped_as_often_as_not():
    ev = _o7(wide_stuck=32, narrow_stuck=64, bumpy=0)
    assert ev.verdict == REFUTED and ev.decided_by.startswith("wide: every seed")


def test_o7_is_not_supported_when_the_line_from_init_has_bumps():
    ev = _o7(wide_stuck=0, narrow_stuck=64, bumpy=20)
    assert ev.verdict != SUPPORTED and ev.decided_by.startswith("wide: the line")


def test_o7_is_refuted_when_the_teachers_width_reaches_the_minimum_too():
    ev = _o7(wide_stuck=0, narrow_stuck=0, bumpy=0)
    assert ev.verdict == REFUTED and ev.decided_by == "it breaks at the teacher's width"


def test_o7_counts_a_diverged_wide_seed_as_trapped():
    assert not opt.reached_global([np.nan, 1e-4])[0]


def test_o7_can_be_supported():
    assert _o7(wide_stuck=0, narrow_stuck=64, bumpy=0).verdict == SUPPORTED


# --- K4-augmentation ---------------------------------------------------------------------------

def test_augmentation_claim_is_refuted_when_augmentation_changes_nothing():
    plain = np.random.default_rng(701).normal(0.537, 0.005, 6)
    same = plain + np.random.default_rng(702).normal(0.0, 0.003, 6)
    ev = known.augmentation_lowers_test_error(plain, same)
    assert ev.verdict == REFUTED


def test_augmentation_claim_is_refuted_as_reversed_when_augmentation_hurts():
    plain, augmented = groups([0.36, 0.54], 0.006, 6, 703)
    assert known.augmentation_lowers_test_error(plain, augmented).refuted_as == REVERSED


def test_augmentation_claim_can_be_supported():
    plain, augmented = groups([0.537, 0.364], 0.006, 6, 704)
    assert known.augmentation_lowers_test_error(plain, augmented).verdict == SUPPORTED


# --- K4-architecture ---------------------------------------------------------------------------

def test_architecture_claim_is_refuted_when_the_cnn_is_no_better():
    mlp, cnn = groups([0.404, 0.40], 0.01, 6, 711)
    assert known.the_right_inductive_bias_wins(mlp, cnn).verdict == REFUTED


def test_architecture_claim_is_refuted_as_reversed_when_the_mlp_wins():
    mlp, cnn = groups([0.15, 0.40], 0.01, 6, 712)
    assert known.the_right_inductive_bias_wins(mlp, cnn).refuted_as == REVERSED


def test_architecture_claim_can_be_supported():
    mlp, cnn = groups([0.404, 0.149], 0.013, 6, 713)
    assert known.the_right_inductive_bias_wins(mlp, cnn).verdict == SUPPORTED


def test_architecture_on_images_is_not_supported_when_the_cnn_is_no_better():
    mlp, cnn = groups([0.100, 0.100], 0.007, 6, 714)
    assert known.the_right_inductive_bias_wins_on_images(mlp, cnn).verdict != SUPPORTED


def test_architecture_on_images_is_refuted_when_the_edge_is_below_a_point():
    mlp, cnn = groups([0.1003, 0.10], 0.0005, 8, 715)
    assert known.the_right_inductive_bias_wins_on_images(mlp, cnn).verdict == REFUTED


def test_architecture_on_images_can_be_supported():
    mlp, cnn = groups([0.19, 0.16], 0.007, 6, 716)
    assert known.the_right_inductive_bias_wins_on_images(mlp, cnn).verdict == SUPPORTED


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_the_image_mlp_is_of_the_cnns_size(shape):
    from harness.models import build_model
    mlp = known.mlp_of_the_same_size(known.IMAGE_CNN_SPEC, shape)
    sizes = [build_model(m, shape, 10).n_params() for m in (known.IMAGE_CNN_SPEC, mlp)]
    assert abs(sizes[0] - sizes[1]) <= known.SAME_SIZE * sizes[1], sizes


# --- K3-learned-repr ---------------------------------------------------------------------------

def _k3(trained_means, init_means, seed, n=6, sd=0.01):
    rng = np.random.default_rng(seed)
    return (np.array([rng.normal(trained_means, sd) for _ in range(n)]),
            np.array([rng.normal(init_means, sd) for _ in range(n)]))


def test_k3_is_refuted_when_training_leaves_the_layers_as_at_init():
    trained, at_init = _k3([0.754, 0.35, 0.43, 0.56], [0.754, 0.35, 0.43, 0.56], 801)
    ev = known.training_builds_decodable_layers(trained, at_init)
    assert ev.verdict == REFUTED


def test_k3_is_refuted_when_the_gain_does_not_grow_with_depth():
    trained, at_init = _k3([0.754, 0.20, 0.20, 0.20], [0.754, 0.45, 0.45, 0.45], 802)
    ev = known.training_builds_decodable_layers(trained, at_init)
    assert ev.verdict == REFUTED and ev.decided_by == "more so with depth"


def test_k3_can_be_supported():
    trained, at_init = _k3([0.754, 0.34, 0.30, 0.21], [0.754, 0.35, 0.43, 0.56], 803)
    assert known.training_builds_decodable_layers(trained, at_init).verdict == SUPPORTED


# --- K5-ideas -------------------------------------------------------------------------------------

def test_k5_is_refuted_when_no_idea_helps():
    flat = groups([0.39] * len(known.LADDER), 0.01, 8, 901)
    ev = known.ideas_accumulate(flat)
    assert ev.verdict == REFUTED


def test_k5_is_not_supported_when_the_last_ideas_undo_the_first():
    """A large first-to-last gain is not enough when the full ladder ends far worse than a
    partial one: the ideas did not accumulate."""
    undone = groups([0.90, 0.30, 0.30, 0.38, 0.42, 0.45], 0.01, 8, 902)
    ev = known.ideas_accumulate(undone)
    assert ev.verdict != SUPPORTED and "no point worse than an earlier one" in ev.decided_by


def test_k5_counts_a_diverged_rung_as_chance():
    diverged = groups([0.90, 0.52, 0.39, 0.39, 0.39, 0.36], 0.01, 8, 903)
    diverged[-1][:] = np.nan
    assert known.ideas_accumulate(diverged).verdict != SUPPORTED


def test_k5_can_be_supported():
    ladder = groups([0.90, 0.52, 0.39, 0.39, 0.39, 0.36], 0.015, 8, 904)
    assert known.ideas_accumulate(ladder).verdict == SUPPORTED


def test_k5_every_rung_tunes_over_five_rates_of_its_optimizer():
    assert {len(r) for r in known.LADDER_RATES.values()} == {5}
    assert len({values[2] for values in known.LADDER.values()}) == 2  # SGD and Adam rungs


# --- R1-encoding-matters and R2-dnn-learns-encoding -------------------------------------------

def test_r1_is_refuted_when_the_encoding_changes_nothing():
    """The 'θ < π' target: one threshold decides it, so both encodings do equally well."""
    raw, sincos = groups([0.004, 0.017], 0.001, 6, 911)
    ev = rep.the_encoding_decides(raw, sincos)
    assert ev.verdict == REFUTED


def test_r1_can_be_supported():
    raw, sincos = groups([0.37, 0.007], 0.008, 6, 912)
    assert rep.the_encoding_decides(raw, sincos).verdict == SUPPORTED


def test_r1_puts_0_and_1_99_pi_close_only_on_the_circle():
    distances = rep.seam_distances()
    assert distances["sincos"] == pytest.approx(2 * np.sin(0.005 * np.pi), rel=1e-9)
    assert distances["raw"] / distances["sincos"] > 100


def test_r2_is_refuted_when_the_network_does_no_better_than_the_linear_model_on_raw_angles():
    mlp, sincos, raw = groups([0.37, 0.007, 0.37], 0.008, 6, 913)
    ev = rep.the_network_learns_the_encoding(mlp, sincos, raw)
    assert ev.verdict == REFUTED


def test_r2_is_not_supported_when_the_network_is_good_but_not_close():
    """Far better than raw, but 5 pp worse than the engineered model: not 'close to' it."""
    mlp, sincos, raw = groups([0.057, 0.007, 0.37], 0.005, 6, 914)
    ev = rep.the_network_learns_the_encoding(mlp, sincos, raw)
    assert ev.verdict != SUPPORTED and ev.decided_by == "close to the engineered model"


def test_r2_can_be_supported():
    mlp, sincos, raw = groups([0.004, 0.007, 0.37], 0.003, 6, 915)
    assert rep.the_network_learns_the_encoding(mlp, sincos, raw).verdict == SUPPORTED


# --- R3-selective-units -----------------------------------------------------------------------

def test_r3_is_refuted_when_training_leaves_selectivity_as_at_init():
    trained, at_init = groups([0.61, 0.61], 0.004, 6, 921)
    assert rep.training_makes_units_selective(trained, at_init).verdict == REFUTED


def test_r3_is_not_supported_when_the_cnn_units_do_not_become_selective():
    """The pilot's first conv layer, where units detect generic patterns, put in the decided
    layer's place: the MLP alone rising is not enough."""
    mlp_trained, mlp_init = groups([0.664, 0.613], 0.006, 6, 922)
    cnn_trained, cnn_init = groups([0.573, 0.580], 0.004, 6, 924)
    ev = rep.units_become_selective(mlp_trained, mlp_init, cnn_trained, cnn_init)
    assert ev.verdict == REFUTED and ev.decided_by == "CNN last conv layer"


def test_r3_can_be_supported_with_the_pilots_rises():
    mlp_trained, mlp_init = groups([0.664, 0.613], 0.006, 6, 923)
    cnn_trained, cnn_init = groups([0.620, 0.580], 0.006, 6, 925)
    assert rep.units_become_selective(mlp_trained, mlp_init, cnn_trained,
                                      cnn_init).verdict == SUPPORTED


# --- R4-learned-beats-designed --------------------------------------------------------------------

def test_r4_is_not_supported_when_one_designed_contender_matches_the_cnn():
    cnn, linear, mlp = groups([0.15, 0.16, 0.31], 0.01, 6, 931)
    ev = rep.learned_beats_designed(cnn, {"linear classifier": linear, "MLP": mlp})
    assert ev.verdict != SUPPORTED
    assert ev.decided_by == "beats the linear classifier on designed features"


def test_r4_is_not_supported_when_designed_features_win():
    cnn, linear, mlp = groups([0.25, 0.15, 0.16], 0.01, 6, 932)
    ev = rep.learned_beats_designed(cnn, {"linear classifier": linear, "MLP": mlp})
    assert ev.verdict == REFUTED


def test_r4_can_be_supported():
    cnn, linear, mlp = groups([0.149, 0.285, 0.316], 0.005, 6, 933)
    ev = rep.learned_beats_designed(cnn, {"linear classifier": linear, "MLP": mlp})
    assert ev.verdict == SUPPORTED
