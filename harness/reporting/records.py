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
    ``deviation``, ``design``, ``namespace``, ``nodeid``, ``position`` (collection order);
  - the outcome: ``outcome`` (pytest's word: passed, failed, xfailed, skipped, error), ``verdict``
    (the verdict words: "supported", "refuted (reversed)", "inconclusive", "not decided",
    "error"), ``skip_reason``, ``error``;
  - ``decision`` (null when nothing was decided): ``test``, ``statistic``, ``estimate``,
    ``estimate_label``, ``ci`` ([low, high]), ``ci_level``, ``p_value`` (of the decision taken),
    ``p_holm`` (Holm-adjusted across the session's decided claims), ``alpha``, ``min_effect``
    (the smallest effect that matters, or the margin), ``n_seeds``, ``decided_by``,
    ``claim_direction``;
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
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

from ..compute import bound_ratio, flop_bound
from ..stats import Evidence, holm

SCHEMA = "deepclaims-results"
SCHEMA_VERSION = 1
EVIDENCE_NUMBERS = ("statistic", "estimate", "ci_low", "ci_high", "ci_level", "p_value",
                    "alpha", "min_effect", "p_against")


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


@dataclass
class ClaimRecord:
    """Everything the session learned about one claim. ``evidence`` and ``figure`` are plain
    dicts (as recorded on the test report); ``p_holm`` is filled in when the session closes."""

    id: str
    section: str = ""
    quote: str = ""
    statement: str = ""
    refs: list = field(default_factory=list)
    expected: str = "?"
    reason: str = ""
    deviation: str = ""
    design: int = 1
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

    @property
    def decided(self) -> Evidence | None:
        return evidence_from_json(self.evidence) if self.evidence else None

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
        return {"test": ev.test, "statistic": ev.statistic, "estimate": ev.estimate,
                "estimate_label": ev.estimate_label, "ci": [ev.ci_low, ev.ci_high],
                "ci_level": ev.ci_level, "p_value": ev.decision_p, "p_holm": self.p_holm,
                "alpha": ev.alpha, "min_effect": ev.min_effect, "n_seeds": ev.n_seeds,
                "decided_by": ev.decided_by, "claim_direction": ev.claim_direction}

    def to_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("id",
                                                                                   "p_holm")}
        out["verdict"] = self.verdict
        out["decision"] = self.decision()
        return strict_json(out)

    @classmethod
    def from_dict(cls, claim_id: str, record: dict) -> "ClaimRecord":
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in known}
        decision = record.get("decision") or {}
        values["p_holm"] = decision.get("p_holm")
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

    def adjust(self) -> None:
        """Holm-adjust the p of every decided claim's decision across this session."""
        decided = {cid: r.decided for cid, r in self.claims.items() if r.evidence}
        p = {cid: (e.decision_p if math.isfinite(e.decision_p) else 1.0)
             for cid, e in decided.items()}
        for cid, adjusted in zip(p, holm(list(p.values())) if p else []):
            self.claims[cid].p_holm = adjusted

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
            return cls(**session, claims=claims)
        except (KeyError, TypeError, AttributeError) as err:
            raise SchemaError(f"{source}: malformed results file: {err!r}") from None
