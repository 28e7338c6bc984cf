"""Tests of the pytest plugin (harness/plugin.py), each in a throw-away pytester project.

Every inner project gets the plugin from the installed pytest11 entry point and writes its run
cache under ``pytester.path`` (or uses ``--claims-no-cache``), so nothing lands in the
repository. Claims here either decide on a hand-made :class:`harness.stats.Evidence` or sweep a
tiny config that trains in milliseconds.
"""
from __future__ import annotations

import json
import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch

pytest_plugins = ["pytester"]

CONFTEST = '# the plugin comes from the installed pytest11 entry point\n'

# Shared prelude of every inner test module.
PRELUDE = textwrap.dedent('''\
    import pytest
    from harness.claim import claim
    from harness.config import DataSpec, ModelSpec, TrainConfig
    from harness.runs import ResultTable
    from harness.stats import Evidence

    TINY = TrainConfig(
        model=ModelSpec(width=4, depth=1),
        data=DataSpec(name="teacher_student", n_train=64, n_test=32, options=(("classes", 3),)),
        batch_size=16, steps=5, eval_points=1,
    )

    def evidence(verdict, estimate=0.05, lo=0.03, hi=0.07, p=0.001, n_seeds=3, details=None,
                 p_against=None):
        how = ("reversed" if hi < 0 else "negligible") if verdict == "refuted" else ""
        if p_against is None:
            p_against = 0.001 if verdict == "refuted" else 0.5
        return Evidence(test="hand-made test", statistic=1.5, estimate=estimate,
                        estimate_label="effect", ci_low=lo, ci_high=hi, ci_level=0.98,
                        p_value=p, alpha=0.01, min_effect=0.02, n_seeds=n_seeds,
                        verdict=verdict, refuted_as=how, p_against=p_against,
                        details=details or {}, claim_direction="above")
    ''')

COLUMNS = ["id", "verdict", "expected", "outcome", "decided by", "estimate [CI]", "p", "p Holm",
           "seeds", "time"]
RUNS_LINE = re.compile(r"runs trained: (\d+); runs read from the cache: (\d+)")


def project(pytester: pytest.Pytester, **modules: str) -> None:
    """An inner project: the plugin-loading conftest plus ``modules`` (name -> body)."""
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(**{name: PRELUDE + textwrap.dedent(body) for name, body in modules.items()})


def cache_args(pytester: pytest.Pytester, name: str = "cache") -> list[str]:
    return ["--claims-cache-dir", str(pytester.path / name)]


def verdict_table(lines: list[str]) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The header and rows (by claim id) of the 'claim verdicts' section."""
    starts = [i for i, line in enumerate(lines) if re.match(r"^=+ claim verdicts =+$", line)]
    assert len(starts) == 1, "\n".join(lines)
    after = lines[starts[0] + 1:]
    while after and not after[0].strip():
        after.pop(0)
    header_line, rule, *rest = after
    header = re.split(r"\s{2,}", header_line.strip())
    assert set(rule.replace(" ", "")) == {"-"}, rule
    rows = {}
    for line in rest:
        if (not line.strip() or line.startswith(("=", "runs trained:", "p: "))
                or ": not decided at the " in line):
            break
        cells = re.split(r"\s{2,}", line.strip())
        assert len(cells) == len(header), line
        rows[cells[0]] = dict(zip(header, cells))
    return header, rows


def runs_counts(lines: list[str]) -> tuple[int, int]:
    found = [RUNS_LINE.search(line) for line in lines]
    found = [m for m in found if m]
    assert len(found) == 1, "\n".join(lines)
    return int(found[0].group(1)), int(found[0].group(2))


def compute_table(lines: list[str], row: str = "W1-grid") -> list[str]:
    """One row's cells of the 'compute' section."""
    start = next(i for i, line in enumerate(lines) if re.match(r"^=+ compute =+$", line))
    body = lines[start + 1:]
    assert re.split(r"\s{2,}", body[0].strip()) == ["claim", "runs trained", "GFLOP", "wall s",
                                                     "FLOP bound s", "× bound"]
    return next(re.split(r"\s{2,}", line.strip()) for line in body[2:]
                if line.startswith(row + " "))


@pytest.fixture(scope="module")
def torch_warm() -> None:
    """Train once in this process before any in-process pytester session trains.

    The first training step imports hundreds of modules lazily (torch._dynamo, sympy, ...).
    In-process pytester runs restore ``sys.modules`` afterwards, and importing those modules a
    second time aborts the interpreter inside torch, so they must be loaded out here first.
    """
    from harness.cache import RunCache
    from harness.config import DataSpec, ModelSpec, TrainConfig
    from harness.runs import Runner, Sweep
    from harness.train import resolve_device

    tiny = TrainConfig(model=ModelSpec(width=4, depth=1),
                       data=DataSpec(name="teacher_student", n_train=64, n_test=32,
                                     options=(("classes", 3),)),
                       batch_size=16, steps=5, eval_points=1)
    runner = Runner(cache=RunCache(None), device=resolve_device("auto"), master_seed=0)
    assert len(runner.run(Sweep.of(tiny, seeds=1, namespace="warm-up")).only().results) == 1


def cached_runs(root: Path) -> int:
    """Stored run entries (each with a parameters file beside it, not counted)."""
    return len([p for p in (root / "runs").glob("*/*.pt") if not p.name.endswith(".params.pt")])


# -- 1. the catalog listing ----------------------------------------------------------------

def test_claims_list_prints_the_catalog_and_runs_nothing(pytester):
    project(pytester, test_catalog='''
        import pathlib

        from harness.claim import EarlierDesign

        @claim("K2-second", section="Known 2", quote="q", statement="The second statement.",
               design=2, history=(EarlierDesign(1, "a grid", "saw it", loosened=True),))
        def test_second(decide):
            pathlib.Path("ran-second").write_text("x")
            decide(evidence("supported"))

        @claim("K1-first", section="Known 1", quote="q", statement="The first statement.",
               expected="refuted", reason="known to be false")
        def test_first(decide):
            pathlib.Path("ran-first").write_text("x")
            decide(evidence("refuted"))

        def test_not_a_claim():
            pathlib.Path("ran-plain").write_text("x")
    ''')
    result = pytester.runpytest("--claims-list", "--claims-no-cache")
    assert result.ret == 0
    result.stdout.re_match_lines([
        r"^id\s+section\s+expected\s+design\s+statement$",
        r"^-+\s+-+\s+-+\s+-+\s+-+$",
        r"^K1-first\s+Known 1\s+refuted\s+1\s+The first statement\.$",
        r"^K2-second\s+Known 2\s+supported\s+2 \(1 earlier, 1 loosened\)\s+The second "
        r"statement\.$",
    ])
    result.stdout.fnmatch_lines(["*listed 2 claims*"])
    # only claims are listed, and no test body ran
    assert "test_not_a_claim" not in result.stdout.str()
    assert not list(pytester.path.glob("ran-*"))
    assert "claim verdicts" not in result.stdout.str()
    result.stdout.no_fnmatch_line("*passed*")


# -- 2. bad option values -------------------------------------------------------------------

@pytest.mark.parametrize("option, value, allowed", [
    ("--claims-budget", "huge", ["quick", "standard", "full"]),
    ("--claims-device", "tpu", ["auto", "cpu", "cuda"]),
    ("--claims-seed", "abc", ["int"]),
    ("--claims-executor", "slurm", ["local", "ray"]),
])
def test_bad_option_values_are_usage_errors(pytester, option, value, allowed):
    project(pytester, test_one='''
        @claim("A1-one", section="S", quote="q", statement="s")
        def test_one(decide):
            decide(evidence("supported"))
    ''')
    result = pytester.runpytest(option, value, "--claims-no-cache")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert option in err
    assert repr(value) in err
    for name in allowed:
        assert name in err
    assert "claim verdicts" not in result.stdout.str()


@pytest.mark.parametrize("make, says", [
    (lambda path: path / "absent", "is not a folder"),
    (lambda path: (path / "empty").mkdir() or path / "empty", "holds none of the image sets"),
])
def test_a_data_root_without_image_sets_is_a_usage_error_naming_the_files(pytester, make, says):
    project(pytester, test_one='''
        @claim("A1-one", section="S", quote="q", statement="s")
        def test_one(decide):
            decide(evidence("supported"))
    ''')
    root = make(pytester.path)
    result = pytester.runpytest("--claims-data-root", str(root), "--claims-no-cache")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    for expected in (repr(str(root)), says, "MNIST/raw/", "train-images-idx3-ubyte",
                     "FashionMNIST/raw/", "cifar-10-batches-py/", "data_batch_5", "test_batch"):
        assert expected in err, (expected, err)


def test_a_data_root_reaches_claims_as_a_fixture(pytester):
    (pytester.path / "images" / "MNIST" / "raw").mkdir(parents=True)
    project(pytester, test_one='''
        from pathlib import Path

        @claim("A1-one", section="S", quote="q", statement="s")
        def test_one(decide, data_root):
            assert data_root == Path("images").resolve() or data_root.name == "images"
            decide(evidence("supported"))
    ''')
    result = pytester.runpytest("--claims-data-root", str(pytester.path / "images"),
                                "--claims-no-cache")
    result.assert_outcomes(passed=1)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_device_without_cuda_is_a_usage_error(pytester):
    project(pytester, test_one='''
        @claim("A1-one", section="S", quote="q", statement="s")
        def test_one(decide):
            decide(evidence("supported"))
    ''')
    result = pytester.runpytest("--claims-device", "cuda", "--claims-no-cache")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--claims-device*'cuda'*torch.cuda.is_available() is False*"])
    assert "passed" not in result.stdout.str()


# -- 3. duplicate ids ------------------------------------------------------------------------

def test_duplicate_claim_ids_are_a_usage_error_naming_both_tests(pytester):
    body = '''
        @claim("D1-twice", section="S", quote="q", statement="s")
        def test_{name}(decide):
            decide(evidence("supported"))
    '''
    project(pytester, test_alpha=body.format(name="first"), test_beta=body.format(name="second"))
    result = pytester.runpytest(*cache_args(pytester))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "'D1-twice' is declared twice" in err
    assert "test_alpha.py::test_first" in err
    assert "test_beta.py::test_second" in err
    assert "claim verdicts" not in result.stdout.str()


# -- 4. invalid declarations ---------------------------------------------------------------

@pytest.mark.parametrize("declaration, message", [
    ('claim("M1-maybe", section="S", quote="q", statement="s", expected="maybe")',
     "claim M1-maybe: expected 'maybe' not one of ('supported', 'refuted')"),
    ('claim("k1 width", section="S", quote="q", statement="s")',
     "claim id 'k1 width' must look like 'K1-width'"),
    ('claim("R1-noreason", section="S", quote="q", statement="s", expected="refuted")',
     "claim R1-noreason: an expected-refuted claim needs a reason"),
    ('claim("E1-empty", section="S", quote="q", statement="  ")',
     "claim E1-empty: statement is empty"),
], ids=["expected-maybe", "bad-id", "refuted-without-reason", "empty-statement"])
def test_invalid_declaration_fails_at_collection(pytester, declaration, message):
    project(pytester, test_bad=f'''
        @{declaration}
        def test_bad(decide):
            decide(evidence("supported"))
    ''', test_good='''
        @claim("G1-good", section="S", quote="q", statement="s")
        def test_good(decide):
            decide(evidence("supported"))
    ''')
    result = pytester.runpytest(*cache_args(pytester))
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "ERROR collecting test_bad.py" in out
    assert f"ValueError: {message}" in out
    assert "claim verdicts" not in out  # nothing ran, so no verdicts either


# -- 5. the verdict table --------------------------------------------------------------------

def test_summary_table_lists_every_claim_and_only_supported_passes(pytester):
    project(pytester, test_verdicts='''
        @claim("V1-supported", section="S", quote="q", statement="Holds.")
        def test_supported(decide):
            decide(evidence("supported", estimate=0.05, lo=0.03, hi=0.07, p=0.001))

        @claim("V2-inconclusive", section="S", quote="q", statement="Undecided.")
        def test_inconclusive(decide):
            decide(evidence("inconclusive", estimate=0.01, lo=-0.02, hi=0.04, p=0.2))

        @claim("V3-refuted", section="S", quote="q", statement="Does not hold.")
        def test_refuted(decide):
            decide(evidence("refuted", estimate=-0.05, lo=-0.08, hi=-0.01, p=0.9, n_seeds=5))

        def test_plain():
            pass
    ''')
    result = pytester.runpytest(*cache_args(pytester))
    result.assert_outcomes(passed=2, failed=2)
    lines = result.outlines
    header, rows = verdict_table(lines)
    assert header == COLUMNS
    # one row per claim, sorted by id; the plain test has no row
    assert list(rows) == ["V1-supported", "V2-inconclusive", "V3-refuted"]
    assert {k: v for k, v in rows["V1-supported"].items() if k != "time"} == {
        "id": "V1-supported", "verdict": "supported", "expected": "supported",
        "outcome": "passed", "decided by": "-", "estimate [CI]": "0.05 [0.03, 0.07]",
        "p": "0.001", "p Holm": "0.006", "seeds": "3"}
    assert (rows["V2-inconclusive"]["verdict"], rows["V2-inconclusive"]["outcome"]) == (
        "inconclusive", "failed")
    assert rows["V2-inconclusive"]["estimate [CI]"] == "0.01 [-0.02, 0.04]"
    assert rows["V2-inconclusive"]["p"] == "0.2"
    assert (rows["V3-refuted"]["verdict"], rows["V3-refuted"]["outcome"]) == (
        "refuted (reversed)", "failed")
    assert rows["V3-refuted"]["seeds"] == "5"
    assert all(re.fullmatch(r"\d+\.\ds", row["time"]) for row in rows.values())
    # failure messages name the verdict, the statement and the numbers
    out = result.stdout.str()
    assert "ClaimInconclusive: V2-inconclusive is inconclusive: Undecided." in out
    assert ("hand-made test: effect = 0.01 [-0.02, 0.04], p=0.2, alpha=0.01, "
            "smallest effect=0.02, seeds=3") in out
    assert "ClaimRefuted: V3-refuted is refuted (reversed): Does not hold." in out
    # the table comes at the end: after the failure reports, before the short summary
    index = {name: next(i for i, line in enumerate(lines) if name in line)
             for name in ("= FAILURES =", "claim verdicts", "short test summary info")}
    assert index["= FAILURES ="] < index["claim verdicts"] < index["short test summary info"]
    assert runs_counts(lines) == (0, 0)


def test_claims_without_evidence_show_verdict_error(pytester):
    project(pytester, test_missing='''
        @pytest.fixture
        def broken():
            raise RuntimeError("fixture broke")

        @claim("N1-no-decide", section="S", quote="q", statement="s")
        def test_no_decide(decide):
            pass

        @claim("N2-setup-error", section="S", quote="q", statement="s")
        def test_setup_error(broken, decide):
            decide(evidence("supported"))
    ''')
    result = pytester.runpytest(*cache_args(pytester))
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(["*the claim passed without calling decide(evidence)*"])
    _, rows = verdict_table(result.outlines)
    assert rows["N1-no-decide"]["verdict"] == "error"
    assert rows["N1-no-decide"]["outcome"] == "failed"
    assert rows["N1-no-decide"]["estimate [CI]"] == "-"
    assert (rows["N2-setup-error"]["verdict"], rows["N2-setup-error"]["outcome"]) == (
        "error", "error")


def test_no_claims_no_verdict_table(pytester):
    project(pytester, test_plain='''
        def test_plain():
            pass
    ''')
    result = pytester.runpytest(*cache_args(pytester))
    result.assert_outcomes(passed=1)
    assert "claim verdicts" not in result.stdout.str()


def test_claim_fixtures_need_a_claim(pytester):
    project(pytester, test_plain='''
        def test_sweep_without_claim(sweep):
            pass
    ''')
    result = pytester.runpytest(*cache_args(pytester))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*test_sweep_without_claim uses a claim fixture without @claim*"])


# -- 6. expected-refuted claims ----------------------------------------------------------------

def test_expected_refuted_claims_are_strict_xfails(pytester):
    project(pytester, test_expected_refuted='''
        @claim("X1-refuted", section="S", quote="q", statement="Folklore A.",
               expected="refuted", reason="A is false on MNIST-1D")
        def test_refuted(decide):
            decide(evidence("refuted", estimate=-0.04, lo=-0.06, hi=-0.01, p=0.8))

        @claim("X2-supported", section="S", quote="q", statement="Folklore B.",
               expected="refuted", reason="B was expected false")
        def test_supported(decide):
            decide(evidence("supported"))

        @claim("X3-inconclusive", section="S", quote="q", statement="Folklore C.",
               expected="refuted", reason="C was expected false")
        def test_inconclusive(decide):
            decide(evidence("inconclusive", estimate=0.0, lo=-0.03, hi=0.03, p=0.5))
    ''')
    result = pytester.runpytest("-rxXf", *cache_args(pytester))
    result.assert_outcomes(xfailed=1, failed=2)
    result.stdout.fnmatch_lines([
        "XFAIL test_expected_refuted.py::test_refuted - refuted: A is false on MNIST-1D",
    ])
    result.stdout.fnmatch_lines(["FAILED test_expected_refuted.py::test_supported*XPASS(strict)*"])
    out = result.stdout.str()
    assert "[XPASS(strict)] refuted: B was expected false" in out
    # inconclusive is a real failure with its own message, never an xfail
    assert "FAILED test_expected_refuted.py::test_inconclusive" in out
    assert "XFAIL test_expected_refuted.py::test_inconclusive" not in out
    assert "ClaimInconclusive: X3-inconclusive is inconclusive: Folklore C." in out
    _, rows = verdict_table(result.outlines)
    assert {cid: (r["verdict"], r["expected"], r["outcome"]) for cid, r in rows.items()} == {
        "X1-refuted": ("refuted (reversed)", "refuted", "xfailed"),
        "X2-supported": ("supported", "refuted", "failed"),
        "X3-inconclusive": ("inconclusive", "refuted", "failed"),
    }


def test_expected_refuted_claim_does_not_xfail_on_other_errors(pytester):
    project(pytester, test_crash='''
        @claim("X4-crash", section="S", quote="q", statement="s",
               expected="refuted", reason="r")
        def test_crash(decide):
            raise ZeroDivisionError("a bug, not a verdict")
    ''')
    result = pytester.runpytest(*cache_args(pytester))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*ZeroDivisionError: a bug, not a verdict"])


# -- 7. evidence on user_properties / junit xml ------------------------------------------------

def test_evidence_reaches_junit_xml(pytester):
    project(pytester, test_junit='''
        @claim("J1-supported", section="S", quote="q", statement="s")
        def test_supported(decide):
            decide(evidence("supported", estimate=0.05, details={"group_means": [0.3, 0.25]}))

        @claim("J2-refuted", section="S", quote="q", statement="s",
               expected="refuted", reason="r")
        def test_refuted(decide):
            decide(evidence("refuted", estimate=-0.04, lo=-0.06, hi=-0.01, p=0.8))

        def test_plain():
            pass
    ''')
    xml_path = pytester.path / "junit.xml"
    result = pytester.runpytest(f"--junitxml={xml_path}", *cache_args(pytester))
    result.assert_outcomes(passed=2, xfailed=1)
    props = {}
    for case in ET.parse(xml_path).getroot().iter("testcase"):
        props[case.get("name")] = [(p.get("name"), p.get("value"))
                                   for p in case.iter("property")]
    assert props["test_plain"] == []
    for name, cid, expected, verdict, estimate, p_value in [
        ("test_supported", "J1-supported", "supported", "supported", 0.05, 0.001),
        ("test_refuted", "J2-refuted", "refuted", "refuted", -0.04, 0.8),
    ]:
        got = dict(props[name])
        assert [k for k, _ in props[name]] == ["claim_id", "claim_expected", "claim_spec",
                                               "claim_evidence"]
        assert json.loads(got["claim_spec"])["statement"] == "s"
        assert got["claim_id"] == cid
        assert got["claim_expected"] == expected
        ev = json.loads(got["claim_evidence"])
        assert ev["verdict"] == verdict
        assert ev["estimate"] == estimate
        assert ev["p_value"] == p_value
        assert ev["n_seeds"] == 3
        assert ev["alpha"] == 0.01 and ev["min_effect"] == 0.02
        assert ev["test"] == "hand-made test"
        assert {"ci_low", "ci_high", "ci_level", "statistic", "estimate_label",
                "details"} <= set(ev)
    assert json.loads(dict(props["test_supported"])["claim_evidence"])["details"] == {
        "group_means": [0.3, 0.25]}


# -- 8. the sweep fixture and the run cache ----------------------------------------------------

SWEEP_CLAIM = '''
    @claim("W1-grid", section="S", quote="q", statement="A sweep follows its grid.")
    def test_grid(sweep, decide):
        table = sweep(TINY, seeds=2, grid={"model.width": [2, 4], "lr": [0.01, 0.1]})
        assert isinstance(table, ResultTable)
        assert len(table) == 4
        assert table.values("model.width") == [2, 2, 4, 4]
        assert table.values("lr") == [0.01, 0.1, 0.01, 0.1]
        for point in table.points:
            assert point.config.model.width == point.values["model.width"]
            assert point.config.lr == point.values["lr"]
            assert point.config.steps == TINY.steps
            assert len(point.results) == 2
        errors = table.metric("test_error")
        assert [e.shape for e in errors] == [(2,)] * 4
        assert all(((0 <= e) & (e <= 1)).all() for e in errors)
        assert len(table.where(model__width=4)) == 2
        decide(evidence("supported", n_seeds=2))
'''


def test_sweep_follows_the_grid_and_reuses_cached_runs(pytester, torch_warm):
    project(pytester, test_sweep=SWEEP_CLAIM)
    cache = pytester.path / "cache"
    first = pytester.runpytest(*cache_args(pytester))
    first.assert_outcomes(passed=1)
    assert runs_counts(first.outlines) == (8, 0)
    assert cached_runs(cache) == 8
    _, rows = verdict_table(first.outlines)
    assert rows["W1-grid"]["seeds"] == "2"

    compute = compute_table(first.outlines)
    assert compute[0] == "W1-grid" and compute[1] == "8" and float(compute[2]) > 0
    assert compute_table(first.outlines, "total")[1] == "8"

    again = pytester.runpytest(*cache_args(pytester))
    again.assert_outcomes(passed=1)
    assert runs_counts(again.outlines) == (0, 8)
    assert cached_runs(cache) == 8
    assert not any(re.match(r"^=+ compute =+$", line) for line in again.outlines), \
        "a session that trained nothing spent no compute"

    other_seed = pytester.runpytest("--claims-seed", "1", *cache_args(pytester))
    other_seed.assert_outcomes(passed=1)
    assert runs_counts(other_seed.outlines) == (8, 0)
    assert cached_runs(cache) == 16

    uncached = pytester.runpytest("--claims-no-cache", *cache_args(pytester, "unused"))
    uncached.assert_outcomes(passed=1)
    assert runs_counts(uncached.outlines) == (8, 0)
    assert not (pytester.path / "unused").exists()


def test_claim_ids_select_with_k(pytester):
    project(pytester, test_ids='''
        @claim("A1-first", section="S", quote="q", statement="s")
        def test_one(decide):
            decide(evidence("supported"))

        @claim("B2-second", section="S", quote="q", statement="s")
        def test_two(decide):
            decide(evidence("supported"))
    ''')
    result = pytester.runpytest("-k", "B2-second", *cache_args(pytester))
    result.assert_outcomes(passed=1)
    _, rows = verdict_table(result.outlines)
    assert list(rows) == ["B2-second"]
    result = pytester.runpytest("-k", "A1-first or B2-second", *cache_args(pytester))
    result.assert_outcomes(passed=2)


def test_a_new_design_version_draws_fresh_seeds(pytester, torch_warm):
    """Raising ``design=`` after a result was seen must not confirm the new design on the
    seeds that suggested it."""
    body = '''
        from harness.claim import EarlierDesign

        @claim("S1-seeded", section="S", quote="q", statement="s", design={design},
               history=tuple(EarlierDesign(d, "earlier", "saw it")
                             for d in range(1, {design})))
        def test_seeded(sweep, decide):
            sweep(TINY, seeds=2)
            decide(evidence("supported"))
    '''
    project(pytester, test_seeded=body.format(design=1))
    assert runs_counts(pytester.runpytest(*cache_args(pytester)).outlines) == (2, 0)
    assert runs_counts(pytester.runpytest(*cache_args(pytester)).outlines) == (0, 2)
    project(pytester, test_seeded=body.format(design=2))
    assert runs_counts(pytester.runpytest(*cache_args(pytester)).outlines) == (2, 0)


# -- 9. progress --------------------------------------------------------------------------------

PROGRESS_CLAIM = '''
    @claim("P1-progress", section="S", quote="q", statement="s")
    def test_progress(sweep, decide):
        sweep(TINY, seeds=1, grid={"model.width": [2, 3]})
        decide(evidence("supported", n_seeds=1))
'''
PROGRESS_LINES = [r"^\s+P1-progress: 1/2 runs \(model\.width=2\)$",
                  r"^\s+P1-progress: 2/2 runs \(model\.width=3\)$"]


def test_progress_lines_follow_verbosity(pytester, torch_warm):
    # with -s, so that this checks verbosity alone (capture: see the xfail test below)
    project(pytester, test_progress=PROGRESS_CLAIM)
    # one worker: with two, the configs finish in either order and so do the progress lines
    loud = pytester.runpytest("-s", "--claims-no-cache", "--claims-workers", "1")
    loud.assert_outcomes(passed=1)
    loud.stdout.re_match_lines(PROGRESS_LINES)

    quiet = pytester.runpytest("-s", "-q", "--claims-no-cache", "--claims-workers", "1")
    quiet.assert_outcomes(passed=1)
    assert "P1-progress:" not in quiet.stdout.str()


def test_progress_is_visible_under_default_capture(pytester):
    # a real process: in-process pytester runs do not reproduce pytest's fd capture faithfully
    project(pytester, test_progress=PROGRESS_CLAIM)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--claims-no-cache",
                                           "--claims-workers", "1", timeout=120)
    result.assert_outcomes(passed=1)
    result.stdout.re_match_lines(PROGRESS_LINES)


# -- 10. pytest-xdist -------------------------------------------------------------------------

XDIST_CLAIMS = '''
    @claim("Z1-sweep", section="S", quote="q", statement="s")
    def test_sweep(sweep, decide):
        table = sweep(TINY, seeds=2)
        assert len(table.only().results) == 2
        decide(evidence("supported", estimate=0.06, lo=0.04, hi=0.08, n_seeds=2))

    @claim("Z2-refuted", section="S", quote="q", statement="s",
           expected="refuted", reason="known false")
    def test_refuted(decide):
        decide(evidence("refuted", estimate=-0.04, lo=-0.06, hi=-0.01, p=0.8))
'''
_XDIST_RESULT: dict[str, object] = {}


def run_xdist(pytester) -> tuple[pytest.RunResult, Path]:
    """One xdist session of the two claims, shared by the tests below (it costs seconds)."""
    if not _XDIST_RESULT:
        project(pytester, test_parallel=XDIST_CLAIMS)
        cache = pytester.path / "cache"
        result = pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider",
                                               "--claims-cache-dir", str(cache),
                                               "--claims-report", str(pytester.path / "report"),
                                               timeout=180)
        _XDIST_RESULT.update(result=result, cache=cache, report=pytester.path / "report")
    return _XDIST_RESULT["result"], _XDIST_RESULT["cache"]


def test_verdicts_survive_xdist(pytester):
    result, cache = run_xdist(pytester)
    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*2 workers [[]2 items[]]*"])
    _, rows = verdict_table(result.outlines)
    assert {cid: (r["verdict"], r["outcome"], r["estimate [CI]"], r["seeds"])
            for cid, r in rows.items()} == {
        "Z1-sweep": ("supported", "passed", "0.06 [0.04, 0.08]", "2"),
        "Z2-refuted": ("refuted (reversed)", "xfailed", "-0.04 [-0.06, -0.01]", "3"),
    }
    assert cached_runs(cache) == 2  # the worker trained into the shared cache


EXECUTOR_CLAIM = '''
    import numpy as np

    @claim("E1-where", section="S", quote="q", statement="Where runs train changes nothing.")
    def test_where(sweep, decide):
        table = sweep(TINY, seeds=3, grid={"model.width": [2, 4]})
        wide, narrow = table.metric("train_loss")[1], table.metric("train_loss")[0]
        difference = float(np.mean(narrow - wide))
        print("difference", repr(difference))
        decide(evidence("supported", estimate=difference, lo=difference - 0.01,
                        hi=difference + 0.01, n_seeds=3))
'''


@pytest.mark.slow
def test_the_ray_executor_decides_as_local_execution_does(pytester):
    pytest.importorskip("ray", reason="the ray extra is not installed")
    project(pytester, test_where=EXECUTOR_CLAIM)
    outcomes = {}
    for executor in ("local", "ray"):
        cache = pytester.path / executor
        report = pytester.path / f"report-{executor}"
        result = pytester.runpytest_subprocess("-s", "--claims-executor", executor,
                                               "--claims-cache-dir", str(cache),
                                               "--claims-report", str(report), timeout=180)
        result.assert_outcomes(passed=1)
        recorded = json.loads((report / "results.json").read_text())["session"]["executor"]
        assert recorded == executor
        difference = [line for line in result.outlines if line.startswith("difference ")]
        _, rows = verdict_table(result.outlines)
        outcomes[executor] = (difference, rows["E1-where"]["verdict"],
                              rows["E1-where"]["estimate [CI]"], runs_counts(result.outlines),
                              sorted(p.name for p in (cache / "runs").glob("*/*.pt")))
    assert outcomes["local"][0], "the claim printed no statistic"
    assert outcomes["ray"] == outcomes["local"]  # the statistic to the last digit, same keys
    assert outcomes["ray"][3] == (6, 0)


def test_ray_under_xdist_without_a_cluster_is_a_usage_error(pytester, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    project(pytester, test_one='''
        @claim("A1-one", section="S", quote="q", statement="s")
        def test_one(decide):
            decide(evidence("supported"))
    ''')
    result = pytester.runpytest_subprocess("-n", "1", "--claims-executor", "ray",
                                           "--claims-no-cache", timeout=120)
    assert result.ret != 0
    assert "needs a running cluster" in result.stdout.str() + result.stderr.str()


def test_runs_trained_counts_workers_under_xdist(pytester):
    result, cache = run_xdist(pytester)
    assert cached_runs(cache) == 2
    trained, reused = runs_counts(result.outlines)
    assert trained + reused == 2


def test_a_recorded_deviation_is_a_strict_xfail_on_that_verdict(pytester):
    project(pytester, test_deviation='''
        DEV = dict(deviation="refuted", deviation_power=0.9,
                   deviation_reason="measured the other way here")

        @claim("D1-dev", section="S", quote="q", statement="Measured refuted.", **DEV)
        def test_deviates(decide):
            decide(evidence("refuted", estimate=-0.05, lo=-0.08, hi=-0.01, p=0.9))

        @claim("D2-flipped", section="S", quote="q", statement="Now supported.", **DEV)
        def test_flipped(decide):
            decide(evidence("supported"))

        @claim("D3-undecided", section="S", quote="q", statement="Now inconclusive.", **DEV)
        def test_undecided(decide):
            decide(evidence("inconclusive", estimate=0.0, lo=-0.03, hi=0.03, p=0.5))
    ''')
    result = pytester.runpytest("-rxXf", *cache_args(pytester))
    result.assert_outcomes(xfailed=1, failed=2)
    result.stdout.fnmatch_lines(
        ["XFAIL test_deviation.py::test_deviates - refuted: measured the other way here"])
    _, rows = verdict_table(result.outlines)
    assert {cid: (r["verdict"], r["expected"], r["outcome"]) for cid, r in rows.items()} == {
        "D1-dev": ("refuted (reversed)", "supported", "xfailed"),
        "D2-flipped": ("supported", "supported", "failed"),
        "D3-undecided": ("inconclusive", "supported", "failed"),
    }


@pytest.mark.parametrize("arguments, message", [
    ('deviation="supported", deviation_reason="x", deviation_power=0.9',
     "*deviation 'supported' must be a decided verdict*other than the expected*"),
    ('deviation="inconclusive", deviation_reason="x", deviation_power=0.9',
     "*an inconclusive result means the design lacks power*"),
    ('deviation="refuted", deviation_reason="x"', "*must state its design's power*at least 0.8*"),
    ('deviation="refuted", deviation_reason="x", deviation_power=0.5',
     "*must state its design's power*0.5*"),
    ('deviation="refuted", deviation_power=0.9', "*a deviation needs a deviation_reason*"),
])
def test_a_deviation_must_be_decided_powered_and_explained(pytester, arguments, message):
    project(pytester, test_bad=f'''
        @claim("B1-bad", section="S", quote="q", statement="s", {arguments})
        def test_a(decide):
            pass
    ''')
    result = pytester.runpytest(*cache_args(pytester))
    result.stdout.fnmatch_lines([message])


def test_a_budget_that_cannot_decide_is_a_skip_with_its_reason(pytester):
    project(pytester, test_budget='''
        from harness.claim import Undecided

        @claim("Q1-quick", section="S", quote="q", statement="s")
        def test_quick(budget, decide):
            seeds = budget.pick(quick=Undecided("power 0.3 at 3 seeds"), standard=8, full=16)
            decide(evidence("supported"))
    ''')
    result = pytester.runpytest("--claims-budget", "quick", *cache_args(pytester))
    result.assert_outcomes(skipped=1)
    _, rows = verdict_table(result.outlines)
    assert (rows["Q1-quick"]["verdict"], rows["Q1-quick"]["outcome"]) == ("not decided",
                                                                          "skipped")
    result.stdout.fnmatch_lines(
        ["Q1-quick: not decided at the quick budget: power 0.3 at 3 seeds"])
    result = pytester.runpytest(*cache_args(pytester))
    result.assert_outcomes(passed=1)


def test_holm_marks_a_verdict_that_would_change(pytester):
    claim_body = '''
        @claim("{cid}", section="S", quote="q", statement="s")
        def test_{name}(decide):
            decide(evidence("supported", p={p}))
    '''
    project(pytester, test_holm=claim_body.format(cid="H1-strong", name="strong", p=0.0001)
            + claim_body.format(cid="H2-weak", name="weak", p=0.008))
    _, rows = verdict_table(pytester.runpytest(*cache_args(pytester)).outlines)
    # the family holds both one-sided tests of each claim (2m hypotheses), so its error is alpha
    assert rows["H1-strong"]["p Holm"] == "4.00e-04"
    assert rows["H2-weak"]["p Holm"] == "0.024 !"
    project(pytester, test_holm2=claim_body.format(cid="H3-weak", name="weak", p=0.009))
    result = pytester.runpytest(*cache_args(pytester))
    _, rows = verdict_table(result.outlines)
    assert rows["H1-strong"]["p Holm"] == "6.00e-04"
    assert rows["H2-weak"]["p Holm"] == rows["H3-weak"]["p Holm"] == "0.04 !"
    result.stdout.fnmatch_lines(["*! marks 2 claim(s) that would be inconclusive after "
                                 "adjustment: H2-weak, H3-weak.*"])


def test_the_results_file_is_complete_under_xdist(pytester):
    run_xdist(pytester)
    data = json.loads((_XDIST_RESULT["report"] / "results.json").read_text())
    claims = data["claims"]
    assert set(claims) == {"Z1-sweep", "Z2-refuted"}
    sweep = claims["Z1-sweep"]
    assert sweep["verdict"] == "supported" and sweep["outcome"] == "passed"
    assert sweep["runs"]["trained"] + sweep["runs"]["reused"] == 2
    point = sweep["sweeps"][0]["points"][0]
    assert len(point["seeds"]) == 2 and len(point["final"]["test_error"]) == 2
    assert re.fullmatch(r"[0-9a-f]+", point["config_key"])
    assert claims["Z2-refuted"]["verdict"] == "refuted (reversed)"
    assert claims["Z2-refuted"]["outcome"] == "xfailed"


# -- 11. reports, saved sessions and baseline comparison -------------------------------------

REPORTED = '''
    from harness.reporting.figures import Figure, Panel

    @claim("R1-first", section="Known 1", quote="인용", statement="the first statement")
    def test_first(decide):
        decide(evidence("supported"), figure=Figure("a caption", (Panel.of(
            "width", "error", (1, 2), {"test error": [[0.5, 0.6], [0.3, 0.35]]}),)))

    @claim("R2-second", section="Not understood 1. Generalization", quote="q",
           statement="the second statement")
    def test_second(decide):
        decide(evidence(VERDICT))
'''


def reported_project(pytester, verdict: str = "supported") -> None:
    project(pytester, test_reported=REPORTED.replace("VERDICT", repr(verdict)))


def test_claims_report_writes_results_markdown_html_and_figures(pytester):
    reported_project(pytester)
    out = pytester.path / "out"
    result = pytester.runpytest("--claims-report", str(out), *cache_args(pytester))
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"report: {out / 'report.html'} and {out / 'report.md'}*"])
    data = json.loads((out / "results.json").read_text())
    assert data["schema"] == "deepclaims-results" and data["session"]["budget"] == "standard"
    assert {"python", "torch", "numpy", "scipy", "mnist1d", "harness"} <= set(
        data["session"]["versions"])
    first = data["claims"]["R1-first"]
    assert first["quote"] == "인용" and first["statement"] == "the first statement"
    assert first["figure"]["panels"][0]["series"][0]["per_seed"] == [[0.5, 0.6], [0.3, 0.35]]
    assert data["claims"]["R2-second"]["figure"] is None
    md = (out / "report.md").read_text()
    assert "![R1-first](figures/R1-first.png)" in md and "the second statement" in md
    assert (out / "figures" / "R1-first.png").exists()
    assert (out / "report.html").read_text().count("data:image/png;base64,") == 1


def test_a_flipped_verdict_fails_the_session_against_a_saved_baseline(pytester):
    reported_project(pytester)
    storage = ["--claims-storage", str(pytester.path / "saved")]
    first = pytester.runpytest("--claims-save", "base", *storage, *cache_args(pytester))
    assert first.ret == 0
    assert (pytester.path / "saved" / "0001_base.json").exists()
    same = pytester.runpytest("--claims-compare-fail", *storage, *cache_args(pytester))
    assert same.ret == 0
    same.stdout.fnmatch_lines(["*claim comparison*", "*no claim regressed*"])
    reported_project(pytester, verdict="inconclusive")
    flipped = pytester.runpytest("--claims-compare", "base", *storage, *cache_args(pytester))
    flipped.stdout.fnmatch_lines(["*R2-second*REGRESSED: verdict flipped: supported → "
                                  "inconclusive*", "*1 claim(s) regressed: R2-second*"])
    assert flipped.ret == 1  # the inconclusive claim fails by itself; now with -fail too:
    reported_project(pytester, verdict="supported")
    both = pytester.runpytest("--claims-compare-fail", "--claims-autosave", *storage,
                              *cache_args(pytester))
    assert both.ret == 0  # compared with 0001 (the latest before this session), then saved
    assert len(list((pytester.path / "saved").glob("0002_*.json"))) == 1


def test_compare_fail_fails_on_a_regression_even_when_every_test_passes(pytester):
    reported_project(pytester)
    storage = ["--claims-storage", str(pytester.path / "saved")]
    pytester.runpytest("--claims-save", "base", *storage, *cache_args(pytester))
    path = pytester.path / "saved" / "0001_base.json"
    data = json.loads(path.read_text())
    data["claims"]["R1-first"]["evidence"]["estimate"] = 0.5  # baseline far better: [0.03, 0.07]
    data["claims"]["R1-first"]["evidence"]["ci_low"] = 0.45
    data["claims"]["R1-first"]["evidence"]["ci_high"] = 0.55
    path.write_text(json.dumps(data))
    result = pytester.runpytest("--claims-compare-fail", *storage, *cache_args(pytester))
    result.assert_outcomes(passed=2)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*R1-first*REGRESSED*fell below the baseline interval*"])


def test_compare_fail_without_a_baseline_fails_saying_so(pytester):
    reported_project(pytester)
    result = pytester.runpytest("--claims-compare-fail", "--claims-storage",
                                str(pytester.path / "empty"), *cache_args(pytester))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*no comparison: no saved runs in*save one first*"])


@pytest.mark.parametrize("args, message", [
    (["--claims-save", "no spaces"], "--claims-save 'no spaces': use only letters"),
    (["--claims-report", "a-file"], "--claims-report is not usable: *a-file* is not a folder"),
    (["--claims-benchmarks", "a-file"], "--claims-benchmarks: *a-file: not JSON*"),
])
def test_bad_report_options_are_usage_errors(pytester, args, message):
    reported_project(pytester)
    (pytester.path / "a-file").write_text("x")
    result = pytester.runpytest(*args, *cache_args(pytester))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


def test_a_lab_uses_the_installed_plugin_in_its_own_repository(pytester):
    """No conftest, no import of the plugin: `pip install deepclaims` is all a lab needs."""
    pytester.makepyfile(test_lab_findings=PRELUDE + textwrap.dedent('''
        @claim("L1-our-finding", section="Lab findings", quote="ours",
               statement="our trick helps")
        def test_our_trick(decide):
            decide(evidence("supported"))

        @claim("L2-our-caveat", section="Lab findings", quote="ours",
               statement="the naive version does not", expected="refuted",
               reason="it overfits")
        def test_naive(decide):
            decide(evidence("refuted", estimate=-0.04, lo=-0.06, hi=-0.01))
    '''))
    out = pytester.path / "lab-report"
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--claims-report", str(out),
                                           *cache_args(pytester), timeout=120)
    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*plugins:*deepclaims*", "*claim verdicts*"])
    _, rows = verdict_table(result.outlines)
    assert set(rows) == {"L1-our-finding", "L2-our-caveat"}
    md = (out / "report.md").read_text()
    assert "## Lab findings" in md
    assert "L1 \u201cours\u201d (our trick helps): L1-our-finding supported" in md
