"""The report: what a researcher reads, built from a session record alone.

One document model (a list of blocks) is written twice: ``report.md`` with its figures as PNG
files beside it, and ``report.html``, self-contained, with every figure embedded. Both are pure
functions of the results (and, optionally, a pytest-benchmark JSON), so a report rebuilt from a
saved results file equals the one written at the end of the session, byte for byte.

Claims are grouped by the sections of the note; each shows its quote, statement, verdict, the
numbers behind it and its figure. The closing section answers the note: which of its statements
held, which held only with a qualification, and which did not.
"""
from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass
from pathlib import Path

from ..stats import SUPPORTED
from .benchmarks import performance_rows
from .figures import Figure, render_png
from .records import ClaimRecord, SessionRecord, is_part
from .saved import write_json
from .table import (COMPUTE_HEADER, compute_rows, decided_by_cell, holm_cell, holm_note,
                    interval_cell, num)

# (prefix of a claim's section, English heading, the note's own heading)
NOTE_SECTIONS = (
    ("Known", "What we know about deep learning", "우리가 딥러닝에 대해 알고있는 부분"),
    ("Not understood 1", "What we do not understand: 1. Generalization",
     "우리가 딥러닝에서 잘 이해하지 못하는 부분 — 1. Generalization"),
    ("Not understood 2", "What we do not understand: 2. Simple optimization works",
     "우리가 딥러닝에서 잘 이해하지 못하는 부분 — 2. Simple optimization work"),
    ("Not understood 3", "What we do not understand: 3. Representation",
     "우리가 딥러닝에서 잘 이해하지 못하는 부분 — 3. Representation"),
)
NOTE_CONCLUSION = "딥러닝에서 우리가 증명 또는 해석하지 못하는 부분이 있다."
HELD, QUALIFIED, NOT_HELD, UNDECIDED = ("held", "held only with a qualification", "did not hold",
                                       "not decided in this session")


@dataclass(frozen=True)
class Block:
    """One piece of the document: kind in heading1-3, text, quote, table, list, figure."""

    kind: str
    text: str = ""
    rows: tuple = ()
    header: tuple = ()
    figure: Figure | None = None
    name: str = ""


def _section_of(record: ClaimRecord) -> tuple[str, str]:
    for prefix, title, note in NOTE_SECTIONS:
        if record.section.startswith(prefix):
            return title, note
    return record.section or "Other claims", ""


def _order(title: str) -> int:
    """Sections in the note's order; a lab's own sections after them."""
    titles = [t for _, t, _ in NOTE_SECTIONS]
    return titles.index(title) if title in titles else len(titles)


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{seconds:.1f} s"


def _verdict_line(r: ClaimRecord) -> str:
    line = f"Verdict: {r.verdict} (expected: {r.expected}"
    if r.deviation:
        line += f"; recorded deviation: {r.deviation}"
    line += f"; pytest: {r.outcome or '-'})."
    if r.skip_reason:
        line += f" {r.skip_reason}."
    if r.error and not r.evidence:
        line += f" Error: {r.error}"
    return line


def _holm_words(r: ClaimRecord) -> str:
    if r.in_holm_family:
        return f"Holm-adjusted {num(r.p_holm)}; after Holm: {r.verdict_after_holm}"
    if r.holm is not None:
        return "a published fact: not in the session's Holm family"
    return "not adjusted"


def _numbers(r: ClaimRecord) -> list[str]:
    """The headline estimate first, then the part that decided with its own estimate when it
    is another part, the p-values and the runs."""
    ev = r.decided
    if ev is None:
        return []
    head = ev.headline_estimate
    items = [f"test: {ev.test}",
             f"{head.label} = {num(head.estimate)}, {ev.ci_level:.0%} CI "
             f"[{num(head.ci_low)}, {num(head.ci_high)}]",
             f"p = {num(ev.decision_p)} ({_holm_words(r)}), alpha = {ev.alpha}, "
             f"smallest effect or margin = {num(ev.min_effect)}, seeds = {ev.n_seeds}",
             f"runs trained {r.runs['trained']}, read from the cache {r.runs['reused']}; wall "
             f"time {r.seconds:.1f} s; training time of the runs read "
             f"{r.compute['train_seconds']:.1f} s"]
    if ev.decided_apart:
        items.insert(2, f"decided by: {ev.estimate_label} = {num(ev.estimate)}, "
                        f"{ev.ci_level:.0%} CI [{num(ev.ci_low)}, {num(ev.ci_high)}]")
    elif ev.decided_by:
        items.insert(2, f"decided by: {ev.decided_by}")
    return items


def _parts(r: ClaimRecord) -> Block | None:
    ev = r.evidence or {}
    rows = []

    def walk(record: dict, path: str) -> None:
        for name, part in (record.get("details") or {}).items():
            if is_part(part):
                where = f"{path} / {name}" if path else name
                words = part["verdict"] + (f" ({part['refuted_as']})"
                                           if part.get("refuted_as") else "")
                rows.append((where, words, part["estimate_label"],
                             f"{num(_f(part['estimate']))} [{num(_f(part['ci_low']))}, "
                             f"{num(_f(part['ci_high']))}]"))
                walk(part, where)
    walk(ev, "")
    if not rows:
        return None
    return Block("table", header=("part", "verdict", "estimate of", "estimate [CI]"),
                 rows=tuple(rows))


def _f(x) -> float:
    return math.nan if x is None else float(x)


def statement_verdicts(claims: list[ClaimRecord]) -> dict[str, tuple[str, list[ClaimRecord]]]:
    """Per statement of the note (claims sharing an id prefix, K1 for K1-width and K1-depth):
    held (every claim supported), held only with a qualification (some supported, some
    refuted: the refuted ones are the qualification), did not hold (all refuted), or not
    decided (any claim without a decided verdict)."""
    groups: dict[str, list[ClaimRecord]] = {}
    for r in sorted(claims, key=lambda r: (_order(_section_of(r)[0]), r.sort_key)):
        groups.setdefault(r.statement_key, []).append(r)
    out = {}
    for key, members in groups.items():
        verdicts = [r.decided.verdict if r.decided and r.decided.verdict != "inconclusive"
                    else None for r in members]
        if None in verdicts:
            status = UNDECIDED
        elif all(v == SUPPORTED for v in verdicts):
            status = HELD
        elif any(v == SUPPORTED for v in verdicts):
            status = QUALIFIED
        else:
            status = NOT_HELD
        out[key] = (status, members)
    return out


def _answer(session: SessionRecord) -> list[Block]:
    blocks = [Block("heading2", "What the note got right"),
              Block("text", "Each statement of the note is judged by its claims in this session: "
                            "it held when every claim of it was supported, held only with a "
                            "qualification when some were supported and some refuted (the "
                            "refuted ones are the qualification), and did not hold when all "
                            "were refuted. A claim without a decided verdict leaves its "
                            "statement undecided.")]
    verdicts = statement_verdicts(list(session.claims.values()))
    for status in (HELD, QUALIFIED, NOT_HELD, UNDECIDED):
        items = []
        for key, (s, members) in verdicts.items():
            if s != status:
                continue
            lead = next((r for r in members if r.expected == SUPPORTED), members[0])
            head = (f"{key} \u201c{lead.quote}\u201d ({lead.statement.rstrip('.')}): "
                    + "; ".join(f"{r.id} {r.verdict}" for r in members))
            if status == QUALIFIED:
                head += ". Qualification: " + "; ".join(
                    f"not as {r.id} states it (\u201c{r.statement.rstrip('.')}\u201d)"
                    + (f": {r.reason}" if r.reason else "")
                    for r in members if r.decided.verdict != SUPPORTED)
            items.append(head)
        blocks.append(Block("heading3", f"{status[0].upper()}{status[1:]} ({len(items)})"))
        blocks.append(Block("list", rows=tuple(items or ["none"])))
    blocks += _conclusion(verdicts)
    against = [f"{r.id}: measured {r.verdict}, the literature expects {r.expected}"
               for r in session.claims.values()
               if r.decided and r.decided.verdict != "inconclusive"
               and r.decided.verdict != r.expected]
    if against:
        blocks.append(Block("text", "Where this session disagrees with the literature: "
                                    + "; ".join(against) + "."))
    return blocks


def _conclusion(verdicts: dict[str, tuple[str, list[ClaimRecord]]]) -> list[Block]:
    """The note's own conclusion, answered section by section from the statements' status."""
    by_section: dict[str, list[tuple[str, str]]] = {}
    for key, (status, members) in verdicts.items():
        by_section.setdefault(_section_of(members[0])[0], []).append((key, status))
    rows = []
    for title in sorted(by_section, key=lambda t: (_order(t), t)):
        statuses = [status for _, status in by_section[title]]
        counts = ", ".join(f"{statuses.count(s)} {s}" for s in (HELD, QUALIFIED, NOT_HELD,
                                                                UNDECIDED) if s in statuses)
        plural = "s" if len(statuses) != 1 else ""
        rows.append(f"{title}: {len(statuses)} statement{plural}; {counts}.")
    unexplained = [(key, status) for title, items in by_section.items()
                   if title.startswith("What we do not understand") for key, status in items]
    held = [key for key, status in unexplained if status == HELD]
    rest = [f"{key} {status}" for key, status in unexplained if status != HELD]
    text = (f"The note concludes: \u201c{NOTE_CONCLUSION}\u201d (there are parts of deep "
            f"learning we cannot yet prove or interpret). A measurement cannot settle an "
            f"explanation; it settles whether the thing to be explained happens. ")
    if unexplained:
        text += (f"Of the {len(unexplained)} statements the note files under what we do not "
                 f"understand, {len(held)} held in this session"
                 + (f" ({', '.join(held)})" if held else "")
                 + (f"; the others: {'; '.join(rest)}." if rest else
                    ": what the note calls not understood is at least real at this scale, and "
                    "an explanation has to account for these measurements."))
    else:
        text += "No statement the note files under what we do not understand was run here."
    return [Block("heading3", "The note's conclusion"), Block("list", rows=tuple(rows)),
            Block("text", text)]


def build(session: SessionRecord, benchmarks: dict | None = None) -> list[Block]:
    """The report as blocks."""
    s = session
    git = (f"commit {s.git['commit'][:12]}" + (" with uncommitted changes" if s.git["dirty"]
                                               else "")) if s.git else "not a git checkout"
    blocks = [Block("heading1", "deepclaims: the note's statements, tested"),
              Block("text", f"Master seed {s.master_seed}, budget {s.budget}, device {s.device} "
                            f"({s.device_model}); torch {s.versions.get('torch')}, numpy "
                            f"{s.versions.get('numpy')}, Python {s.versions.get('python')}; "
                            f"{git}; started {s.started}, took {_duration(s.duration_s)}. "
                            f"Runs trained {s.totals['runs_trained']}, read from the cache "
                            f"{s.totals['runs_reused']}.")]
    rows = []
    for r in sorted(s.claims.values(), key=lambda r: (_order(_section_of(r)[0]), r.sort_key)):
        ev = r.decided
        head = ev.headline_estimate if ev else None
        rows.append((r.id, r.verdict_with_holm, r.expected,
                     interval_cell(head.estimate, head.ci_low, head.ci_high) if ev else "-",
                     decided_by_cell(ev) if ev else "-",
                     num(ev.decision_p) if ev else "-", holm_cell(r) if ev else "-",
                     str(ev.n_seeds) if ev else "-", f"{r.seconds:.1f}"))
    blocks += [Block("heading2", "Verdicts"),
               Block("table", header=("id", "verdict", "expected", "estimate [CI]",
                                      "decided by", "p", "p Holm", "seeds", "time s"),
                     rows=tuple(rows))]
    note = holm_note(s.claims.values())
    if note:
        blocks.append(Block("text", "estimate [CI]: the headline estimate (for a claim of "
                                    "several statements, its headline part's); decided by: "
                                    "the part that decided, with its own estimate when it is "
                                    "another. " + note))
    sections: dict[str, list[ClaimRecord]] = {}
    notes: dict[str, str] = {}
    for r in s.claims.values():
        title, note = _section_of(r)
        sections.setdefault(title, []).append(r)
        notes[title] = note
    for title in sorted(sections, key=lambda t: (_order(t), t)):
        blocks.append(Block("heading2", title))
        if notes[title]:
            blocks.append(Block("text", f"The note: \u201c{notes[title]}\u201d"))
        for r in sorted(sections[title], key=lambda r: r.sort_key):
            blocks += [Block("heading3", f"{r.id}: {r.verdict}"),
                       Block("quote", r.quote),
                       Block("text", r.statement),
                       Block("text", _verdict_line(r))]
            numbers = _numbers(r)
            if numbers:
                blocks.append(Block("list", rows=tuple(numbers)))
            parts = _parts(r)
            if parts is not None:
                blocks.append(parts)
            if r.figure:
                figure = Figure.from_dict(r.figure)
                blocks.append(Block("figure", figure.caption, figure=figure, name=r.id))
            if r.history:
                blocks.append(Block("text", f"Design {r.design}; the earlier designs and what "
                                            f"they saw:"))
                blocks.append(Block("list", rows=tuple(
                    f"design {h['design']}{' (loosened after its result)' if h['loosened'] else ''}"
                    f": {h['what']}; saw: {h['saw']}" for h in r.history)))
            if r.refs:
                blocks.append(Block("text", "References: " + "; ".join(r.refs) + "."))
    blocks += _answer(s)
    if s.totals["flops_trained"] > 0:
        rows, note = compute_rows(s)
        blocks += [Block("heading2", "Compute"), Block("text", note),
                   Block("table", header=tuple(COMPUTE_HEADER),
                         rows=tuple(tuple(r) for r in rows))]
    if benchmarks:
        header, perf = performance_rows(benchmarks)
        cpu = benchmarks.get("machine_info", {}).get("cpu", {}).get("brand_raw", "unknown")
        blocks += [Block("heading2", "Performance of the training engine"),
                   Block("text", f"From the pytest-benchmark JSON of tests/benchmarks (machine: "
                                 f"{cpu}; {benchmarks.get('datetime', 'date unknown')})."),
                   Block("table", header=header, rows=tuple(perf))]
    return blocks


# -- writers -------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block], figure_dir: str = "figures") -> str:
    out = []
    for b in blocks:
        if b.kind.startswith("heading"):
            out.append("#" * int(b.kind[-1]) + " " + b.text)
        elif b.kind == "text":
            out.append(b.text)
        elif b.kind == "quote":
            out.append("> " + b.text)
        elif b.kind == "list":
            out.append("\n".join(f"- {item}" for item in b.rows))
        elif b.kind == "table":
            out.append("\n".join(["| " + " | ".join(map(_md_cell, b.header)) + " |",
                                  "|" + "---|" * len(b.header)]
                                 + ["| " + " | ".join(map(_md_cell, row)) + " |"
                                    for row in b.rows]))
        elif b.kind == "figure":
            out.append(f"![{b.name}]({figure_dir}/{b.name}.png)\n\n*{b.text}*")
    return "\n\n".join(out) + "\n"


STYLE = ("body{font-family:system-ui,'Noto Sans','Noto Sans CJK KR','Malgun Gothic',sans-serif;"
         "max-width:64rem;margin:2rem auto;padding:0 1rem;line-height:1.45;color:#222}"
         "table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}"
         "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}th{background:#f2f2f2}"
         "blockquote{margin:.5rem 0;padding:.3rem .8rem;border-left:4px solid #88a;"
         "background:#f6f6fb}"
         "figure{margin:1rem 0}figure img{max-width:100%}figcaption{font-size:.85rem;color:#555}"
         "h3{margin-top:2rem;border-top:1px solid #ddd;padding-top:1rem}")


def to_html(blocks: list[Block], pngs: dict[str, bytes]) -> str:
    """A self-contained, well-formed (XML-parsable) HTML page; figures are data URIs."""
    e = lambda t: html.escape(str(t), quote=True)  # noqa: E731
    body = []
    title = next((b.text for b in blocks if b.kind == "heading1"), "deepclaims report")
    for b in blocks:
        if b.kind.startswith("heading"):
            level = int(b.kind[-1])
            body.append(f"<h{level}>{e(b.text)}</h{level}>")
        elif b.kind == "text":
            body.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "quote":
            body.append(f'<blockquote lang="ko">{e(b.text)}</blockquote>')
        elif b.kind == "list":
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b.rows) + "</ul>")
        elif b.kind == "table":
            head = "".join(f"<th>{e(h)}</th>" for h in b.header)
            rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                           for row in b.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif b.kind == "figure":
            data = base64.b64encode(pngs[b.name]).decode("ascii")
            body.append(f'<figure id="figure-{e(b.name)}"><img alt="{e(b.name)}" '
                        f'src="data:image/png;base64,{data}"/>'
                        f"<figcaption>{e(b.text)}</figcaption></figure>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
            f"<title>{e(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def write_report(session: SessionRecord, out_dir: Path, benchmarks: dict | None = None
                 ) -> dict[str, Path]:
    """Write results.json, report.md, report.html and figures/*.png under ``out_dir``."""
    out_dir = Path(out_dir)
    blocks = build(session, benchmarks)
    pngs = {b.name: render_png(b.figure) for b in blocks if b.kind == "figure"}
    figure_dir = out_dir / "figures"
    figure_dir.mkdir(parents=True, exist_ok=True)
    for name, png in pngs.items():
        (figure_dir / f"{name}.png").write_bytes(png)
    paths = {"results": out_dir / "results.json", "markdown": out_dir / "report.md",
             "html": out_dir / "report.html"}
    write_json(paths["results"], session.to_dict())
    paths["markdown"].write_text(to_markdown(blocks), encoding="utf-8")
    paths["html"].write_text(to_html(blocks, pngs), encoding="utf-8")
    return paths


