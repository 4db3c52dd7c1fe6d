"""Load stage: one file -> the report's extracted text, its title and remarks about the load.

Every character offset in the product indexes into the text returned here, so loading is
deterministic: the same bytes always give the same text. The text is normalised the same way
for every format (see ``normalize_text``): ``\\n`` newlines, no trailing white space on lines,
paragraphs separated by exactly one blank line, no control characters but ``\\n`` and ``\\t``.

Any file that cannot be ingested raises ``LoadError`` with a human-readable reason; no other
exception escapes ``load_text``, whatever the file holds.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from rag.header import parse_header
from rag.read.chunk import split_paragraphs
from rag.read.encodings import decode_detected, decode_western
from rag.read.ingest_guard import (
    IngestCancelled,
    LoadError,
    LoadLimits,
    check_bytes,
    check_text,
    checkpoint,
    parser_limits,
)
from rag.text import KEY_VALUE, table_rows_text
from rag.types import SkippedFile

#: File suffixes ``load_text`` can read (compared in lower case).
SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".docx"})

_NEWLINES = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TRAILING_SPACE = re.compile(r"[^\S\n]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")
_BINARY_CONTROL_SHARE = 0.05
_MAX_TITLE = 200
# libxml2 stops building the tree at depth 2048 (with huge_tree) and drops what lies deeper.
_LXML_SAFE_DEPTH = 2000
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


@dataclass(frozen=True)
class LoadedText:
    """The extracted text of one file, its title and remarks such as a guessed encoding."""

    text: str
    title: str
    notes: tuple[str, ...] = ()
    date: str = ""
    kind: str = ""


@dataclass
class _Extracted:
    """What a format reader returns before normalisation."""

    text: str
    title: str = ""
    notes: list[str] = field(default_factory=list)


def normalize_text(text: str) -> str:
    """Apply the load stage's normalisation; idempotent, and verbatim for everything else.

    Newlines become ``\\n``, control characters other than ``\\n`` and ``\\t`` are removed,
    trailing white space is stripped from every line, runs of blank lines collapse to one
    blank line, and the whole text is stripped.
    """
    text = _NEWLINES.sub("\n", text)
    text = _CONTROL.sub("", text)
    text = _TRAILING_SPACE.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def load_text(path: Path, max_bytes: int | None = None, limits: LoadLimits | None = None) -> LoadedText:
    """Read one report file and return its normalised text; raise ``LoadError`` if unusable.

    ``limits`` (default: ``LoadLimits()``) bounds the file, what it decompresses to and its
    text; ``max_bytes`` overrides its file size limit.
    """
    limits = limits or LoadLimits()
    max_bytes = limits.max_file_bytes if max_bytes is None else max_bytes
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no suffix)"
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise LoadError(f"unsupported file type {shown} (supported: {supported})")
    data = _read_bytes(path, max_bytes)
    if not data.strip():
        raise LoadError("empty file")
    check_bytes(data, suffix, limits)
    reader = _READERS[suffix]
    try:
        with parser_limits(suffix, limits):
            extracted = reader(data)
    except (LoadError, IngestCancelled):
        raise
    except Exception as exc:  # a library failed in a way no reader anticipated
        raise LoadError(f"unreadable {suffix[1:].upper()} file: {_reason(exc)}") from exc
    check_text(extracted.text, limits)
    text = normalize_text(extracted.text)
    if not text:
        raise LoadError(_EMPTY_REASONS[suffix])
    header = parse_header(text, split_paragraphs(text))
    title = _clean_title(extracted.title) or _clean_title(header.title)
    title = title or _first_line_title(text, markdown=suffix == ".md")
    return LoadedText(
        text=text, title=title, notes=tuple(extracted.notes), date=header.date, kind=header.kind
    )


def iter_report_files(
    paths: Iterable[str | Path], skipped: list[SkippedFile] | None = None
) -> Iterator[Path]:
    """Yield the files to ingest: files as given, folders recursively in sorted order.

    Hidden files and folders (names starting with ``.``) inside a folder are skipped; a path
    given explicitly is yielded even if hidden or missing, so that ``load_text`` can say why it
    cannot be read. A symbolic link inside a folder is followed only when its target lies in
    that folder; one that leaves it is skipped, with the reason appended to ``skipped``. A file
    reached twice (by a link, or given twice) is yielded once.
    """
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        for file in _walk_folder(path, skipped if skipped is not None else []) if path.is_dir() else [path]:
            key = os.path.normcase(os.path.realpath(file))
            if key not in seen:
                seen.add(key)
                yield file


def content_hash(path: Path) -> str:
    """Return the sha256 hex digest of the file's bytes; raise ``LoadError`` if unreadable."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as handle:
            _require_regular(os.fstat(handle.fileno()))
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    return digest.hexdigest()


# --- files -------------------------------------------------------------------------------


def _walk_folder(folder: Path, skipped: list[SkippedFile]) -> list[Path]:
    """All non-hidden files under ``folder``, sorted by their path relative to it; links that
    leave the folder are left out (noted in ``skipped``), links to folders are not descended."""
    root = folder.resolve()
    found: list[Path] = []
    for base, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and _stays_inside(Path(base, d), root, skipped)]
        paths = (Path(base, name) for name in files if not name.startswith("."))
        found.extend(p for p in paths if _stays_inside(p, root, skipped))
    return sorted(found, key=lambda p: p.relative_to(folder).parts)


def _stays_inside(path: Path, root: Path, skipped: list[SkippedFile]) -> bool:
    """True unless ``path`` is a symbolic link whose target lies outside ``root`` (then noted)."""
    if not path.is_symlink():
        return True
    target = path.resolve()
    if target == root or root in target.parents:
        return True
    what = "a folder" if target.is_dir() else "a file"
    skipped.append(
        SkippedFile(path=str(path), reason=f"symbolic link to {what} outside the folder, not followed")
    )
    return False


def _require_regular(info: os.stat_result) -> None:
    """Reject folders, pipes and devices, which cannot be (or must not be) read as reports."""
    if stat.S_ISDIR(info.st_mode):
        raise LoadError("is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise LoadError("not a regular file")


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing missing, special and too large files."""
    data = b""
    try:
        info = path.stat()
        _require_regular(info)
        size = info.st_size
        if size <= max_bytes:
            with path.open("rb") as handle:
                data = handle.read(max_bytes + 1)
            size = len(data)
    except FileNotFoundError as exc:
        raise LoadError("file not found") from exc
    except OSError as exc:
        raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    if size > max_bytes:
        raise LoadError(f"file too large ({_megabytes(size)}; the limit is {_megabytes(max_bytes)})")
    return data


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _reason(exc: BaseException) -> str:
    """A short reason from a library exception: its message, else its class name."""
    message = " ".join(str(exc).split())
    return message[:200] if message else type(exc).__name__


# --- titles ------------------------------------------------------------------------------


def _clean_title(title: object) -> str:
    """A title on one line, without control characters, cut to a readable length."""
    if not isinstance(title, str):
        return ""
    text = " ".join(_CONTROL.sub("", title).split())
    if len(text) <= _MAX_TITLE:
        return text
    cut = text[:_MAX_TITLE].rsplit(" ", 1)[0]
    return cut + "…"


def _first_line_title(text: str, *, markdown: bool) -> str:
    """The first non-empty line of the text (without leading ``#`` for Markdown)."""
    for line in text.split("\n"):
        candidate = line.strip().lstrip("#").strip() if markdown else line.strip()
        if candidate:
            return _clean_title(candidate)
    return ""


# --- plain text and Markdown -------------------------------------------------------------


def _read_plain(data: bytes) -> _Extracted:
    """Plain text: decode the bytes, refusing binary content."""
    text, notes = _decode(data)
    if not text.strip():
        raise LoadError("empty file")
    controls = len(_CONTROL.findall(_NEWLINES.sub("\n", text)))
    if controls > _BINARY_CONTROL_SHARE * len(text):
        raise LoadError("binary file, not text")
    return _Extracted(text=text, notes=notes)


def _read_markdown(data: bytes) -> _Extracted:
    """Markdown as the text a reader sees: no ``#``, ``**``, list markers or link targets.

    Headings and paragraphs are paragraphs, a list is one paragraph with an item per line, a
    table one paragraph with a row per line (as in DOCX).
    """
    from markdown_it import MarkdownIt

    plain = _read_plain(data)
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    walk = _MarkdownWalk()
    for piece in _markdown_pieces(plain.text):
        checkpoint()  # the file's time budget and cancellation
        if len(piece) > 2 * _MARKDOWN_PIECE:  # a huge block: markdown-it is slow on some; as text
            walk.blocks.append(piece)
            continue
        for token in parser.parse(piece):
            walk.take(token)
    return _Extracted(text="\n\n".join(walk.blocks), notes=plain.notes)


#: Markdown is parsed in pieces of about this many characters, cut at blank lines outside
#: fenced code, so that the file's time budget is checked between them.
_MARKDOWN_PIECE = 100_000
_FENCE = re.compile(r" {0,3}(```|~~~)")


def _markdown_pieces(text: str) -> Iterator[str]:
    """``text`` cut at blank lines outside fenced code into pieces of about ``_MARKDOWN_PIECE``
    characters (a piece with no such blank line in it stays whole)."""
    start = fenced = 0
    for line in _LINE.finditer(text):
        fenced ^= bool(_FENCE.match(line.group(0)))
        if line.end() - start >= _MARKDOWN_PIECE and not fenced and not line.group(0).strip():
            yield text[start : line.end()]
            start = line.end()
    if start < len(text):
        yield text[start:]


_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


class _MarkdownWalk:
    """Turns markdown-it's block tokens into paragraphs of plain text, in document order."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._lists = 0  # nesting depth of the lists being read
        self._lines: list[str] = []  # the items of the outermost list being read
        self._rows: list[list[str]] | None = None  # the table being read

    def take(self, token: Any) -> None:
        """Read one block token."""
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            self._lists += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            self._lists -= 1
            if not self._lists:
                self._add("\n".join(self._lines))
                self._lines = []
        elif kind == "table_open":
            self._rows = []
        elif kind == "tr_open" and self._rows is not None:
            self._rows.append([])
        elif kind == "table_close" and self._rows is not None:
            self._add(table_rows_text(self._rows))
            self._rows = None
        elif kind == "inline":
            self._text(_markdown_inline(token))
        elif kind in ("fence", "code_block"):
            self._text(token.content.rstrip("\n"))
        elif kind == "html_block":
            self._text(_HTML_TAG.sub("", token.content).strip())

    def _text(self, text: str) -> None:
        if self._rows is not None and self._rows:
            self._rows[-1].append(" ".join(text.split()))
        elif self._lists:
            self._lines.append(text)
        else:
            self._add(text)

    def _add(self, block: str) -> None:
        if block.strip():
            self.blocks.append(block)


def _markdown_inline(token: Any) -> str:
    """An inline token's text: emphasis, link and HTML markup dropped, images by their alt text.

    A line wrapped inside a paragraph is a space, as Markdown renders it, unless the next line
    starts a ``Key: value`` field ("**Author:** L. Moreau" under "**Unit:** 2nd Company"); a hard
    break is a new line.
    """
    lines, parts = [], []
    for child in token.children or []:
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "softbreak":
            lines.append("".join(parts))
            parts = []
    lines.append("".join(parts))
    return "".join(
        ("\n" if KEY_VALUE.match(line) else " ") + line if n else line for n, line in enumerate(lines)
    )


_HTML_TAG = re.compile(r"<[^>]*>")


def _decode(data: bytes, declared: str | None = None) -> tuple[str, list[str]]:
    """Bytes -> text: a BOM, else UTF-8, else the declared charset, else a detected one."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise LoadError(f"invalid {codec.upper()} text: {_reason(exc)}") from exc
            notes = [] if codec == "utf-8-sig" else [f"decoded as {codec}"]
            return text, notes
    if b"\x00" in data:
        raise LoadError("binary file, not text")
    for name in ("utf-8", declared):
        if name:
            codec = name
            try:
                text = data.decode(codec)
            except (UnicodeDecodeError, LookupError):
                continue
            return text, [] if codec == "utf-8" else [f"decoded as {codec}"]
    western = decode_western(data)
    if western is not None:
        return western[0], [f"decoded as {western[1]}"]
    return _detect(data)


def _detect(data: bytes) -> tuple[str, list[str]]:
    """Guess the encoding of bytes that are neither UTF-8 nor Western (``rag.read.encodings``)."""
    detected = decode_detected(data)
    if detected is None:
        raise LoadError("binary file, not text")
    return detected[0], [f"decoded as {detected[1]}"]


# --- HTML --------------------------------------------------------------------------------


def _read_html(data: bytes) -> _Extracted:
    """A web page: its main text by trafilatura, else all visible text of the page."""
    declared = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", data[:4096])
    html, notes = _decode(data, declared.group(1).decode("ascii") if declared else None)
    main = _main_text(html, notes)
    if main is not None and main.text.strip():
        main.notes = notes
        return main
    fallback = _visible_text(html)
    fallback.notes[:0] = notes
    fallback.title = (main.title if main else "") or fallback.title
    return fallback


def _main_text(html: str, notes: list[str]) -> _Extracted | None:
    """Main text of a news-like page by trafilatura, as blank-line separated paragraphs.

    trafilatura's own text output puts a single newline between paragraphs, so its XML output
    is read instead: each block under ``<main>`` (paragraph, heading, list, quote) becomes one
    paragraph, with line breaks and list items kept as lines inside it.
    """
    import lxml.html
    import trafilatura
    from lxml import etree

    try:
        parser = lxml.html.HTMLParser(encoding="utf-8", huge_tree=True, remove_comments=True, remove_pis=True)
        tree = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
        if _tree_depth(tree) >= _LXML_SAFE_DEPTH:
            notes.append("HTML nested too deeply for main-text extraction; used all its text")
            return None
        xml = trafilatura.extract(
            tree,
            output_format="xml",
            include_comments=False,
            include_tables=True,
            favor_precision=True,
            with_metadata=True,
        )
        if not xml:
            return None
        root = etree.fromstring(xml.encode("utf-8"))
    except Exception:  # an unusual page trafilatura or lxml cannot handle: use the fallback
        return None
    main = root.find("main")
    children = [] if main is None else list(main)
    blocks = [_xml_table_text(c) if c.tag == "table" else _xml_block_text(c) for c in children]
    return _Extracted(text="\n\n".join(b for b in blocks if b), title=root.get("title") or "")


def _tree_depth(tree: object) -> int:
    """The depth of the deepest element of an lxml tree, without recursion."""
    from lxml import etree

    depth = deepest = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")):
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


_XML_LINE_TAGS = frozenset({"lb", "item", "p", "head", "list", "quote", "row", "cell"})


def _xml_table_text(table: Any) -> str:
    """A trafilatura XML table as DOCX tables read: a line per row, cells named by a header row."""
    rows = [
        [" ".join("".join(cell.itertext()).split()) for cell in row.iter("cell")] for row in table.iter("row")
    ]
    return table_rows_text(rows)


def _xml_block_text(block: object) -> str:
    """The text of one trafilatura XML block; line breaks and items start new lines."""
    from lxml import etree

    parts: list[str] = []
    for event, node in etree.iterwalk(block, events=("start", "end")):
        if event == "start":
            if node is not block and node.tag in _XML_LINE_TAGS:
                parts.append("\n")
            parts.append(node.text or "")
        elif node is not block:
            parts.append(node.tail or "")
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


_SKIPPED_TAGS = frozenset(
    "script style noscript template svg math nav iframe object select textarea button".split()
)
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li main ol p pre section "
    "summary table tbody td tfoot th thead tr ul".split()
)


class _VisibleTextParser(HTMLParser):
    """Streaming HTML -> paragraphs: block elements end paragraphs, scripts are dropped.

    The standard library's parser keeps no tree, so any depth of nesting is fine.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.title = ""
        self._current: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a skipped element, the title, a line break or a new paragraph."""
        if tag in _SKIPPED_TAGS:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        else:
            self.handle_startendtag(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A self-closed element: only line breaks and block elements matter."""
        if tag == "br":
            self._current.append("\n")
        elif tag in _BLOCK_TAGS:
            self._end_paragraph()

    def handle_endtag(self, tag: str) -> None:
        """Close a skipped element, the title or a paragraph."""
        if tag in _SKIPPED_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in _BLOCK_TAGS:
            self._end_paragraph()

    def handle_data(self, data: str) -> None:
        """Collect visible text (and the first title)."""
        if self._in_title:
            self.title = self.title or " ".join(data.split())
        elif not self._skip:
            self._current.append(data)

    def close(self) -> None:
        """Finish parsing and the last paragraph."""
        super().close()
        self._end_paragraph()

    def _end_paragraph(self) -> None:
        lines = (" ".join(line.split()) for line in "".join(self._current).split("\n"))
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            self.paragraphs.append(paragraph)
        self._current = []


def _visible_text(html: str) -> _Extracted:
    """All visible text of a page (for tiny or unusual pages trafilatura finds nothing in)."""
    parser = _VisibleTextParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception as exc:
        raise LoadError(f"unreadable HTML: {_reason(exc)}") from exc
    return _Extracted(text="\n\n".join(parser.paragraphs), title=parser.title)


# --- PDF ---------------------------------------------------------------------------------


def _read_pdf(data: bytes) -> _Extracted:
    """A PDF's text in reading order, a line per paragraph (see ``rag.read.pdf_layout``).

    pypdf opens the file first (so a corrupt or locked PDF is refused with its reason) and
    gives the metadata title; pdfminer.six's layout analysis gives the text. If the layout
    analysis fails, pypdf's plain text extraction is used, with a note.
    """
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        _unlock_pdf(reader)
        pages = list(reader.pages)
    except LoadError:
        raise
    except Exception as exc:
        raise LoadError(f"corrupt PDF: {_reason(exc)}") from exc
    try:
        from rag.read.pdf_layout import pdf_paragraphs

        return _Extracted(text="\n\n".join(pdf_paragraphs(data)), title=_pdf_title(reader))
    except (LoadError, IngestCancelled):  # the time budget, a cancel, a bomb: not a layout failure
        raise
    except Exception as exc:  # pdfminer failed on this file: fall back to pypdf's text
        notes = [f"PDF layout analysis failed ({_reason(exc)}); text read line by line"]
    texts: list[str] = []
    for number, page in enumerate(pages, start=1):
        checkpoint()  # the file's time budget and cancellation
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:
            notes.append(f"PDF page {number} skipped: {_reason(exc)}")
    if pages and not texts:
        raise LoadError("corrupt PDF: no page could be read")
    return _Extracted(text="\n\n".join(texts), title=_pdf_title(reader), notes=notes)


def _unlock_pdf(reader: Any) -> None:
    """Open an encrypted PDF with the empty password, or refuse it."""
    from pypdf import PasswordType

    if not reader.is_encrypted:
        return
    try:
        result = reader.decrypt("")
    except Exception as exc:
        raise LoadError(f"encrypted PDF ({_reason(exc)})") from exc
    if result == PasswordType.NOT_DECRYPTED:
        raise LoadError("encrypted PDF (a password is needed to open it)")


def _pdf_title(reader: Any) -> str:
    """The title in the PDF's metadata, or ``""``."""
    try:
        metadata = reader.metadata
        return str(metadata.title or "") if metadata else ""
    except Exception:
        return ""


# --- DOCX --------------------------------------------------------------------------------


def _read_docx(data: bytes) -> _Extracted:
    """A Word document's paragraphs and tables in document order, blank-line separated."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise LoadError(f"corrupt DOCX: {_reason(exc)}") from exc
    blocks = [
        table_rows_text([_docx_row_cells(row) for row in block.rows])
        if isinstance(block, Table)
        else block.text
        for block in document.iter_inner_content()
    ]
    text = "\n\n".join(b for b in blocks if b.strip())
    return _Extracted(text=text, title=document.core_properties.title or "")


def _docx_row_cells(row: Any) -> list[str]:
    """A row's cell texts, each on one line; a merged cell (repeated per grid column) once."""
    cells: list[str] = []
    previous = None
    for cell in row.cells:
        if cell._tc is not previous:
            cells.append(" ".join(cell.text.split()))
        previous = cell._tc
    return cells


_READERS: dict[str, Callable[[bytes], _Extracted]] = {
    ".txt": _read_plain,
    ".md": _read_markdown,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
_EMPTY_REASONS = {
    ".txt": "empty file",
    ".md": "empty file",
    ".html": "no text in HTML page",
    ".htm": "no text in HTML page",
    ".pdf": "no text in PDF (scanned?)",
    ".docx": "no text in DOCX",
}
