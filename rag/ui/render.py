"""Pure HTML rendering for the chat UI: answers, sources, whole reports, ingest results.

Every piece of report text goes through ``html.escape`` (and, for chat messages, markdown
escaping) before it reaches the page: a report that contains ``<script>`` or markup is shown as
text. Nothing here retrieves or answers; it only draws what ``ReportQA`` returned.

Ids in the page: ``cite-T-N`` is the card of citation N of chat turn T in the sources panel,
``doc-T-N`` the same quote highlighted in the whole-report view. Marker links point at them.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rag.answer.instructions import has_instructions
from rag.read.chunk import split_paragraphs
from rag.types import Answer, Citation, IngestReport, Passage

#: Reports longer than this many characters are shown as windows around their citations.
MAX_REPORT_CHARS = 200_000

#: Characters of context kept on each side of a citation in a windowed report.
REPORT_WINDOW = 3_000

_MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Layer:
    """A highlighted range ``[start, end)`` (absolute offsets) with its CSS class and anchor id."""

    start: int
    end: int
    css_class: str
    anchor: str = ""


def esc(text: str) -> str:
    """``html.escape`` with quotes escaped too: safe inside elements and attributes."""
    return html.escape(text, quote=True)


def render_spans(text: str, offset: int, layers: Sequence[Layer]) -> str:
    """Escaped ``text`` (which starts at absolute ``offset``) with ``layers`` as ``<mark>``s.

    Overlapping layers nest by giving each piece every class that covers it; an anchor
    (an empty ``<span id>``) marks where each layer with an id begins.
    """
    end = offset + len(text)
    inside = [ly for ly in layers if ly.start < end and ly.end > offset and ly.start < ly.end]
    bounds = [max(ly.start, offset) for ly in inside] + [min(ly.end, end) for ly in inside]
    cuts = sorted({offset, end, *bounds})
    out: list[str] = []
    for a, b in itertools.pairwise(cuts):
        for ly in inside:
            if ly.anchor and max(ly.start, offset) == a:
                out.append(f'<span class="dq-anchor" id="{esc(ly.anchor)}"></span>')
        piece = esc(text[a - offset : b - offset])
        covering = [ly for ly in inside if ly.start <= a and ly.end >= b]
        if not covering:
            out.append(piece)
            continue
        classes = " ".join(dict.fromkeys(ly.css_class for ly in covering))
        cite = next((ly.anchor for ly in covering if ly.anchor), "")
        data = f' data-cite="{esc(cite)}"' if cite else ""
        out.append(f'<mark class="{classes}"{data}>{piece}</mark>')
    return "".join(out)


def citation_layers(citations: Sequence[Citation], anchor_prefix: str = "") -> list[Layer]:
    """Quote and key-word layers for ``citations``; quotes get ``{anchor_prefix}{marker}`` ids."""
    layers: list[Layer] = []
    for c in citations:
        anchor = f"{anchor_prefix}{c.marker}" if anchor_prefix else ""
        layers.append(Layer(c.start, c.end, "dq-quote", anchor))
        layers.extend(Layer(h.start, h.end, "dq-key") for h in c.highlights)
    return layers


def paragraph_number(document: str, offset: int) -> int:
    """The 1-based number of the report paragraph that contains character ``offset``."""
    for number, (start, end) in enumerate(split_paragraphs(document), 1):
        if offset < end or offset < start:
            return number
    return max(1, len(split_paragraphs(document)))


# Chat messages -------------------------------------------------------------------------------


def _html_text(text: str) -> str:
    """Escaped text with line breaks as ``<br>``: no blank line can end the message's HTML block."""
    return "<br>".join(esc(line) for line in text.strip().splitlines() if line.strip())


def _piece_html(piece: str) -> str:
    """``_html_text`` of a piece of an answer between citation markers, keeping the line break
    it starts with (a timeline's or a brief's next line begins right after a marker)."""
    starts_line = piece.lstrip(" \t")[:1] in ("\n", "\r")
    return ("<br>" if starts_line else "") + _html_text(piece)


#: The three looks of an answer, by ``Answer.support``.
SUPPORT_LOOKS = ("answered", "uncertain", "abstained")

#: Shown with a quote or passage that reads like instructions to a model.
INSTRUCTIONS_FLAG = "This passage contains instructions; they are quoted as report text, never followed."


def support_of(answer: Answer) -> str:
    """``Answer.support`` ("answered", "uncertain" or "abstained"), read defensively."""
    support = getattr(answer, "support", None)
    return support if support in SUPPORT_LOOKS else ("abstained" if answer.abstained else "answered")


def answer_message(answer: Answer, turn: int, note: str = "") -> str:
    """The assistant's chat message: answer text with each ``[n]`` a link to its source card.

    An uncertain answer is headed as such; an abstention looks unlike an answer. The message
    is one HTML block (no blank lines), so markdown never reinterprets report text.
    """
    support = support_of(answer)
    if support == "abstained":
        return abstain_message(answer, note)
    known = {c.marker for c in answer.citations}
    parts: list[str] = []
    last = 0
    for match in _MARKER.finditer(answer.text):
        parts.append(_piece_html(answer.text[last : match.start()]))
        n = int(match.group(1))
        if n in known:
            parts.append(f' <a class="dq-marker" href="#cite-{turn}-{n}" title="Show source {n}">[{n}]</a> ')
        else:
            parts.append(esc(match.group(0)))
        last = match.end()
    parts.append(_piece_html(answer.text[last:]))
    body = short_block(getattr(answer, "short", "")) + "".join(parts).strip()
    extra = unsupported_block(answer.unsupported) if answer.unsupported else ""
    if any(has_instructions(c.quote) for c in answer.citations):
        extra += f'<div class="dq-flag">⚑ {esc(INSTRUCTIONS_FLAG)}</div>'
    note_html = f'<div class="dq-note">Note: {esc(note)}</div>' if note else ""
    if support == "uncertain":
        head = (
            '<div class="dq-uncertain-head">? Uncertain: the reports may not fully support this; '
            "check the quoted passage.</div>"
        )
        extra += gaps_block(answer.gaps)
        return f'<div class="dq-answer dq-uncertain">{head}{body}{extra}{note_html}</div>'
    return f'<div class="dq-answer">{body}{extra}{note_html}</div>'


def short_block(short: str) -> str:
    """The short answer, in bold above the quote ('' when there is none)."""
    return f'<div class="dq-short"><strong>{esc(short)}</strong></div>' if short else ""


def streaming_message(text: str) -> str:
    """A generative reply while it arrives: plain escaped text, marked as not yet verified."""
    body = _html_text(text) or "…"
    return (
        f'<div class="dq-streaming">{body}<span class="dq-cursor">▍</span>'
        '<div class="dq-note">Writing… citations are checked when the reply is complete.</div></div>'
    )


def abstain_message(answer: Answer, note: str = "") -> str:
    """A message that looks unlike an answer: the reports do not say."""
    looked = len(answer.passages)
    detail = (
        f"Searched {looked} passage{'s' if looked != 1 else ''}; none supports an answer."
        if looked
        else "No indexed report could be searched."
    )
    note_html = f'<div class="dq-note">Note: {esc(note)}</div>' if note else ""
    return (
        f'<div class="dq-abstain"><strong>∅ {esc(answer.text)}</strong>'
        f'<div class="dq-abstain-detail">{esc(detail)} Try rephrasing, or add a report that covers it.</div>'
        f"{gaps_block(answer.gaps)}{note_html}</div>"
    )


def gaps_block(gaps: Sequence[str]) -> str:
    """What the closest evidence lacks (``Answer.gaps``), as a short list; empty without any."""
    if not gaps:
        return ""
    items = "".join(f"<li>{esc(g)}</li>" for g in gaps)
    return f'<div class="dq-gaps">Gaps in the evidence:<ul>{items}</ul></div>'


def unsupported_block(sentences: Sequence[str]) -> str:
    """The answer sentences no passage supports, flagged."""
    items = "".join(f"<li>{esc(s)}</li>" for s in sentences)
    return (
        '<div class="dq-unsupported"><strong>⚠ Not supported by the reports:</strong> '
        f"the model wrote these, but no passage backs them.<ul>{items}</ul></div>"
    )


def error_message(text: str, heading: str = "Could not answer.") -> str:
    """A readable error under ``heading`` (in the chat in place of an answer, or in a panel)."""
    return f'<div class="dq-error"><strong>⚠ {esc(heading)}</strong> {esc(text)}</div>'


# Sources panel --------------------------------------------------------------------------------


def _find_passage(citation: Citation, passages: Sequence[Passage]) -> Passage | None:
    for p in passages:
        if p.passage_id == citation.passage_id:
            return p
    for p in passages:  # the quote may sit in a passage retrieved under another id
        if p.source == citation.source and p.start <= citation.start and citation.end <= p.end:
            return p
    return None


def _where(source: str, document: str | None, offset: int) -> str:
    para = f" · paragraph {paragraph_number(document, offset)}" if document else ""
    return f'<span class="dq-source-name">{esc(source)}</span><span class="dq-para">{esc(para)}</span>'


def _title_line(title: str | None, source: str) -> str:
    """The report's title under a card's head, or '' when it has none but its file name."""
    if not title or title == source:
        return ""
    return f'<div class="dq-card-title" title="Report title">{esc(title)}</div>'


#: ``title_of(source)``: the title of an indexed report ('' or ``KeyError`` when it has none).
TitleOf = Callable[[str], str]


def _titles(sources: Sequence[str], title_of: TitleOf | None) -> dict[str, str]:
    titles: dict[str, str] = {}
    for source in dict.fromkeys(sources):
        try:
            titles[source] = title_of(source) if title_of else ""
        except KeyError:  # removed since the answer was given
            titles[source] = ""
    return titles


def citation_card(
    citation: Citation, answer: Answer, turn: int, document: str | None, title: str = ""
) -> str:
    """One cited passage: report (title and file) and paragraph, the quote marked and its key words
    highlighted."""
    passage = _find_passage(citation, answer.passages)
    if passage is not None:
        body = render_spans(passage.text, passage.start, citation_layers([citation]))
    else:
        body = render_spans(citation.quote, citation.start, citation_layers([citation]))
    view = (
        f'<a class="dq-view" href="#doc-{turn}-{citation.marker}" title="Show the quote in the whole report">'
        "view in report →</a>"
    )
    return (
        f'<div class="dq-card dq-cited" id="cite-{turn}-{citation.marker}">'
        f'<div class="dq-card-head"><span class="dq-badge">{citation.marker}</span>'
        f"{_where(citation.source, document, citation.start)}{view}</div>"
        f"{_title_line(title, citation.source)}"
        f'<div class="dq-passage">{body}</div>{_flag(passage.text if passage else citation.quote)}</div>'
    )


def _flag(text: str) -> str:
    """The instructions flag for a shown passage, or ''."""
    return f'<div class="dq-flag">⚑ {esc(INSTRUCTIONS_FLAG)}</div>' if has_instructions(text) else ""


def passage_card(passage: Passage, rank: int, document: str | None, title: str = "") -> str:
    """One retrieved passage that the answer does not cite."""
    return (
        f'<div class="dq-card dq-uncited"><div class="dq-card-head"><span class="dq-rank">#{rank}</span>'
        f"{_where(passage.source, document, passage.start)}"
        f'<span class="dq-score">score {passage.score:.3f}</span></div>'
        f"{_title_line(title, passage.source)}"
        f'<div class="dq-passage">{esc(passage.text)}</div>{_flag(passage.text)}</div>'
    )


def answer_sources(
    answer: Answer, turn: int, document_text: Callable[[str], str], title_of: TitleOf | None = None
) -> str:
    """The sources of one answer: cited cards, then the uncited retrieved passages folded away."""
    docs = _documents(answer, document_text)
    titles = _titles([c.source for c in answer.citations] + [p.source for p in answer.passages], title_of)
    cited_ids = {c.passage_id for c in answer.citations}
    cards = [citation_card(c, answer, turn, docs.get(c.source), titles[c.source]) for c in answer.citations]
    if not cards:
        cards.append('<p class="dq-empty">Nothing cited: the reports do not support an answer.</p>')
    others = [
        passage_card(p, rank, docs.get(p.source), titles[p.source])
        for rank, p in enumerate(answer.passages, 1)
        if p.passage_id not in cited_ids
    ]
    if others:
        cards.append(
            f'<details class="dq-others"><summary>{len(others)} more retrieved passage'
            f"{'s' if len(others) != 1 else ''}, not cited</summary>{''.join(others)}</details>"
        )
    return "".join(cards)


def _documents(answer: Answer, document_text: Callable[[str], str]) -> dict[str, str]:
    docs: dict[str, str] = {}
    for source in {c.source for c in answer.citations} | {p.source for p in answer.passages}:
        try:
            docs[source] = document_text(source)
        except KeyError:  # removed since the answer was given
            continue
    return docs


def sources_panel(
    answers: Sequence[Answer], document_text: Callable[[str], str], title_of: TitleOf | None = None
) -> str:
    """The whole sources panel: the latest answer open, earlier ones folded (markers still work).

    ``title_of`` gives a report's title, shown on its cards under the file name.
    """
    if not answers:
        return (
            '<div class="dq-panel-empty"><p><strong>Sources appear here.</strong></p>'
            "<p>Each answer quotes the reports; its cited passages are listed here with the quoted "
            "words highlighted. Click a marker such as <b>[1]</b> in an answer to jump to its "
            "passage.</p></div>"
        )
    blocks = []
    last = len(answers) - 1
    for turn in range(last, -1, -1):
        answer = answers[turn]
        body = answer_sources(answer, turn, document_text, title_of)
        question = f'<span class="dq-q">Q{turn + 1}.</span> {esc(answer.question)}'
        if turn == last:
            blocks.append(f'<section class="dq-turn dq-latest"><h4>{question}</h4>{body}</section>')
        else:
            blocks.append(
                f'<details class="dq-turn" id="turn-{turn}"><summary>{question}</summary>{body}</details>'
            )
    return "".join(blocks)


# Whole reports --------------------------------------------------------------------------------


def report_view(source: str, text: str, citations: Sequence[Citation] = (), turn: int | None = None) -> str:
    """A whole report as text, with ``citations`` (those into this report) highlighted in place."""
    own = [c for c in citations if c.source == source]
    prefix = f"doc-{turn}-" if turn is not None else ""
    layers = citation_layers(own, prefix)
    head = (
        f'<div class="dq-report-head"><span class="dq-source-name">{esc(source)}</span>'
        f'<span class="dq-para">{len(text):,} characters · {len(split_paragraphs(text))} paragraphs'
        f"{f' · {len(own)} cited passage' + ('s' if len(own) != 1 else '') if own else ''}</span></div>"
    )
    body = render_spans(text, 0, layers) if len(text) <= MAX_REPORT_CHARS else _windowed(text, own, layers)
    return f'<article class="dq-report">{head}<div class="dq-report-text">{body}</div></article>'


def _windowed(text: str, citations: Sequence[Citation], layers: Sequence[Layer]) -> str:
    """A long report: its start, and windows around each citation, joined by gap markers."""
    windows = [(0, REPORT_WINDOW)] + [
        (max(0, c.start - REPORT_WINDOW), min(len(text), c.end + REPORT_WINDOW)) for c in citations
    ]
    merged: list[tuple[int, int]] = []
    for a, b in sorted(windows):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    gap = '<div class="dq-gap">… (report continues; shortened for display) …</div>'
    pieces = [render_spans(text[a:b], a, layers) for a, b in merged]
    tail = gap if merged[-1][1] < len(text) else ""
    return gap.join(pieces) + tail


def cited_reports_view(
    answer: Answer | None, turn: int | None, document_text: Callable[[str], str], chosen: str | None = None
) -> str:
    """The report(s) an answer cites, highlighted; or ``chosen`` (with its citations, if any)."""
    citations = answer.citations if answer else ()
    sources = [chosen] if chosen else list(dict.fromkeys(c.source for c in citations))
    views = []
    for source in sources:
        try:
            views.append(report_view(source, document_text(source), citations, turn))
        except KeyError:
            views.append(f'<p class="dq-empty">The report {esc(source)} is no longer indexed.</p>')
    if not views:
        return (
            '<div class="dq-panel-empty"><p><strong>Whole reports appear here.</strong></p>'
            "<p>After an answer, the report it cites is shown with the quote highlighted in place. "
            "Pick any report under <b>Reports</b> and press <b>View</b> to read it.</p></div>"
        )
    return "".join(views)


# Reports and ingestion ------------------------------------------------------------------------


def ingest_summary(report: IngestReport, display_names: dict[str, str] | None = None) -> str:
    """What an upload did, in words: added, updated, unchanged, skipped (each with its reason)."""
    names = display_names or {}

    def show(items: Sequence[str]) -> str:
        return ", ".join(esc(names.get(i, i)) for i in items)

    lines = []
    for label, items, cls in (
        ("Added", report.added, "dq-ok"),
        ("Updated", report.updated, "dq-ok"),
        ("Unchanged (already indexed)", report.unchanged, "dq-same"),
    ):
        if items:
            lines.append(f'<li class="{cls}"><b>{label}:</b> {show(items)}</li>')
    for skip in report.skipped:
        name = names.get(skip.path, skip.path.replace("\\", "/").rsplit("/", 1)[-1])
        lines.append(f'<li class="dq-skip"><b>Skipped</b> {esc(name)}: {esc(skip.reason)}</li>')
    for note in report.notes:
        lines.append(f'<li class="dq-same">Note: {esc(note)}</li>')
    counts = (
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} skipped"
        + (" (cancelled: the files done stay indexed)" if report.cancelled else "")
        + (f"; {esc(report.stopped)}" if report.stopped else "")
    )
    body = "".join(lines)
    return f'<div class="dq-ingest"><div class="dq-ingest-counts">{counts}</div><ul>{body}</ul></div>'


def reports_list(reports: Sequence[Any], query: str = "", chosen: str | None = None) -> str:
    """The indexed reports (``ReportInfo`` rows) matching ``query``: title, date, kind, size.

    Each title is a button that selects its report; the selected row carries compact **View**,
    **Brief** and **Remove…** buttons (the page's script turns their clicks into events)."""
    total = len(reports)
    if not total:
        return '<div class="dq-reports"><p class="dq-empty">No reports indexed. Upload some above.</p></div>'
    shown = [r for r in reports if r.matches(query)] if query.strip() else list(reports)
    plural = "s" if total != 1 else ""
    count = f"{total} report{plural} indexed"
    if query.strip():
        count += f'{_SEP}{len(shown)} matching "{esc(query.strip())}"'
    rows = "".join(_report_row(r, r.source == chosen) for r in shown[:MAX_LISTED])
    more = (
        f'<p class="dq-empty">{len(shown) - MAX_LISTED} more: type in the search box to narrow the list.</p>'
        if len(shown) > MAX_LISTED
        else ""
    )
    table = (
        '<table class="dq-report-table"><thead><tr><th>Report</th><th>Date</th><th>Kind</th>'
        '<th class="dq-num">Size</th><th class="dq-num">Passages</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        if shown
        else '<p class="dq-empty">No report matches the search.</p>'
    )
    return f'<div class="dq-reports"><div class="dq-count">{count}</div>{table}{more}</div>'


#: Rows the reports table draws at most (the search box narrows the rest).
MAX_LISTED = 200

_SEP = "\u00a0·\u00a0"


#: Characters of a report title the list shows (cut at a word, then "…"; the full title on hover).
TITLE_CHARS = 90

#: The actions on the selected report: (action, label, tooltip).
ROW_ACTIONS = (
    ("view", "View", "Read the whole report in the Report tab"),
    ("brief", "Brief", "Its key sentences and names in the Report tab"),
    ("remove", "Remove…", "Remove it from the index (asks first)"),
)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, ending in "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.–—-") + "…"


def _report_row(info: Any, chosen: bool) -> str:
    name = esc(info.source)
    title = info.title or info.source
    pick = (
        f'<button type="button" class="dq-pick" data-source="{name}" data-action="select" '
        f'aria-pressed="{"true" if chosen else "false"}" title="{esc(title)}">'
        f'<span class="dq-report-title">{esc(shorten(title, TITLE_CHARS))}</span></button>'
    )
    actions = ""
    if chosen:
        buttons = "".join(
            f'<button type="button" class="dq-act dq-act-{action}" data-source="{name}" '
            f'data-action="{action}" title="{esc(tip)}">{label}</button>'
            for action, label, tip in ROW_ACTIONS
        )
        actions = f'<div class="dq-row-actions" role="group" aria-label="{name}">{buttons}</div>'
    selected = ' class="dq-chosen-row"' if chosen else ""
    return (
        f'<tr{selected} data-source="{name}"><td>{pick}'
        f'<div class="dq-source-name">{name}</div>{actions}</td><td>{esc(info.date or "–")}</td>'
        f'<td>{esc(info.kind)}</td><td class="dq-num">{_size(info.chars)}</td>'
        f'<td class="dq-num">{info.passages}</td></tr>'
    )


def upload_progress(done: float, total: int, label: str) -> str:
    """One progress bar for an upload: the file, its stage (reading, embedding n/N, saving) and
    the share done; ``label`` is "name" (being read) or "name: stage" as the ingest reports it."""
    name, _, stage = label.partition(": ")
    found = re.fullmatch(r"embedded ([\d,]+) of ([\d,]+) texts", stage.strip())
    stage = f"embedding {found.group(1)}/{found.group(2)}" if found else (stage.strip() or "reading")
    share = max(0, min(100, round(100 * done / total))) if total else 0
    files = f" · file {min(int(done) + 1, total)} of {total}" if total > 1 else ""
    return (
        f'<div class="dq-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        f'aria-valuenow="{share}" aria-label="Indexing {esc(name)}">'
        f'<div class="dq-progress-head"><span class="dq-progress-name">{esc(name)}</span>'
        f'<span class="dq-progress-stage">{esc(stage)}{files}</span>'
        f'<span class="dq-progress-share">{share}%</span></div>'
        '<div class="dq-progress-track">'
        f'<div class="dq-progress-fill" style="width:{share}%"></div></div></div>'
    )


def example_chips(questions: Sequence[str]) -> str:
    """The example questions under the input, each a button that asks it ('' when none)."""
    if not questions:
        return ""
    chips = "".join(
        f'<button type="button" class="dq-example" data-question="{esc(q)}">{esc(q)}</button>'
        for q in questions
    )
    return (
        f'<div class="dq-examples" role="group" aria-label="Example questions"><span>Try:</span>{chips}</div>'
    )


def _size(chars: int) -> str:
    """A report's size in characters, short."""
    if chars >= 1_000_000:
        return f"{chars / 1_000_000:.1f}M chars"
    if chars >= 1_000:
        return f"{chars / 1_000:.1f}k chars"
    return f"{chars} chars"


def message_error(text: str) -> dict[str, Any]:
    """An assistant chat message holding a readable error."""
    return {"role": "assistant", "content": error_message(text)}
