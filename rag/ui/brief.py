"""The Brief view of the Report tab: a report's brief above the report, its quotes highlighted.

Rendered from a ``Brief`` (``ReportQA.brief``): title, kind and date; the cited sentences; the
key entities by kind; then the whole report with the brief's sentences highlighted in place.
Report text is always escaped.
"""

from __future__ import annotations

from rag.types import Brief
from rag.ui import render

#: How each entity kind is headed, in the order shown.
ENTITY_HEADINGS = {
    "person": "People",
    "organisation": "Organisations",
    "group": "Groups",
    "place": "Places",
    "date": "Dates",
    "figure": "Figures",
}


def entities_block(brief: Brief) -> str:
    """One line per entity kind: "Places: Ariha, Idlib province, ..." (nothing if none)."""
    lines = []
    for kind, heading in ENTITY_HEADINGS.items():
        names = [e.text for e in brief.entities if e.kind == kind]
        if names:
            lines.append(f"<div><b>{heading}:</b> {render.esc(', '.join(names))}</div>")
    return f'<div class="dq-note dq-brief-entities">{"".join(lines)}</div>' if lines else ""


def brief_view(brief: Brief, text: str) -> str:
    """The Brief view: heading, cited sentences, entities, then the report with them highlighted."""
    facts = " · ".join(render.esc(x) for x in (brief.kind, brief.date) if x)
    title = render.esc(brief.title or brief.source)
    head = (
        f'<div class="dq-card-head"><span class="dq-card-title">Brief: {title}</span>'
        f"{f' <span class=dq-para>{facts}</span>' if facts else ''}</div>"
    )
    sentences = "".join(
        f'<li>{render.esc(" ".join(c.quote.split()))} <span class="dq-marker">[{c.marker}]</span></li>'
        for c in brief.citations
    )
    body = (
        f'<ol class="dq-answer dq-brief-sentences">{sentences}</ol>'
        if sentences
        else ('<p class="dq-empty">This report has no prose sentences to quote.</p>')
    )
    card = f'<section class="dq-card dq-brief" id="dq-brief">{head}{body}{entities_block(brief)}</section>'
    return card + render.report_view(brief.source, text, brief.citations)
