"""Retrieve stage: hybrid search, then a learned rerank of the pooled passages.

The pool is the dense top-N (Chroma) united with the BM25 top-N; each pooled passage is then
scored by a linear reranker over 18 features (dense and BM25 scores of the passage, of its best
sentences, of its report and title, coverage of the question's rare words; see
``rag.features``), fitted pairwise on SQuAD 2.0 with leave-articles-out cross-validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag import features
from rag.catalog import Catalog, CatalogCache
from rag.settings import Settings
from rag.sparse import SparseIndex
from rag.store import ChromaStore
from rag.types import Chunk


@dataclass(frozen=True)
class Candidate:
    """A retrieved passage, its reranker score and the signals behind it."""

    chunk: Chunk
    score: float
    dense: float
    sparse: float
    evidence: features.Candidate
    catalog: Catalog


class HybridRetriever:
    """Dense and BM25 candidates, reranked by ``rag.features``."""

    def __init__(
        self, store: ChromaStore, sparse: SparseIndex, catalogs: CatalogCache, settings: Settings
    ) -> None:
        self.store = store
        self.sparse = sparse
        self.catalogs = catalogs
        self.settings = settings

    def run(
        self,
        question: str,
        question_vec: np.ndarray,
        top_k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[Candidate]:
        """The best ``top_k`` passages for ``question`` (at least the answer's), best first.

        ``sources`` (report names) limits every retriever to those reports: a ``where`` filter
        for dense search, a mask over the catalog's passage BM25 and over the pooled passages.
        """
        top_k = max(top_k or self.settings.top_k, features.ANSWER_PASSAGES)
        pool = max(self.settings.candidates, top_k)
        self.store.maybe_refresh()  # see other clients' commits before choosing the catalog
        catalog = self.catalogs.get()
        visible = catalog.row.__contains__
        dense = dict(self.store.query_passages(question_vec, pool, visible=visible, sources=sources))
        ids, sparse_scores, state = self.sparse.search(question)
        if state != catalog.token or sources is not None:  # another state, or a mask: the catalog's own
            ids, sparse_scores, _ = catalog.passage_index().search(question)
        if sources is not None:
            allowed = catalog.passage_mask(sources)
            sparse_scores = np.where(allowed, sparse_scores, 0.0)
        sparse_top = _top(ids, sparse_scores, pool)
        chunks = catalog.chunks_for(list(dict.fromkeys([*dense, *sparse_top])))
        if sources is not None:
            wanted = set(sources)
            chunks = {pid: c for pid, c in chunks.items() if c.source in wanted}
        if not chunks:
            return []
        dense.update(catalog.dense([pid for pid in chunks if pid not in dense], question_vec))
        scores = catalog.score(question, question_vec, float(sparse_scores.max(initial=0.0)))
        pooled = []
        for pid, chunk in chunks.items():
            evidence = catalog.candidate(chunk, dense.get(pid, 0.0), sparse_top.get(pid, 0.0), scores)
            if evidence is not None and len(chunk.sentences):
                pooled.append((chunk, evidence))
        if not pooled:
            return []
        matrix = features.passage_features(
            question, question_vec, [e for _, e in pooled], scores.stats, catalog.idf
        )
        ranked = [
            Candidate(chunk=c, score=float(s), dense=e.dense, sparse=e.bm25, evidence=e, catalog=catalog)
            for (c, e), s in zip(pooled, features.rerank(matrix).tolist(), strict=True)
        ]
        ranked.sort(key=lambda c: (-c.score, c.chunk.passage_id))
        return ranked[:top_k]


def _top(ids: list[str], scores: np.ndarray, n: int) -> dict[str, float]:
    """The ``n`` best-scoring ids with a positive score."""
    if not len(scores):
        return {}
    n = min(n, len(scores))
    best = np.argpartition(-scores, n - 1)[:n]
    return {ids[i]: float(scores[i]) for i in best if scores[i] > 0}
