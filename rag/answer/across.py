"""Across reports: "Which reports mention X?", answered exhaustively within the scope.

Every passage of every report in scope is scanned (the catalog holds their texts, so no report
is read from Chroma and none is missed for not being among the top-k passages). A report
mentions X when X appears in it as a phrase: case-insensitive, on word boundaries, with spaces
and hyphens interchangeable ("al-Nusra", "al Nusra"), singular or plural, a possessive allowed;
a name's initials ("UN") and a country's adjective ("Russian") count too.
Each such report is cited once, with the first sentence (or heading line) that mentions X.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.index.catalog import Catalog

#: Leading words of X that are not part of the name ("the Red Sea" -> "Red Sea").
_ARTICLE = re.compile(r"(?i)^(?:the|a|an)\s+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Mention:
    """The first mention of X in one report: offsets into its text and the passage holding it."""

    source: str
    passage_id: str
    start: int
    end: int


def phrase_pattern(term: str) -> re.Pattern[str] | None:
    """The pattern that finds ``term`` in report text; None for a term of no words.

    Besides the phrase itself: the initials of a name of several capitalised words ("United
    Nations" -> "UN", "U.N.", matched in capitals only), and the "-n" adjective of a one-word
    name ending in "a" ("Russia" -> "Russian", "Syria" -> "Syrian").
    """
    words = _WORD.findall(_ARTICLE.sub("", term.strip()))
    if not words:
        return None
    words[-1] = _singular(words[-1])
    ways = [r"[\s\-–]*".join(re.escape(w) for w in words) + r"(?:s|es|'s|’s)?"]
    capitals = [w for w in words if w[:1].isupper()]
    if len(words) > 1 and len(capitals) == len(words):
        ways.append(r"(?-i:" + "".join(rf"{w[0]}\.?" for w in words) + ")")
    if len(words) == 1 and words[0][:1].isupper() and words[0].endswith("a"):
        ways.append(rf"{re.escape(words[0])}ns?")
    return re.compile(rf"(?<!\w)(?:{'|'.join(ways)})(?!\w)", re.IGNORECASE)


def _singular(word: str) -> str:
    """``word`` without a plural "s" ("tanks" -> "tank"; "Hawazin", "press", "bus" unchanged)."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _sentence_at(catalog: Catalog, row: int, at: int) -> tuple[int, int]:
    """The sentence of passage ``row`` holding offset ``at``, else the line of its text holding it."""
    first, last = int(catalog.sentence_rows[row]), int(catalog.sentence_rows[row + 1])
    for start, end in catalog.sentence_spans[first:last].tolist():
        if start <= at < end:
            return int(start), int(end)
    text, offset = catalog.texts[row], int(catalog.spans[row][0])
    line_start = text.rfind("\n", 0, at - offset) + 1
    line_end = text.find("\n", at - offset)
    return offset + line_start, offset + (len(text) if line_end < 0 else line_end)


def mentions(catalog: Catalog, term: str, sources: Sequence[str] | None = None) -> list[Mention]:
    """The first mention of ``term`` in each report in scope (``sources``; None: all), in name order."""
    pattern = phrase_pattern(term)
    if pattern is None:
        return []
    wanted = set(sources) if sources is not None else None
    found: list[Mention] = []
    for number, source in enumerate(catalog.sources):
        if wanted is not None and source not in wanted:
            continue
        for row in range(int(catalog.report_rows[number]), int(catalog.report_rows[number + 1])):
            match = pattern.search(catalog.texts[row])
            if match is not None:
                start, end = _sentence_at(catalog, row, int(catalog.spans[row][0]) + match.start())
                found.append(Mention(source, catalog.passage_ids[row], start, end))
                break
    return sorted(found, key=lambda m: m.source)


#: Words after a name that say what kind of place or thing it is ("Idlib province" -> "Idlib").
_NAME = re.compile(
    r"\b[A-Z][\w\u00C0-\u024F'’-]*(?:[\s-]+(?:al|el|de|of|the)?[\s-]*[A-Z][\w\u00C0-\u024F'’-]*)*"
)


def topic_patterns(term: str) -> list[re.Pattern[str]]:
    """The patterns that find a topic: the phrase (``phrase_pattern``) and, for a phrase of
    several words, the capitalised name in it alone ("Idlib province" also finds "Idlib
    Governorate"); none for a term of no words."""
    patterns = [p for p in (phrase_pattern(term),) if p is not None]
    names = [m.group(0) for m in _NAME.finditer(_ARTICLE.sub("", term.strip()))]
    if names and names[0] != _ARTICLE.sub("", term.strip()):
        name = max(names, key=len)
        if (pattern := phrase_pattern(name)) is not None and len(name) > 2:
            patterns.append(pattern)
    return patterns


def matches_any(patterns: Sequence[re.Pattern[str]], text: str) -> bool:
    """Whether one of ``patterns`` is found in ``text``."""
    return any(p.search(text) for p in patterns)


def reports_mentioning(
    catalog: Catalog, patterns: Sequence[re.Pattern[str]], sources: Sequence[str]
) -> dict[str, bool]:
    """The reports of ``sources`` one of ``patterns`` is found in, in catalog order, each mapped to
    whether it is found in the report's opening passage (the report is then about it)."""
    wanted = set(sources)
    found: dict[str, bool] = {}
    for number, source in enumerate(catalog.sources):
        if source not in wanted:
            continue
        first, last = int(catalog.report_rows[number]), int(catalog.report_rows[number + 1])
        rows = [row for row in range(first, last) if matches_any(patterns, catalog.texts[row])]
        if rows:
            found[source] = rows[0] == first or matches_any(patterns, catalog.titles[number])
    return found
