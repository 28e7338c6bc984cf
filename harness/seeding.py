"""Seeds derived from names, so that adding or reordering claims changes no other result."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .config import stable_hash

_SEED_BITS = 62


def derive_seed(master: int, *names: Any) -> int:
    """A seed determined by the master seed and any hashable-by-content names.

    Built on SHA-256 of the canonical form, so it is the same in every process, on every
    platform and under every ``PYTHONHASHSEED``.
    """
    return int(stable_hash(int(master), *names, length=16), 16) % (1 << _SEED_BITS)


def torch_generator(seed: int, device: str | torch.device = "cpu") -> torch.Generator:
    gen = torch.Generator(device=device)
    gen.manual_seed(int(seed))
    return gen


def numpy_rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(int(seed))
