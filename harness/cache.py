"""A content-addressed, checksummed store of run results, shared between processes.

Entries are written atomically behind a checksum (``storage``); a read verifies the checksum, the
format, and that the entry's key, seed and config key are the ones asked for. Anything else (a
flipped bit, a truncated or foreign file, a hand-edited entry) is removed and treated as absent, so
it is recomputed, never returned. Training of a run is serialised by an advisory file lock, so
parallel workers (pytest-xdist) that need the same run train it once; each lock file is removed
by its holder, so they do not pile up. A store that fails (no space, read-only) is reported once
and the cache stops writing; the result itself is kept by the caller.
"""
from __future__ import annotations

import contextlib
import fcntl
import io
import os
from dataclasses import asdict
from pathlib import Path
from typing import Iterable, Iterator

import torch

from .storage import CorruptEntry, read_checked, remove, remove_stale_temporaries, write_checked
from .train import RunResult

FORMAT = 2
SUBFOLDERS = ("runs", "locks", "data", "measurements")


def _serialized(blob: dict) -> bytes:
    buffer = io.BytesIO()
    torch.save(blob, buffer)
    return buffer.getvalue()


def _read_entry(path: Path, key: str) -> dict | None:
    """The stored dict at ``path`` for run ``key``; None when absent; ``CorruptEntry`` (or any
    load error) when it is not whole, not ours, or another run's."""
    payload = read_checked(path)
    if payload is None:
        return None
    blob = torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True)
    if blob.get("format") != FORMAT or blob.get("key") != key:
        raise CorruptEntry(f"{path}: foreign or outdated entry")
    return blob


class RunCache:
    """Results under ``root/runs/<key[:2]>/<key>.pt``, each run's final parameters beside it in
    ``<key>.params.pt``; ``root=None`` disables storage. Results load without their parameters
    (a claim's statistics never need them); ``load_params`` reads them on demand."""

    def __init__(self, root: Path | str | None, *, writable: bool = True):
        self.root = Path(root) if root is not None else None
        self.writable = writable
        self.write_failure: str | None = None

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / "runs" / key[:2] / f"{key}.pt"

    def params_path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / "runs" / key[:2] / f"{key}.params.pt"

    def load(self, key: str, *, seed: int | None = None, config_key: str | None = None
             ) -> RunResult | None:
        """The stored result of run ``key``, or None. ``seed`` and ``config_key``, when given,
        must match what the entry records."""
        if self.root is None:
            return None
        path = self.path(key)
        try:
            blob = _read_entry(path, key)
            if blob is None:
                return None
            record = dict(blob["result"])
            record.pop("params", None)  # parameters live in their own file
            result = RunResult(**record)
            if seed is not None and result.seed != seed:
                raise CorruptEntry(f"{path}: seed {result.seed}, asked for {seed}")
            if config_key is not None and result.config_key != config_key:
                raise CorruptEntry(f"{path}: config {result.config_key}, asked for {config_key}")
        except Exception:  # corrupt, truncated, foreign or mismatched: recompute it
            remove(path)
            return None
        return result

    def store(self, key: str, result: RunResult) -> bool:
        """Store a result; False when storing is off (``writable=False``, after a failure this
        session) or the folder cannot take it (then ``write_failure`` names why and further
        stores are skipped)."""
        if self.root is None or not self.writable or self.write_failure is not None:
            return False
        path = self.path(key)
        record = asdict(result)
        params = record.pop("params")
        try:
            if params is not None:  # first, so a stored result always has its parameters
                write_checked(self.params_path(key), _serialized(
                    {"format": FORMAT, "key": key, "params": params}))
            write_checked(path, _serialized({"format": FORMAT, "key": key, "result": record}))
        except OSError as err:
            self.write_failure = f"{path.parent}: {err.strerror or err}"
            return False
        return True

    def load_params(self, key: str) -> dict[str, torch.Tensor] | None:
        """The final parameters of run ``key`` (one seed's tensors, no seed axis), or None when
        absent or not whole (the file is then removed)."""
        if self.root is None:
            return None
        path = self.params_path(key)
        try:
            blob = _read_entry(path, key)
            return None if blob is None else blob["params"]
        except Exception:  # corrupt, truncated or foreign: the caller retrains the run
            remove(path)
            return None

    def forget(self, key: str) -> None:
        """Remove run ``key``'s entry and parameters, so it trains again."""
        if self.root is not None:
            remove(self.path(key))
            remove(self.params_path(key))

    def remove_stale_temporaries(self) -> int:
        return remove_stale_temporaries(self.root) if self.root is not None else 0

    @contextlib.contextmanager
    def locks(self, keys: Iterable[str]) -> Iterator[None]:
        """Exclusive across processes on this machine for every key while the block runs.

        One lock file per key, taken in sorted order (two processes never deadlock) and removed
        by its holder before release, so lock files do not pile up. Locks shared between keys
        (this cache once striped them over 256 files) serialised the worker processes: two
        stacks of 30 runs almost always shared a stripe, so the second waited for the first to
        finish training."""
        if self.root is None:
            yield
            return
        lock_dir = self.root / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.ExitStack() as stack:
            for key in sorted(set(keys)):
                stack.enter_context(_held(lock_dir / f"{key}.lock"))
            yield


@contextlib.contextmanager
def _held(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path``, removed while still held. A waiter that wakes on a file
    its holder has removed finds the path gone or another file there, and tries again."""
    while True:
        fh = open(path, "a+")
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            if os.fstat(fh.fileno()).st_ino == os.stat(path).st_ino:
                break
        except FileNotFoundError:
            pass
        fh.close()
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()
