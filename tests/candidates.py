"""Candidates built from a text, as ingest builds them, for tests of the answer-stage signals."""

from __future__ import annotations

import numpy as np

from rag.index.stats import ingest_tokens
from rag.text import split_sentences
from rag.types import Candidate, Chunk


def chunk_of(text: str, source: str = "r.txt", ordinal: int = 0, passage_id: str = "p0") -> Chunk:
    """One passage holding the whole of ``text``, split into sentences as ingest splits them."""
    return Chunk(
        passage_id=passage_id,
        source=source,
        text=text,
        start=0,
        end=len(text),
        ordinal=ordinal,
        sentences=tuple(split_sentences(text)),
    )


def candidate_of(
    chunk: Chunk,
    vectors: np.ndarray | None = None,
    report: int = 0,
    title: str = "",
    tokens: bool = True,
) -> Candidate:
    """``chunk`` as a retrieved candidate with zero scores; sentence vectors ``vectors`` (zeros by
    default) and, when ``tokens``, the token fields ingest computes."""
    spans = tuple((s.start - chunk.start, s.end - chunk.start) for s in chunk.sentences)
    return Candidate(
        chunk=chunk,
        sent_spans=spans,
        sent_vecs=vectors if vectors is not None else np.zeros((len(spans), 1)),
        sent_bm25=np.zeros(len(spans)),
        dense=0.0,
        bm25=0.0,
        bm25_titled=0.0,
        report=report,
        report_bm25=0.0,
        report_dense=0.0,
        title_dense=0.0,
        title=title,
        **(ingest_tokens(chunk.text, spans, title) if tokens else {}),
    )
