"""Cite stage: turn chosen sentences into answer text with [n] markers and verified citations.

Every citation quotes exact characters of its report: ``text[start:end] == quote`` is checked
here, before an answer leaves the library, and a citation that fails is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.text import HIGHLIGHT_DATE, HIGHLIGHT_NAME, HIGHLIGHT_NUMBER, question_kinds, tokenize
from rag.types import Citation, Span

_PATTERNS = {
    "number": [HIGHLIGHT_NUMBER],
    "date": [HIGHLIGHT_DATE, HIGHLIGHT_NUMBER],
    "place": [HIGHLIGHT_NAME],
    "person": [HIGHLIGHT_NAME],
}


def highlight_spans(question: str, quote: str, start: int) -> tuple[Span, ...]:
    """Key words of ``quote`` that answer ``question`` (absolute offsets from ``start``).

    They are the words of the kind the question asks for (numbers, dates, names) that the
    question itself does not contain; for other questions, nothing is highlighted.
    """
    known = set(tokenize(question))
    spans: list[Span] = []
    patterns = {p for kind in question_kinds(question) for p in _PATTERNS[kind]}
    for pattern in patterns:
        for match in pattern.finditer(quote):
            words = tokenize(match.group(0))
            if words and all(w in known for w in words):
                continue
            spans.append(Span(start=start + match.start(), end=start + match.end()))
    return _merge(spans)


def _merge(spans: list[Span]) -> tuple[Span, ...]:
    """Sort and merge overlapping or touching spans."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start <= merged[-1].end + 1:
            last = merged.pop()
            span = Span(start=last.start, end=max(last.end, span.end))
        merged.append(span)
    return tuple(merged)


def is_verified(citation: Citation, report_text: str) -> bool:
    """True when the citation's quote is exactly the report's characters at its offsets."""
    return (
        0 <= citation.start < citation.end <= len(report_text)
        and report_text[citation.start : citation.end] == citation.quote
    )


def cite(
    question: str, quotes: Sequence[tuple[str, str, int, int]], report_texts: dict[str, str]
) -> tuple[str, tuple[Citation, ...]]:
    """Answer text and citations for quotes given as (source, passage id, start, end).

    Each quote becomes one verbatim sentence followed by its marker; a quote that does not
    match its report's text is left out.
    """
    parts: list[str] = []
    citations: list[Citation] = []
    for source, pid, start, end in quotes:
        text = report_texts.get(source, "")
        quote = text[start:end]
        citation = Citation(
            marker=len(citations) + 1,
            source=source,
            passage_id=pid,
            quote=quote,
            start=start,
            end=end,
            highlights=highlight_spans(question, quote, start),
        )
        if not quote or not is_verified(citation, text):
            continue
        citations.append(citation)
        parts.append(f"{_one_line(quote)} [{citation.marker}]")
    return " ".join(parts), tuple(citations)


def _one_line(quote: str) -> str:
    return re.sub(r"\s+", " ", quote).strip()
