"""How a claim is declared: its metadata, its expected verdict, and the budget it runs under."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from .stats import INCONCLUSIVE, REFUTED, SUPPORTED, VERDICTS

EXPECTED = (SUPPORTED, REFUTED)
BUDGETS = ("quick", "standard", "full")
CLAIM_ID = re.compile(r"^[A-Z][0-9]*-[a-z0-9]+(-[a-z0-9]+)*$")


class ClaimRefuted(AssertionError):
    """The measurement contradicts the claim as written."""


class ClaimInconclusive(AssertionError):
    """The measurement decides neither way; never a silent pass."""


@dataclass(frozen=True)
class ClaimSpec:
    """A statement of the note, as the catalog (shared/CLAIMS.md) gives it."""

    id: str
    section: str
    quote: str
    statement: str
    refs: tuple[str, ...]
    expected: str
    reason: str = ""
    deviation: str = ""
    deviation_reason: str = ""

    def __post_init__(self) -> None:
        if not CLAIM_ID.match(self.id):
            raise ValueError(f"claim id {self.id!r} must look like 'K1-width' "
                             f"(pattern {CLAIM_ID.pattern})")
        if self.expected not in EXPECTED:
            raise ValueError(f"claim {self.id}: expected {self.expected!r} not one of {EXPECTED}")
        if self.expected == REFUTED and not self.reason:
            raise ValueError(f"claim {self.id}: an expected-refuted claim needs a reason")
        if self.deviation:
            if self.deviation not in VERDICTS or self.deviation == self.expected:
                raise ValueError(f"claim {self.id}: deviation {self.deviation!r} must be a "
                                 f"verdict other than the expected {self.expected!r}")
            if not self.deviation_reason:
                raise ValueError(f"claim {self.id}: a deviation needs a deviation_reason")
        for name in ("section", "quote", "statement"):
            if not getattr(self, name).strip():
                raise ValueError(f"claim {self.id}: {name} is empty")


def claim(id: str, *, section: str, quote: str, statement: str, refs: tuple[str, ...] = (),
          expected: str = SUPPORTED, reason: str = "", deviation: str = "",
          deviation_reason: str = "") -> Callable:
    """Mark a test function as the executable form of one catalog statement.

    ``expected`` is what the literature reports; ``reason`` explains an expected refutation.
    ``deviation`` records a verdict this suite measures that differs from ``expected`` (with the
    setting that explains it in ``deviation_reason``): the test is then a strict xfail on exactly
    that verdict, so the deviation is shown on every run and any change of it fails.
    """
    spec = ClaimSpec(id, section, quote, statement, tuple(refs), expected, reason, deviation,
                     deviation_reason)
    return pytest.mark.claim(spec)


def expected_failure(spec: ClaimSpec):
    """The strict xfail marker for a claim whose verdict is meant to differ from supported."""
    verdict = spec.deviation or spec.expected
    if verdict == SUPPORTED:
        return None
    raises = ClaimRefuted if verdict == REFUTED else ClaimInconclusive
    reason = spec.deviation_reason if spec.deviation else spec.reason
    return pytest.mark.xfail(strict=True, raises=raises, reason=f"{verdict}: {reason}")


@dataclass(frozen=True)
class Budget:
    """Budgets change how many replicates a claim trains, never what it tests."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in BUDGETS:
            raise ValueError(f"unknown budget {self.name!r}; allowed: {', '.join(BUDGETS)}")

    def pick(self, *, quick: Any, standard: Any, full: Any) -> Any:
        return {"quick": quick, "standard": standard, "full": full}[self.name]


def raise_for(verdict: str, message: str) -> None:
    if verdict == REFUTED:
        raise ClaimRefuted(message)
    if verdict == INCONCLUSIVE:
        raise ClaimInconclusive(message)
    assert verdict == SUPPORTED, verdict
