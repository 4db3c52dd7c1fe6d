"""The UI's link to the library: one ``ReportQA`` (plus one per chat-model spec) and uploads.

No retrieval or answering happens here: questions go to ``ReportQA.ask``, files to
``ReportQA.ingest``. This module only chooses which ``ReportQA`` to call (extractive, or the
one built with an LLM spec), and copies uploaded files into the upload folder under safe names.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rag.types import Answer, IngestReport, SkippedFile

log = logging.getLogger(__name__)

#: The answer modes the UI offers.
EXTRACTIVE = "Extractive"
GENERATIVE = "Generative (LLM)"
MODES = (EXTRACTIVE, GENERATIVE)

_UNSAFE = re.compile(r"[^\w.\- ()+,@=]+")
_MAX_NAME = 120


def safe_filename(name: str) -> str:
    """A harmless base name for an uploaded file: no folders, no ``..``, normalised Unicode.

    Only the last path component survives (either separator); control and odd characters
    become ``_``; leading dots go (no hidden files, no ``..``); long names keep their suffix.
    """
    name = unicodedata.normalize("NFKC", str(name))
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


class UISession:
    """What the page talks to: the extractive ``ReportQA``, LLM variants, and the upload folder."""

    def __init__(self, qa: Any, upload_dir: str | Path | None = None) -> None:
        self.qa = qa
        self.upload_dir = Path(upload_dir) if upload_dir else Path(qa.settings.index_dir) / "uploads"
        self._llm_qas: dict[str, Any] = {}
        self._lock = threading.Lock()

    # Answering -----------------------------------------------------------------------------

    def qa_for(self, mode: str, spec: str | None) -> tuple[Any, str]:
        """The ``ReportQA`` for an answer mode, and a note if generative mode is not available."""
        if mode != GENERATIVE:
            return self.qa, ""
        spec = (spec or "").strip() or (self.qa.settings.llm or "")
        if not spec:
            return (
                self.qa,
                "Generative mode needs a chat model spec (e.g. ollama:llama3.2); answered extractively.",
            )
        with self._lock:
            if spec not in self._llm_qas:
                try:
                    self._llm_qas[spec] = self._build_llm_qa(spec)
                except Exception as err:  # any failure falls back to extractive, in words
                    log.warning("chat model %r unavailable: %s", spec, err)
                    return (
                        self.qa,
                        f"Chat model {spec!r} is unavailable ({_reason(err)}); answered extractively.",
                    )
            return self._llm_qas[spec], ""

    def _build_llm_qa(self, spec: str) -> Any:
        from rag.answer.generative.backends import parse_spec

        parse_spec(spec)  # a malformed spec fails here, before a second ReportQA is built
        return type(self.qa)(settings=self.qa.settings, llm=spec)

    def ask(
        self, question: str, history: Sequence[Any], top_k: int | None, mode: str = EXTRACTIVE, spec: str = ""
    ) -> tuple[Answer, str]:
        """``ReportQA.ask`` on the chosen ``ReportQA``; the answer and a note for the user."""
        qa, note = self.qa_for(mode, spec)
        try:
            answer = qa.ask(question, history=list(history), top_k=top_k)
        except ValueError:
            raise
        except Exception as err:
            if qa is self.qa:
                raise
            log.warning("generative answer failed: %s", err)
            answer = self.qa.ask(question, history=list(history), top_k=top_k)
            note = f"The chat model failed ({_reason(err)}); answered extractively."
        return answer, note or str(getattr(answer, "note", "") or "")

    # Reports -------------------------------------------------------------------------------

    def sources(self) -> list[str]:
        """Names of the indexed reports."""
        return self.qa.sources()

    def document_text(self, source: str) -> str:
        """The text of an indexed report (``KeyError`` if there is none by that name)."""
        return self.qa.document_text(source)

    def ingest_uploads(
        self, paths: Sequence[str | Path], progress: Callable[[int, int, str], None] | None = None
    ) -> tuple[IngestReport, dict[str, str]]:
        """Copy uploaded files into the upload folder under safe names and index them one by one.

        Returns the merged ``IngestReport`` and, for its paths, the names the user uploaded.
        """
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        reports: list[IngestReport] = []
        shown: dict[str, str] = {}
        for i, given in enumerate(paths):
            original = Path(str(given)).name
            if progress:
                progress(i, len(paths), original)
            dest = self.upload_dir / safe_filename(original)
            shown[str(dest)] = original
            try:
                shutil.copyfile(given, dest)
            except OSError as err:
                reason = f"could not be read ({err.strerror or err})"
                reports.append(IngestReport(skipped=(SkippedFile(path=str(dest), reason=reason),)))
                continue
            report = self.qa.ingest([dest])
            if report.skipped:
                dest.unlink(missing_ok=True)
            reports.append(report)
        if progress:
            progress(len(paths), len(paths), "")
        self._forget_llm_qas()
        return merge_reports(reports), shown

    def remove(self, source: str) -> bool:
        """Remove a report from the index (and its uploaded copy, if it was uploaded)."""
        removed = self.qa.remove(source)
        copy = self.upload_dir / safe_filename(source)
        if removed and copy.name == source and copy.is_file():
            copy.unlink()
        self._forget_llm_qas()
        return removed

    def _forget_llm_qas(self) -> None:
        """LLM variants keep their own keyword index: rebuild them after the reports change."""
        with self._lock:
            self._llm_qas.clear()


def merge_reports(reports: Sequence[IngestReport]) -> IngestReport:
    """One ``IngestReport`` from several."""
    return IngestReport(
        added=tuple(s for r in reports for s in r.added),
        updated=tuple(s for r in reports for s in r.updated),
        unchanged=tuple(s for r in reports for s in r.unchanged),
        skipped=tuple(s for r in reports for s in r.skipped),
        notes=tuple(n for r in reports for n in r.notes),
    )


def _reason(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."
