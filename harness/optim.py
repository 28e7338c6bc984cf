"""SGD (with momentum) and Adam over stacked tensors, as a handful of foreach kernels per step.

Both act element-wise, so one update of the stacked tensors is exactly one update per member of
the stack. Every hyper-parameter is per member (a number, or one number per member along the
first axis), so runs of different learning rates, momenta or weight decays train in one stack.
They follow ``torch.optim.SGD`` and ``torch.optim.Adam`` (L2 weight decay added to the gradient,
Adam's bias corrections), which a unit test checks; they exist because at these tensor sizes
``torch.optim``'s per-step Python bookkeeping costs about ten times the arithmetic.

Per-member values enter as float32 tensors broadcast along the member axis, through the kernels
that fuse the multiply the way the scalar-argument kernels do (``addcmul`` for ``add(alpha=)``,
``addcdiv`` of a scaled numerator for ``addcdiv(value=)``). A unit test checks that a stack of
one value gives bit for bit what the scalar kernels give, so one code path serves both.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

PerMember = float | Sequence[float]


class _PerMember:
    """One hyper-parameter: a value per member, as tensors shaped to broadcast over each
    parameter (members along the first axis)."""

    def __init__(self, what: str, values: PerMember, params: list[torch.Tensor]):
        n = params[0].shape[0] if params else 0
        values = [float(values)] * n if isinstance(values, (int, float)) else [
            float(v) for v in values]
        if len(values) != n:
            raise ValueError(f"{what} has {len(values)} values for a stack of {n} members")
        self.what, self.params, self.values = what, params, values
        self.tensors = self._shaped(values)

    def _shaped(self, values: list[float]) -> list[torch.Tensor]:
        if not self.params:
            return []
        flat = torch.tensor(values, dtype=self.params[0].dtype, device=self.params[0].device)
        return [flat.view(-1, *([1] * (p.dim() - 1))).expand_as(p) for p in self.params]

    def set(self, values: list[float]) -> None:
        if values != self.values:
            self.values = values
            self.tensors = self._shaped(values)

    def any(self) -> bool:
        return any(v != 0.0 for v in self.values)

    def negated(self, divisor: float = 1.0) -> list[torch.Tensor]:
        """−value / divisor per member, computed in double and rounded once, as the scalar
        argument ``-lr / divisor`` would be."""
        return self._shaped([-v / divisor for v in self.values])


class BatchedSGD:
    def __init__(self, params: list[torch.Tensor], *, lr: PerMember, momentum: PerMember = 0.0,
                 weight_decay: PerMember = 0.0):
        self.params = params
        self._lr = _PerMember("lr", lr, params)
        self._momentum = _PerMember("momentum", momentum, params)
        self._decay = _PerMember("weight_decay", weight_decay, params)
        self._neg_lr = self._lr.negated()
        self.buffers: list[torch.Tensor] | None = None

    @property
    def lr(self) -> list[float]:
        return self._lr.values

    @lr.setter
    def lr(self, values: PerMember) -> None:
        values = [float(values)] * len(self._lr.values) if isinstance(values, (int, float)) \
            else [float(v) for v in values]
        if values != self._lr.values:
            self._lr.set(values)
            self._neg_lr = self._lr.negated()

    @torch.no_grad()
    def step(self, grads: list[torch.Tensor]) -> None:
        if self._decay.any():
            grads = torch._foreach_addcmul(grads, self.params, self._decay.tensors)
        if self._momentum.any():
            if self.buffers is None:
                self.buffers = [g.clone() for g in grads]
            else:
                torch._foreach_mul_(self.buffers, self._momentum.tensors)
                torch._foreach_add_(self.buffers, grads)
            grads = self.buffers
        torch._foreach_addcmul_(self.params, grads, self._neg_lr)


class BatchedAdam:
    def __init__(self, params: list[torch.Tensor], *, lr: PerMember, betas=(0.9, 0.999),
                 eps: float = 1e-8, weight_decay: PerMember = 0.0):
        self.params = params
        self._lr = _PerMember("lr", lr, params)
        self._decay = _PerMember("weight_decay", weight_decay, params)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    @property
    def lr(self) -> list[float]:
        return self._lr.values

    @lr.setter
    def lr(self, values: PerMember) -> None:
        self._lr.set([float(values)] * len(self._lr.values) if isinstance(values, (int, float))
                     else [float(v) for v in values])

    @torch.no_grad()
    def step(self, grads: list[torch.Tensor]) -> None:
        self.t += 1
        if self._decay.any():
            grads = torch._foreach_addcmul(grads, self.params, self._decay.tensors)
        torch._foreach_lerp_(self.m, grads, 1 - self.beta1)
        torch._foreach_mul_(self.v, self.beta2)
        torch._foreach_addcmul_(self.v, grads, grads, 1 - self.beta2)
        bias1 = 1 - self.beta1 ** self.t
        bias2 = 1 - self.beta2 ** self.t
        denom = torch._foreach_sqrt(self.v)
        torch._foreach_div_(denom, math.sqrt(bias2))
        torch._foreach_add_(denom, self.eps)
        step = torch._foreach_mul(self.m, self._lr.negated(bias1))
        torch._foreach_addcdiv_(self.params, step, denom)


def make_optimizer(name: str, params: list[torch.Tensor], *, lr: PerMember, momentum: PerMember,
                   weight_decay: PerMember):
    if name == "adam":
        return BatchedAdam(params, lr=lr, weight_decay=weight_decay)
    if name == "sgd":
        return BatchedSGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; allowed: sgd, adam")
