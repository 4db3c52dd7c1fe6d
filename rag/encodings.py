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

#: Non-letters a Western text may hold anywhere.
_PUNCTUATION = frozenset("\u00a0\u00ad“”‘’‚„–—…•†‡€£¢©®™°±§¶·«»×÷´½²‰¬µ")
#: Share of letters that may be non-ASCII (French, German, Spanish: under 10%).
_MAX_ACCENTED_SHARE = 0.3


def decode_western(data: bytes) -> tuple[str, str] | None:
    """``(text, codec)`` if the bytes read as Western European cp1252 or Latin-1, else None."""
    for codec in ("cp1252", "latin-1"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        return (text, codec) if _looks_western(text) else None
    return None


def _looks_western(text: str) -> bool:
    letters = accented = 0
    previous = " "
    for char in text:
        if char.isalpha():
            letters += 1
        if ord(char) > 127:
            if not _western_char(char, previous):
                return False
            accented += char.isalpha()
        previous = char
    return accented <= _MAX_ACCENTED_SHARE * letters


def _western_char(char: str, previous: str) -> bool:
    """A non-ASCII character Western text holds (``previous`` is the character before it)."""
    if char in _PUNCTUATION:
        return True
    if char in "¿¡":  # opens a Spanish sentence; inside a word it is Polish ż read as cp1252
        return not previous.isalpha()
    if char in "ºª":  # ordinal indicators follow a digit
        return previous.isdigit()
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN")
