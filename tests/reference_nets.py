"""torch.nn references for the stacked CNNs: one seed of a stack, as a plain module."""
from __future__ import annotations

import torch
import torch.nn as nn

from harness.config import ModelSpec


def torch_cnn(spec: ModelSpec, input_shape: tuple[int, ...], n_out: int) -> nn.Sequential:
    """The CNN of ``spec`` for inputs (C, L) (Conv1d) or (C, H, W) (Conv2d): strided convs,
    ReLU, flatten, linear head."""
    conv = nn.Conv1d if len(input_shape) == 2 else nn.Conv2d
    channels, layers = input_shape[0], []
    for i in range(spec.depth):
        layers += [conv(channels, spec.width, spec.kernel_size, stride=2 if i < 3 else 1,
                        padding=spec.kernel_size // 2), nn.ReLU()]
        channels = spec.width
    body = nn.Sequential(*layers)
    with torch.no_grad():
        feat = body(torch.zeros(1, *input_shape)).numel()
    return nn.Sequential(body, nn.Flatten(), nn.Linear(feat, n_out))


def with_seed(ref: nn.Sequential, params: dict[str, torch.Tensor], seed: int) -> nn.Sequential:
    """``ref`` holding member ``seed`` of stacked ``params``; the head reads features as
    (channel, position), as ``nn.Flatten`` does."""
    convs = [m for m in ref[0] if isinstance(m, (nn.Conv1d, nn.Conv2d))]
    with torch.no_grad():
        for i, conv in enumerate(convs):
            conv.weight.copy_(params[f"conv{i}.weight"][seed])
            conv.bias.copy_(params[f"conv{i}.bias"][seed])
        ref[2].weight.copy_(params["head.weight"][seed].T)
        ref[2].bias.copy_(params["head.bias"][seed, 0])
    return ref
