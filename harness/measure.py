"""Measurements on trained runs: computed once, cached by the runs they read.

A measurement is a function of one or more trained runs (a barrier between a pair, a matching, a
curve fitted between two solutions) whose result is plain JSON (numbers, lists, dicts). Its key
is its name, its version, the keys of the runs it reads (which already name their configs,
seeds, versions and device) and its own parameters; raise the version whenever the function
changes what it returns. Entries are checksummed like run entries; a damaged one is recomputed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from .config import stable_hash
from .runs import Runner, SweepPoint, TrainedRun
from .storage import CorruptEntry, read_checked, remove, write_checked


@dataclass
class Measurements:
    """``measure(name, fn, runs=[(point, replicate), ...], version=1, **params)``."""

    runner: Runner
    root: Path | None
    computed: int = 0
    reused: int = 0

    def path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / key[:2] / f"{key}.json"

    def key(self, name: str, version: int, run_keys: Sequence[str], params: dict) -> str:
        return stable_hash("measurement", name, int(version), list(run_keys), params, length=32)

    def __call__(self, name: str, fn: Callable[..., Any], *,
                 runs: Sequence[tuple[SweepPoint, int]], version: int = 1, **params: Any) -> Any:
        if not name or not isinstance(version, int) or version < 1:
            raise ValueError(f"a measurement needs a name and an integer version >= 1, got "
                             f"name={name!r}, version={version!r}")
        if not runs:
            raise ValueError(f"measurement {name!r} reads no runs")
        run_keys = [point.keys[i] for point, i in runs]
        key = self.key(name, version, run_keys, params)
        cached = self._load(key)
        if cached is not None:
            self.reused += 1
            return cached["value"]
        trained: list[TrainedRun] = [self.runner.trained_run(point, i) for point, i in runs]
        value = fn(*trained, **params)
        text = json.dumps({"name": name, "version": version, "runs": run_keys,
                           "value": value}, allow_nan=True)
        self.computed += 1
        self._store(key, text)
        return json.loads(text)["value"]  # what a later session reads back, exactly

    def _load(self, key: str) -> dict | None:
        if self.root is None:
            return None
        path = self.path(key)
        try:
            payload = read_checked(path)
            return None if payload is None else json.loads(payload)
        except (CorruptEntry, ValueError):
            remove(path)
            return None

    def _store(self, key: str, text: str) -> None:
        if self.root is None:
            return
        try:
            write_checked(self.path(key), text.encode())
        except OSError:
            pass  # the value is returned regardless; the next session recomputes it
