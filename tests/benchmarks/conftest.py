"""Benchmark plumbing: the machine's matmul throughput, and the ratio table at the end.

Run with ``pytest tests/benchmarks --benchmark-json=.benchmarks/engine.json`` (see README).
"""
from __future__ import annotations

from collections import defaultdict

import pytest

from harness.compute import machine_peak_flops

TIMINGS: dict[int, dict[str, float]] = defaultdict(dict)
PEAK: dict[str, float] = {}


@pytest.fixture(scope="session")
def peak_flops() -> float:
    if "flops" not in PEAK:
        PEAK["flops"] = machine_peak_flops()
    return PEAK["flops"]


def ratio_rows() -> list[tuple]:
    rows = []
    for width in sorted(TIMINGS):
        t = TIMINGS[width]
        if {"harness", "naive", "bound"} <= t.keys():
            rows.append((width, t["harness"], t["naive"], t["bound"], t["naive"] / t["harness"],
                         t["harness"] / t["bound"], t.get("achieved", float("nan"))))
    return rows


def pytest_terminal_summary(terminalreporter):
    stacked_summary(terminalreporter)
    suite_summary(terminalreporter)
    peer_summary(terminalreporter)
    rows = ratio_rows()
    if not rows:
        return
    tr = terminalreporter
    tr.section("engine vs naive loop vs FLOP bound")
    tr.write_line(f"large-matmul throughput this run: {PEAK.get('flops', float('nan')) / 1e9:.1f}"
                  " GFLOP/s (best of all threads in one process / one process per core)")
    tr.write_line(f"{'width':>6} {'harness s':>10} {'naive s':>9} {'bound s':>8} "
                  f"{'naive/harness':>14} {'harness/bound':>14} {'% of matmul':>12}")
    for w, h, n, b, speedup, over, achieved in rows:
        tr.write_line(f"{w:>6} {h:>10.3f} {n:>9.3f} {b:>8.3f} {speedup:>14.2f} {over:>14.2f} "
                      f"{100 * achieved:>11.0f}%")
    th, tn, tb = (sum(r[i] for r in rows) for i in (1, 2, 3))
    tr.write_line(f"{'sweep':>6} {th:>10.3f} {tn:>9.3f} {tb:>8.3f} {tn / th:>14.2f} "
                  f"{th / tb:>14.2f}")


def peer_summary(tr) -> None:
    rows = [(w, t["harness"], t["jax_warm"], t["jax_cold"], t.get("eager_floor", float("nan")))
            for w, t in sorted(TIMINGS.items()) if {"harness", "jax_warm", "jax_cold"} <= t.keys()]
    if not rows:
        return
    tr.section("harness vs a jit-compiled JAX peer (same workload, same run)")
    tr.write_line(f"{'width':>6} {'harness s':>10} {'JAX warm s':>11} {'JAX cold s':>11} "
                  f"{'warm/harness':>13} {'cold/harness':>13} {'eager floor s':>14}")
    for w, h, warm, cold, floor in rows:
        tr.write_line(f"{w:>6} {h:>10.3f} {warm:>11.3f} {cold:>11.3f} {warm / h:>13.2f} "
                      f"{cold / h:>13.2f} {floor:>14.3f}")


def suite_summary(tr) -> None:
    from .test_suite_bound import CLAIMS, FAMILY, SUITE_BOUND
    if not SUITE_BOUND:
        return
    b = SUITE_BOUND
    tr.section("a claim family, cold, against its FLOP bound")
    tr.write_line(f"{FAMILY} -k '{CLAIMS}' at the quick budget, cold: {b['flops'] / 1e9:.1f} GFLOP trained; "
                  f"claims' wall time {b['claims']:.1f} s (process {b['wall']:.1f} s); FLOP bound "
                  f"{b['bound']:.2f} s at {b['rate'] / 1e9:.0f} GFLOP/s: {b['ratio']:.1f}× the "
                  f"bound")


def stacked_summary(tr) -> None:
    from .test_stacked_configs import STACKED_TIMES
    rows = [(w, t["stacked"], t["separate"]) for w, t in sorted(STACKED_TIMES.items())
            if {"stacked", "separate"} <= t.keys()]
    if not rows:
        return
    tr.section("learning-rate sweep: one stack vs one stack per rate")
    tr.write_line(f"{'width':>6} {'stacked s':>10} {'separate s':>11} {'separate/stacked':>17}")
    for w, st, se in rows:
        tr.write_line(f"{w:>6} {st:>10.3f} {se:>11.3f} {se / st:>17.2f}")
