"""Retrieve stage: hybrid search, dense (Chroma) plus sparse (BM25), fused into one ranking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.settings import Settings
from rag.sparse import SparseIndex
from rag.store import ChromaStore
from rag.types import Chunk

#: Weight of the dense cosine and of the max-normalised BM25 score in the fused score.
DENSE_WEIGHT = 0.5
SPARSE_WEIGHT = 0.5


@dataclass(frozen=True)
class Candidate:
    """A retrieved passage with the signals that ranked it."""

    chunk: Chunk
    score: float
    dense: float
    sparse: float


class HybridRetriever:
    """Dense and BM25 candidates, fused by a weighted sum of normalised scores."""

    def __init__(self, store: ChromaStore, sparse: SparseIndex, settings: Settings) -> None:
        self.store = store
        self.sparse = sparse
        self.settings = settings

    def run(self, question: str, question_vec: np.ndarray, top_k: int | None = None) -> list[Candidate]:
        """The best passages for ``question``, best first (``top_k`` of them)."""
        top_k = top_k or self.settings.top_k
        pool = self.settings.candidates
        dense = dict(self.store.query_passages(question_vec, pool))
        sparse_scores = self.sparse.scores(question)
        sparse_top = self._sparse_top(sparse_scores, pool)
        ids = list(dict.fromkeys([*dense, *sparse_top]))
        chunks = self.store.get_chunks(ids)
        ids = [pid for pid in ids if pid in chunks]
        missing_dense = [pid for pid in ids if pid not in dense]
        dense.update(self._dense_for(missing_dense, question_vec))
        sparse_max = float(sparse_scores.max()) if len(sparse_scores) else 0.0
        candidates = [
            self._candidate(chunks[pid], dense.get(pid, 0.0), sparse_top.get(pid, 0.0), sparse_max)
            for pid in ids
        ]
        candidates.sort(key=lambda c: (-c.score, c.chunk.passage_id))
        return candidates[:top_k]

    def _sparse_top(self, scores: np.ndarray, n: int) -> dict[str, float]:
        if not len(scores):
            return {}
        n = min(n, len(scores))
        best = np.argpartition(-scores, n - 1)[:n]
        return {self.sparse.ids[i]: float(scores[i]) for i in best if scores[i] > 0}

    def _dense_for(self, passage_ids: list[str], question_vec: np.ndarray) -> dict[str, float]:
        """Cosine of the question with passages that only BM25 found."""
        if not passage_ids:
            return {}
        found = self.store.passages.get(ids=passage_ids, include=["embeddings"])
        vectors = np.asarray(found["embeddings"], dtype=np.float32)
        return dict(zip(found["ids"], (vectors @ question_vec).tolist()))

    @staticmethod
    def _candidate(chunk: Chunk, dense: float, sparse: float, sparse_max: float) -> Candidate:
        sparse_norm = sparse / sparse_max if sparse_max > 0 else 0.0
        score = DENSE_WEIGHT * dense + SPARSE_WEIGHT * sparse_norm
        return Candidate(chunk=chunk, score=score, dense=dense, sparse=sparse)
