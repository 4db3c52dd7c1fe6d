"""Chunk stage: a report's text -> passages (its paragraphs) and their sentences, with offsets.

Passages follow the report's blank-line separated paragraphs. A paragraph longer than the
embedding model's window is split at sentence boundaries. Every offset indexes into the
report's text, so ``text[p.start:p.end] == p.text`` for every passage and sentence.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator

from rag.text import split_sentences
from rag.types import Chunk, Sentence

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each blank-line separated paragraph of ``text``, trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        spans.extend(_trimmed_span(text, start, match.start()))
        start = match.end()
    spans.extend(_trimmed_span(text, start, len(text)))
    return spans


def _trimmed_span(text: str, start: int, end: int) -> list[tuple[int, int]]:
    piece = text[start:end]
    if not piece.strip():
        return []
    lead = len(piece) - len(piece.lstrip())
    return [(start + lead, start + len(piece.rstrip()))]


def passage_id(source: str, ordinal: int, content_hash: str = "") -> str:
    """A stable id for the ``ordinal``-th passage of this version of ``source``."""
    digest = hashlib.sha1(source.encode("utf-8")).hexdigest()[:16]
    return f"{digest}-{content_hash[:12]}-{ordinal:05d}"


#: A "sentence" longer than this many words (a file of one line, a table flattened to text) is
#: cut into pieces of ``PIECE_WORDS`` words, so no quote or passage grows without bound.
MAX_SENTENCE_WORDS = 150
PIECE_WORDS = 100


def _bounded(sentences: list[Sentence]) -> list[Sentence]:
    """``sentences`` with every overlong one cut at word boundaries into bounded pieces."""
    out: list[Sentence] = []
    for sentence in sentences:
        words = list(re.finditer(r"\S+", sentence.text))
        if len(words) <= MAX_SENTENCE_WORDS:
            out.append(sentence)
            continue
        for at in range(0, len(words), PIECE_WORDS):
            first, last = words[at], words[min(at + PIECE_WORDS, len(words)) - 1]
            start, end = sentence.start + first.start(), sentence.start + last.end()
            out.append(Sentence(start=start, end=end, text=sentence.text[first.start() : last.end()]))
    return out


def _window(
    sentences: list[Sentence], count_tokens: Callable[[str], int], limit: int
) -> Iterator[list[Sentence]]:
    """Group consecutive sentences into runs whose token count stays within ``limit``."""
    group: list[Sentence] = []
    used = 0
    for sentence in sentences:
        tokens = count_tokens(sentence.text)
        if group and used + tokens > limit:
            yield group
            group, used = [], 0
        group.append(sentence)
        used += tokens
    if group:
        yield group


def is_heading(line: str) -> bool:
    """True for a one-line title: short, and not ending like a sentence."""
    line = line.strip()
    return "\n" not in line and len(line.split()) <= 25 and not line.endswith((".", "!", "?", ":", ";"))


def _body_paragraphs(text: str) -> list[tuple[int, int]]:
    """The paragraphs that become passages: all but a leading title line (it is the report's
    title, used as report-level evidence, not a passage to quote)."""
    spans = split_paragraphs(text)
    if len(spans) > 1 and is_heading(text[spans[0][0] : spans[0][1]]):
        return spans[1:]
    return spans


def chunk_report(
    source: str,
    text: str,
    count_tokens: Callable[[str], int],
    max_tokens: int = 256,
    content_hash: str = "",
) -> list[Chunk]:
    """Cut a report into passages: one per paragraph (not the title line), long ones split at sentences."""
    chunks: list[Chunk] = []
    for para_start, para_end in _body_paragraphs(text):
        sentences = _bounded(split_sentences(text[para_start:para_end], para_start))
        for group in _window(sentences, count_tokens, max_tokens):
            start, end = group[0].start, group[-1].end
            chunks.append(
                Chunk(
                    passage_id=passage_id(source, len(chunks), content_hash),
                    source=source,
                    text=text[start:end],
                    start=start,
                    end=end,
                    ordinal=len(chunks),
                    sentences=tuple(group),
                )
            )
    return chunks
