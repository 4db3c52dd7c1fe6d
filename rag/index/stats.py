"""Collection statistics of the index: BM25 parameters, IDF, per-passage tokens, query maxima.

The catalog (``rag.index.catalog``) computes them at ingest and per question; the answer stage's
scoring features (``rag.answer.features``) read them. They live here, below both, so that the
index never imports answer-scoring code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rag.models import shipped_constants
from rag.text import tokenize

#: bm25s parameters (all four BM25 indexes), method "lucene" (bm25s' default); fitted constants of
#: ``rag/models/answer_models.json``.
BM25_K1, BM25_B = shipped_constants().bm25_k1, shipped_constants().bm25_b


def idf_table(passage_tokens: Iterable[Iterable[str]]) -> dict[str, float]:
    """IDF over passages: ``log((N + 1) / (df + 0.5))``; unseen words get ``idf_default``."""
    df: dict[str, int] = {}
    n = 0
    for toks in passage_tokens:
        n += 1
        for w in set(toks):
            df[w] = df.get(w, 0) + 1
    return {w: math.log((n + 1) / (d + 0.5)) for w, d in df.items()} | {"\x00n": float(n)}


def idf(table: dict[str, float], word: str) -> float:
    """IDF of ``word``; a word absent from the collection gets the IDF of df = 0."""
    v = table.get(word)
    return v if v is not None else math.log((table["\x00n"] + 1) / 0.5)


def ingest_tokens(text: str, spans: Sequence[tuple[int, int]], title: str = "") -> dict[str, Any]:
    """The token fields of ``rag.types.Candidate``, computed once per passage at ingest."""
    return dict(
        tokens=tuple(tokenize(text)),
        sent_tokens=tuple(tuple(tokenize(text[s:e])) for s, e in spans),
        title_tokens=frozenset(tokenize(title)),
    )


@dataclass(frozen=True)
class QueryStats:
    """Collection-wide maxima the features are normalised by (from the full score arrays)."""

    bm25_max: float  # max passage BM25 over the collection
    bm25_titled_max: float  # max titled-passage BM25 over the collection
    sent_bm25_max: float  # max sentence BM25 over the collection
    report_bm25_max: float  # max report BM25 over all reports
    report_dense_max: float  # max cosine(question, report embedding) over all reports
