"""The loss landscape between solutions: paths, barriers and Bézier curves.

Points in weight space are one run's parameter dicts (no seed axis). A path is evaluated by
stacking its points along the model's seed axis, so 25 points cost about one batched evaluation
of 25 seeds. Inputs are never changed: every point is a new tensor. The models here normalize
each example by its own statistics (no running or learned statistics), so there is nothing to
re-estimate at a point between two solutions; a model with batch statistics would need them
recomputed at every point (Jordan et al. 2023, REPAIR).

Barrier, as named in SCIENCE.md §S3 (Frankle et al. 2020; Ainsworth et al. 2023): the largest
value along the path minus the mean of its two endpoints, on a grid of at least
``MIN_PATH_POINTS`` points including both endpoints, for loss and for error alike.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from .config import TrainConfig
from .models import build_model
from .seeding import derive_seed, torch_generator
from .symmetry import permute, weight_matching
from .train import cached_dataset, evaluate, loss_function

Params = dict[str, torch.Tensor]
MIN_PATH_POINTS = 25
BARRIER_DEFINITION = ("max over a path of >= 25 evenly spaced points (endpoints included) minus "
                      "the mean of the two endpoints (Frankle et al. 2020; Ainsworth et al. 2023)")
EVAL_STACK = 32


def _check_grid(n_points: int) -> None:
    if not (isinstance(n_points, int) and n_points >= MIN_PATH_POINTS):
        raise ValueError(f"a path needs at least {MIN_PATH_POINTS} points, got {n_points!r}")


def _check_same_shapes(a: Params, b: Params) -> None:
    if a.keys() != b.keys() or any(a[k].shape != b[k].shape for k in a):
        raise ValueError("the two solutions have different parameters: "
                         f"{sorted(a)} with shapes {[tuple(a[k].shape) for k in sorted(a)]} vs "
                         f"{sorted(b)} with shapes {[tuple(b[k].shape) for k in sorted(b)]}")


def linear_path(a: Params, b: Params, n_points: int = MIN_PATH_POINTS) -> list[Params]:
    """(1 - α)·a + α·b at α = 0, 1/(n-1), …, 1; the endpoints are copies of a and b."""
    _check_grid(n_points)
    _check_same_shapes(a, b)
    alphas = [i / (n_points - 1) for i in range(n_points)]
    return [{k: a[k].clone() if t == 0 else b[k].clone() if t == 1 else
             torch.lerp(a[k], b[k], t) for k in a} for t in alphas]


def bezier_point(a: Params, control: Params, b: Params, t: float | torch.Tensor) -> Params:
    """φ(t) = (1-t)²·a + 2t(1-t)·θ + t²·b (Garipov et al. 2018)."""
    return {k: (1 - t) ** 2 * a[k] + 2 * t * (1 - t) * control[k] + t ** 2 * b[k] for k in a}


def bezier_path(a: Params, control: Params, b: Params, n_points: int = MIN_PATH_POINTS
                ) -> list[Params]:
    _check_grid(n_points)
    _check_same_shapes(a, control)
    _check_same_shapes(a, b)
    ts = [i / (n_points - 1) for i in range(n_points)]
    return [{k: v.clone() for k, v in (a if t == 0 else b).items()} if t in (0, 1)
            else bezier_point(a, control, b, t) for t in ts]


@torch.no_grad()
def evaluate_points(config: TrainConfig, points: Sequence[Params], *,
                    device: str | torch.device = "cpu", data_store=None
                    ) -> dict[str, list[float]]:
    """Training and test loss and error of ``config``'s model at every point (in order)."""
    data = cached_dataset(config.data, str(torch.device(device)), data_store)
    model = build_model(config.model, data.input_shape, data.n_outputs)
    out: dict[str, list[float]] = {m: [] for m in ("train_loss", "train_error", "test_loss",
                                                   "test_error")}
    for start in range(0, len(points), EVAL_STACK):
        chunk = points[start:start + EVAL_STACK]
        stacked = {k: torch.stack([p[k] for p in chunk]).to(device).float() for k in chunk[0]}
        for split, x, y in (("train", data.x_train, data.y_train),
                            ("test", data.x_test, data.y_test)):
            loss, err = evaluate(model, stacked, x, y, data.task)
            out[f"{split}_loss"] += loss.tolist()
            out[f"{split}_error"] += err.tolist()
    return out


def barrier(values: Sequence[float]) -> float:
    """The barrier of one metric along a path (``BARRIER_DEFINITION``)."""
    if len(values) < MIN_PATH_POINTS:
        raise ValueError(f"a barrier needs a path of at least {MIN_PATH_POINTS} points, got "
                         f"{len(values)}")
    if not all(math.isfinite(v) for v in values):
        return math.nan
    return max(values) - (values[0] + values[-1]) / 2


def fit_bezier(config: TrainConfig, a: Params, b: Params, *, steps: int, lr: float,
               samples_per_step: int, seed: int, device: str | torch.device = "cpu",
               data_store=None) -> Params:
    """The control point θ of a quadratic Bézier curve from ``a`` to ``b`` that minimizes the
    expected training loss along it, E_{t~U(0,1)} L(φ_θ(t)) (Garipov et al. 2018): θ starts at
    the midpoint of the line; each Adam step draws ``samples_per_step`` values of t and one
    mini-batch of ``config.batch_size`` training examples per t (stacked like seeds)."""
    _check_same_shapes(a, b)
    if steps < 1 or samples_per_step < 1 or not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"fit_bezier needs steps >= 1, samples_per_step >= 1 and lr > 0; got "
                         f"{steps}, {samples_per_step}, {lr}")
    device = torch.device(device)
    data = cached_dataset(config.data, str(device), data_store)
    model = build_model(config.model, data.input_shape, data.n_outputs)
    loss_fn = loss_function(data.task)
    ends = [{k: v.detach().to(device).float() for k, v in p.items()} for p in (a, b)]
    control = {k: ((ends[0][k] + ends[1][k]) / 2).requires_grad_(True) for k in ends[0]}
    optimizer = torch.optim.Adam(list(control.values()), lr=lr)
    gen = torch_generator(derive_seed(seed, "bezier"))
    n = data.x_train.shape[0]
    for _ in range(steps):
        t = torch.rand(samples_per_step, generator=gen).to(device)
        index = torch.randint(n, (samples_per_step, config.batch_size), generator=gen).to(device)
        shape = lambda v: (-1,) + (1,) * v.dim()  # noqa: E731
        stacked = {k: ((1 - t) ** 2).view(shape(v)) * ends[0][k]
                   + (2 * t * (1 - t)).view(shape(v)) * v
                   + (t ** 2).view(shape(v)) * ends[1][k] for k, v in control.items()}
        loss = loss_fn(model.forward(stacked, data.x_train[index]), data.y_train[index])
        optimizer.zero_grad()
        loss.mean().backward()
        optimizer.step()
    return {k: v.detach().cpu() for k, v in control.items()}


def matched_to(first, second) -> tuple[Params, int]:
    """The second run's parameters with its hidden units permuted to match the first's (weight
    matching over the model's declared symmetry, seeded by the two runs), and the passes the
    matching took."""
    data = cached_dataset(first.config.data, str(torch.device(first.device)), first.data_store)
    spec = build_model(first.config.model, data.input_shape, data.n_outputs).permutation_spec()
    rng = np.random.default_rng(derive_seed(first.seed, second.seed, "weight matching"))
    perms, passes = weight_matching(spec, first.params, second.params, rng=rng)
    return permute(second.params, spec, perms), passes


def path_between(first, second, *, aligned: bool, n_points: int = MIN_PATH_POINTS) -> dict:
    """Loss and error along the straight line between two trained runs (``runs.TrainedRun``),
    the second one's hidden units first matched to the first's when ``aligned`` (weight
    matching over the model's declared symmetry, seeded by the two runs). A measurement:
    plain JSON with the curves (``alphas``, one list per metric) and each metric's barrier."""
    a, b, passes = first.params, second.params, 0
    if aligned:
        b, passes = matched_to(first, second)
    curves = evaluate_points(first.config, linear_path(a, b, n_points), device=first.device,
                             data_store=first.data_store)
    return {"alphas": [i / (n_points - 1) for i in range(n_points)], **curves,
            "barrier": {metric: barrier(values) for metric, values in curves.items()},
            "matching_passes": passes}


def _predictions(config: TrainConfig, params: Params, device, data_store) -> torch.Tensor:
    data = cached_dataset(config.data, str(torch.device(device)), data_store)
    model = build_model(config.model, data.input_shape, data.n_outputs)
    stacked = {k: v[None].to(device).float() for k, v in params.items()}
    with torch.no_grad():
        return model.forward(stacked, data.x_test)[0].argmax(dim=-1)


def _test_probabilities(run) -> tuple[torch.Tensor, torch.Tensor]:
    """A trained run's softmax probabilities on its test set, with the test labels."""
    data = cached_dataset(run.config.data, str(torch.device(run.device)), run.data_store)
    model = build_model(run.config.model, data.input_shape, data.n_outputs)
    stacked = {k: v[None].to(run.device).float() for k, v in run.params.items()}
    with torch.no_grad():
        return torch.softmax(model.forward(stacked, data.x_test)[0].double(), dim=-1), data.y_test


def pair_ensemble(first, second) -> dict:
    """Test error of two trained runs and of their ensemble (the mean of their predicted class
    probabilities), a measurement. Two runs that found the same function gain nothing from
    being averaged; runs that err on different inputs do (Fort, Hu & Lakshminarayanan 2019):
    the gain is a difference between solutions that has consequences."""
    pa, y = _test_probabilities(first)
    pb, _ = _test_probabilities(second)
    error = lambda p: float((p.argmax(dim=-1) != y).double().mean())  # noqa: E731
    return {"member_errors": [error(pa), error(pb)], "ensemble_error": error((pa + pb) / 2)}


def _distance(a: Params, b: Params) -> float:
    return math.sqrt(sum(float(((a[k] - b[k]).double() ** 2).sum()) for k in a))


def _norm(a: Params) -> float:
    return math.sqrt(sum(float((v.double() ** 2).sum()) for v in a.values()))


def how_different(first, second) -> dict:
    """How far apart two trained runs (``runs.TrainedRun``) ended, a measurement: the fraction
    of test inputs on which their predicted classes differ, and the distance between their
    weights relative to the mean of their norms, as trained and after weight matching (so a
    mere relabelling of hidden units does not count as a different solution)."""
    a, b = first.params, second.params
    matched, _ = matched_to(first, second)
    scale = (_norm(a) + _norm(b)) / 2
    pa = _predictions(first.config, a, first.device, first.data_store)
    pb = _predictions(second.config, b, second.device, second.data_store)
    return {"disagreement": float((pa != pb).double().mean()),
            "relative_distance": _distance(a, b) / scale,
            "aligned_relative_distance": _distance(a, matched) / scale,
            "test_errors": [first.result.final("test_error"), second.result.final("test_error")]}


def curve_between(first, second, *, steps: int, lr: float, samples_per_step: int,
                  n_points: int = MIN_PATH_POINTS) -> dict:
    """Loss and error along a quadratic Bézier curve fitted between two trained runs
    (``fit_bezier``, seeded by the two runs), a measurement like ``path_between``."""
    control = fit_bezier(first.config, first.params, second.params, steps=steps, lr=lr,
                         samples_per_step=samples_per_step,
                         seed=derive_seed(first.seed, second.seed, "curve"),
                         device=first.device, data_store=first.data_store)
    curves = evaluate_points(first.config, bezier_path(first.params, control, second.params,
                                                       n_points),
                             device=first.device, data_store=first.data_store)
    return {"ts": [i / (n_points - 1) for i in range(n_points)], **curves,
            "barrier": {metric: barrier(values) for metric, values in curves.items()}}


def initial_params(run) -> Params:
    """A trained run's parameters at step 0, drawn again from its seed exactly as training drew
    them (``train.train_stack``), so the initialization need not be stored."""
    data = cached_dataset(run.config.data, str(torch.device(run.device)), run.data_store)
    model = build_model(run.config.model, data.input_shape, data.n_outputs)
    drawn = model.init([torch_generator(derive_seed(run.seed, "init"))], "cpu")
    return {k: v[0] for k, v in drawn.items()}


def largest_rise(values: Sequence[float]) -> float:
    """The largest increase between neighbouring points of a path (≤ 0 when it never rises)."""
    if len(values) < 2:
        raise ValueError(f"a rise needs at least 2 points, got {len(values)}")
    return max(b - a for a, b in zip(values[:-1], values[1:]))


def line_from_init(run, *, n_points: int = MIN_PATH_POINTS) -> dict:
    """Loss and error along the straight line from a run's initialization to its solution
    (monotonic linear interpolation, Goodfellow, Vinyals & Saxe 2015), a measurement: the
    curves, and per metric the largest rise between neighbouring points and the total fall
    from the first point to the last."""
    curves = evaluate_points(run.config, linear_path(initial_params(run), run.params, n_points),
                             device=run.device, data_store=run.data_store)
    return {"alphas": [i / (n_points - 1) for i in range(n_points)], **curves,
            "largest_rise": {m: largest_rise(v) for m, v in curves.items()},
            "fall": {m: v[0] - v[-1] for m, v in curves.items()}}
