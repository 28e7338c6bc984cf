"""The five-seed agreement table: verdicts read back from junit XML, disagreements flagged."""
from __future__ import annotations

import json
from pathlib import Path

from harness.stability import agreement_lines, verdicts_from_junit
from harness.stats import exceeds


def junit(tmp_path: Path, cases: dict[str, str | None]) -> Path:
    rows = []
    for cid, evidence in cases.items():
        props = f'<property name="claim_id" value="{cid}"/>'
        if evidence is not None:
            props += f'<property name="claim_evidence" value="{evidence}"/>'
        skipped = "<skipped/>" if evidence is None else ""
        rows.append(f'<testcase name="t_{cid}"><properties>{props}</properties>{skipped}'
                    f'</testcase>')
    path = tmp_path / "run.xml"
    path.write_text(f'<testsuites><testsuite>{"".join(rows)}</testsuite></testsuites>')
    return path


def quoted(ev) -> str:
    return json.dumps(ev.to_dict()).replace('"', "&quot;")


def test_verdicts_come_back_from_junit_xml(tmp_path):
    yes = exceeds([1.0, 1.1, 0.9, 1.0], 0.0, min_effect=0.1, alpha=0.01)
    back = exceeds([-1.0, -1.1, -0.9, -1.0], 0.0, min_effect=0.1, alpha=0.01)
    got = verdicts_from_junit(junit(tmp_path, {"A1-x": quoted(yes), "B1-y": quoted(back),
                                               "C1-z": None}))
    assert got == {"A1-x": "supported", "B1-y": "refuted (reversed)", "C1-z": "not decided"}


def test_a_disagreement_is_flagged():
    lines, agree = agreement_lines({1: {"A1-x": "supported"}, 2: {"A1-x": "supported"}})
    assert agree and lines[-1].split() == ["A1-x", "supported", "supported", "yes"]
    lines, agree = agreement_lines({1: {"A1-x": "supported"}, 2: {"A1-x": "inconclusive"}})
    assert not agree and lines[-1].endswith("NO")
