"""Label-preserving augmentations of 1-D signals, drawn per example at every training step.

The set follows the augmentation of the MNIST-1D self-supervised notebook (SCIENCE.md §2d):
a random circular shift of up to 10 positions, a re-randomized offset (σ 0.3) and slope
(σ 0.04 per position, about the signal's centre); plus independent Gaussian noise (σ 0.05, a
fraction of the signals' unit scale). Each run draws from its own generator, so a run's numbers do
not depend on the stack it trains in.
"""
from __future__ import annotations

import torch

MAX_SHIFT = 10
OFFSET_SD = 0.3
SLOPE_SD = 0.04
NOISE_SD = 0.05
AUGMENTATIONS = ("shift", "offset_slope", "noise")


def check_augmentations(names) -> None:
    if not isinstance(names, tuple) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"augment must be a tuple of names, got {names!r}; allowed: "
                         f"{', '.join(AUGMENTATIONS)}")
    for name in names:
        if name not in AUGMENTATIONS:
            raise ValueError(f"unknown augmentation {name!r} in augment={names!r}; allowed: "
                             f"{', '.join(AUGMENTATIONS)}")
    if len(set(names)) != len(names):
        raise ValueError(f"augment names an augmentation twice: {names!r}")


def augment(x: torch.Tensor, names: tuple[str, ...], gen: torch.Generator) -> torch.Tensor:
    """A new batch: ``x`` (B, L) or (B, C, L), every example transformed by its own draw, in
    the order of ``names``. The random numbers are drawn on the CPU from ``gen``."""
    if x.dim() < 2:
        raise ValueError(f"augmentations act on batches of signals (B, L) or (B, C, L), got "
                         f"shape {tuple(x.shape)}")
    batch, length = x.shape[0], x.shape[-1]
    lead = (batch,) + (1,) * (x.dim() - 1)
    out = x
    for name in names:
        if name == "shift":
            shifts = torch.randint(-MAX_SHIFT, MAX_SHIFT + 1, (batch,), generator=gen)
            positions = (torch.arange(length)[None, :] - shifts[:, None]) % length
            index = positions.to(x.device).view(batch, *([1] * (x.dim() - 2)), length)
            out = torch.gather(out, -1, index.expand_as(out))
        elif name == "offset_slope":
            offset = torch.randn(batch, generator=gen) * OFFSET_SD
            slope = torch.randn(batch, generator=gen) * SLOPE_SD
            centred = torch.arange(length, dtype=x.dtype) - (length - 1) / 2
            trend = offset[:, None] + slope[:, None] * centred[None, :]
            out = out + trend.to(x.device).view(*lead[:-1], length)
        elif name == "noise":
            out = out + (torch.randn(out.shape, generator=gen) * NOISE_SD).to(x.device)
        else:
            check_augmentations((name,))
    return out
