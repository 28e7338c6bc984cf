"""Configs: a content hash that is stable across processes, dotted updates, clear errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from harness.config import (STACKABLE, DataSpec, ModelSpec, TrainConfig, canonical,
                            epochs_to_steps, get_path, stable_hash, stack_key)

# Every kind of value a config holds: nested specs, floats, bools, strings, option tuples.
RICH_SOURCE = """TrainConfig(
    model=ModelSpec(kind="cnn", width=8, depth=3, activation="tanh", init="he", init_scale=0.5),
    data=DataSpec(name="teacher_student", n_train=300, n_test=50, label_noise=0.1, seed=7,
                  options=(("classes", 4), ("dim", 12))),
    optimizer="adam", lr=3e-4, momentum=0.9, weight_decay=1e-5, schedule="cosine",
    batch_size=30, steps=77, eval_points=7,
)"""
RICH = eval(RICH_SOURCE)
HASHED = ("TrainConfig()", RICH_SOURCE, '"a", {"b": 1, "a": 2}', "0.1, 1e-300, True, None")

SUBPROCESS_HASHES = "\n".join([
    "import json",
    "from harness.config import DataSpec, ModelSpec, TrainConfig, stable_hash",
    f"print(json.dumps([{', '.join(f'stable_hash({h})' for h in HASHED)}]))",
])


def test_stable_hash_is_the_same_in_another_process_with_another_hash_seed():
    here = [eval(f"stable_hash({h})") for h in HASHED]
    assert len(set(here)) == len(here)
    current = os.environ.get("PYTHONHASHSEED")
    for hash_seed in ("0", "12345"):
        if hash_seed == current:
            continue
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run([sys.executable, "-c", SUBPROCESS_HASHES], env=env, check=True,
                             capture_output=True, text=True, timeout=60)
        assert json.loads(out.stdout) == here


def test_stable_hash_is_deterministic_and_sized():
    assert stable_hash(RICH) == stable_hash(RICH)
    assert stable_hash(TrainConfig()) == stable_hash(TrainConfig())
    assert len(stable_hash(RICH)) == 16
    assert len(stable_hash(RICH, length=32)) == 32
    assert all(c in "0123456789abcdef" for c in stable_hash(RICH, length=64))


def test_stable_hash_ignores_dict_order_but_not_tuple_order():
    assert stable_hash({"a": 1, "b": 2}) == stable_hash({"b": 2, "a": 1})
    assert stable_hash((1, 2)) != stable_hash((2, 1))


# One changed value for every field of every config class.
FIELD_CHANGES = {
    "model.kind": "cnn", "model.width": 101, "model.depth": 3, "model.activation": "tanh",
    "model.init": "he", "model.init_scale": 0.5, "model.residual": True, "model.norm": "layer",
    "model.kernel_size": 5,
    "data.name": "angles", "data.n_train": 4001, "data.n_test": 999, "data.label_noise": 0.2,
    "data.random_labels": True, "data.seed": 43, "data.options": (("pool", 6000),),
    "data.control": "shuffled_labels", "data.draw": "validation",
    "optimizer": "adam", "lr": 0.02, "momentum": 0.9, "weight_decay": 1e-4,
    "schedule": "cosine", "batch_size": 50, "steps": 999, "eval_points": 6, "eval_init": False,
    "spawn_step": 5, "spawn_child": 1, "augment": ("shift",),
}
# A field that is only valid beside another's value: the base of its change has that value.
COMPANIONS = {"spawn_step": {"spawn_child": 1}}


def _all_field_paths(obj, prefix=""):
    import dataclasses
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            yield from _all_field_paths(value, f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}"


def test_every_field_is_covered_by_the_change_table():
    assert set(_all_field_paths(TrainConfig())) == set(FIELD_CHANGES)


@pytest.mark.parametrize("path", sorted(FIELD_CHANGES))
def test_stable_hash_changes_when_any_field_changes(path):
    base = TrainConfig().with_values(**COMPANIONS.get(path, {}))
    changed = base.with_values(**{path: FIELD_CHANGES[path]})
    assert get_path(changed, path) == FIELD_CHANGES[path]
    assert changed != base
    assert stable_hash(changed) != stable_hash(base)


def test_stable_hash_distinguishes_config_types_with_equal_fields():
    assert canonical(DataSpec())["__type__"] == "DataSpec"
    assert stable_hash(ModelSpec()) != stable_hash(DataSpec())


def test_canonical_rejects_values_it_cannot_hash_stably():
    with pytest.raises(TypeError, match="set"):
        canonical({1, 2})


def test_with_values_replaces_nested_fields_by_dotted_path():
    base = TrainConfig()
    new = base.with_values(**{"model.width": 64, "model.depth": 1, "data.n_train": 500, "lr": 0.5})
    assert (new.model.width, new.model.depth, new.data.n_train, new.lr) == (64, 1, 500, 0.5)
    # untouched fields keep their values, and the original is not mutated
    assert new.model.activation == base.model.activation
    assert new.data.n_test == base.data.n_test
    assert new.optimizer == base.optimizer
    assert base.model.width == 100 and base.data.n_train == 4000 and base.lr == 0.01


def test_with_values_replaces_a_whole_nested_spec():
    spec = DataSpec(name="angles", n_train=100, n_test=10)
    new = TrainConfig().with_values(data=spec)
    assert new.data is spec


def test_with_values_revalidates_the_result():
    with pytest.raises(ValueError, match="batch_size 100 exceeds n_train 50"):
        TrainConfig().with_values(**{"data.n_train": 50})


@pytest.mark.parametrize("path, known", [
    ("widht", "batch_size"),
    ("model.widht", "width"),
    ("data.nam", "n_train"),
])
def test_unknown_field_is_a_value_error_naming_it_and_the_known_ones(path, known):
    with pytest.raises(ValueError) as err:
        TrainConfig().with_values(**{path: 1})
    assert repr(path.split(".")[-1]) in str(err.value)
    assert known in str(err.value)


def test_a_path_through_a_plain_value_is_an_error():
    # (a TypeError from dataclasses.fields today, which does not name the path)
    with pytest.raises((ValueError, TypeError)):
        TrainConfig().with_values(**{"model.width.x": 1})


@pytest.mark.parametrize("make, bad, allowed", [
    (lambda: ModelSpec(kind="rnn"), "'rnn'", ["mlp", "cnn"]),
    (lambda: ModelSpec(activation="swish"), "'swish'", ["relu", "tanh", "sigmoid", "gelu"]),
    (lambda: ModelSpec(norm="batch"), "'batch'", ["none", "layer"]),
    (lambda: ModelSpec(init="orthogonal"), "'orthogonal'", ["default", "he", "xavier", "zero"]),
    (lambda: TrainConfig(optimizer="rmsprop"), "'rmsprop'", ["sgd", "adam"]),
    (lambda: TrainConfig(schedule="linear"), "'linear'", ["constant", "cosine", "step"]),
    (lambda: TrainConfig().with_values(**{"model.kind": "vit"}), "'vit'", ["mlp", "cnn"]),
    (lambda: DataSpec(control="no_labels"), "'no_labels'",
     ["none", "shuffled_labels", "shuffled_inputs"]),
])
def test_bad_choice_names_the_value_and_the_allowed_ones(make, bad, allowed):
    with pytest.raises(ValueError) as err:
        make()
    message = str(err.value)
    assert bad in message
    for choice in allowed:
        assert choice in message


def test_zero_is_allowed_where_it_means_something():
    assert ModelSpec(kind="mlp", depth=0).depth == 0  # a linear model
    assert ModelSpec(init_scale=0.0).init_scale == 0.0
    assert TrainConfig(momentum=0.0, weight_decay=0.0).momentum == 0.0


def test_label_noise_and_random_labels_are_exclusive():
    with pytest.raises(ValueError, match="exclusive"):
        DataSpec(label_noise=0.1, random_labels=True)


def test_configs_are_frozen():
    with pytest.raises(AttributeError):
        TrainConfig().lr = 1.0  # type: ignore[misc]


def test_epochs_and_steps():
    cfg = TrainConfig(steps=400, batch_size=100, data=DataSpec(n_train=4000))
    assert cfg.epochs() == pytest.approx(10.0)
    assert epochs_to_steps(150, 4000, 100) == 6000
    assert epochs_to_steps(2, 250, 100) == 4  # the partial batch of each epoch is dropped


def test_data_option_lookup():
    spec = DataSpec(name="teacher_student", options=(("dim", 5),))
    assert spec.option("dim") == 5
    assert spec.option("missing", "fallback") == "fallback"


def test_a_retired_field_keeps_run_keys_and_seeds_where_they_were():
    """``keep_params`` left TrainConfig (every run keeps its weights now); configs hash as they
    did with it at False, so the decided claims keep their seeds. Values recorded before the
    change: the width sweep's first point, on the data seed 42 it had then."""
    from claims.recipes import WIDTH_RECIPE, WIDTH_SWEEP
    from harness.seeding import derive_seed
    config = WIDTH_RECIPE.with_values(**{"model.width": 16, "data.seed": 42})
    assert stable_hash(config) == "865449b055fbd758"
    assert derive_seed(0, WIDTH_SWEEP, config, 0) == 3036382684401932274


def test_fields_added_later_leave_the_hash_of_older_configs_alone():
    """``spawn_step`` and ``spawn_child`` came after runs were cached: at their defaults they
    are not in the canonical form, so no earlier run key or seed moved."""
    assert "spawn_step" not in canonical(TrainConfig())
    assert "spawn_child" not in canonical(TrainConfig())
    assert canonical(TrainConfig(spawn_child=1))["spawn_child"] == 1


def test_a_spawn_needs_a_child_and_a_step_within_the_run():
    with pytest.raises(ValueError, match="spawn_child"):
        TrainConfig(spawn_step=3)
    with pytest.raises(ValueError, match="spawn_step 2000 is beyond"):
        TrainConfig(steps=1000, spawn_step=2000, spawn_child=1)
    assert TrainConfig(spawn_step=3, spawn_child=1).lineage() == TrainConfig()


def test_configs_stack_when_they_differ_only_in_per_member_values():
    base = TrainConfig()
    same = [base.with_values(**{path: FIELD_CHANGES[path], **COMPANIONS.get(path, {})})
            for path in STACKABLE]
    assert {stack_key(c) for c in same} == {stack_key(base)}
    for path in sorted(set(FIELD_CHANGES) - set(STACKABLE)):
        other = base.with_values(**{path: FIELD_CHANGES[path], **COMPANIONS.get(path, {})})
        assert stack_key(other) != stack_key(base), path
