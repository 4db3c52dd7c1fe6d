"""Generative briefings (``rag.answer.generative.briefing``): scripted chat models over the real
seeded index; the chat model's words are the only thing scripted."""

from __future__ import annotations

from rag import Answer, ReportQA
from rag.answer.generative.briefing import INCOMPLETE_NOTE, UNVERIFIED_NOTE
from tests.answer.generative.conftest import BrokenChatModel, scripted
from tests.conftest import SEED_SOURCE

SUMMARY = "Summarize the report."


def _exact(qa: ReportQA, citations) -> None:
    for citation in citations:
        assert qa.document_text(citation.source)[citation.start : citation.end] == citation.quote


def test_a_verified_summary_replaces_the_extractive_one(gen_qa: ReportQA) -> None:
    extractive = gen_qa.ask(SUMMARY)
    model = scripted("About 400 government soldiers withdrew with their equipment to Ariha [2].")
    answer = gen_qa.ask(SUMMARY, llm=model)
    assert answer.text == "About 400 government soldiers withdrew with their equipment to Ariha. [1]"
    assert answer.note == "" and answer.support == "answered" and answer.text != extractive.text
    assert "400 men withdrew" in answer.citations[0].quote
    _exact(gen_qa, answer.citations)
    system, human = model.calls[0]
    assert "three to six" in system.content and "{" not in system.content
    for number, citation in enumerate(extractive.citations, 1):  # the brief's sentences, numbered
        assert f'<passage number="{number}" report="{SEED_SOURCE}">' in human.content
        assert " ".join(citation.quote.split()) in " ".join(human.content.split())


def test_an_unverifiable_summary_falls_back_to_the_extractive_one(gen_qa: ReportQA) -> None:
    extractive = gen_qa.ask(SUMMARY)
    answer = gen_qa.ask(
        SUMMARY, llm=scripted("The rebels were defeated by Russian paratroopers in Aleppo [1].")
    )
    assert answer.text == extractive.text and answer.citations == extractive.citations
    assert answer.note == UNVERIFIED_NOTE


def test_a_failing_model_gives_the_extractive_briefing_with_a_note(gen_qa: ReportQA) -> None:
    extractive = gen_qa.ask("Give me a timeline.")
    assert not extractive.abstained and extractive.citations
    answer = gen_qa.ask("Give me a timeline.", llm=BrokenChatModel())
    assert answer.text == extractive.text and "connection refused" in answer.note


def test_an_unsupported_sentence_is_flagged_and_the_answer_uncertain(gen_qa: ReportQA) -> None:
    reply = "About 400 men withdrew to Ariha [2]. The base was later bombed by aircraft from Iraq [1]."
    answer = gen_qa.ask(SUMMARY, llm=scripted(reply))
    assert answer.support == "uncertain" and answer.unsupported == (
        "The base was later bombed by aircraft from Iraq.",
    )
    assert len(answer.citations) == 1


def test_which_reports_must_name_every_report(gen_qa: ReportQA, fresh_qa: ReportQA, tmp_path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "ariha.txt").write_text("Ariha note\n\nAbout 70,000 people live in the town of Ariha today.\n")
    fresh_qa.ingest([folder])
    extractive = fresh_qa.ask("Which reports mention Ariha?")
    assert {c.source for c in extractive.citations} == {SEED_SOURCE, "ariha.txt"}
    one = scripted("The town of Ariha has about 70,000 people [2].")
    partial = fresh_qa.ask("Which reports mention Ariha?", llm=one)
    assert partial.text == extractive.text and partial.note == INCOMPLETE_NOTE
    quotes = [" ".join(c.quote.split()) for c in extractive.citations]
    both = scripted(f"{quotes[0]} [1] {quotes[1]} [2]")
    full = fresh_qa.ask("Which reports mention Ariha?", llm=both)
    assert full.note == "" and {c.source for c in full.citations} == {SEED_SOURCE, "ariha.txt"}


def test_a_brief_is_reworded_and_verified_or_kept(gen_qa: ReportQA) -> None:
    extractive = gen_qa.brief(SEED_SOURCE)
    reworded = gen_qa.brief(SEED_SOURCE, llm=scripted("Some 400 men withdrew to nearby Ariha [2]."))
    assert reworded.text == "Some 400 men withdrew to nearby Ariha. [1]" and reworded.note == ""
    assert reworded.entities == extractive.entities and reworded.title == extractive.title
    _exact(gen_qa, reworded.citations)
    kept = gen_qa.brief(SEED_SOURCE, llm=scripted("Nothing here is from the report [1]."))
    assert kept.text == extractive.text and kept.note == UNVERIFIED_NOTE


def test_a_streamed_briefing_yields_the_reply_then_the_verified_answer(gen_qa: ReportQA) -> None:
    items = list(gen_qa.stream(SUMMARY, llm=scripted("About 400 men withdrew to Ariha [2].")))
    *pieces, last = items
    assert isinstance(last, Answer) and last.citations and last.note == ""
    assert "".join(p for p in pieces if isinstance(p, str)).startswith("About 400 men")
