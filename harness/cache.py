"""A content-addressed, crash-safe store of run results, shared between processes.

A result is written to a temporary file in the same folder, flushed and fsynced, then renamed over
its final name, so a reader sees either nothing or a whole file. A file that cannot be read, or
whose embedded key differs from its name, is treated as absent and removed: a truncated or foreign
file is never returned as a result. Training of one group is serialised by an advisory file lock,
so parallel workers (pytest-xdist) that need the same run train it once.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

import torch

from .train import RunResult

FORMAT = 1


class RunCache:
    """Results under ``root/runs/<key[:2]>/<key>.pt``; ``root=None`` disables storage."""

    def __init__(self, root: Path | str | None):
        self.root = Path(root) if root is not None else None

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def path(self, key: str) -> Path:
        assert self.root is not None
        return self.root / "runs" / key[:2] / f"{key}.pt"

    def load(self, key: str) -> RunResult | None:
        if self.root is None:
            return None
        path = self.path(key)
        try:
            blob = torch.load(path, map_location="cpu", weights_only=True)
            if blob.get("format") != FORMAT or blob.get("key") != key:
                raise ValueError("foreign or outdated cache entry")
            result = RunResult(**blob["result"])
        except FileNotFoundError:
            return None
        except Exception:  # unreadable: truncated, corrupt, or another format
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return result

    def store(self, key: str, result: RunResult) -> None:
        if self.root is None:
            return
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        blob = {"format": FORMAT, "key": key, "result": asdict(result)}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                torch.save(blob, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Exclusive across processes on this machine while the block runs."""
        if self.root is None:
            yield
            return
        lock_dir = self.root / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        with open(lock_dir / f"{name}.lock", "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
