"""An ``Answer`` as plain text and records, for the doors that speak text: the LangChain tool and
runnable (``rag.langchain``) and the OpenAI-compatible API (``rag.api.openai``).

The text is the answer with its ``[n]`` markers, then a "Sources" list: one line per citation
with the report (its title, else its name) and the quoted sentence. The records are the
citations themselves, with each report's title and date, so a client can verify them by
slicing: ``document_text(source)[start:end] == quote``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from rag.types import Answer

if TYPE_CHECKING:
    from rag.qa import ReportQA

#: The heading of the list of sources under an answer's text.
SOURCES_HEADING = "Sources:"

#: Report headers remembered at most (the oldest are forgotten first).
MAX_HEADERS = 4096


class ReportHeaders:
    """Each report's (title, date), read once per version of the report and kept."""

    def __init__(self, qa: ReportQA) -> None:
        self.qa = qa
        self._known: dict[tuple[str, str], tuple[str, str]] = {}
        self._lock = threading.Lock()

    def get(self, source: str) -> tuple[str, str]:
        """The (title, date) of report ``source``; ("", "") when it is no longer indexed."""
        version = self.qa.store.snapshot.hashes.get(source, "")
        key = (source, version)
        with self._lock:
            found = self._known.get(key)
        if found is not None:
            return found
        try:
            report = self.qa.report(source)
            found = (report.title, report.date)
        except KeyError:
            return "", ""
        with self._lock:
            self._known[key] = found
            while len(self._known) > MAX_HEADERS:
                self._known.pop(next(iter(self._known)))
        return found


def one_line(text: str) -> str:
    """``text`` with its whitespace (line breaks included) collapsed to single spaces."""
    return " ".join(text.split())


def sources_text(answer: Answer, headers: ReportHeaders) -> str:
    """The "Sources" list of ``answer``: '[n] report: "quoted sentence"' per citation ('' if none)."""
    if not answer.citations:
        return ""
    lines = [SOURCES_HEADING]
    for citation in answer.citations:
        title = headers.get(citation.source)[0]
        report = f"{title} ({citation.source})" if title else citation.source
        lines.append(f'[{citation.marker}] {report}: "{one_line(citation.quote)}"')
    return "\n".join(lines)


def cited_text(answer: Answer, headers: ReportHeaders) -> str:
    """The answer's text with its ``[n]`` markers, then its "Sources" list."""
    sources = sources_text(answer, headers)
    return f"{answer.text}\n\n{sources}" if sources else answer.text


def citation_records(answer: Answer, headers: ReportHeaders) -> list[dict[str, Any]]:
    """The citations of ``answer`` as JSON-ready dicts: marker, source, title, date, passage_id,
    quote, start, end (``document_text(source)[start:end] == quote``)."""
    records = []
    for citation in answer.citations:
        title, date = headers.get(citation.source)
        records.append(
            {
                "marker": citation.marker,
                "source": citation.source,
                "title": title,
                "date": date,
                "passage_id": citation.passage_id,
                "quote": citation.quote,
                "start": citation.start,
                "end": citation.end,
            }
        )
    return records
