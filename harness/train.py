"""The training engine: a config and a list of seeds in, one result per seed out.

All seeds of a config train in one batched computation (see ``models``). Data stays on the device
and mini-batches are gathered by index, each seed with its own data order. SGD, momentum and Adam
act element-wise, so one optimizer over the stacked tensors is exactly one optimizer per seed.
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

from .config import TrainConfig
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
    """Per-seed mean loss of outputs (S, B, C) against targets (S, B) or (B,)."""
    def classification(out, y):
        s, b, c = out.shape
        y = y.expand(s, b) if y.dim() == 1 else y
        return F.cross_entropy(out.reshape(s * b, c), y.reshape(-1), reduction="none").view(s, b)

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
             y: torch.Tensor, task: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean loss and error per seed over a whole split, in chunks to bound memory."""
    loss_fn = loss_function(task)
    n_seeds = next(iter(params.values())).shape[0]
    loss_sum = torch.zeros(n_seeds, dtype=torch.float64, device=x.device)
    wrong = torch.zeros(n_seeds, dtype=torch.float64, device=x.device)
    for start in range(0, len(x), EVAL_CHUNK):
        xb, yb = x[start:start + EVAL_CHUNK], y[start:start + EVAL_CHUNK]
        out = model.forward(params, xb)
        per_example = loss_fn(out, yb)
        loss_sum += per_example.sum(dim=1, dtype=torch.float64)
        if task == "classification":
            wrong += (out.argmax(dim=-1) != yb).sum(dim=1, dtype=torch.float64)
        else:
            wrong += per_example.sum(dim=1, dtype=torch.float64)
    return loss_sum / len(x), wrong / len(x)


def _epoch_data(gens: list[torch.Generator], x: torch.Tensor, y: torch.Tensor, batch: int
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """One epoch of training data in each seed's own shuffled order, (S, steps·batch, ...):
    one gather per epoch, after which every step's batch is a contiguous slice. The last
    partial batch is dropped so every step sees ``batch`` examples."""
    n = x.shape[0]
    keep = (n // batch) * batch
    order = torch.stack([torch.randperm(n, generator=g)[:keep] for g in gens]).to(x.device)
    flat = order.reshape(-1)
    return (x.index_select(0, flat).view(len(gens), keep, *x.shape[1:]),
            y.index_select(0, flat).view(len(gens), keep, *y.shape[1:]))


def train_seeds(config: TrainConfig, seeds: list[int], device: str | torch.device = "cpu",
                config_key: str = "", data_store: Path | None = None) -> list[RunResult]:
    """Train every seed of ``config`` together and return their results in seed order."""
    if not seeds:
        return []
    device = torch.device(device)
    started = time.perf_counter()
    data = cached_dataset(config.data, str(device), data_store)
    model = build_model(config.model, data.input_shape, data.n_outputs)
    params = model.init([torch_generator(derive_seed(s, "init")) for s in seeds], device)
    for p in params.values():
        p.requires_grad_(True)
    tensors = list(params.values())
    optimizer = make_optimizer(config.optimizer, tensors, lr=config.lr,
                               momentum=config.momentum, weight_decay=config.weight_decay)
    lr_factor = _schedule(config)
    order_gens = [torch_generator(derive_seed(s, "order")) for s in seeds]
    loss_fn = loss_function(data.task)

    n_seeds = len(seeds)
    alive = torch.ones(n_seeds, dtype=torch.bool, device=device)
    diverged_at: list[int | None] = [None] * n_seeds
    evals = eval_steps(config)
    eval_at = set(evals)
    curves: dict[str, list[list[float]]] = {m: [] for m in METRICS}

    def record(step: int) -> None:
        for split, x, y in (("train", data.x_train, data.y_train),
                            ("test", data.x_test, data.y_test)):
            loss, err = evaluate(model, params, x, y, data.task)
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
    per_epoch = data.x_train.shape[0] // batch
    for step in range(1, config.steps + 1):
        j = (step - 1) % per_epoch
        if j == 0:
            x_epoch, y_epoch = _epoch_data(order_gens, data.x_train, data.y_train, batch)
        xb, yb = x_epoch[:, j * batch:(j + 1) * batch], y_epoch[:, j * batch:(j + 1) * batch]
        losses = loss_fn(model.forward(params, xb), yb).mean(dim=1)
        if step % DIVERGENCE_CHECK_EVERY == 0 or step in eval_at:
            check_divergence(losses.detach(), step)
        total = torch.where(alive, losses, torch.zeros_like(losses)).sum()
        optimizer.step(list(torch.autograd.grad(total, tensors)))
        if config.schedule != "constant":
            optimizer.lr = config.lr * lr_factor(step)
        if step in eval_at:
            record(step)

    seconds = (time.perf_counter() - started) / n_seeds
    results = []
    for i, seed in enumerate(seeds):
        kept = {k: v[i].detach().cpu().clone() for k, v in params.items()}
        results.append(RunResult(
            config_key=config_key, seed=seed, steps=list(evals),
            curves={m: [row[i] for row in curves[m]] for m in METRICS},
            diverged_at=diverged_at[i], seconds=seconds, params=kept,
            meta={"n_params": model.n_params(), "device": str(device)},
        ))
    return results
