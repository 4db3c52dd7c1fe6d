"""Serialise hand-written PDF objects into a valid file (for fixtures built in tests)."""

from __future__ import annotations


def pdf_bytes(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF file of ``objects`` (object 1 is the catalog), with a correct cross-reference table.

    ``trailer`` adds entries to the trailer dictionary (e.g. ``b" /Info 7 0 R"``).
    """
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, trailer)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
