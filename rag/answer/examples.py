"""Example questions about the reports in scope, for the chat page's "Try asking" line.

Built from the reports' briefs (``Briefer.brief``: title and key entities), so an example never
speaks of a report that is not there: a summary of the first report (by its title), which
reports mention its best-known place (or organisation), and what happened at another place.
The first two are answered from the briefs (``rag.answer.overview``), the third by search.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.types import Brief

#: Most words of a title an example question repeats.
TITLE_WORDS = 8
#: Entity kinds an example may name, most telling first.
EXAMPLE_KINDS = ("place", "organisation", "person")


def short_title(title: str, words: int = TITLE_WORDS) -> str:
    """The first ``words`` words of ``title`` (whole words; trailing punctuation dropped)."""
    kept = title.split()[:words]
    return " ".join(kept).rstrip(" ,;:–—-")


def _names(brief: Brief, kind: str) -> list[str]:
    """Entity names of ``kind`` in ``brief`` that read as names (two letters or more, capitalised)."""
    return [e.text for e in brief.entities if e.kind == kind and len(e.text) > 1 and e.text[0].isupper()]


def example_questions(briefs: Sequence[Brief], count: int = 3) -> list[str]:
    """Up to ``count`` questions about the reports of ``briefs`` (the reports in scope, best first)."""
    if not briefs or count < 1:
        return []
    first = briefs[0]
    title = short_title(first.title) if first.title and first.title != first.source else ""
    if len(briefs) == 1:
        out = ["Summarize the report"]
    else:
        out = [f"Summarize the report “{title or first.source}”"]
    used: set[str] = set()
    for position, brief in enumerate([*briefs[1:], first] if len(briefs) > 1 else briefs):
        names = [n for kind in EXAMPLE_KINDS for n in _names(brief, kind) if n not in used]
        if not names:
            continue
        if not any(q.startswith("Which reports") for q in out):
            out.append(f"Which reports mention {names[0]}?")
            used.add(names[0])
            names = names[1:]
        places = [n for n in _names(brief, "place") if n not in used]
        if places and len(out) < count:
            out.append(f"What happened in {places[0]}?")
            used.add(places[0])
        if len(out) >= count or position >= count:
            break
    return list(dict.fromkeys(out))[:count]
