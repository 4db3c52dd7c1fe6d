"""Chunk stage: a report's text -> passages (its paragraphs) and their sentences, with offsets.

Passages follow the report's blank-line separated paragraphs. A paragraph longer than the
embedding model's window is split at sentence boundaries. Every offset indexes into the
report's text, so ``text[p.start:p.end] == p.text`` for every passage and sentence.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from rag.header import is_marker_paragraph, line_role, parse_header
from rag.types import Chunk, Sentence

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# A sentence ends at . ! or ? (plus closing quotes/brackets), before white space and a
# character that can open a sentence. Also at a period glued to a capital ("civilians.On").
# An ellipsis ("...", a separator in NWS products: "LOCATION...45.0N") never ends a sentence.
_SENTENCE_END = re.compile(
    r"(?<!\.)(?:\.|[!?]+|[!?]\.)[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9\u00C0-\u024F])"
    r"|(?<=[^\s.])(?:\.|[!?]+)[\"'”’)\]]*(?=[A-Z][a-z])"
    r"|\n+"
)
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen col lt sgt capt maj gov sen rep rev no vs etc inc ltd co
    corp jan feb mar apr jun jul aug sep sept oct nov dec u.s u.n e.g i.e a.m p.m approx est
    fig ft mt""".split()
)


def _is_abbreviation(text: str, period_at: int) -> bool:
    """True when the period at ``period_at`` ends an abbreviation or an initial, not a sentence."""
    word = re.search(r"([\w.]+)$", text[:period_at])
    if word is None:
        return False
    token = word.group(1).lower().rstrip(".")
    if token in _ABBREVIATIONS:
        return True
    # Initials such as "J." or "U.S" before the period.
    return (len(token) == 1 and token.isalpha()) or bool(re.fullmatch(r"(\w\.)+\w", token))


def split_sentences(text: str, offset: int = 0, wrap_width: int | None = None) -> list[Sentence]:
    """Split ``text`` into sentences; offsets are shifted by ``offset`` (the text's position).

    A line break ends a sentence, unless ``wrap_width`` is given (the text is hard-wrapped at
    about that many characters) and the line continues a sentence (see ``_continues``).
    """
    sentences: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.group(0)[0] == "." and _is_abbreviation(text, match.start()):
            continue
        if match.group(0)[0] == "\n" and wrap_width and _continues(text, match.start(), wrap_width):
            continue
        end = match.end() if not match.group(0).startswith("\n") else match.start()
        _append_trimmed(sentences, text, start, end, offset)
        start = match.end()
    _append_trimmed(sentences, text, start, len(text), offset)
    return sentences


# A line that starts a unit of its own: a list item, a "Key: value" line, an NWS "KEY WORDS...value"
# line, "..." headline or ".Section..." line, an underline.
_LIST_ITEM = r"[-*•●▪◦–]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s"
_KEY = r"[A-Za-z][\w()/#,'-]*(?: [\w()/#,'-]+){0,4}:\s+\S"
_UNIT_START = re.compile(
    rf"^(?:{_LIST_ITEM}|{_KEY}"
    r"|[A-Z][A-Z0-9]* [A-Z0-9]+(?: [A-Z0-9]+)?\.\.\.\S"
    r"|\.\.\.|\.[A-Z][a-z]+\.\.\.|[-=_]{3,}$)"
)
_LIST_ITEM_START = re.compile(rf"^(?:{_LIST_ITEM})")
_KEY_VALUE = re.compile(rf"^{_KEY}")


def _continues(text: str, newline: int, wrap_width: int) -> bool:
    """Whether the line break at ``newline`` only wraps a line (the sentence goes on).

    It does when the next line does not start a unit of its own, the line before is no label
    ("NOTE:") and is full: the next line's first word would not have fitted on it, or it
    reaches 80% of the width (hand-wrapped bulletins break lines early).
    """
    line_start = text.rfind("\n", 0, newline) + 1
    before = text[line_start:newline].rstrip()
    after_end = text.find("\n", newline + 1)
    after = text[newline + 1 : after_end if after_end >= 0 else len(text)].strip()
    if not before or not after or line_role(after) != "text":
        return False
    if _UNIT_START.match(after) and not (after.startswith("...") and not before.endswith("...")):
        return False
    if re.search(r"\w-$", before) and after[:1].isalnum():
        return True
    if before.endswith(":") or line_role(before) != "text":
        return False
    return len(before) >= 0.8 * wrap_width or len(before) + 1 + len(after.split()[0]) > wrap_width


def wrap_width(text: str) -> int | None:
    """The width a hard-wrapped text was wrapped at, or None if its lines are not wrapped.

    Taken as the longest line that another line follows in its paragraph, when at least three
    such lines come within 15% of it (a wrapped text has many lines near its margin).
    """
    lengths = [
        len(line.rstrip())
        for paragraph in _PARAGRAPH_BREAK.split(text)
        for line in paragraph.strip("\n").split("\n")[:-1]
    ]
    if not lengths:
        return None
    widest = max(lengths)
    near = sum(length >= 0.85 * widest for length in lengths)
    return widest if widest >= 40 and near >= 3 else None


def _append_trimmed(out: list[Sentence], text: str, start: int, end: int, offset: int) -> None:
    """Append ``text[start:end]`` without surrounding white space, if anything is left."""
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    begin = offset + start + lead
    out.append(Sentence(start=begin, end=begin + len(stripped), text=stripped))


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


def _window(sentences: list[Sentence], count_tokens: Callable[[str], int], limit: int):
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
    groups = [([], [header.date_span])] if header.date_span else []
    headings: list[tuple[int, int]] = []
    for start, end in spans:
        paragraph = text[start:end]
        if start < header.body_start or is_marker_paragraph(paragraph):
            continue
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
    opens = before.endswith(":") or _LIST_ITEM_START.match(before) or not _SENTENCE_CLOSE.search(before)
    return bool(_LIST_ITEM_START.match(paragraph) and opens)


def _is_key_values(paragraph: str) -> bool:
    """A paragraph of two or more lines, each a ``Key: value`` line."""
    lines = paragraph.split("\n")
    return len(lines) > 1 and all(_KEY_VALUE.match(line) for line in lines)


_SENTENCE_CLOSE = re.compile(r"[.!?][\"'”’)\]]*$")


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
