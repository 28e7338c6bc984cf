"""The training engine: runs in, one result per run out.

Runs train in stacks, one batched computation each (see ``models``): every seed of a config,
and configs that differ only in per-member values (``config.STACKABLE``: a learning rate, a
momentum, an init scale, label noise, a spawn point). Data stays on the device and mini-batches
are gathered by index, each run with its own data order. SGD, momentum and Adam act
element-wise with per-member hyper-parameters, so one optimizer over the stacked tensors is
exactly one optimizer per run. MLPs without normalization take a hand-written backward pass
(``backprop``) and keep a stack's parameters in one flat buffer; both give autograd's numbers
bit for bit, and other models train through autograd.
A seed whose loss turns NaN or infinite is recorded as diverged and masked out of the summed
loss; the others train on. The loss is checked every
``DIVERGENCE_CHECK_EVERY`` steps and at every evaluation, so ``diverged_at`` is the first check
that saw a non-finite loss.
"""
from __future__ import annotations

import contextlib
import functools
import math
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from .augment import augment
from .backprop import MLPBackprop, flat_gradient, flat_views, log_softmax_rows, supports
from .compute import run_flops
from .config import STACKABLE, TrainConfig, stack_key
from .data import Dataset, load_dataset
from .models import StackedModel, build_model
from .optim import make_optimizer
from .seeding import derive_seed, torch_generator

METRICS = ("train_loss", "train_error", "test_loss", "test_error")
EVAL_CHUNK = 4096
DIVERGENCE_CHECK_EVERY = 25


@dataclass
class RunResult:
    """The outcome of one (config, seed) run: curves at evaluation steps and final values."""

    config_key: str
    seed: int
    steps: list[int]
    curves: dict[str, list[float]]
    diverged_at: int | None = None
    seconds: float = 0.0
    params: dict[str, torch.Tensor] | None = None
    meta: dict = field(default_factory=dict)

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    def final(self, metric: str) -> float:
        if metric not in self.curves:
            raise KeyError(f"unknown metric {metric!r}; known: {', '.join(self.curves)}")
        return self.curves[metric][-1]


@functools.lru_cache(maxsize=8)
def device_model(device: str) -> str:
    """The model of the device that computes, for cache keys: results of one CUDA card or CPU
    model are not another's (kernels and their rounding differ)."""
    dev = torch.device(device)
    if dev.type == "cuda":
        return f"cuda:{torch.cuda.get_device_name(dev)}"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"cpu:{line.split(':', 1)[1].strip()}"
    return f"cpu:{platform.processor() or platform.machine()}"


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was asked for but torch.cuda.is_available() is False")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"unknown device {device!r}; allowed: auto, cpu, cuda")
    return torch.device(device)


@functools.lru_cache(maxsize=16)
def cached_dataset(spec, device: str, store: Path | None) -> Dataset:
    """The data of ``spec``, loaded once per process: every run and measurement shares it."""
    return load_dataset(spec, device, store)


def loss_function(task: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Per-example loss of outputs (S, B, C) against targets (S, B) or (B,), as (S, B).
    Cross-entropy is ``F.cross_entropy``'s, bit for bit, through the faster log-softmax."""
    def classification(out, y):
        s, b, c = out.shape
        y = y.expand(s, b) if y.dim() == 1 else y
        log_probs, _ = log_softmax_rows(out.reshape(s * b, c))
        return F.nll_loss(log_probs, y.reshape(-1), reduction="none").view(s, b)

    def regression(out, y):
        y = y.expand(out.shape) if y.dim() == 2 else y
        return ((out - y) ** 2).mean(dim=-1)

    return classification if task == "classification" else regression


def _schedule(config: TrainConfig) -> Callable[[int], float]:
    total = config.steps
    if config.schedule == "cosine":
        return lambda step: 0.5 * (1 + math.cos(math.pi * step / total))
    if config.schedule == "step":
        return lambda step: 0.1 ** ((step >= total // 2) + (step >= 3 * total // 4))
    return lambda step: 1.0


def eval_steps(config: TrainConfig) -> list[int]:
    """Step 0 (the initialisation, if asked) and ``eval_points`` evenly spaced steps ending at
    the last."""
    points = {max(1, round(config.steps * i / config.eval_points))
              for i in range(1, config.eval_points + 1)}
    return ([0] if config.eval_init else []) + sorted(points)


@torch.no_grad()
def evaluate(model: StackedModel, params: dict[str, torch.Tensor], x: torch.Tensor,
             y: torch.Tensor, task: str, per_member: bool = False
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean loss and error per seed over a whole split, in chunks to bound memory. ``y`` is
    shared, or with ``per_member`` one row of labels per member."""
    loss_fn = loss_function(task)
    n_seeds = next(iter(params.values())).shape[0]
    loss_sum = torch.zeros(n_seeds, dtype=torch.float64, device=x.device)
    wrong = torch.zeros(n_seeds, dtype=torch.float64, device=x.device)
    for start in range(0, len(x), EVAL_CHUNK):
        xb = x[start:start + EVAL_CHUNK]
        yb = y[:, start:start + EVAL_CHUNK] if per_member else y[start:start + EVAL_CHUNK]
        out = model.forward(params, xb)
        per_example = loss_fn(out, yb)
        loss_sum += per_example.sum(dim=1, dtype=torch.float64)
        if task == "classification":
            wrong += (out.argmax(dim=-1) != yb).sum(dim=1, dtype=torch.float64)
        else:
            wrong += per_example.sum(dim=1, dtype=torch.float64)
    return loss_sum / len(x), wrong / len(x)


def _epoch_order(gen: torch.Generator, n: int, batch: int) -> torch.Tensor:
    """One epoch's order of training examples; the last partial batch is dropped so every step
    sees ``batch`` examples."""
    return torch.randperm(n, generator=gen)[:(n // batch) * batch]


def _gather(order: torch.Tensor, x: torch.Tensor, y: torch.Tensor, per_member: bool
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """The examples of each member's order, (S, steps·batch, ...): one gather per epoch, after
    which every step's batch is a contiguous slice. ``y`` is shared (n, ...) or, with
    ``per_member``, one row of labels per member (S, n)."""
    order = order.to(x.device)
    members, keep = order.shape
    flat = order.reshape(-1)
    xs = x.index_select(0, flat).view(members, keep, *x.shape[1:])
    if per_member:
        return xs, torch.gather(y, 1, order)
    return xs, y.index_select(0, flat).view(members, keep, *y.shape[1:])


@dataclass(frozen=True)
class Member:
    """One run of a stack: its config and seed. The seed gives the initialization and the data
    order; a spawned child switches to its own order after its spawn step."""

    config: TrainConfig
    seed: int

    def order_generator(self, after_spawn: bool) -> torch.Generator:
        if after_spawn and self.config.spawn_child:
            return torch_generator(derive_seed(self.seed, "order", self.config.spawn_child))
        return torch_generator(derive_seed(self.seed, "order"))


def check_stackable(configs: list[TrainConfig]) -> None:
    keys = {stack_key(c) for c in configs}
    if len(keys) > 1:
        raise ValueError("configs in one stack must differ only in "
                         f"{', '.join(STACKABLE)}; got {len(keys)} different shapes")


def train_seeds(config: TrainConfig, seeds: list[int], device: str | torch.device = "cpu",
                config_key: str = "", data_store: Path | None = None) -> list[RunResult]:
    """Train every seed of ``config`` together and return their results in seed order."""
    return train_stack([Member(config, s) for s in seeds], device,
                       config_keys=[config_key] * len(seeds), data_store=data_store)


def _labels(datasets: list[Dataset]) -> tuple[torch.Tensor, bool]:
    """The training labels, and whether they are per member: shared when every member reads
    the same data, else one row per member (members differ in label noise)."""
    first = datasets[0]
    if all(d is first for d in datasets):
        return first.y_train, False
    return torch.stack([d.y_train for d in datasets]), True


def train_stack(members: list[Member], device: str | torch.device = "cpu",
                config_keys: list[str] | None = None, data_store: Path | None = None
                ) -> list[RunResult]:
    """Train runs whose configs share every shape in one computation (``STACKABLE`` lists what
    may differ), and return their results in order. Each member's numbers are those it gets
    trained alone: every operation acts on its own slice with its own hyper-parameters."""
    if not members:
        return []
    configs = [m.config for m in members]
    check_stackable(configs)
    device = torch.device(device)
    started = time.perf_counter()
    config = configs[0]
    datasets = [cached_dataset(c.data, str(device), data_store) for c in configs]
    data = datasets[0]
    y_train, per_member = _labels(datasets)
    model = build_model(config.model, data.input_shape, data.n_outputs)
    parts = [build_model(c.model, data.input_shape, data.n_outputs).init(
        [torch_generator(derive_seed(m.seed, "init"))], device) for c, m in zip(configs, members)]
    params = {name: torch.cat([p[name] for p in parts]) for name in parts[0]}
    backprop = MLPBackprop(model, data.task) if supports(model) else None
    if backprop is not None:
        flat, params = flat_views(params)
        tensors = [flat]
    else:
        for p in params.values():
            p.requires_grad_(True)
        tensors = list(params.values())
    rates = [c.lr for c in configs]
    optimizer = make_optimizer(config.optimizer, tensors, lr=rates,
                               momentum=[c.momentum for c in configs],
                               weight_decay=[c.weight_decay for c in configs])
    factors = [_schedule(c) for c in configs]
    scheduled = any(c.schedule != "constant" for c in configs)
    order_gens = [m.order_generator(after_spawn=m.config.spawn_step == 0) for m in members]
    spawns = {}
    for i, m in enumerate(members):
        if m.config.spawn_child and m.config.spawn_step:
            spawns.setdefault(m.config.spawn_step, []).append(i)
    augmenting = [(i, m.config.augment, torch_generator(derive_seed(m.seed, "augment")))
                  for i, m in enumerate(members) if m.config.augment]
    loss_fn = loss_function(data.task)

    n_runs = len(members)
    alive = torch.ones(n_runs, dtype=torch.bool, device=device)
    diverged_at: list[int | None] = [None] * n_runs
    evals = eval_steps(config)
    eval_at = set(evals)
    curves: dict[str, list[list[float]]] = {m: [] for m in METRICS}

    def record(step: int) -> None:
        for split, x, y in (("train", data.x_train, y_train),
                            ("test", data.x_test, data.y_test)):
            loss, err = evaluate(model, params, x, y, data.task,
                                 per_member=per_member and split == "train")
            if split == "train":
                check_divergence(loss, step)
            dead = ~alive | ~torch.isfinite(loss)
            loss = loss.masked_fill(dead, float("nan"))
            err = err.masked_fill(dead, float("nan"))
            curves[f"{split}_loss"].append(loss.tolist())
            curves[f"{split}_error"].append(err.tolist())

    def check_divergence(losses: torch.Tensor, step: int) -> None:
        bad = alive & ~torch.isfinite(losses)
        if bad.any():
            for i in torch.nonzero(bad).flatten().tolist():
                diverged_at[i] = step
            alive.logical_and_(~bad)

    if config.eval_init:
        record(0)
    batch = config.batch_size
    n = data.x_train.shape[0]
    per_epoch = n // batch
    for step in range(1, config.steps + 1):
        j = (step - 1) % per_epoch
        if j == 0:
            x_epoch, y_epoch = _gather(torch.stack([_epoch_order(g, n, batch)
                                                    for g in order_gens]),
                                       data.x_train, y_train, per_member)
        for i in spawns.get(step - 1, ()):
            # A child leaves its parent here: its own data order from this step on.
            order_gens[i] = members[i].order_generator(after_spawn=True)
            xi, yi = _gather(_epoch_order(order_gens[i], n, batch)[None], data.x_train,
                             y_train[i:i + 1] if per_member else y_train, per_member)
            x_epoch[i], y_epoch[i] = xi[0], yi[0]
        xb, yb = x_epoch[:, j * batch:(j + 1) * batch], y_epoch[:, j * batch:(j + 1) * batch]
        if augmenting:
            xb = xb.clone()  # the epoch's gathered examples stay as drawn
            for i, names, gen in augmenting:
                xb[i] = augment(xb[i], names, gen)
        if backprop is not None:
            losses, tape = backprop.forward(params, xb, yb)
        else:
            losses = loss_fn(model.forward(params, xb), yb).mean(dim=1)
        if step % DIVERGENCE_CHECK_EVERY == 0 or step in eval_at:
            check_divergence(losses.detach(), step)
        if backprop is not None:
            grads = [flat_gradient(backprop.backward(params, tape, alive.to(losses.dtype)))]
        else:
            total = torch.where(alive, losses, torch.zeros_like(losses)).sum()
            grads = list(torch.autograd.grad(total, tensors))
        optimizer.step(grads)
        if scheduled:
            optimizer.lr = [lr * f(step) for lr, f in zip(rates, factors)]
        if step in eval_at:
            record(step)

    seconds = (time.perf_counter() - started) / n_runs
    flops = run_flops(model.flops_per_example(), batch_size=batch, steps=config.steps,
                      n_examples=len(data.x_train) + len(data.x_test), n_evals=len(evals))
    keys = config_keys or [""] * n_runs
    results = []
    for i, m in enumerate(members):
        kept = {k: v[i].detach().cpu().clone() for k, v in params.items()}
        results.append(RunResult(
            config_key=keys[i], seed=m.seed, steps=list(evals),
            curves={name: [row[i] for row in curves[name]] for name in METRICS},
            diverged_at=diverged_at[i], seconds=seconds, params=kept,
            meta={"n_params": model.n_params(), "device": str(device), "flops": flops},
        ))
    return results
