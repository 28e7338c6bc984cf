"""The reference workload written as a researcher would write it in JAX: one ``jit`` of a
``vmap`` over seeds of a ``lax.scan`` over steps (the compiled peer of the issue "the whole
suite near the machine's limit"). Only the benchmarks import it, and only when ``jax`` is
installed (``pip install -e '.[bench]'``); the harness never depends on it.

Same model (40-w-w-10 ReLU MLP, PyTorch's default uniform init), optimizer (SGD, momentum
0.9, lr 0.01, no dampening), batch 100 in a fresh permutation per epoch per seed, and one final
evaluation of both splits, so both contenders do the same arithmetic.
"""
from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np


def _init(key, width: int):
    sizes = [(40, width), (width, width), (width, 10)]
    params = []
    for fan_in, fan_out in sizes:
        key, kw, kb = jax.random.split(key, 3)
        bound = 1.0 / np.sqrt(fan_in)
        params.append((jax.random.uniform(kw, (fan_in, fan_out), minval=-bound, maxval=bound),
                       jax.random.uniform(kb, (fan_out,), minval=-bound, maxval=bound)))
    return params


def _forward(params, x):
    for w, b in params[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = params[-1]
    return x @ w + b


def _loss(params, x, y):
    logits = _forward(params, x)
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


def _error(params, x, y):
    return jnp.mean(jnp.argmax(_forward(params, x), axis=1) != y)


def make_trainer(width: int, lr: float = 0.01, momentum: float = 0.9):
    """A fresh (not yet compiled) function: (keys, orders, data) -> per-seed final errors."""
    def one_seed(key, order, x_train, y_train, x_test, y_test):
        params = _init(key, width)
        velocity = jax.tree_util.tree_map(jnp.zeros_like, params)

        def step(carry, idx):
            p, v = carry
            g = jax.grad(_loss)(p, x_train[idx], y_train[idx])
            v = jax.tree_util.tree_map(lambda v, g: momentum * v + g, v, g)
            p = jax.tree_util.tree_map(lambda p, v: p - lr * v, p, v)
            return (p, v), None

        (params, _), _ = jax.lax.scan(step, (params, velocity), order)
        return _error(params, x_train, y_train), _error(params, x_test, y_test)

    return jax.jit(jax.vmap(one_seed, in_axes=(0, 0, None, None, None, None)))


def batch_orders(seeds: list[int], n: int, steps: int, batch: int) -> np.ndarray:
    """(seeds, steps, batch) example indices: a fresh permutation per epoch per seed."""
    per_epoch = n // batch
    epochs = -(-steps // per_epoch)
    out = []
    for s in seeds:
        rng = np.random.default_rng(s)
        order = np.concatenate([rng.permutation(n)[:per_epoch * batch] for _ in range(epochs)])
        out.append(order[:steps * batch].reshape(steps, batch))
    return np.stack(out)


def time_peer(width: int, seeds: list[int], steps: int, batch: int, data) -> dict[str, float]:
    """Seconds of the first call (compile included: cold) and of a second call (warm)."""
    arrays = [jnp.asarray(a.numpy()) for a in (data.x_train, data.y_train, data.x_test,
                                               data.y_test)]
    keys = jnp.stack([jax.random.PRNGKey(s) for s in seeds])
    orders = jnp.asarray(batch_orders(seeds, len(data.x_train), steps, batch))
    train = make_trainer(width)
    started = time.perf_counter()
    jax.block_until_ready(train(keys, orders, *arrays))
    cold = time.perf_counter() - started
    started = time.perf_counter()
    errors = jax.block_until_ready(train(keys, orders, *arrays))
    warm = time.perf_counter() - started
    return {"cold": cold, "warm": warm, "test_error": float(np.mean(errors[1]))}
