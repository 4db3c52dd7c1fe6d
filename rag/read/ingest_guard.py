"""Bounds on what one file may cost at ingest: decompressed size, text size, time, cancellation.

A file is refused (``LoadError`` with the reason) *before* it is parsed when its bytes say it
would inflate beyond the limits: a zip archive (DOCX, or any file that is a zip) by the sizes
its entries declare, their compression ratio and then the bytes their compressed data actually
inflates to, whatever the headers declare (inflated in pieces, never more than the limit); a
PDF by the size each compressed stream inflates to (inflated in pieces, stopped at the limit;
``parser_limits`` sets pypdf's own per-stream limits to the same figure while it parses).
After extraction the text has a size limit. A ``Budget`` bounds the time a file may take and
carries the cancellation signal; stages call ``checkpoint()`` between pieces of work (PDF
pages, embedding batches), which raises when time is up or the ingest was cancelled.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import re
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


class LoadError(ValueError):
    """A file that cannot be ingested; ``str(err)`` is the human-readable reason."""


_MB = 1_000_000
_ZIP_MAGIC = b"PK\x03\x04"
_PIECE = 1 << 20
# A stream's data starts after the keyword "stream" and one end of line ("endstream" excluded).
_PDF_STREAM = re.compile(rb"(?<!end)stream[\x00\s]*")
# Compression ratios above the limit only count for entries that inflate to more than this.
_RATIO_FLOOR = 1 * _MB


class IngestCancelled(Exception):  # noqa: N818 - reads as what happened
    """The caller cancelled the ingest (its ``cancel`` event was set)."""


@dataclass(frozen=True)
class LoadLimits:
    """What one file may hold; ``Settings`` gives the defaults (sized for a 500-page report)."""

    max_file_bytes: int = 50 * _MB
    max_inflated_bytes: int = 200 * _MB
    max_zip_ratio: float = 100.0
    max_zip_entries: int = 10_000
    max_text_chars: int = 10_000_000

    @classmethod
    def from_settings(cls, settings: Any) -> LoadLimits:
        """The limits named by a ``Settings``."""
        return cls(
            max_file_bytes=int(settings.max_file_mb * _MB),
            max_inflated_bytes=int(settings.max_inflated_mb * _MB),
            max_zip_ratio=settings.max_zip_ratio,
            max_text_chars=settings.max_text_chars,
        )


def check_bytes(data: bytes, suffix: str, limits: LoadLimits) -> None:
    """Refuse a zip or PDF whose compressed content would inflate beyond the limits."""
    if data.startswith(_ZIP_MAGIC):
        check_zip(data, limits)
    if suffix == ".pdf" or data.startswith(b"%PDF"):
        check_pdf_streams(data, limits.max_inflated_bytes)


def check_text(text: str, limits: LoadLimits) -> None:
    """Refuse extracted text longer than the limit."""
    if len(text) > limits.max_text_chars:
        raise LoadError(
            f"text too long ({len(text):,} characters extracted; the limit is {limits.max_text_chars:,})"
        )


# --- zip ---------------------------------------------------------------------------------


def check_zip(data: bytes, limits: LoadLimits) -> None:
    """Refuse a zip by its entries' declared sizes and ratios, then by what they really inflate to.

    A file that is not a readable zip passes (its reader then says why it cannot be read).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_zip_entries:
            raise LoadError(f"archive has {len(entries):,} entries (the limit is {limits.max_zip_entries:,})")
        declared = sum(e.file_size for e in entries)
        if declared > limits.max_inflated_bytes:
            raise _too_big("its contents declare", declared, limits.max_inflated_bytes)
        for entry in entries:
            ratio = entry.file_size / max(entry.compress_size, 1)
            if entry.file_size > _RATIO_FLOOR and ratio > limits.max_zip_ratio:
                raise LoadError(
                    f"decompression bomb: {entry.filename} inflates {ratio:,.0f} times "
                    f"(the limit is {limits.max_zip_ratio:,.0f})"
                )
        _inflate_zip(data, entries, limits.max_inflated_bytes)


def _inflate_zip(data: bytes, entries: list[zipfile.ZipInfo], limit: int) -> None:
    """Inflate every entry in pieces, counting bytes; stop as soon as the total passes ``limit``."""
    total = 0
    for entry in entries:
        total += _inflated_entry(data, entry, limit - total)
        if total > limit:
            raise _too_big(f"{entry.filename} inflates to", total, limit, more=True)


def _inflated_entry(data: bytes, entry: zipfile.ZipInfo, limit: int) -> int:
    """Bytes one entry inflates to, counted up to ``limit + 1`` from its compressed data itself.

    The sizes the headers declare are not trusted: a deflated entry is inflated to the end of
    its deflate stream (or of the file), in pieces, its output discarded. Only stored and
    deflated entries are accepted (what Office writes; zipfile inflates others in one call).
    """
    start = _entry_data(data, entry)
    if start is None:
        return 0  # no local header there: the reader refuses the file with its own reason
    if entry.compress_type == zipfile.ZIP_STORED:
        return min(entry.compress_size, len(data) - start)
    if entry.compress_type != zipfile.ZIP_DEFLATED:
        raise LoadError(
            f"{entry.filename} is compressed with method {entry.compress_type} (only deflate is read)"
        )
    return _inflated_size(data, start, limit, zlib.decompressobj(-zlib.MAX_WBITS))


def _entry_data(data: bytes, entry: zipfile.ZipInfo) -> int | None:
    """Where an entry's compressed data starts: after its local header (None if there is none)."""
    at = entry.header_offset
    if data[at : at + 4] != _ZIP_MAGIC or len(data) < at + 30:
        return None
    name, extra = (
        int.from_bytes(data[at + 26 : at + 28], "little"),
        int.from_bytes(data[at + 28 : at + 30], "little"),
    )
    return at + 30 + name + extra


# --- PDF ---------------------------------------------------------------------------------


def check_pdf_streams(data: bytes, limit: int) -> None:
    """Refuse a PDF with a zlib-compressed stream that inflates to more than ``limit`` bytes.

    Every ``stream`` keyword is tried as the start of zlib data, inflated in pieces with the
    output discarded (memory stays flat), up to the end of the zlib data, not to the next
    ``endstream``, which a crafted stream may contain.
    """
    for match in _PDF_STREAM.finditer(data):
        start = match.end()
        if not _zlib_header(data[start : start + 2]):
            continue
        inflated = _inflated_size(data, start, limit, zlib.decompressobj())
        if inflated > limit:
            raise _too_big("a compressed stream inflates to", inflated, limit, more=True)


def _zlib_header(head: bytes) -> bool:
    """True when two bytes can start zlib data (deflate method, header checksum)."""
    return len(head) == 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


def _inflated_size(data: bytes, start: int, limit: int, inflater: Any) -> int:
    """Bytes the compressed data at ``start`` inflates to through ``inflater`` (a zlib
    decompressor), counted up to ``limit + 1``, in pieces, the output discarded."""
    view = memoryview(data)
    size, at = 0, start
    try:
        while at < len(data) and not inflater.eof and size <= limit:
            pending: bytes | memoryview = view[at : at + _PIECE]
            at += len(pending)
            while pending and size <= limit and not inflater.eof:  # at eof zlib repeats the tail
                size += len(inflater.decompress(pending, _PIECE))
                pending = inflater.unconsumed_tail
    except zlib.error:
        pass  # not zlib data after all, or damaged: what inflated so far counts
    return size


_PYPDF_LIMITS = (
    "maximum_declared_stream_length",
    "array_based_stream_maximum_output_length",
    "jbig2_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "zlib_maximum_output_length",
    "brotli_maximum_output_length",
)


@contextlib.contextmanager
def parser_limits(suffix: str, limits: LoadLimits) -> Iterator[None]:
    """Within the block, pypdf's per-stream output limits are ``max_inflated_bytes``, and so is
    what pdfminer may decode of any one stream, whatever its filters or encryption (PDF only)."""
    if suffix != ".pdf":
        yield
        return
    from pypdf import apply_configuration, get_configuration

    _bound_pdfminer()
    known = {name for name in _PYPDF_LIMITS if hasattr(get_configuration(), name)}
    token = _PDF_LIMIT.set(limits.max_inflated_bytes)
    try:
        with apply_configuration(**dict.fromkeys(known, limits.max_inflated_bytes)):  # type: ignore[arg-type]
            yield
    finally:
        _PDF_LIMIT.reset(token)


# pdfminer decodes every stream it reads in one call, without a limit: after decryption and
# through any chain of filters, where the byte check above cannot see. Its decoders are replaced
# (once) by ones that stop at the limit of the file being read (none outside ``parser_limits``).
_PDF_LIMIT: contextvars.ContextVar[int | None] = contextvars.ContextVar("pdf_inflation_limit", default=None)


def _bound_pdfminer() -> None:
    """Put the bounded decoders into pdfminer's stream decoding (idempotent)."""
    from pdfminer import pdftypes

    if not isinstance(pdftypes.zlib, _BoundedZlib):
        pdftypes.zlib = _BoundedZlib()  # type: ignore[assignment]
        pdftypes.decompress_corrupted = _inflate_damaged
        pdftypes.lzwdecode = _lzw_decode
        pdftypes.rldecode = _run_length_decode


def _decoded(size: int) -> None:
    """Raise when ``size`` decoded bytes of one stream pass the current limit."""
    limit = _PDF_LIMIT.get()
    if limit is not None and size > limit:
        raise _too_big("a compressed stream inflates to", size, limit, more=True)


class _BoundedZlib:
    """zlib for pdfminer: ``decompress`` inflates no more than the limit (one byte more, to tell)."""

    error = zlib.error

    def __getattr__(self, name: str) -> Any:
        return getattr(zlib, name)

    @staticmethod
    def decompress(data: bytes) -> bytes:
        """Like ``zlib.decompress``, refusing output beyond the limit."""
        limit = _PDF_LIMIT.get()
        inflater = zlib.decompressobj()
        out = inflater.decompress(data, 0 if limit is None else limit + 1)
        _decoded(len(out))
        if not inflater.eof:
            raise zlib.error("incomplete or truncated stream")
        return out


def _inflate_damaged(data: bytes) -> bytes:
    """pdfminer's fallback for a damaged zlib stream: what inflates before the damage (bounded)."""
    inflater, pieces, size = zlib.decompressobj(), [], 0
    for at in range(0, len(data), 1024):  # 1 KB of deflate inflates to 1 MB at the most
        try:
            pieces.append(inflater.decompress(data[at : at + 1024]))
        except zlib.error:
            break
        size += len(pieces[-1])
        _decoded(size)
    return b"".join(pieces)


def _lzw_decode(data: bytes) -> bytes:
    """pdfminer's LZW decoder, stopped at the limit."""
    from pdfminer.lzw import LZWDecoder

    pieces, size = [], 0
    for piece in LZWDecoder(io.BytesIO(data)).run():
        size += len(piece)
        _decoded(size)
        pieces.append(piece)
    return b"".join(pieces)


def _run_length_decode(data: bytes) -> bytes:
    """RunLengthDecode (PDF 1.4, 3.3.4) into bytes, stopped at the limit."""
    out, at = bytearray(), 0
    while at < len(data) and data[at] != 128:
        length = data[at]
        out += data[at + 1 : at + length + 2] if length < 128 else data[at + 1 : at + 2] * (257 - length)
        at += length + 2 if length < 128 else 2
        _decoded(len(out))
    return bytes(out)


def _too_big(what: str, size: int, limit: int, more: bool = False) -> LoadError:
    shown = f"more than {limit / _MB:,.0f} MB" if more else f"{size / _MB:,.1f} MB"
    return LoadError(
        f"decompression bomb, over the inflation limit: {what} {shown} (the limit is {limit / _MB:,.0f} MB)"
    )


# --- time budget and cancellation --------------------------------------------------------


@dataclass
class Budget:
    """A file's time budget and the ingest's cancellation signal, checked at checkpoints."""

    seconds: float
    cancel: threading.Event | None = None
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = self.started or time.monotonic()

    def check(self) -> None:
        """Raise ``IngestCancelled`` if cancelled, ``LoadError`` if the time is up."""
        if self.cancel is not None and self.cancel.is_set():
            raise IngestCancelled("ingest cancelled")
        elapsed = time.monotonic() - self.started
        if elapsed > self.seconds:
            raise LoadError(f"took too long ({elapsed:,.0f} s; the limit per file is {self.seconds:,.0f} s)")


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("ingest_budget", default=None)


@contextlib.contextmanager
def budget(seconds: float, cancel: threading.Event | None = None) -> Iterator[Budget]:
    """Run the block under a time budget (and cancellation) that ``checkpoint()`` enforces."""
    current = Budget(seconds, cancel)
    token = _BUDGET.set(current)
    try:
        yield current
    finally:
        _BUDGET.reset(token)


def checkpoint() -> None:
    """Between two pieces of work: stop if the current file's budget is spent or cancelled."""
    current = _BUDGET.get()
    if current is not None:
        current.check()


# --- progress ----------------------------------------------------------------------------

#: ``on_progress(done, total, label)``: ``done`` files of ``total`` (a fraction for the file in
#: progress, from its embedding batches), ``label`` what is being done.
ProgressCallback = Callable[[float, int, str], None]


#: The part of a file's progress that embedding fills; writing the index takes the rest.
EMBEDDING_SHARE = 0.9


class IngestProgress:
    """Reports progress within and across files to a callback and/or a console bar (tqdm)."""

    def __init__(self, total: int, callback: ProgressCallback | None, console: bool) -> None:
        self.total = total
        self.callback = callback
        self.bar: Any = None
        if console and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="file", desc="Ingesting", bar_format=_BAR)
        self._file = 0
        self._label = ""

    def start_file(self, index: int, label: str) -> None:
        """File ``index`` (from 0) begins (reported with its bare name: it is being read)."""
        self._file, self._label = index, label
        self._report(float(index), label)

    def texts_embedded(self, done: int, total: int) -> None:
        """``done`` of the current file's ``total`` texts are embedded (a checkpoint too).

        Embedding fills ``EMBEDDING_SHARE`` of the file's part of the bar; saving the rest."""
        fraction = done / total if total else 1.0
        self._report(
            self._file + EMBEDDING_SHARE * fraction, f"{self._label}: embedded {done:,} of {total:,} texts"
        )
        checkpoint()

    def saving(self) -> None:
        """The current file's passages and vectors are being written (the bar stops short of done)."""
        self._report(self._file + EMBEDDING_SHARE, f"{self._label}: saving")

    def finish(self) -> None:
        """All files done (or the ingest stopped)."""
        self._report(float(self.total), "done")
        if self.bar is not None:
            self.bar.close()

    def _report(self, done: float, label: str) -> None:
        if self.callback is not None:
            self.callback(done, self.total, label)
        if self.bar is not None:
            self.bar.n = round(done, 2)
            self.bar.set_postfix_str(label[-60:], refresh=True)


_BAR = "{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total} files [{elapsed}<{remaining}]{postfix}"
