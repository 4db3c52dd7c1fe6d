"""``ReportQA(llm=...)`` end to end with scripted chat models over the real seeded index."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import ABSTAIN_TEXT, Answer, ReportQA
from tests.answer.generative.conftest import (
    SEED_ANSWER,
    SEED_QUESTION,
    BrokenChatModel,
    EmptyStreamChatModel,
    scripted,
)


def _ask(qa: ReportQA, model, question: str = SEED_QUESTION, **kwargs) -> Answer:
    qa.set_llm(model)
    try:
        return qa.ask(question, **kwargs)
    finally:
        qa.set_llm(None)


def _assert_citations_exact(qa: ReportQA, answer: Answer) -> None:
    for citation in answer.citations:
        assert qa.document_text(citation.source)[citation.start : citation.end] == citation.quote
        assert f"[{citation.marker}]" in answer.text


def test_valid_markers_give_a_fluent_cited_answer(gen_qa: ReportQA) -> None:
    answer = _ask(gen_qa, scripted("Roughly 400 soldiers withdrew to the nearby town of Ariha [1]."))
    assert answer.text == "Roughly 400 soldiers withdrew to the nearby town of Ariha. [1]"
    assert not answer.abstained and answer.unsupported == () and answer.note == ""
    assert answer.citations[0].quote == SEED_ANSWER and answer.confidence > 0.5
    assert answer.retrieval_query == SEED_QUESTION and answer.passages
    _assert_citations_exact(gen_qa, answer)


def test_a_supported_reply_where_the_evidence_looked_thin_is_uncertain_not_abstained(
    gen_qa: ReportQA,
) -> None:
    question = "How many civilians were killed in Ariha in 2015?"  # the extractive answer abstains
    assert gen_qa.ask(question).support == "abstained"
    answer = _ask(gen_qa, scripted("Troops opened fire, killing at least 11 civilians [1]."), question)
    assert not answer.abstained and answer.support == "uncertain" and answer.citations
    well = _ask(
        gen_qa,
        scripted("The army abandoned the Mastoumeh base [1]."),
        "Which base did the Syrian army abandon in Idlib province?",
    )
    assert (
        well.support
        == gen_qa.ask("Which base did the Syrian army abandon in Idlib province?").support
        == "answered"
    )


def test_a_model_that_abstains_over_good_evidence_is_graded_abstained(gen_qa: ReportQA) -> None:
    question = "Which base did the Syrian army abandon in Idlib province?"
    assert gen_qa.ask(question).support == "answered"
    answer = _ask(gen_qa, scripted(ABSTAIN_TEXT), question)
    assert answer.abstained and answer.support == "abstained" and answer.text == ABSTAIN_TEXT


def test_the_prompt_numbers_the_passages_and_asks_for_markers(gen_qa: ReportQA) -> None:
    model = scripted("About 400 men withdrew to Ariha [1].")
    _ask(gen_qa, model)
    system, human = model.calls[0]
    assert "[1]" in system.content and ABSTAIN_TEXT in system.content and "{" not in system.content
    assert '<passage number="1"' in human.content and SEED_QUESTION in human.content
    assert SEED_ANSWER in human.content


def test_a_marker_out_of_range_is_removed_and_its_claim_flagged(gen_qa: ReportQA) -> None:
    reply = "About 400 men withdrew to Ariha [1]. At least seven tanks traveled over farm roads [12]."
    answer = _ask(gen_qa, scripted(reply))
    assert (
        answer.text == "About 400 men withdrew to Ariha. [1] At least seven tanks traveled over farm roads."
    )
    assert answer.unsupported == ("At least seven tanks traveled over farm roads.",)
    assert [c.marker for c in answer.citations] == [1]


def test_sentences_without_markers_are_attributed_after_the_fact(gen_qa: ReportQA) -> None:
    """A model that writes no [n] (small instruct models): each supported sentence gets one."""
    reply = "About 400 men withdrew to nearby Ariha. The army used chemical weapons in Ariha."
    answer = _ask(gen_qa, scripted(reply))
    assert (
        answer.text == "About 400 men withdrew to nearby Ariha. [1] The army used chemical weapons in Ariha."
    )
    assert answer.unsupported == ("The army used chemical weapons in Ariha.",) and not answer.note
    (citation,) = answer.citations
    assert "400 men withdrew" in citation.quote
    assert gen_qa.document_text(citation.source)[citation.start : citation.end] == citation.quote


def test_no_supported_sentence_falls_back_to_the_extractive_answer(gen_qa: ReportQA) -> None:
    answer = _ask(gen_qa, scripted("The army used chemical weapons in Damascus."))
    extractive = gen_qa.ask(SEED_QUESTION)
    assert answer.text == extractive.text and answer.citations == extractive.citations
    assert "no claim" in answer.note and answer.unsupported == ()


def test_the_abstention_sentence_abstains(gen_qa: ReportQA) -> None:
    answer = _ask(gen_qa, scripted(ABSTAIN_TEXT), "What did the Turkish parliament vote on?")
    assert answer.abstained and answer.text == ABSTAIN_TEXT and answer.citations == ()


def test_a_claim_the_passage_does_not_support_is_flagged(gen_qa: ReportQA) -> None:
    reply = "About 400 men withdrew to Ariha [1]. The army used chemical weapons in Ariha [1]."
    answer = _ask(gen_qa, scripted(reply))
    assert answer.unsupported == ("The army used chemical weapons in Ariha.",)
    assert answer.text == "About 400 men withdrew to Ariha. [1] The army used chemical weapons in Ariha."
    _assert_citations_exact(gen_qa, answer)


def test_only_unsupported_claims_fall_back_to_extractive(gen_qa: ReportQA) -> None:
    answer = _ask(gen_qa, scripted("About 900 men fled to Aleppo [1]."))
    assert answer.text == gen_qa.ask(SEED_QUESTION).text and "no claim" in answer.note


def test_a_failing_backend_answers_extractively_and_says_so(gen_qa: ReportQA) -> None:
    answer = _ask(gen_qa, BrokenChatModel())
    assert answer.text == gen_qa.ask(SEED_QUESTION).text and not answer.abstained
    assert "BrokenChatModel" in answer.note and "connection refused" in answer.note


def test_an_unreachable_server_is_named_in_the_note(gen_qa: ReportQA) -> None:
    answer = _ask(gen_qa, "openai-compatible:http://127.0.0.1:9/v1#nothing")
    assert "openai-compatible:http://127.0.0.1:9/v1#nothing" in answer.note
    assert answer.citations and not answer.abstained


def test_a_bad_spec_keeps_extractive_mode_working(seeded_index_dir) -> None:
    qa = ReportQA(index_dir=seeded_index_dir, llm="mystery:model")
    assert qa.generator is not None and "mystery:model" in qa.generator.error
    answer = qa.ask(SEED_QUESTION)
    assert answer.citations and "mystery:model" in answer.note


def test_rag_llm_selects_the_backend(seeded_index_dir, monkeypatch) -> None:
    monkeypatch.setenv("RAG_LLM", "ollama:llama3.2")
    qa = ReportQA(index_dir=seeded_index_dir)
    assert qa.settings.llm == "ollama:llama3.2" and qa.generator.available
    assert ReportQA(index_dir=seeded_index_dir, llm=None).generator is None


def test_empty_streamed_chunks_are_answered_by_a_plain_call(gen_qa: ReportQA) -> None:
    model = EmptyStreamChatModel(messages=iter(["About 400 men withdrew to Ariha [1]."]))
    answer = _ask(gen_qa, model)
    assert answer.text == "About 400 men withdrew to Ariha. [1]" and len(model.calls) == 1


@pytest.mark.parametrize("mode", ["extractive", "generative"])
def test_stream_yields_text_then_the_answer(gen_qa: ReportQA, mode: str) -> None:
    reply = "About 400 men withdrew to Ariha [1]. The weather was sunny [2]."
    gen_qa.set_llm(scripted(reply) if mode == "generative" else None)
    try:
        events = list(gen_qa.stream(SEED_QUESTION))
    finally:
        gen_qa.set_llm(None)
    *pieces, answer = events
    assert isinstance(answer, Answer) and pieces and all(isinstance(p, str) and p for p in pieces)
    if mode == "extractive":
        assert pieces == [answer.text]
    else:
        assert len(pieces) > 3 and "".join(pieces) == reply
        assert answer.text == "About 400 men withdrew to Ariha. [1] The weather was sunny."
        assert answer.unsupported == ("The weather was sunny.",)
        _assert_citations_exact(gen_qa, answer)


def test_stream_with_a_failing_backend_ends_with_the_extractive_answer(gen_qa: ReportQA) -> None:
    gen_qa.set_llm(BrokenChatModel())
    try:
        events = list(gen_qa.stream(SEED_QUESTION))
    finally:
        gen_qa.set_llm(None)
    assert len(events) == 1 and events[0].citations and "connection refused" in events[0].note


def test_the_chat_model_is_chosen_per_call_on_one_report_qa(gen_qa: ReportQA) -> None:
    model = scripted("Roughly 400 soldiers withdrew to the nearby town of Ariha [1].")
    answer = gen_qa.ask(SEED_QUESTION, llm=model)
    assert answer.text == "Roughly 400 soldiers withdrew to the nearby town of Ariha. [1]" and model.calls
    assert gen_qa.generator is None  # the call did not switch the ReportQA to generative mode
    extractive = gen_qa.ask(SEED_QUESTION)
    assert extractive.text.startswith(SEED_ANSWER) and len(model.calls) == 1


def test_a_chat_model_spec_per_call_that_is_down_answers_extractively_and_says_so(gen_qa: ReportQA) -> None:
    answer = gen_qa.ask(SEED_QUESTION, llm="openai-compatible:http://127.0.0.1:9/v1#nothing-listens-here")
    assert answer.text.startswith(SEED_ANSWER) and "127.0.0.1:9" in answer.note


def test_prompts_ship_in_the_package_and_prompts_dir_replaces_them(seeded_index_dir, tmp_path) -> None:
    import rag.prompts.files
    from rag.prompts import PROMPTS_DIR

    assert {p.name for p in PROMPTS_DIR.glob("*.txt")} >= {"answer.txt", "condense.txt"}
    # the package rag.prompts.files (prompts/ in a checkout): installed with a wheel
    assert Path(rag.prompts.files.__file__).resolve().parent == PROMPTS_DIR
    (tmp_path / "answer.txt").write_text(
        "[system]\nHouse rules: cite.\n\n[user]\n{passages}\n\nQ: {question}\n"
    )
    (tmp_path / "condense.txt").write_text((PROMPTS_DIR / "condense.txt").read_text())
    qa = ReportQA(index_dir=seeded_index_dir, prompts_dir=tmp_path, generative={"prompt_passages": 2})
    model = scripted("Roughly 400 soldiers withdrew to the nearby town of Ariha [1].")
    qa.ask(SEED_QUESTION, llm=model)
    system, human = model.calls[0]
    assert system.content == "House rules: cite." and human.content.startswith('<passage number="1"')
    assert '<passage number="2"' in human.content and '<passage number="3"' not in human.content
