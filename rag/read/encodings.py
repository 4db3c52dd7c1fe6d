"""Western European legacy text: recognise cp1252 / Latin-1 before guessing rarer code pages.

Statistical detectors need many bytes; on a short file they pick cp775, cp1250 or even UTF-16
for plain Latin-1 ("Z³rich"). Bytes that are not UTF-8 are far more often cp1252 or Latin-1 than
anything else, so that reading is tried first and kept when the text it gives looks like a
Western language: every non-ASCII character a Latin letter or common typographic punctuation,
and accented letters a minority of all letters. Text in Cyrillic, Greek, Hebrew or Arabic code
pages fails the second test (nearly every letter is a high byte); the characters Central
European code pages put where cp1252 has ``¹ ³ ¼ ¾ ¥`` (ą ł Ľ ľ Ą) or a ``¿`` inside a word (ż)
fail the first. Turkish or Czech text without such letters may still pass: it then reads as
cp1252 with a few wrong accents, where a detector would have been right on long texts.
"""

from __future__ import annotations

import unicodedata

#: Non-letters a Western text may hold (none of them between two letters but ``_IN_WORDS``).
_PUNCTUATION = frozenset("\u00a0\u00ad“”‘’‚„–—…•†‡€£¢©®™°±§¶·«»×÷´¹²³¼½¾‰¬µ¿¡ºª")
#: Non-letters that may stand between two letters (an apostrophe, a soft hyphen, a middle dot).
_IN_WORDS = frozenset("’‘\u00ad·")
#: Share of letters that may be non-ASCII (French, German, Spanish: under 10%).
_MAX_ACCENTED_SHARE = 0.3
#: charset-normalizer's names of the code pages ``decode_western`` already tried.
_WESTERN = frozenset({"cp1252", "latin_1", "iso8859_1", "iso8859_15"})


def decode_western(data: bytes) -> tuple[str, str] | None:
    """``(text, codec)`` if the bytes read as Western European cp1252 or Latin-1, else None."""
    for codec in ("cp1252", "latin-1"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        return (text, codec) if _looks_western(text) else None
    return None


def decode_detected(data: bytes) -> tuple[str, str] | None:
    """Bytes that are neither UTF-8 nor Western: charset-normalizer's guess, or None.

    Among its least chaotic readings, Western ones (already refused) come last and Windows
    code pages (cp1250, cp1251, ...) first: a report is likelier cp1251 than mac_cyrillic.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    calm = [m for m in matches if m.chaos <= min(x.chaos for x in matches)]
    calm.sort(key=lambda m: (m.encoding in _WESTERN, not m.encoding.startswith("cp125")))
    return str(calm[0]), calm[0].encoding


def _looks_western(text: str) -> bool:
    letters = accented = 0
    for at, char in enumerate(text):
        if char.isalpha():
            letters += 1
        if ord(char) > 127:
            if not _western_char(char, text[at - 1 : at], text[at + 1 : at + 2]):
                return False
            accented += char.isalpha() and char not in _PUNCTUATION
    return accented <= _MAX_ACCENTED_SHARE * letters


def _western_char(char: str, before: str, after: str) -> bool:
    """A non-ASCII character Western text holds here (``¹ ³ ¿`` inside a word are ą ł ż)."""
    if char in _PUNCTUATION:
        return char in _IN_WORDS or not (before.isalpha() and after.isalpha())
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN")
