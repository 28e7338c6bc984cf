"""README's two commands are the ones CI runs, in the order CI runs them."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if re.match(r"^\s*python3 -m venv .*pytest (tests|claims)/.*$", line)]


def test_ci_runs_the_readme_commands_tests_first():
    readme = _commands((ROOT / "README.md").read_text())
    ci = _commands((ROOT / ".ci" / "run").read_text())
    assert len(readme) == 2, readme
    assert sorted(readme) == sorted(ci)
    assert ci[0].endswith("pytest tests/") and "pytest claims/ " in ci[1]
