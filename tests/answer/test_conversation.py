"""Follow-ups: a question that stands on its own is kept whole after any history."""

from __future__ import annotations

import pytest

from rag.answer.conversation import needs_context, standalone_question

HISTORY = ["How many troops withdrew from Mastoumeh and to where?"]


@pytest.mark.parametrize(
    "question",
    [
        "How many cholera deaths were there in Sarko?",
        "Were there any deaths in Sarko in 2015?",
        "Is there a hospital in Jisr al Shugour?",
        "When did Islamists seize Idlib?",
        "Who commanded the Russian 1st Guards Tank Army during the attack on Trostianets?",
        "What did the Syrian army do after it left Mastoumeh?",
        "Which group did not join the coordinated assaults on the regime?",
        "Hello!",
    ],
)
def test_a_question_that_stands_alone_is_answered_as_itself(question: str) -> None:
    assert not needs_context(question)
    assert standalone_question(question, HISTORY) == question


@pytest.mark.parametrize(
    "question",
    [
        "And how many tanks did they have?",
        "How many tanks did they have?",
        "What about the tanks?",
        "Where did it happen?",
        "How many people were there?",
        "Who lived there?",
        "How long did they stay there before leaving?",
        "Which town?",
    ],
)
def test_a_question_that_cannot_stand_alone_is_condensed(question: str) -> None:
    assert needs_context(question)
    assert standalone_question(question, HISTORY) == f"{HISTORY[0]} {question}"


def test_without_history_nothing_is_condensed() -> None:
    assert standalone_question("And how many tanks did they have?", []) == "And how many tanks did they have?"
