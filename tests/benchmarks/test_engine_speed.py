"""The training engine against a naive per-seed loop and against the FLOP lower bound.

Reference workload (issue "Speed"): two-hidden-layer ReLU MLPs 40-w-w-10 on MNIST-1D, widths 16
to 1024, 8 seeds each, STEPS steps of SGD with momentum at batch 100, then one evaluation of the
train and test sets. For each width the same run measures (a) the harness as claims use it (a
``Runner`` with the cache off, which trains missing runs in one single-threaded worker process
per core, splitting the 8 seeds between them), (b) the naive loop of ``naive.py``, and (c) the FLOP bound: the workload's FLOPs divided by this run's large-matmul
throughput. Ratios are printed at the end and stored in the benchmark JSON (``extra_info``).
"""
from __future__ import annotations

import pytest
import torch

import os

from harness.cache import RunCache
from harness.config import DataSpec, ModelSpec, TrainConfig
from harness.data import load_dataset
from harness.models import build_model
from harness.runs import Runner, Sweep

from .conftest import TIMINGS
from .naive import naive_train

WIDTHS = (16, 32, 64, 128, 256, 512, 1024)
SEEDS = list(range(8))
STEPS = 100
BATCH = 100
DATA = DataSpec(name="mnist1d", n_train=4000, n_test=1000)


def workload(width: int) -> TrainConfig:
    return TrainConfig(model=ModelSpec(kind="mlp", width=width, depth=2), data=DATA,
                       optimizer="sgd", lr=0.01, momentum=0.9, batch_size=BATCH, steps=STEPS,
                       eval_points=1, eval_init=False)


def workload_flops(width: int) -> float:
    """Training (forward + backward ≈ 3 forward passes per example) plus the final evaluation."""
    forward = build_model(workload(width).model, (40,), 10).flops_per_example()
    per_seed = 3 * forward * STEPS * BATCH + forward * (DATA.n_train + DATA.n_test)
    return per_seed * len(SEEDS)


@pytest.fixture(scope="module")
def mnist1d():
    return load_dataset(DATA)


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    """No run cache (every round trains), generated data stored once for the workers."""
    r = Runner(RunCache(None), torch.device("cpu"), master_seed=0,
               data_store=tmp_path_factory.mktemp("data"), workers=os.cpu_count() or 1)
    yield r
    r.close()


def rounds_for(width: int) -> int:
    return 1 if width >= 512 else 3


@pytest.mark.parametrize("width", WIDTHS)
def test_harness(benchmark, width, peak_flops, runner):
    benchmark.group = f"width={width}"
    sweep = Sweep.of(workload(width), seeds=len(SEEDS), namespace="benchmark")
    table = benchmark.pedantic(runner.run, args=(sweep,), rounds=rounds_for(width),
                               iterations=1, warmup_rounds=1 if width < 512 else 0)
    results = table.only().results
    assert len(results) == len(SEEDS) and not any(r.diverged for r in results)
    seconds = benchmark.stats.stats.min
    bound = workload_flops(width) / peak_flops
    TIMINGS[width].update(harness=seconds, bound=bound, achieved=bound / seconds)
    benchmark.extra_info.update(width=width, flop_bound_s=bound, peak_gflops=peak_flops / 1e9,
                                fraction_of_matmul=bound / seconds)


@pytest.mark.parametrize("width", WIDTHS)
def test_naive(benchmark, width, mnist1d):
    benchmark.group = f"width={width}"
    d = mnist1d
    accuracies = benchmark.pedantic(
        naive_train, args=(d.x_train, d.y_train, d.x_test, d.y_test),
        kwargs=dict(width=width, depth=2, seeds=SEEDS, steps=STEPS, lr=0.01, momentum=0.9,
                    batch_size=BATCH),
        rounds=rounds_for(width), iterations=1)
    assert len(accuracies) == len(SEEDS)
    TIMINGS[width]["naive"] = benchmark.stats.stats.min
    benchmark.extra_info.update(width=width)


def test_ratios_meet_targets():
    """Targets: ≥ 5× the naive loop where per-step overhead dominates (width ≤ 128); ≥ 50 % of
    the large-matmul throughput where arithmetic dominates (width ≥ 256); the whole sweep within
    2× of the FLOP bound."""
    if not all({"harness", "naive", "bound"} <= TIMINGS[w].keys() for w in WIDTHS):
        pytest.skip("run the whole module to compare")
    small = {w: TIMINGS[w]["naive"] / TIMINGS[w]["harness"] for w in WIDTHS if w <= 128}
    large = {w: TIMINGS[w]["achieved"] for w in WIDTHS if w >= 256}
    total = (sum(TIMINGS[w]["harness"] for w in WIDTHS)
             / sum(TIMINGS[w]["bound"] for w in WIDTHS))
    failures = [f"width {w}: {r:.2f}x naive < 5x" for w, r in small.items() if r < 5]
    failures += [f"width {w}: {100 * f:.0f}% of matmul < 50%" for w, f in large.items() if f < 0.5]
    if total > 2:
        failures.append(f"sweep: {total:.2f}x the FLOP bound > 2x")
    assert not failures, "; ".join(failures)
