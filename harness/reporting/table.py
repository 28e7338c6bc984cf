"""Text tables: the catalog listing and the end-of-session verdict table (no I/O here)."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Iterable

from ..compute import bound_ratio, flop_bound
from ..stats import Evidence
from .records import NOT_AFTER_HOLM, ClaimRecord, SessionRecord, is_part

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


def interval_cell(estimate: float, ci_low: float, ci_high: float) -> str:
    return f"{num(estimate)} [{num(ci_low)}, {num(ci_high)}]"


def decided_by_cell(ev: Evidence) -> str:
    """The part that decided a combined claim, with its own estimate [CI] when it is not the
    headline part (whose estimate the table shows apart)."""
    if not ev.decided_by:
        return "-"
    if ev.decided_apart:
        return f"{ev.decided_by}: {interval_cell(ev.estimate, ev.ci_low, ev.ci_high)}"
    return ev.decided_by


def holm_cell(r: ClaimRecord) -> str:
    """The claim's decision p, Holm-adjusted over the session's family; ``!`` when the family
    reading does not keep its verdict; "fact" for a published number outside the family."""
    if r.holm is None:
        return "-"
    if not r.in_holm_family:
        return "fact"
    return num(r.p_holm) + (" !" if r.changed_by_holm else "")


def holm_note(records: Iterable[ClaimRecord]) -> str:
    """The sentence under a verdict table that says what ``p Holm`` adjusted, and which
    verdicts the family reading does not keep; empty when nothing was adjusted."""
    records = list(records)
    family = [r for r in records if r.in_holm_family]
    if not family:
        return ""
    size, alpha = family[0].holm["family_size"], family[0].holm["family_alpha"]
    facts = [r.id for r in records if r.holm is not None and not r.in_holm_family]
    changed = [r.id for r in family if r.changed_by_holm]
    claims = f"{size // 2} claim{'s' if size > 2 else ''}"
    note = (f"p: the p-value of each claim's decision; p Holm: adjusted by Holm's method over "
            f"the {size} one-sided tests (a supporting and a refuting one per claim) of the "
            f"{claims} judged on this session's runs, so that any wrong verdict among them has "
            f"probability at most {alpha}"
            + (f"; published facts are outside the family ({', '.join(facts)})" if facts
               else "") + ". ")
    if not changed:
        return note + "No verdict changes under the adjustment."
    return note + (f"! marks {len(changed)} claim(s) that would be inconclusive after "
                   f"adjustment: {', '.join(changed)}. Their verdicts are marked "
                   f"\"{NOT_AFTER_HOLM}\"; each claim's own verdict and outcome stand at its "
                   f"own alpha.")


def evidence_lines(ev, indent: str = "  ") -> list[str]:
    """An evidence record, one line per part for combined claims (the headline part first
    named, when it is not the part that decided)."""
    if not isinstance(ev, dict):
        ev = ev.to_dict()
    lines = [f"{indent}{ev['test'] if 'all of' not in ev['test'] else 'all of'}: "
             f"{ev['estimate_label']} = {num(ev['estimate'])} "
             f"[{num(ev['ci_low'])}, {num(ev['ci_high'])}], p={num(ev['p_value'])}, "
             f"alpha={ev['alpha']}, smallest effect={ev['min_effect']}, seeds={ev['n_seeds']}"]
    head = ev.get("headline") or {}
    if head and head.get("part") != ev.get("decided_by"):
        lines.append(f"{indent}headline: {head['estimate_label']} = "
                     + interval_cell(*(head.get(k) for k in ("estimate", "ci_low", "ci_high"))))
    for name, part in ev.get("details", {}).items():
        if is_part(part):
            lines.append(f"{indent}  {name}: {part['verdict']}")
            lines += evidence_lines(part, indent + "    ")
    return lines


def design_words(spec: "ClaimSpec") -> str:
    """The design version and its history in a few words: '3 (2 earlier, 1 loosened)'."""
    if not spec.history:
        return str(spec.design)
    loosened = sum(h.loosened for h in spec.history)
    return (f"{spec.design} ({len(spec.history)} earlier"
            + (f", {loosened} loosened)" if loosened else ")"))


def catalog_lines(specs: Iterable["ClaimSpec"]) -> list[str]:
    rows = [[s.id, s.section, s.expected + (f" (measured {s.deviation})" if s.deviation else ""),
             design_words(s), s.statement] for s in specs]
    return table(["id", "section", "expected", "design", "statement"], rows)


def summary_lines(records: Iterable[ClaimRecord]) -> list[str]:
    """The verdict table. ``estimate [CI]`` is the headline estimate (a combined claim's
    headline part); ``decided by`` names the part that decided, with its own estimate when it
    is another part. ``p`` is the p-value of the decision each claim took; ``p Holm`` the same
    adjusted over the session's family (``SessionRecord.adjust``): a verdict the family reading
    does not keep reads "supported (not after Holm)" and its ``p Holm`` carries a ``!``."""
    records = sorted(records, key=lambda r: r.id)
    body = []
    for r in records:
        ev = r.decided
        if ev is not None:
            head = ev.headline_estimate
            est = interval_cell(head.estimate, head.ci_low, head.ci_high)
            p, p_adj, seeds = num(ev.decision_p), holm_cell(r), str(ev.n_seeds)
            part = decided_by_cell(ev)
        else:
            est, p, p_adj, seeds, part = "-", "-", "-", "-", "-"
        body.append([r.id, r.verdict_with_holm, r.expected, r.outcome, part, est, p, p_adj,
                     seeds, f"{r.seconds:.1f}s"])
    lines = table(["id", "verdict", "expected", "outcome", "decided by", "estimate [CI]", "p",
                   "p Holm", "seeds", "time"], body)
    note = holm_note(records)
    if note:
        lines.append(note)
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
