"""Text tables: the catalog listing and the end-of-session verdict table (no I/O here)."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterable

from ..compute import bound_ratio, flop_bound
from ..stats import INCONCLUSIVE
from .records import ClaimRecord, SessionRecord

if TYPE_CHECKING:
    from ..claim import ClaimSpec


def num(x: float) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "nan"
    if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e4):
        return f"{x:.2e}"
    return f"{x:.4f}".rstrip("0").rstrip(".") if abs(x) < 1 else f"{x:.3g}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa
    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]


def evidence_lines(ev, indent: str = "  ") -> list[str]:
    """An evidence record, one line per part for combined claims."""
    if not isinstance(ev, dict):
        ev = ev.to_dict()
    lines = [f"{indent}{ev['test'] if 'all of' not in ev['test'] else 'all of'}: "
             f"{ev['estimate_label']} = {num(ev['estimate'])} "
             f"[{num(ev['ci_low'])}, {num(ev['ci_high'])}], p={num(ev['p_value'])}, "
             f"alpha={ev['alpha']}, smallest effect={ev['min_effect']}, seeds={ev['n_seeds']}"]
    for name, part in ev.get("details", {}).items():
        if isinstance(part, dict) and "verdict" in part:
            lines.append(f"{indent}  {name}: {part['verdict']}")
            lines += evidence_lines(part, indent + "    ")
    return lines


def catalog_lines(specs: Iterable["ClaimSpec"]) -> list[str]:
    rows = [[s.id, s.section, s.expected + (f" (measured {s.deviation})" if s.deviation else ""),
             s.statement] for s in specs]
    return table(["id", "section", "expected", "statement"], rows)


def summary_lines(records: Iterable[ClaimRecord]) -> list[str]:
    """The verdict table. ``p`` is the p-value of the decision each claim took; ``p Holm`` the
    same adjusted by Holm's method across the session's decided claims (``SessionRecord.adjust``);
    a ``!`` marks a claim whose verdict would be inconclusive under that adjustment."""
    records = sorted(records, key=lambda r: r.id)
    body, changed, decided = [], [], 0
    for r in records:
        ev = r.decided
        if ev is not None:
            decided += 1
            est = f"{num(ev.estimate)} [{num(ev.ci_low)}, {num(ev.ci_high)}]"
            adjusted = 1.0 if r.p_holm is None else r.p_holm
            p, p_adj, seeds = num(ev.decision_p), num(adjusted), str(ev.n_seeds)
            flip = ev.verdict != INCONCLUSIVE and adjusted >= ev.alpha
            if flip:
                changed.append(r.id)
            p_adj += " !" if flip else ""
            part = ev.decided_by or "-"
        else:
            est, p, p_adj, seeds, part = "-", "-", "-", "-", "-"
        body.append([r.id, r.verdict, r.expected, r.outcome, part, est, p, p_adj, seeds,
                     f"{r.seconds:.1f}s"])
    lines = table(["id", "verdict", "expected", "outcome", "decided by", "estimate [CI]", "p",
                   "p Holm", "seeds", "time"], body)
    if decided:
        lines.append(f"p: the p-value of each claim's decision; p Holm: adjusted across the "
                     f"{decided} decided claims of this session (Holm). "
                     + (f"! marks {len(changed)} claim(s) that would be inconclusive after "
                        f"adjustment: {', '.join(changed)}." if changed else
                        "No verdict changes under the adjustment."))
    for r in records:
        if r.skip_reason:
            lines.append(f"{r.id}: {r.skip_reason}")
    return lines


COMPUTE_HEADER = ["claim", "runs trained", "GFLOP", "wall s", "FLOP bound s", "× bound"]


def compute_rows(session: SessionRecord) -> tuple[list[list[str]], str]:
    """Per claim that trained, and in total: the FLOPs of the runs trained in this session,
    the wall time, and how far that is from the FLOP bound at this machine's matmul rate;
    with the sentence that says how they were counted."""
    rate = session.matmul_rate
    rows = []
    for r in sorted(session.claims.values(), key=lambda r: r.id):
        flops = r.compute.get("flops_trained", 0.0)
        if flops <= 0:
            continue
        rows.append([r.id, str(r.runs.get("trained", 0)), num(flops / 1e9), f"{r.seconds:.1f}",
                     num(flop_bound(flops, rate)),
                     num(bound_ratio(r.seconds, flops, rate))])
    t = session.totals
    rows.append(["total", str(t["runs_trained"]), num(t["flops_trained"] / 1e9),
                 f"{t['claims_seconds']:.1f}", num(t["flop_bound_s"]), num(t["bound_ratio"])])
    where = (f"{rate / 1e9:.0f} GFLOP/s, this machine's float32 matmul peak over all "
             f"cores, measured at the end of the session" if rate else "no matmul rate measured (not on the CPU)")
    note = (f"FLOPs of the runs trained in this session (a step counts three forward passes, an "
            f"evaluation one); the bound is those FLOPs at {where}.")
    return rows, note


def compute_lines(session: SessionRecord) -> list[str]:
    rows, note = compute_rows(session)
    return table(COMPUTE_HEADER, rows) + [note]
