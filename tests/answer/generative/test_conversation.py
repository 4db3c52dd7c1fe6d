"""Follow-ups are condensed into stand-alone questions; stand-alone questions pass unchanged."""

from __future__ import annotations

from rag import ReportQA
from tests.answer.generative.conftest import SEED_QUESTION, BrokenChatModel, scripted

HISTORY = [(SEED_QUESTION, "The estimated 400 men withdrew to nearby Ariha. [1]")]


def test_a_follow_up_is_condensed_by_the_condense_prompt(gen_qa: ReportQA) -> None:
    condensed = "How many tanks did the Syrian army convoy have?"
    model = scripted(
        f"Stand-alone question: {condensed}\n", "At least seven tanks traveled over farm roads [1]."
    )
    gen_qa.set_llm(model)
    try:
        answer = gen_qa.ask("And how many tanks did they have?", history=HISTORY)
    finally:
        gen_qa.set_llm(None)
    assert answer.question == "And how many tanks did they have?" and answer.retrieval_query == condensed
    system, human = model.calls[0]
    assert "stand-alone" in system.content and "User: How many troops withdrew" in human.content
    assert "Assistant: The estimated 400 men" in human.content
    assert (
        condensed in model.calls[1][1].content and answer.citations and "tanks" in answer.citations[0].quote
    )


def test_stand_alone_questions_and_greetings_pass_unchanged(gen_qa: ReportQA) -> None:
    for question in ("Who seized Idlib on March 28?", "Hello!"):
        model = scripted("The reports do not say.")
        gen_qa.set_llm(model)
        try:
            answer = gen_qa.ask(question, history=HISTORY)
        finally:
            gen_qa.set_llm(None)
        assert answer.retrieval_query == question.strip() and len(model.calls) == 1


def test_extractive_mode_uses_the_rule(gen_qa: ReportQA) -> None:
    answer = gen_qa.ask("And how many tanks?", history=[SEED_QUESTION])
    assert answer.retrieval_query == f"{SEED_QUESTION} And how many tanks?"


def test_a_failing_condense_call_falls_back_to_the_rule(gen_qa: ReportQA) -> None:
    gen_qa.set_llm(BrokenChatModel())
    try:
        answer = gen_qa.ask("And how many tanks?", history=[{"role": "user", "content": SEED_QUESTION}])
    finally:
        gen_qa.set_llm(None)
    assert answer.retrieval_query == f"{SEED_QUESTION} And how many tanks?" and answer.note
