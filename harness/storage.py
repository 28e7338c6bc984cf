"""Files that are whole and unaltered, or absent: atomic, checksummed writes and verified reads.

Every stored entry (a run, generated data) is written to a temporary file in its folder, flushed,
fsynced and renamed over its final name, so a reader sees a whole file or none. The file starts
with a magic line and the SHA-256 of its payload; a read that finds any other content (a flipped
bit, a truncation, a hand edit, a foreign file) raises ``CorruptEntry`` instead of returning it.
``torch.load`` and ``np.load`` do not check the zip checksums they carry, so without this a flipped
bit inside a stored number was read back as a result.

Files follow the user's umask (``tempfile`` alone would make them private), so a group can share
one cache folder.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

MAGIC = b"deepclaims-entry-v1\n"
DIGEST_HEX = 64
TEMP_SUFFIX = ".tmp"
STALE_AFTER_S = 600.0  # a write takes milliseconds; a temp file this old was left by a kill
MIN_FREE_BYTES = 64 * 2 ** 20


class CorruptEntry(ValueError):
    """A stored file whose content is not what was written."""


def file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_checked(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` atomically, behind its checksum. Raises ``OSError`` (no
    space, read-only, ...) with nothing left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(payload).hexdigest().encode()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + digest + b"\n" + payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_checked(path: Path) -> bytes | None:
    """The payload stored at ``path``; None when there is no file; ``CorruptEntry`` when its
    content does not match its checksum."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    head = len(MAGIC) + DIGEST_HEX + 1
    if len(blob) < head or not blob.startswith(MAGIC) or blob[head - 1:head] != b"\n":
        raise CorruptEntry(f"{path}: not a deepclaims entry (bad header)")
    stored = blob[len(MAGIC):head - 1]
    payload = blob[head:]
    if hashlib.sha256(payload).hexdigest().encode() != stored:
        raise CorruptEntry(f"{path}: content does not match its checksum")
    return payload


def remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def remove_stale_temporaries(root: Path, older_than_s: float = STALE_AFTER_S) -> int:
    """Delete temporary files under ``root`` left by killed sessions; returns how many."""
    now, removed = time.time(), 0
    for tmp in root.rglob(f".*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > older_than_s:
                tmp.unlink()
                removed += 1
    return removed


def check_writable_folder(root: Path, subfolders: tuple[str, ...] = ()) -> None:
    """Raise ``ValueError`` naming ``root`` unless it is (or can be made) a folder this process
    can write to, with room for at least ``MIN_FREE_BYTES``."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValueError(f"{str(root)!r} is not a folder") from None
    except OSError as err:
        raise ValueError(f"{str(root)!r} cannot be created: {err.strerror}") from None
    if not root.is_dir():
        raise ValueError(f"{str(root)!r} is not a folder")
    for sub in (root, *(root / s for s in subfolders)):
        try:
            sub.mkdir(exist_ok=True)
            probe = tempfile.NamedTemporaryFile(dir=sub, prefix=".probe.", suffix=TEMP_SUFFIX)
            probe.close()
        except (FileExistsError, NotADirectoryError):
            raise ValueError(f"{str(sub)!r} is not a folder") from None
        except OSError as err:
            raise ValueError(f"{str(sub)!r} is not writable: {err.strerror}") from None
    free = shutil.disk_usage(root).free
    if free < MIN_FREE_BYTES:
        raise ValueError(f"{str(root)!r} has {free / 2 ** 20:.1f} MiB free; the cache needs at "
                         f"least {MIN_FREE_BYTES // 2 ** 20} MiB")
