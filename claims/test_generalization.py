"""Section "1. Generalization": what classic theory predicts, and what networks do instead.

The classic half of G1 and G2 uses polynomial least squares, whose degrees of freedom are
explicit, so the textbook behaviour and the network's behaviour stand side by side in one report.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from harness.claim import claim
from harness.classic import polynomial_sweep
from harness.config import DataSpec, ModelSpec, TrainConfig
from harness.models import build_model
from harness.stats import (Evidence, all_of, all_rates_below, difference_exceeds,
                           equivalent_to, exceeds, no_worse_than, ordered_trend, undecidable)

from .recipes import WIDTH_RECIPE, WIDTH_SWEEP, WIDTHS

SECTION = "Not understood 1. Generalization"
RANDOM_LABEL_STEPS = 8000  # twice the true-label recipe; a 2-seed pilot fit random labels by 8000
CHANCE = 0.1  # ten balanced classes
INTERPOLATION_MARGIN = 0.005  # "fits the training set": training error below 0.5 %

# 1-D regression y = sin(πx) + N(0, 0.3²): the noise variance 0.09 sets the scale of every MSE.
POLYNOMIAL = DataSpec(name="polynomial", n_train=30, n_test=2000, options=(("noise", 0.3),))
POLY_MIN_EFFECT = 0.0225  # a quarter of the noise variance


def gap_shrinks_with_n(gaps_by_n: Sequence[Sequence[float]], rng, *, min_effect: float,
                       center: str = "mean") -> Evidence:
    """Decreasing trend of the train-test gap along growing n (Jonckheere–Terpstra, α 0.01)."""
    return ordered_trend(gaps_by_n, direction="decreasing", alpha=0.01, min_effect=min_effect,
                         rng=rng, center=center,
                         label=f"{center} gap at smallest n - at largest n")


@claim("G1-gap-vs-n", section=SECTION,
       quote="| Train set 에러 - Test set 에러 | 가 train set이 클수록 작아지고",
       statement="The generalization gap shrinks as the training set grows, for a classic model "
                 "and for a neural network.",
       refs=("Hastie, Tibshirani & Friedman, ESL §7", "Greydanus 2020, MNIST-1D pooling sweep"))
def test_gap_shrinks_as_the_training_set_grows(sweep, budget, rng, runner, decide):
    """Hypothesis, fixed before any run, in two parts that must both hold:

    - classic: degree-8 polynomial least squares on y = sin(πx) + N(0, 0.3²), n = 15 … 480
      (doubling), 2000 test points, fresh data per replicate. Gap = test MSE − train MSE.
      Theory gives an expected gap ≈ 2σ²(p/n): 0.11 at n = 15, 0.003 at n = 480.
    - network: the shared one-hidden-layer MLP recipe at width 256 on MNIST-1D, n = 500 … 8000
      (doubling), all drawn from one 20 000-sample pool with a common 12 000-sample test set,
      4000 steps each. Gap = test error − train error. The MNIST-1D pooling sweep shrinks the
      gap from 21.8 pp at 1k to 1.9 pp at 10k (SCIENCE.md §2c).

    Test per part: Jonckheere–Terpstra for a decreasing gap along n, alpha 0.01; smallest effect
    that matters: a quarter of the noise variance (0.0225) for the polynomial (between medians:
    polynomial test MSEs are heavy-tailed), 2 pp for the network (between means). Combined by
    intersection-union (p = the larger). Power: both expected effects are 5-10× their smallest
    effect; 40 polynomial replicates and 4 network seeds per n give
    bootstrap intervals far narrower than the effects.
    """
    classic = polynomial_sweep(
        POLYNOMIAL, grid={"n_train": (15, 30, 60, 120, 240, 480), "degree": (8,)},
        replicates=budget.pick(quick=20, standard=40, full=100),
        master_seed=runner.master_seed, namespace="G1-gap-vs-n")
    classic_ev = gap_shrinks_with_n([errs["gap"] for _, errs in classic], rng,
                                    min_effect=POLY_MIN_EFFECT, center="median")
    pool = DataSpec(name="mnist1d", n_train=500, n_test=12000, options=(("pool", 20000),))
    net = sweep(WIDTH_RECIPE.with_values(**{"model.width": 256, "data": pool}),
                seeds=budget.pick(quick=2, standard=4, full=8),
                grid={"data.n_train": (500, 1000, 2000, 4000, 8000)})
    gaps = [p.metric("test_error") - p.metric("train_error") for p in net.points]
    decide(all_of({"classic": classic_ev,
                   "network": gap_shrinks_with_n(gaps, rng, min_effect=0.02)},
                  headline="network"))


def gap_grows_with_degree(gaps_by_degree: Sequence[Sequence[float]], rng) -> Evidence:
    """Increasing trend of the gap along degree; the effect is a difference of medians, since a
    near-interpolating polynomial's test MSE is heavy-tailed (a few fits explode between
    sparse points and dominate any mean)."""
    return ordered_trend(gaps_by_degree, direction="increasing", alpha=0.01,
                         min_effect=POLY_MIN_EFFECT, rng=rng, center="median",
                         label="median gap at highest degree - at lowest")


@claim("G2-gap-vs-dof", section=SECTION,
       quote="Degree of Freedom 이 클수록 커진다",
       statement="In a classic model the generalization gap grows with the degrees of freedom.",
       refs=("Hastie, Tibshirani & Friedman, ESL §7.3",))
def test_gap_grows_with_degrees_of_freedom(budget, rng, runner, decide):
    """Hypothesis, fixed before any run: polynomial least squares on n = 30 points of
    y = sin(πx) + N(0, 0.3²), degrees 1, 3, …, 15 (2 to 16 degrees of freedom, all below
    interpolation at 30), 2000 test points, fresh data per replicate. The gap (test − train MSE)
    increases with degree. Test: Jonckheere–Terpstra, increasing, alpha 0.01; smallest effect
    that matters: a quarter of the noise variance (0.0225) between the median gaps at degree 1
    and degree 15. (The first run reported a difference of means, 1.2e6, dominated by a few
    exploding fits; the median states the typical gap. The test and verdict are unchanged.)

    Power: least-squares theory puts the expected gap at ≈ 2σ²(p/n) for a well-specified model,
    0.012 at p = 2 and 0.096 at p = 16 (more once the fit is ill-conditioned), so the
    expected effect is 4× the smallest that matters; 40 replicates per degree resolve it.
    """
    classic = polynomial_sweep(POLYNOMIAL, grid={"degree": (1, 3, 5, 7, 9, 11, 13, 15)},
                               replicates=budget.pick(quick=20, standard=40, full=100),
                               master_seed=runner.master_seed, namespace="G2-gap-vs-dof")
    decide(gap_grows_with_degree([errs["gap"] for _, errs in classic], rng))


def interpolation_width(train_error_by_width: Sequence[Sequence[float]],
                        widths: Sequence[int]) -> int | None:
    """The narrowest width whose mean training error is below the interpolation margin."""
    for width, errors in zip(widths, train_error_by_width):
        if np.mean(errors) < INTERPOLATION_MARGIN:
            return width
    return None


def gap_does_not_grow_past_interpolation(train_error_by_width, test_error_by_width,
                                         widths: Sequence[int]) -> Evidence:
    """G3's judgement: the widest net's gap is no worse than the gap at the interpolation width,
    within 1 pp (Welch non-inferiority, alpha 0.01)."""
    threshold = interpolation_width(train_error_by_width, widths)
    n = min(len(e) for e in test_error_by_width)
    if threshold is None or threshold == widths[-1]:
        return undecidable(f"no width short of the widest interpolates (threshold {threshold})",
                           alpha=0.01, min_effect=0.01, n_seeds=n)
    at = widths.index(threshold)
    gaps = [np.asarray(te) - np.asarray(tr)
            for te, tr in zip(test_error_by_width, train_error_by_width)]
    ev = no_worse_than(gaps[-1], gaps[at], margin=0.01, alpha=0.01,
                       label=f"gap at width {widths[-1]} - gap at width {threshold}")
    ev.details.update(interpolation_width=threshold,
                      mean_gap_by_width={w: float(np.mean(g)) for w, g in zip(widths, gaps)})
    return ev


@claim("G3-dnn-dof", section=SECTION,
       quote="DNN에서는 Degree of Freedom이 매우 큼에도 불구하고 ... 학습이 잘되는",
       statement="For a network, the generalization gap does not grow with width once it "
                 "interpolates, while its parameters far exceed the training samples.",
       refs=("Neyshabur, Tomioka & Srebro 2015 (arXiv 1412.6614)",
             "Belkin et al. 2019 (PNAS)", "Nakkiran et al. 2019 (arXiv 1912.02292)"))
def test_gap_does_not_grow_with_width_after_interpolation(sweep, budget, decide):
    """Hypothesis, fixed before any run: on the shared width sweep (one-hidden-layer MLPs,
    widths 16 … 1024, MNIST-1D 4000/12 000), let w* be the narrowest width whose mean training
    error is below 0.5 % (it interpolates). The gap (test − train error) of the widest net, whose
    52 k parameters are 13× the samples, is no worse than at w*: Welch non-inferiority test with
    a margin of 1 pp, alpha 0.01. If no width short of the widest interpolates the claim cannot
    be decided and says so (inconclusive).

    Power: in the 4-seed pilot of the recipe the seed spread of test error at widths ≥ 128 was
    0.2-0.5 pp (test-set SE 0.45 pp), so with 6 seeds per width the standard error of a
    difference of means is ≈ 0.3 pp and the one-sided 99 % bound sits ≈ 0.8 pp above the
    estimate: a true difference of zero clears the 1 pp margin. A classic model would put the
    widest net's gap far above the margin (13× more parameters than samples), so a refutation
    would be informative.
    """
    runs = sweep(WIDTH_RECIPE, seeds=budget.pick(quick=3, standard=6, full=12),
                 grid={"model.width": WIDTHS}, shared_as=WIDTH_SWEEP)
    widest = runs.points[-1].config
    ratio = build_model(widest.model, (40,), 10).n_params() / widest.data.n_train
    assert ratio >= 10, f"design error: widest net has only {ratio:.1f}× parameters per sample"
    decide(gap_does_not_grow_past_interpolation(runs.metric("train_error"),
                                                runs.metric("test_error"), list(WIDTHS)))


def memorizes_random_labels(random_train_errors, random_test_accuracies, true_test_accuracies,
                            n_train: int) -> Evidence:
    """G4's judgement, three statements that must all hold (alpha 0.01 each):
    the net fits random labels (every seed's training error below 1 %, exact binomial IUT); its
    test accuracy on true labels is at chance (TOST within ±1.5 pp of 10 %); the same net
    trained on true labels generalizes (test accuracy at least 20 pp above chance)."""
    counts = [int(round(e * n_train)) if np.isfinite(e) else n_train for e in random_train_errors]
    return all_of({
        "memorizes": all_rates_below(counts, n_train, margin=0.01, alpha=0.01,
                                     label="worst seed's training error on random labels"),
        "at chance": equivalent_to(random_test_accuracies, CHANCE, margin=0.015, alpha=0.01,
                                   label="test accuracy - chance, random labels"),
        "generalizes on true labels": exceeds(true_test_accuracies, CHANCE, min_effect=0.2,
                                              alpha=0.01,
                                              label="test accuracy - chance, true labels"),
    }, headline="memorizes")


@claim("G4-memorize", section=SECTION,
       quote="DNN에서는 Degree of Freedom이 매우 큼에도 불구하고",
       statement="The same network that generalizes on true labels can memorize random labels: "
                 "training accuracy near 100 %, test accuracy at chance.",
       refs=("Zhang et al. 2017 (arXiv 1611.03530)",))
def test_networks_memorize_random_labels(sweep, budget, decide):
    """Hypothesis, fixed before any run: the widest net of the shared width sweep (one hidden
    layer of 1024 ReLU units, 52 k parameters, Adam 1e-3, batch 100) trained on MNIST-1D whose
    4000 training labels are all redrawn uniformly reaches ≥ 99 % training accuracy on every
    seed, while its accuracy on the (true) 12 000 test labels is within ±1.5 pp of chance; and
    the same net on the true labels (the shared sweep's runs) is ≥ 20 pp above chance. Random
    labels need more steps than true ones (Zhang et al.: "a small constant factor"), so the
    random-label runs train RANDOM_LABEL_STEPS steps, fixed from a 2-seed trainability pilot.

    Power: a seed with ≤ 4 training errors out of 4000 gives p < 1e-10 against the 1 % margin.
    The equivalence part is a t-based TOST over seeds: with n seeds its one-sided 99 % bound
    lies t(0.99, n-1)·s/√n from the mean. The first design used 3 seeds and overlooked that
    t(0.99, 2) = 6.96: with a seed spread of s ≈ 0.4 pp (0.27 pp is the binomial SE alone) the
    bound reached 1.6 pp and the part came out inconclusive (p = 0.0125, all three test
    accuracies within 0.6 pp of chance). With 6 seeds t(0.99, 5) = 3.36 and the bound is
    ≈ 0.6 pp above the mean, inside the 1.5 pp margin whenever the nets sit at chance.
    """
    random = sweep(WIDTH_RECIPE.with_values(**{"model.width": WIDTHS[-1],
                                               "data.random_labels": True,
                                               "steps": RANDOM_LABEL_STEPS}),
                   seeds=budget.pick(quick=4, standard=6, full=12)).only()
    true = sweep(WIDTH_RECIPE, seeds=budget.pick(quick=3, standard=6, full=12),
                 grid={"model.width": WIDTHS}, shared_as=WIDTH_SWEEP).points[-1]
    decide(memorizes_random_labels(random.metric("train_error"), 1 - random.metric("test_error"),
                                   1 - true.metric("test_error"), random.config.data.n_train))


def far_above_chance(test_accuracies) -> Evidence:
    return exceeds(test_accuracies, CHANCE, min_effect=0.2, alpha=0.01,
                   label="test accuracy - chance")


@claim("G5-few-samples", section=SECTION,
       quote="train data set이 수만장정도만 되어도 학습이 잘되는 경우를 찾아볼 수 있다",
       statement="A network with at least ten times more parameters than training samples "
                 "still generalizes far above chance.",
       refs=("Zhang et al. 2017 (arXiv 1611.03530)", "Greydanus 2020, MNIST-1D"))
def test_overparameterized_networks_generalize(sweep, budget, decide):
    """Hypothesis, fixed before any run: the widest net of the shared width sweep has
    parameters/samples ≥ 10 (52 234 / 4000 ≈ 13, checked as a design precondition) and its test
    accuracy on 12 000 MNIST-1D test samples exceeds chance (10 %) by at least 20 pp. Test:
    one-sample one-sided t-test over seeds, alpha 0.01. Power: MNIST-1D MLPs reach 60-70 %
    (SCIENCE.md §2a), 5× the smallest effect, with a seed spread below 1 pp.
    """
    runs = sweep(WIDTH_RECIPE, seeds=budget.pick(quick=3, standard=6, full=12),
                 grid={"model.width": WIDTHS}, shared_as=WIDTH_SWEEP)
    widest = runs.points[-1]
    ratio = build_model(widest.config.model, (40,), 10).n_params() / widest.config.data.n_train
    assert ratio >= 10, f"design error: widest net has only {ratio:.1f}× parameters per sample"
    ev = far_above_chance(1 - widest.metric("test_error"))
    ev.details["params_per_sample"] = ratio
    decide(ev)


# Double descent at a scale a 2-core CPU affords: 1000 training samples (an epoch is 10 steps),
# so 6000 Adam steps are 600 epochs, longer than the notebook's 500, and the interpolation
# threshold falls at small widths. A 2-seed pilot (training error only) put it near width 32.
NOISY_SAMPLES = DataSpec(name="mnist1d", n_train=1000, n_test=12000, label_noise=0.15,
                         options=(("pool", 13000),))
DOUBLE_DESCENT_RECIPE = TrainConfig(
    model=ModelSpec(kind="mlp", width=8, depth=2, activation="relu"), data=NOISY_SAMPLES,
    optimizer="adam", lr=1e-3, batch_size=100, steps=6000, eval_points=3,
)
DOUBLE_DESCENT_WIDTHS = (4, 8, 12, 16, 24, 32, 48, 64, 128, 256)


def peak_then_descent(train_error_by_width, test_error_by_width, widths: Sequence[int]
                      ) -> Evidence:
    """G6's judgement, at the interpolation width w* located from the *training* error (the
    narrowest width whose mean training error is below 0.5 %), two statements, alpha 0.01,
    smallest effect 1 pp each:

    - descent: test error at w* exceeds test error at the widest net (Welch, one-sided);
    - ascent: test error at w* exceeds test error at the best narrower width. That width is
      chosen on the first half of the seeds and the difference tested on the other half, so the
      choice of the minimum does not bias the test (no winner's curse).
    """
    threshold = interpolation_width(train_error_by_width, widths)
    n = min(len(e) for e in test_error_by_width)
    if threshold is None or threshold in (widths[0], widths[-1]) or n < 4:
        return undecidable(f"interpolation width {threshold} leaves no room for a peak",
                           alpha=0.01, min_effect=0.01, n_seeds=n)
    at = list(widths).index(threshold)
    errors = [np.asarray(e) for e in test_error_by_width]
    half = n // 2
    select, confirm = [e[:half] for e in errors], [e[half:] for e in errors]
    best_before = int(np.argmin([e.mean() for e in select[:at]]))
    ev = all_of({
        "descent": difference_exceeds(errors[at], errors[-1], min_effect=0.01, alpha=0.01,
                                      label=f"test error at w*={threshold} - at {widths[-1]}"),
        "ascent": difference_exceeds(confirm[at], confirm[best_before], min_effect=0.01,
                                     alpha=0.01,
                                     label=f"test error at w*={threshold} - at "
                                           f"{widths[best_before]} (held-out seeds)"),
    }, headline="descent")
    means = [float(e.mean()) for e in errors]
    ev.details.update(interpolation_width=threshold, best_narrower_width=widths[best_before],
                      peak_width=widths[int(np.argmax(means))],
                      mean_test_error_by_width=dict(zip(map(str, widths), means)),
                      mean_train_error_by_width={str(w): float(np.mean(t)) for w, t in
                                                 zip(widths, train_error_by_width)})
    return ev


@claim("G6-bigger-generalizes", section=SECTION,
       quote="네트워크가 커질수록 성능이 좋은 현상이 발생하지만, 아직 증명할 순 없다.",
       statement="Past the interpolation threshold test error improves with size again: with "
                 "label noise it peaks near the threshold and then falls (double descent).",
       refs=("Nakkiran et al. 2019 (arXiv 1912.02292)", "Belkin et al. 2019 (PNAS)",
             "Greydanus 2020, MNIST-1D deep-double-descent notebook"),
       deviation="inconclusive",
       deviation_reason="at 1000 samples, 15 % noise and 600 epochs the descent past the "
                        "threshold is clear (about 5 pp from w*=32 to 256) but the rise into "
                        "the threshold is about 1 pp, too small for 3 held-out seeds")
def test_double_descent_with_label_noise(sweep, budget, decide):
    """Hypothesis, fixed before any run: two-hidden-layer ReLU MLPs of widths 4 … 256 on 1000
    MNIST-1D training samples with 15 % label noise (each label replaced, with probability 0.15,
    by a different class), Adam 1e-3, batch 100, 6000 steps (600 epochs), tested on 12 000
    clean samples. Let w* be the narrowest width that interpolates (mean training error below
    0.5 %, so it fits the noisy labels). Double descent: test error at w* is at least 1 pp above
    the widest net's (descent) and at least 1 pp above the best narrower width's (ascent, chosen
    and tested on disjoint halves of the seeds). Both one-sided Welch tests at alpha 0.01,
    combined by intersection-union.

    Power: the MNIST-1D notebook (4000 samples, 15 % noise) has a 6.8 pp rise from its
    pre-threshold minimum to the peak and an 8.6 pp fall to width 300 (SCIENCE.md §2a); with
    12 000 test samples (SE 0.45 pp) and a seed spread of 1-2 pp, 6 seeds (3 + 3 for the
    ascent) detect a rise of 3 pp or more; a peak smaller than that is reported as inconclusive.

    Measured (standard budget, master seed 0): interpolation at w* = 32 (training error 0.02 %);
    mean test error 67.1 % at width 16, 68.3 % at 32, then 66.0, 64.1 and 62.8 % at 64, 128
    and 256. Descent supported (5.5 pp [4.3, 6.6]); ascent inconclusive (−0.4 pp on the held-out
    seeds against width 12). The peak of the 4000-sample notebook does not reappear at 1000
    samples within this budget, so the claim is recorded as inconclusive: a strict xfail on
    that verdict, which fails as soon as the measurement changes.
    """
    runs = sweep(DOUBLE_DESCENT_RECIPE, seeds=budget.pick(quick=4, standard=6, full=12),
                 grid={"model.width": DOUBLE_DESCENT_WIDTHS})
    decide(peak_then_descent(runs.metric("train_error"), runs.metric("test_error"),
                             list(DOUBLE_DESCENT_WIDTHS)))
