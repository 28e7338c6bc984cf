"""The results schema: one record per claim, one per session, as versioned JSON.

Schema ``deepclaims-results``, version 1 (``SCHEMA_VERSION``). A results file is one JSON object:

- ``schema``, ``schema_version``;
- ``session``: ``master_seed``, ``budget``, ``device``, ``device_model``, ``versions`` (python,
  torch, numpy, scipy, mnist1d, harness, platform), ``git`` (``commit``, ``dirty``; null outside
  a git checkout), ``started`` (ISO 8601, UTC), ``duration_s``, ``matmul_rate`` (this machine's
  float32 matmul peak in FLOP/s over all cores, ``compute.machine_peak_flops``, measured at the
  end of the session; null when nothing trained or off the CPU), ``executor`` (where missing
  runs trained: "local" or "ray"; files written before it existed read as "local"), ``totals`` (claims, runs trained, runs reused, train seconds,
  ``flops_trained``, ``claims_seconds``: the claims' summed wall time, ``flop_bound_s``: the
  FLOPs trained at ``matmul_rate``, ``bound_ratio``: claims' wall time over that bound);
- ``claims``: by claim id, each with
  - the declaration: ``section``, ``quote``, ``statement``, ``refs``, ``expected``, ``reason``,
    ``deviation``, ``design``, ``history`` (earlier designs: what, saw, loosened, data seeds),
    ``namespace``, ``nodeid``, ``position`` (collection order);
  - the outcome: ``outcome`` (pytest's word: passed, failed, xfailed, skipped, error), ``verdict``
    (the verdict words: "supported", "refuted (reversed)", "inconclusive", "not decided",
    "error"), ``skip_reason``, ``error``;
  - ``decision`` (null when nothing was decided): ``test``, ``statistic``, ``estimate``,
    ``estimate_label``, ``ci`` ([low, high]) (of the part that decided, for a combined claim),
    ``headline`` (``part``, ``estimate_label``, ``estimate``, ``ci``: the headline part's; the
    same numbers for a claim of one statement), ``ci_level``, ``p_value`` (of the decision
    taken), ``p_holm`` (that decision's p, Holm-adjusted over the session's family, below),
    ``holm`` (the family reading: ``p_supporting`` and ``p_refuting``, the claim's two one-sided
    p-values adjusted; ``verdict``, the verdict that survives at ``family_alpha``;
    ``family_size``, the number of one-sided tests adjusted; or ``excluded`` with the reason
    for a published fact), ``alpha``, ``min_effect`` (the smallest effect that matters, or the
    margin), ``n_seeds``, ``decided_by``, ``claim_direction``;
  - ``evidence``: the full evidence record, every part of a combined claim included;
  - ``sweeps``: per sweep point its grid ``values``, ``config_key``, run ``seeds``, and the
    per-seed final value of every metric (``final``);
  - ``figure``: the data behind the claim's figure (panels of series: x, mean y, interval,
    per-seed values), or null;
  - ``seconds`` (wall time), ``runs`` (``trained``, ``reused``: cache hits), ``compute``
    (``train_seconds``: summed training time of the runs the claim read, ``train_steps``;
    ``flops_trained`` and ``trained_seconds``: FLOPs (``harness.compute.run_flops``) and
    training time of the runs it trained in this session, cache hits excluded).

Non-finite numbers are written as null: the file is strict JSON that any language can read.

The session's family (``SessionRecord.adjust``): every claim decided on this session's runs
contributes its two one-sided tests, Holm-adjusted together at the family alpha, so the
probability of any wrong verdict (a false supported or a false refuted) across the session is at
most that alpha (``stats.holm_family``). Verdicts on published numbers stay out of it. The family
reading is recomputed whenever a session is built or read, so files written under an earlier
rule read under this one; each claim's own verdict, at its own alpha, is never changed by it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

from ..compute import bound_ratio, flop_bound
from ..stats import Evidence, holm_family, is_published_fact

SCHEMA = "deepclaims-results"
SCHEMA_VERSION = 1
EVIDENCE_NUMBERS = ("statistic", "estimate", "ci_low", "ci_high", "ci_level", "p_value",
                    "alpha", "min_effect", "p_against")
NOT_IN_FAMILY = "a published fact: nothing in it is drawn in this session"
NOT_AFTER_HOLM = "not after Holm"


def compute_totals(records, rate: float | None) -> dict:
    """FLOPs trained, the claims' wall time, the FLOP bound at ``rate`` and the ratio."""
    flops = sum(r.compute.get("flops_trained", 0.0) for r in records)
    seconds = sum(r.seconds for r in records)
    return {"flops_trained": flops, "claims_seconds": seconds,
            "flop_bound_s": flop_bound(flops, rate),
            "bound_ratio": bound_ratio(seconds, flops, rate)}


class SchemaError(ValueError):
    """A results file that is not one this version of the harness can read."""


def strict_json(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (strict JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    return value


def evidence_from_json(record: dict) -> Evidence:
    """An evidence record read back from strict JSON (null numbers are NaN again)."""
    values = dict(record)
    for name in EVIDENCE_NUMBERS:
        if values.get(name) is None:
            values[name] = math.nan
    return Evidence.from_dict(values)


# What makes an entry of an evidence record's details one of its parts (an Evidence record of
# a combined claim), not a note of the claim's own that happens to carry a verdict.
PART_KEYS = frozenset({"verdict", "refuted_as", "estimate_label", "estimate", "ci_low",
                       "ci_high"})


def is_part(value) -> bool:
    """Whether a details entry is a combined claim's part (``PART_KEYS``)."""
    return isinstance(value, dict) and PART_KEYS <= value.keys()


@dataclass
class ClaimRecord:
    """Everything the session learned about one claim. ``evidence`` and ``figure`` are plain
    dicts (as recorded on the test report); ``p_holm`` and ``holm`` (the family reading, see
    the module docstring) are filled in by ``SessionRecord.adjust``."""

    id: str
    section: str = ""
    quote: str = ""
    statement: str = ""
    refs: list = field(default_factory=list)
    expected: str = "?"
    reason: str = ""
    deviation: str = ""
    design: int = 1
    history: list = field(default_factory=list)
    namespace: str = ""
    nodeid: str = ""
    position: int = 0
    outcome: str = ""
    skip_reason: str = ""
    error: str = ""
    evidence: dict | None = None
    figure: dict | None = None
    sweeps: list = field(default_factory=list)
    seconds: float = 0.0
    runs: dict = field(default_factory=lambda: {"trained": 0, "reused": 0})
    compute: dict = field(default_factory=lambda: {"train_seconds": 0.0, "train_steps": 0,
                                                   "flops_trained": 0.0,
                                                   "trained_seconds": 0.0})
    p_holm: float | None = None
    holm: dict | None = None

    @property
    def decided(self) -> Evidence | None:
        return evidence_from_json(self.evidence) if self.evidence else None

    @property
    def in_holm_family(self) -> bool:
        return bool(self.holm) and "verdict" in self.holm

    @property
    def verdict_after_holm(self) -> str | None:
        """The verdict words this claim keeps in the session's family reading; None when it is
        not in the family (nothing decided, a published fact, or not adjusted yet)."""
        return self.holm["verdict"] if self.in_holm_family else None

    @property
    def changed_by_holm(self) -> bool:
        """Whether the family reading takes this claim's verdict back to inconclusive."""
        after = self.verdict_after_holm
        return after is not None and after != self.verdict

    @property
    def verdict_with_holm(self) -> str:
        """The verdict words, marked when the family reading does not keep them: "supported
        (not after Holm)", "refuted (reversed; not after Holm)"."""
        words = self.verdict
        if not self.changed_by_holm:
            return words
        if words.endswith(")"):
            return f"{words[:-1]}; {NOT_AFTER_HOLM})"
        return f"{words} ({NOT_AFTER_HOLM})"

    @property
    def verdict(self) -> str:
        ev = self.decided
        if ev is not None:
            return ev.verdict_words
        return "not decided" if self.outcome == "skipped" else "error"

    @property
    def statement_key(self) -> str:
        """The note's statement this claim belongs to: 'K1' for K1-width and K1-depth."""
        return self.id.split("-", 1)[0]

    @property
    def sort_key(self) -> tuple:
        """Statements in their natural order (K2 before K10), then claims in the order they
        were declared."""
        key = self.statement_key
        digits = key.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return (key[:len(key) - len(digits)], int(digits or 0), self.position, self.id)

    def decision(self) -> dict | None:
        ev = self.decided
        if ev is None:
            return None
        head = ev.headline_estimate
        return {"test": ev.test, "statistic": ev.statistic, "estimate": ev.estimate,
                "estimate_label": ev.estimate_label, "ci": [ev.ci_low, ev.ci_high],
                "headline": {"part": head.part, "estimate_label": head.label,
                             "estimate": head.estimate, "ci": [head.ci_low, head.ci_high]},
                "ci_level": ev.ci_level, "p_value": ev.decision_p, "p_holm": self.p_holm,
                "holm": self.holm, "alpha": ev.alpha, "min_effect": ev.min_effect,
                "n_seeds": ev.n_seeds, "decided_by": ev.decided_by,
                "claim_direction": ev.claim_direction}

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self)
               if f.name not in ("id", "p_holm", "holm")}
        out["verdict"] = self.verdict
        out["decision"] = self.decision()
        return strict_json(out)

    @classmethod
    def from_dict(cls, claim_id: str, record: dict) -> "ClaimRecord":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in known}
        decision = record.get("decision") or {}
        values["p_holm"] = decision.get("p_holm")
        values["holm"] = decision.get("holm")
        rec = cls(id=claim_id, **values)
        if rec.evidence is not None:
            try:
                rec.decided
            except (TypeError, ValueError) as err:
                raise SchemaError(f"claim {claim_id}: unreadable evidence: {err}") from None
        return rec


@dataclass
class SessionRecord:
    """One session of the suite: its setting and environment, and every claim's record."""

    master_seed: int
    budget: str
    device: str
    device_model: str
    versions: dict
    git: dict | None
    started: str
    duration_s: float
    claims: dict[str, ClaimRecord] = field(default_factory=dict)
    matmul_rate: float | None = None
    executor: str = "local"

    def adjust(self, family_alpha: float | None = None) -> None:
        """Read the session's claims as one family (module docstring): Holm over the supporting
        and the refuting p-value of every claim decided on this session's runs, at
        ``family_alpha`` (by default the smallest alpha among them), filling in each claim's
        ``p_holm`` (its decision's adjusted p) and ``holm`` (the family reading). Published
        facts are marked as outside the family; claims without evidence get neither."""
        decided = {cid: r.decided for cid, r in self.claims.items() if r.evidence}
        family = {cid: e for cid, e in decided.items() if not is_published_fact(e)}
        for cid, rec in self.claims.items():
            rec.p_holm = None
            rec.holm = {"excluded": NOT_IN_FAMILY} if cid in decided else None
        if not family:
            return
        alpha = (family_alpha if family_alpha is not None
                 else min(e.alpha for e in family.values()))
        for cid, reading in zip(family, holm_family(list(family.values()), alpha=alpha)):
            rec = self.claims[cid]
            rec.p_holm = reading.p_decision
            rec.holm = {"p_supporting": reading.p_supporting, "p_refuting": reading.p_refuting,
                        "verdict": reading.verdict_words, "family_alpha": alpha,
                        "family_size": 2 * len(family)}

    @property
    def totals(self) -> dict:
        records = self.claims.values()
        return {"claims": len(self.claims),
                "runs_trained": sum(r.runs.get("trained", 0) for r in records),
                "runs_reused": sum(r.runs.get("reused", 0) for r in records),
                "train_seconds": sum(r.compute.get("train_seconds", 0.0) for r in records),
                **compute_totals(records, self.matmul_rate)}

    def to_dict(self) -> dict:
        session = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "claims"}
        session["totals"] = self.totals
        return strict_json({
            "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "session": session,
            "claims": {cid: self.claims[cid].to_dict() for cid in sorted(self.claims)}})

    @classmethod
    def from_dict(cls, data: Any, source: str = "results") -> "SessionRecord":
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise SchemaError(f"{source}: not a deepclaims results file (no "
                              f"'schema': {SCHEMA!r})")
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise SchemaError(f"{source}: schema version {version!r}; this harness reads "
                              f"version {SCHEMA_VERSION}")
        try:
            session = dict(data["session"])
            session.pop("totals", None)
            claims = {cid: ClaimRecord.from_dict(cid, rec)
                      for cid, rec in data["claims"].items()}
            session = cls(**session, claims=claims)
        except (KeyError, TypeError, AttributeError) as err:
            raise SchemaError(f"{source}: malformed results file: {err!r}") from None
        session.adjust()  # the family reading under this harness's rule, whoever wrote the file
        return session
