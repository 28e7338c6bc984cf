"""Design history: a claim records every earlier design and what it saw, and a design is never
decided on data an earlier design saw."""
from __future__ import annotations

import textwrap

import pytest

from harness.claim import DATA_SEEDS_BEFORE_DRAWS, ClaimSpec, EarlierDesign

pytest_plugins = ["pytester"]

ONE = EarlierDesign(1, "a grid of 4 widths", "supported, 3.1 pp [1.2, 5.0] at master seed 0",
                    loosened=True)


def spec(**kw) -> ClaimSpec:
    base = dict(id="K1-x", section="S", quote="q", statement="s", refs=(), expected="supported")
    return ClaimSpec(**{**base, **kw})


def test_a_later_design_records_every_earlier_one_in_order():
    assert spec(design=2, history=(ONE,)).seen_data_seeds == frozenset(DATA_SEEDS_BEFORE_DRAWS)
    with pytest.raises(ValueError, match=r"must record every earlier design in order \(1 … 1\)"):
        spec(design=2)
    with pytest.raises(ValueError, match=r"got \[1\]"):
        spec(design=3, history=(ONE,))
    with pytest.raises(ValueError, match="got \\[1\\]"):
        spec(design=1, history=(ONE,))
    with pytest.raises(ValueError, match="say 'saw'"):
        EarlierDesign(1, "a design", " ")


def test_a_design_is_never_decided_on_data_an_earlier_design_saw(pytester):
    pytester.makeconftest("")
    pytester.makepyfile(test_inner=textwrap.dedent('''
        from harness.claim import EarlierDesign, claim
        from harness.config import DataSpec, ModelSpec, TrainConfig, data_seed
        from harness.stats import exceeds

        def tiny(seed):
            return TrainConfig(model=ModelSpec(width=4, depth=1),
                               data=DataSpec(name="teacher_student", n_train=64, n_test=32,
                                             seed=seed, options=(("classes", 3),)),
                               batch_size=16, steps=5, eval_points=1)

        SEEN = EarlierDesign(1, "first", "saw it", loosened=True, data_seeds=(7,))

        @claim("A1-seen", section="S", quote="q", statement="s", design=2, history=(SEEN,))
        def test_on_seen_data(sweep, decide):
            sweep(tiny(7), seeds=2)

        @claim("A2-fresh", section="S", quote="q", statement="s", design=2, history=(SEEN,))
        def test_on_fresh_data(sweep, decide):
            runs = sweep(tiny(None), seeds=2).only()
            assert runs.config.data.seed == data_seed(0)  # the shared draw, unseen
            decide(exceeds([0.3, 0.31], 0.0, min_effect=0.1, alpha=0.01))

        SHARED_SEEN = EarlierDesign(1, "first", "saw master seed 0's shared draw",
                                    data_seeds=(data_seed(0),))

        @claim("A3-own", section="S", quote="q", statement="s", design=2,
               history=(SHARED_SEEN,))
        def test_on_its_own_draw(sweep, decide):
            runs = sweep(tiny(None), seeds=2).only()
            assert runs.config.data.seed == data_seed(0, "main@A3-own@design2")
            assert runs.config.data.seed != data_seed(0)
            decide(exceeds([0.3, 0.31], 0.0, min_effect=0.1, alpha=0.01))
    '''))
    result = pytester.runpytest("--claims-no-cache", "-p", "no:randomly")
    out = result.stdout.str()
    assert "A1-seen design 2 would be decided on data seed(s) [7]" in out
    result.assert_outcomes(passed=2, failed=1)
