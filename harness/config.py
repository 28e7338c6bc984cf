"""What changes a training result, as frozen dataclasses with a stable content hash.

Everything that can change the numbers of a run lives here; everything that cannot (paths,
verbosity, the cache location) lives elsewhere. The hash of a config names its cached runs, so it
must not depend on Python's randomised ``hash()`` or on dict ordering.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np

from .augment import check_augmentations

MODEL_KINDS = ("mlp", "cnn", "cnn2d")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "gelu")
NORMS = ("none", "layer")
INITS = ("default", "he", "xavier", "zero")
OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("constant", "cosine", "step")
# Data with the effect removed, for negative controls: every split's labels permuted (nothing
# to learn), or every example's input positions permuted (no spatial structure left).
CONTROLS = ("none", "shuffled_labels", "shuffled_inputs")


# Independent data draws of one master seed: the data a claim decides on, and the data its
# recipe is tuned on (never the test set). Earlier designs used data seeds 42 and 43 for these
# at every master seed.
MAIN_DRAW, VALIDATION_DRAW = "main", "validation"
DRAWS = (MAIN_DRAW, VALIDATION_DRAW)
DRAW_OWNER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._-]{0,99}$")


def data_seed(master_seed: int, draw: str = MAIN_DRAW) -> int:
    """The data seed of ``draw`` at ``master_seed``, derived from the two, so each master seed
    generates its own inputs, split, label noise, random labels and synthetic sets.

    No master seed draws MNIST-1D's canonical data (its generator's seed 42), on which every
    design before data draws existed was piloted, tuned and decided: at every master seed,
    master seed 0 included, a claim is decided on data no earlier design saw. A claim that needs
    the canonical set pins ``DataSpec(seed=42)``."""
    _check_int("master seed", master_seed, minimum=0)
    check_draw(draw)
    digest = hashlib.sha256(json.dumps(["data draw", int(master_seed), draw]).encode())
    return int(digest.hexdigest()[:8], 16) % (1 << 31)


def check_draw(draw: Any) -> None:
    """A draw is one of ``DRAWS``, or one of them with an owner after '@' ("main@O2-x@design2"):
    a draw of its own for a claim whose earlier design saw the shared one."""
    base, _, owner = draw.partition("@") if isinstance(draw, str) else ("", "", "")
    if base not in DRAWS or (owner == "" and "@" in draw) or not DRAW_OWNER.match(owner or "x"):
        raise ValueError(f"unknown data draw {draw!r}; allowed: {', '.join(DRAWS)}, or one of "
                         f"them followed by '@' and a claim's namespace")


def own_draw(draw: str, owner: str) -> str:
    """The draw ``draw`` of the claim named ``owner`` alone (``check_draw``)."""
    check_draw(f"{draw.partition('@')[0]}@{owner}")
    return f"{draw.partition('@')[0]}@{owner}"


def resolve_data(config: "TrainConfig", master_seed: int) -> "TrainConfig":
    """``config`` with its data draw resolved for ``master_seed`` (``DataSpec.resolved``)."""
    data = config.data.resolved(master_seed)
    return config if data is config.data else replace(config, data=data)


# The data sets the harness can load, and the options each one reads (``DataSpec.options``).
# ``harness.data`` implements exactly these; a test keeps the two in step.
DATASET_OPTIONS: dict[str, tuple[str, ...]] = {
    "mnist1d": ("pool", "features"),
    "teacher_student": ("dim", "teacher_width", "classes"),
    "angles": ("encoding", "target"),
    "polynomial": ("noise", "design"),
    "mnist": ("root",),
    "fashion_mnist": ("root",),
    "cifar10": ("root",),
}


def _check_choice(what: str, value: Any, allowed: tuple) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; allowed: {', '.join(map(str, allowed))}")


def _check_int(what: str, value: Any, *, minimum: int) -> None:
    """Counts are integers: 2.5 units or 1.5 steps are errors here, not deep in training."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r} "
                         f"({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")


def _check_number(what: str, value: Any, *, low: float, high: float = math.inf,
                  low_open: bool = False, high_open: bool = False) -> None:
    """A finite real number in [low, high] (ends open where asked)."""
    interval = (f"{'(' if low_open else '['}{low}, "
                f"{high if math.isfinite(high) else 'inf'}{')' if high_open else ']'}")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{what} must be a finite number in {interval}, got {value!r} "
                         f"({type(value).__name__})")
    v = float(value)
    ok = (math.isfinite(v) and (v > low if low_open else v >= low)
          and (v < high if high_open else v <= high))
    if not ok:
        raise ValueError(f"{what} must be a finite number in {interval}, got {value!r}")


def _check_bool(what: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be True or False, got {value!r}")


@dataclass(frozen=True)
class DataSpec:
    """A data set and the transformations applied to its training labels.

    ``label_noise`` replaces each training label, with that probability, by a *different* class
    drawn uniformly (Nakkiran et al. 2019); ``random_labels`` replaces every training label by a
    uniform draw (Zhang et al. 2017). Test labels are never touched by those two. ``control``
    removes what a claim measures, in every split, for end-to-end negative controls (see
    ``CONTROLS``). ``seed`` fixes the generated inputs, the split, the label corruption and
    the control, shared by every training seed of a sweep.

    A spec without a seed (the default) names a *draw* of the session, not a data set: the
    runner resolves it from the master seed (``resolved``), so every master seed trains and
    tests on data of its own and "five master seeds agree" means five data draws, not five
    initialisations of one draw. ``draw`` names independent draws of one master seed ("main"
    for the data a claim decides on, "validation" for the data its recipe is tuned on). An
    explicit seed pins a draw for every master seed (tests, a lab's frozen data set).
    """

    name: str = "mnist1d"
    n_train: int = 4000
    n_test: int = 1000
    label_noise: float = 0.0
    random_labels: bool = False
    seed: int | None = None
    options: tuple[tuple[str, Any], ...] = ()
    control: str = "none"
    draw: str = "main"

    def __post_init__(self) -> None:
        _check_choice("data set", self.name, tuple(DATASET_OPTIONS))
        _check_choice("data control", self.control, CONTROLS)
        _check_int("n_train", self.n_train, minimum=1)
        _check_int("n_test", self.n_test, minimum=1)
        _check_number("label_noise", self.label_noise, low=0.0, high=1.0)
        _check_bool("random_labels", self.random_labels)
        if self.seed is not None:
            _check_int("data seed", self.seed, minimum=0)
        check_draw(self.draw)
        if self.seed is not None and self.draw != MAIN_DRAW:
            raise ValueError(f"data draw {self.draw!r} is resolved from the master seed; a spec "
                             f"with an explicit seed ({self.seed}) names its data already: "
                             f"give one or the other")
        if self.label_noise and self.random_labels:
            raise ValueError("label_noise and random_labels are exclusive; choose one")
        if not isinstance(self.options, tuple) or not all(
                isinstance(o, tuple) and len(o) == 2 and isinstance(o[0], str)
                for o in self.options):
            raise ValueError(f"options must be a tuple of (name, value) pairs, got "
                             f"{self.options!r}")
        allowed = DATASET_OPTIONS[self.name]
        for key, _ in self.options:
            if key not in allowed:
                raise ValueError(f"unknown option {key!r} for data set {self.name!r}; allowed: "
                                 f"{', '.join(allowed) or 'none'}")

    def option(self, key: str, default: Any = None) -> Any:
        return dict(self.options).get(key, default)

    def resolved(self, master_seed: int) -> "DataSpec":
        """This spec with its data seed fixed for ``master_seed`` (``data_seed``); a spec with
        an explicit seed is returned as it is."""
        if self.seed is not None:
            return self
        return replace(self, seed=data_seed(master_seed, self.draw), draw=MAIN_DRAW)


@dataclass(frozen=True)
class ModelSpec:
    """A small declarative network description.

    MLP: ``depth`` hidden layers of ``width`` units (any input, flattened). CNN: ``depth`` 1-D
    conv layers of ``width`` channels (the first three stride 2, as in the MNIST-1D ConvBase),
    then a linear read-out, for signals (L,) or (C, L). CNN2D: the same with square
    ``kernel_size`` × ``kernel_size`` 2-D convolutions, for images (C, H, W).
    ``residual`` adds skip connections around every layer whose input and output shapes agree.
    ``init_scale`` multiplies the initial weights (0 gives the symmetric all-zero start).
    """

    kind: str = "mlp"
    width: int = 100
    depth: int = 2
    activation: str = "relu"
    init: str = "default"
    init_scale: float = 1.0
    residual: bool = False
    norm: str = "none"
    kernel_size: int = 3

    def __post_init__(self) -> None:
        _check_choice("model kind", self.kind, MODEL_KINDS)
        _check_choice("activation", self.activation, ACTIVATIONS)
        _check_choice("norm", self.norm, NORMS)
        _check_choice("init", self.init, INITS)
        _check_int("width", self.width, minimum=1)
        _check_int("depth", self.depth, minimum=0 if self.kind == "mlp" else 1)
        _check_number("init_scale", self.init_scale, low=0.0)
        _check_bool("residual", self.residual)
        _check_int("kernel_size", self.kernel_size, minimum=1)


@dataclass(frozen=True)
class TrainConfig:
    """One training recipe; with a seed it names exactly one run.

    ``steps`` counts optimizer steps; ``eval_points`` evenly spaced evaluations (always including
    the last step) make the curves, preceded by one at initialisation when ``eval_init``. Every
    run's final parameters are kept (in the run cache, beside its result), so asking for the
    weights of a run never changes its key.

    ``spawn_child`` > 0 makes the run a child spawned from its seed's run at ``spawn_step``
    (Frankle et al. 2020): the same initialization and the same first ``spawn_step`` steps,
    then its own data order (the epoch in progress is redrawn). Child 0 is the parent's own
    run, so it always has ``spawn_step`` 0. A child shares its parent's seed (``lineage``).
    ``augment`` names label-preserving transformations of every training batch
    (``augment.AUGMENTATIONS``).
    """

    model: ModelSpec = field(default_factory=ModelSpec)
    data: DataSpec = field(default_factory=DataSpec)
    optimizer: str = "sgd"
    lr: float = 0.01
    momentum: float = 0.0
    weight_decay: float = 0.0
    schedule: str = "constant"
    batch_size: int = 100
    steps: int = 1000
    eval_points: int = 5
    eval_init: bool = True
    spawn_step: int = 0
    spawn_child: int = 0
    augment: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.model, ModelSpec):
            raise ValueError(f"model must be a ModelSpec, got {self.model!r}")
        if not isinstance(self.data, DataSpec):
            raise ValueError(f"data must be a DataSpec, got {self.data!r}")
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("schedule", self.schedule, SCHEDULES)
        _check_number("lr", self.lr, low=0.0, low_open=True)
        _check_number("momentum", self.momentum, low=0.0, high=1.0, high_open=True)
        _check_number("weight_decay", self.weight_decay, low=0.0)
        _check_int("batch_size", self.batch_size, minimum=1)
        _check_int("steps", self.steps, minimum=1)
        _check_int("eval_points", self.eval_points, minimum=1)
        _check_bool("eval_init", self.eval_init)
        check_augmentations(self.augment)
        _check_int("spawn_step", self.spawn_step, minimum=0)
        _check_int("spawn_child", self.spawn_child, minimum=0)
        if self.spawn_step > self.steps:
            raise ValueError(f"spawn_step {self.spawn_step} is beyond the run's {self.steps} "
                             f"steps; allowed: 0 … {self.steps}")
        if self.spawn_child == 0 and self.spawn_step:
            raise ValueError(f"spawn_step {self.spawn_step} needs spawn_child >= 1: child 0 is "
                             f"the parent's own run, which is never spawned")
        if self.batch_size > self.data.n_train:
            raise ValueError(
                f"batch_size {self.batch_size} exceeds n_train {self.data.n_train}"
            )

    def with_values(self, **dotted: Any) -> "TrainConfig":
        """A copy with fields replaced, nested ones named by dotted paths (``model.width``)."""
        return set_path(self, dotted)

    def epochs(self) -> float:
        return self.steps * self.batch_size / self.data.n_train

    def lineage(self) -> "TrainConfig":
        """The config whose seeds this one's runs share: a spawned child's parent run."""
        return replace(self, spawn_step=0, spawn_child=0)


# What may differ between runs that train in one stacked computation: values that change no
# tensor's shape and act per member (a rate, a momentum, an init scale, the training labels, the
# data order). Everything else must be equal (``stack_key``).
STACKABLE = ("lr", "momentum", "weight_decay", "schedule", "model.init_scale",
             "data.label_noise", "spawn_step", "spawn_child", "augment")


def stack_key(config: TrainConfig) -> str:
    """Configs with the same key can train in one stack."""
    reference = TrainConfig()
    return stable_hash("stack", set_path(config, {p: get_path(reference, p)
                                                  for p in STACKABLE}))


def epochs_to_steps(epochs: int, n_train: int, batch_size: int) -> int:
    """Steps of ``epochs`` full passes when each pass drops its last incomplete batch."""
    return epochs * (n_train // batch_size)


def set_path(obj: Any, values: dict[str, Any]) -> Any:
    """Replace fields of a (nested) frozen dataclass by dotted path; unknown names are errors."""
    if not dataclasses.is_dataclass(obj):
        raise ValueError(f"cannot set {', '.join(values)} inside {obj!r}: not a config")
    direct: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    names = {f.name for f in fields(obj)}
    for path, value in values.items():
        head, _, rest = path.partition(".")
        if head not in names:
            raise ValueError(
                f"unknown config field {path!r} for {type(obj).__name__}; "
                f"known: {', '.join(sorted(names))}"
            )
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            direct[head] = value
    for head, sub in nested.items():
        direct[head] = set_path(direct.get(head, getattr(obj, head)), sub)
    return replace(obj, **direct)


def get_path(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


# Fields that configs no longer have, with the value every hashed config had: they stay in the
# canonical form so that run keys and seeds derived before their removal do not move.
RETIRED_FIELDS = {"TrainConfig": {"keep_params": False}}
# Fields added later, left out of the canonical form while at these values (the value every
# earlier config had), for the same reason.
ADDED_FIELDS = {"TrainConfig": {"spawn_step": 0, "spawn_child": 0, "augment": ()},
                "DataSpec": {"draw": "main"}}


def canonical(obj: Any) -> Any:
    """A JSON-ready form of a config that is identical across processes and platforms."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {"__type__": type(obj).__name__, **RETIRED_FIELDS.get(type(obj).__name__, {})}
        added = ADDED_FIELDS.get(type(obj).__name__, {})
        for f in fields(obj):
            value = getattr(obj, f.name)
            if f.name in added and value == added[f.name]:
                continue
            if f.type == "float" and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)  # lr=1 and lr=1.0 name the same run
            out[f.name] = canonical(value)
        return out
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, (list, tuple)):
        return [canonical(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): canonical(v) for k, v in sorted(obj.items())}
    if isinstance(obj, float):
        return repr(obj)
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    raise TypeError(f"cannot hash config value of type {type(obj).__name__}: {obj!r}")


def stable_hash(*parts: Any, length: int = 16) -> str:
    """A hex digest of the canonical JSON of ``parts``; never Python's ``hash()``."""
    text = json.dumps([canonical(p) for p in parts], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]
