"""Timelines: "timeline of X" lists the dated sentences about X in date order, each cited.

A sentence is dated by the first date it names (``rag.text.dates_in``): a calendar date, a month
or a year, or words relative to the report's issue date ("yesterday", "on Tuesday", "last
week"), which are resolved against it and shown both ways ("Tuesday (2015-04-28)"). A date
without its year ("On 15 April") takes the year the report last named, else the first it names; in
a report without a date line that names no year before it, its label says the year is assumed
("March 28 (2011-03-28, year assumed)": a backstory year need not be the events'). Which sentences: every
dated sentence of the report X names, or of a report whose opening mentions X; in other reports
only those that mention X themselves; with no X, every dated sentence in scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from rag.answer.across import matches_any, reports_mentioning, topic_patterns
from rag.answer.brief import briefing_answer, is_prose, no_answer, one_line, resolve_name
from rag.answer.cite import cite
from rag.header import parse_header
from rag.index.catalog import Catalog
from rag.read.chunk import split_paragraphs
from rag.text import DateMention, dates_in, issue_date
from rag.types import Answer

#: Most events a timeline lists (the earliest; the rest are counted in a closing line).
TIMELINE_EVENTS = 25

#: Fewest words of a sentence a timeline quotes (shorter lines are headings or captions).
EVENT_MIN_WORDS = 4


@dataclass(frozen=True)
class Event:
    """A dated sentence: its report, passage and offsets, the date it names, its place in the report."""

    source: str
    passage_id: str
    start: int
    end: int
    when: DateMention
    order: int


def report_events(catalog: Catalog, number: int, text: str, issued: str) -> list[Event]:
    """The dated prose sentences of report number ``number`` of ``catalog``, in report order.

    ``issued`` is the report's date line (relative dates are left out without one); a date with
    no year takes the last year the report named before it, else the first it names at all (marked
    ``year_assumed`` when the report has no date line either).
    """
    body_start = parse_header(text, split_paragraphs(text)).body_start
    day = issue_date(issued) if issued else None
    year = next((m.date.year for m in dates_in(text[body_start:], day) if m.year_given), None)
    assumed = day is None  # until the report names a year: the first one it names anywhere
    seen: set[int] = set()
    events: list[Event] = []
    for passage in range(int(catalog.report_rows[number]), int(catalog.report_rows[number + 1])):
        first, last = int(catalog.sentence_rows[passage]), int(catalog.sentence_rows[passage + 1])
        for start, end in catalog.sentence_spans[first:last].tolist():
            if start < body_start or start in seen:
                continue
            seen.add(start)
            sentence = text[start:end]
            found = dates_in(sentence, day, year)
            if found and is_prose(sentence, EVENT_MIN_WORDS):
                when = found[0]
                if assumed and not when.year_given:
                    when = replace(when, year_assumed=True)
                pid = catalog.passage_ids[passage]
                events.append(Event(catalog.sources[number], pid, start, end, when, len(events)))
            if any(m.year_given for m in found):
                year, assumed = next(m.date.year for m in reversed(found) if m.year_given), False
    return events


def in_date_order(events: Sequence[Event], report_order: Sequence[str]) -> list[Event]:
    """``events`` sorted by date; equal dates keep report order, then order within the report."""
    rank = {source: i for i, source in enumerate(report_order)}
    return sorted(events, key=lambda e: (e.when.date, rank.get(e.source, 0), e.order))


class Timelines:
    """Answers timeline requests from an index (see the module's docstring)."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def events(self, target: str, sources: Sequence[str] | None = None) -> list[Event] | None:
        """The events about ``target`` in scope, in date order; None if no report mentions it."""
        catalog: Catalog = self.index.catalog()
        scope = [s for s in catalog.sources if sources is None or s in set(sources)]
        chosen = self.reports_for(catalog, target, scope)
        if chosen is None:
            return None
        patterns = topic_patterns(target)
        found: list[Event] = []
        for source, whole in chosen.items():
            report = self.index.report(source)
            events = report_events(catalog, catalog.sources.index(source), report.text, report.date)
            found += [e for e in events if whole or matches_any(patterns, report.text[e.start : e.end])]
        return in_date_order(found, list(chosen))

    @staticmethod
    def reports_for(catalog: Catalog, target: str, scope: Sequence[str]) -> dict[str, bool] | None:
        """The reports a timeline of ``target`` reads, each mapped to whether all its dated
        sentences count (True) or only those that mention ``target``; None if none mentions it."""
        if not target:
            return {source: True for source in scope}
        for name in (target, target.replace(" ", "_"), target.replace(" ", "-")):
            if (found := resolve_name(name, scope)) is not None:
                return {found: True}
        mentioned = reports_mentioning(catalog, topic_patterns(target), scope)
        return mentioned or None

    def answer(self, question: str, target: str, sources: Sequence[str] | None = None) -> Answer:
        """The timeline of ``target`` as an ``Answer``: one line per dated sentence, in date order."""
        events = self.events(target, sources)
        if events is None:
            return no_answer(question, f"No report in scope mentions {target}.", target)
        about = f" of {target}" if target else ""
        if not events:
            return no_answer(question, f"The reports in scope give no dated events{about}.", target)
        shown = events[:TIMELINE_EVENTS]
        texts = {e.source: self.index.text_or_empty(e.source) for e in shown}
        _, citations = cite("", [(e.source, e.passage_id, e.start, e.end) for e in shown], texts)
        by_span = {(e.source, e.start): e for e in shown}
        several = len({e.source for e in shown}) > 1
        lines = [f"Timeline{about}, in date order:"]
        for citation in citations:
            event = by_span[(citation.source, citation.start)]
            where = f" ({citation.source})" if several else ""
            lines.append(f"{event.when.label()}{where}: {one_line(citation.quote)} [{citation.marker}]")
        if len(events) > len(shown):
            lines.append(f"({len(events) - len(shown)} later dated sentences not shown.)")
        catalog: Catalog = self.index.catalog()
        return briefing_answer(question, "\n".join(lines), citations, catalog, target)
