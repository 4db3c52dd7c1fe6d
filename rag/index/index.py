"""``Index``: the reports, their passages and every derived table, kept in step.

It owns the Chroma store, the passage BM25 cache and the collection catalog, and the ways they
change: ingest (the commit protocol of docs/scale.md), remove, and the
refresh that picks up other clients' commits. Readers get the report names, a report's text
and the catalog of the committed state.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.index.catalog import Catalog, CatalogCache
from rag.index.embed import Embedder
from rag.index.space import check_room, disk_full_note, is_disk_full, keep_reserve, release_reserve
from rag.index.sparse import SparseCache, SparseIndex
from rag.index.store import ChromaStore, write_lock
from rag.read.chunk import chunk_report
from rag.read.ingest_guard import (
    IngestCancelled,
    IngestProgress,
    LoadLimits,
    ProgressCallback,
    budget,
    checkpoint,
)
from rag.read.load import LoadError, content_hash, iter_report_files, load_text
from rag.read.names import NamedFile, assign_names, clean_name
from rag.settings import Settings
from rag.types import Chunk, IngestReport, RenamedFile, Report, SkippedFile

#: Makes what a report's record keeps besides its text: (report, passages, sentence vectors) -> values.
RecordExtras = Callable[[Report, Sequence[Chunk], np.ndarray], dict[str, str]]


@dataclass
class _Outcomes:
    """What an ingest did so far, file by file (``Index.ingest``)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    cancelled: bool = False
    stopped: str = ""

    def report(self, files: Sequence[NamedFile]) -> IngestReport:
        """The ``IngestReport``; ``files``: every file the ingest meant to index, named."""
        indexed = {*self.added, *self.updated, *self.unchanged}
        renamed = [
            RenamedFile(path=str(f.path), source=f.source, wanted=f.wanted, held_by=f.held_by)
            for f in files
            if f.renamed and f.source in indexed
        ]
        return IngestReport(
            added=tuple(self.added),
            updated=tuple(self.updated),
            unchanged=tuple(self.unchanged),
            skipped=tuple(self.skipped),
            notes=tuple(self.notes),
            renamed=tuple(renamed),
            cancelled=self.cancelled,
            stopped=self.stopped,
        )

    def indexed(self) -> int:
        """Files indexed so far (added, updated or unchanged)."""
        return len(self.added) + len(self.updated) + len(self.unchanged)


class Index:
    """The searchable collection of reports behind a ``ReportQA``: store, BM25 and catalog."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or Embedder(settings)
        self.store = ChromaStore(settings, self.embedder)
        self._write_lock = threading.RLock()
        self._texts: dict[tuple[str, str | None], str] = {}
        #: Derived values a report's record keeps, made at ingest from the report, its passages
        #: and their sentence vectors (``ReportQA`` sets it: the brief and entities).
        self.record_extras: RecordExtras | None = None
        self.sparse_cache = SparseCache(self.store, self._sparse_dir)
        self.sparse: SparseIndex = self.sparse_cache.open()
        self.catalogs = CatalogCache(
            self.store, self.embedder.encode, self._sparse_dir.with_suffix(".catalog")
        )

    @property
    def _sparse_dir(self) -> Path:
        if self.settings.chroma_url:
            tag = hashlib.sha1(f"{self.settings.chroma_url}/{self.settings.collection}".encode()).hexdigest()[
                :12
            ]
            return Path(self.settings.index_dir) / f"sparse-{tag}"
        return Path(self.settings.index_dir) / f"{self.settings.collection}-sparse"

    # Reading -------------------------------------------------------------------------------

    def catalog(self) -> Catalog:
        """The catalog of the committed state, after a check for other clients' commits."""
        self.store.maybe_refresh()  # see other clients' commits before choosing the catalog
        return self.catalogs.get()

    def sources(self) -> list[str]:
        """Names of the indexed reports, sorted."""
        return sorted(self.store.report_hashes())

    def document_text(self, source: str) -> str:
        """The extracted text of a report: every offset in an ``Answer`` indexes into it.

        The version is the one the calling thread's last question was answered from.
        """
        cached = self._texts.get((source, self.store.view().hashes.get(source)))
        if cached is not None:
            return cached
        report = self.report(source)
        self._texts[(source, report.content_hash)] = report.text
        return report.text

    def report(self, source: str) -> Report:
        """A report's record: its text and its header's metadata (title, date, kind)."""
        report = self.store.get_report(source)
        if report is None:
            raise KeyError(f"no report named {source!r} in the index at {self.store.location}")
        return report

    def report_record(self, source: str) -> tuple[Report, dict[str, Any]]:
        """A report's record and its metadata (with its stored brief and entities, if any)."""
        found = self.store.get_record(source)
        if found is None:
            raise KeyError(f"no report named {source!r} in the index at {self.store.location}")
        return found

    def text_or_empty(self, source: str) -> str:
        """The report's text, or "" if it was removed meanwhile (its citations then drop)."""
        try:
            return self.document_text(source)
        except KeyError:
            return ""

    # Writing -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """One writer at a time: this object's threads, then (embedded) other processes."""
        with self._write_lock:
            if self.settings.chroma_url:
                yield
                return
            with write_lock(Path(self.settings.index_dir)):
                yield

    def ingest(
        self,
        paths: Iterable[str | Path] | str | Path,
        progress: bool = False,
        on_progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> IngestReport:
        """Index the reports at ``paths`` (files or folders, recursively); see ``IngestReport``.

        ``progress`` draws a console bar; ``on_progress(done, total, label)`` is called as files
        and their embedding batches finish (``done`` counts files, with a fraction for the file
        in progress). Setting ``cancel`` stops the ingest at the next batch or file: the file
        in progress is left as it was, the files already done stay indexed, and the report
        says ``cancelled``.
        """
        if isinstance(paths, (str, Path)):
            paths = [paths]
        done = _Outcomes()
        found = list(_named_files(paths, done.skipped))
        with self.writing():
            if not self.settings.chroma_url:
                keep_reserve(Path(self.settings.index_dir))  # room to stay readable if the disk fills
            if cleaned := self.store.clean_orphans():
                done.notes.append(f"removed {cleaned} leftover records of an interrupted ingest")
            known = dict(self.store.snapshot.hashes)
            files = list(
                assign_names(
                    found,
                    self.store.report_origins(),
                    done.skipped,
                    lambda name, path: _holds(known.get(name), path),
                )
            )
            tracker = IngestProgress(len(files), on_progress, progress)
            self._ingest_files(files, known, tracker, done, cancel)
            if done.added or done.updated or cleaned:
                self.rebuild()  # still "saving" on the bar: done once the BM25 is rebuilt too
            tracker.finish()
        return done.report(files)

    def _ingest_files(
        self,
        files: Sequence[NamedFile],
        known: dict[str, str],
        tracker: IngestProgress,
        done: _Outcomes,
        cancel: threading.Event | None,
    ) -> None:
        """Ingest ``files`` one by one into ``done``, each within the per-file time budget."""
        for number, named in enumerate(files):
            tracker.start_file(number, named.source)
            try:
                with budget(self.settings.max_file_seconds, cancel):
                    checkpoint()
                    outcome, note = self._ingest_file(named, known.get(named.source), tracker)
            except LoadError as err:
                done.skipped.append(SkippedFile(path=str(named.path), reason=str(err)))
                continue
            except IngestCancelled:
                done.cancelled = True
                rest = files[number:]
                done.skipped.extend(SkippedFile(path=str(f.path), reason="ingest cancelled") for f in rest)
                return
            except Exception as err:
                if not self._disk_full(err):
                    raise
                self._stop_on_full_disk(files, number, known, done)
                return
            {"added": done.added, "updated": done.updated, "unchanged": done.unchanged}[outcome].append(
                named.source
            )
            done.notes.extend(f"{named.source}: {n}" for n in note)

    def _ingest_file(
        self, named: NamedFile, old_hash: str | None, tracker: IngestProgress
    ) -> tuple[str, tuple[str, ...]]:
        source, path = named.source, named.path
        digest = content_hash(path)
        if digest == old_hash:
            return "unchanged", ()
        loaded = load_text(path, limits=LoadLimits.from_settings(self.settings))
        checkpoint()
        chunks = chunk_report(
            source, loaded.text, self.embedder.count_tokens, self.settings.max_passage_tokens, digest
        )
        if not chunks:
            raise LoadError("no text to index")
        if not self.settings.chroma_url:
            check_room(Path(self.settings.index_dir), loaded.text, int(self.settings.min_free_mb * 1e6))
        checkpoint()
        passage_vecs, sentence_vecs = self.embedder.embed_chunks(chunks, on_batch=tracker.texts_embedded)
        tracker.saving()
        report = Report(
            source=source,
            text=loaded.text,
            content_hash=digest,
            title=loaded.title,
            date=loaded.date,
            kind=loaded.kind,
            origin=named.origin,
        )
        if old_hash is not None:
            self.document_text(source)  # questions pinned to the old version can still cite it
        extras = self.record_extras(report, chunks, sentence_vecs) if self.record_extras else None
        self.store.put_report(report, chunks, passage_vecs, sentence_vecs, extras)  # the commit point
        self.store.commit(source, digest)
        self._forget_texts(source, keep={digest, old_hash})
        self.store.delete_passages(source, keep_hash=digest)
        return ("added" if old_hash is None else "updated"), loaded.notes

    def _disk_full(self, err: BaseException) -> bool:
        folder = None if self.settings.chroma_url else Path(self.settings.index_dir)
        return is_disk_full(err, folder)

    def _stop_on_full_disk(
        self, files: Sequence[NamedFile], number: int, known: dict[str, str], done: _Outcomes
    ) -> None:
        """The disk filled while file ``number`` was written: free the reserve (the index stays
        readable), count that file if its record got written after all, skip it and the rest."""
        if not self.settings.chroma_url:
            release_reserve(Path(self.settings.index_dir))
        named = files[number]
        with contextlib.suppress(Exception):  # its record written (the commit point): it is indexed
            written = self.store.refresh().hashes.get(named.source)
            if written is not None and written != known.get(named.source):
                (done.updated if named.source in known else done.added).append(named.source)
                number += 1
        done.skipped.extend(SkippedFile(path=str(f.path), reason="disk full") for f in files[number:])
        done.stopped = disk_full_note(done.indexed(), len(files))

    def remove(self, source: str) -> bool:
        """Delete a report from the index, and its uploaded copy (the file in ``uploads_dir``
        it was read from, never a file found by name); False if there was no such report."""
        with self.writing():
            record = self.store.get_report(source)
            if record is None:
                return False
            self.store.delete_report(source)
            self.store.commit(source, None)
            self._forget_texts(source, keep=set())
            self.rebuild()
            copy = uploaded_copy(record.origin, self.uploads_dir)
            if copy is not None:
                copy.unlink(missing_ok=True)
            return True

    @property
    def uploads_dir(self) -> Path:
        """Where the chat page keeps the files uploaded into this index (``<index_dir>/uploads``)."""
        return Path(self.settings.index_dir) / UPLOADS

    def rebuild(self) -> None:
        """Bring the catalog and the passage BM25 up to this process's latest commit."""
        catalog = self.catalogs.refresh()
        if catalog.token == self.store.snapshot.token:
            self.sparse_cache.adopt(catalog.passage_index())
        else:
            self.sparse_cache.rebuild()

    def _forget_texts(self, source: str, keep: set[str | None]) -> None:
        for key in [k for k in list(self._texts) if k[0] == source and k[1] not in keep]:
            self._texts.pop(key, None)


#: The folder of an index that holds the chat page's copies of uploaded files.
UPLOADS = "uploads"


def uploaded_copy(origin: str, folder: Path) -> Path | None:
    """The file ``origin`` when it is a regular file (not a link) directly inside ``folder``."""
    if not origin:
        return None
    path = Path(origin)
    try:
        inside = path.parent.resolve() == folder.resolve()
    except OSError:
        return None
    return path if inside and path.is_file() and not path.is_symlink() else None


def _holds(digest: str | None, path: Path) -> bool:
    """True when ``digest`` is the content hash of the file at ``path`` (False if unreadable)."""
    try:
        return digest is not None and content_hash(path) == digest
    except (OSError, LoadError):
        return False


def _named_files(paths: Iterable[str | Path], skipped: list[SkippedFile]) -> Iterable[tuple[str, Path]]:
    """(natural source name, path) for every file under ``paths`` (``rag.read.names`` settles clashes)."""
    for given in paths:
        root = Path(given)
        if not root.exists():
            skipped.append(SkippedFile(path=str(root), reason="no such file or folder"))
            continue
        for path in iter_report_files([root], skipped):
            yield clean_name(path.relative_to(root).as_posix() if root.is_dir() else path.name), path
