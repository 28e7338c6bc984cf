"""Saved sessions: numbered results files in a storage folder, never overwritten.

Like pytest-benchmark's storage: ``0001_<name>.json``, ``0002_<name>.json``, … A save takes the
next free number by creating the file with a hard link from a whole temporary file, which fails
rather than replaces when the name exists, so two sessions saving at once never overwrite each
other and a reader never sees half a file.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from ..storage import file_mode
from .records import SchemaError, SessionRecord

SAVED = re.compile(r"^(\d{4,})_(.+)\.json$")
NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def _dump(data: dict, fh) -> None:
    json.dump(data, fh, indent=1, allow_nan=False, ensure_ascii=False)
    fh.write("\n")


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as JSON to ``path`` atomically (a whole file or the old one). Keys keep
    their order: the parts of a combined claim are in declared order, which decides which
    part speaks for a refuted claim."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            _dump(data, fh)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_results(path: Path) -> SessionRecord:
    """A results file, checked against the schema; ``SchemaError`` names what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise SchemaError(f"{path}: cannot read: {err.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise SchemaError(f"{path}: not JSON ({err})") from None
    return SessionRecord.from_dict(data, source=str(path))


def saved_runs(storage: Path) -> list[Path]:
    """Saved results files in ``storage``, oldest (lowest number) first."""
    if not storage.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in storage.iterdir() if (m := SAVED.match(p.name))]
    return [p for _, p in sorted(found)]


def save(record: SessionRecord, storage: Path, name: str) -> Path:
    """Save ``record`` under the next free number; returns the new file's path."""
    if not NAME.match(name):
        raise ValueError(f"save name {name!r} may only contain letters, digits, '.', '_' and '-'")
    storage.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=storage, prefix=".save.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            _dump(record.to_dict(), fh)
        os.chmod(tmp, file_mode())
        existing = saved_runs(storage)
        number = int(SAVED.match(existing[-1].name).group(1)) + 1 if existing else 1
        while True:
            target = storage / f"{number:04d}_{name}.json"
            try:
                os.link(tmp, target)
                return target
            except FileExistsError:
                number += 1
    finally:
        os.unlink(tmp)


def autosave_name(record: SessionRecord) -> str:
    """<commit>_<date>[_dirty], as pytest-benchmark names its autosaves."""
    stamp = record.started.replace("-", "").replace(":", "").replace("+0000", "")[:15]
    if not record.git:
        return f"nogit_{stamp}"
    return f"{record.git['commit'][:8]}_{stamp}" + ("_dirty" if record.git["dirty"] else "")


def find_saved(storage: Path, ref: str) -> Path:
    """The results file ``ref`` names: 'latest', a saved run's number (``3`` or ``0003``), its
    save name or file name, or a path. ``FileNotFoundError`` says what was looked for and what
    exists."""
    runs = saved_runs(storage)
    if ref == "latest":
        if not runs:
            raise FileNotFoundError(f"no saved runs in {storage} to compare with; save one "
                                    f"first with --claims-save NAME or --claims-autosave")
        return runs[-1]
    if ref.isdigit():
        for p in runs:
            if int(SAVED.match(p.name).group(1)) == int(ref):
                return p
    for p in reversed(runs):  # a name saved more than once means its latest save
        if ref in (p.name, p.stem, SAVED.match(p.name).group(2)):
            return p
    path = Path(ref)
    if path.is_file():
        return path
    listing = ", ".join(p.name for p in runs[-5:]) or "none"
    raise FileNotFoundError(f"no saved run {ref!r}: not a number or name in {storage} "
                            f"(latest: {listing}) and not a file")
