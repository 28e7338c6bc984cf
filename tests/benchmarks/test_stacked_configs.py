"""A learning-rate sweep stacked by shape against one stack per rate, in one run.

Workload: 40-w-w-10 ReLU MLPs on MNIST-1D, five SGD rates (0.01 … 1, the O3/O5 range) × 4 seeds,
STEPS steps at batch 100 with momentum 0.9, then one evaluation; one thread, in this process, so
the two contenders differ only in how the 20 runs are grouped. Per-step overhead (Python, kernel
launches) is paid once per stack, so one stack of 20 should beat five of 4 where that overhead
dominates (narrow nets) and tie where arithmetic does. The same run also checks that the two
give the same numbers.
"""
from __future__ import annotations

import pytest
import torch

from harness.config import DataSpec, ModelSpec, TrainConfig
from harness.train import Member, train_seeds, train_stack

RATES = (0.01, 0.03, 0.1, 0.3, 1.0)
SEEDS = (0, 1, 2, 3)
STEPS = 300
WIDTHS = (32, 128, 512)
DATA = DataSpec(name="mnist1d", n_train=4000, n_test=1000)
STACKED_TIMES: dict[int, dict[str, float]] = {}


def sweep(width: int) -> list[TrainConfig]:
    base = TrainConfig(model=ModelSpec(kind="mlp", width=width, depth=2), data=DATA,
                       optimizer="sgd", momentum=0.9, batch_size=100, steps=STEPS,
                       eval_points=1, eval_init=False)
    return [base.with_values(lr=lr) for lr in RATES]


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def stacked(configs):
    return train_stack([Member(c, s) for c in configs for s in SEEDS])


def separate(configs):
    return [r for c in configs for r in train_seeds(c, list(SEEDS))]


@pytest.mark.parametrize("how", ["stacked", "separate"])
@pytest.mark.parametrize("width", WIDTHS)
def test_learning_rate_sweep(benchmark, width, how):
    benchmark.group = f"lr sweep, width={width}"
    train = stacked if how == "stacked" else separate
    results = benchmark.pedantic(train, args=(sweep(width),), rounds=2 if width < 512 else 1,
                                 iterations=1, warmup_rounds=1 if width < 512 else 0)
    assert len(results) == len(RATES) * len(SEEDS)
    STACKED_TIMES.setdefault(width, {})[how] = benchmark.stats.stats.min
    STACKED_TIMES[width][f"{how}_losses"] = [r.final("train_loss") for r in results]
    benchmark.extra_info.update(width=width, how=how, runs=len(results))


@pytest.mark.parametrize("width", WIDTHS)
def test_stacking_gives_the_same_numbers_and_is_not_slower(width, request):
    times = STACKED_TIMES.get(width, {})
    if not {"stacked", "separate"} <= times.keys():
        pytest.skip("both contenders must run first (run the whole module)")
    assert times["stacked_losses"] == times["separate_losses"]
    ratio = times["separate"] / times["stacked"]
    request.node.user_properties.append(("separate_over_stacked", ratio))
    print(f"width {width}: separate {times['separate']:.2f} s, stacked {times['stacked']:.2f} s, "
          f"ratio {ratio:.2f}")
    assert ratio > 0.9, f"stacked slower than separate at width {width}: ratio {ratio:.2f}"
