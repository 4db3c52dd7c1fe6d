"""Catalog: what the reranker needs to know about the whole collection, derived from Chroma.

Built at ingest (and when another client's commit changes the index), never per query: a
"titled" passage BM25 (title + passage), a sentence BM25, a report BM25, an IDF table over
passages, every passage's tokens, every sentence's embedding, and each report's mean and title
embeddings.

Rows are grouped by report, so one report's passages and sentences are contiguous. A rebuild
reuses the rows of every report whose version did not change and reads only the changed
reports from Chroma; only the collection-wide BM25 and IDF tables are recomputed. Passages
are held as plain columns (texts, offset arrays) and become ``Chunk`` objects only when a
question pools them. The catalog is cached beside the index, keyed by the store's state
token: the two vector tables as ``.npy`` files that a process maps from disk instead of
copying into its memory.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import sys
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.index.bm25 import BM25Scores
from rag.index.cache import atomic_folder
from rag.index.sparse import SparseIndex
from rag.index.stats import BM25_B, BM25_K1, QueryStats, idf_table, ingest_tokens
from rag.text import TOKENIZER, tokenize
from rag.types import Candidate, Chunk, Sentence

#: Changes when the cached catalog's shape or the tokenizer changes (the cache is then rebuilt).
CATALOG_VERSION = f"5/{TOKENIZER}"

#: The vector tables saved as memory-mapped ``.npy`` files rather than in the pickle.
_MAPPED = ("passage_vecs", "sentence_vecs")

#: Serialises the lazy build of ``Catalog.passage_index`` (rare: only on a state change).
_PASSAGE_INDEX_LOCK = threading.Lock()

#: How many reports' records are read from Chroma per request when a rebuild needs them.
_READ_BATCH = 200


def _bm25(corpus: list[list[str]]) -> BM25Scores | None:
    """A BM25 index (bm25s lucene, the features' k1/b) over tokenised documents, or None if empty."""
    if not corpus:
        return None
    return BM25Scores.build([doc or ["\u2205"] for doc in corpus], BM25_K1, BM25_B)


def _scores(index: BM25Scores | None, terms: list[str], size: int) -> np.ndarray:
    """BM25 scores of every document for ``terms`` (zeros when none is in the vocabulary)."""
    if index is None:
        return np.zeros(size, dtype=np.float32)
    known = [t for t in terms if t in index.vocab_dict]
    if not known:
        return np.zeros(size, dtype=np.float32)
    return np.asarray(index.get_scores(known), dtype=np.float32)


def _intern(tokens: Sequence[str]) -> tuple[str, ...]:
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
    stats: QueryStats
    bm25_max: float


@dataclass
class ReportRows:
    """One report's rows of the catalog: its passages, sentences, vectors and tokens."""

    source: str
    content_hash: str
    title: str
    report_vec: np.ndarray
    passage_ids: list[str]
    texts: list[str]
    spans: np.ndarray  # (passages, 3): start, end, ordinal
    sentence_counts: np.ndarray  # (passages,)
    sentence_spans: np.ndarray  # (sentences, 2): start, end in the report's text
    passage_vecs: np.ndarray  # (passages, dim) float16
    sentence_vecs: np.ndarray  # (sentences, dim) float16
    tokens: list[tuple[str, ...]]
    sentence_tokens: list[tuple[tuple[str, ...], ...]]
    extra_tokens: tuple[str, ...]  # words of the report outside its passages (its title line)


@dataclass
class Catalog:
    """Derived, read-only indexes over one committed state of the collection."""

    token: str | None = None
    sources: list[str] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    report_rows: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    passage_ids: list[str] = field(default_factory=list)
    row: dict[str, int] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    spans: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.int64))
    passage_report: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    sentence_rows: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    sentence_spans: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    passage_vecs: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float16))
    sentence_vecs: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float16))
    tokens: list[tuple[str, ...]] = field(default_factory=list)
    sentence_tokens: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)
    extra_tokens: list[tuple[str, ...]] = field(default_factory=list)
    title_tokens: list[frozenset[str]] = field(default_factory=list)
    report_vecs: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))
    title_vecs: np.ndarray = field(default_factory=lambda: np.zeros((0, 1), dtype=np.float32))
    idf: dict[str, float] = field(default_factory=lambda: {"\x00n": 0.0})
    titled_bm25: BM25Scores | None = None
    sentence_bm25: BM25Scores | None = None
    report_bm25: BM25Scores | None = None
    _vocab_cache: dict[int, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _passage_index: list[SparseIndex] = field(default_factory=list, repr=False, compare=False)

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
        stats = QueryStats(
            bm25_max=passage_bm25_max,
            bm25_titled_max=float(titled.max(initial=0.0)),
            sent_bm25_max=float(sentences.max(initial=0.0)),
            report_bm25_max=float(reports.max(initial=0.0)),
            report_dense_max=float(report_dense.max(initial=-1.0)),
        )
        return QueryScores(
            terms, titled, sentences, reports, report_dense, title_dense, stats, passage_bm25_max
        )

    def chunk(self, row: int) -> Chunk:
        """The passage at ``row`` as a ``Chunk`` (built from the catalog's columns)."""
        start, end, ordinal = (int(x) for x in self.spans[row])
        text = self.texts[row]
        first, last = int(self.sentence_rows[row]), int(self.sentence_rows[row + 1])
        sentences = tuple(
            Sentence.model_construct(start=int(s), end=int(e), text=text[s - start : e - start])
            for s, e in self.sentence_spans[first:last].tolist()
        )
        return Chunk.model_construct(
            passage_id=self.passage_ids[row],
            source=self.sources[int(self.passage_report[row])],
            text=text,
            start=start,
            end=end,
            ordinal=ordinal,
            sentences=sentences,
        )

    def chunks_for(self, passage_ids: list[str]) -> dict[str, Chunk]:
        """The catalog's passages with these ids (ids it does not hold are left out)."""
        return {pid: self.chunk(self.row[pid]) for pid in passage_ids if pid in self.row}

    def passage_mask(self, sources: Sequence[str]) -> np.ndarray:
        """True for each passage (in ``passage_ids`` order) of one of the reports ``sources``."""
        wanted = set(sources)
        reports = np.array([s in wanted for s in self.sources], dtype=bool)
        return reports[self.passage_report] if len(reports) else np.zeros(len(self), dtype=bool)

    def dense(self, passage_ids: list[str], question_vec: np.ndarray) -> dict[str, float]:
        """Cosine of the question with these passages (from the stored passage vectors)."""
        rows = [self.row[pid] for pid in passage_ids if pid in self.row]
        if not rows:
            return {}
        sims = np.asarray(self.passage_vecs[rows], dtype=np.float32) @ question_vec
        return dict(zip((self.passage_ids[r] for r in rows), sims.tolist(), strict=True))

    def passage_index(self) -> SparseIndex:
        """A passage BM25 of exactly this catalog's state, built from its tokens on first use.

        The retriever falls back to it while the shared ``SparseIndex`` is at another state
        (an ingest between publishing the catalog and swapping the index, another client's
        commit), so that one question never mixes two states of the collection.
        """
        with _PASSAGE_INDEX_LOCK:
            if not self._passage_index:
                index = SparseIndex(BM25_K1, BM25_B)
                index.build_tokens(self.passage_ids, self.tokens, token=self.token)
                self._passage_index.append(index)
            return self._passage_index[0]

    def report_vocab(self, report: int) -> frozenset[str]:
        """Every word (token) of a report: its passages' and its title line's."""
        found = self._vocab_cache.get(report)
        if found is None:
            first, last = int(self.report_rows[report]), int(self.report_rows[report + 1])
            words = set(self.extra_tokens[report])
            for tokens in self.tokens[first:last]:
                words.update(tokens)
            found = frozenset(words)
            if len(self._vocab_cache) > 256:
                self._vocab_cache.clear()
            self._vocab_cache[report] = found
        return found

    def candidate(self, chunk: Chunk, dense: float, bm25: float, scores: QueryScores) -> Candidate | None:
        """A pooled passage with every signal of its features, or None if the catalog lacks it."""
        row = self.row.get(chunk.passage_id)
        if row is None:
            return None
        report = int(self.passage_report[row])
        first, last = int(self.sentence_rows[row]), int(self.sentence_rows[row + 1])
        return Candidate(
            chunk=chunk,
            sent_spans=tuple((s.start - chunk.start, s.end - chunk.start) for s in chunk.sentences),
            sent_vecs=np.asarray(self.sentence_vecs[first:last], dtype=np.float32),
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
            catalog=self,
        )

    def rows_of(self, report: int) -> ReportRows:
        """Report number ``report``'s rows, for reuse by the next catalog."""
        first, last = int(self.report_rows[report]), int(self.report_rows[report + 1])
        s_first, s_last = int(self.sentence_rows[first]), int(self.sentence_rows[last])
        return ReportRows(
            source=self.sources[report],
            content_hash=self.hashes[report],
            title=self.titles[report],
            report_vec=self.report_vecs[report],
            passage_ids=self.passage_ids[first:last],
            texts=self.texts[first:last],
            spans=self.spans[first:last],
            sentence_counts=np.diff(self.sentence_rows[first : last + 1]),
            sentence_spans=self.sentence_spans[s_first:s_last],
            passage_vecs=np.asarray(self.passage_vecs[first:last]),
            sentence_vecs=np.asarray(self.sentence_vecs[s_first:s_last]),
            tokens=self.tokens[first:last],
            sentence_tokens=self.sentence_tokens[first:last],
            extra_tokens=self.extra_tokens[report],
        )

    # Persistence ---------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the catalog to ``folder`` atomically (a private folder, then a rename)."""
        with atomic_folder(folder) as (staging, nonce):
            for name in _MAPPED:
                np.save(staging / f"{name}-{nonce}.npy", np.asarray(getattr(self, name)))
            state = {k: v for k, v in vars(self).items() if k not in _MAPPED and not k.startswith("_")}
            with (staging / "catalog.pkl").open("wb") as handle:
                pickle.dump((CATALOG_VERSION, nonce, state), handle, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def load(folder: Path, token: str | None) -> Catalog | None:
        """The catalog cached in ``folder`` if it was built for state ``token``, else None."""
        try:
            with (Path(folder) / "catalog.pkl").open("rb") as handle:
                version, nonce, state = pickle.load(handle)  # our own cache file, written by save()
            if version != CATALOG_VERSION or state.get("token") != token:
                return None
            mapped = {n: np.load(Path(folder) / f"{n}-{nonce}.npy", mmap_mode="r") for n in _MAPPED}
            catalog = Catalog(**state, **mapped)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
            return None
        if len(catalog.passage_vecs) != len(catalog.passage_ids):
            return None
        return catalog


# Building ------------------------------------------------------------------------------------


def build_catalog(
    store: Any, embed: Callable[[list[str]], np.ndarray], previous: Catalog | None = None
) -> Catalog:
    """Build the catalog of the committed state of ``store``.

    Reports whose version ``previous`` already holds are copied from it; only the others are
    read from Chroma. ``embed`` turns a list of titles into unit vectors (the index's model).
    """
    snapshot = store.refresh(force=False)
    records = store.reports.get(include=["metadatas", "embeddings"])
    metas = {m["source"]: (m, v) for m, v in zip(records["metadatas"], records["embeddings"], strict=True)}
    sources = sorted(s for s in metas if s in snapshot.hashes)
    known: dict[tuple[str, str], int] = {}
    if previous is not None:
        known = {(s, h): i for i, (s, h) in enumerate(zip(previous.sources, previous.hashes, strict=True))}
    missing = [s for s in sources if (s, snapshot.hashes[s]) not in known]
    fresh = read_report_rows(store, snapshot, {s: metas[s] for s in missing})
    rows = [
        fresh[s] if s in fresh else previous.rows_of(known[(s, snapshot.hashes[s])])  # type: ignore[union-attr]
        for s in sources
        if s in fresh or (s, snapshot.hashes[s]) in known
    ]
    titles = dict(zip(previous.titles, previous.title_vecs, strict=True)) if previous else {}
    return assemble(snapshot.token, rows, _title_vectors([r.title for r in rows], titles, embed))


def _title_vectors(
    titles: list[str], known: dict[str, np.ndarray], embed: Callable[[list[str]], np.ndarray]
) -> np.ndarray:
    missing = sorted({t for t in titles if t not in known})
    if missing:
        known = {**known, **dict(zip(missing, embed(missing), strict=True))}
    if not titles:
        return np.zeros((0, 1), dtype=np.float32)
    return np.asarray([known[t] for t in titles], dtype=np.float32)


def read_report_rows(
    store: Any, snapshot: Any, reports: dict[str, tuple[dict[str, Any], Any]]
) -> dict[str, ReportRows]:
    """The rows of these reports (source -> (record metadata, report vector)), read from Chroma."""
    from rag.index.store import report_id

    out: dict[str, ReportRows] = {}
    names = sorted(reports)
    for at in range(0, len(names), _READ_BATCH):
        batch = names[at : at + _READ_BATCH]
        texts = store.reports.get(ids=[report_id(s) for s in batch], include=["documents", "metadatas"])
        text_of = {m["source"]: t for m, t in zip(texts["metadatas"], texts["documents"], strict=True)}
        where = {"source": {"$in": batch}} if len(batch) > 1 else {"source": batch[0]}
        passages = store.passages.get(where=where, include=["documents", "metadatas", "embeddings"])
        sentences = store.sentences.get(where=where, include=["embeddings"])
        vectors = dict(zip(sentences["ids"], sentences["embeddings"], strict=True))
        grouped: dict[str, list[tuple[str, str, dict[str, Any], Any]]] = {s: [] for s in batch}
        for pid, text, meta, vec in zip(
            passages["ids"], passages["documents"], passages["metadatas"], passages["embeddings"], strict=True
        ):
            if snapshot.visible(meta) and meta["source"] in grouped:
                grouped[meta["source"]].append((pid, text, meta, vec))
        for source in batch:
            meta, report_vec = reports[source]
            title = meta.get("title") or _first_line(text_of.get(source, ""))
            out[source] = _report_rows(
                source,
                snapshot.hashes[source],
                title,
                report_vec,
                text_of.get(source, ""),
                grouped[source],
                vectors,
            )
    return out


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0][:200] if text.strip() else ""


def _report_rows(
    source: str,
    content_hash: str,
    title: str,
    report_vec: Any,
    text: str,
    records: list[tuple[str, str, dict[str, Any], Any]],
    vectors: dict[str, Any],
) -> ReportRows:
    """One report's rows from its passage records (sorted by ordinal) and sentence vectors."""

    records.sort(key=lambda r: int(r[2]["ordinal"]))
    dim = len(report_vec)
    spans, counts, sentence_spans, sentence_vecs, tokens, sentence_tokens = [], [], [], [], [], []
    for pid, passage, meta, _ in records:
        start = int(meta["start"])
        pairs = [(int(s), int(e)) for s, e in json.loads(meta["sentences"])]
        spans.append((start, int(meta["end"]), int(meta["ordinal"])))
        counts.append(len(pairs))
        sentence_spans.extend(pairs)
        for index in range(len(pairs)):
            vector = vectors.get(f"{pid}:{index}")
            sentence_vecs.append(np.zeros(dim) if vector is None else vector)
        found = ingest_tokens(passage, [(s - start, e - start) for s, e in pairs])
        tokens.append(_intern(found["tokens"]))
        sentence_tokens.append(tuple(_intern(t) for t in found["sent_tokens"]))
    extra = Counter(tokenize(text))
    extra.subtract(Counter(t for passage_tokens in tokens for t in passage_tokens))
    return ReportRows(
        source=source,
        content_hash=content_hash,
        title=title,
        report_vec=np.asarray(report_vec, dtype=np.float32),
        passage_ids=[r[0] for r in records],
        texts=[r[1] for r in records],
        spans=np.asarray(spans, dtype=np.int64).reshape(-1, 3),
        sentence_counts=np.asarray(counts, dtype=np.int64),
        sentence_spans=np.asarray(sentence_spans, dtype=np.int64).reshape(-1, 2),
        passage_vecs=np.asarray([r[3] for r in records], dtype=np.float16).reshape(-1, dim),
        sentence_vecs=np.asarray(sentence_vecs, dtype=np.float16).reshape(-1, dim),
        tokens=tokens,
        sentence_tokens=sentence_tokens,
        extra_tokens=_intern(sorted(extra.elements())),
    )


def assemble(token: str | None, reports: list[ReportRows], title_vecs: np.ndarray) -> Catalog:
    """The catalog of these reports' rows (in this order), with its BM25 and IDF tables."""
    catalog = Catalog(token=token, title_vecs=title_vecs)
    catalog.sources = [r.source for r in reports]
    catalog.hashes = [r.content_hash for r in reports]
    catalog.titles = [r.title for r in reports]
    catalog.title_tokens = [frozenset(tokenize(t)) for t in catalog.titles]
    catalog.extra_tokens = [r.extra_tokens for r in reports]
    catalog.report_rows = np.cumsum([0, *(len(r.passage_ids) for r in reports)], dtype=np.int64)
    for report in reports:
        catalog.passage_ids.extend(report.passage_ids)
        catalog.texts.extend(report.texts)
        catalog.tokens.extend(report.tokens)
        catalog.sentence_tokens.extend(report.sentence_tokens)
    catalog.row = {pid: i for i, pid in enumerate(catalog.passage_ids)}
    if reports:
        _stack_columns(catalog, reports)
    _index_words(catalog)
    return catalog


def _stack_columns(catalog: Catalog, reports: list[ReportRows]) -> None:
    counts = np.concatenate([r.sentence_counts for r in reports])
    catalog.spans = np.concatenate([r.spans for r in reports])
    catalog.passage_report = np.repeat(
        np.arange(len(reports), dtype=np.int32), [len(r.passage_ids) for r in reports]
    )
    catalog.sentence_rows = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    catalog.sentence_spans = np.concatenate([r.sentence_spans for r in reports])
    catalog.passage_vecs = np.concatenate([r.passage_vecs for r in reports])
    catalog.sentence_vecs = np.concatenate([r.sentence_vecs for r in reports])
    catalog.report_vecs = np.stack([r.report_vec for r in reports]).astype(np.float32)


def _index_words(catalog: Catalog) -> None:
    """The collection-wide word tables: IDF and the titled-passage, sentence and report BM25s."""
    title_words = [tokenize(t) for t in catalog.titles]
    catalog.idf = idf_table(catalog.tokens)
    catalog.titled_bm25 = _bm25(
        [
            title_words[r] + list(t)
            for r, t in zip(catalog.passage_report.tolist(), catalog.tokens, strict=True)
        ]
    )
    catalog.sentence_bm25 = _bm25([list(t) for sentences in catalog.sentence_tokens for t in sentences])
    report_words = []
    for report, extra in enumerate(catalog.extra_tokens):
        first, last = int(catalog.report_rows[report]), int(catalog.report_rows[report + 1])
        report_words.append([*extra, *(t for tokens in catalog.tokens[first:last] for t in tokens)])
    catalog.report_bm25 = _bm25(report_words)


class CatalogCache:
    """Keeps a ``Catalog`` in step with the store's committed state (cached on disk)."""

    def __init__(self, store: Any, embed: Callable[[list[str]], np.ndarray], path: Path) -> None:
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
            # Map the saved vectors instead of holding a private copy of them.
            catalog = Catalog.load(self.path, catalog.token) or catalog
        return catalog
