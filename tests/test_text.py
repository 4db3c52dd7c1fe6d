"""Text rules (rag.text): one tokenizer and one table of what a question asks for."""

from __future__ import annotations

from rag.text import question_kinds, question_type, tokenize


def test_tokens_are_stemmed_without_stopwords_and_numbers_stay_whole() -> None:
    assert tokenize("The rebels dominated the 1990 elections") == ["rebel", "domin", "1990", "elect"]


def test_kinds_in_order_and_the_type_is_the_first() -> None:
    assert question_kinds("How many troops withdrew and to where?") == ("number", "place")
    assert question_type("How many troops withdrew and to where?") == "number"
    assert question_kinds("Which king signed it, and when?") == ("date", "person")
    assert question_type("Why did they leave?") == "other" and question_kinds("Why did they leave?") == ()
