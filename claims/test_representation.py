"""Section "3. Representation": who decides how an input is represented, a human or the network.

The first two claims use the note's own example, an angle. The label is 1 on the arc around
0 ≡ 2π (cos θ > 0): the raw number θ splits that class into two pieces at opposite ends of its
range, so a model that can only draw one threshold on θ must fail on it, while (sin θ, cos θ)
joins the pieces. The target decides what is shown: with the label "θ < π" one threshold on the
raw angle suffices and the encoding stops mattering (the end-to-end control runs exactly that).
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Sequence

import numpy as np

from harness.claim import EarlierDesign, claim
from harness.config import DataSpec, ModelSpec, TrainConfig
from harness.probes import probe_point, selectivity_point
from harness.reporting.figures import Figure, Panel, Series
from harness.stats import (Evidence, all_of, counting_diverged, difference_exceeds,
                           equivalent_to, exceeds)

from .recipes import (CNN_RECIPE, CNN_SEEDS, CNN_SPEC, CNN_SWEEP, MATCHED_MLP_SPEC,
                      MNIST1D_LARGE_TEST, SEEN_BEFORE_REDESIGN, WIDTH_RECIPE, WIDTH_SEEDS,
                      WIDTH_SWEEP)

SECTION = "Not understood 3. Representation"
ALPHA = 0.01

# --- the angle (R1, R2) -------------------------------------------------------------------------
# 200 training angles, 10 000 test angles, labelled on the arc around 0 (``data._angles``). A
# linear (logistic) model is the classic model; the network is a 1-32-32-2 ReLU MLP. Both train
# alike: Adam 1e-2, batch 100, 2000 steps. One shared sweep serves both claims, and its three
# arms share their seeds, so every comparison is paired.
ANGLE_SWEEP = "angles@design1"
ANGLE_DATA = DataSpec(name="angles", n_train=200, n_test=10000)
ANGLE_RECIPE = TrainConfig(model=ModelSpec(kind="mlp", width=32, depth=0, activation="relu"),
                           data=ANGLE_DATA, optimizer="adam", lr=1e-2, batch_size=100,
                           steps=2000, eval_points=4)
ARMS = {"linear, raw θ": (0, "raw"), "linear, (sin θ, cos θ)": (0, "sincos"),
        "MLP, raw θ": (2, "raw")}
ENCODING_EFFECT = 0.10  # 10 pp of test error: failing against succeeding, not a detail
CLOSE = 0.02  # "performs close to": within 2 pp of test error, a fifth of the encoding effect


def with_encoding(data: DataSpec, encoding: str) -> DataSpec:
    return replace(data, options=tuple(sorted({**dict(data.options),
                                               "encoding": encoding}.items())))


def angle_arms(sweep, budget) -> dict[str, Sequence[float]]:
    """Test errors of the three arms, paired by seed (index i is one seed in every arm)."""
    arms = {name: (depth, with_encoding(ANGLE_DATA, encoding))
            for name, (depth, encoding) in ARMS.items()}
    runs = sweep(ANGLE_RECIPE, seeds=budget.pick(quick=4, standard=6, full=12),
                 grid={("model.depth", "data"): list(arms.values())},
                 paired=("model.depth", "data"), shared_as=ANGLE_SWEEP)
    points = {name: runs.where(**{"model.depth": depth, "data": data}).only()
              for name, (depth, data) in arms.items()}
    seeds = {tuple(r.seed for r in p.results) for p in points.values()}
    assert len(seeds) == 1, "the arms must share their seeds"
    return {name: p.metric("test_error") for name, p in points.items()}


def seam_distances(theta: float = 1.99 * math.pi) -> dict[str, float]:
    """How far θ lies from 0 under each encoding (the note's 0 and 1.99π)."""
    return {"raw": abs(theta), "sincos": math.hypot(math.sin(theta), math.cos(theta) - 1.0)}


def encoding_panel(errors: dict[str, Sequence[float]]) -> Panel:
    return Panel.of("model and encoding", "test error", list(errors),
                    {"test error": [errors[name] for name in errors]},
                    lines=[(0.5, "chance")])


def distance_panel() -> Panel:
    theta = np.linspace(0.0, 2 * np.pi, 101)
    return Panel("θ", "distance from θ = 0", (
        Series.of("raw θ", theta, theta),
        Series.of("(sin θ, cos θ)", theta, [seam_distances(t)["sincos"] for t in theta],
                  style="dashed")))


@counting_diverged(worst=1.0)
def the_encoding_decides(raw_error, sincos_error) -> Evidence:
    """R1's judgement: over paired seeds, the linear model's test error on the raw angle minus
    on (sin θ, cos θ) is at least 10 pp (one-sample t on the differences, alpha 0.01)."""
    diff = np.asarray(raw_error, dtype=float) - np.asarray(sincos_error, dtype=float)
    return exceeds(diff, 0.0, min_effect=ENCODING_EFFECT, alpha=ALPHA,
                   label="linear model's test error, raw θ - (sin θ, cos θ) (paired)")


@claim("R1-encoding-matters", section=SECTION,
       quote="각도를 표현할 때, 0과 2pi는 같은 값이지만 너무 다르게 표시된다. sin(x)나 cos(x)등을 "
             "사용하면 0과 2pi가 같게 표시되고 0과 1.99pi가 유사한 값이라는걸 알 수 있다.",
       statement="For a classic (linear) model the input's representation decides success: on "
                 "a periodic target it fails with the raw angle and succeeds with (sin, cos), "
                 "under which 0 and 1.99π are neighbours.",
       refs=("Bishop 2006, Pattern Recognition and Machine Learning, §1.4 and §3.1 (basis "
             "functions)",))
def test_the_encoding_decides_a_linear_model(sweep, budget, decide):
    """Hypothesis, fixed before any run: on 200 angles labelled by the arc around 0 (the class
    the raw angle splits in two), a logistic model (Adam 1e-2, batch 100, 2000 steps) has a
    test error at least 10 pp higher on the raw θ than on (sin θ, cos θ), over seeds paired
    across the encodings (one-sample t on the differences, alpha 0.01). The best a single
    threshold on θ can do here is 25 % error; (sin θ, cos θ) separates the classes exactly.

    Pilot (6 pairs, other seeds): 36.8 ± 0.8 % on raw θ against 0.70 ± 0.08 % on (sin, cos);
    with the label "θ < π" instead, 0.44 % and 1.71 %: the target, not the data, makes the
    encoding matter. Power: 1.0 at 4 pairs.
    """
    errors = angle_arms(sweep, budget)
    ev = the_encoding_decides(errors["linear, raw θ"], errors["linear, (sin θ, cos θ)"])
    ev.details["distance from 0 to 1.99π"] = seam_distances()
    decide(ev, figure=Figure(
        "Left: test error of a linear model on the raw angle and on (sin θ, cos θ), and of an "
        "MLP on the raw angle (R2), 200 training angles labelled by the arc around 0. Right: "
        "how far each angle lies from 0 under each encoding; 1.99π is 6.25 away as a number "
        "and 0.031 away on the circle. " + Figure.BANDS,
        (encoding_panel(errors), distance_panel())))


@counting_diverged(worst=1.0)
def the_network_learns_the_encoding(mlp_raw_error, linear_sincos_error, linear_raw_error
                                    ) -> Evidence:
    """R2's judgement, over paired seeds, alpha 0.01:

    - *close to the engineered model*: the MLP's test error on raw θ minus the linear model's
      on (sin θ, cos θ) lies within ±2 pp (TOST on the differences);
    - *far better than the classic model on the same input*: the linear model's test error on
      raw θ minus the MLP's is at least 10 pp (one-sample t on the differences).
    """
    mlp = np.asarray(mlp_raw_error, dtype=float)
    return all_of({
        "close to the engineered model": equivalent_to(
            mlp - np.asarray(linear_sincos_error, dtype=float), 0.0, margin=CLOSE, alpha=ALPHA,
            label="test error, MLP on raw θ - linear on (sin θ, cos θ) (paired)"),
        "far better than the linear model on raw θ": exceeds(
            np.asarray(linear_raw_error, dtype=float) - mlp, 0.0, min_effect=ENCODING_EFFECT,
            alpha=ALPHA, label="test error, linear on raw θ - MLP on raw θ (paired)"),
    })


@claim("R2-dnn-learns-encoding", section=SECTION,
       quote="딥러닝에서는 사람이 열심히 생각해서 representation을 정할 필요가 없다",
       statement="An MLP on the raw angle performs close to the linear model on the hand-made "
                 "(sin, cos) encoding, and far better than the linear model on the raw angle.",
       refs=("Hornik, Stinchcombe & White 1989, multilayer feedforward networks are universal "
             "approximators",))
def test_a_network_learns_the_encoding_itself(sweep, budget, decide):
    """Hypothesis, fixed before any run: on R1's angle task and seeds, a 1-32-32-2 ReLU MLP
    trained on the raw θ like the linear models (Adam 1e-2, batch 100, 2000 steps) has a test
    error within ±2 pp of the linear model on (sin θ, cos θ), and at least 10 pp below the
    linear model on the raw θ (paired seeds, alpha 0.01). The ±2 pp margin is a fifth of the
    10 pp that the encoding must move the linear model by in R1.

    Pilot (6 pairs, other seeds): 0.38 ± 0.28 % for the MLP on raw θ, 0.70 ± 0.08 % for the
    linear model on (sin, cos), 36.8 % for the linear model on raw θ. Power: 1.0 at 4 pairs.
    """
    errors = angle_arms(sweep, budget)
    decide(the_network_learns_the_encoding(errors["MLP, raw θ"],
                                           errors["linear, (sin θ, cos θ)"],
                                           errors["linear, raw θ"]),
           figure=Figure(
               "Test error on the angle task: an MLP given the raw angle against linear models "
               "given the raw angle and the hand-made (sin θ, cos θ). " + Figure.BANDS,
               (encoding_panel(errors),)))


# --- selective units (R3) -----------------------------------------------------------------------
# The width-128 network of the shared width sweep (one hidden layer of 128 ReLU units, Adam 1e-3,
# 4000 steps on MNIST-1D 4000 / 12 000) and the CNN of the shared CNN sweep: their units'
# preferred-class AUROC on the test split at the solution and at the initialization the same
# seed drew (``harness.probes.unit_selectivity``). Both are decided (design 2).
SELECTIVITY_WIDTH = 128
SELECTIVITY_EFFECT = 0.02  # of the units' mean preferred-class AUROC (0.5: no selectivity)
SELECTIVITY_SEEDS = {"quick": 6, "standard": 6, "full": 12}


def layer_values(probes: Sequence[dict], what: str) -> np.ndarray:
    """(seeds, hidden layers) of one probe quantity (``probe_layers``; the input dropped)."""
    return np.array([[np.nan if v is None else v for v in p[what][1:]] for p in probes],
                    dtype=float)


@counting_diverged(worst={"trained": 0.5, "at_init": 1.0})
def training_makes_units_selective(trained, at_init, *, what: str = "last hidden layer"
                                   ) -> Evidence:
    """R3's judgement for one layer: over seeds, the mean preferred-class AUROC of its units
    (``probes.preferred_class_auroc``: threshold- and scale-invariant) at the solution minus at
    the same seed's initialization is at least 0.02 (one-sample t on the paired differences,
    alpha 0.01). A diverged run's units count as unselective (0.5)."""
    diff = np.asarray(trained, dtype=float) - np.asarray(at_init, dtype=float)
    return exceeds(diff, 0.0, min_effect=SELECTIVITY_EFFECT, alpha=ALPHA,
                   label=f"mean unit AUROC, trained - at init, {what} (paired)")


def units_become_selective(mlp_trained, mlp_init, cnn_trained, cnn_init) -> Evidence:
    """R3's judgement: the last hidden layer of the MLP and of the CNN, both must hold."""
    return all_of({
        "MLP hidden layer": training_makes_units_selective(mlp_trained, mlp_init,
                                                           what="MLP hidden layer"),
        "CNN last conv layer": training_makes_units_selective(cnn_trained, cnn_init,
                                                              what="CNN last conv layer")})


def selectivity_panel(title: str, trained: np.ndarray, at_init: np.ndarray,
                      layers: Sequence[str]) -> Panel:
    return replace(Panel.of("hidden layer", "mean preferred-class AUROC", list(layers),
                            {"trained": [trained[:, j] for j in range(len(layers))],
                             "at initialization": [at_init[:, j] for j in range(len(layers))]}),
                   title=title)


@claim("R3-selective-units", section=SECTION,
       quote="특정 node들이 특정한 특징에 민감하게 반응한다.",
       statement="After training, the units of a network's last hidden layer rank their "
                 "preferred class above the others better than the same units at "
                 "initialization, in an MLP and in a CNN.",
       refs=("Morcos et al. 2018, On the importance of single directions for generalization "
             "(arXiv 1803.06959)",
             "Leavitt & Morcos 2021 (arXiv 2003.01262): selectivity is not needed for accuracy",
             "Zhou et al. 2015, object detectors emerge in deep scene CNNs (arXiv 1412.6856)"),
       history=(
           EarlierDesign(1,
                         "Morcos's class-selectivity index of the MLP's 128 ReLU units, "
                         "trained against the same seed at init, by at least 0.03; the CNN "
                         "shown, not decided, after a pilot where its units did not rise",
                         "supported at master seed 0 (0.0662 [0.0562, 0.0763]); a referee "
                         "showed the index rises with sparsity alone: a threshold shifted by "
                         "0.5 sd with unchanged weights reproduces 0.31 → 0.38",
                         data_seeds=SEEN_BEFORE_REDESIGN),
       ),
       design=2)
def test_training_makes_units_class_selective(sweep, measure, budget, decide):
    """Hypothesis, fixed before any run of this design: for the one-hidden-layer ReLU MLP of
    128 units of the width sweep and the 3-layer CNN of the CNN sweep (MNIST-1D 4000 / 12 000),
    each unit's selectivity is the area under the ROC curve of its pre-activation for its
    preferred class (the class with the highest mean on the training split) against the other
    nine, on the test split (``harness.probes.unit_selectivity``; a conv unit is one channel
    at one position). Averaged over a layer's units, it rises from the same seed's
    initialization to its solution by at least 0.02, in the MLP's hidden layer and in the
    CNN's last conv layer (one-sample t on the per-seed differences, alpha 0.01, both must
    hold). The AUROC of a pre-activation cannot change with a bias or a threshold, so a unit
    cannot look more selective by firing more sparsely (the flaw of design 1's index).

    Contrasts: the CNN's first conv layer, by the same rule, is shown and expected not to hold
    (an early layer's units detect generic local patterns, not classes); with permuted labels
    nothing can become class-selective (``tests/test_claims_end_to_end.py``). Morcos's index is
    still shown beside the AUROC.

    Pilot, master seed 99 (a data draw no decision uses): MLP 0.613 → 0.664, a rise of 0.051 ±
    0.008 over 16 seeds; CNN (4 seeds) 0.580 → 0.573, 0.568 → 0.567 and 0.580 → 0.620 in its
    three conv layers (rises -0.007, -0.001, 0.041 ± 0.009). Power, simulated from those
    (4 000 draws): 0.95 at 6 seeds for both parts together (0.56 at 4); the first conv
    layer's rise is supported in 0 of 4 000.
    """
    seeds = budget.pick(**SELECTIVITY_SEEDS)
    mlp = sweep(WIDTH_RECIPE.with_values(**{"model.width": SELECTIVITY_WIDTH}),
                seeds=seeds, shared_as=WIDTH_SWEEP).only()
    cnn = sweep(CNN_RECIPE, seeds=seeds, shared_as=CNN_SWEEP).only()
    auroc = {(name, state): np.array([m["auroc"] for m in selectivity_point(
        measure, point, at_init=state == "init")]) for name, point in (("mlp", mlp), ("cnn", cnn))
        for state in ("trained", "init")}
    ev = units_become_selective(auroc["mlp", "trained"][:, -1], auroc["mlp", "init"][:, -1],
                                auroc["cnn", "trained"][:, -1], auroc["cnn", "init"][:, -1])
    first = training_makes_units_selective(auroc["cnn", "trained"][:, 0],
                                           auroc["cnn", "init"][:, 0], what="CNN first conv layer")
    index = {name: [layer_values(probe_point(measure, point, at_init=state == "init"),
                                 "selectivity").mean(0).tolist() for state in ("trained", "init")]
             for name, point in (("MLP", mlp), ("CNN", cnn))}
    ev.details.update({
        "CNN first conv layer (contrast, same rule)": {"verdict": first.verdict_words,
                                                       "estimate": first.estimate},
        "mean AUROC by layer, trained / init": {
            name: [auroc[name, "trained"].mean(0).tolist(), auroc[name, "init"].mean(0).tolist()]
            for name in ("mlp", "cnn")},
        "Morcos's index by layer, trained / init (shown)": index})
    decide(ev, figure=Figure(
        "Mean preferred-class AUROC of hidden units (0.5: no selectivity) at the solution and "
        "at the initialization the same seed drew. Decided: the MLP's hidden layer and the "
        "CNN's last conv layer; the CNN's earlier layers are shown. " + Figure.BANDS,
        (selectivity_panel("MLP, 128 hidden units", auroc["mlp", "trained"],
                           auroc["mlp", "init"], ["hidden"]),
         selectivity_panel("CNN, 3 conv layers", auroc["cnn", "trained"],
                           auroc["cnn", "init"], ["conv 1", "conv 2", "conv 3"]))))


# --- learned against designed features (R4) ------------------------------------------------------
# The shared CNN, trained on the raw signal, against two classifiers on hand-designed features
# (``harness.features``: shift-invariant Fourier magnitudes of the signal and of its slopes, and
# shift-invariant summary statistics, standardized): a linear (softmax) classifier, the classic
# pipeline, and a 128-128 ReLU MLP, each trained exactly like the CNN. The MLP of the CNN's size
# on the raw signal is shown beside them, not decided.
DESIGNED = replace(MNIST1D_LARGE_TEST, options=(("features", "designed"),))
ON_FEATURES = {"linear classifier": ModelSpec(kind="mlp", width=8, depth=0),
               "MLP 128-128": ModelSpec(kind="mlp", width=128, depth=2, activation="relu")}
LEARNED_EFFECT = 0.05  # 5 pp of test error, as K4-architecture asks of the CNN


def learned_beats_designed(cnn_error, designed_errors: dict[str, Sequence[float]]) -> Evidence:
    """R4's judgement: the CNN's test error is below each designed-feature classifier's by at
    least 5 pp (Welch, alpha 0.01); every contender must be beaten. A diverged run counts
    against its arm, at an error of 1 (``stats.counting_diverged``)."""
    def counted(errors):
        return np.where(np.isfinite(np.asarray(errors, dtype=float)), errors, 1.0)
    cnn_error = counted(cnn_error)
    return all_of({f"beats the {name} on designed features": difference_exceeds(
        counted(errors), cnn_error, min_effect=LEARNED_EFFECT, alpha=ALPHA,
        label=f"test error of the {name} on designed features - of the CNN on the raw signal")
        for name, errors in designed_errors.items()})


@claim("R4-learned-beats-designed", section=SECTION,
       quote="Representation을 사람이 설계하는것 자체가 잘못된 것.",
       statement="A network trained end to end on the raw signal beats classifiers on "
                 "features a practitioner would design for it.",
       refs=("Greydanus 2020, MNIST-1D (arXiv 2011.14439): shifts, scaling and noise make its "
             "digits hard for fixed features",
             "LeCun, Bengio & Hinton 2015, Deep learning (Nature 521): learned against "
             "hand-engineered features"))
def test_learned_features_beat_designed_ones(sweep, budget, decide):
    """Hypothesis, fixed before any run: on MNIST-1D (4000 / 12 000), the shared CNN trained
    on the raw signal (Adam 1e-3, batch 100, 4000 steps) reaches a test error at least 5 pp
    below a linear classifier and below a 128-128 ReLU MLP on designed features, each
    trained the same way (Welch, alpha 0.01).

    The features are what a signal-processing practitioner would build for signals that are
    shifted, scaled and noised: Fourier magnitudes (exactly invariant to circular shifts) of
    the signal and of its first difference, order statistics, moments, total variation, zero
    crossings and the gap between the extremes, standardized on the training split. They are
    a serious contender: in the pilot a linear classifier on them beat an MLP on the raw
    signal by about 12 pp.

    Pilot (4 seeds, other seeds): test error 28.6 % (linear on features), 31.2 % (MLP on
    features; 28.9 % at its best point, 1000 steps, so early stopping would not rescue it),
    against 14.8 % for the CNN and 40.4 % for the MLP of the CNN's size on the raw signal.
    Power: 1.0 at 4 seeds.
    """
    seeds = budget.pick(**CNN_SEEDS)
    raw = sweep(CNN_RECIPE, seeds=seeds, grid={"model": [CNN_SPEC, MATCHED_MLP_SPEC]},
                shared_as=CNN_SWEEP)
    designed = sweep(CNN_RECIPE.with_values(data=DESIGNED), seeds=seeds,
                     grid={"model": list(ON_FEATURES.values())})
    cnn = raw.where(model=CNN_SPEC).only()
    contenders = {name: designed.where(model=spec).only() for name, spec in ON_FEATURES.items()}
    ev = learned_beats_designed(cnn.metric("test_error"),
                                {name: p.metric("test_error") for name, p in contenders.items()})
    generic = raw.where(model=MATCHED_MLP_SPEC).only().metric("test_error")
    ev.details["MLP of the CNN's size on the raw signal, mean test error"] = float(
        np.mean(generic))
    arms = {"CNN, raw signal": cnn.metric("test_error"),
            **{f"{name}, designed features": p.metric("test_error")
               for name, p in contenders.items()},
            "MLP of the CNN's size, raw signal": generic}
    decide(ev, figure=Figure(
        "Test error on MNIST-1D: the CNN trained on the raw signal against classifiers on "
        "designed, shift-invariant features, and (not decided) a generic MLP of the CNN's size "
        "on the raw signal. " + Figure.BANDS,
        (Panel.of("model and input", "test error", list(arms),
                  {"test error": list(arms.values())}, lines=[(0.9, "chance")]),)))
