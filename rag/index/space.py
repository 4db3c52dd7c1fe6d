"""A full disk: how it is recognised, and the space kept back so that the index stays readable.

Chroma cannot even open an embedded index on a disk with no byte free (SQLite needs a little
room to start). An embedded index therefore keeps a small reserve file beside its data: an
ingest that fills the disk deletes it and stops, and opening the index on a full disk deletes
it and tries again, so that questions and the reports list keep working from what is there.
The next ingest writes the reserve again when there is room for it. Before a file is written,
the ingest also checks that it would leave ``min_free_mb`` free (Chroma compacts its log after
writes, and fails half-way when the disk fills meanwhile), and stops short of it otherwise.
"""

from __future__ import annotations

import contextlib
import errno
import shutil
from pathlib import Path

#: Bytes kept back beside an embedded index (Chroma needs some kilobytes to open).
RESERVE_BYTES = 1_000_000
RESERVE_NAME = ".space-reserve"
#: A store error that names no cause is taken for a full disk when less than this is free.
LOW_SPACE = 64_000_000
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_FULL_MESSAGES = ("no space left on device", "database or disk is full", "disk quota exceeded")


class DiskFullError(RuntimeError):
    """The disk holding the index is full; ``str(err)`` says so in one line."""


#: Bytes of index written per byte of a report's text (passages, sentence vectors, full text, logs).
INDEX_BYTES_PER_CHAR = 40


def check_room(folder: Path, text: str, min_free: int) -> None:
    """Raise ``DiskFullError`` when indexing ``text`` would leave less than ``min_free`` bytes
    free on ``folder``'s disk."""
    free, need = free_bytes(folder), INDEX_BYTES_PER_CHAR * len(text) + min_free
    if free < need:
        raise DiskFullError(
            f"disk full: {free / 1e6:,.1f} MB free, this report needs about {need / 1e6:,.1f} MB"
        )


def disk_full_note(indexed: int, total: int) -> str:
    """The line an ingest stopped by a full disk reports."""
    return f"disk full: {indexed} of {total} files indexed, the rest not"


def is_disk_full(err: BaseException, folder: Path | None = None) -> bool:
    """True when ``err`` (or an error it came from) says the disk is full, or, for an error of
    the store whose message names no cause, when ``folder``'s disk has less than the reserve free."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, DiskFullError):
            return True
        if isinstance(seen, OSError) and seen.errno in _FULL_ERRNOS:
            return True
        if any(message in str(seen).lower() for message in _FULL_MESSAGES):
            return True
        seen = seen.__cause__ or seen.__context__
    return folder is not None and not isinstance(err, OSError) and free_bytes(folder) < LOW_SPACE


def free_bytes(folder: Path) -> int:
    """Bytes free on the disk that holds ``folder`` (a large number if it cannot be told)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return 1 << 62


def keep_reserve(folder: Path) -> bool:
    """Write the reserve file in ``folder`` if it is missing; False when there is no room."""
    path = Path(folder) / RESERVE_NAME
    if path.is_file() and path.stat().st_size >= RESERVE_BYTES:
        return True
    try:
        with path.open("wb") as handle:
            handle.write(bytes(RESERVE_BYTES))
            handle.flush()
        return True
    except OSError:
        path.unlink(missing_ok=True)
        return False


def release_reserve(folder: Path) -> bool:
    """Delete the reserve file (room for the index to open and to finish); True if there was one."""
    with contextlib.suppress(OSError):
        (Path(folder) / RESERVE_NAME).unlink()
        return True
    return False
