"""Hostile files built on the fly: a DOCX decompression bomb and a PDF with a huge stream."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

from tests.pdf_bytes import pdf_bytes

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def docx_bomb(path: Path, inflated_mb: int = 500) -> Path:
    """A valid DOCX whose ``word/document.xml`` inflates to ``inflated_mb`` MB (1.7 MB on disk)."""
    import docx

    template = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Cover note.")
    document.save(template)
    source = zipfile.ZipFile(io.BytesIO(template.getvalue()))
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}"><w:body>'
    block = b"<w:p><w:r><w:t>The convoy reached the checkpoint at dawn.</w:t></w:r></w:p>" * 10_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info, source.read(info))
        entry = zipfile.ZipInfo("word/document.xml")
        entry.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(entry, "w", force_zip64=True) as handle:
            handle.write(head.encode())
            for _ in range(inflated_mb * 1_000_000 // len(block) + 1):
                handle.write(block)
            handle.write(b"</w:body></w:document>")
    return path


def pdf_with_huge_stream(path: Path, inflated_mb: int = 500) -> Path:
    """A one-page PDF whose content stream (FlateDecode) inflates to ``inflated_mb`` MB."""
    line = b"BT /F1 12 Tf 72 720 Td (The convoy reached the checkpoint at dawn.) Tj ET\n"
    inflater = zlib.compressobj(9)
    chunk = line * (1_000_000 // len(line))
    parts = [inflater.compress(chunk) for _ in range(inflated_mb)]
    data = b"".join(parts) + inflater.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(data), data),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    path.write_bytes(pdf_bytes(objects))
    return path
