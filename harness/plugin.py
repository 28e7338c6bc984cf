"""The pytest plugin: options, the claim marker, fixtures, and hooks.

Thin on purpose: the science lives in the other modules, the records and files in
``harness.reporting``. What a claim measured travels on its test report's ``user_properties``
(so it reaches junit XML and survives pytest-xdist); the session object
(``reporting.session.ClaimSession``) reads each report once, and the verdict table, the results
file, the report and the baseline comparison all read the session record it builds.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as _dt
import json
import os
import time
from pathlib import Path
from typing import Any, Callable

import pytest
import torch

from .cache import SUBFOLDERS, RunCache
from .claim import BUDGETS, Budget, ClaimSpec, expected_failure, raise_for
from .config import VALIDATION_DRAW, TrainConfig, data_seed, own_draw
from .executors import EXECUTORS, Executor, make_executor
from .images import IMAGE_SETS, image_sets_under
from .measure import Measurements
from .reporting.benchmarks import read_benchmarks
from .reporting.compare import Comparison, compare, comparison_lines
from .reporting.document import write_report
from .reporting.figures import Figure
from .reporting.records import SchemaError, SessionRecord
from .reporting.saved import NAME, autosave_name, find_saved, read_results, save
from .reporting.session import EVIDENCE, FIGURE, RUNS, SPEC, ClaimSession, sweep_record
from .reporting.table import catalog_lines, compute_lines, evidence_lines, summary_lines
from .runs import ResultTable, Runner, Sweep
from .seeding import derive_seed, numpy_rng
from .stats import Evidence
from .storage import check_writable_folder
from .train import device_model, resolve_device

RUNNER = pytest.StashKey[Runner]()
SESSION = pytest.StashKey[ClaimSession]()
STARTED = pytest.StashKey[tuple]()
OUTCOME = pytest.StashKey[dict]()
POSITION = pytest.StashKey[int]()
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
    group.addoption("--claims-executor", choices=EXECUTORS, default="local",
                    help="where missing runs train: local (this machine's processes) or ray "
                         "(a Ray cluster; needs the ray extra) (default: local)")
    group.addoption("--claims-ray-address", default=None, metavar="ADDRESS",
                    help="the Ray cluster to use with --claims-executor ray (default: "
                         "$RAY_ADDRESS, else a Ray instance started on this machine)")
    group.addoption("--claims-data-root", default=None, metavar="PATH",
                    help="a folder holding MNIST, Fashion-MNIST or CIFAR-10 in torchvision's "
                         "layout: the claims that make sense on images also run on those sets "
                         "(default: none; nothing is ever downloaded)")
    group.addoption("--claims-list", action="store_true", default=False,
                    help="print the claim catalog (id, section, expected verdict, statement) "
                         "and exit")
    group.addoption("--claims-report", default=None, metavar="DIR",
                    help="write results.json, report.md, report.html and figures/ to DIR "
                         "(default: no report)")
    group.addoption("--claims-storage", default=None, metavar="PATH",
                    help="folder of saved sessions (default: <rootdir>/.claims-results)")
    group.addoption("--claims-save", default=None, metavar="NAME",
                    help="save this session's results as <storage>/NNNN_NAME.json, never "
                         "overwriting (default: off)")
    group.addoption("--claims-autosave", action="store_true", default=False,
                    help="save this session's results as <storage>/NNNN_<commit>_<date>.json "
                         "(default: off)")
    group.addoption("--claims-compare", nargs="?", const="latest", default=None,
                    metavar="RUN|PATH",
                    help="compare every claim with a saved session: its number, its name, a "
                         "path, or nothing for the latest (default: off)")
    group.addoption("--claims-compare-fail", action="store_true", default=False,
                    help="fail the session if a verdict flipped or an estimate moved outside "
                         "the baseline's interval the bad way; implies --claims-compare "
                         "(default: off)")
    group.addoption("--claims-benchmarks", default=None, metavar="JSON",
                    help="a pytest-benchmark JSON rendered as the report's performance "
                         "section (default: none)")


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


def _executor(config: pytest.Config, device) -> Executor:
    name = config.getoption("claims_executor")
    address = config.getoption("claims_ray_address") or os.environ.get("RAY_ADDRESS")
    under_xdist = hasattr(config, "workerinput") or bool(getattr(config.option, "numprocesses",
                                                                 None))
    if name == "ray" and under_xdist and not address:
        raise pytest.UsageError("--claims-executor ray under pytest-xdist needs a running "
                                "cluster (ray start --head) named by --claims-ray-address or "
                                "RAY_ADDRESS: each worker would otherwise start its own")
    try:
        return make_executor(name, workers=_auto_workers(config, device), address=address,
                             device=str(device))
    except RuntimeError as err:
        raise pytest.UsageError(f"--claims-executor {name}: {err}") from None


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
        data_store=root / "data" if root else None, executor=_executor(config, device),
    )
    config.stash[SESSION] = ClaimSession()
    config.stash[OUTCOME] = {}
    if not hasattr(config, "workerinput"):
        _check_output_options(config)
        _check_data_root(config)


def _check_data_root(config: pytest.Config) -> None:
    """A named data root must be a folder holding at least one image set, else a usage error
    naming the path and the files each set needs."""
    value = config.getoption("claims_data_root")
    if value is None:
        return
    root = Path(value)
    wanted = "; ".join(f"{name}: {layout.folder}/{{{', '.join(layout.all_files())}}}"
                       for name, layout in IMAGE_SETS.items())
    if not root.is_dir():
        raise pytest.UsageError(f"--claims-data-root {str(root)!r} is not a folder; it should "
                                f"hold one or more of {wanted}")
    if not image_sets_under(root):
        raise pytest.UsageError(f"--claims-data-root {str(root)!r} holds none of the image "
                                f"sets; expected one or more of {wanted}")


def _storage(config: pytest.Config) -> Path:
    return Path(config.getoption("claims_storage") or config.rootpath / ".claims-results")


def _check_output_options(config: pytest.Config) -> None:
    """Usage errors before anything trains, naming the bad value."""
    name = config.getoption("claims_save")
    if name is not None and not NAME.match(name):
        raise pytest.UsageError(f"--claims-save {name!r}: use only letters, digits, '.', '_' "
                                f"and '-'")
    if config.getoption("claims_compare_fail") and config.getoption("claims_compare") is None:
        config.option.claims_compare = "latest"
    folders = []
    if config.getoption("claims_report"):
        folders.append(("--claims-report", Path(config.getoption("claims_report"))))
    if name is not None or config.getoption("claims_autosave"):
        folders.append(("--claims-storage", _storage(config)))
    for option, folder in folders:
        try:
            check_writable_folder(folder)
        except ValueError as err:
            raise pytest.UsageError(f"{option} is not usable: {err}") from None
    bench = config.getoption("claims_benchmarks")
    if bench:
        try:
            read_benchmarks(Path(bench))
        except SchemaError as err:
            raise pytest.UsageError(f"--claims-benchmarks: {err}") from None


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
        item.stash[POSITION] = len(specs)
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
        item.user_properties.append((SPEC, json.dumps({
            "section": spec.section, "quote": spec.quote, "statement": spec.statement,
            "refs": list(spec.refs), "expected": spec.expected, "reason": spec.reason,
            "deviation": spec.deviation, "design": spec.design, "namespace": spec.namespace,
            "history": [dataclasses.asdict(h) for h in spec.history],
            "position": item.stash.get(POSITION, 0)},
            ensure_ascii=False)))


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
def data_root(pytestconfig: pytest.Config) -> Path | None:
    """The folder named by ``--claims-data-root`` (image sets in torchvision's layout), or
    None."""
    value = pytestconfig.getoption("claims_data_root")
    return Path(value) if value else None


@pytest.fixture(scope="session")
def runner(pytestconfig: pytest.Config) -> Runner:
    return pytestconfig.stash[RUNNER]


@pytest.fixture(scope="session")
def measure(runner: Runner) -> Measurements:
    """``measure(name, fn, runs=[(sweep_point, replicate), ...], version=1, **params)``: a
    function of trained runs (a barrier, a matching, a fitted curve), computed once and cached
    by the runs it reads, its name, version and parameters."""
    root = runner.cache.root / "measurements" if runner.cache.enabled else None
    return Measurements(runner, root)


@pytest.fixture
def rng(pytestconfig: pytest.Config, claim_info: ClaimSpec):
    """The claim's own generator for statistics (permutations, bootstrap)."""
    return numpy_rng(derive_seed(pytestconfig.getoption("claims_seed"), claim_info.namespace,
                                 "stats"))


def _seen_data(spec: Sweep, claim_info: ClaimSpec, master_seed: int) -> set[int]:
    """The data seeds of ``spec`` at ``master_seed`` that an earlier design of the claim saw."""
    return set(claim_info.seen_data_seeds) & {c.data.seed for _, c in spec.configs(master_seed)}


@pytest.fixture
def sweep(runner: Runner, claim_info: ClaimSpec, pytestconfig: pytest.Config,
          request: pytest.FixtureRequest) -> Callable[..., ResultTable]:
    """``sweep(base, seeds=N, grid={"model.width": [...]}, shared_as=None, paired=())``: the
    runs a claim needs (``paired``: paths whose arms share seeds, ``runs.Sweep.of``). Runs are
    seeded under the claim's namespace (its id and design version), or under ``shared_as`` when
    several claims deliberately use one sweep (whose name then carries the sweep's own design
    version). Data come from the master seed's draw, except where an earlier design of the
    claim saw that draw (``ClaimSpec.history``): the claim then draws its own, named by its
    namespace, so a redesign is never confirmed on the data that motivated it. Progress is
    written live (through the capture) unless ``-q``."""
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
            shared_as: str | None = None, paired: tuple[str, ...] = ()) -> ResultTable:
        spec = Sweep.of(base, seeds=seeds, grid=grid, namespace=shared_as or claim_info.namespace,
                        paired=paired)
        if _seen_data(spec, claim_info, runner.master_seed) and base.data.seed is None:
            # an earlier design saw this master seed's shared draw: this design draws its own
            base = base.with_values(**{"data.draw": own_draw(base.data.draw,
                                                             claim_info.namespace)})
            spec = Sweep.of(base, seeds=seeds, grid=grid,
                            namespace=shared_as or claim_info.namespace, paired=paired)
        seen = _seen_data(spec, claim_info, runner.master_seed)
        if seen:
            raise ValueError(
                f"{claim_info.id} design {claim_info.design} would be decided on data seed(s) "
                f"{sorted(seen)}, which an earlier design saw (its history); a design is "
                f"confirmed only on data no earlier design touched: leave the data seed to the "
                f"master seed's draw")
        trained, reused = runner.trained, runner.reused
        flops, seconds = runner.trained_flops, runner.trained_seconds
        table = None
        try:
            table = runner.run(spec, progress=progress)
            return table
        finally:
            request.node.user_properties.append((RUNS, json.dumps({
                "trained": runner.trained - trained, "reused": runner.reused - reused,
                "flops_trained": runner.trained_flops - flops,
                "trained_seconds": runner.trained_seconds - seconds,
                **sweep_record(spec, table)})))

    return run


@pytest.fixture
def decide(request: pytest.FixtureRequest, claim_info: ClaimSpec) -> Callable[[Evidence], None]:
    """``decide(evidence, figure=None)``: record the claim's evidence (and the data behind its
    figure) on its report, then pass only if it is supported."""

    def record(evidence: Evidence, figure: Figure | None = None) -> None:
        if figure is not None:
            if not isinstance(figure, Figure):
                raise TypeError(f"figure must be a harness.reporting.figures.Figure, got "
                                f"{type(figure).__name__}")
            request.node.user_properties.append((FIGURE, json.dumps(figure.to_dict())))
        request.node.user_properties.append((EVIDENCE, json.dumps(evidence.to_dict())))
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


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[STARTED] = (_dt.datetime.now(_dt.timezone.utc), time.monotonic())
    if not hasattr(session.config, "workerinput"):
        session.config.pluginmanager.register(_ReportReader(session.config),
                                              "deepclaims-report-reader")


class _ReportReader:
    """Hands every test report to the session object (in the controller under xdist, whose
    reports arrive from the workers with their user properties)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        category = self.config.hook.pytest_report_teststatus(report=report,
                                                             config=self.config)[0]
        self.config.stash[SESSION].add(report, category or report.outcome)


def _session_record(config: pytest.Config) -> SessionRecord:
    started, clock = config.stash[STARTED]
    runner = config.stash[RUNNER]
    duration = time.monotonic() - clock
    rate = runner.peak_flops() if runner.device.type == "cpu" and runner.trained else None
    return config.stash[SESSION].record(
        master_seed=config.getoption("claims_seed"), budget=config.getoption("claims_budget"),
        device=str(runner.device), device_model=device_model(str(runner.device)),
        started=started, duration_s=duration, root=config.rootpath, matmul_rate=rate,
        executor=config.getoption("claims_executor"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Build the session record; compare it with a baseline, save it, write the report."""
    config = session.config
    if hasattr(config, "workerinput") or STARTED not in config.stash:
        return
    if not config.stash[SESSION].records:
        return
    record = _session_record(config)
    outcome = config.stash[OUTCOME]
    outcome["record"] = record
    ref = config.getoption("claims_compare")
    if ref is not None:
        try:
            path = find_saved(_storage(config), ref)
            outcome["comparison"] = compare(read_results(path), record, baseline=str(path))
        except (FileNotFoundError, SchemaError) as err:
            outcome["compare_error"] = str(err)
        failing = (outcome.get("compare_error")
                   or outcome.get("comparison") and outcome["comparison"].regressions)
        if config.getoption("claims_compare_fail") and failing:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    name = config.getoption("claims_save") or (
        autosave_name(record) if config.getoption("claims_autosave") else None)
    if name:
        outcome["saved"] = save(record, _storage(config), name)
    report_dir = config.getoption("claims_report")
    if report_dir:
        bench = config.getoption("claims_benchmarks")
        outcome["report"] = write_report(record, Path(report_dir),
                                         read_benchmarks(Path(bench)) if bench else None)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    outcome = config.stash.get(OUTCOME, {})
    record: SessionRecord | None = outcome.get("record")
    if record is None:
        return
    tr = terminalreporter
    tr.section("claim verdicts")
    for line in summary_lines(record.claims.values()):
        tr.write_line(line)
    totals = record.totals
    tr.write_line(f"runs trained: {totals['runs_trained']}; runs read from the cache: "
                  f"{totals['runs_reused']}")
    seed = record.master_seed
    tr.write_line(f"data: master seed {seed} draws data seed {data_seed(seed)} (validation "
                  f"{data_seed(seed, VALIDATION_DRAW)}); every generated set, split, label "
                  f"corruption and control comes from it")
    if totals["flops_trained"] > 0:
        tr.section("compute")
        for line in compute_lines(record):
            tr.write_line(line)
    comparison: Comparison | None = outcome.get("comparison")
    if comparison is not None or "compare_error" in outcome:
        tr.section("claim comparison")
        if comparison is not None:
            for line in comparison_lines(comparison):
                tr.write_line(line, red=bool(comparison.regressions) and line.startswith(
                    tuple(c.id + " " for c in comparison.regressions)))
        else:
            tr.write_line(f"no comparison: {outcome['compare_error']}", red=True)
    if "saved" in outcome:
        tr.write_line(f"results saved: {outcome['saved']}")
    if "report" in outcome:
        paths = outcome["report"]
        tr.write_line(f"report: {paths['html']} and {paths['markdown']}; results: "
                      f"{paths['results']}")
