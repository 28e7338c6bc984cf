"""Tests of the session record, results files, comparisons and the report (harness/reporting/).

Records here are made by hand from real ``Evidence`` (built by the statistics functions), so each
test controls exactly what the report or comparison sees.
"""
from __future__ import annotations

import base64
import copy
import json
import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from harness.__main__ import main as harness_main
from harness.reporting.benchmarks import performance_rows, read_benchmarks
from harness.reporting.compare import compare, comparison_lines, tolerance
from harness.facts import computed_within_factor
from harness.reporting.document import (HELD, NOT_HELD, QUALIFIED, UNDECIDED, build,
                                        statement_verdicts, to_html, to_markdown, write_report)
from harness.reporting.figures import Figure, Panel, Series, render_png
from harness.reporting.records import (SCHEMA_VERSION, ClaimRecord, SchemaError, SessionRecord,
                                       strict_json)
from harness.reporting.table import summary_lines
from harness.reporting.saved import (autosave_name, find_saved, read_results, save,
                                     saved_runs)
from harness.stats import (Evidence, all_of, difference_exceeds, equivalent_to, no_worse_than,
                           undecidable)


def _evidence(effect: float, *, spread: float = 0.01, n: int = 6):
    """Welch minimum-effect evidence (Δ = 0.02) for two groups ``effect`` apart."""
    rng = np.random.default_rng(int(abs(effect) * 1e4) + n)
    a = 0.5 + effect + spread * rng.standard_normal(n)
    b = 0.5 + spread * rng.standard_normal(n)
    return difference_exceeds(a, b, min_effect=0.02, alpha=0.01, label="error gain")


def _figure() -> Figure:
    groups = [[0.52, 0.50, 0.49], [0.41, 0.40, float("nan")], [0.38, 0.39, 0.385]]
    return Figure("Test error by width. " + Figure.BANDS, (
        Panel.of("width", "error", (16, 64, 256), {"test error": groups}, log_x=True,
                 lines=[(0.1, "chance")]),
        Panel.of("", "accuracy", ("net", "linear"), {"accuracy": [[0.6, 0.61], [0.32, 0.3]]})))


def _record(cid: str, evidence, *, expected="supported", figure=True, quote="q",
            statement="a statement", section="Known 1", outcome=None, reason="") -> ClaimRecord:
    ev = evidence.to_dict() if evidence is not None else None
    return ClaimRecord(
        id=cid, section=section, quote=quote, statement=statement, refs=["Paper 2020"],
        expected=expected, reason=reason, design=2, namespace=f"{cid}@design2",
        nodeid=f"claims/test_x.py::test_{cid}",
        outcome=outcome or ("passed" if evidence is not None and evidence.verdict == "supported"
                            else "failed"),
        evidence=ev, figure=_figure().to_dict() if figure else None,
        sweeps=[{"namespace": "sweep@design2", "points": [
            {"values": {"model.width": 16}, "config_key": "abc", "seeds": [1, 2, 3],
             "final": {"test_error": [0.5, 0.52, float("nan")]}}]}],
        seconds=1.5, runs={"trained": 3, "reused": 0},
        compute={"train_seconds": 2.5, "train_steps": 300})


def _session(**claims: ClaimRecord) -> SessionRecord:
    s = SessionRecord(master_seed=0, budget="standard", device="cpu", device_model="cpu:Test CPU",
                      versions={"torch": "2.0", "numpy": "2.0", "scipy": "1.0", "python": "3.11",
                                "mnist1d": "mnist1d 0.0.2", "harness": "0.2.0",
                                "platform": "Linux"},
                      git={"commit": "0123456789abcdef", "dirty": False},
                      started="2026-12-03T08:00:00+00:00", duration_s=12.5,
                      claims={c.id: c for c in claims.values()})
    s.adjust()
    return s


@pytest.fixture
def session() -> SessionRecord:
    return _session(
        a=_record("K1-width", _evidence(0.08)),
        b=_record("K1-depth", _evidence(-0.06), expected="refuted",
                  statement="plain nets get better with depth", reason="they overfit"),
        c=_record("G4-memorize", all_of({
            "memorizes": _evidence(0.06),
            "at chance": equivalent_to([0.1, 0.101, 0.099, 0.1], 0.1, margin=0.015, alpha=0.01)}),
            section="Not understood 1. Generalization", quote="일반화"),
        d=_record("G6-bigger-generalizes", undecidable("no peak", alpha=0.01, min_effect=0.01,
                                                       n_seeds=3),
                  section="Not understood 1. Generalization", figure=False),
    )


# -- schema -----------------------------------------------------------------------------------

def test_results_round_trip_through_strict_json(session):
    data = session.to_dict()
    text = json.dumps(data, allow_nan=False)  # strict JSON: NaN written as null
    again = SessionRecord.from_dict(json.loads(text))
    assert again.to_dict() == data
    claim = data["claims"]["K1-width"]
    assert data["schema_version"] == SCHEMA_VERSION
    assert claim["verdict"] == "supported" and claim["expected"] == "supported"
    decision = claim["decision"]
    for key in ("test", "statistic", "estimate", "ci", "p_value", "p_holm", "alpha",
                "min_effect", "n_seeds"):
        assert key in decision, key
    assert decision["p_holm"] >= decision["p_value"]
    assert claim["sweeps"][0]["points"][0]["final"]["test_error"][2] is None
    assert claim["figure"]["panels"][0]["series"][0]["per_seed"][1] == [0.41, 0.4, None]
    assert data["claims"]["G6-bigger-generalizes"]["decision"]["estimate"] is None
    assert again.claims["G6-bigger-generalizes"].verdict == "inconclusive"
    totals = data["session"]["totals"]
    assert {k: totals[k] for k in ("claims", "runs_trained", "runs_reused", "train_seconds",
                                   "flops_trained", "flop_bound_s", "bound_ratio")} == {
        "claims": 4, "runs_trained": 12, "runs_reused": 0, "train_seconds": 10.0,
        "flops_trained": 0.0, "flop_bound_s": None, "bound_ratio": None}
    assert data["session"]["matmul_rate"] is None


def test_the_executor_is_recorded_and_older_files_read_as_local(session):
    session.executor = "ray"
    data = session.to_dict()
    assert data["session"]["executor"] == "ray"
    assert SessionRecord.from_dict(copy.deepcopy(data)).executor == "ray"
    del data["session"]["executor"]  # a file written before the field existed
    assert SessionRecord.from_dict(data).executor == "local"


@pytest.mark.parametrize("doctor, message", [
    (lambda d: d.update(schema="other"), "not a deepclaims results file"),
    (lambda d: d.update(schema_version=99), "schema version 99"),
    (lambda d: d.pop("claims"), "malformed results file"),
    (lambda d: d["claims"]["K1-width"]["evidence"].update(verdict="maybe"), "unreadable evidence"),
])
def test_unreadable_results_are_named(session, tmp_path, doctor, message):
    data = session.to_dict()
    doctor(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaError, match=message):
        read_results(path)


def test_strict_json_replaces_every_non_finite_number():
    assert strict_json({"a": [1.0, math.nan, {"b": math.inf}], "c": (2, -math.inf)}) == {
        "a": [1.0, None, {"b": None}], "c": [2, None]}


# -- the session's family (Holm) and the headline ------------------------------------------------

def _by_hand(verdict: str, p: float, p_against: float, how: str = "") -> Evidence:
    return Evidence(test="Welch t, minimum effect", statistic=3.0, estimate=0.05,
                    estimate_label="effect", ci_low=0.03, ci_high=0.07, ci_level=0.98,
                    p_value=p, p_against=p_against, alpha=0.01, min_effect=0.02, n_seeds=6,
                    verdict=verdict, refuted_as=how, claim_direction="above")


def _row(lines: list[str], cid: str) -> list[str]:
    """The cells of claim ``cid``'s row in the verdict table (columns are 2+ spaces apart)."""
    line = next(line for line in lines if line.startswith(cid + " "))
    return re.split(r"\s{2,}", line.strip())


def test_holm_adjusts_both_sides_of_every_claim_and_marks_what_does_not_survive():
    """Two claims, four one-sided tests. The weak one's p 0.004 is 0.012 after Holm over four
    (over the two decision p-values, the rule before, it was 0.004 and kept its verdict)."""
    s = _session(strong=_record("H1-strong", _by_hand("supported", 1e-4, 0.9999)),
                 weak=_record("H2-weak", _by_hand("supported", 0.004, 0.996)))
    strong, weak = s.claims["H1-strong"], s.claims["H2-weak"]
    assert strong.p_holm == pytest.approx(4e-4) and weak.p_holm == pytest.approx(0.012)
    assert weak.holm == {"p_supporting": pytest.approx(0.012), "p_refuting": pytest.approx(1.0),
                         "verdict": "inconclusive", "family_alpha": 0.01, "family_size": 4}
    assert (weak.verdict, weak.outcome) == ("supported", "passed")  # its own reading stands
    assert weak.changed_by_holm and not strong.changed_by_holm
    lines = summary_lines(s.claims.values())
    assert _row(lines, "H2-weak")[1:3] == ["supported (not after Holm)", "supported"]
    assert _row(lines, "H2-weak")[7] == "0.012 !"
    assert _row(lines, "H1-strong")[1] == "supported"
    assert ("! marks 1 claim(s) that would be inconclusive after adjustment: H2-weak. "
            in lines[-1]) and "over the 4 one-sided tests" in lines[-1]
    md = to_markdown(build(s))
    assert "| H2-weak | supported (not after Holm) |" in md
    assert "after Holm: inconclusive" in md


def test_a_refuted_verdict_that_does_not_survive_keeps_its_words():
    s = _session(a=_record("H1-refuted", _by_hand("refuted", 0.995, 0.005, how="reversed")),
                 b=_record("H2-other", _by_hand("inconclusive", 0.3, 0.7)))
    assert s.claims["H1-refuted"].verdict_with_holm == "refuted (reversed; not after Holm)"
    assert s.claims["H2-other"].verdict_with_holm == "inconclusive"


def test_published_facts_stay_out_of_the_family():
    fact = computed_within_factor(175e9, stated=12e9, factor=1.1, alpha=0.01, label="params")
    s = _session(fact=_record("K1-gpt3", fact, expected="refuted"),
                 weak=_record("H2-weak", _by_hand("supported", 0.004, 0.996)))
    gpt3 = s.claims["K1-gpt3"]
    assert gpt3.p_holm is None and not gpt3.in_holm_family and "published" in gpt3.holm["excluded"]
    assert s.claims["H2-weak"].holm["family_size"] == 2  # one claim, two one-sided tests
    assert s.claims["H2-weak"].p_holm == pytest.approx(0.008)  # survives: 2 tests, not 4
    lines = summary_lines(s.claims.values())
    assert _row(lines, "K1-gpt3")[7] == "fact"
    assert "published facts are outside the family (K1-gpt3)" in lines[-1]
    again = SessionRecord.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again.to_dict() == s.to_dict()


def test_a_results_file_from_before_reads_under_the_family_rule(session):
    """Written before: no ``holm`` in the decision, its ``p_holm`` adjusted over decision
    p-values, evidence without ``headline``. It loads, and the family reading is recomputed."""
    data = session.to_dict()
    for claim in data["claims"].values():
        if claim["decision"]:
            claim["decision"].pop("holm")
            claim["decision"].pop("headline")
            claim["decision"]["p_holm"] = 0.5
            claim["evidence"].pop("headline")
    again = SessionRecord.from_dict(data)
    assert again.claims["K1-width"].p_holm == session.claims["K1-width"].p_holm != 0.5
    assert again.claims["K1-width"].verdict_after_holm == "supported"
    g4 = again.claims["G4-memorize"].decided
    assert g4.headline == {} and g4.headline_estimate.estimate == g4.estimate


def test_a_combined_claim_shows_its_headline_and_apart_the_part_that_decided():
    """G1's shape: the headline (the gap's shrinkage) is supported; the part that decided (no
    point worse than an earlier one) is inconclusive, with an estimate of its own."""
    shrinks = difference_exceeds([0.61, 0.62, 0.60, 0.61], [0.25, 0.26, 0.24, 0.25],
                                 min_effect=0.02, alpha=0.01, label="gap at 500 - at 8000")
    margin = no_worse_than([0.30, 0.36, 0.24, 0.31], [0.30, 0.31, 0.29, 0.30], margin=0.02,
                           alpha=0.01, label="gap at 8000 - at 4000")
    ev = all_of({"gap shrinks": shrinks, "no reversal": margin})
    assert ev.decided_by == "no reversal" and ev.verdict == "inconclusive"
    s = _session(g1=_record("G1-gap-vs-n", ev))
    row = _row(summary_lines(s.claims.values()), "G1-gap-vs-n")
    assert row[5] == "0.36 [0.3419, 0.3781]"  # the headline: the gap's shrinkage
    assert row[4] == "no reversal: 0.0025 [-0.1062, 0.1112]"  # the deciding part, apart
    md = to_markdown(build(s))
    assert "| 0.36 [0.3419, 0.3781] | no reversal: 0.0025 [-0.1062, 0.1112] |" in md
    assert "- gap shrinks: gap at 500 - at 8000 = 0.36, 98% CI [0.3419, 0.3781]" in md
    assert ("- decided by: no reversal: gap at 8000 - at 4000 = 0.0025, 98% CI [-0.1062, "
            "0.1112]") in md
    data = s.to_dict()["claims"]["G1-gap-vs-n"]["decision"]
    assert data["headline"]["part"] == "gap shrinks" and data["estimate"] == margin.estimate


# -- saved runs -------------------------------------------------------------------------------

def test_saved_runs_are_numbered_and_never_overwritten(session, tmp_path):
    first = save(session, tmp_path, "base")
    (tmp_path / "0002_by-hand.json").write_text("keep me")
    third = save(session, tmp_path, "again")
    assert [p.name for p in saved_runs(tmp_path)] == ["0001_base.json", "0002_by-hand.json",
                                                      "0003_again.json"]
    assert (tmp_path / "0002_by-hand.json").read_text() == "keep me"
    assert find_saved(tmp_path, "latest") == third
    assert find_saved(tmp_path, "1") == find_saved(tmp_path, "0001") == first
    assert find_saved(tmp_path, "0001_base") == first
    assert find_saved(tmp_path, str(first)) == first
    assert read_results(first).to_dict() == session.to_dict()
    assert not list(tmp_path.glob(".*tmp"))


def test_saved_run_lookups_say_what_exists(tmp_path, session):
    with pytest.raises(FileNotFoundError, match="no saved runs in .* save one first"):
        find_saved(tmp_path, "latest")
    save(session, tmp_path, "base")
    with pytest.raises(FileNotFoundError, match="no saved run '7'.*0001_base.json"):
        find_saved(tmp_path, "7")
    with pytest.raises(ValueError, match="save name 'a b'"):
        save(session, tmp_path, "a b")


def test_autosave_names_carry_commit_date_and_dirty_flag(session):
    assert autosave_name(session) == "01234567_20261203T080000"
    session.git["dirty"] = True
    assert autosave_name(session).endswith("_dirty")
    session.git = None
    assert autosave_name(session).startswith("nogit_")


# -- comparison -------------------------------------------------------------------------------

def _doctored(session: SessionRecord, cid: str, **evidence_changes) -> SessionRecord:
    other = SessionRecord.from_dict(copy.deepcopy(session.to_dict()))
    other.claims[cid].evidence.update(evidence_changes)
    return other


def test_a_flipped_verdict_is_caught(session):
    now = _doctored(session, "K1-width", verdict="inconclusive")
    result = compare(session, now)
    assert [c.id for c in result.regressions] == ["K1-width"]
    assert "verdict flipped: supported → inconclusive" in result.regressions[0].change
    assert any("1 claim(s) regressed: K1-width" in line for line in comparison_lines(result))


def test_an_estimate_that_left_the_interval_the_bad_way_is_caught(session):
    ev = session.claims["K1-width"].evidence
    below = ev["ci_low"] - 10 * tolerance(ev)
    result = compare(session, _doctored(session, "K1-width", estimate=below))
    assert [c.id for c in result.regressions] == ["K1-width"]
    assert "fell below the baseline interval" in result.regressions[0].change


def test_moves_the_good_way_and_cross_machine_noise_are_not_regressions(session):
    ev = session.claims["K1-width"].evidence
    better = _doctored(session, "K1-width", estimate=ev["ci_high"] + 0.5)
    assert compare(session, better).regressions == []
    # measured across two machines at one master seed: 0.4350 vs 0.4354
    base = _doctored(session, "K1-width", estimate=0.4350, ci_low=0.4350, ci_high=0.4350)
    noisy = _doctored(session, "K1-width", estimate=0.4346, ci_low=0.4346, ci_high=0.4346)
    assert compare(base, noisy).regressions == []


def test_a_part_of_a_combined_claim_is_compared_too(session):
    now = SessionRecord.from_dict(copy.deepcopy(session.to_dict()))
    part = now.claims["G4-memorize"].evidence["details"]["at chance"]
    part["estimate"] = part["ci_high"] + 0.01  # further from chance than the baseline allowed
    result = compare(session, now)
    assert [c.id for c in result.regressions] == ["G4-memorize"]
    assert "at chance" in result.regressions[0].change
    assert "away from the reference" in result.regressions[0].change


def test_a_non_inferiority_bound_regresses_upward():
    a = no_worse_than([0.30, 0.31, 0.29, 0.30], [0.30, 0.30, 0.31, 0.29], margin=0.02, alpha=0.01)
    base = _session(x=_record("G3-dnn-dof", a))
    now = SessionRecord.from_dict(copy.deepcopy(base.to_dict()))
    ev = now.claims["G3-dnn-dof"].evidence
    ev["estimate"] = ev["ci_low"] - 0.05  # lower is better for a bound: not a regression
    assert compare(base, now).regressions == []
    ev["estimate"] = ev["ci_high"] + 0.05
    assert "rose above" in compare(base, now).regressions[0].change


def test_design_changes_and_environment_are_named_not_judged(session):
    now = SessionRecord.from_dict(copy.deepcopy(session.to_dict()))
    now.claims["K1-width"].namespace = "K1-width@design3"
    now.claims["K1-width"].evidence["verdict"] = "inconclusive"
    now.versions["torch"] = "2.9"
    now.device_model = "cuda:H200"
    del now.claims["K1-depth"]
    result = compare(session, now)
    assert result.regressions == []
    notes = {c.id: c.change for c in result.changes}
    assert notes["K1-width"].startswith("design changed")
    assert notes["K1-depth"] == "not run now"
    assert result.environment == ["torch 2.0 → 2.9", "device model cpu:Test CPU → cuda:H200"]


def test_compare_command_exits_1_on_a_regression_only_with_fail(session, tmp_path, capsys):
    base = save(session, tmp_path, "base")
    same = save(session, tmp_path, "same")
    flipped = save(_doctored(session, "K1-depth", verdict="supported", refuted_as=""),
                   tmp_path, "flipped")
    args = ["compare", "--storage", str(tmp_path)]
    assert harness_main(args + ["1", "2", "--fail"]) == 0
    assert harness_main(args + [str(base), str(flipped)]) == 0
    assert harness_main(args + ["base", "flipped", "--fail"]) == 1
    out = capsys.readouterr().out
    assert "K1-depth" in out and "REGRESSED" in out
    assert harness_main(args + ["base", "nope"]) == 2
    assert "no saved run 'nope'" in capsys.readouterr().err
    assert same.exists()


# -- the report -------------------------------------------------------------------------------

def test_the_html_is_well_formed_and_embeds_every_figure(session, tmp_path):
    paths = write_report(session, tmp_path)
    text = paths["html"].read_text(encoding="utf-8")
    root = ET.fromstring(text.split("\n", 1)[1])  # after the doctype: parses as XML
    images = [img.get("src") for img in root.iter("img")]
    figures = [c for c in session.claims.values() if c.figure]
    assert len(images) == len(figures) == 3
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r'src="(?!data:)', text)  # nothing loaded from elsewhere
    for cid in session.claims:
        assert cid in text
    md = paths["markdown"].read_text(encoding="utf-8")
    for c in figures:
        assert f"(figures/{c.id}.png)" in md
        assert (tmp_path / "figures" / f"{c.id}.png").stat().st_size > 1000


def test_a_report_rebuilt_from_its_results_file_equals_the_original(session, tmp_path):
    first = write_report(session, tmp_path / "first")
    assert harness_main(["report", str(first["results"]), "--out", str(tmp_path / "again")]) == 0
    for kind in ("markdown", "html", "results"):
        name = first[kind].name
        assert (tmp_path / "again" / name).read_bytes() == first[kind].read_bytes(), name
    for png in (tmp_path / "first" / "figures").iterdir():
        assert (tmp_path / "again" / "figures" / png.name).read_bytes() == png.read_bytes()


def test_the_report_is_grouped_by_the_note_and_answers_it(session):
    md_blocks = build(session)
    headings = [b.text for b in md_blocks if b.kind == "heading2"]
    assert headings == ["Verdicts", "What we know about deep learning",
                        "What we do not understand: 1. Generalization",
                        "What the note got right"]
    answers = {b.text: i for i, b in enumerate(md_blocks) if b.kind == "heading3"}
    lists = {b.text: md_blocks[i + 1].rows for b, i in
             ((b, i) for i, b in enumerate(md_blocks)) if b.kind == "heading3"
             and b.text.split(" (")[0].lower() in (HELD, QUALIFIED, NOT_HELD, UNDECIDED)}
    assert answers
    qualified = next(v for k, v in lists.items() if k.startswith("Held only"))
    assert len(qualified) == 1 and qualified[0].startswith("K1 ")
    assert "plain nets get better with depth" in qualified[0] and "they overfit" in qualified[0]
    undecided = next(v for k, v in lists.items() if k.startswith("Not decided"))
    assert [u.split(" ")[0] for u in undecided] == ["G6"]
    at = next(i for i, b in enumerate(md_blocks) if b.text == "The note's conclusion")
    by_section, conclusion = md_blocks[at + 1].rows, md_blocks[at + 2].text
    assert by_section == (
        "What we know about deep learning: 1 statement; 1 held only with a qualification.",
        "What we do not understand: 1. Generalization: 2 statements; 1 held, 1 not decided in "
        "this session.")
    assert "Of the 2 statements the note files under what we do not understand, 1 held in " \
           "this session (G4); the others: G6 not decided in this session." in conclusion


@pytest.mark.parametrize("verdicts, status", [
    (["supported", "supported"], HELD),
    (["supported", "refuted"], QUALIFIED),
    (["refuted", "refuted"], NOT_HELD),
    (["supported", "inconclusive"], UNDECIDED),
    (["supported", None], UNDECIDED),
])
def test_statement_verdicts(verdicts, status):
    effect = {"supported": 0.08, "refuted": -0.06, "inconclusive": 0.02}
    claims = [_record(f"K1-part{i}", _evidence(effect[v]) if v else None)
              for i, v in enumerate(verdicts)]
    for c, v in zip(claims, verdicts):
        assert c.verdict.split(" ")[0] == (v or "error")
    assert statement_verdicts(claims)["K1"][0] == status


def test_benchmark_json_renders_as_the_performance_section(session, tmp_path):
    bench = {"machine_info": {"cpu": {"brand_raw": "Test CPU"}}, "datetime": "2026-12-03",
             "benchmarks": [
                 {"group": "width=16", "name": "test_harness[16]",
                  "stats": {"min": 0.5, "median": 0.55, "rounds": 3},
                  "extra_info": {"width": 16, "flop_bound_s": 0.1}},
                 {"group": "width=16", "name": "test_naive[16]",
                  "stats": {"min": 4.0, "median": 4.1, "rounds": 3}, "extra_info": {}}]}
    header, rows = performance_rows(bench)
    assert [r[1] for r in rows] == ["test_harness[16]", "test_naive[16]"]
    assert [r[5] for r in rows] == ["1.00", "8.00"]
    path = tmp_path / "bench.json"
    path.write_text(json.dumps(bench))
    html_text = write_report(session, tmp_path / "out", read_benchmarks(path))["html"].read_text()
    assert "Performance of the training engine" in html_text and "test_naive[16]" in html_text
    path.write_text("{}")
    with pytest.raises(SchemaError, match="not a pytest-benchmark JSON"):
        read_benchmarks(path)


def test_figures_summarize_seeds_and_render_deterministically():
    s = Series.from_groups("e", (1, 2), [[1.0, 2.0, 3.0], [5.0, float("nan")]])
    assert s.y == (2.0, 5.0)
    assert s.low[0] < 2.0 < s.high[0] and s.low[1] is None  # one finite seed: no interval
    with pytest.raises(ValueError, match="style 'wiggly'"):
        Series("e", (1,), (1.0,), style="wiggly")
    with pytest.raises(ValueError, match="y has 1 values for 2 x values"):
        Series("e", (1, 2), (1.0,))
    fig = _figure()
    assert Figure.from_dict(json.loads(json.dumps(fig.to_dict()))) == fig
    png = render_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and render_png(fig) == png


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.mark.skipif(_browser() is None, reason="no headless browser (chromium) installed: "
                    "`apt-get install chromium` to render the report in one")
def test_the_report_renders_in_a_headless_browser(session, tmp_path):
    html_path = write_report(session, tmp_path)["html"]
    shot = tmp_path / "shot.png"
    common = [_browser(), "--headless", "--no-sandbox", "--disable-gpu",
              "--allow-file-access-from-files"]
    dom = subprocess.run(common + ["--dump-dom", html_path.as_uri()], capture_output=True,
                         text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("data:image/png;base64,") == 3
    assert "What the note got right" in dom.stdout
    done = subprocess.run(common + [f"--screenshot={shot}", "--window-size=1200,2400",
                                    html_path.as_uri()], capture_output=True, timeout=120)
    assert done.returncode == 0 and shot.stat().st_size > 10_000


def test_to_html_escapes_text():
    from harness.reporting.document import Block
    page = to_html([Block("heading1", "<b>&"), Block("text", 'a "quote" <script>')], {})
    assert "<b>&amp;" not in page and "&lt;b&gt;&amp;" in page and "&lt;script&gt;" in page


def test_a_claims_own_note_with_a_verdict_is_not_read_as_a_part():
    """A claim may record a contrast it shows ({"verdict": ..., "estimate": ...}) in its
    evidence's details; the table, the report and the comparison read only real parts."""
    from harness.reporting.document import _parts
    from harness.reporting.records import ClaimRecord, is_part
    from harness.reporting.table import evidence_lines
    from harness.stats import exceeds
    ev = exceeds([0.3, 0.31, 0.29], 0.0, min_effect=0.1, alpha=0.01)
    ev.details["first layer (contrast, same rule)"] = {"verdict": "refuted", "estimate": -0.01}
    record = ev.to_dict()
    assert not is_part(record["details"]["first layer (contrast, same rule)"])
    assert evidence_lines(ev)  # no KeyError
    assert _parts(ClaimRecord(id="R3-x", evidence=record)) is None
