"""The UI's link to the library: one ``ReportQA``, chat models by spec, uploads, report rows.

No retrieval or answering happens here: questions go to ``ReportQA.ask`` (or the chat-model
answerer chosen in Settings, over the same ``ReportQA``), files to ``ReportQA.ingest``. This
module copies uploaded files into the upload folder under safe names, and describes each
indexed report for the list (title, date, kind, size, passages).
"""

from __future__ import annotations

import contextlib
import filecmp
import itertools
import logging
import re
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.index.space import disk_full_note, is_disk_full
from rag.index.store import IndexBusyError
from rag.read.names import clean_name, origin_of
from rag.types import Answer, IngestReport, SkippedFile

log = logging.getLogger(__name__)

#: The answer modes the UI offers.
EXTRACTIVE = "Extractive"
GENERATIVE = "Generative (LLM)"
MODES = (EXTRACTIVE, GENERATIVE)

#: An upload copy younger than this (seconds) is never taken for an orphan: it may be indexed now.
ORPHAN_SECONDS = 60.0

_UNSAFE = re.compile(r"[^\w.\- ()+,@=]+")
_MAX_NAME = 120


def safe_filename(name: str) -> str:
    """A harmless base name for an uploaded file: no folders, no ``..``, normalised Unicode.

    Only the last path component survives (either separator); control and odd characters
    become ``_``; leading dots go (no hidden files, no ``..``); long names keep their suffix.
    """
    name = clean_name(unicodedata.normalize("NFKC", str(name)))  # as every report name
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch if unicodedata.category(ch)[0] not in "CZ" or ch == " " else "_" for ch in name)
    name = _UNSAFE.sub("_", name).strip(" ._")
    name = re.sub(r"_{2,}", "_", name)
    if not name or set(name) <= {".", "_"}:
        return "report"
    stem, dot, suffix = name.rpartition(".")
    if dot and len(suffix) <= 8 and len(name) > _MAX_NAME:
        return f"{stem[: _MAX_NAME - len(suffix) - 1].rstrip(' ._')}.{suffix.lower()}"
    if dot and len(suffix) <= 8:
        return f"{stem}.{suffix.lower()}"
    return name[:_MAX_NAME]


@dataclass(frozen=True)
class ReportInfo:
    """One row of the reports list: what a user needs to recognise a report."""

    source: str
    title: str
    date: str
    kind: str
    chars: int
    passages: int

    def matches(self, query: str) -> bool:
        """True when every word of ``query`` is in the name, title, date or kind."""
        hay = f"{self.source} {self.title} {self.date} {self.kind}".lower()
        return all(word in hay for word in query.lower().split())


class UISession:
    """What the page talks to: one ``ReportQA``, chat models by spec, and the upload folder."""

    def __init__(self, qa: Any, upload_dir: str | Path | None = None) -> None:
        self.qa = qa
        self.upload_dir = Path(upload_dir) if upload_dir else Path(qa.settings.index_dir) / "uploads"
        self._answerers: dict[str, Any] = {}
        self._infos: dict[tuple[str, str], ReportInfo] = {}
        self._titles: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self.default_spec = ""
        generator = getattr(qa, "generator", None)
        if generator is not None:  # the page chooses the mode: Extractive never calls the model
            self.default_spec = str(qa.settings.llm or generator.name)
            self._answerers[self.default_spec] = generator
            qa.set_llm(None)
        self.clean_orphan_uploads()

    def clean_orphan_uploads(self) -> list[Path]:
        """Delete the upload folder's copies no report was indexed from (an upload killed half-way).

        Done under the writer lock (nothing when another process is ingesting), sparing copies
        younger than ``ORPHAN_SECONDS`` (another process's upload about to be indexed) and those
        of reports indexed before origins were recorded (their copy is the one of their name).
        """
        if not self.upload_dir.is_dir():
            return []
        try:
            with self.qa.index.writing():
                origins = self.qa.store.report_origins()
                kept = {o for o in origins.values() if o}
                kept |= {origin_of(self.upload_dir / safe_filename(s)) for s, o in origins.items() if not o}
                young = time.time() - ORPHAN_SECONDS
                orphans = [
                    p for p in self.upload_dir.iterdir() if origin_of(p) not in kept and _old_file(p, young)
                ]
                for orphan in orphans:
                    orphan.unlink(missing_ok=True)
        except IndexBusyError:
            return []
        if orphans:
            log.warning("removed %d upload copies no report was indexed from: %s", len(orphans), orphans)
        return orphans

    # Answering -----------------------------------------------------------------------------

    def answerer(self, mode: str, spec: str | None) -> tuple[Any, str]:
        """The chat-model answerer for a mode (None: extractive), and why it is missing if it is.

        The one place that maps a spec to a model (``ReportQA.answerer_for`` builds and keeps it).
        """
        if mode != GENERATIVE:
            return None, ""
        spec = (spec or "").strip() or self.default_spec
        if not spec:
            return (
                None,
                "Generative mode needs a chat model spec (e.g. ollama:llama3.2); answered extractively.",
            )
        with self._lock:
            if spec not in self._answerers:
                self._answerers[spec] = self.qa.answerer_for(spec)
            return self._answerers[spec], ""

    def stream(
        self,
        question: str,
        history: Sequence[Any],
        top_k: int | None,
        mode: str = EXTRACTIVE,
        spec: str = "",
        sources: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Text pieces of a generative reply as they arrive, then the ``Answer`` (with its note).

        Extractive answers come whole. ValueError for a bad question, top-k or report choice.
        """
        generator, note = self.answerer(mode, spec)
        question = self.qa.check_question(question)
        top_k, sources = self.qa.check_top_k(top_k), self.qa.check_sources(sources)
        if (overview := self.qa.briefings.answer(question, sources)) is not None:  # briefs, any mode
            yield overview
            return
        if generator is None:  # checked above: straight to the extractive answerer
            answer = self.qa.answerer.ask(question, list(history), top_k, sources)
            yield answer.model_copy(update={"note": note}) if note else answer
            return
        yield from generator.stream(question, list(history), top_k, sources)

    def ask(self, question: str, *args: Any, **kwargs: Any) -> Answer:
        """The final ``Answer`` of ``stream`` (same arguments)."""
        *_, answer = self.stream(question, *args, **kwargs)
        if not isinstance(answer, Answer):
            raise TypeError("the answer stream ended without an Answer")
        return answer

    # Reports -------------------------------------------------------------------------------

    def sources(self) -> list[str]:
        """Names of the indexed reports, as committed now (other clients' changes included)."""
        self.qa.store.refresh(force=False)
        return self.qa.sources()

    def reports(self) -> list[ReportInfo]:
        """Every indexed report with its title, date, kind, size and passages, by name."""
        self.qa.store.refresh(force=False)
        found = self.qa.store.reports.get(include=["metadatas"])
        metas = sorted(found["metadatas"], key=lambda m: m["source"])
        missing = [m for m in metas if (m["source"], m["content_hash"]) not in self._infos]
        for meta in missing:
            with contextlib.suppress(KeyError):  # removed meanwhile
                text = self.qa.document_text(meta["source"])
                self._infos[(meta["source"], meta["content_hash"])] = report_info(meta, text)
        return [self._infos[k] for m in metas if (k := (m["source"], m["content_hash"])) in self._infos]

    def document_text(self, source: str) -> str:
        """The text of an indexed report (``KeyError`` if there is none by that name)."""
        return self.qa.document_text(source)

    def title(self, source: str) -> str:
        """The title of an indexed report from its header ('' if it has none; ``KeyError`` if there
        is no report by that name). Read once per version of the report: every answer's cards
        ask for it again."""
        key = (source, self.qa.store.view().hashes.get(source, ""))
        if key not in self._titles:
            self._titles[key] = self.qa.report(source).title or ""
        return self._titles[key]

    def ingest_uploads(
        self,
        paths: Sequence[str | Path],
        progress: Callable[[float, int, str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> tuple[IngestReport, dict[str, str]]:
        """Copy uploaded files into the upload folder under safe names and index them one by one.

        Returns the merged ``IngestReport`` and, for its paths, the names the user uploaded. A
        copy that replaced nothing and was not indexed (skipped, cancelled, index busy) is
        deleted again. Setting ``cancel`` stops at the next embedding batch or file: the file in
        progress is left as it was, the files done stay indexed, the rest are skipped.
        """
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        reports: list[IngestReport] = []
        shown: dict[str, str] = {}
        for i, given in enumerate(paths):
            original = Path(str(given)).name
            if cancel is not None and cancel.is_set():
                rest = [Path(str(p)).name for p in paths[i:]]
                skipped = tuple(SkippedFile(path=name, reason="ingest cancelled") for name in rest)
                reports.append(IngestReport(skipped=skipped, cancelled=True))
                break
            if progress:
                progress(i, len(paths), original)
            dest = upload_destination(self.upload_dir, safe_filename(original), Path(str(given)))
            shown[str(dest)] = original
            within = _within_file(progress, i, len(paths), original)
            reports.append(self._ingest_copy(Path(str(given)), dest, original, within, cancel))
            if reports[-1].stopped:  # the disk is full: the rest is not even copied
                full = tuple(SkippedFile(path=Path(str(p)).name, reason="disk full") for p in paths[i + 1 :])
                reports.append(IngestReport(skipped=full))
                break
        if progress:
            progress(len(paths), len(paths), "")
        merged = merge_reports(reports)
        if merged.stopped:
            indexed = len(merged.added) + len(merged.updated) + len(merged.unchanged)
            merged = merged.model_copy(update={"stopped": disk_full_note(indexed, len(paths))})
        return merged, shown

    def _ingest_copy(
        self,
        given: Path,
        dest: Path,
        original: str,
        on_progress: Callable[[float, int, str], None] | None,
        cancel: threading.Event | None,
    ) -> IngestReport:
        """Copy one upload to ``dest`` and index it; a new copy that was not indexed is deleted."""
        if given.is_symlink():  # the UI follows no link (an upload is a file of its own)
            return IngestReport(skipped=(SkippedFile(path=str(given), reason="symbolic link, not followed"),))
        existed = dest.exists()
        try:
            shutil.copyfile(given, dest)
        except OSError as err:
            if not existed:
                dest.unlink(missing_ok=True)
            if is_disk_full(err):
                return IngestReport(
                    skipped=(SkippedFile(path=str(dest), reason="disk full"),), stopped="disk full"
                )
            reason = f"could not be read ({err.strerror or err})"
            return IngestReport(skipped=(SkippedFile(path=str(dest), reason=reason),))
        try:
            report = self.qa.ingest([dest], on_progress=on_progress, cancel=cancel)
        except Exception:
            if not existed:
                dest.unlink(missing_ok=True)
            raise
        if report.skipped and (not existed or not self._indexed_from(dest)):
            dest.unlink(missing_ok=True)  # cancelled or refused: no report was read from this copy
        wanted = safe_filename(original)
        if report.added and dest.name != wanted:
            kept = f"{original} differs from the {wanted} already uploaded: kept as {dest.name}"
            report = report.model_copy(update={"notes": (*report.notes, kept)})
        return report

    def _indexed_from(self, copy: Path) -> bool:
        """True when an indexed report was read from the file ``copy`` (its recorded origin)."""
        return origin_of(copy) in set(self.qa.store.report_origins().values())

    def remove(self, source: str) -> bool:
        """Remove a report from the index, then its uploaded copy (if it was uploaded).

        The copy is the file the report's record says it was read from (its origin), never a
        file found by its name: another report's upload of the same name stays.
        """
        copy = self.stored_copy(source)
        removed = self.qa.remove(source)
        if removed and copy is not None:
            copy.unlink(missing_ok=True)
        return removed

    def stored_copy(self, source: str) -> Path | None:
        """The upload folder's copy that the report ``source`` was indexed from, if any."""
        try:
            origin = self.qa.report(source).origin
        except KeyError:
            return None
        copy = Path(origin) if origin else None
        if copy is None or copy.parent.resolve() != self.upload_dir.resolve() or not copy.is_file():
            return None
        return copy


def upload_destination(folder: Path, name: str, given: Path) -> Path:
    """Where an upload named ``name`` is copied: ``folder/name`` when free or holding the same
    bytes (an upload again of the same file), else the first free ``name (2)``, ``name (3)``...

    A different file that happens to share a name (two folders' ``report.txt``) is kept beside
    the earlier one instead of replacing it.
    """
    stem, dot, suffix = name.rpartition(".")
    stem, suffix = (stem, dot + suffix) if dot and stem else (name, "")
    for n in itertools.count(1):
        dest = folder / (name if n == 1 else f"{stem} ({n}){suffix}")
        if not dest.is_symlink() and (not dest.exists() or _same_bytes(dest, given)):
            return dest
    raise AssertionError("unreachable")


def _old_file(path: Path, before: float) -> bool:
    """True for a regular file (not a link) last written before the time ``before``."""
    return path.is_file() and not path.is_symlink() and path.stat().st_mtime < before


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


_DATE = re.compile(
    r"\b(\d{4}-\d{2}-\d{2}|\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2},? \d{4})\b"
)


def report_info(meta: dict[str, Any], text: str) -> ReportInfo:
    """A report's list row from its record: metadata where it exists, else its first lines."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = str(meta.get("title") or (lines[0] if lines else ""))
    found = _DATE.search("\n".join(lines[:6]))
    date = str(meta.get("date") or (found.group(1) if found else ""))
    suffix = Path(meta["source"]).suffix.lstrip(".").lower()
    kind = str(meta.get("kind") or suffix or "text")
    return ReportInfo(
        source=meta["source"],
        title=title[:160],
        date=date,
        kind=kind,
        chars=len(text),
        passages=int(meta.get("passages") or 0),
    )


def merge_reports(reports: Sequence[IngestReport]) -> IngestReport:
    """One ``IngestReport`` from several."""
    return IngestReport(
        added=tuple(s for r in reports for s in r.added),
        updated=tuple(s for r in reports for s in r.updated),
        unchanged=tuple(s for r in reports for s in r.unchanged),
        skipped=tuple(s for r in reports for s in r.skipped),
        notes=tuple(n for r in reports for n in r.notes),
        renamed=tuple(n for r in reports for n in r.renamed),
        cancelled=any(r.cancelled for r in reports),
        stopped=next((r.stopped for r in reports if r.stopped), ""),
    )


def _within_file(
    progress: Callable[[float, int, str], None] | None, index: int, total: int, name: str
) -> Callable[[float, int, str], None] | None:
    """An ``on_progress`` for one file of an upload: its fraction added to the files before it."""
    if progress is None:
        return None

    def report(done: float, files: int, label: str) -> None:
        fraction = done - int(done) if done < files else 1.0
        stage = label.split(":", 1)[1].strip() if ":" in label else ""
        progress(index + fraction, total, f"{name}: {stage}" if stage else name)

    return report
