"""Overview questions in the chat, answered with briefs; "which reports mention X?" across reports.

``rag.answer.intent`` recognises the requests (``overview_target``, ``mention_target``, ...);
anything else is a question for the answerers. An overview ("Summarize the report", "summarize the Wadi
Deif report", "what is this report about?", "main points of korea.txt") is answered with the
brief of the report it names, else of the single report in scope, else of the report that best
matches the words it uses; with no words and several reports in scope, with each report's most
salient sentence. The answers are ordinary ``Answer`` objects: text with ``[n]`` markers and
exact citations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from rag.answer.across import mentions
from rag.answer.brief import BRIEF_SENTENCES, Briefer, briefing_answer, one_line, resolve_name
from rag.answer.cite import cite
from rag.answer.intent import intent
from rag.answer.timeline import Timelines
from rag.answer.topic import Topics, report_variants
from rag.index.catalog import Catalog
from rag.types import Answer, Citation

#: Most reports an overview of several reports quotes (one sentence each).
OVERVIEW_REPORTS = 8


def _listed(citations: Sequence[Citation]) -> str:
    """Text naming each citation's report, then its quote and marker, one per line."""
    return "\n".join(f"{c.source}: {one_line(c.quote)} [{c.marker}]" for c in citations)


class Briefings:
    """Answers overview and "which reports" questions (``answer`` returns None for others)."""

    def __init__(self, index: Any, briefer: Briefer) -> None:
        self.index = index
        self.briefer = briefer
        self.timelines = Timelines(index)
        self.topics = Topics(index, briefer)

    def answer(self, question: str, sources: Sequence[str] | None = None) -> Answer | None:
        """The ``Answer`` to a briefing request (``rag.answer.intent``), else None."""
        asked = intent(question)
        if asked is None:
            return None
        if asked.kind == "mention":
            return self.which_reports(question, asked.target, sources)
        if asked.kind == "timeline":
            return self.timelines.answer(question, asked.target, sources)
        if asked.kind == "compare":
            return self.topics.compare(question, asked.target, asked.other, sources)
        if asked.kind == "topic":
            scope = sources if sources is not None else self.index.catalog().sources
            if report_variants(asked.target, scope) is None:
                return self.topics.overview(question, asked.target, sources)
        return self.overview(question, asked.target, sources)

    def which_reports(self, question: str, term: str, sources: Sequence[str] | None = None) -> Answer:
        """Every report in scope that mentions ``term``, each cited once; abstains if none does."""
        catalog: Catalog = self.index.catalog()
        found = mentions(catalog, term, sources)
        texts = {m.source: self.index.text_or_empty(m.source) for m in found}
        _, citations = cite("", [(m.source, m.passage_id, m.start, m.end) for m in found], texts)
        if not citations:
            text = f"No report in scope mentions {term}."
            return Answer(question=question, text=text, abstained=True, retrieval_query=term)
        count = f"{len(citations)} report{'s' if len(citations) > 1 else ''}"
        text = f"{count} mention{'s' if len(citations) == 1 else ''} {term}:\n{_listed(citations)}"
        return briefing_answer(question, text, citations, catalog, term)

    def overview(self, question: str, target: str, sources: Sequence[str] | None = None) -> Answer:
        """The brief of the report ``target`` names (see the module's docstring)."""
        catalog: Catalog = self.index.catalog()
        scope = list(sources) if sources is not None else list(catalog.sources)
        source = self.choose_report(catalog, target, scope)
        if source is None:
            return self._several(question, catalog, scope)
        brief = self.briefer.brief(source, BRIEF_SENTENCES, entities=False)
        return briefing_answer(question, brief.text, brief.citations, catalog, target or source)

    def choose_report(self, catalog: Catalog, target: str, scope: Sequence[str]) -> str | None:
        """The report an overview is about: named, alone in scope, or best matching ``target``."""
        if not scope:
            return None
        for name in (target, target.replace(" ", "_"), target.replace(" ", "-")):
            if name and (found := resolve_name(name, scope)) is not None:
                return found
        if len(scope) == 1:
            return scope[0]
        if not target:
            return None
        vector = self.index.embedder.encode([target])[0]
        scores = catalog.score(target, vector, 0.0)
        words = scores.reports / max(float(scores.reports.max(initial=0.0)), 1e-9)
        combined = scores.report_dense + scores.title_dense + words
        allowed = np.array([s in set(scope) for s in catalog.sources], dtype=bool)
        return catalog.sources[int(np.argmax(np.where(allowed, combined, -np.inf)))]

    def _several(self, question: str, catalog: Catalog, scope: Sequence[str]) -> Answer:
        """Each report's most salient sentence (the first ``OVERVIEW_REPORTS`` reports in scope)."""
        quotes: list[tuple[str, str, int, int]] = []
        for source in sorted(scope)[:OVERVIEW_REPORTS]:
            brief = self.briefer.brief(source, 1, entities=False)
            quotes.extend((c.source, c.passage_id, c.start, c.end) for c in brief.citations)
        texts = {s: self.index.text_or_empty(s) for s, *_ in quotes}
        _, citations = cite("", quotes, texts)
        more = len(scope) - OVERVIEW_REPORTS
        tail = f"\n({more} more reports in scope: name one to summarize it.)" if more > 0 else ""
        return briefing_answer(question, _listed(citations) + tail, citations, catalog, "")
