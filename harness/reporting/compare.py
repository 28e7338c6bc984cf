"""Baseline comparison: did a finding flip, or move the bad way, since a saved session?

A claim *regresses* when
- its verdict words changed ("supported" → "inconclusive", "refuted (reversed)" → "supported",
  …); or
- an estimate (the headline one, or any part's of a combined claim) moved outside the baseline's
  interval in the direction that weakens the claim: below the interval for a claim that wants
  its estimate above a threshold, above it for a bound, away from the reference for an
  equivalence claim;
and the move exceeds the noise tolerance: a tenth of the smallest effect that matters, or a
twentieth of the baseline interval's width, whichever is larger. The same master seed on two
machines gave estimates that differed in the third or fourth digit (0.4350 vs 0.4354, 0.0532 vs
0.0555), inside both tolerances; an estimate that leaves a 98 % interval by more than that is
not rounding.

A claim whose design version changed is new science, not a regression: it is listed, not judged.
Differences of environment that can move numbers (versions, device, budget, master seed) are
named in the output.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..stats import ABOVE, BELOW, WITHIN
from .records import ClaimRecord, SessionRecord, evidence_from_json, is_part
from .table import num, table

NOISE_OF_MIN_EFFECT = 0.1
NOISE_OF_INTERVAL = 0.05
ENVIRONMENT = ("torch", "numpy", "scipy", "python", "mnist1d", "harness")


@dataclass
class ClaimChange:
    """One claim, before and now. ``problems`` is empty unless it regressed."""

    id: str
    before: str
    now: str
    estimate_before: float | None = None
    estimate_now: float | None = None
    note: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def change(self) -> str:
        if self.problems:
            return "REGRESSED: " + "; ".join(self.problems)
        return self.note or ("same verdict" if self.before == self.now else "changed")


@dataclass
class Comparison:
    baseline: str
    changes: list[ClaimChange]
    environment: list[str]

    @property
    def regressions(self) -> list[ClaimChange]:
        return [c for c in self.changes if c.problems]


def _leaves(evidence: dict, path: str = "") -> dict[str, dict]:
    """Every evidence record in a (possibly combined) evidence tree, by its path of part names."""
    out = {path or "(claim)": evidence}
    for name, part in (evidence.get("details") or {}).items():
        if is_part(part):
            out.update(_leaves(part, f"{path} / {name}" if path else name))
    return out


def tolerance(before: dict) -> float:
    lo, hi, delta = before.get("ci_low"), before.get("ci_high"), before.get("min_effect")
    width = hi - lo if lo is not None and hi is not None else 0.0
    delta = abs(delta) if delta is not None and math.isfinite(delta) else 0.0
    return max(NOISE_OF_MIN_EFFECT * delta, NOISE_OF_INTERVAL * width, 1e-12)


def moved_badly(before: dict, now: dict) -> str:
    """Why ``now``'s estimate left ``before``'s interval in the bad direction, or ''."""
    direction = before.get("claim_direction") or now.get("claim_direction")
    est, lo, hi = now.get("estimate"), before.get("ci_low"), before.get("ci_high")
    if None in (est, lo, hi) or not all(map(math.isfinite, (est, lo, hi))):
        return ""
    tol = tolerance(before)
    if direction == ABOVE and est < lo - tol:
        return f"{est:.4g} fell below the baseline interval [{lo:.4g}, {hi:.4g}]"
    if direction == BELOW and est > hi + tol:
        return f"{est:.4g} rose above the baseline interval [{lo:.4g}, {hi:.4g}]"
    if direction == WITHIN and abs(est) > max(abs(lo), abs(hi)) + tol:
        return (f"{est:.4g} moved away from the reference, outside the baseline interval "
                f"[{lo:.4g}, {hi:.4g}]")
    return ""


def compare_claim(before: ClaimRecord | None, now: ClaimRecord | None) -> ClaimChange:
    cid = (now or before).id
    change = ClaimChange(cid, before.verdict if before else "-", now.verdict if now else "-")
    if before is None:
        change.note = "new claim"
        return change
    if now is None:
        change.note = "not run now"
        return change
    if before.evidence:
        change.estimate_before = evidence_from_json(before.evidence).estimate
    if now.evidence:
        change.estimate_now = evidence_from_json(now.evidence).estimate
    if before.namespace != now.namespace:
        change.note = f"design changed ({before.namespace} → {now.namespace}): not compared"
        return change
    if before.verdict != now.verdict:
        change.problems.append(f"verdict flipped: {before.verdict} → {now.verdict}")
    if before.evidence and now.evidence:
        old, new = _leaves(before.evidence), _leaves(now.evidence)
        for path in old:
            if path in new:
                why = moved_badly(old[path], new[path])
                if why:
                    change.problems.append(f"{path}: {why}")
    return change


def environment_differences(before: SessionRecord, now: SessionRecord) -> list[str]:
    out = []
    for name in ENVIRONMENT:
        a, b = before.versions.get(name), now.versions.get(name)
        if a != b:
            out.append(f"{name} {a} → {b}")
    for name in ("device", "device_model", "budget", "master_seed"):
        a, b = getattr(before, name), getattr(now, name)
        if a != b:
            out.append(f"{name.replace('_', ' ')} {a} → {b}")
    return out


def compare(before: SessionRecord, now: SessionRecord, baseline: str = "baseline") -> Comparison:
    ids = sorted(set(before.claims) | set(now.claims))
    return Comparison(baseline, [compare_claim(before.claims.get(i), now.claims.get(i))
                                 for i in ids], environment_differences(before, now))


def comparison_lines(result: Comparison) -> list[str]:
    """The comparison as a table: before / now / change per claim, then what differs."""
    shown = lambda x: "-" if x is None else num(x)  # noqa: E731
    rows = [[c.id, c.before, c.now, shown(c.estimate_before), shown(c.estimate_now), c.change]
            for c in result.changes]
    lines = [f"compared with {result.baseline}"]
    lines += table(["id", "before", "now", "estimate before", "estimate now", "change"], rows)
    if result.environment:
        lines.append("environment differs: " + "; ".join(result.environment))
    else:
        lines.append("environment: same versions, device, budget and master seed")
    n = len(result.regressions)
    lines.append(f"{n} claim(s) regressed: {', '.join(c.id for c in result.regressions)}"
                 if n else "no claim regressed")
    return lines
