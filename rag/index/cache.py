"""Caches derived from the store, shared by the passage BM25 and the catalog.

Both are stamped with the store's state token and saved beside the index. ``atomic_folder``
writes a cache folder atomically: into a private staging folder, then swapped in by renames,
so that several processes may save the same cache and a reader never sees half of one (it
sees a nonce mismatch and rebuilds instead).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_folder(folder: Path) -> Iterator[tuple[Path, str]]:
    """Yield (staging folder, nonce): write the cache there; on exit it replaces ``folder``.

    The nonce is unique to this save; write it into the cache's files so that a reader can
    tell two saves apart. Staging and replaced folders are removed whatever happens.
    """
    folder = Path(folder)
    nonce = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging = folder.with_name(f"{folder.name}.tmp-{nonce}")
    old = folder.with_name(f"{folder.name}.old-{nonce}")
    try:
        staging.mkdir(parents=True)
        yield staging, nonce
        if folder.is_file():  # the single-file cache of an older version
            folder.unlink()
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
