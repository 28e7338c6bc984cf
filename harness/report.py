"""Formatting of the catalog listing and of the end-of-session verdict table (no I/O here)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from .claim import ClaimSpec


@dataclass
class ClaimRow:
    """One claim's line in the summary, rebuilt from its test reports' user properties."""

    id: str
    expected: str
    outcome: str
    seconds: float
    evidence: dict | None = None

    @property
    def verdict(self) -> str:
        return self.evidence["verdict"] if self.evidence else "error"


def _num(x: float) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "nan"
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e4):
        return f"{x:.2e}"
    return f"{x:.4f}".rstrip("0").rstrip(".") if abs(x) < 1 else f"{x:.3g}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa
    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]


def evidence_lines(ev, indent: str = "  ") -> list[str]:
    """An evidence record, one line per part for combined claims."""
    if not isinstance(ev, dict):
        ev = ev.to_dict()
    lines = [f"{indent}{ev['test'] if 'all of' not in ev['test'] else 'all of'}: "
             f"{ev['estimate_label']} = {_num(ev['estimate'])} "
             f"[{_num(ev['ci_low'])}, {_num(ev['ci_high'])}], p={_num(ev['p_value'])}, "
             f"alpha={ev['alpha']}, smallest effect={ev['min_effect']}, seeds={ev['n_seeds']}"]
    for name, part in ev.get("details", {}).items():
        if isinstance(part, dict) and "verdict" in part:
            lines.append(f"{indent}  {name}: {part['verdict']}")
            lines += evidence_lines(part, indent + "    ")
    return lines


def catalog_lines(specs: Iterable[ClaimSpec]) -> list[str]:
    rows = [[s.id, s.section, s.expected + (f" (measured {s.deviation})" if s.deviation else ""),
             s.statement] for s in specs]
    return _table(["id", "section", "expected", "statement"], rows)


def summary_lines(rows: Iterable[ClaimRow]) -> list[str]:
    body = []
    for r in sorted(rows, key=lambda r: r.id):
        ev = r.evidence
        if ev:
            est = f"{_num(ev['estimate'])} [{_num(ev['ci_low'])}, {_num(ev['ci_high'])}]"
            p, seeds = _num(ev["p_value"]), str(ev["n_seeds"])
        else:
            est, p, seeds = "-", "-", "-"
        body.append([r.id, r.verdict, r.expected, r.outcome, est, p, seeds, f"{r.seconds:.1f}s"])
    return _table(["id", "verdict", "expected", "outcome", "estimate [CI]", "p", "seeds", "time"],
                  body)
