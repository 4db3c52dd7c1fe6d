"""Header blocks of a report's text -> report metadata (title, date, kind), not passages.

Reports open with lines that say what the document is rather than what happened: a title, an
issue date, product codes ("WTNT31 KNHC 051457", "PNSSHV", zone lines, "IN12609"), the issuer
("National Weather Service Shreveport LA", "Congressional Research Service", "Prepared for
Members and Committees of Congress") and the kind of product ("Public Information Statement",
"FACT SHEET", "FOR IMMEDIATE RELEASE"). ``parse_header`` finds that leading block in the
extracted text, so the chunker can leave it out of the passages (except the date line, kept as a
one-sentence passage so that "When was the statement issued?" can be answered) and the load
stage can store title, date and kind with the report. End markers such as ``$$``, ``&&``,
``NNNN`` and forecaster initials are recognised by ``is_marker_paragraph``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?"
#: A clock time after a date: ", 18:00 local time", " at 0900 UTC", ", 6 p.m. EST".
_TIME = r"(?:,?\s+(?:at\s+)?\d{1,2}(?:[:.]?\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s+[a-z]+){0,2})"
_DATE = re.compile(
    rf"(?i)^(?:(?:updated|issued|released|published|dated|date|as of)\s*:?\s+)?(?:{_DAY}\s+)?"
    rf"(?:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{3,4}}\s+[ap]\.?m\.?\s+[a-z]{{3}}\s+{_DAY}\s+{_MONTH}\s+\d{{1,2}},?\s+\d{{4}})"
    rf"{_TIME}?$"
)
_CODE = re.compile(
    r"^(?:\d{3}"  # LDM sequence number
    r"|[A-Z]{4}\d{2} [A-Z]{4} \d{6}(?: [A-Z]{3})?"  # WMO heading
    r"|[A-Z]{3}[A-Z0-9]{1,3}"  # AWIPS id
    r"|(?=[A-Z0-9>-]*\d)[A-Z0-9>-]{6,}-"  # UGC zone line
    r"|(?:IN|IF|RL|RS|R|LSB)\d{4,6}(?: · .*)?"  # CRS product number
    r")$"
)
_MARKER = re.compile(r"^(?:\$\$|&&|NNNN|=+|(?:FORECASTER )?[A-Z]{2,}(?:/[A-Z]{2,})+)$")
_KIND = re.compile(
    r"(?i)^(?:public information statement|bulletin|fact sheet|statement|press release|news release"
    r"|for immediate release|insighti?|crs insight|in focus|memorandum|readout|advisory|situation report)$"
)
_ISSUER = re.compile(
    r"(?i)^(?:national weather service\b.*|nws national [a-z ]+\b.*|the white house"
    r"|office of the press secretary"
    r"|congressional research service|prepared for members and(?: committees of congress)?"
    r"|committees of congress"
    r"|https?://\S+|www\.\S+)$"
)
_TITLE_KINDS = (
    ("fact sheet", "Fact sheet"),
    ("statement", "Statement"),
    ("readout", "Readout"),
    ("situation report", "Situation report"),
)
_KIND_NAMES = {"insighti": "CRS Insight", "insight": "CRS Insight", "crs insight": "CRS Insight"}
_MAX_HEADER_PARAGRAPHS = 12
#: A heading line of at most this many words right under the title is its subtitle.
_SUBTITLE_WORDS = 12


@dataclass(frozen=True)
class Header:
    """A report's leading header block: its metadata and where the body starts."""

    title: str = ""
    date: str = ""
    kind: str = ""
    body_start: int = 0
    date_span: tuple[int, int] | None = None


def line_role(line: str) -> str:
    """``code``, ``marker``, ``date``, ``kind``, ``issuer``, ``headline`` or ``text``."""
    line = " ".join(line.split())
    if _MARKER.match(line):
        return "marker"
    if _DATE.match(line):
        return "date"
    if _CODE.match(line):
        return "code"
    if _KIND.match(line.rstrip(":")):
        return "kind"
    if _ISSUER.match(line):
        return "issuer"
    if len(line) > 6 and line.startswith("...") and line.endswith("..."):
        return "headline"
    return "text"


def is_marker_paragraph(paragraph: str) -> bool:
    """True for a paragraph of end markers and codes only (``$$``, ``&&``, initials, zones)."""
    return all(line_role(line) in {"marker", "code"} for line in paragraph.split("\n") if line.strip())


def parse_header(text: str, spans: list[tuple[int, int]]) -> Header:
    """The header block at the start of ``text``, given its paragraph ``spans`` (start, end)."""
    title = date = kind = issuer = ""
    date_span: tuple[int, int] | None = None
    body_start = 0
    for start, end in spans[:_MAX_HEADER_PARAGRAPHS]:
        found = _header_lines(text, start, end, bool(title))
        if found is None:
            break
        for role, line, at in found:
            if role == "title":
                title = " ".join(line.lstrip("#").strip(".").split())
            elif role == "subtitle":
                title = f"{title}: {' '.join(line.strip('.').split())}"
            elif role == "date" and not date:
                date, date_span = line, (at, at + len(line))
            elif role == "kind" and not kind:
                kind = " ".join(line.rstrip(":").split())
            elif role == "issuer" and not issuer:
                issuer = " ".join(line.split())
        body_start = end
    if body_start >= spans[-1][1] if spans else True:  # all of it looks like a header: no header
        return Header()
    return Header(title, date, _kind(kind, title, issuer), body_start, date_span)


def _header_lines(text: str, start: int, end: int, titled: bool) -> list[tuple[str, str, int]] | None:
    """(role, line, offset) of each line of a header paragraph; None if it is body text.

    A heading-like line (short, not ending like a sentence) is the title when no title was
    seen yet, or its subtitle right under it; any other line must be a date, code, marker,
    kind or issuer line.
    """
    out: list[tuple[str, str, int]] = []
    at = start
    for line in text[start:end].split("\n"):
        stripped = line.strip()
        offset = at + line.find(stripped) if stripped else at
        at += len(line) + 1
        if not stripped:
            continue
        role = line_role(stripped)
        if role in {"text", "headline"}:
            words = stripped.strip(".").split()
            sentence = role == "text" and stripped.endswith((".", "!", "?", ";"))
            if not words or sentence:
                return None
            if out and out[-1][0] == "title" and len(words) <= _SUBTITLE_WORDS:
                role = "subtitle"  # a heading line right under the title
            elif titled or len(words) > 25:
                return None
            else:
                role, titled = "title", True
        out.append((role, stripped, offset))
    return out


def _kind(kind: str, title: str, issuer: str) -> str:
    """The product kind: a kind line, else one named by the title, else the issuer."""
    if kind:
        kind = _KIND_NAMES.get(kind.lower(), kind)
        return kind[:1].upper() + kind[1:].lower() if kind.isupper() else kind
    lowered = title.lower()
    for prefix, name in _TITLE_KINDS:
        if lowered.startswith(prefix):
            return name
    return issuer
