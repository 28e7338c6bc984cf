"""MLP, 1-D CNN and 2-D CNN whose parameters carry a leading seed axis.

Several seeds of one architecture train as a single computation: an MLP layer is one batched
matmul over the seed axis, a conv layer one grouped convolution with a group per seed. Each seed
is initialised from its own generator, so a seed's numbers do not depend on which other seeds
share its stack. Parameters are plain tensors in an ordered dict, which later tools (weight
matching, interpolation) can read and write without touching a module.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F

from .config import ModelSpec
from .symmetry import Axis, PermutationSpec

Params = dict[str, torch.Tensor]

ACTIVATION_FNS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "gelu": F.gelu,
}
CNN_STRIDED_LAYERS = 3


def _init_tensor(shape: tuple[int, ...], fan_in: int, fan_out: int, spec: ModelSpec,
                 gen: torch.Generator, is_bias: bool) -> torch.Tensor:
    """PyTorch's default (uniform ±1/√fan_in for weights and biases), He or Xavier normal with
    zero biases, or all zeros; then scaled by ``init_scale``."""
    if spec.init == "zero":
        return torch.zeros(shape)
    if spec.init == "default":
        bound = 1.0 / math.sqrt(fan_in)
        t = (torch.rand(shape, generator=gen) * 2 - 1) * bound
    elif is_bias:
        return torch.zeros(shape)
    else:
        var = 2.0 / fan_in if spec.init == "he" else 2.0 / (fan_in + fan_out)
        t = torch.randn(shape, generator=gen) * math.sqrt(var)
    return t * spec.init_scale


class StackedModel:
    """The architecture of ``spec`` for inputs of ``input_shape`` and ``n_outputs`` outputs."""

    def __init__(self, spec: ModelSpec, input_shape: tuple[int, ...], n_outputs: int):
        self.spec = spec
        self.input_shape = tuple(input_shape)
        self.n_outputs = n_outputs
        self.act = ACTIVATION_FNS[spec.activation]
        self.shapes = self._layer_shapes()

    # -- structure -------------------------------------------------------------------------
    def _layer_shapes(self) -> list[tuple[str, tuple[int, ...], int, int]]:
        """(name, shape, fan_in, fan_out) for every parameter, in forward order."""
        s = self.spec
        out: list[tuple[str, tuple[int, ...], int, int]] = []
        if s.kind == "mlp":
            n_in = math.prod(self.input_shape)
            dims = [n_in] + [s.width] * s.depth + [self.n_outputs]
            for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
                out.append((f"layer{i}.weight", (a, b), a, b))
                out.append((f"layer{i}.bias", (1, b), a, b))
            return out
        channels, grid = self._input_grid()
        taps = (s.kernel_size,) * len(grid)
        for i in range(s.depth):
            fan_in, fan_out = channels * math.prod(taps), s.width * math.prod(taps)
            out.append((f"conv{i}.weight", (s.width, channels, *taps), fan_in, fan_out))
            out.append((f"conv{i}.bias", (s.width,), fan_in, fan_out))
            channels = s.width
        feat = channels * math.prod(self._conv_grids()[-1])
        out.append(("head.weight", (feat, self.n_outputs), feat, self.n_outputs))
        out.append(("head.bias", (1, self.n_outputs), feat, self.n_outputs))
        return out

    def _input_grid(self) -> tuple[int, tuple[int, ...]]:
        """(channels, spatial sizes) of one input: a 1-D CNN reads (L,) or (C, L), a 2-D CNN
        (C, H, W)."""
        shape, kind = self.input_shape, self.spec.kind
        if kind == "cnn" and len(shape) in (1, 2):
            return (1, shape) if len(shape) == 1 else (shape[0], shape[1:])
        if kind == "cnn2d" and len(shape) == 3:
            return shape[0], shape[1:]
        wanted = "signals (L,) or (C, L)" if kind == "cnn" else "images (C, H, W)"
        other = " (use 'cnn2d' for images)" if kind == "cnn" and len(shape) == 3 else ""
        raise ValueError(f"model kind {kind!r} reads {wanted}; got inputs of shape "
                         f"{shape}{other}")

    def _conv_grids(self) -> list[tuple[int, ...]]:
        """The spatial sizes after each conv layer (each axis strided alike)."""
        grid = self._input_grid()[1]
        grids = []
        for i in range(self.spec.depth):
            grid = tuple(self._conv_length(n, i) for n in grid)
            grids.append(grid)
        return grids

    def _conv_length(self, length: int, layer: int) -> int:
        k = self.spec.kernel_size
        stride = 2 if layer < CNN_STRIDED_LAYERS else 1
        return (length + 2 * (k // 2) - k) // stride + 1

    def n_params(self) -> int:
        return sum(math.prod(shape) for _, shape, _, _ in self.shapes)

    def flops_per_example(self) -> int:
        """Multiply-adds ×2 of one forward pass (the training step costs about 3×)."""
        s = self.spec
        if s.kind == "mlp":
            return 2 * sum(math.prod(shape) for name, shape, _, _ in self.shapes
                           if name.endswith("weight"))
        total = 0
        for i, grid in enumerate(self._conv_grids()):
            _, shape, _, _ = self.shapes[2 * i]
            total += 2 * math.prod(shape) * math.prod(grid)
        return total + 2 * math.prod(self.shapes[-2][1])

    # -- symmetry --------------------------------------------------------------------------
    def permutation_spec(self) -> PermutationSpec:
        """Which axes each hidden-unit permutation acts on (per-run tensors, no seed axis).

        MLP: layer i's output units (its weight's columns and bias) and layer i+1's input rows.
        CNN (1-D or 2-D): conv i's output channels and conv i+1's input channels; the last
        conv's channels reach the head flattened with their positions (L', or H'·W'), so they
        move in blocks of that many rows.
        A residual connection adds a layer's output to its input, so the units on both sides
        of it share one permutation. The per-example normalization (no learned or running
        statistics) commutes with any permutation.
        """
        s = self.spec
        axes: list[list[Axis]] = []
        if s.kind == "mlp":
            for i in range(s.depth):
                axes.append([Axis(f"layer{i}.weight", 1), Axis(f"layer{i}.bias", 1),
                             Axis(f"layer{i + 1}.weight", 0)])
            joined = [s.residual and i > 0 for i in range(s.depth)]
            names = [f"P{i}" for i in range(s.depth)]
        else:
            positions = math.prod(self._conv_grids()[-1])
            for i in range(s.depth):
                reader = (Axis(f"conv{i + 1}.weight", 1) if i + 1 < s.depth
                          else Axis("head.weight", 0, block=positions))
                axes.append([Axis(f"conv{i}.weight", 0), Axis(f"conv{i}.bias", 0), reader])
            joined = [s.residual and i >= CNN_STRIDED_LAYERS and i > 0 for i in range(s.depth)]
            names = [f"C{i}" for i in range(s.depth)]
        spec: dict[str, tuple[Axis, ...]] = {}
        current = None
        for name, group, join in zip(names, axes, joined):
            if join and current is not None:
                spec[current] += tuple(group)
            else:
                current = name
                spec[name] = tuple(group)
        return spec

    # -- parameters ------------------------------------------------------------------------
    def init(self, generators: list[torch.Generator], device: str | torch.device) -> Params:
        """Stacked parameters, one slice per generator, each drawn independently on the CPU."""
        per_seed = [
            {name: _init_tensor(shape, fi, fo, self.spec, gen, name.endswith("bias"))
             for name, shape, fi, fo in self.shapes}
            for gen in generators
        ]
        return {name: torch.stack([p[name] for p in per_seed]).to(device)
                for name, *_ in self.shapes}

    # -- forward ---------------------------------------------------------------------------
    def forward(self, params: Params, x: torch.Tensor) -> torch.Tensor:
        """``x`` is (S, B, *input) for per-seed batches or (B, *input) shared by all seeds;
        returns (S, B, n_outputs)."""
        if self.spec.kind == "mlp":
            return self._mlp(params, x)
        return self._cnn(params, x)

    def _normalize(self, h: torch.Tensor, dims: tuple[int, ...]) -> torch.Tensor:
        if self.spec.norm == "none":
            return h
        mean = h.mean(dim=dims, keepdim=True)
        var = h.var(dim=dims, keepdim=True, unbiased=False)
        return (h - mean) * torch.rsqrt(var + 1e-5)

    def hidden_layers(self, params: Params, x: torch.Tensor, *,
                      before_activation: bool = False) -> list[torch.Tensor]:
        """Every hidden layer's output (after its activation and any skip connection), each
        flattened to (S, B, features): what a probe reads. With ``before_activation``, each
        layer's pre-activation instead (after any normalization, before the non-linearity):
        what a threshold-invariant measure of a unit reads."""
        hidden: list[torch.Tensor] = []
        pre: list[torch.Tensor] | None = [] if before_activation else None
        if self.spec.kind == "mlp":
            self._mlp(params, x, hidden, pre)
        else:
            self._cnn(params, x, hidden, pre)
        return hidden if pre is None else pre

    def _mlp(self, params: Params, x: torch.Tensor, hidden: list[torch.Tensor] | None = None,
             pre: list[torch.Tensor] | None = None) -> torch.Tensor:
        s = self.spec
        h = x.flatten(start_dim=x.dim() - len(self.input_shape))
        for i in range(s.depth + 1):
            w, b = params[f"layer{i}.weight"], params[f"layer{i}.bias"]
            z = torch.baddbmm(b, h, w) if h.dim() == 3 else torch.matmul(h, w) + b
            if i == s.depth:
                return z
            z = self._normalize(z, (-1,))
            if pre is not None:
                pre.append(z)
            z = self.act(z)
            h = h + z if (s.residual and h.shape[-1] == z.shape[-1] and i > 0) else z
            if hidden is not None:
                n_seeds = params[f"layer{i}.weight"].shape[0]
                hidden.append(h if h.dim() == 3 else h.unsqueeze(0).expand(n_seeds, *h.shape))
        raise AssertionError("unreachable")

    def _cnn(self, params: Params, x: torch.Tensor, hidden: list[torch.Tensor] | None = None,
             pre: list[torch.Tensor] | None = None) -> torch.Tensor:
        s = self.spec
        n_seeds = params["head.weight"].shape[0]
        in_dims = len(self.input_shape)
        if x.dim() == in_dims + 1:  # shared batch: (B, *input)
            x = x.unsqueeze(0).expand(n_seeds, *x.shape)
        if in_dims == 1:
            x = x.unsqueeze(2)  # (S, B, 1, L)
        batch = x.shape[1]
        h = x.transpose(0, 1).reshape(batch, -1, *x.shape[3:])  # (B, S*C, L) or (B, S*C, H, W)
        conv = F.conv2d if s.kind == "cnn2d" else F.conv1d
        k = s.kernel_size
        for i in range(s.depth):
            w, b = params[f"conv{i}.weight"], params[f"conv{i}.bias"]
            stride = 2 if i < CNN_STRIDED_LAYERS else 1
            z = conv(h, w.reshape(-1, *w.shape[2:]), b.reshape(-1), stride=stride,
                     padding=k // 2, groups=n_seeds)
            if s.norm != "none":
                z4 = z.reshape(batch, n_seeds, s.width, -1)
                z = self._normalize(z4, (2, 3)).reshape(z.shape)
            if pre is not None:
                pre.append(z.reshape(batch, n_seeds, -1).transpose(0, 1))
            z = self.act(z)
            h = h + z if (s.residual and stride == 1 and h.shape == z.shape) else z
            if hidden is not None:
                hidden.append(h.reshape(batch, n_seeds, -1).transpose(0, 1))
        feats = h.reshape(batch, n_seeds, -1).transpose(0, 1)  # (S, B, C*L') or (S, B, C*H'*W')
        return torch.baddbmm(params["head.bias"], feats, params["head.weight"])


def build_model(spec: ModelSpec, input_shape: tuple[int, ...], n_outputs: int) -> StackedModel:
    return StackedModel(spec, input_shape, n_outputs)
