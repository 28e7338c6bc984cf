"""Every master seed draws its own data: the referee's "one data draw" finding.

Before, ``DataSpec.seed`` was 42 for every run at every master seed, so five master seeds were
five initialisations of one data set, and every redesign was confirmed on the data that
motivated it. Now a spec without a seed is a draw the runner resolves from the master seed, and
no master seed, 0 included, draws the seeds 42 and 43 every earlier design saw.
"""
from __future__ import annotations

import pytest
import torch

from harness.cache import RunCache
from harness.config import (VALIDATION_DRAW, DataSpec, ModelSpec,
                            TrainConfig, data_seed, stable_hash)
from harness.data import load_dataset
from harness.runs import Runner, Sweep, run_key

TINY = TrainConfig(model=ModelSpec(kind="mlp", width=8, depth=1),
                   data=DataSpec(name="teacher_student", n_train=64, n_test=64,
                                 options=(("classes", 3),)),
                   optimizer="adam", lr=1e-2, batch_size=32, steps=4, eval_points=1)


def test_every_master_seed_draws_its_own_data_and_none_the_data_earlier_designs_saw():
    drawn = {data_seed(m) for m in range(50)} | {data_seed(m, VALIDATION_DRAW) for m in range(50)}
    assert len(drawn) == 100 and not drawn & {42, 43}
    assert data_seed(7) == data_seed(7)  # derived, not random
    assert [data_seed(m) for m in range(3)] == [1019168528, 1996775610, 317788474]


def test_a_pinned_spec_hashes_as_the_seed_42_spec_of_earlier_designs():
    """Fields added at their defaults leave older hashes alone: a spec pinned at 42 names the
    runs earlier designs trained."""
    old_form = {"__type__": "DataSpec", "name": "mnist1d", "n_train": 4000, "n_test": 1000,
                "label_noise": "0.0", "random_labels": False, "seed": 42, "options": [],
                "control": "none"}
    from harness.config import canonical
    assert canonical(DataSpec(seed=42)) == old_form
    assert canonical(DataSpec().resolved(0))["seed"] == data_seed(0)


def test_a_pinned_seed_is_kept_at_every_master_seed():
    pinned = DataSpec(seed=5)
    assert pinned.resolved(0) is pinned and pinned.resolved(3) is pinned


@pytest.mark.parametrize("bad, match", [
    ({"draw": "test"}, "unknown data draw 'test'; allowed: main, validation"),
    ({"seed": 4, "draw": "validation"}, "give one or the other"),
])
def test_bad_draws_are_errors(bad, match):
    with pytest.raises(ValueError, match=match):
        DataSpec(**bad)


def test_the_runner_trains_each_master_seed_on_its_own_data_and_keys_it():
    sweep = Sweep.of(TINY, seeds=2, namespace="draws")
    tables = {m: Runner(RunCache(None), torch.device("cpu"), master_seed=m).run(sweep)
              for m in (0, 1, 2)}
    configs = {m: t.only().config for m, t in tables.items()}
    assert {m: c.data.seed for m, c in configs.items()} == {m: data_seed(m) for m in (0, 1, 2)}
    keys = {k for t in tables.values() for k in t.only().keys}
    assert len(keys) == 6  # the data seed is part of every run key
    assert tables[0].only().keys[0] == run_key(configs[0], tables[0].only().results[0].seed,
                                               torch.device("cpu"))
    data = {m: load_dataset(c.data) for m, c in configs.items()}
    assert not torch.equal(data[0].x_train, data[1].x_train)
    assert not torch.equal(data[1].x_test, data[2].x_test)
    assert stable_hash(configs[1]) != stable_hash(configs[2])


def test_the_validation_draw_is_not_the_main_draw_at_any_master_seed():
    for m in (0, 1, 2):
        main = load_dataset(DataSpec(name="angles", n_train=50, n_test=50).resolved(m))
        val = load_dataset(DataSpec(name="angles", n_train=50, n_test=50,
                                    draw=VALIDATION_DRAW).resolved(m))
        assert not torch.equal(main.x_train, val.x_train)
