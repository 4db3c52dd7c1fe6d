"""The retriever on two small reports: one ``Query`` in, ranked ``Candidate``s out."""

from __future__ import annotations

import numpy as np
import pytest

from rag.answer import features
from rag.answer.retrieve import HybridRetriever
from rag.settings import Settings


@pytest.fixture(scope="module")
def retriever(tiny_index) -> HybridRetriever:
    return HybridRetriever(tiny_index, Settings(index_dir=tiny_index.settings.index_dir))


def test_query_is_built_once_with_its_vector_and_kinds(retriever: HybridRetriever) -> None:
    query = retriever.query("And how many workers?", "How many dock workers were sent home?")
    assert query.question == "And how many workers?"
    assert query.text == "How many dock workers were sent home?"
    assert query.kinds == ("number",)
    assert query.vector.shape == (384,) and abs(float(np.linalg.norm(query.vector)) - 1.0) < 1e-5


def test_the_passage_holding_the_answer_ranks_first(retriever: HybridRetriever) -> None:
    ranked = retriever.run(retriever.query("q", "Who rescued the people from the river Aln?"))
    assert ranked[0].chunk.source == "bridge.txt"
    assert "rescued by fishermen" in ranked[0].chunk.text
    other = retriever.run(retriever.query("q", "Where will the ferries dock during the repairs?"))
    assert other[0].chunk.source == "harbour.txt" and "Sandvik" in other[0].chunk.text


def test_candidates_are_best_first_and_carry_their_signals(retriever: HybridRetriever) -> None:
    ranked = retriever.run(retriever.query("q", "When did the port of Velmora close?"))
    scores = [c.score for c in ranked]
    assert scores == sorted(scores, reverse=True)
    for candidate in ranked:
        assert candidate.catalog is not None
        assert len(candidate.sent_spans) == len(candidate.chunk.sentences) == len(candidate.sent_vecs)
        for (start, end), sentence in zip(candidate.sent_spans, candidate.chunk.sentences, strict=True):
            assert candidate.text[start:end] == sentence.text


def test_top_k_never_drops_below_the_answer_passages(retriever: HybridRetriever) -> None:
    query = retriever.query("q", "storm pier bridge river")
    assert len(retriever.run(query, top_k=1)) == min(features.ANSWER_PASSAGES, 4)
    assert len(retriever.run(query, top_k=100)) == 4  # every passage of the two reports


def test_a_question_with_no_shared_word_still_gets_dense_candidates(retriever: HybridRetriever) -> None:
    ranked = retriever.run(retriever.query("q", "zyxwv qwerty"))
    assert ranked and all(c.bm25 == 0.0 for c in ranked)


def test_the_pool_is_what_run_ranks_with_its_reranker_features(retriever: HybridRetriever) -> None:
    query = retriever.query("q", "Who rescued the people from the river Aln?")
    pooled, matrix = retriever.pool(query)
    assert matrix.shape == (len(pooled), len(features.PASSAGE_FEATURES))
    ranked = retriever.run(query, top_k=100)
    assert {c.chunk.passage_id for c in pooled} == {c.chunk.passage_id for c in ranked}
    best = pooled[int(np.argmax(features.rerank(matrix)))]
    assert best.chunk.passage_id == ranked[0].chunk.passage_id
    assert ranked[0].score == pytest.approx(float(features.rerank(matrix).max()))


def test_a_pool_limited_to_no_known_report_is_empty(retriever: HybridRetriever) -> None:
    pooled, matrix = retriever.pool(retriever.query("q", "storm pier bridge"), sources=["nowhere.txt"])
    assert pooled == [] and matrix.shape == (0, len(features.PASSAGE_FEATURES))
