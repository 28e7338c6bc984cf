"""The baseline the engine is measured against: training written the usual way.

One seed at a time, an ``nn.Sequential`` MLP, a shuffled ``DataLoader`` over a
``TensorDataset``, ``optimizer.zero_grad(); loss.backward(); optimizer.step()``, and one
evaluation of train and test accuracy at the end, as most tutorials and papers' code do.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def naive_mlp(n_in: int, width: int, depth: int, n_out: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    dims = [n_in] + [width] * depth
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(nn.Linear(dims[-1], n_out))
    return nn.Sequential(*layers)


def naive_train(x_train, y_train, x_test, y_test, *, width: int, depth: int, seeds: list[int],
                steps: int, lr: float, momentum: float, batch_size: int) -> list[float]:
    """Final test accuracy per seed."""
    accuracies = []
    for seed in seeds:
        torch.manual_seed(seed)
        model = naive_mlp(x_train.shape[1], width, depth, 10)
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        loader = DataLoader(TensorDataset(x_train, y_train), batch_size=batch_size,
                            shuffle=True, drop_last=True)
        step = 0
        while step < steps:
            for xb, yb in loader:
                loss = nn.functional.cross_entropy(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                step += 1
                if step == steps:
                    break
        with torch.no_grad():
            model(x_train).argmax(1)
            accuracies.append((model(x_test).argmax(1) == y_test).float().mean().item())
    return accuracies
