"""Topic overviews ("What happened in Idlib province?") and comparisons ("compare A and B").

Both quote the sentences about a topic across the reports in scope: the prose sentences (as a
brief takes them) of the reports that mention it (``rag.answer.across.topic_patterns``), those
that mention it first, scored by closeness to the topic's words plus centrality in their report
and picked by MMR so that no two say the same. A topic overview quotes the 3-6 best, grouped by
report; a comparison quotes up to three per side, each side its own group (a side that names a
report is quoted by that report's brief). A topic no report in scope mentions is left to the
answerers (``None``); a comparison with neither side found abstains.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.answer.across import matches_any, reports_mentioning, topic_patterns
from rag.answer.brief import (
    Briefer,
    briefing_answer,
    centrality,
    eligible_sentences,
    mmr,
    no_answer,
    one_line,
    resolve_name,
    scaled,
)
from rag.answer.cite import cite
from rag.index.catalog import Catalog
from rag.types import Answer, Citation

#: Sentences a topic overview quotes (fewer when fewer mention the topic), and per comparison side.
TOPIC_MIN, TOPIC_MAX, SIDE_SENTENCES = 3, 6, 3

#: Weight of a sentence's centrality in its report beside its closeness to the topic's words.
WEIGHT_CENTRAL = 0.5


@dataclass(frozen=True)
class Quote:
    """A sentence to quote: its report, passage, offsets and score."""

    source: str
    passage_id: str
    start: int
    end: int
    score: float


def report_variants(target: str, scope: Sequence[str]) -> str | None:
    """The report of ``scope`` that ``target`` names ("korea.txt", "korea", "uk asylum form")."""
    for name in (target, target.replace(" ", "_"), target.replace(" ", "-")):
        if name and (found := resolve_name(name, scope)) is not None:
            return found
    return None


def topic_quotes(
    index: Any, term: str, scope: Sequence[str], count: int, avoid: Sequence[re.Pattern[str]] = ()
) -> tuple[list[Quote], int]:
    """The ``count`` best sentences about ``term`` in ``scope`` (see the module's docstring), best
    first, and how many sentences mention it; a sentence matching ``avoid`` (the other
    side of a comparison) ranks after the rest."""
    catalog: Catalog = index.catalog()
    patterns = topic_patterns(term)
    vector = np.asarray(index.embedder.encode([term])[0], dtype=np.float32)
    quotes: list[Quote] = []
    vectors: list[np.ndarray] = []
    mentioning = 0
    for source in reports_mentioning(catalog, patterns, scope):
        text = index.text_or_empty(source)
        found = eligible_sentences(catalog, catalog.sources.index(source), text)
        if not len(found):
            continue
        central = scaled(centrality(found.vectors))
        for i, (start, end) in enumerate(found.spans):
            sentence = text[start:end]
            mentions = matches_any(patterns, sentence)
            mentioning += mentions
            score = float(found.vectors[i] @ vector) + WEIGHT_CENTRAL * float(central[i])
            score -= (0.0 if mentions else 2.0) + (1.0 if avoid and matches_any(avoid, sentence) else 0.0)
            quotes.append(Quote(source, found.passage_ids[i], start, end, score))
            vectors.append(found.vectors[i])
    if not quotes:
        return [], 0
    chosen = mmr(np.array([q.score for q in quotes]), np.stack(vectors), count)
    return [quotes[i] for i in chosen], mentioning


def _grouped(citations: Sequence[Citation], order: Sequence[str], indent: str = "") -> list[str]:
    """Lines: each report's name, then its quotes (marker after each), reports in ``order``."""
    lines: list[str] = []
    for source in order:
        mine = [c for c in citations if c.source == source]
        if mine:
            lines.append(f"{indent}{source}:")
            lines += [f"{indent}  {one_line(c.quote)} [{c.marker}]" for c in mine]
    return lines


def _cite(index: Any, quotes: Sequence[Quote], first_marker: int = 1) -> tuple[Citation, ...]:
    """Verified citations of ``quotes``, numbered from ``first_marker``."""
    texts = {q.source: index.text_or_empty(q.source) for q in quotes}
    _, citations = cite("", [(q.source, q.passage_id, q.start, q.end) for q in quotes], texts)
    return tuple(c.model_copy(update={"marker": c.marker + first_marker - 1}) for c in citations)


def _best_first(quotes: Sequence[Quote]) -> list[str]:
    """The reports of ``quotes``, the one of the best-scored quote first."""
    return list(dict.fromkeys(q.source for q in sorted(quotes, key=lambda q: -q.score)))


class Topics:
    """Answers topic overviews and comparisons from an index (see the module's docstring)."""

    def __init__(self, index: Any, briefer: Briefer) -> None:
        self.index = index
        self.briefer = briefer

    def _scope(self, sources: Sequence[str] | None) -> list[str]:
        catalog: Catalog = self.index.catalog()
        return [s for s in catalog.sources if sources is None or s in set(sources)]

    def overview(self, question: str, topic: str, sources: Sequence[str] | None = None) -> Answer | None:
        """The 3-6 most central sentences about ``topic`` in scope, grouped by report; None if
        no report in scope mentions it."""
        scope = self._scope(sources)
        quotes, mentioning = topic_quotes(self.index, topic, scope, TOPIC_MAX)
        quotes = quotes[: max(TOPIC_MIN, min(mentioning, TOPIC_MAX))] if mentioning else []
        if not quotes:
            return None
        order = _best_first(quotes)
        quotes = sorted(quotes, key=lambda q: (order.index(q.source), q.start))  # grouped, report order
        citations = _cite(self.index, quotes)
        reports = f"{len(order)} report{'s' if len(order) > 1 else ''}"
        text = "\n".join([f"{topic}, in {reports}:", *_grouped(citations, order)])
        return briefing_answer(question, text, citations, self.index.catalog(), topic)

    def side(self, name: str, other: str, scope: Sequence[str], first_marker: int) -> tuple[Citation, ...]:
        """The citations of one side of a comparison: its report's brief, else its sentences."""
        report = report_variants(name, scope)
        if report is not None:
            brief = self.briefer.brief(report, SIDE_SENTENCES, entities=False)
            return tuple(
                c.model_copy(update={"marker": c.marker + first_marker - 1}) for c in brief.citations
            )
        quotes, mentioning = topic_quotes(self.index, name, scope, SIDE_SENTENCES, topic_patterns(other))
        quotes = sorted(quotes[:mentioning], key=lambda q: (scope.index(q.source), q.start))
        return _cite(self.index, quotes, first_marker)

    def compare(self, question: str, a: str, b: str, sources: Sequence[str] | None = None) -> Answer:
        """Each side's quotes, grouped by side then report; abstains when neither is found."""
        scope = self._scope(sources)
        first = self.side(a, b, scope, 1)
        second = self.side(b, a, scope, len(first) + 1)
        if not first and not second:
            return no_answer(question, f"No report in scope mentions {a} or {b}.", f"{a} {b}")
        lines: list[str] = []
        for name, citations in ((a, first), (b, second)):
            lines.append(f"{name}:")
            order = list(dict.fromkeys(c.source for c in citations))
            if order == [report_variants(name, order)]:  # the side is that report: no second heading
                lines += [f"  {one_line(c.quote)} [{c.marker}]" for c in citations]
                continue
            lines += _grouped(citations, order, "  ") or [f"  No report in scope mentions {name}."]
        catalog: Catalog = self.index.catalog()
        return briefing_answer(question, "\n".join(lines), first + second, catalog, f"{a} {b}")
