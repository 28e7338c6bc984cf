"""What a trained network's hidden layers encode: linear probes and class selectivity.

Both are measurements on trained runs (``harness.measure``): ``probe_layers(run)`` reads a run's
hidden layers on its own data, at its solution or, with ``at_init``, at the initialization its
seed drew (``landscape.initial_params``), so "trained vs the same architecture at init" is one
call each.

- Linear probe (Alain & Bengio 2016): a ridge-regularized least-squares classifier on one-hot
  targets, fitted in closed form on the training split's standardized features and scored on
  the held-out test split. Layer 0 is the input itself.
- Class selectivity (Morcos et al. 2018): per unit, (μ_max − μ_rest) / (μ_max + μ_rest), with
  μ_max the largest class-conditional mean activation and μ_rest the mean of the other classes'
  means. It needs non-negative activations (ReLU). A unit whose class means are all below
  ``SILENT`` never fires and has no selectivity: it is counted, not scored. A referee showed
  it rises with sparsity alone (a unit's threshold shifted by 0.5 σ, its weights unchanged,
  reproduces a rise of 0.31 → 0.38), so it is shown, not decided.
- Preferred-class AUROC (``unit_selectivity``): per unit, how well its pre-activation ranks its
  preferred class above the others. Threshold- and scale-invariant by construction: no shift of
  a bias can change it.
"""
from __future__ import annotations

import torch
from scipy.stats import rankdata

from .landscape import initial_params
from .models import build_model
from .train import cached_dataset

RIDGE = 1e-3
SILENT = 1e-6
SELECTIVE = 0.5  # a unit this selective fires on average at least 3× more for its top class
# The version of what ``probe_layers`` returns, for ``measure(..., version=PROBES_VERSION)``;
# 2 added the fraction of selective units.
PROBES_VERSION = 2
PROBE_CHUNK = 4096
SELECTIVITY_VERSION = 1  # of what ``unit_selectivity`` returns


@torch.no_grad()
def _layers(run, params, x: torch.Tensor) -> list[torch.Tensor]:
    """The input and every hidden layer's features for ``x``, (N, features) each, float64."""
    data = cached_dataset(run.config.data, str(torch.device(run.device)), run.data_store)
    model = build_model(run.config.model, data.input_shape, data.n_outputs)
    stacked = {k: v[None].to(run.device).float() for k, v in params.items()}
    chunks = [[x[i:i + PROBE_CHUNK].flatten(1).double()]
              + [h[0].double() for h in model.hidden_layers(stacked, x[i:i + PROBE_CHUNK])]
              for i in range(0, len(x), PROBE_CHUNK)]
    return [torch.cat(parts) for parts in zip(*chunks)]


def linear_probe_error(train: torch.Tensor, y_train: torch.Tensor, test: torch.Tensor,
                       y_test: torch.Tensor, n_classes: int, ridge: float = RIDGE) -> float:
    """Test error of a ridge least-squares classifier fitted on (train, y_train)."""
    if train.shape[0] != y_train.shape[0] or test.shape[0] != y_test.shape[0]:
        raise ValueError(f"features and labels disagree: {train.shape[0]} vs "
                         f"{y_train.shape[0]} training rows, {test.shape[0]} vs "
                         f"{y_test.shape[0]} test rows")
    if not ridge > 0:
        raise ValueError(f"ridge must be > 0, got {ridge!r}")
    mean, std = train.mean(0), train.std(0).clamp_min(1e-8)
    a = torch.cat([(train - mean) / std, torch.ones(len(train), 1, dtype=train.dtype)], 1)
    b = torch.cat([(test - mean) / std, torch.ones(len(test), 1, dtype=test.dtype)], 1)
    targets = torch.nn.functional.one_hot(y_train.cpu(), n_classes).to(a.dtype)
    gram = a.T @ a + ridge * len(a) * torch.eye(a.shape[1], dtype=a.dtype)
    weights = torch.linalg.solve(gram, a.T @ targets)
    return float(((b @ weights).argmax(1) != y_test.cpu()).double().mean())


def class_selectivity(features: torch.Tensor, y: torch.Tensor, n_classes: int
                      ) -> tuple[torch.Tensor, int]:
    """Per active unit its selectivity index, and the number of silent units left out."""
    if (features < 0).any():
        raise ValueError("class selectivity needs non-negative activations (ReLU units); got "
                         f"a minimum of {float(features.min()):.3g}")
    onehot = torch.nn.functional.one_hot(y.cpu(), n_classes).to(features.dtype)
    means = (onehot.T @ features) / onehot.sum(0).clamp_min(1)[:, None]  # (classes, units)
    top, _ = means.max(0)
    rest = (means.sum(0) - top) / (n_classes - 1)
    active = top > SILENT
    return ((top - rest) / (top + rest))[active], int((~active).sum())


def probe_layers(run, *, at_init: bool = False, ridge: float = RIDGE) -> dict:
    """Per layer (0 = the input), the linear probe's test error and, for hidden layers, the
    mean class selectivity of active units, the fraction of them above ``SELECTIVE`` and the
    count of silent ones: a measurement (``PROBES_VERSION``)."""
    data = cached_dataset(run.config.data, str(torch.device(run.device)), run.data_store)
    if data.task != "classification":
        raise ValueError(f"probes need a classification set; {run.config.data.name!r} is "
                         f"{data.task}")
    params = initial_params(run) if at_init else run.params
    train, test = _layers(run, params, data.x_train), _layers(run, params, data.x_test)
    out: dict = {"probe_error": [], "selectivity": [None], "selective_fraction": [None],
                 "silent_units": [None]}
    for i, (f_train, f_test) in enumerate(zip(train, test)):
        out["probe_error"].append(linear_probe_error(f_train, data.y_train, f_test,
                                                     data.y_test, data.n_outputs, ridge))
        if i > 0:
            index, silent = class_selectivity(f_test, data.y_test, data.n_outputs)
            out["selectivity"].append(float(index.mean()) if len(index) else None)
            out["selective_fraction"].append(float((index > SELECTIVE).double().mean())
                                             if len(index) else None)
            out["silent_units"].append(silent)
    return out


def probe_point(measure, point, *, at_init: bool = False) -> list[dict]:
    """``probe_layers`` of every run of a sweep point, as cached measurements under one name and
    version, so every claim that probes the same runs shares the same entries."""
    return [measure("linear probes", probe_layers, runs=[(point, i)], version=PROBES_VERSION,
                    at_init=at_init) for i in range(len(point.results))]


@torch.no_grad()
def _pre_activations(run, params, x: torch.Tensor) -> list[torch.Tensor]:
    """Every hidden layer's pre-activations for ``x`` (before the non-linearity), (N, units)
    each, float64; a conv layer's unit is one channel at one position."""
    data = cached_dataset(run.config.data, str(torch.device(run.device)), run.data_store)
    model = build_model(run.config.model, data.input_shape, data.n_outputs)
    stacked = {k: v[None].to(run.device).float() for k, v in params.items()}
    chunks = [[z[0].double() for z in model.hidden_layers(stacked, x[i:i + PROBE_CHUNK],
                                                         before_activation=True)]
              for i in range(0, len(x), PROBE_CHUNK)]
    return [torch.cat(parts) for parts in zip(*chunks)]


def preferred_class_auroc(train: torch.Tensor, y_train: torch.Tensor, test: torch.Tensor,
                          y_test: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Per unit, the area under the ROC curve of its value for its preferred class (the class
    with the highest mean value on the training split) against every other class, on the test
    split (Mann-Whitney U with mid-ranks for ties). 0.5 is no selectivity, 1 a unit that ranks
    every example of its class above every other. Any increasing function of the values, a
    shifted threshold or bias, a scale, leaves it unchanged, so it cannot rise with sparsity
    alone, as the class-selectivity index of Morcos et al. (2018) does."""
    onehot = torch.nn.functional.one_hot(y_train.cpu(), n_classes).to(train.dtype)
    preferred = ((onehot.T @ train.cpu()) / onehot.sum(0).clamp_min(1)[:, None]).argmax(0)
    ranks = torch.from_numpy(rankdata(test.cpu().numpy(), axis=0))
    own = (y_test.cpu()[:, None] == preferred[None, :]).to(ranks.dtype)
    n_own = own.sum(0)
    n_rest = len(test) - n_own
    u = (ranks * own).sum(0) - n_own * (n_own + 1) / 2
    return u / (n_own * n_rest).clamp_min(1)


def unit_selectivity(run, *, at_init: bool = False) -> dict:
    """Per hidden layer, the mean and the spread over units of ``preferred_class_auroc``, and
    the unit count: a measurement (``SELECTIVITY_VERSION``)."""
    data = cached_dataset(run.config.data, str(torch.device(run.device)), run.data_store)
    if data.task != "classification":
        raise ValueError(f"selectivity needs a classification set; {run.config.data.name!r} is "
                         f"{data.task}")
    params = initial_params(run) if at_init else run.params
    train = _pre_activations(run, params, data.x_train)
    test = _pre_activations(run, params, data.x_test)
    out: dict = {"auroc": [], "auroc_sd": [], "units": []}
    for f_train, f_test in zip(train, test):
        auroc = preferred_class_auroc(f_train, data.y_train, f_test, data.y_test,
                                      data.n_outputs)
        out["auroc"].append(float(auroc.mean()))
        out["auroc_sd"].append(float(auroc.std()))
        out["units"].append(int(auroc.numel()))
    return out


def selectivity_point(measure, point, *, at_init: bool = False) -> list[dict]:
    """``unit_selectivity`` of every run of a sweep point, as cached measurements."""
    return [measure("unit selectivity", unit_selectivity, runs=[(point, i)],
                    version=SELECTIVITY_VERSION, at_init=at_init)
            for i in range(len(point.results))]
