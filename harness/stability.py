"""Does every claim give the same verdict at other master seeds?

``python -m harness.stability --seeds 1 2 3 4 5 [-- PYTEST ARGS]`` runs the claim suite once per
master seed (each run in its own pytest process, sharing the run cache), reads each run's verdicts
from its junit XML (the evidence travels on the test reports' properties), and prints one row per
claim with its verdict at every seed. It exits 1 when any claim's verdicts disagree, so it can
gate CI. Also ``tox -e stability``.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from .stats import Evidence


def verdicts_from_junit(path: Path) -> dict[str, str]:
    """Claim id -> verdict words ('supported', 'refuted (reversed)', 'not decided', 'error')."""
    out: dict[str, str] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        cid = props.get("claim_id")
        if cid is None:
            continue
        if "claim_evidence" in props:
            out[cid] = Evidence.from_dict(json.loads(props["claim_evidence"])).verdict_words
        elif case.find("skipped") is not None:
            out[cid] = "not decided"
        else:
            out[cid] = "error"
    return out


def agreement_lines(by_seed: dict[int, dict[str, str]]) -> tuple[list[str], bool]:
    seeds = list(by_seed)
    ids = sorted({cid for verdicts in by_seed.values() for cid in verdicts})
    header = ["id", *(f"seed {s}" for s in seeds), "agree"]
    rows, all_agree = [], True
    for cid in ids:
        verdicts = [by_seed[s].get(cid, "missing") for s in seeds]
        agree = len(set(verdicts)) == 1
        all_agree &= agree
        rows.append([cid, *verdicts, "yes" if agree else "NO"])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    fmt = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa
    return [fmt(header), fmt(["-" * w for w in widths]), *map(fmt, rows)], all_agree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.stability", description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5],
                        help="master seeds to run (default: 1 2 3 4 5)")
    parser.add_argument("--path", default="claims/", help="the claim suite (default: claims/)")
    parser.add_argument("pytest_args", nargs="*",
                        help="passed to every pytest run (after --), e.g. --claims-budget quick")
    args = parser.parse_args(argv)
    by_seed: dict[int, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            xml = Path(tmp) / f"seed-{seed}.xml"
            command = [sys.executable, "-m", "pytest", args.path, "-q", "--claims-seed",
                       str(seed), f"--junitxml={xml}", *args.pytest_args]
            print(f"::: master seed {seed}: {' '.join(command[2:])}", flush=True)
            subprocess.run(command, check=False)
            if not xml.exists():
                print(f"master seed {seed}: pytest wrote no junit XML", file=sys.stderr)
                return 2
            by_seed[seed] = verdicts_from_junit(xml)
    lines, agree = agreement_lines(by_seed)
    print("\n".join(["", "verdicts by master seed", *lines]))
    print("every claim agrees at every seed" if agree else "SOME CLAIMS DISAGREE")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
