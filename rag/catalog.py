"""Catalog: what the reranker needs to know about the whole collection, derived from Chroma.

Built at ingest (and when another client's commit changes the index), never per query: a
"titled" passage BM25 (title + passage), a sentence BM25, a report BM25, an IDF table over
passages, every passage's tokens, every sentence's embedding, and each report's mean and title
embeddings. It is cached beside the index and keyed by the store's state token, so a process
that opens an unchanged index loads it instead of rebuilding it.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag import features
from rag.sparse import tokenize
from rag.types import Chunk

#: Bumped when the cached catalog's shape changes.
CATALOG_VERSION = 2


def _bm25(corpus: list[list[str]]) -> Any:
    """A bm25s index (lucene, the features' k1/b) over tokenised documents, or None if empty."""
    import bm25s

    if not corpus:
        return None
    index = bm25s.BM25(k1=features.BM25_K1, b=features.BM25_B)
    index.index([doc or ["\u2205"] for doc in corpus], show_progress=False)
    return index


def _scores(index: Any, terms: list[str], size: int) -> np.ndarray:
    """BM25 scores of every document for ``terms`` (zeros when none is in the vocabulary)."""
    if index is None:
        return np.zeros(size, dtype=np.float32)
    known = [t for t in terms if t in index.vocab_dict]
    if not known:
        return np.zeros(size, dtype=np.float32)
    return np.asarray(index.get_scores(known), dtype=np.float32)


def _intern(tokens: list[str]) -> tuple[str, ...]:
    return tuple(sys.intern(t) for t in tokens)


@dataclass(frozen=True)
class QueryScores:
    """Collection-wide scores of one question, looked up once and shared by every candidate."""

    terms: list[str]
    titled: np.ndarray
    sentences: np.ndarray
    reports: np.ndarray
    report_dense: np.ndarray
    title_dense: np.ndarray
    stats: features.QueryStats
    bm25_max: float


@dataclass
class Catalog:
    """Derived, read-only indexes over one committed state of the collection."""

    token: str | None = None
    passage_ids: list[str] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    passage_vecs: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float16))
    row: dict[str, int] = field(default_factory=dict)
    passage_report: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    tokens: list[tuple[str, ...]] = field(default_factory=list)
    sentence_tokens: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)
    sentence_rows: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    sentence_vecs: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float16))
    sources: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    title_tokens: list[frozenset[str]] = field(default_factory=list)
    report_vocab: list[frozenset[str]] = field(default_factory=list)
    report_vecs: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))
    title_vecs: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))
    idf: dict[str, float] = field(default_factory=lambda: {"\x00n": 0.0})
    titled_bm25: Any = None
    sentence_bm25: Any = None
    report_bm25: Any = None

    def __len__(self) -> int:
        """How many passages the catalog covers."""
        return len(self.passage_ids)

    # Query time ----------------------------------------------------------------------------

    def score(self, question: str, question_vec: np.ndarray, passage_bm25_max: float) -> QueryScores:
        """Every collection-wide score the features of ``question`` need."""
        terms = tokenize(question)
        titled = _scores(self.titled_bm25, terms, len(self.passage_ids))
        sentences = _scores(self.sentence_bm25, terms, len(self.sentence_vecs))
        reports = _scores(self.report_bm25, terms, len(self.sources))
        report_dense = self.report_vecs @ question_vec if len(self.sources) else np.zeros(0)
        title_dense = self.title_vecs @ question_vec if len(self.sources) else np.zeros(0)
        stats = features.QueryStats(
            bm25_max=passage_bm25_max,
            bm25_titled_max=float(titled.max(initial=0.0)),
            sent_bm25_max=float(sentences.max(initial=0.0)),
            report_bm25_max=float(reports.max(initial=0.0)),
            report_dense_max=float(report_dense.max(initial=-1.0)),
        )
        return QueryScores(
            terms, titled, sentences, reports, report_dense, title_dense, stats, passage_bm25_max
        )

    def chunks_for(self, passage_ids: list[str]) -> dict[str, Chunk]:
        """The catalog's passages with these ids (ids it does not hold are left out)."""
        return {pid: self.chunks[self.row[pid]] for pid in passage_ids if pid in self.row}

    def dense(self, passage_ids: list[str], question_vec: np.ndarray) -> dict[str, float]:
        """Cosine of the question with these passages (from the stored passage vectors)."""
        rows = [self.row[pid] for pid in passage_ids if pid in self.row]
        if not rows:
            return {}
        sims = self.passage_vecs[rows].astype(np.float32) @ question_vec
        return dict(zip((self.passage_ids[r] for r in rows), sims.tolist(), strict=True))

    def candidate(
        self, chunk: Chunk, dense: float, bm25: float, scores: QueryScores
    ) -> features.Candidate | None:
        """The features' view of a pooled passage, or None if the catalog does not hold it."""
        row = self.row.get(chunk.passage_id)
        if row is None:
            return None
        report = int(self.passage_report[row])
        first, last = int(self.sentence_rows[row]), int(self.sentence_rows[row + 1])
        return features.Candidate(
            text=chunk.text,
            sent_spans=tuple((s.start - chunk.start, s.end - chunk.start) for s in chunk.sentences),
            sent_vecs=self.sentence_vecs[first:last].astype(np.float32),
            sent_bm25=scores.sentences[first:last],
            dense=dense,
            bm25=bm25,
            bm25_titled=float(scores.titled[row]),
            report=report,
            report_bm25=float(scores.reports[report]),
            report_dense=float(scores.report_dense[report]),
            title_dense=float(scores.title_dense[report]),
            title=self.titles[report],
            tokens=self.tokens[row],
            sent_tokens=self.sentence_tokens[row],
            title_tokens=self.title_tokens[report],
        )

    # Persistence ---------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the catalog to ``path`` atomically (a private file, then a rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with staging.open("wb") as handle:
            pickle.dump((CATALOG_VERSION, self), handle, protocol=pickle.HIGHEST_PROTOCOL)
        staging.replace(path)

    @staticmethod
    def load(path: Path, token: str | None) -> Catalog | None:
        """The catalog cached at ``path`` if it was built for state ``token``, else None."""
        try:
            with path.open("rb") as handle:
                version, catalog = pickle.load(handle)  # our own cache file, written by save()
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            return None
        if version != CATALOG_VERSION or not isinstance(catalog, Catalog) or catalog.token != token:
            return None
        return catalog


def build_catalog(store: Any, embed: Any, previous: Catalog | None = None) -> Catalog:
    """Build the catalog of the committed state of ``store`` (title vectors reused if known).

    ``embed`` turns a list of titles into unit vectors (the index's own model).
    """
    snapshot = store.refresh(force=False)
    reports = store.reports.get(include=["metadatas", "embeddings", "documents"])
    order = sorted(range(len(reports["ids"])), key=lambda i: reports["metadatas"][i]["source"])
    sources = [reports["metadatas"][i]["source"] for i in order]
    texts = [reports["documents"][i] for i in order]
    titles = [
        reports["metadatas"][i].get("title") or _first_line(t) for i, t in zip(order, texts, strict=True)
    ]
    catalog = Catalog(token=snapshot.token, sources=sources, titles=titles)
    report_of = {s: i for i, s in enumerate(sources)}
    pairs = [(c, v) for c, v in _visible_chunks(store, snapshot) if c.source in report_of]
    pairs.sort(key=lambda pair: (report_of[pair[0].source], pair[0].ordinal))
    chunks = [c for c, _ in pairs]
    catalog.chunks = chunks
    catalog.passage_vecs = np.stack([v for _, v in pairs]) if pairs else catalog.passage_vecs
    _fill_passages(catalog, chunks, report_of, _sentence_vectors(store, {c.passage_id for c in chunks}))
    _fill_reports(catalog, texts, reports, order, embed, previous)
    return catalog


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0][:200] if text.strip() else ""


def _visible_chunks(store: Any, snapshot: Any, page: int = 5000) -> Iterator[tuple[Chunk, np.ndarray]]:
    """Every passage of a committed report version, with its vector (float16)."""
    from rag.store import _chunk_from_record

    for offset in range(0, store.passages.count(), page):
        found = store.passages.get(
            include=["documents", "metadatas", "embeddings"], limit=page, offset=offset
        )
        rows = zip(found["ids"], found["documents"], found["metadatas"], found["embeddings"], strict=True)
        for pid, text, meta, vector in rows:
            if snapshot.visible(meta):
                yield _chunk_from_record(pid, text, meta), np.asarray(vector, dtype=np.float16)


def _sentence_vectors(store: Any, wanted: set[str], page: int = 5000) -> dict[str, np.ndarray]:
    """Every sentence vector of the wanted passages, keyed by sentence id ("pid:index")."""
    vectors: dict[str, np.ndarray] = {}
    for offset in range(0, store.sentences.count(), page):
        found = store.sentences.get(include=["embeddings"], limit=page, offset=offset)
        for sid, vector in zip(found["ids"], found["embeddings"], strict=True):
            if sid.rsplit(":", 1)[0] in wanted:
                vectors[sid] = np.asarray(vector, dtype=np.float16)
    return vectors


def _fill_passages(
    catalog: Catalog, chunks: list[Chunk], report_of: dict[str, int], vectors: dict[str, np.ndarray]
) -> None:
    rows, sentence_rows, sentence_corpus, titled_corpus = [], [0], [], []
    for chunk in chunks:
        spans = [(s.start - chunk.start, s.end - chunk.start) for s in chunk.sentences]
        tokens = features.ingest_tokens(chunk.text, spans)
        catalog.tokens.append(_intern(list(tokens["tokens"])))
        catalog.sentence_tokens.append(tuple(_intern(list(t)) for t in tokens["sent_tokens"]))
        sentence_corpus.extend(list(t) for t in tokens["sent_tokens"])
        titled_corpus.append(tokenize(catalog.titles[report_of[chunk.source]]) + list(tokens["tokens"]))
        dim = next(iter(vectors.values())).shape[0] if vectors else 1
        for index in range(len(chunk.sentences)):
            rows.append(vectors.get(f"{chunk.passage_id}:{index}", np.zeros(dim, dtype=np.float16)))
        sentence_rows.append(sentence_rows[-1] + len(chunk.sentences))
    catalog.passage_ids = [c.passage_id for c in chunks]
    catalog.row = {pid: i for i, pid in enumerate(catalog.passage_ids)}
    catalog.passage_report = np.array([report_of[c.source] for c in chunks], dtype=np.int32)
    catalog.sentence_rows = np.array(sentence_rows, dtype=np.int64)
    catalog.sentence_vecs = np.stack(rows) if rows else np.zeros((0, 1), dtype=np.float16)
    catalog.idf = features.idf_table(catalog.tokens)
    catalog.titled_bm25 = _bm25(titled_corpus)
    catalog.sentence_bm25 = _bm25(sentence_corpus)


def _fill_reports(
    catalog: Catalog,
    texts: list[str],
    reports: dict[str, Any],
    order: list[int],
    embed: Any,
    previous: Catalog | None,
) -> None:
    report_tokens = [tokenize(text) for text in texts]
    catalog.report_vocab = [frozenset(_intern(t)) for t in report_tokens]
    catalog.title_tokens = [frozenset(tokenize(t)) for t in catalog.titles]
    catalog.report_bm25 = _bm25(report_tokens)
    if not texts:
        return
    catalog.report_vecs = np.asarray([reports["embeddings"][i] for i in order], dtype=np.float32)
    known = (
        dict(zip(previous.titles, previous.title_vecs, strict=True))
        if previous and len(previous.titles)
        else {}
    )
    missing = sorted({t for t in catalog.titles if t not in known})
    if missing:
        known.update(zip(missing, embed(missing), strict=True))
    catalog.title_vecs = np.asarray([known[t] for t in catalog.titles], dtype=np.float32)


class CatalogCache:
    """Keeps a ``Catalog`` in step with the store's committed state (cached on disk)."""

    def __init__(self, store: Any, embed: Any, path: Path) -> None:
        import threading

        self.store = store
        self.embed = embed
        self.path = path
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None

    def get(self) -> Catalog:
        """The catalog of the current committed state (loaded or rebuilt when it changed)."""
        catalog, token = self._catalog, self.store.snapshot.token
        if catalog is not None and catalog.token == token:
            return catalog
        with self._lock:
            token = self.store.snapshot.token
            if self._catalog is None or self._catalog.token != token:
                self._catalog = Catalog.load(self.path, token) or self._rebuild()
            return self._catalog

    def refresh(self) -> Catalog:
        """Rebuild now (after this process changed the index), then return the catalog."""
        with self._lock:
            self._catalog = self._rebuild()
            return self._catalog

    def _rebuild(self) -> Catalog:
        catalog = build_catalog(self.store, self.embed, previous=self._catalog)
        # A read-only index folder still answers; the catalog is then rebuilt next time.
        with contextlib.suppress(OSError):
            catalog.save(self.path)
        return catalog
