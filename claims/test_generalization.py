"""Section "1. Generalization": what classic theory predicts, and what networks do instead.

The classic half of G1 and G2 uses polynomial least squares, whose degrees of freedom are
explicit, so the textbook behaviour and the network's behaviour stand side by side in one report.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from harness.claim import EarlierDesign, Undecided, claim
from harness.premises import given, interpolates
from harness.classic import polynomial_sweep
from harness.config import DataSpec, ModelSpec, TrainConfig, epochs_to_steps
from harness.models import build_model
from harness.reporting.figures import Figure, Panel, Series
from harness.stats import (Evidence, all_of, any_of, counting_diverged, difference_exceeds,
                           equivalent_to, excluding_diverged, mean_below,
                           no_worse_than, trend, undecidable)

from .recipes import WIDTH_RECIPE, WIDTH_SEEDS, WIDTH_SWEEP, WIDTHS

SECTION = "Not understood 1. Generalization"
RANDOM_LABEL_STEPS = 8000  # twice the true-label recipe; a 2-seed pilot fit random labels by 8000
CHANCE = 0.1  # ten balanced classes
ALPHA = 0.01

# 1-D regression y = sin(πx) + N(0, 0.3²) on a fixed Chebyshev design, scored by the in-sample
# prediction error (fresh noise at the training inputs, 100 draws each): its expected gap over the
# training error is exactly 2σ²·p/n (ESL §7.4), and the fits stay well conditioned at every
# degree. The noise variance 0.09 sets the scale of every MSE.
POLY_NOISE = 0.3
POLY_MIN_EFFECT = 0.0225  # a quarter of the noise variance


def polynomial_data(n_train: int) -> DataSpec:
    return DataSpec(name="polynomial", n_train=n_train, n_test=100 * n_train,
                    options=(("noise", POLY_NOISE), ("design", "fixed")))


@excluding_diverged
def gap_shrinks_with_n(gaps_by_n: Sequence[Sequence[float]], sizes: Sequence[int], *,
                       min_effect: float) -> Evidence:
    """The gap falls from the smallest to the largest n by at least ``min_effect``, and the
    largest n's gap is no larger than any smaller n's by more than that (``trend``)."""
    return trend(gaps_by_n, direction="decreasing", min_effect=min_effect, margin=min_effect,
                 alpha=ALPHA, points=list(sizes), what="gap at n")


CLASSIC_SIZES = (15, 30, 60, 120, 240, 480)
NETWORK_SIZES = (500, 1000, 2000, 4000, 8000)
NETWORK_EPOCHS = 100  # the width recipe's 4000 steps at n = 4000


@claim("G1-gap-vs-n", section=SECTION,
       quote="| Train set 에러 - Test set 에러 | 가 train set이 클수록 작아지고",
       statement="The generalization gap shrinks as the training set grows, for a classic model "
                 "and for a neural network.",
       refs=("Hastie, Tibshirani & Friedman, ESL §7.4", "Greydanus 2020, MNIST-1D pooling sweep"),
       history=(
           EarlierDesign(1,
                         'every n trained the same 4000 steps (800 epochs at n = 500, 50 at '
                         '8000), and the polynomial part drew random, ill-conditioned designs',
                         'network gap change 0.435 [0.428, 0.443] at master seed 0, confounded '
                         'with under-training; polynomial fits that blew up'),
       ),
       design=2)
def test_gap_shrinks_as_the_training_set_grows(sweep, budget, runner, claim_info, decide):
    """Hypothesis, fixed before any run, in two parts that must both hold:

    - classic: degree-8 polynomial least squares on a fixed Chebyshev design of n = 15 … 480
      points (doubling); gap = in-sample prediction MSE − training MSE, whose expectation is
      2σ²·9/n: 0.108 at n = 15, 0.003 at n = 480.
    - network: the shared one-hidden-layer MLP recipe at width 256 on MNIST-1D, n = 500 … 8000
      (doubling), drawn from one 20 000-sample pool with a common 12 000-sample test set, each
      trained for the same 100 epochs (n steps at batch 100), so every n sees each sample equally
      often. Gap = test error − training error. The MNIST-1D pooling sweep shrinks the gap from
      21.8 pp at 1k to 1.9 pp at 10k (SCIENCE.md §2c).

    Each part: the gap falls from the smallest to the largest n by at least the smallest effect
    that matters (0.0225, a quarter of the noise variance, for the polynomial; 2 pp for the
    network) and the largest n's gap is no larger than any smaller n's by more than that
    (``trend``: Welch intervals, alpha 0.01). Both parts must hold (``all_of``).

    Design 1 gave every n the same 4000 steps (800 epochs at n = 500, 50 at n = 8000), so a
    shrinking gap was confounded with under-training, and drew random polynomial designs whose
    fits blew up; it measured a network gap change of 0.435 [0.428, 0.443] (master seed 0).
    Design 2 runs on fresh seeds. Power: a 40-replicate pilot of the classic part reproduced
    the theory (mean gaps 0.109 and 0.004, spreads 0.034 and 0.006), an effect 4.7× the smallest
    one with a standard error near 0.006 (0.008 at quick's 20 replicates). The network part
    measured (master seed 0, 4 seeds) mean gaps of 61.2, 50.3, 42.5, 33.9 and 25.0 % at n = 500
    … 8000 with spreads of 0.2-1 pp; simulated from those, its power is 1.0 at 3 seeds (quick).
    """
    classic = [polynomial_sweep(polynomial_data(n), grid={"degree": (8,)},
                                replicates=budget.pick(quick=20, standard=40, full=100),
                                master_seed=runner.master_seed,
                                namespace=claim_info.namespace)[0][1]["gap"]
               for n in CLASSIC_SIZES]
    pool = DataSpec(name="mnist1d", n_train=500, n_test=12000, options=(("pool", 20000),))
    net = sweep(WIDTH_RECIPE.with_values(**{"model.width": 256, "data": pool}),
                seeds=budget.pick(quick=3, standard=4, full=8),
                grid={("data.n_train", "steps"): tuple(
                    (n, epochs_to_steps(NETWORK_EPOCHS, n, 100)) for n in NETWORK_SIZES)})
    gaps = [p.metric("test_error") - p.metric("train_error") for p in net.points]
    ev = all_of({"classic": gap_shrinks_with_n(classic, CLASSIC_SIZES,
                                               min_effect=POLY_MIN_EFFECT),
                 "network": gap_shrinks_with_n(gaps, NETWORK_SIZES, min_effect=0.02)},
                headline="network")
    ev.details["network_train_error_by_n"] = {
        str(n): float(np.mean(p.metric("train_error"))) for n, p in zip(NETWORK_SIZES, net.points)}
    theory = Series.of("theory 2σ²·9/n", CLASSIC_SIZES,
                       [2 * POLY_NOISE ** 2 * 9 / n for n in CLASSIC_SIZES], style="dashed")
    decide(ev, figure=Figure(
        "The generalization gap shrinks as the training set grows, for least squares (left, "
        "with the textbook expectation) and for an MLP (right). " + Figure.BANDS,
        (Panel.of("training samples n", "gap (prediction - training MSE)", CLASSIC_SIZES,
                  {"degree-8 polynomial": classic}, extra=(theory,), log_x=True,
                  title="classic: polynomial least squares"),
         Panel.of("training samples n", "gap (test - training error)", NETWORK_SIZES,
                  {"MLP, width 256": gaps}, log_x=True, title="network: MNIST-1D"))))


DEGREES = (1, 3, 5, 7, 9, 11, 13, 15)


@excluding_diverged
def gap_grows_with_degree(gaps_by_degree: Sequence[Sequence[float]],
                          degrees: Sequence[int] = DEGREES) -> Evidence:
    """The gap rises from the lowest to the highest degree by at least a quarter of the noise
    variance, and the highest degree's gap is no smaller than any lower degree's by more than
    that (``trend``, Welch intervals, alpha 0.01)."""
    return trend(gaps_by_degree, direction="increasing", min_effect=POLY_MIN_EFFECT,
                 margin=POLY_MIN_EFFECT, alpha=ALPHA, points=list(degrees), what="gap at degree")


@claim("G2-gap-vs-dof", section=SECTION,
       quote="Degree of Freedom 이 클수록 커진다",
       statement="In a classic model the generalization gap grows with the degrees of freedom.",
       refs=("Hastie, Tibshirani & Friedman, ESL §7.4-7.6 (optimism = 2σ²·df/n)",),
       history=(
           EarlierDesign(1,
                         'random inputs and monomial normal equations',
                         'a median gap near 50 at degree 15 where theory says 0.1: a numerical '
                         'effect, not degrees of freedom'),
       ),
       design=2)
def test_gap_grows_with_degrees_of_freedom(budget, runner, claim_info, decide):
    """Hypothesis, fixed before any run: Legendre least squares on n = 30 fixed Chebyshev points
    of y = sin(πx) + N(0, 0.3²), degrees 1, 3, …, 15 (2 to 16 degrees of freedom, all below
    interpolation), scored by the in-sample prediction error. The gap (prediction − training
    MSE) grows with degree: by at least a quarter of the noise variance (0.0225) from degree 1 to
    15, with no late fall larger than that (``trend``, Welch intervals, alpha 0.01). Theory
    (ESL §7.4): the expected gap is 2σ²(d + 1)/n, 0.012 at degree 1 and 0.096 at degree 15.

    Design 1 drew random inputs and fit monomials-worth of ill-conditioned normal equations; its
    median gap at degree 15 was about 50 where theory says 0.1: a numerical effect, not degrees
    of freedom. Design 2 (fresh seeds) fits on a fixed well-conditioned design with ``lstsq``.
    A 40-replicate pilot matched the theory at every degree (0.013 … 0.099, spreads 0.02-0.05):
    power 1.0 at 40 replicates and at 20 (quick).
    """
    gaps = [errs["gap"] for _, errs in polynomial_sweep(
        polynomial_data(30), grid={"degree": DEGREES},
        replicates=budget.pick(quick=20, standard=40, full=100),
        master_seed=runner.master_seed, namespace=claim_info.namespace)]
    theory = Series.of("theory 2σ²(d+1)/n", DEGREES,
                       [2 * POLY_NOISE ** 2 * (d + 1) / 30 for d in DEGREES], style="dashed")
    decide(gap_grows_with_degree(gaps), figure=Figure(
        "The gap of polynomial least squares grows with its degrees of freedom, as the "
        "textbook's optimism 2σ²·df/n says. " + Figure.BANDS,
        (Panel.of("polynomial degree d", "gap (prediction - training MSE)", DEGREES,
                  {"n = 30": gaps}, extra=(theory,)),)))


# Two-hidden-layer ReLU MLPs past their interpolation threshold: a pilot (2 seeds) found
# training error 11.6 % at width 64 and at most 1 error in 4000 from width 128 up, with the
# width recipe's 4000 Adam steps. Widths 128, 256, 512 have 5.8×, 20× and 72× more parameters
# than samples.
OVERPARAMETERIZED_WIDTHS = (128, 256, 512)
GAP_MARGIN = 0.01


@counting_diverged(worst={"train_error_by_width": 0.0, "test_error_by_width": 1.0})
def gap_does_not_grow_with_width(train_error_by_width, test_error_by_width,
                                 widths: Sequence[int] = OVERPARAMETERIZED_WIDTHS) -> Evidence:
    """G3's judgement: the gap at every wider net is no larger than at the narrowest, by more
    than 1 pp (Welch non-inferiority, alpha 0.01, all of them)."""
    gaps = [np.asarray(te) - np.asarray(tr)
            for te, tr in zip(test_error_by_width, train_error_by_width)]
    ev = all_of({f"{w} vs {widths[0]}": no_worse_than(
        gap, gaps[0], margin=GAP_MARGIN, alpha=ALPHA, label=f"gap at width {w} - at {widths[0]}")
        for w, gap in zip(widths[1:], gaps[1:])})
    ev.details.update(
        mean_gap_by_width={str(w): float(np.mean(g)) for w, g in zip(widths, gaps)},
        mean_train_error_by_width={str(w): float(np.mean(t))
                                   for w, t in zip(widths, train_error_by_width)})
    return ev


@claim("G3-dnn-dof", section=SECTION,
       quote="DNN에서는 Degree of Freedom이 매우 큼에도 불구하고 ... 학습이 잘되는",
       statement="For a network past its interpolation threshold, the generalization gap does "
                 "not grow with width, while its parameters far exceed the training samples.",
       refs=("Neyshabur, Tomioka & Srebro 2015 (arXiv 1412.6614)",
             "Belkin et al. 2019 (PNAS)", "Nakkiran et al. 2019 (arXiv 1912.02292)"),
       history=(
           EarlierDesign(1,
                         'the interpolation width located from the one-hidden-layer width sweep',
                         'undecidable whenever no width short of the widest interpolated (another'
                         ' master seed, the quick budget)'),
       ),
       design=2)
def test_gap_does_not_grow_with_width_after_interpolation(sweep, budget, decide):
    """Hypothesis, fixed before any run: two-hidden-layer ReLU MLPs of widths 128, 256 and 512
    (23 k, 79 k and 288 k parameters for 4000 samples) trained with the width recipe (Adam 1e-3,
    batch 100, 4000 steps) on MNIST-1D 4000/12 000 all fit their training set, and the gap
    (test − training error) at widths 256 and 512 is no larger than at 128, within 1 pp: Welch
    non-inferiority tests, alpha 0.01, both must hold. A classic model's gap grows with its
    degrees of freedom (G2); here the degrees of freedom grow 12-fold.

    Design 1 located the interpolation width w* from the one-hidden-layer width sweep and was
    undecidable whenever no width short of the widest interpolated, which happened at another
    master seed (and at the quick budget). Design 2 (fresh seeds) needs no located threshold: its
    widths are fixed from a pilot in which all three fit the training set (at most 1 error in
    4000) and test error fell from 38.5 % to 33.4 %. Power, simulated with seed spreads of
    0.5 pp: at the pilot's means (gaps 38.5, 35.8, 33.4 %) 1.0 at 4 seeds (0.98 at 3). A gap that
    merely stayed flat would be supported only with probability 0.22 at 4 seeds (0.58 at 6): the
    design is powered for the effect the pilot showed, not for proving exact flatness.

    Premise, checked (the statement is about nets past interpolation): every seed at every
    width fits its training set, at most 4 errors in 4000 (0.1 %); otherwise the claim is
    inconclusive, naming the width that did not interpolate.
    """
    runs = sweep(WIDTH_RECIPE.with_values(**{"model.depth": 2}),
                 seeds=budget.pick(quick=4, standard=4, full=8),
                 grid={"model.width": OVERPARAMETERIZED_WIDTHS})
    narrowest = runs.points[0].config
    ratio = build_model(narrowest.model, (40,), 10).n_params() / narrowest.data.n_train
    assert ratio >= 5, f"design error: narrowest net has only {ratio:.1f}× parameters per sample"
    gaps = [te - tr for te, tr in zip(runs.metric("test_error"), runs.metric("train_error"))]
    past_interpolation = [interpolates(point.metric("train_error"), what=f"width {w}",
                                       n_train=narrowest.data.n_train, errors_allowed=4)
                          for w, point in zip(OVERPARAMETERIZED_WIDTHS, runs.points)]
    decide(given(past_interpolation, gap_does_not_grow_with_width(runs.metric("train_error"),
                                                                  runs.metric("test_error"))),
           figure=Figure(
               "Past interpolation (training error zero) the gap does not grow as the "
               "parameters grow 12-fold. " + Figure.BANDS,
               (Panel.of("hidden units per layer (2 layers)", "error", OVERPARAMETERIZED_WIDTHS,
                         {"gap (test - training error)": gaps,
                          "training error": runs.metric("train_error")},
                         dashed=("training error",), log_x=True),)))


LINEAR_SWEEP = "linear-mnist1d"
LINEAR_MARGIN = 0.10


@counting_diverged(worst=0.0)
def beats_a_linear_model(net_accuracies, linear_accuracies) -> Evidence:
    """Test accuracy of the network minus that of a linear classifier trained the same way: at
    least 10 pp (Welch interval, alpha 0.01). Chance is no bar: a linear model on MNIST-1D
    already reaches about 32 % (SCIENCE.md §2d), 22 pp above it."""
    return difference_exceeds(net_accuracies, linear_accuracies, min_effect=LINEAR_MARGIN,
                              alpha=ALPHA, label="test accuracy, network - linear model")


def linear_model_runs(sweep, budget):
    """A linear softmax classifier (no hidden layer) trained with the width recipe: the
    low-capacity baseline that G4 and G5 compare with."""
    return sweep(WIDTH_RECIPE.with_values(**{"model.depth": 0}),
                 seeds=budget.pick(**WIDTH_SEEDS), shared_as=LINEAR_SWEEP).only()


@counting_diverged(worst={"random_train_errors": 1.0, "random_test_accuracies": 0.0,
                           "true_test_accuracies": 0.0, "linear_test_accuracies": 0.0})
def memorizes_random_labels(random_train_errors, random_test_accuracies, true_test_accuracies,
                            linear_test_accuracies) -> Evidence:
    """G4's judgement, three statements that must all hold (alpha 0.01 each): the net fits
    random labels (mean training error below 1 %, one-sample t bound); its test accuracy on true
    labels is at chance (TOST within ±1.5 pp of 10 %); the same net trained on true labels
    generalizes (beats a linear classifier by at least 10 pp). A diverged random-label run did
    not memorize (the claim body counts its training error as 1); other diverged runs are
    excluded and counted."""
    return all_of({
        "memorizes": mean_below(random_train_errors, 0.01, alpha=ALPHA, resolution=1 / 4000,
                                label="mean training error on random labels"),
        "at chance": equivalent_to(random_test_accuracies, CHANCE, margin=0.015, alpha=ALPHA,
                                   resolution=1 / 12000,
                                   label="test accuracy - chance, random labels"),
        "generalizes on true labels": beats_a_linear_model(true_test_accuracies,
                                                           linear_test_accuracies),
    })


@claim("G4-memorize", section=SECTION,
       quote="DNN에서는 Degree of Freedom이 매우 큼에도 불구하고",
       statement="The same network that generalizes on true labels can memorize random labels: "
                 "training accuracy near 100 %, test accuracy at chance.",
       refs=("Zhang et al. 2017 (arXiv 1611.03530)",),
       history=(
           EarlierDesign(1,
                         "3 seeds, then 6 that reused them; each seed's training error tested "
                         'over the fixed training set',
                         'inconclusive at 3 seeds (at chance: p = 0.0125), supported at 6: '
                         'optional stopping'),
       ),
       design=2)
def test_networks_memorize_random_labels(sweep, budget, decide):
    """Hypothesis, fixed before any run: the widest net of the shared width sweep (one hidden
    layer of 1024 ReLU units, 52 k parameters, Adam 1e-3, batch 100) trained on MNIST-1D whose
    4000 training labels are all redrawn uniformly reaches a mean training error below 1 %, while
    its accuracy on the (true) 12 000 test labels is within ±1.5 pp of chance; and the same net
    on the true labels (the shared sweep's runs) beats a linear classifier trained alike by at
    least 10 pp. Random labels need more steps than true ones (Zhang et al.: "a small constant
    factor"), so the random-label runs train RANDOM_LABEL_STEPS steps, fixed from a 2-seed
    trainability pilot.

    Design 1 started with 3 seeds, came out inconclusive (the at-chance part: p = 0.0125, all
    three test accuracies within 0.6 pp of chance, t(0.99, 2) = 6.96), and was then rerun at 6
    seeds that reused the first three: optional stopping. It also tested each seed's training
    error with a binomial test over the fixed training set. Design 2 draws fresh seeds, fixes 6
    in advance and bounds the mean training error over seeds. Power: with a seed spread of
    s ≈ 0.4 pp, t(0.99, 5) · s/√6 ≈ 0.55 pp, so the equivalence part is supported whenever the
    mean is within about 0.9 pp of chance (power above 0.99 at a true value of chance).
    """
    random = sweep(WIDTH_RECIPE.with_values(**{"model.width": WIDTHS[-1],
                                               "data.random_labels": True,
                                               "steps": RANDOM_LABEL_STEPS}),
                   seeds=budget.pick(quick=6, standard=6, full=12)).only()
    true = sweep(WIDTH_RECIPE, seeds=budget.pick(**WIDTH_SEEDS), grid={"model.width": WIDTHS},
                 shared_as=WIDTH_SWEEP).points[-1]
    linear = linear_model_runs(sweep, budget)
    unfitted = np.nan_to_num(random.metric("train_error"), nan=1.0)  # diverged: did not memorize
    steps, fitting = random.curve("train_error")
    decide(memorizes_random_labels(unfitted, 1 - random.metric("test_error"),
                                   1 - true.metric("test_error"), 1 - linear.metric("test_error")),
           figure=Figure(
               "The same 1024-unit MLP fits random labels (left) and then predicts at chance, "
               "while on true labels it beats a linear model (right). " + Figure.BANDS,
               (Panel.of("Adam step", "training error", steps,
                         {"random labels": fitting}, title="fitting random labels"),
                Panel.of("", "test accuracy",
                         ("net, random labels", "net, true labels", "linear, true labels"),
                         {"test accuracy": [1 - random.metric("test_error"),
                                            1 - true.metric("test_error"),
                                            1 - linear.metric("test_error")]},
                         lines=[(CHANCE, "chance")], title="test accuracy"))))


@claim("G5-few-samples", section=SECTION,
       quote="train data set이 수만장정도만 되어도 학습이 잘되는 경우를 찾아볼 수 있다",
       statement="A network with at least ten times more parameters than training samples "
                 "still generalizes well: far better than a low-capacity model.",
       refs=("Zhang et al. 2017 (arXiv 1611.03530)", "Greydanus 2020, MNIST-1D"),
       history=(
           EarlierDesign(1,
                         'test accuracy at least 20 pp above chance',
                         '0.510 [0.506, 0.514] above chance, a bar logistic regression alone '
                         'clears'),
       ),
       design=2)
def test_overparameterized_networks_generalize(sweep, budget, decide):
    """Hypothesis, fixed before any run: the widest net of the shared width sweep has
    parameters/samples ≥ 10 (52 234 / 4000 ≈ 13, checked as a design precondition) and its test
    accuracy on 12 000 MNIST-1D test samples beats a linear softmax classifier trained the same
    way by at least 10 pp (Welch interval, alpha 0.01). A net that merely memorized would do
    worse than the linear model; one that generalizes well does far better.

    Design 1's bar, 20 pp above chance, is cleared by logistic regression alone (about 32 %
    accuracy), so it did not show what the note says; it measured 0.510 [0.506, 0.514] above
    chance. Design 2 (fresh seeds): a 3-seed pilot of the linear model reached 32.0 % test
    accuracy, a 6-seed pilot of the widest net 61.2 %, an effect of 29 pp (2.9× the bar) with
    seed spreads below 0.5 pp: power 1.0 at 5 or 6 seeds.
    """
    runs = sweep(WIDTH_RECIPE, seeds=budget.pick(**WIDTH_SEEDS), grid={"model.width": WIDTHS},
                 shared_as=WIDTH_SWEEP)
    widest = runs.points[-1]
    ratio = build_model(widest.config.model, (40,), 10).n_params() / widest.config.data.n_train
    assert ratio >= 10, f"design error: widest net has only {ratio:.1f}× parameters per sample"
    linear = linear_model_runs(sweep, budget)
    ev = beats_a_linear_model(1 - widest.metric("test_error"), 1 - linear.metric("test_error"))
    ev.details["params_per_sample"] = ratio
    decide(ev, figure=Figure(
        f"A net with {ratio:.0f} parameters per training sample generalizes far better than a "
        "linear model trained alike. " + Figure.BANDS,
        (Panel.of("", "test accuracy", ("MLP, width 1024", "linear softmax"),
                  {"test accuracy": [1 - widest.metric("test_error"),
                                     1 - linear.metric("test_error")]},
                  lines=[(CHANCE, "chance")]),)))


# Double descent at the catalog's scale: the MNIST-1D notebook's setting (4000 training samples,
# 12 000 test, 15 % label noise, two hidden layers; SCIENCE.md §2a) trained with Adam 1e-3 for
# 300 epochs.
NOISY_SAMPLES = DataSpec(name="mnist1d", n_train=4000, n_test=12000, label_noise=0.15,
                         options=(("pool", 16000),))
DOUBLE_DESCENT_RECIPE = TrainConfig(
    model=ModelSpec(kind="mlp", width=16, depth=2, activation="relu"), data=NOISY_SAMPLES,
    optimizer="adam", lr=1e-3, batch_size=100, steps=12000, eval_points=3,
)
DOUBLE_DESCENT_WIDTHS = (16, 24, 32, 48, 64, 96, 128)
INTERPOLATION_MARGIN = 0.01  # fits the noisy training labels: mean training error below 1 %
PEAK_EFFECT = 0.01


def interpolation_width(train_error_by_width: Sequence[Sequence[float]],
                        widths: Sequence[int]) -> int | None:
    """The narrowest width whose mean training error is below the interpolation margin."""
    for width, errors in zip(widths, train_error_by_width):
        if np.mean(errors) < INTERPOLATION_MARGIN:
            return width
    return None


@counting_diverged(worst={"train_error_by_width": 1.0, "test_error_by_width": 1.0})
def peak_then_descent(train_error_by_width, test_error_by_width, widths: Sequence[int]
                      ) -> Evidence:
    """G6's judgement. The threshold is located from *training* error alone: w* is the narrowest
    width whose mean training error is below 1 %, and the peak width is the one before it, the
    widest net that does not yet fit the noisy labels (where the MNIST-1D notebook's peak sits:
    width 47 at 5.5 % training error, before 61 at 0 %). Two statements, alpha 0.01 each,
    smallest effect 1 pp:

    - descent: test error at the peak width exceeds the widest net's (Welch);
    - ascent: it exceeds that of some width at most half the peak width: one Welch test per
      such width, each at alpha / k (``any_of``), so no best-looking width is picked and then
      tested on the same seeds (the winner's curse).
    """
    threshold = interpolation_width(train_error_by_width, widths)
    n = min(len(e) for e in test_error_by_width)
    at = list(widths).index(threshold) if threshold is not None else 0
    peak = at - 1
    narrower = [i for i in range(max(peak, 0)) if 2 * widths[i] <= widths[peak]]
    if not narrower or at == len(widths) - 1:
        return undecidable(f"interpolation width {threshold} leaves no narrower and wider nets "
                           f"around its peak", alpha=ALPHA, min_effect=PEAK_EFFECT, n_seeds=n)
    errors = [np.asarray(e) for e in test_error_by_width]
    name = f"width {widths[peak]}"
    ev = all_of({
        "descent": difference_exceeds(errors[peak], errors[-1], min_effect=PEAK_EFFECT,
                                      alpha=ALPHA,
                                      label=f"test error, {name} - width {widths[-1]}"),
        "ascent": any_of({f"vs {widths[i]}": difference_exceeds(
            errors[peak], errors[i], min_effect=PEAK_EFFECT, alpha=ALPHA / len(narrower),
            label=f"test error, {name} - width {widths[i]}") for i in narrower}),
    })
    ev.details.update(interpolation_width=threshold, peak_width=widths[peak],
                      mean_test_error_by_width={str(w): float(e.mean())
                                                for w, e in zip(widths, errors)},
                      mean_train_error_by_width={str(w): float(np.mean(t)) for w, t in
                                                 zip(widths, train_error_by_width)})
    return ev


@claim("G6-bigger-generalizes", section=SECTION,
       quote="네트워크가 커질수록 성능이 좋은 현상이 발생하지만, 아직 증명할 순 없다.",
       statement="Past the interpolation threshold test error improves with size again: with "
                 "label noise it peaks near the threshold and then falls (double descent).",
       refs=("Nakkiran et al. 2019 (arXiv 1912.02292)", "Belkin et al. 2019 (PNAS)",
             "Greydanus 2020, MNIST-1D deep-double-descent notebook"),
       history=(
           EarlierDesign(1,
                         '1000 samples, 600 epochs, the ascent tested on 3 held-out seeds',
                         'inconclusive at master seed 0: rise -0.4 pp on the held-out seeds, '
                         'descent 5.5 pp; recorded as a deviation', loosened=True),
           EarlierDesign(2,
                         '4000 samples, widths 16 … 256, 8 seeds, the peak as the mean of the '
                         'widths either side of w*',
                         'descent supported (6.4 pp); ascent inconclusive, 1.9 pp [-0.2, 4.0] '
                         'against width 32, at master seed 0', loosened=True),
       ),
       design=3)
def test_double_descent_with_label_noise(sweep, budget, decide):
    """Hypothesis, fixed before any run: two-hidden-layer ReLU MLPs of widths 16 … 128 on the
    catalog's 4000 MNIST-1D training samples with 15 % label noise (each label replaced, with
    probability 0.15, by a different class), Adam 1e-3, batch 100, 300 epochs, tested on 12 000
    clean samples, show double descent around the threshold located from training error: test
    error at the peak width (the last that does not fit the noisy labels) is at least 1 pp above
    the widest net's (descent) and at least 1 pp above that of some width at most half as wide
    (ascent), as ``peak_then_descent`` defines them.

    Design 1 (1000 samples, 600 epochs, the ascent tested on 3 held-out seeds) came out
    inconclusive at master seed 0 (rise -0.4 pp on the held-out seeds; descent 5.5 pp) and was
    recorded as a deviation; its ascent test had about 23 % power. Design 2 followed the catalog
    (4000 samples; widths 16 … 256, 8 seeds, the peak taken as the mean of the widths either side
    of w*). A 2-seed pilot suggested a 5 pp rise; design 2 measured (master seed 0) mean test
    error 50.6, 50.2, 49.9, 51.5, 53.1, 50.9, 49.3, 45.6 % at widths 16, 24, 32, 48, 64, 96, 128,
    256, training error 2.4 % at 64 and 0 from 96 up, seed spreads of 1.5-2 pp below width 48:
    descent supported (6.4 pp), ascent inconclusive (1.9 pp [-0.2, 4.0] against width 32), since
    averaging w* into the window halved the rise and 8 seeds could not resolve it. Design 3
    (fresh seeds) takes the peak at the last non-interpolating width, compares it with widths at
    most half as wide, drops width 256 (width 128 already fits the labels and falls 3.7 pp below
    the peak) and trains 16 seeds. Power of the whole judgement, simulated from design 2's means
    and spreads (a 3.1 pp rise from width 32 to the peak, k = 3 comparisons at alpha 0.0033; a
    3.7 pp descent): 1.0 at 16 seeds, 0.97 at 12, 0.79 at 8, so the quick budget does not
    decide it.
    """
    runs = sweep(DOUBLE_DESCENT_RECIPE,
                 seeds=budget.pick(quick=Undecided(
                     "at 8 seeds the double-descent test has power 0.79 (design 2's means and "
                     "spreads); the standard budget's 16 give 1.0"), standard=16, full=32),
                 grid={"model.width": DOUBLE_DESCENT_WIDTHS})
    decide(peak_then_descent(runs.metric("train_error"), runs.metric("test_error"),
                             list(DOUBLE_DESCENT_WIDTHS)), figure=Figure(
        "Double descent with 15 % label noise: test error peaks at the last width that does not "
        "fit the noisy training labels, then falls. " + Figure.BANDS,
        (Panel.of("hidden units per layer (2 layers)", "error", DOUBLE_DESCENT_WIDTHS,
                  {"test error": runs.metric("test_error"),
                   "training error": runs.metric("train_error")},
                  dashed=("training error",), log_x=True,
                  lines=[(INTERPOLATION_MARGIN, "interpolation: training error 1 %")]),)))
