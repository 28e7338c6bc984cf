"""Reliability: every fault of the README's "What survives what" table, as a test.

- a flipped bit or a hand edit in any stored entry is never read back as a result;
- every input that changes a result is in the run key;
- an unusable cache folder is a usage error at start-up naming the path;
- a full disk mid-session keeps the session's results, warns once, and trains nothing twice;
- configs are checked when built;
- a diverged run is an outcome, never a traceback;
- stale temporary files are removed, lock files do not pile up, files follow the umask.
"""
from __future__ import annotations

import collections
import dataclasses
import io
import math
import os
import time
import warnings

import numpy as np
import pytest
import torch

import claims.test_generalization as gen
import claims.test_known as known
import harness.data as hd
import harness.runs as hr
import harness.storage as storage
from harness.cache import RunCache
from harness.config import DataSpec, ModelSpec, TrainConfig
from harness.runs import CacheWriteWarning, Runner, Sweep, run_key
from harness.stats import INCONCLUSIVE, REFUTED, SUPPORTED
from harness.train import train_seeds

CPU = torch.device("cpu")
pytest_plugins = ["pytester"]


@pytest.fixture
def stored(tmp_path, tiny_config):
    """A real run stored in a cache: (cache, key, result, seed, config key)."""
    config = tiny_config(steps=4)
    (result,) = train_seeds(config, [11], config_key="cfg-key")
    cache = RunCache(tmp_path)
    assert cache.store("ab" * 16, result)
    return cache, "ab" * 16, result, 11, "cfg-key"


def same(a, b) -> bool:
    """Same run outcome (results load without their parameters, which are checked apart)."""
    return a.seed == b.seed and a.curves == b.curves and a.steps == b.steps


# -- integrity ------------------------------------------------------------------------------------

def test_no_single_flipped_bit_is_ever_read_back(stored):
    """Bits flipped one at a time at 400 positions spread over the whole entry, including
    inside the stored numbers: each read gives the original result or nothing, never another."""
    cache, key, result, seed, config_key = stored
    path = cache.path(key)
    original = path.read_bytes()
    positions = np.unique(np.linspace(0, len(original) * 8 - 1, 400).astype(int))
    for bit in positions:
        flipped = bytearray(original)
        flipped[bit // 8] ^= 1 << (bit % 8)
        path.write_bytes(bytes(flipped))
        loaded = cache.load(key, seed=seed, config_key=config_key)
        assert loaded is None, f"bit {bit} flipped was read back"
        assert not path.exists()  # removed, so it is recomputed
    path.write_bytes(original)
    assert same(cache.load(key, seed=seed, config_key=config_key), result)


def test_no_single_flipped_bit_in_stored_weights_is_ever_read_back(stored):
    cache, key, result, _, _ = stored
    path = cache.params_path(key)
    original = path.read_bytes()
    for bit in np.unique(np.linspace(0, len(original) * 8 - 1, 200).astype(int)):
        flipped = bytearray(original)
        flipped[bit // 8] ^= 1 << (bit % 8)
        path.write_bytes(bytes(flipped))
        assert cache.load_params(key) is None, f"bit {bit} flipped was read back"
        assert not path.exists()
    path.write_bytes(original)
    back = cache.load_params(key)
    assert all(torch.equal(back[k], result.params[k]) for k in result.params)


def test_a_hand_edited_entry_is_not_read(stored):
    """A changed number with the key intact fails the checksum; a re-checksummed entry whose
    seed or config is not the one asked for fails the request check."""
    cache, key, result, seed, config_key = stored
    path = cache.path(key)
    edited = dataclasses.replace(result, curves={**result.curves, "test_error": [0.0] * 3})
    buffer = io.BytesIO()
    torch.save({"format": 2, "key": key, "result": dataclasses.asdict(edited)}, buffer)
    good = path.read_bytes()
    header = good[:len(storage.MAGIC) + storage.DIGEST_HEX + 1]
    path.write_bytes(header + buffer.getvalue())  # new content behind the old checksum
    assert cache.load(key) is None
    storage.write_checked(path, buffer.getvalue())  # a valid entry, for another seed
    other = dataclasses.replace(result, seed=seed + 1)
    assert cache.store(key, other)
    assert cache.load(key, seed=seed, config_key=config_key) is None
    assert cache.store(key, result)
    assert cache.load(key, seed=seed, config_key="another config") is None


def test_a_flipped_bit_in_stored_data_regenerates_it(tmp_path):
    spec = DataSpec(name="mnist1d", n_train=100, n_test=100)
    hd._mnist1d_arrays.cache_clear()
    fresh = hd.load_dataset(spec, store=tmp_path)
    (path,) = tmp_path.glob("mnist1d-*.npz")
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x10
    path.write_bytes(bytes(blob))
    hd._mnist1d_arrays.cache_clear()
    again = hd.load_dataset(spec, store=tmp_path)
    assert torch.equal(fresh.x_train, again.x_train) and torch.equal(fresh.y_test, again.y_test)
    assert storage.read_checked(path) is not None  # rewritten whole


# -- complete keys --------------------------------------------------------------------------------

KEY_INPUTS = {
    "harness version": (hr, "__version__", "9.9.9"),
    "data generator version": (hr, "generator_version", lambda spec: "mnist1d 9.9"),
    "device model": (hr, "device_model", lambda device: "cuda:Another GPU"),
}


@pytest.mark.parametrize("what", sorted(KEY_INPUTS))
def test_changing_an_input_of_the_result_misses_the_key(what, tiny_config, monkeypatch):
    config = tiny_config("mnist1d")
    before = run_key(config, 1, CPU)
    module, name, value = KEY_INPUTS[what]
    monkeypatch.setattr(module, name, value)
    assert run_key(config, 1, CPU) != before


@pytest.mark.parametrize("package", ["torch", "np"])
def test_library_versions_are_in_the_key(tiny_config, monkeypatch, package):
    config = tiny_config()
    before = run_key(config, 1, CPU)
    monkeypatch.setattr(getattr(hr, package), "__version__", "0.0-other")
    assert run_key(config, 1, CPU) != before


def test_two_gpu_models_do_not_share_results(tiny_config, monkeypatch):
    config = tiny_config()
    monkeypatch.setattr(hr, "device_model", lambda device: "cuda:NVIDIA H100")
    h100 = run_key(config, 1, torch.device("cuda"))
    monkeypatch.setattr(hr, "device_model", lambda device: "cuda:NVIDIA A100")
    assert run_key(config, 1, torch.device("cuda")) != h100


def test_the_mnist1d_version_names_the_data_generator():
    assert hd.generator_version(DataSpec()).startswith("mnist1d ")
    assert hd.generator_version(DataSpec(name="angles")) == "harness synthetic"


# -- unusable cache folders -----------------------------------------------------------------------

def test_a_cache_path_that_is_a_file_is_a_usage_error(pytester):
    pytester.makeconftest('')  # the plugin comes from the pytest11 entry point
    target = pytester.path / "a-file"
    target.write_text("not a folder")
    result = pytester.runpytest("--claims-cache-dir", str(target))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--claims-cache-dir is not usable: '{target}' is not a "
                                 f"folder*"])


def test_a_read_only_cache_folder_is_a_usage_error(pytester, monkeypatch):
    pytester.makeconftest('')  # the plugin comes from the pytest11 entry point

    def read_only(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(storage.tempfile, "NamedTemporaryFile", read_only)
    result = pytester.runpytest("--claims-cache-dir", str(pytester.path / "cache"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--claims-cache-dir is not usable:*cache' is not writable: "
                                 "Read-only file system*"])


def test_a_full_disk_is_a_usage_error_at_start_up(pytester, monkeypatch):
    pytester.makeconftest('')  # the plugin comes from the pytest11 entry point
    monkeypatch.setattr(storage.shutil, "disk_usage",
                        lambda path: collections.namedtuple("Usage", "free")(1024))
    result = pytester.runpytest("--claims-cache-dir", str(pytester.path / "cache"))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cache' has 0.0 MiB free; the cache needs at least 64 MiB*"])


# -- running out of space mid-session -------------------------------------------------------------

def test_a_full_disk_mid_session_keeps_results_warns_once_and_trains_nothing_twice(
        tmp_path, tiny_config, monkeypatch):
    def disk_full(path, payload):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("harness.cache.write_checked", disk_full)
    runner = Runner(cache=RunCache(tmp_path), device=CPU, master_seed=0)
    sweep = Sweep.of(tiny_config(steps=4), seeds=2, namespace="full-disk",
                     grid={"model.width": [4, 8]})
    with pytest.warns(CacheWriteWarning, match=f"{tmp_path}.*No space left on device"):
        first = runner.run(sweep)
    assert runner.trained == 4 and all(len(p.results) == 2 for p in first.points)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once: no second warning
        second = runner.run(sweep)
    assert runner.trained == 4 and runner.reused == 4  # from memory, not retrained
    assert [r.curves for p in second.points for r in p.results] == [
        r.curves for p in first.points for r in p.results]
    assert not list((tmp_path / "runs").rglob("*.pt")) if (tmp_path / "runs").exists() else True


# -- configs checked when built ----------------------------------------------------------------

BAD_VALUES = [
    # (constructor, field, bad value, what the message must say)
    (DataSpec, "name", "imagenet", "allowed: mnist1d"),
    (DataSpec, "n_train", 2.5, "n_train must be an integer"),
    (DataSpec, "n_train", 0, "n_train must be an integer >= 1"),
    (DataSpec, "n_test", "100", "n_test must be an integer"),
    (DataSpec, "label_noise", math.nan, "label_noise must be a finite number in [0.0, 1.0]"),
    (DataSpec, "label_noise", 1.5, "label_noise must be a finite number"),
    (DataSpec, "random_labels", 1, "random_labels must be True or False"),
    (DataSpec, "seed", -1, "data seed must be an integer >= 0"),
    (DataSpec, "options", (("size", 3),), "unknown option 'size' for data set 'mnist1d'"),
    (DataSpec, "options", ("pool",), "options must be a tuple of (name, value) pairs"),
    (DataSpec, "control", "none!", "unknown data control"),
    (DataSpec, "draw", "holdout", "unknown data draw 'holdout'; allowed: main, validation"),
    (ModelSpec, "kind", "vit", "allowed: mlp, cnn"),
    (ModelSpec, "width", 2.5, "width must be an integer"),
    (ModelSpec, "depth", -1, "depth must be an integer >= 0"),
    (ModelSpec, "activation", "swish", "allowed: relu"),
    (ModelSpec, "init", "orthogonal", "allowed: default"),
    (ModelSpec, "init_scale", math.inf, "init_scale must be a finite number"),
    (ModelSpec, "residual", "yes", "residual must be True or False"),
    (ModelSpec, "norm", "batch", "allowed: none, layer"),
    (ModelSpec, "kernel_size", 0, "kernel_size must be an integer >= 1"),
    (TrainConfig, "model", "mlp", "model must be a ModelSpec"),
    (TrainConfig, "data", "mnist1d", "data must be a DataSpec"),
    (TrainConfig, "optimizer", "rmsprop", "allowed: sgd, adam"),
    (TrainConfig, "lr", math.inf, "lr must be a finite number in (0.0, inf]"),
    (TrainConfig, "lr", 0.0, "lr must be a finite number"),
    (TrainConfig, "momentum", 1.5, "momentum must be a finite number in [0.0, 1.0)"),
    (TrainConfig, "momentum", 1.0, "momentum must be a finite number"),
    (TrainConfig, "weight_decay", -0.1, "weight_decay must be a finite number"),
    (TrainConfig, "schedule", "linear", "allowed: constant"),
    (TrainConfig, "batch_size", 10.0, "batch_size must be an integer"),
    (TrainConfig, "steps", 1.5, "steps must be an integer"),
    (TrainConfig, "eval_points", 0, "eval_points must be an integer >= 1"),
    (TrainConfig, "eval_init", None, "eval_init must be True or False"),
    (TrainConfig, "spawn_step", -1, "spawn_step must be an integer >= 0"),
    (TrainConfig, "spawn_child", 0.5, "spawn_child must be an integer"),
    (TrainConfig, "augment", ("mixup",), "unknown augmentation 'mixup'"),
]


def test_the_bad_value_table_covers_every_field():
    covered = {(cls.__name__, name) for cls, name, _, _ in BAD_VALUES}
    every = {(cls.__name__, f.name) for cls in (DataSpec, ModelSpec, TrainConfig)
             for f in dataclasses.fields(cls)}
    assert every == covered, f"fields without a bad-value test: {sorted(every - covered)}"


@pytest.mark.parametrize("cls, name, bad, message", BAD_VALUES,
                         ids=[f"{c.__name__}.{n}={b!r}" for c, n, b, _ in BAD_VALUES])
def test_every_config_field_is_checked_when_built(cls, name, bad, message):
    with pytest.raises(ValueError) as err:
        cls(**{name: bad})
    assert message in str(err.value)
    assert repr(bad) in str(err.value) or name in ("options",)


def test_the_data_registry_is_what_the_loader_implements():
    from harness.config import DATASET_OPTIONS
    assert set(DATASET_OPTIONS) == set(hd.GENERATORS)


# -- divergence as an outcome ---------------------------------------------------------------------

NAN = float("nan")


def planted(groups, point=0, seed=0):
    """The same groups with one run (seed ``seed`` at ``point``) diverged."""
    out = [np.array(g, dtype=float) for g in groups]
    out[point][seed] = NAN
    return out


def test_a_diverged_run_counts_against_its_arm_not_a_traceback():
    """Intention to treat (``stats.counting_diverged``): a diverged run's error counts as 1 in
    the arm it diverged in, so a diverged width is worse, not silently dropped."""
    rng = np.random.default_rng(0)
    widths = [rng.normal(m, 0.01, 6) for m in np.linspace(0.5, 0.38, 7)]
    clean = known.width_lowers_test_error(widths)
    ev = known.width_lowers_test_error(planted(widths, point=3))
    assert clean.verdict == SUPPORTED and ev.verdict != SUPPORTED
    assert ev.details["diverged_runs"]["test_error_by_width"] == [0, 0, 0, 1, 0, 0, 0]
    depth = [rng.normal(m, 0.01, 4) for m in (0.42, 0.41, 0.43, 0.45, 0.47, 0.49)]
    assert known.depth_lowers_test_error(planted(depth)).verdict == REFUTED
    train = [np.zeros(4)] * 3
    ev = gen.gap_does_not_grow_with_width(planted(train, 1), planted(
        [rng.normal(m, 0.004, 4) for m in (0.385, 0.358, 0.334)], 1))
    assert ev.details["diverged_runs"] == {"train_error_by_width": [0, 1, 0],
                                           "test_error_by_width": [0, 1, 0]}
    assert ev.verdict != SUPPORTED  # the diverged net's gap counts as the worst, 1


def test_diverged_runs_in_the_baseline_arm_count_against_the_baseline():
    groups = [np.array([0.5, NAN, NAN]), np.array([0.6, 0.61, 0.59])]
    ev = gen.beats_a_linear_model(groups[1], groups[0])
    assert ev.details["diverged_runs"]["linear_accuracies"] == 2
    assert ev.details["diverged_as"] == 0.0


def test_divergence_is_failure_where_training_success_is_the_claim():
    ev = known.sgd_reaches_global_minimum([0.0] * 11 + [NAN], [0.01] * 11 + [NAN])
    assert ev.details["successes"] == 11


def test_a_planted_diverged_seed_in_real_training_gives_a_verdict(tmp_path, tiny_config):
    """A learning rate that blows up some seeds: the runs come back NaN, and a judgement over
    them decides without a traceback."""
    runner = Runner(cache=RunCache(tmp_path), device=CPU, master_seed=0)
    runs = runner.run(Sweep.of(tiny_config("classes", lr=1e6, steps=30), seeds=3,
                               namespace="diverge", grid={"model.width": [4, 8]}))
    errors = runs.metric("test_error")
    assert all(np.isnan(e).all() for e in errors)
    ev = known.width_lowers_test_error(errors, widths=[4, 8])
    assert ev.verdict == INCONCLUSIVE
    assert ev.details["reason"].startswith("every run diverged (6 non-finite values)")


# -- housekeeping ---------------------------------------------------------------------------------

def test_stale_temporaries_are_removed_and_fresh_ones_kept(tmp_path):
    old = tmp_path / "runs" / "ab" / ".abc.pt.123.tmp"
    new = tmp_path / "runs" / "ab" / ".abd.pt.456.tmp"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"half")
    new.write_bytes(b"half")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    assert RunCache(tmp_path).remove_stale_temporaries() == 1
    assert not old.exists() and new.exists()


def test_lock_files_do_not_pile_up(tmp_path):
    cache = RunCache(tmp_path)
    keys = [f"{i:032x}" for i in range(0, 2 ** 20, 997)]
    with cache.locks(keys):
        pass
    with cache.locks(["ab" * 16, "ab" + "c" * 30, "ab" * 16]):  # a key twice: no self-deadlock
        assert len(list((tmp_path / "locks").iterdir())) == 2
    assert list((tmp_path / "locks").iterdir()) == []  # each holder removes its lock file


def _hold(cache, keys, holding, release):
    with cache.locks(keys):
        holding.set()
        release.wait(10)


def test_disjoint_keys_lock_concurrently_and_a_shared_key_waits(tmp_path):
    """Two workers' stacks share no run, so neither waits for the other (keys of one prefix
    included); a run both need is trained by one at a time."""
    import threading
    cache = RunCache(tmp_path)
    first = ["ab" + "0" * 30, "cd" + "0" * 30]
    holding, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold, args=(cache, first, holding, release))
    holder.start()
    try:
        assert holding.wait(10)
        other_holding, other_release = threading.Event(), threading.Event()
        other_release.set()
        disjoint = threading.Thread(target=_hold, args=(
            cache, ["ab" + "1" * 30, "cd" + "1" * 30], other_holding, other_release))
        disjoint.start()
        assert other_holding.wait(5), "disjoint keys waited for another holder"
        disjoint.join(5)
        shared_holding, shared_release = threading.Event(), threading.Event()
        shared_release.set()
        shared = threading.Thread(target=_hold, args=(
            cache, ["ff" + "1" * 30, first[1]], shared_holding, shared_release))
        shared.start()
        assert not shared_holding.wait(0.5), "a key held elsewhere was taken twice"
    finally:
        release.set()
        holder.join(10)
    assert shared_holding.wait(10)  # taken once the holder released it
    shared.join(10)
    assert list((tmp_path / "locks").iterdir()) == []


@pytest.mark.parametrize("umask, mode", [(0o002, 0o664), (0o077, 0o600)])
def test_files_follow_the_umask_so_a_group_can_share_the_cache(stored, umask, mode):
    cache, key, result, _, _ = stored
    old = os.umask(umask)
    try:
        assert cache.store(key, result)
        assert cache.path(key).stat().st_mode & 0o777 == mode
    finally:
        os.umask(old)
