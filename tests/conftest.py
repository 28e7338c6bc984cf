"""Shared fixtures for the harness unit tests: tiny configs that train in milliseconds.

The unit tests share a 2-core machine with timing work, so every network here is a few hundred
parameters, every data set a few hundred samples, and torch runs on one thread.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import torch

from harness.config import DataSpec, ModelSpec, TrainConfig

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `claims` is a package at the repository root
    sys.path.insert(0, str(ROOT))

torch.set_num_threads(1)

TINY_DATA = {
    "mnist1d": DataSpec(name="mnist1d", n_train=200, n_test=100),
    "regression": DataSpec(name="polynomial", n_train=64, n_test=32),
    "classes": DataSpec(name="teacher_student", n_train=200, n_test=100,
                        options=(("classes", 3), ("dim", 10), ("teacher_width", 4))),
}


def tiny(data: str | DataSpec = "classes", **values: Any) -> TrainConfig:
    """A small MLP on a small data set for a handful of steps. ``data`` names one of
    ``TINY_DATA`` or is a spec; ``values`` are dotted overrides (``**{"model.width": 8}``)."""
    spec = TINY_DATA[data] if isinstance(data, str) else data
    base = TrainConfig(model=ModelSpec(kind="mlp", width=16, depth=1), data=spec,
                       optimizer="sgd", lr=0.05, batch_size=16, steps=12, eval_points=3)
    return base.with_values(**values) if values else base


@pytest.fixture
def tiny_config() -> Callable[..., TrainConfig]:
    """The factory ``tiny(data="classes", **dotted_overrides) -> TrainConfig``."""
    return tiny
