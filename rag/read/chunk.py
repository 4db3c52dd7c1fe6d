"""Chunk stage: a report's text -> passages (its paragraphs) and their sentences, with offsets.

Passages follow the report's blank-line separated paragraphs. A paragraph longer than the
embedding model's window is split at sentence boundaries. Every offset indexes into the
report's text, so ``text[p.start:p.end] == p.text`` for every passage and sentence.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator

from rag.header import is_marker_paragraph, parse_header
from rag.text import KEY_VALUE, LIST_ITEM_START, PARAGRAPH_BREAK, SECTION_HEADING, split_sentences, wrap_width
from rag.types import Chunk, Sentence


def split_paragraphs(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each blank-line separated paragraph of ``text``, trimmed."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in PARAGRAPH_BREAK.finditer(text):
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


def _body_paragraphs(text: str) -> list[tuple[list[tuple[int, int]], list[tuple[int, int]]]]:
    """The paragraphs that become passages, grouped as (headings, paragraphs): a heading line
    goes with the paragraph after it (".Tornado #1...Panola County" with its "Rating: EF2"
    lines); list items go with the paragraph that introduces them ("...guidelines:").

    Not the header block (title, codes, issuer: they are the report's metadata, see
    ``rag.header``) but its date line, as a passage of its own; not the paragraphs of end
    markers and codes (``$$``, ``&&``, initials)."""
    spans = split_paragraphs(text)
    if not spans:
        return []
    header = parse_header(text, spans)
    groups: list[tuple[list[tuple[int, int]], list[tuple[int, int]]]] = (
        [([], [header.date_span])] if header.date_span else []
    )
    headings: list[tuple[int, int]] = []
    for start, end in spans:
        paragraph = text[start:end]
        if start < header.body_start or is_marker_paragraph(paragraph):
            continue
        if (first := _section_heading(paragraph)) is not None:  # "3. INFRASTRUCTURE" over its text
            headings.append((start, start + first))
            start = start + first + 1
            paragraph = text[start:end]
        if not headings and groups and _continues_list(text, groups[-1][1][-1], paragraph):
            groups[-1][1].append((start, end))
        elif _is_heading(paragraph):
            headings.append((start, end))
        else:
            groups.append((headings, [(start, end)]))
            headings = []
    return groups + ([(headings[:-1], headings[-1:])] if headings else [])


def _continues_list(text: str, previous: tuple[int, int], paragraph: str) -> bool:
    """Whether ``paragraph`` is a list item of the list ``previous`` opens or continues, or a
    block of ``Key: value`` lines after another one (a bulletin's "Rating:", "Start Time:")."""
    before = text[previous[0] : previous[1]]
    if _is_key_values(before) and _is_key_values(paragraph):
        return True
    opens = before.endswith(":") or LIST_ITEM_START.match(before) or not _SENTENCE_CLOSE.search(before)
    return bool(LIST_ITEM_START.match(paragraph) and opens)


def _is_key_values(paragraph: str) -> bool:
    """A paragraph of two or more lines, each a ``Key: value`` line."""
    lines = paragraph.split("\n")
    return len(lines) > 1 and all(KEY_VALUE.match(line) for line in lines)


_UNDERLINE = re.compile(r"^\s*(?:-{3,}|={3,})\s*$")
_SENTENCE_CLOSE = re.compile(r"[.!?][\"'”’)\]]*$")


def _section_heading(paragraph: str) -> int | None:
    """The length of a paragraph's first line when it is a section heading over the paragraph's
    text ("3. INFRASTRUCTURE", "SUMMARY" in capitals, the text on the next lines; an underline
    under it belongs to it); else None."""
    first, newline, rest = paragraph.partition("\n")
    if not newline or not SECTION_HEADING.match(first) or LIST_ITEM_START.match(rest):
        return None
    underline, newline, body = rest.partition("\n")
    if _UNDERLINE.match(underline):  # "WATCHES AND WARNINGS" over "--------------------"
        return len(first) + 1 + len(underline) if newline and body.strip() else None
    return len(first)


def _is_heading(paragraph: str) -> bool:
    """A one-line paragraph of at most 12 words that does not end like a sentence."""
    return (
        "\n" not in paragraph
        and len(paragraph.split()) <= 12
        and (paragraph.endswith("...") or not paragraph.endswith((".", "!", "?", ";", ",")))
    )


def chunk_report(
    source: str,
    text: str,
    count_tokens: Callable[[str], int],
    max_tokens: int = 256,
    content_hash: str = "",
) -> list[Chunk]:
    """Cut a report into passages: one per paragraph (not the header block), long ones split at
    sentences. Heading lines before a paragraph open its first passage but are not sentences
    (they give the passage its context; they are not answers)."""
    chunks: list[Chunk] = []
    width = wrap_width(text)
    for headings, paragraphs in _body_paragraphs(text):
        found = [s for p0, p1 in paragraphs for s in split_sentences(text[p0:p1], p0, width)]
        for number, group in enumerate(_window(_bounded(found), count_tokens, max_tokens)):
            start, end = group[0].start, group[-1].end
            if number == 0 and headings:  # the headings are the passage's context, not sentences
                start = headings[0][0]
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
