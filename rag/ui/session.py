"""The UI's link to the library: one ``ReportQA`` and the upload folder.

No retrieval or answering happens here: questions go to ``ReportQA.ask`` (with the chat model
spec of generative mode, chosen per question), files to ``ReportQA.ingest``. This module only
chooses the spec and copies uploaded files into the upload folder under safe names.
"""

from __future__ import annotations

import logging
import re
import shutil
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
    """What the page talks to: the ``ReportQA`` and the upload folder."""

    def __init__(self, qa: Any, upload_dir: str | Path | None = None) -> None:
        self.qa = qa
        self.upload_dir = Path(upload_dir) if upload_dir else Path(qa.settings.index_dir) / "uploads"

    # Answering -----------------------------------------------------------------------------

    def llm_for(self, mode: str, spec: str | None) -> tuple[str | None, str]:
        """The chat model spec for an answer mode (None: extractive), and a note if it is not usable."""
        if mode != GENERATIVE:
            return None, ""
        spec = (spec or "").strip() or (self.qa.settings.llm or "")
        if not spec:
            return None, (
                "Generative mode needs a chat model spec (e.g. ollama:llama3.2); answered extractively."
            )
        from rag.answer.generative.backends import parse_spec

        try:
            parse_spec(spec)
        except Exception as err:  # a malformed spec falls back to extractive, in words
            log.warning("chat model %r unavailable: %s", spec, err)
            return None, f"Chat model {spec!r} is unavailable ({_reason(err)}); answered extractively."
        return spec, ""

    def ask(
        self, question: str, history: Sequence[Any], top_k: int | None, mode: str = EXTRACTIVE, spec: str = ""
    ) -> tuple[Answer, str]:
        """``ReportQA.ask`` with the chosen chat model (or none); the answer and a note for the user."""
        llm, note = self.llm_for(mode, spec)
        try:
            answer = self.qa.ask(question, history=list(history), top_k=top_k, llm=llm)
        except ValueError:
            raise
        except Exception as err:
            if llm is None:
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
        return merge_reports(reports), shown

    def remove(self, source: str) -> bool:
        """Remove a report from the index (and its uploaded copy, if it was uploaded)."""
        removed = self.qa.remove(source)
        copy = self.upload_dir / safe_filename(source)
        if removed and copy.name == source and copy.is_file():
            copy.unlink()
        return removed


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
