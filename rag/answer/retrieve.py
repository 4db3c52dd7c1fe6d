"""Retrieve stage: hybrid search, then a learned rerank of the pooled passages.

The pool is the dense top-N (Chroma) united with the BM25 top-N; each pooled passage is then
scored by a linear reranker over 18 features (dense and BM25 scores of the passage, of its best
sentences, of its report and title, coverage of the question's rare words; see
``rag.answer.features``), fitted pairwise on SQuAD 2.0 with leave-articles-out cross-validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from rag.answer import features
from rag.settings import Settings
from rag.text import question_kinds
from rag.types import Candidate, Query

if TYPE_CHECKING:
    from rag.index import Index


class HybridRetriever:
    """Dense and BM25 candidates from an ``Index``, reranked by ``rag.answer.features``."""

    def __init__(self, index: Index, settings: Settings) -> None:
        self.index = index
        self.settings = settings

    def query(self, question: str, text: str) -> Query:
        """The ``Query`` of ``question`` searched as ``text`` (its stand-alone form), embedded once."""
        vector = self.index.embedder.encode([text])[0]
        return Query(question=question, text=text, vector=vector, kinds=question_kinds(text))

    def run(
        self, query: Query, top_k: int | None = None, sources: Sequence[str] | None = None
    ) -> list[Candidate]:
        """The best ``top_k`` passages for ``query`` (at least the answer's), best first.

        ``sources`` (report names) limits every retriever to those reports: a ``where`` filter
        for dense search, a mask over the catalog's passage BM25 and over the pooled passages.
        """
        top_k = max(top_k or self.settings.top_k, features.ANSWER_PASSAGES)
        pooled, matrix = self.pool(query, top_k, sources)
        if not pooled:
            return []
        ranked = [
            replace(c, score=float(s)) for c, s in zip(pooled, features.rerank(matrix).tolist(), strict=True)
        ]
        ranked.sort(key=lambda c: (-c.score, c.chunk.passage_id))
        return ranked[:top_k]

    def pool(
        self, query: Query, top_k: int = 0, sources: Sequence[str] | None = None
    ) -> tuple[list[Candidate], np.ndarray]:
        """The pooled passages (dense top-N united with BM25 top-N, N = ``settings.candidates`` or
        ``top_k`` if larger), unranked, with their reranker features (``features.passage_features``).
        """
        question, question_vec = query.text, query.vector
        pool = max(self.settings.candidates, top_k)
        catalog = self.index.catalog()
        store = self.index.store
        visible = catalog.row.__contains__
        dense = dict(store.query_passages(question_vec, pool, visible=visible, sources=sources))
        ids, sparse_scores, state = self.index.sparse.search(question)
        if state != catalog.token or sources is not None:  # another state, or a mask: the catalog's own
            ids, sparse_scores, _ = catalog.passage_index().search(question)
        if sources is not None:
            sparse_scores = np.where(catalog.passage_mask(sources), sparse_scores, 0.0)
        sparse_top = _top(ids, sparse_scores, pool)
        chunks = catalog.chunks_for(list(dict.fromkeys([*dense, *sparse_top])))
        if sources is not None:
            wanted = set(sources)
            chunks = {pid: c for pid, c in chunks.items() if c.source in wanted}
        if not chunks:
            return [], np.zeros((0, len(features.PASSAGE_FEATURES)))
        dense.update(catalog.dense([pid for pid in chunks if pid not in dense], question_vec))
        scores = catalog.score(question, question_vec, float(sparse_scores.max(initial=0.0)))
        pooled = []
        for pid, chunk in chunks.items():
            evidence = catalog.candidate(chunk, dense.get(pid, 0.0), sparse_top.get(pid, 0.0), scores)
            if evidence is not None and len(chunk.sentences):
                pooled.append(evidence)
        if not pooled:
            return [], np.zeros((0, len(features.PASSAGE_FEATURES)))
        return pooled, features.passage_features(question, question_vec, pooled, scores.stats, catalog.idf)


def _top(ids: list[str], scores: np.ndarray, n: int) -> dict[str, float]:
    """The ``n`` best-scoring ids with a positive score."""
    if not len(scores):
        return {}
    n = min(n, len(scores))
    best = np.argpartition(-scores, n - 1)[:n]
    return {ids[i]: float(scores[i]) for i in best if scores[i] > 0}
