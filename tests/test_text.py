"""Text rules (rag.text): one tokenizer and one table of what a question asks for."""

from __future__ import annotations

from rag.text import (
    ANAPHORIC_START,
    count_focus,
    count_spans,
    date_spans,
    question_kinds,
    question_type,
    tokenize,
)


def test_tokens_are_stemmed_without_stopwords_and_numbers_stay_whole() -> None:
    assert tokenize("The rebels dominated the 1990 elections") == ["rebel", "domin", "1990", "elect"]


def test_kinds_in_order_and_the_type_is_the_first() -> None:
    assert question_kinds("How many troops withdrew and to where?") == ("number", "place")
    assert question_type("How many troops withdrew and to where?") == "number"
    assert question_kinds("Which king signed it, and when?") == ("date", "person")
    assert question_type("Why did they leave?") == "other" and question_kinds("Why did they leave?") == ()


def test_counts_dates_focus_and_back_references_for_the_sentence_signals() -> None:
    text = "On 18 January 2015, 13 officers and dozens of men died; laws are expected next month."
    assert [text[s:e] for s, e in count_spans(text)] == ["13", "dozens"]
    assert [text[s:e] for s, e in date_spans(text)] == ["18 January", "2015", "next month"]
    assert count_focus("How many government soldiers were said to have died?") == ["govern", "soldier"]
    assert count_focus("Who died?") == []
    assert ANAPHORIC_START.match("It was captured.") and ANAPHORIC_START.match("The town fell.")
    assert not ANAPHORIC_START.match("The Battle of Arden was fought.")
    assert not ANAPHORIC_START.match("Italy fell.")
