"""How a claim is declared: its metadata, its expected verdict, and the budget it runs under."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from .stats import INCONCLUSIVE, REFUTED, SUPPORTED

EXPECTED = (SUPPORTED, REFUTED)
BUDGETS = ("quick", "standard", "full")
CLAIM_ID = re.compile(r"^[A-Z][0-9]*-[a-z0-9]+(-[a-z0-9]+)*$")


class ClaimRefuted(AssertionError):
    """The measurement contradicts the claim as written."""


class ClaimInconclusive(AssertionError):
    """The measurement decides neither way; never a silent pass."""


# The data seed every design before data draws (``config.data_seed``) trained, piloted and
# decided on, at every master seed: MNIST-1D's canonical draw and the validation draw beside it.
DATA_SEEDS_BEFORE_DRAWS = (42, 43)


@dataclass(frozen=True)
class EarlierDesign:
    """A design a claim had before its current one, and what it saw.

    ``loosened`` marks a change that made the claim easier to support after its result was
    seen (a part dropped, a margin widened, a grid or rule moved); ``data_seeds`` are the data
    seeds it saw. The sweep refuses to decide the current design on any of them, so a loosened
    claim is confirmed only on data no earlier design touched."""

    design: int
    what: str
    saw: str
    loosened: bool = False
    data_seeds: tuple[int, ...] = DATA_SEEDS_BEFORE_DRAWS

    def __post_init__(self) -> None:
        if not (isinstance(self.design, int) and self.design >= 1):
            raise ValueError(f"an earlier design's number must be an integer >= 1, got "
                             f"{self.design!r}")
        for name in ("what", "saw"):
            if not getattr(self, name).strip():
                raise ValueError(f"earlier design {self.design}: say {name!r} (what it was, "
                                 f"what it saw)")


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
    deviation_power: float = 0.0
    design: int = 1
    history: tuple[EarlierDesign, ...] = ()

    def __post_init__(self) -> None:
        if not CLAIM_ID.match(self.id):
            raise ValueError(f"claim id {self.id!r} must look like 'K1-width' "
                             f"(pattern {CLAIM_ID.pattern})")
        if self.expected not in EXPECTED:
            raise ValueError(f"claim {self.id}: expected {self.expected!r} not one of {EXPECTED}")
        if self.expected == REFUTED and not self.reason:
            raise ValueError(f"claim {self.id}: an expected-refuted claim needs a reason")
        if self.deviation:
            if self.deviation not in EXPECTED or self.deviation == self.expected:
                raise ValueError(
                    f"claim {self.id}: deviation {self.deviation!r} must be a decided verdict "
                    f"({' or '.join(EXPECTED)}) other than the expected {self.expected!r}; an "
                    f"inconclusive result means the design lacks power: fix the design instead")
            if not self.deviation_reason:
                raise ValueError(f"claim {self.id}: a deviation needs a deviation_reason")
            if not 0.8 <= self.deviation_power <= 1.0:
                raise ValueError(
                    f"claim {self.id}: a deviation must state its design's power for the effect "
                    f"the literature reports, at least 0.8; got deviation_power="
                    f"{self.deviation_power!r}")
        if not (isinstance(self.design, int) and self.design >= 1):
            raise ValueError(f"claim {self.id}: design must be an integer >= 1, got "
                             f"{self.design!r}")
        for name in ("section", "quote", "statement"):
            if not getattr(self, name).strip():
                raise ValueError(f"claim {self.id}: {name} is empty")
        if not all(isinstance(h, EarlierDesign) for h in self.history):
            raise ValueError(f"claim {self.id}: history must hold EarlierDesign records")
        numbers = [h.design for h in self.history]
        if numbers != list(range(1, self.design)):
            raise ValueError(f"claim {self.id}: design {self.design} must record every earlier "
                             f"design in order (1 … {self.design - 1}) in history, got "
                             f"{numbers or 'none'}")

    @property
    def seen_data_seeds(self) -> frozenset[int]:
        """The data seeds an earlier design saw: this design is never decided on them."""
        return frozenset(s for h in self.history for s in h.data_seeds)

    @property
    def namespace(self) -> str:
        """Where the claim's own runs and statistics draw their seeds. A new design version
        draws fresh seeds, so a design changed after its result was seen is never confirmed on
        the seeds that suggested the change."""
        return self.id if self.design == 1 else f"{self.id}@design{self.design}"


def claim(id: str, *, section: str, quote: str, statement: str, refs: tuple[str, ...] = (),
          expected: str = SUPPORTED, reason: str = "", deviation: str = "",
          deviation_reason: str = "", deviation_power: float = 0.0, design: int = 1,
          history: tuple[EarlierDesign, ...] = ()) -> Callable:
    """Mark a test function as the executable form of one catalog statement.

    ``expected`` is what the literature reports; ``reason`` explains an expected refutation.
    ``deviation`` records a decided verdict this suite measures that differs from ``expected``,
    with the setting that explains it (``deviation_reason``) and the power of the design for the
    effect the literature reports (``deviation_power``, at least 0.8): the test is then a strict
    xfail on exactly that verdict, so the deviation is shown on every run and any change of it
    fails. Inconclusive is never a deviation: it means the design lacks power. ``design`` is the
    design's version; raising it after a result was seen gives the claim fresh seeds, and
    ``history`` records every earlier design (``EarlierDesign``: what it was, what it saw,
    whether the change loosened the claim, the data it saw).
    """
    spec = ClaimSpec(id, section, quote, statement, tuple(refs), expected, reason, deviation,
                     deviation_reason, deviation_power, design, tuple(history))
    return pytest.mark.claim(spec)


def expected_failure(spec: ClaimSpec):
    """The strict xfail marker for a claim whose verdict is meant to differ from supported."""
    verdict = spec.deviation or spec.expected
    if verdict == SUPPORTED:
        return None
    raises = ClaimRefuted
    reason = spec.deviation_reason if spec.deviation else spec.reason
    return pytest.mark.xfail(strict=True, raises=raises, reason=f"{verdict}: {reason}")


@dataclass(frozen=True)
class Undecided:
    """A budget at which a claim's design cannot decide it, with the power that says why."""

    reason: str


@dataclass(frozen=True)
class Budget:
    """Budgets change how many replicates a claim trains, never what it tests."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in BUDGETS:
            raise ValueError(f"unknown budget {self.name!r}; allowed: {', '.join(BUDGETS)}")

    def pick(self, *, quick: Any, standard: Any, full: Any) -> Any:
        chosen = {"quick": quick, "standard": standard, "full": full}[self.name]
        if isinstance(chosen, Undecided):
            # a skip naming the budget and the reason: never a pass, never a red failure
            pytest.skip(f"not decided at the {self.name} budget: {chosen.reason}")
        return chosen


def raise_for(verdict: str, message: str) -> None:
    if verdict == REFUTED:
        raise ClaimRefuted(message)
    if verdict == INCONCLUSIVE:
        raise ClaimInconclusive(message)
    assert verdict == SUPPORTED, verdict
