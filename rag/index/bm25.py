"""BM25 scores of a bm25s index, queried with numpy alone.

bm25s computes every (term, document) score at indexing time and keeps them as a sparse
column matrix; a question's scores are sums of a few columns. ``BM25Scores`` holds those arrays
and sums them exactly as bm25s does (float32, ``np.add.at`` term by term, so the figures are the
same to the bit), so answering a question never imports bm25s, which imports scipy (a third of
a cold ``python -m rag ask``'s imports). bm25s is imported only to build an index. The files
saved are bm25s's own (``bm25s.BM25.load`` reads them too).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_ARRAYS = ("data", "indices", "indptr")


class BM25Scores:
    """The precomputed BM25 scores of an index: ``get_scores(terms)`` for every document."""

    def __init__(
        self, arrays: dict[str, np.ndarray], num_docs: int, vocab: dict[str, int], params: dict[str, Any]
    ) -> None:
        self.data, self.indices, self.indptr = (arrays[name] for name in _ARRAYS)
        self.num_docs = int(num_docs)
        self.vocab_dict = vocab
        self.params = params

    @classmethod
    def build(cls, corpus: Sequence[Sequence[str]], k1: float, b: float) -> BM25Scores:
        """Index tokenised documents with bm25s (method lucene) and keep its score arrays."""
        import bm25s

        index = bm25s.BM25(k1=k1, b=b)
        index.index([list(doc) for doc in corpus], show_progress=False)
        params = {"k1": k1, "b": b, "method": index.method, "idf_method": index.idf_method}
        params |= {"dtype": index.dtype, "int_dtype": index.int_dtype, "backend": index.backend}
        params |= {"delta": index.delta, "version": bm25s.__version__}
        arrays = {name: index.scores[name] for name in _ARRAYS}
        return cls(arrays, index.scores["num_docs"], dict(index.vocab_dict), params)

    def get_scores(self, terms: list[str]) -> np.ndarray:
        """The BM25 score of every document for ``terms`` (terms outside the vocabulary count 0)."""
        scores = np.zeros(self.num_docs, dtype=self.data.dtype)
        for term in terms:
            token = self.vocab_dict.get(term)
            if token is None:
                continue
            start, end = self.indptr[token], self.indptr[token + 1]
            np.add.at(scores, self.indices[start:end], self.data[start:end])
        return scores

    def save(self, folder: Path) -> None:
        """Write the index in bm25s's file layout to ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(folder / f"{name}.csc.index.npy", getattr(self, name), allow_pickle=False)
        (folder / "vocab.index.json").write_text(json.dumps(self.vocab_dict, ensure_ascii=False))
        (folder / "params.index.json").write_text(json.dumps({**self.params, "num_docs": self.num_docs}))

    @classmethod
    def load(cls, folder: Path) -> BM25Scores:
        """Read an index written by ``save`` (or by ``bm25s.BM25.save``)."""
        params = json.loads((folder / "params.index.json").read_text())
        if params.get("method", "lucene") != "lucene":
            raise ValueError(f"{folder}: BM25 method {params.get('method')!r}, expected 'lucene'")
        vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        arrays = {name: np.load(folder / f"{name}.csc.index.npy", allow_pickle=False) for name in _ARRAYS}
        return cls(arrays, params.pop("num_docs"), vocab, params)
