"""``python -m harness report RESULTS.json`` and ``python -m harness compare A B``.

The same report and comparison the pytest plugin makes, from saved results files, without
running anything.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .reporting.benchmarks import read_benchmarks
from .reporting.compare import compare, comparison_lines
from .reporting.document import write_report
from .reporting.records import SchemaError
from .reporting.saved import find_saved, read_results


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m harness",
                                     description="deepclaims reports and baseline comparisons")
    sub = parser.add_subparsers(dest="command", required=True)
    report = sub.add_parser("report", help="rebuild report.md and report.html from a results "
                                           "file")
    report.add_argument("results", help="a results.json written by --claims-report or a saved "
                                        "run")
    report.add_argument("--out", default=None, help="output folder (default: the results "
                                                    "file's folder)")
    report.add_argument("--benchmarks", default=None, metavar="JSON",
                        help="a pytest-benchmark JSON to render as the performance section")
    comp = sub.add_parser("compare", help="compare two results files, claim by claim")
    comp.add_argument("baseline", help="results file, or a saved run's number or name")
    comp.add_argument("now", help="results file, or a saved run's number or name")
    comp.add_argument("--storage", default=".claims-results",
                      help="where saved runs live (default: .claims-results)")
    comp.add_argument("--fail", action="store_true",
                      help="exit 1 if a verdict flipped or an estimate moved the bad way")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "report":
            session = read_results(Path(args.results))
            benchmarks = read_benchmarks(Path(args.benchmarks)) if args.benchmarks else None
            out = Path(args.out) if args.out else Path(args.results).parent
            for kind, path in write_report(session, out, benchmarks).items():
                print(f"{kind}: {path}")
            return 0
        storage = Path(args.storage)
        before_path = find_saved(storage, args.baseline)
        now_path = find_saved(storage, args.now)
        result = compare(read_results(before_path), read_results(now_path),
                         baseline=str(before_path))
        print("\n".join(comparison_lines(result)))
        return 1 if args.fail and result.regressions else 0
    except (SchemaError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
