"""SGD (with momentum) and Adam over stacked tensors, as a handful of foreach kernels per step.

Both act element-wise, so one update of the stacked tensors is exactly one update per seed. They
follow ``torch.optim.SGD`` and ``torch.optim.Adam`` (L2 weight decay added to the gradient,
Adam's bias corrections), which a unit test checks; they exist because at these tensor sizes
``torch.optim``'s per-step Python bookkeeping costs about ten times the arithmetic.
"""
from __future__ import annotations

import math

import torch


class BatchedSGD:
    def __init__(self, params: list[torch.Tensor], *, lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0):
        self.params, self.lr, self.momentum, self.weight_decay = params, lr, momentum, weight_decay
        self.buffers: list[torch.Tensor] | None = None

    @torch.no_grad()
    def step(self, grads: list[torch.Tensor]) -> None:
        if self.weight_decay:
            grads = torch._foreach_add(grads, self.params, alpha=self.weight_decay)
        if self.momentum:
            if self.buffers is None:
                self.buffers = [g.clone() for g in grads]
            else:
                torch._foreach_mul_(self.buffers, self.momentum)
                torch._foreach_add_(self.buffers, grads)
            grads = self.buffers
        torch._foreach_add_(self.params, grads, alpha=-self.lr)


class BatchedAdam:
    def __init__(self, params: list[torch.Tensor], *, lr: float, betas=(0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0):
        self.params, self.lr, self.weight_decay = params, lr, weight_decay
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.t = 0
        self.m = [torch.zeros_like(p) for p in params]
        self.v = [torch.zeros_like(p) for p in params]

    @torch.no_grad()
    def step(self, grads: list[torch.Tensor]) -> None:
        self.t += 1
        if self.weight_decay:
            grads = torch._foreach_add(grads, self.params, alpha=self.weight_decay)
        torch._foreach_lerp_(self.m, grads, 1 - self.beta1)
        torch._foreach_mul_(self.v, self.beta2)
        torch._foreach_addcmul_(self.v, grads, grads, 1 - self.beta2)
        bias1 = 1 - self.beta1 ** self.t
        bias2 = 1 - self.beta2 ** self.t
        denom = torch._foreach_sqrt(self.v)
        torch._foreach_div_(denom, math.sqrt(bias2))
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(self.params, self.m, denom, -self.lr / bias1)


def make_optimizer(name: str, params: list[torch.Tensor], *, lr: float, momentum: float,
                   weight_decay: float):
    if name == "adam":
        return BatchedAdam(params, lr=lr, weight_decay=weight_decay)
    if name == "sgd":
        return BatchedSGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {name!r}; allowed: sgd, adam")
