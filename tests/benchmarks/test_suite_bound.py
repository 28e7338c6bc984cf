"""A family of the claim suite, cold, against its own FLOP bound, in one run.

The workload is what a user runs, not a reference sweep: three claims of the representation
family (R1, R2 and R4: linear models and MLPs on angles, the shared CNN and the MLP of its size,
classifiers on designed features), at the quick budget, in a fresh pytest process with an empty
cache. Its session record
gives the FLOPs of the runs it trained and the machine's matmul peak measured at its end, so
wall time over FLOPs-at-peak is the distance from the machine's limit. The whole suite's ratio
at the standard budget is printed by every `pytest claims/` run (section "compute") and written
in the README.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAMILY = "claims/test_representation.py"
CLAIMS = "encoding or designed"  # R1, R2, R4
SUITE_BOUND: dict[str, float] = {}


def run_family_cold(out: Path) -> tuple[dict, float]:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", FAMILY, "-k", CLAIMS, "-q", "-p",
                    "no:randomly", "--claims-budget", "quick", "--claims-cache-dir",
                    str(out / "cache"), "--claims-report", str(out)],
                   cwd=ROOT, check=True, capture_output=True, text=True)
    return (json.loads((out / "results.json").read_text())["session"],
            time.perf_counter() - started)


@pytest.mark.slow
def test_a_claim_family_cold_against_its_flop_bound(benchmark, tmp_path):
    benchmark.group = "claim suite vs FLOP bound"
    session, wall = benchmark.pedantic(run_family_cold, args=(tmp_path / "report",),
                                       rounds=1, iterations=1)
    totals = session["totals"]
    assert totals["runs_trained"] > 0
    assert totals["flops_trained"] > 0 and session["matmul_rate"] > 0
    SUITE_BOUND.update(wall=wall, claims=totals["claims_seconds"],
                       bound=totals["flop_bound_s"], ratio=totals["bound_ratio"],
                       flops=totals["flops_trained"], rate=session["matmul_rate"])
    benchmark.extra_info.update(family=FAMILY, budget="quick", **SUITE_BOUND)
    assert totals["bound_ratio"] >= 1.0, "no run can beat the machine's arithmetic limit"
