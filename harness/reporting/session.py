"""The session: collects one record per claim from its test reports, and describes where it ran.

The plugin hands every test report to :meth:`ClaimSession.add`; what a claim measured travels on
the report's ``user_properties`` (so it crosses pytest-xdist's process boundary and reaches junit
XML), and is read here once. Reports, results files and comparisons all read the
:class:`~harness.reporting.records.SessionRecord` this builds.
"""
from __future__ import annotations

import datetime as _dt
import json
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import stable_hash
from .records import ClaimRecord, SessionRecord

# user_properties keys the plugin writes
SPEC, EVIDENCE, FIGURE, RUNS, EXPECTED, CLAIM_ID = ("claim_spec", "claim_evidence",
                                                    "claim_figure", "claim_runs",
                                                    "claim_expected", "claim_id")


def _short_error(longrepr) -> str:
    text = str(longrepr or "")
    lines = [line for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("E ")]
    return (errors[-1][1:].strip() if errors else lines[-1].strip() if lines else "")[:300]


@dataclass
class ClaimSession:
    """The claims of one pytest session, as their reports arrive (controller or single
    process)."""

    records: dict[str, ClaimRecord] = field(default_factory=dict)

    def add(self, report, category: str) -> None:
        """Fold one test report (setup, call or teardown) into its claim's record.
        ``category`` is pytest's word for it (passed, failed, xfailed, skipped, error)."""
        props = list(getattr(report, "user_properties", []) or [])
        keys = dict(props)
        if CLAIM_ID not in keys:
            return
        cid = keys[CLAIM_ID]
        rec = self.records.get(cid)
        if rec is None:
            rec = self.records[cid] = ClaimRecord(id=cid, expected=keys.get(EXPECTED, "?"),
                                                  nodeid=report.nodeid)
            if SPEC in keys:
                for name, value in json.loads(keys[SPEC]).items():
                    setattr(rec, name, value)
        rec.seconds += float(getattr(report, "duration", 0.0) or 0.0)
        when = report.when
        if when == "call" or (when == "setup" and not rec.outcome) or (
                when == "teardown" and category in ("error", "failed")):
            rec.outcome = "error" if when != "call" and category == "failed" else category
        if category == "skipped" and isinstance(report.longrepr, tuple):
            rec.skip_reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        if report.failed and EVIDENCE not in keys:
            rec.error = _short_error(report.longrepr)
        if when != "call":
            return
        if EVIDENCE in keys:
            rec.evidence = json.loads(keys[EVIDENCE])
        if FIGURE in keys:
            rec.figure = json.loads(keys[FIGURE])
        for key, value in props:
            if key == RUNS:
                sweep = json.loads(value)
                rec.runs["trained"] += sweep["trained"]
                rec.runs["reused"] += sweep["reused"]
                rec.compute["train_seconds"] += sweep.get("train_seconds", 0.0)
                rec.compute["train_steps"] += sweep.get("train_steps", 0)
                for key in ("flops_trained", "trained_seconds"):
                    rec.compute[key] = rec.compute.get(key, 0.0) + sweep.get(key, 0.0)
                rec.sweeps.append({k: sweep[k] for k in ("namespace", "points") if k in sweep})

    def record(self, *, master_seed: int, budget: str, device: str, device_model: str,
               started: _dt.datetime, duration_s: float, root: Path | None,
               matmul_rate: float | None = None, executor: str = "local") -> SessionRecord:
        session = SessionRecord(
            master_seed=master_seed, budget=budget, device=device, device_model=device_model,
            versions=versions(), git=git_state(root) if root else None,
            started=started.astimezone(_dt.timezone.utc).isoformat(timespec="seconds"),
            duration_s=round(duration_s, 3), claims=dict(sorted(self.records.items())),
            matmul_rate=matmul_rate, executor=executor)
        session.adjust()
        return session


def _plain(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def sweep_record(spec, table) -> dict:
    """What the results file keeps of a sweep: per point its grid values, config hash, data
    seed (the draw its runs trained and were tested on), run seeds and the per-seed final value of every metric; and the training time it stands for."""
    if table is None:
        return {"namespace": spec.namespace, "points": []}
    points, seconds, steps = [], 0.0, 0
    for p in table.points:
        metrics = p.results[0].curves if p.results else {}
        points.append({
            "values": {k: _plain(v) for k, v in p.values.items()},
            "config_key": stable_hash(p.config), "data_seed": p.config.data.seed,
            "seeds": [r.seed for r in p.results],
            "final": {m: [float(r.final(m)) for r in p.results] for m in metrics}})
        seconds += sum(r.seconds for r in p.results)
        steps += p.config.steps * len(p.results)
    return {"namespace": spec.namespace, "points": points, "train_seconds": seconds,
            "train_steps": steps}


def versions() -> dict:
    """The versions that can change a number."""
    import numpy
    import scipy
    import torch

    from .. import __version__
    from ..data import generator_version
    from ..config import DataSpec
    return {"python": platform.python_version(), "torch": torch.__version__,
            "numpy": numpy.__version__, "scipy": scipy.__version__,
            "mnist1d": generator_version(DataSpec(name="mnist1d")), "harness": __version__,
            "platform": platform.platform(terse=True)}


def git_state(root: Path) -> dict | None:
    """The commit and whether the work tree differs from it; None outside a git checkout."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              timeout=20, check=True).stdout.strip()
    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}
