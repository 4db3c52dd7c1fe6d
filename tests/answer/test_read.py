"""The reader in the extractive answer (``reader=True``): short answers inside the quote, quotes from
one report, the shortlist it reads, both readings of a follow-up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from rag import ReportQA
from rag.answer import read
from rag.types import Answer, Citation


@pytest.fixture(scope="module")
def reading_qa(seeded_index_dir: Path) -> ReportQA:
    return ReportQA(index_dir=seeded_index_dir, reader=True)


QUESTIONS = [
    "How many troops withdrew and to where?",
    "Who seized Idlib?",
    "What is the population of Ariha?",
    "When did the army abandon the Mastoumeh base?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_a_short_answer_is_a_slice_of_a_quote(reading_qa: ReportQA, question: str) -> None:
    answer = reading_qa.ask(question)
    assert not answer.abstained
    assert answer.citations
    for short in answer.short_parts or ((answer.short,) if answer.short else ()):
        assert any(short in c.quote for c in answer.citations)
        assert len(short) < max(len(c.quote) for c in answer.citations)


def test_every_citation_comes_from_the_best_sentence_s_report(reading_qa: ReportQA) -> None:
    answer = reading_qa.ask("How many troops withdrew and to where?")
    assert len({c.source for c in answer.citations}) == 1


def test_the_headline_question_quotes_the_ariha_sentence(reading_qa: ReportQA) -> None:
    answer = reading_qa.ask("How many troops withdrew and to where?")
    assert "400" in answer.text and "Ariha" in answer.text


def test_an_answer_whose_short_answer_is_not_quoted_is_refused() -> None:
    quote = "The estimated 400 men withdrew to nearby Ariha."
    citation = Citation(marker=1, source="a.txt", passage_id="p", quote=quote, start=0, end=len(quote))
    with pytest.raises(ValidationError, match="not inside a quote"):
        Answer(question="q", text=f"{quote} [1]", abstained=False, citations=(citation,), short="Idlib")
    ok = Answer(question="q", text=f"{quote} [1]", abstained=False, citations=(citation,), short="Ariha")
    assert ok.short == "Ariha"


def test_a_two_part_question_gets_a_short_answer_for_each_part(reading_qa: ReportQA) -> None:
    answer = reading_qa.ask("How many troops withdrew and to where?")
    assert len(answer.short_parts) == 2
    assert "400" in answer.short_parts[0] and "Ariha" in answer.short_parts[1]
    assert answer.short == "; ".join(answer.short_parts)
    one_part = reading_qa.ask("Where did the 400 men withdraw to?")
    assert one_part.short_parts == ()
    # a follow-up is searched joined to the two-part question before it, but asks one thing
    follow_up = reading_qa.ask(
        "Where did the government troops go after they left Mastoumeh?",
        history=["Who captured the base, and when?"],
    )
    assert follow_up.short_parts == () and ";" not in follow_up.short


def test_an_answer_whose_short_parts_are_not_quoted_or_not_joined_is_refused() -> None:
    quote = "The estimated 400 men withdrew to nearby Ariha."
    citation = Citation(marker=1, source="a.txt", passage_id="p", quote=quote, start=0, end=len(quote))
    common = {"question": "q", "text": f"{quote} [1]", "abstained": False, "citations": (citation,)}
    with pytest.raises(ValidationError, match="not inside a quote"):
        Answer(**common, short="400 men; Idlib", short_parts=("400 men", "Idlib"))
    with pytest.raises(ValidationError, match="does not join its parts"):
        Answer(**common, short="400 men", short_parts=("400 men", "nearby Ariha"))
    ok = Answer(**common, short="400 men; nearby Ariha", short_parts=("400 men", "nearby Ariha"))
    assert ok.short_parts == ("400 men", "nearby Ariha")


def test_the_shortlist_keeps_the_best_covered_sentences_in_order() -> None:
    coverage = np.array([0.1, 3.0, -1.0, 2.0, 0.5])
    assert read.shortlist(coverage, 3) == [1, 3, 4]
    assert read.shortlist(coverage, 10) == [0, 1, 2, 3, 4]


def test_a_follow_up_is_answered_in_context(reading_qa: ReportQA) -> None:
    answer = reading_qa.ask("And how many tanks?", history=["How many trucks were in the convoy?"])
    assert not answer.abstained
    assert "tanks" in answer.text


def test_short_answers_come_by_default_inside_the_quote(seeded_qa) -> None:
    # One reader pass over the sentence the coverage scorer chose; the span is shown only when
    # its span score reaches the fitted gate, and it is always a slice of the quote.
    answer = seeded_qa.ask("When did rebels seize Jisr al Shugour?")
    assert answer.short == "April 25" and answer.short in answer.citations[0].quote


def test_a_span_under_the_fitted_gate_is_not_shown() -> None:
    from rag.answer.read import span_text
    from rag.answer.reader import Reading

    sentence = (
        "The estimated 400 men withdrew with most of their equipment to nearby Ariha, a town of 70,000."
    )
    start = sentence.index("70,000")
    reading = Reading(logit=0.0, span=(start, start + 6), span_logit=5.0)
    assert span_text(sentence, reading, float("-inf")) == "70,000"
    assert span_text(sentence, reading, 10.0) == ""
