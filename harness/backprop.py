"""The training step's backward pass for stacked MLPs, written out by hand.

At the widths most claims train (16 to 128 units, batches of 100), autograd's bookkeeping (a
graph node per operation, its saved tensors, the engine's queue) costs a quarter to a third of a
step. An MLP's backward pass is short enough to write out, so it is written here with the very
ATen kernels autograd would call, in the same order, on tensors of the same layouts. The
gradients are therefore bit-for-bit autograd's, which a unit test checks for every supported
variant, so no cached result changes.

Supported: MLPs of any depth and activation, with or without residual connections, without
normalization, for classification (cross-entropy) and regression (squared error). For anything
else (normalization, convolutions) ``supports`` is false and the engine trains through autograd.
The cross-entropy's log-softmax (``log_softmax_rows``) serves both paths.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import torch

from .models import StackedModel

aten = torch.ops.aten

# d activation / d input, from the activation's output (or, for GELU, its input), as autograd
# computes it.
_ACTIVATION_BACKWARD = {
    "relu": lambda grad, pre, out: aten.threshold_backward(grad, out, 0),
    "tanh": lambda grad, pre, out: aten.tanh_backward(grad, out),
    "sigmoid": lambda grad, pre, out: aten.sigmoid_backward(grad, out),
    "gelu": lambda grad, pre, out: aten.gelu_backward(grad, pre),
}
_NLL_NO_REDUCTION, _NO_IGNORED_INDEX = 0, -100


COLUMN_PAD = 64  # rows are padded to a multiple of this, so no column falls in a scalar tail


@functools.lru_cache(maxsize=64)
def columns_match_rows(classes: int) -> bool:
    """Whether log-softmax over the columns of the transposed logits gives, on this machine,
    the bits the row kernel gives, forward and backward, for ``classes`` classes.

    The row kernel is slow for few classes (about 60 us for 400 rows of 10 on one core, against
    15 us by columns): its per-row vector reduction barely fills a register. Where a row fits
    in one vector register it sums in the column kernel's order with the same vectorized
    ``exp``, and both give the same bits; where it does not (16 classes and up with AVX-512,
    8 and up with AVX2), or where a column's length leaves a scalar tail, they differ in the
    last bit. The first depends on the CPU and the PyTorch build, so it is measured here on a
    probe of whole vectors (the columns are padded to whole vectors in use), and the row
    kernel serves wherever the two differ."""
    gen = torch.Generator().manual_seed(classes)
    logits = torch.randn(64 * COLUMN_PAD, classes, generator=gen) * 4
    grad = torch.randn(64 * COLUMN_PAD, classes, generator=gen)
    rows = torch.log_softmax(logits, 1)
    cols = torch.log_softmax(logits.t().contiguous(), 0)
    back_rows = aten._log_softmax_backward_data(grad, rows, 1, rows.dtype)
    back_cols = aten._log_softmax_backward_data(grad.t().contiguous(), cols, 0, cols.dtype)
    return torch.equal(rows, cols.t()) and torch.equal(back_rows, back_cols.t())


def _padded_columns(rows: torch.Tensor) -> torch.Tensor:
    """(N, C) as a contiguous (C, N') with N' the next multiple of ``COLUMN_PAD``, zero-padded."""
    n, c = rows.shape
    columns = rows.new_zeros(c, -(-n // COLUMN_PAD) * COLUMN_PAD)
    columns[:, :n].copy_(rows.t())
    return columns


def log_softmax_rows(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``log_softmax(logits, 1)`` for (N, C) logits, contiguous, through the faster kernel where
    it gives the same bits; then also the padded columns it was computed in, for the backward
    pass (``None`` where the row kernel served). Differentiable."""
    if logits.device.type == "cpu" and columns_match_rows(logits.shape[1]):
        if torch.is_grad_enabled() and logits.requires_grad:
            return _ColumnLogSoftmax.apply(logits), None
        columns = torch.log_softmax(_padded_columns(logits), 0)
        return columns[:, :logits.shape[0]].t().contiguous(), columns
    return torch.log_softmax(logits, 1), None


def log_softmax_rows_backward(grad: torch.Tensor, log_probs: torch.Tensor,
                              columns: torch.Tensor | None) -> torch.Tensor:
    """The backward pass of ``log_softmax_rows``, through the kernel its forward pass used:
    contiguous, as the row kernel's (a reduction over a gradient of another layout would sum in
    another order)."""
    if columns is None:
        return aten._log_softmax_backward_data(grad, log_probs, 1, log_probs.dtype)
    by_columns = aten._log_softmax_backward_data(_padded_columns(grad), columns, 0,
                                                 columns.dtype)
    return by_columns[:, :grad.shape[0]].t().contiguous()


class _ColumnLogSoftmax(torch.autograd.Function):
    """The column kernel inside autograd, with the gradient laid out as the row kernel's."""

    @staticmethod
    def forward(ctx, logits):
        columns = torch.log_softmax(_padded_columns(logits), 0)
        ctx.save_for_backward(columns)
        return columns[:, :logits.shape[0]].t().contiguous()

    @staticmethod
    def backward(ctx, grad):
        (columns,) = ctx.saved_tensors
        return log_softmax_rows_backward(grad.contiguous(), None, columns)


def supports(model: StackedModel) -> bool:
    spec = model.spec
    return spec.kind == "mlp" and spec.norm == "none" and spec.activation in _ACTIVATION_BACKWARD


@dataclass
class Tape:
    """What the backward pass reads: each layer's input and pre-activation, and the loss's
    intermediates."""

    inputs: list[torch.Tensor]
    pre: list[torch.Tensor]
    post: list[torch.Tensor]
    skips: list[bool]
    loss_parts: tuple


class MLPBackprop:
    """Forward pass that keeps what its backward pass needs, and that backward pass."""

    def __init__(self, model: StackedModel, task: str):
        if not supports(model):
            raise ValueError(f"no hand-written backward pass for {model.spec}")
        if task not in ("classification", "regression"):
            raise ValueError(f"unknown task {task!r}; allowed: classification, regression")
        self.model, self.task = model, task
        self.act = model.act
        self.act_backward = _ACTIVATION_BACKWARD[model.spec.activation]

    @torch.no_grad()
    def forward(self, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor
                ) -> tuple[torch.Tensor, Tape]:
        """Per-member mean loss over the batch ``x`` (S, B, *input), with targets ``y``."""
        spec = self.model.spec
        h = x.flatten(start_dim=x.dim() - len(self.model.input_shape))
        inputs, pre, post, skips = [], [], [], []
        for i in range(spec.depth + 1):
            inputs.append(h)
            z = torch.baddbmm(params[f"layer{i}.bias"], h, params[f"layer{i}.weight"])
            if i == spec.depth:
                break
            a = self.act(z)
            pre.append(z)
            post.append(a)
            skip = spec.residual and h.shape[-1] == a.shape[-1] and i > 0
            skips.append(skip)
            h = h + a if skip else a
        per_example, parts = self._loss(z, y)
        return per_example.mean(dim=1), Tape(inputs, pre, post, skips, parts)

    def _loss(self, out: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, tuple]:
        s, b, c = out.shape
        if self.task == "classification":
            y = y.expand(s, b) if y.dim() == 1 else y
            log_probs, columns = log_softmax_rows(out.reshape(s * b, c))
            target = y.reshape(-1)
            loss, total_weight = aten.nll_loss_forward(log_probs, target, None,
                                                       _NLL_NO_REDUCTION, _NO_IGNORED_INDEX)
            return loss.view(s, b), (log_probs, columns, target, total_weight, out.shape)
        y = y.expand(out.shape) if y.dim() == 2 else y
        diff = out - y
        return (diff ** 2).mean(dim=-1), (diff,)

    @torch.no_grad()
    def backward(self, params: dict[str, torch.Tensor], tape: Tape, weights: torch.Tensor
                 ) -> list[torch.Tensor]:
        """Gradients, in ``params`` order, of the sum over members of ``weights`` (S,) times
        each member's mean loss."""
        grad = self._loss_backward(tape, weights)
        grads: dict[str, torch.Tensor] = {}
        carried = None  # the gradient reaching a layer's output through a skip connection
        for i in range(len(tape.inputs) - 1, -1, -1):
            w = params[f"layer{i}.weight"]
            grads[f"layer{i}.bias"] = grad.sum(dim=1, keepdim=True)
            grads[f"layer{i}.weight"] = tape.inputs[i].transpose(1, 2).bmm(grad)
            if i == 0:
                break
            to_input = grad.bmm(w.transpose(1, 2))
            if carried is not None:
                to_input = carried + to_input
            # to_input is the gradient at layer i-1's output h = [h_prev +] act(pre)
            carried = to_input if tape.skips[i - 1] else None
            grad = self.act_backward(to_input, tape.pre[i - 1], tape.post[i - 1])
        return [grads[name] for name in params]

    def _loss_backward(self, tape: Tape, weights: torch.Tensor) -> torch.Tensor:
        """The gradient at the network's output, (S, B, C)."""
        if self.task == "classification":
            log_probs, columns, target, total_weight, shape = tape.loss_parts
            s, b, c = shape
            per_example = weights.unsqueeze(1).expand(s, b).div(b)
            grad = aten.nll_loss_backward(per_example.reshape(s * b), log_probs, target, None,
                                          _NLL_NO_REDUCTION, _NO_IGNORED_INDEX, total_weight)
            return log_softmax_rows_backward(grad, log_probs, columns).view(s, b, c)
        (diff,) = tape.loss_parts
        s, b, c = diff.shape
        per_example = weights.unsqueeze(1).expand(s, b).div(b)
        per_output = per_example.unsqueeze(-1).expand(s, b, c).div(c)
        return per_output * (2.0 * diff.pow(1.0))


def flat_views(params: dict[str, torch.Tensor]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One (S, P) buffer holding every member's parameters, and the parameters as views of it.

    The optimizer then updates one tensor per step instead of one per layer: a few element-wise
    kernels in all, where per-layer updates cost tens of kernel launches that dwarf the
    arithmetic of a small net. Element-wise updates give each element the same value either
    way (a unit test checks whole runs bit for bit)."""
    members = next(iter(params.values())).shape[0]
    flat = torch.cat([p.reshape(members, -1) for p in params.values()], dim=1)
    views, offset = {}, 0
    for name, p in params.items():
        size = p[0].numel()
        views[name] = flat[:, offset:offset + size].view(p.shape)
        offset += size
    return flat, views


def flat_gradient(grads: list[torch.Tensor]) -> torch.Tensor:
    """The gradients of ``flat_views``' parameters, laid out as its buffer."""
    members = grads[0].shape[0]
    return torch.cat([g.reshape(members, -1) for g in grads], dim=1)
