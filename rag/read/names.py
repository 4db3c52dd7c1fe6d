"""Source names for ingested files: distinct files never share a name, the same file keeps its own.

A report's source name is its path relative to the folder it was found in (or its file name
when the file was given directly). Each report record also keeps its *origin*, the absolute
path of the file it was read from, so that:

- the same path ingested again keeps its name and updates the report;
- another file whose natural name is taken (by another origin in the index, or by another
  file earlier in the same call) is named by more of its path (``other-folder/report.txt``),
  and if even its whole path is taken, ``report (2).txt``;
- a file whose natural name is held by a report with the very same content (an upload of a
  report already indexed from elsewhere) is that report: unchanged, not a second copy;
- a report indexed before origins were recorded (origin ``""``) is updated by any file of its
  name, as before, and then records that file's origin.

A name never holds a control character or a line break: ``clean_name`` turns each run of them
into ``_`` (a file named ``census\n2021.txt`` is the report ``census_2021.txt``, from the
command line and from an upload alike).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rag.types import SkippedFile

_CONTROL_RUN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def clean_name(name: str) -> str:
    """``name`` with each run of control characters and line breaks replaced by ``_``."""
    return _CONTROL_RUN.sub("_", name)


@dataclass(frozen=True)
class NamedFile:
    """A file to ingest, the source name it gets and, if renamed, the name it could not take."""

    source: str
    path: Path
    origin: str
    wanted: str = ""
    held_by: str = ""

    @property
    def renamed(self) -> bool:
        """True when the file's natural name was taken by another file."""
        return bool(self.wanted) and self.wanted != self.source


def origin_of(path: Path) -> str:
    """The key that identifies a file across calls: its absolute, normalised path."""
    return os.path.normcase(os.path.abspath(path))


def assign_names(
    files: Iterable[tuple[str, Path]],
    indexed: Mapping[str, str],
    skipped: list[SkippedFile],
    same_content: Callable[[str, Path], bool] = lambda name, path: False,
) -> Iterator[NamedFile]:
    """Name each ``(natural name, path)``; ``indexed`` maps indexed sources to their origins.

    ``same_content(name, path)`` tells whether the report ``name`` holds exactly the file at
    ``path``. A file reached twice in one call is skipped (appended to ``skipped``) the second time.
    """
    by_origin = {origin: source for source, origin in indexed.items() if origin}
    taken: dict[str, str] = {}  # name -> origin, for this call
    origins: set[str] = set()
    for natural, path in files:
        origin = origin_of(path)
        if origin in origins:
            skipped.append(SkippedFile(path=str(path), reason="the same file was given twice"))
            continue
        source = by_origin.get(origin)
        if source is None and natural in indexed and natural not in taken and same_content(natural, path):
            source = natural  # the same report, uploaded again from elsewhere
        if source is None or source in taken:
            source = _free_name(natural, path, _taken_test(taken, indexed, origin))
        taken[source] = origin
        origins.add(origin)
        held_by = taken.get(natural, indexed.get(natural, "")) if source != natural else ""
        yield NamedFile(source=source, path=path, origin=origin, wanted=natural, held_by=held_by)


def _taken_test(taken: Mapping[str, str], indexed: Mapping[str, str], origin: str) -> Callable[[str], bool]:
    """Whether a name is taken for the file at ``origin``: by this call, or by another file's report."""
    return lambda name: name in taken or indexed.get(name, "") not in ("", origin)


def _free_name(natural: str, path: Path, is_taken: Callable[[str], bool]) -> str:
    """``natural`` if free, else it with more of the file's folders, else ``stem (n).suffix``."""
    for name in _candidates(natural, path):
        if not is_taken(name):
            return name
    stem, suffix = PurePosixPath(natural).stem, PurePosixPath(natural).suffix
    parent = PurePosixPath(natural).parent
    for n in range(2, 1_000_000):
        name = str(parent / f"{stem} ({n}){suffix}")
        if not is_taken(name):
            return name
    raise RuntimeError(f"no free name for {natural!r}")  # pragma: no cover - a million reports


def _candidates(natural: str, path: Path) -> Iterator[str]:
    """The natural name, then the file's path with one more folder at a time."""
    yield natural
    parts = Path(os.path.abspath(path)).parts[1:]  # without the root
    for count in range(len(PurePosixPath(natural).parts) + 1, len(parts) + 1):
        yield PurePosixPath(*parts[-count:]).as_posix()
