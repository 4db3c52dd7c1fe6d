"""The Brief view of the Report tab, and overview questions through the UI's session."""

from __future__ import annotations

from pathlib import Path

from rag.types import Brief, Citation, Entity
from rag.ui.app import ChatHandlers
from rag.ui.brief import brief_view
from rag.ui.session import EXTRACTIVE, GENERATIVE, UISession
from tests.answer.generative.conftest import scripted
from tests.conftest import SEED_SOURCE


def test_brief_view_shows_the_brief_its_entities_and_the_report_highlighted(seeded_qa) -> None:
    brief = seeded_qa.brief(SEED_SOURCE)
    html = brief_view(brief, seeded_qa.document_text(SEED_SOURCE))
    assert "Brief: Assad troops abandon their last military base" in html
    assert html.count("<li>") == len(brief.citations) == 5
    assert "<b>Places:</b>" in html and "Ariha" in html and "<b>Figures:</b>" in html
    assert html.count('class="dq-quote"') == 5  # the brief's sentences, highlighted in the report
    assert '<article class="dq-report">' in html


def test_brief_view_escapes_report_text() -> None:
    text = "Title\n\nThe keeper reported <script>alert('x')</script> nothing else at all today."
    quote = text[7:]
    citation = Citation(marker=1, source="a.txt", passage_id="p", quote=quote, start=7, end=len(text))
    brief = Brief(
        source="a.txt",
        title="<b>Title</b>",
        text=f"{quote} [1]",
        citations=(citation,),
        entities=(Entity(text="<i>Keeper</i>", kind="person"),),
    )
    html = brief_view(brief, text)
    assert "<script>" not in html and "<b>Title</b>" not in html and "<i>Keeper</i>" not in html
    assert "&lt;script&gt;" in html


def test_brief_button_fills_the_report_tab_or_says_why_not(seeded_qa, tmp_path: Path) -> None:
    handlers = ChatHandlers(UISession(seeded_qa, tmp_path / "up"))
    html, _tabs = handlers.brief(SEED_SOURCE)
    assert "Brief: Assad troops" in html and "The estimated 400 men withdrew" in html
    error, _tabs = handlers.brief("missing.txt")
    assert "Could not brief missing.txt" in error and "No report named" in error


def test_overview_questions_in_the_session_are_answered_with_the_brief(seeded_qa, tmp_path: Path) -> None:
    session = UISession(seeded_qa, tmp_path / "up")
    brief = seeded_qa.brief(SEED_SOURCE, entities=False)
    assert session.ask("Summarize the report", [], None, EXTRACTIVE, "").text == brief.text
    model = scripted("never called")
    generative = UISession(seeded_qa, tmp_path / "up2")
    generative._answerers["scripted"] = model  # type: ignore[assignment]
    answer = generative.ask("Which reports mention Ariha?", [], None, GENERATIVE, "scripted")
    assert [c.source for c in answer.citations] == [SEED_SOURCE]
