"""The extractive answerer on two small reports: sentence choice, abstention, verified citations."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rag.answer import features
from rag.answer.extractive import ExtractiveAnswerer, competing_sentences
from rag.answer.retrieve import HybridRetriever
from rag.index.stats import idf_table
from rag.prompts import ABSTAIN_TEXT
from rag.settings import Settings
from tests.candidates import candidate_of, chunk_of


@pytest.fixture(scope="module")
def retriever(tiny_index) -> HybridRetriever:
    return HybridRetriever(tiny_index, Settings(index_dir=tiny_index.settings.index_dir))


def _answerer(tiny_index, retriever: HybridRetriever, threshold: float = 0.3) -> ExtractiveAnswerer:
    return ExtractiveAnswerer(tiny_index, retriever, max_sentences=2, abstain_threshold=threshold)


def test_the_answer_quotes_the_sentence_that_holds_it(tiny_index, retriever) -> None:
    answer = _answerer(tiny_index, retriever, threshold=0.0).ask("How many dock workers were sent home?")
    assert not answer.abstained
    assert "About 1,200 dock workers were sent home. [" in answer.text
    for citation in answer.citations:
        assert tiny_index.document_text(citation.source)[citation.start : citation.end] == citation.quote
    assert answer.passages[0].source == "harbour.txt"


def test_select_orders_sentences_and_rates_confidence(tiny_index, retriever) -> None:
    answerer = _answerer(tiny_index, retriever)
    query = retriever.query("q", "When was the bridge built?")
    selection = answerer.select(query, retriever.run(query))
    assert 1 <= len(selection.sentences) <= 2
    assert any("built in 1962" in s.sentence.text for s in selection.sentences)
    assert 0.0 <= selection.confidence <= 1.0


def test_no_candidates_means_no_selection(tiny_index, retriever) -> None:
    answerer = _answerer(tiny_index, retriever)
    selection = answerer.select(retriever.query("q", "anything"), [])
    assert selection.sentences == () and selection.confidence == 0.0


def test_below_the_threshold_it_abstains_with_the_fixed_text(tiny_index, retriever) -> None:
    answer = _answerer(tiny_index, retriever, threshold=1.01).ask("How many dock workers were sent home?")
    assert answer.abstained and answer.text == ABSTAIN_TEXT and answer.citations == ()
    assert answer.passages  # the evidence is still returned


def test_a_follow_up_is_searched_with_the_previous_question(tiny_index, retriever) -> None:
    answer = _answerer(tiny_index, retriever, threshold=0.0).ask(
        "And who is the harbour master?", history=["When did the port of Velmora close?"]
    )
    assert "Velmora" in answer.retrieval_query and "harbour master" in answer.retrieval_query
    assert answer.citations and all(c.source == "harbour.txt" for c in answer.citations)


def _passages(*texts: str) -> list:
    """Candidates, best-ranked first, one passage per text, with one-hot sentence vectors."""
    cands = []
    for i, text in enumerate(texts):
        chunk = chunk_of(text, ordinal=i + 1, passage_id=f"p{i}")
        vecs = np.eye(len(chunk.sentences), 8, k=i)
        cands.append(replace(candidate_of(chunk, vecs), score=float(10 - i)))
    return cands


def test_the_passage_after_the_answer_passages_competes_when_its_sentence_scores_best() -> None:
    fillers = ["The port has three docks. Ships unload grain.", "Rain fell all week.", "Trade grew."]
    answer = "The Velmora bridge collapsed on 9 May 2015."
    cands = _passages(*fillers[: features.ANSWER_PASSAGES], answer, "Unrelated text.")
    idf = idf_table(c.tokens for c in cands)
    question = "When did the Velmora bridge collapse?"
    ranked, refs, scores = competing_sentences(question, np.eye(8)[features.ANSWER_PASSAGES], cands, idf)
    assert len(ranked) == features.ANSWER_PASSAGES + 1 and len(scores) == len(refs)
    assert refs[int(np.argmax(scores))].passage == features.ANSWER_PASSAGES
    ranked, refs, _ = competing_sentences("Which ships unload grain?", np.eye(8)[0], cands, idf)
    assert len(ranked) == features.ANSWER_PASSAGES and {r.passage for r in refs} == set(range(len(ranked)))
