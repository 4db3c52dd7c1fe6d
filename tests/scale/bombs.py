"""Hostile files built on the fly: a DOCX decompression bomb and a PDF with a huge stream."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from tests.pdf_bytes import pdf_bytes

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bomb(path: Path, inflated_mb: int = 500, zip64: bool = True) -> Path:
    """A valid DOCX whose ``word/document.xml`` inflates to ``inflated_mb`` MB (1.7 MB on disk)."""
    source = _template()
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}"><w:body>'
    block = b"<w:p><w:r><w:t>The convoy reached the checkpoint at dawn.</w:t></w:r></w:p>" * 10_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info, source.read(info))
        entry = zipfile.ZipInfo("word/document.xml")
        entry.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(entry, "w", force_zip64=zip64) as handle:
            handle.write(head.encode())
            for _ in range(inflated_mb * 1_000_000 // len(block) + 1):
                handle.write(block)
            handle.write(b"</w:body></w:document>")
    return path


def _template() -> zipfile.ZipFile:
    """python-docx's blank document with one paragraph, as an open zip."""
    import docx

    template = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Cover note.")
    document.save(template)
    return zipfile.ZipFile(io.BytesIO(template.getvalue()))


def docx_understating(path: Path, inflated_mb: int = 1100, declared: int = 5_000) -> Path:
    """A DOCX bomb whose headers lie: ``word/document.xml`` declares ``declared`` bytes in its
    local and its central header, and inflates to ``inflated_mb`` MB (about 1 MB on disk)."""
    docx_bomb(path, inflated_mb, zip64=False)  # 32-bit size fields, patched below
    data = bytearray(path.read_bytes())
    local = zipfile.ZipFile(path).getinfo("word/document.xml").header_offset
    data[local + 22 : local + 26] = declared.to_bytes(4, "little")
    central = _central_header(data, "word/document.xml")
    data[central + 24 : central + 28] = declared.to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def _central_header(data: bytes | bytearray, name: str) -> int:
    """The offset of ``name``'s header in the zip's central directory."""
    at = int.from_bytes(data[data.rfind(b"PK\x05\x06") + 16 :][:4], "little")
    while data[at : at + 4] == b"PK\x01\x02":
        sizes = [int.from_bytes(data[at + i : at + i + 2], "little") for i in (28, 30, 32)]
        if data[at + 46 : at + 46 + sizes[0]] == name.encode():
            return at
        at += 46 + sum(sizes)
    raise KeyError(name)


def pdf_with_huge_stream(path: Path, inflated_mb: int = 500) -> Path:
    """A one-page PDF whose content stream (FlateDecode) inflates to ``inflated_mb`` MB."""
    line = b"BT /F1 12 Tf 72 720 Td (The convoy reached the checkpoint at dawn.) Tj ET\n"
    inflater = zlib.compressobj(9)
    chunk = line * (1_000_000 // len(line))
    parts = [inflater.compress(chunk) for _ in range(inflated_mb)]
    data = b"".join(parts) + inflater.flush()
    return _one_page(
        path, b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(data), data)
    )


def pdf_run_length(path: Path, decoded_mb: int) -> Path:
    """A one-page PDF whose content stream (RunLengthDecode, 64 times smaller) decodes to
    ``decoded_mb`` MB: no zlib data for the byte check to measure."""
    runs = bytes([129]) + b"x"  # 128 times "x"
    data = runs * (decoded_mb * 1_000_000 // 128 + 1) + bytes([128])
    return _one_page(
        path, b"<< /Length %d /Filter /RunLengthDecode >>\nstream\n%s\nendstream" % (len(data), data)
    )


def pdf_encrypted_stream(path: Path, inflated_mb: int) -> Path:
    """A PDF encrypted with an empty user password whose content stream (FlateDecode, then
    RC4) inflates to ``inflated_mb`` MB: the byte check sees only ciphertext."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(300, 300)
    stream = DecodedStreamObject()
    line = b"BT /F1 12 Tf 20 200 Td (The convoy reached the checkpoint.) Tj ET\n"
    stream.set_data(line * (inflated_mb * 1_000_000 // len(line) + 1))
    page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def _one_page(path: Path, contents: bytes) -> Path:
    """A one-page PDF whose page content is the stream object ``contents``."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        contents,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    path.write_bytes(pdf_bytes(objects))
    return path
