"""The pytest plugin: options, the claim marker, fixtures, and the verdict summary.

Thin on purpose: the science lives in the other modules. Evidence travels on each test report's
``user_properties``, so it reaches junit XML and survives pytest-xdist, and the summary is built
from reports only.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest
import torch

from .cache import SUBFOLDERS, RunCache
from .claim import BUDGETS, Budget, ClaimSpec, expected_failure, raise_for
from .config import TrainConfig
from .report import ClaimRow, catalog_lines, evidence_lines, summary_lines
from .runs import ResultTable, Runner, Sweep
from .seeding import derive_seed, numpy_rng
from .stats import Evidence
from .storage import check_writable_folder
from .train import resolve_device

RUNNER = pytest.StashKey[Runner]()
DEVICES = ("auto", "cpu", "cuda")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("claims", "deepclaims: executable claims about deep learning")
    group.addoption("--claims-budget", choices=BUDGETS, default="standard",
                    help="how many replicates each claim trains (default: standard); "
                         "budgets never change a hypothesis")
    group.addoption("--claims-seed", type=int, default=0, metavar="INT",
                    help="master seed every run seed derives from (default: 0)")
    group.addoption("--claims-cache-dir", default=None, metavar="PATH",
                    help="where run results are cached (default: <rootdir>/.claims-cache)")
    group.addoption("--claims-no-cache", action="store_true", default=False,
                    help="neither read nor write cached runs (default: off)")
    group.addoption("--claims-device", choices=DEVICES, default="auto",
                    help="where networks train (default: auto = cuda if available, else cpu)")
    group.addoption("--claims-workers", type=_workers, default="auto", metavar="N|auto",
                    help="processes that train missing runs in parallel (default: auto = one "
                         "per CPU core, 1 under pytest-xdist or on cuda)")
    group.addoption("--claims-list", action="store_true", default=False,
                    help="print the claim catalog (id, section, expected verdict, statement) "
                         "and exit")


def _workers(value: str) -> str | int:
    if value == "auto":
        return value
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"invalid value {value!r}: a positive integer or 'auto'")
    return number


def _auto_workers(config: pytest.Config, device) -> int:
    wanted = config.getoption("claims_workers")
    if wanted != "auto":
        return wanted
    if hasattr(config, "workerinput") or device.type == "cuda":
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(spec): the executable form of a catalog statement")
    if config.getoption("claims_list") and hasattr(config.option, "dist"):
        config.option.dist, config.option.tx = "no", []  # list in-process, start no workers
    if hasattr(config, "workerinput"):  # an xdist worker: share the cores with its siblings
        siblings = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // siblings))
    try:
        device = resolve_device(config.getoption("claims_device"))
    except (RuntimeError, ValueError) as err:
        raise pytest.UsageError(f"--claims-device: {err}") from err
    if config.getoption("claims_no_cache"):
        root = None
    else:
        root = Path(config.getoption("claims_cache_dir") or config.rootpath / ".claims-cache")
        try:
            check_writable_folder(root, SUBFOLDERS)
        except ValueError as err:
            raise pytest.UsageError(f"--claims-cache-dir is not usable: {err}") from None
        if not hasattr(config, "workerinput"):
            RunCache(root).remove_stale_temporaries()
    config.stash[RUNNER] = Runner(
        cache=RunCache(root), device=device, master_seed=config.getoption("claims_seed"),
        data_store=root / "data" if root else None, workers=_auto_workers(config, device),
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    runner = config.stash.get(RUNNER, None)
    if runner is not None:
        runner.close()


def claim_spec(item: pytest.Item) -> ClaimSpec | None:
    marker = item.get_closest_marker("claim")
    if marker is None:
        return None
    spec = marker.args[0] if marker.args else None
    if not isinstance(spec, ClaimSpec):
        raise pytest.UsageError(f"{item.nodeid}: use @claim(...) to declare a claim")
    return spec


@pytest.hookimpl(tryfirst=True)  # before -k deselects, so claim ids are keywords
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    seen: dict[str, str] = {}
    specs = []
    for item in items:
        spec = claim_spec(item)
        if spec is None:
            continue
        if spec.id in seen:
            raise pytest.UsageError(
                f"claim id {spec.id!r} is declared twice: {seen[spec.id]} and {item.nodeid}")
        seen[spec.id] = item.nodeid
        specs.append(spec)
        item.extra_keyword_matches.add(spec.id)  # pytest claims/ -k K1-width
        marker = expected_failure(spec)
        if marker is not None:
            item.add_marker(marker)
    if config.getoption("claims_list"):
        tr = config.pluginmanager.get_plugin("terminalreporter")
        for line in catalog_lines(sorted(specs, key=lambda s: s.id)):
            tr.write_line(line)
        pytest.exit(f"listed {len(specs)} claims", returncode=0)


def pytest_runtest_setup(item: pytest.Item) -> None:
    spec = claim_spec(item)
    if spec is not None:
        item.user_properties.append(("claim_id", spec.id))
        item.user_properties.append(("claim_expected", spec.expected))


# -- fixtures -------------------------------------------------------------------------------

@pytest.fixture
def claim_info(request: pytest.FixtureRequest) -> ClaimSpec:
    spec = claim_spec(request.node)
    if spec is None:
        raise pytest.UsageError(f"{request.node.nodeid} uses a claim fixture without @claim")
    return spec


@pytest.fixture(scope="session")
def budget(pytestconfig: pytest.Config) -> Budget:
    return Budget(pytestconfig.getoption("claims_budget"))


@pytest.fixture(scope="session")
def runner(pytestconfig: pytest.Config) -> Runner:
    return pytestconfig.stash[RUNNER]


@pytest.fixture
def rng(pytestconfig: pytest.Config, claim_info: ClaimSpec):
    """The claim's own generator for statistics (permutations, bootstrap)."""
    return numpy_rng(derive_seed(pytestconfig.getoption("claims_seed"), claim_info.namespace,
                                 "stats"))


@pytest.fixture
def sweep(runner: Runner, claim_info: ClaimSpec, pytestconfig: pytest.Config,
          request: pytest.FixtureRequest) -> Callable[..., ResultTable]:
    """``sweep(base, seeds=N, grid={"model.width": [...]}, shared_as=None)``: the runs a claim
    needs. Runs are seeded under the claim's namespace (its id and design version), or under
    ``shared_as`` when several claims deliberately use one sweep (whose name then carries the
    sweep's own design version). Progress is written live (through the capture) unless ``-q``."""
    tr = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capman = pytestconfig.pluginmanager.get_plugin("capturemanager")
    loud = tr is not None and pytestconfig.getoption("verbose") >= 0 and not hasattr(
        pytestconfig, "workerinput")

    def progress(label: str, done: int, total: int) -> None:
        if loud:
            uncaptured = (capman.global_and_fixture_disabled() if capman is not None
                          else contextlib.nullcontext())
            with uncaptured:
                tr.write_line(f"    {claim_info.id}: {done}/{total} runs ({label})")

    def run(base: TrainConfig, *, seeds: int, grid: dict[str, Any] | None = None,
            shared_as: str | None = None) -> ResultTable:
        spec = Sweep.of(base, seeds=seeds, grid=grid, namespace=shared_as or claim_info.namespace)
        trained, reused = runner.trained, runner.reused
        try:
            return runner.run(spec, progress=progress)
        finally:
            request.node.user_properties.append(("claim_runs", json.dumps(
                {"trained": runner.trained - trained, "reused": runner.reused - reused})))

    return run


@pytest.fixture
def decide(request: pytest.FixtureRequest, claim_info: ClaimSpec) -> Callable[[Evidence], None]:
    """Record the claim's evidence on its report, then pass only if it is supported."""

    def record(evidence: Evidence) -> None:
        request.node.user_properties.append(("claim_evidence", json.dumps(evidence.to_dict())))
        raise_for(evidence.verdict,
                  f"{claim_info.id} is {evidence.verdict_words}: {claim_info.statement}\n"
                  + "\n".join(evidence_lines(evidence)))

    return record


# -- summary --------------------------------------------------------------------------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A claim whose body passed without recording evidence has decided nothing: fail it."""
    outcome = yield
    report = outcome.get_result()
    if (report.when == "call" and report.passed and claim_spec(item) is not None
            and not any(k == "claim_evidence" for k, _ in item.user_properties)):
        report.outcome = "failed"
        report.longrepr = (f"{item.nodeid}: the claim passed without calling decide(evidence); "
                           "a claim must record a verdict")


def _claim_rows(tr) -> list[ClaimRow]:
    rows: dict[str, ClaimRow] = {}
    for category, reports in tr.stats.items():
        for rep in reports:
            props = dict(getattr(rep, "user_properties", []) or [])
            if "claim_id" not in props or getattr(rep, "when", None) not in ("setup", "call"):
                continue
            cid = props["claim_id"]
            row = rows.setdefault(cid, ClaimRow(cid, props.get("claim_expected", "?"), "", 0.0))
            if rep.when == "call" or not row.outcome:
                row.outcome = category or "passed"
            if category == "skipped" and isinstance(rep.longrepr, tuple):
                row.skip_reason = str(rep.longrepr[2]).removeprefix("Skipped: ")
            row.seconds += rep.duration
            if "claim_evidence" in props:
                row.evidence = json.loads(props["claim_evidence"])
    return list(rows.values())


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    rows = _claim_rows(terminalreporter)
    if not rows:
        return
    terminalreporter.section("claim verdicts")
    for line in summary_lines(rows):
        terminalreporter.write_line(line)
    trained = reused = 0
    for reports in terminalreporter.stats.values():
        for rep in reports:
            if getattr(rep, "when", None) != "call":
                continue
            for key, value in getattr(rep, "user_properties", []) or []:
                if key == "claim_runs":
                    counts = json.loads(value)
                    trained, reused = trained + counts["trained"], reused + counts["reused"]
    terminalreporter.write_line(f"runs trained: {trained}; runs read from the cache: {reused}")
