"""The report's performance section, from a pytest-benchmark JSON file.

Benchmarks of one group (``width=64``) time contenders on the same workload in the same run, so
each row's ratio to the fastest in its group is the comparison that means something; absolute
seconds depend on the machine.
"""
from __future__ import annotations

import json
from pathlib import Path

from .records import SchemaError
from .table import num


def read_benchmarks(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise SchemaError(f"{path}: cannot read: {err.strerror}") from None
    except json.JSONDecodeError as err:
        raise SchemaError(f"{path}: not JSON ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise SchemaError(f"{path}: not a pytest-benchmark JSON file (no 'benchmarks' list); "
                          f"write one with --benchmark-json=PATH")
    return data


def performance_rows(data: dict) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """(header, rows): per benchmark its group, name, min and median seconds, rounds, and its
    min time over the fastest min in its group."""
    benches = data.get("benchmarks", [])
    fastest: dict[str, float] = {}
    for b in benches:
        group = b.get("group") or "-"
        fastest[group] = min(fastest.get(group, float("inf")), b["stats"]["min"])
    rows = []
    for b in sorted(benches, key=lambda b: (b.get("group") or "-", b["stats"]["min"])):
        group, stats = b.get("group") or "-", b["stats"]
        extra = b.get("extra_info") or {}
        detail = ", ".join(f"{k} {num(v) if isinstance(v, float) else v}"
                           for k, v in sorted(extra.items()) if k != "width")
        rows.append((group, b["name"], num(stats["min"]), num(stats["median"]),
                     str(stats["rounds"]), f"{stats['min'] / fastest[group]:.2f}", detail))
    return ("group", "benchmark", "min s", "median s", "rounds", "× fastest in group",
            "extra"), rows
