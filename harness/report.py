"""Formatting of the catalog listing and of the end-of-session verdict table (no I/O here)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from .claim import ClaimSpec
from .stats import INCONCLUSIVE, Evidence, holm


@dataclass
class ClaimRow:
    """One claim's line in the summary, rebuilt from its test reports' user properties."""

    id: str
    expected: str
    outcome: str
    seconds: float
    evidence: dict | None = None
    skip_reason: str = ""

    @property
    def verdict(self) -> str:
        if self.evidence:
            return Evidence.from_dict(self.evidence).verdict_words
        return "not decided" if self.outcome == "skipped" else "error"


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
    """The verdict table. ``p`` is the p-value of the decision each claim took; ``p Holm`` the
    same adjusted by Holm's method across the session's decided claims; a ``!`` marks a claim
    whose verdict would be inconclusive under that adjustment."""
    rows = sorted(rows, key=lambda r: r.id)
    records = {r.id: Evidence.from_dict(r.evidence) for r in rows if r.evidence}
    decision = {cid: (e.decision_p if math.isfinite(e.decision_p) else 1.0)
                for cid, e in records.items()}
    adjusted = dict(zip(decision, holm(list(decision.values())))) if decision else {}
    body, changed = [], []
    for r in rows:
        ev = records.get(r.id)
        if ev is not None:
            est = f"{_num(ev.estimate)} [{_num(ev.ci_low)}, {_num(ev.ci_high)}]"
            p, p_adj, seeds = _num(decision[r.id]), _num(adjusted[r.id]), str(ev.n_seeds)
            flip = ev.verdict != INCONCLUSIVE and adjusted[r.id] >= ev.alpha
            if flip:
                changed.append(r.id)
            p_adj += " !" if flip else ""
            part = ev.decided_by or "-"
        else:
            est, p, p_adj, seeds, part = "-", "-", "-", "-", "-"
        body.append([r.id, r.verdict, r.expected, r.outcome, part, est, p, p_adj, seeds,
                     f"{r.seconds:.1f}s"])
    lines = _table(["id", "verdict", "expected", "outcome", "decided by", "estimate [CI]", "p",
                    "p Holm", "seeds", "time"], body)
    if decision:
        lines.append(f"p: the p-value of each claim's decision; p Holm: adjusted across the "
                     f"{len(decision)} decided claims of this session (Holm). "
                     + (f"! marks {len(changed)} claim(s) that would be inconclusive after "
                        f"adjustment: {', '.join(changed)}." if changed else
                        "No verdict changes under the adjustment."))
    for r in rows:
        if r.skip_reason:
            lines.append(f"{r.id}: {r.skip_reason}")
    return lines
