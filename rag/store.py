"""Store stage: Chroma collections for passages, sentences and reports (embedded or a server).

Three collections share a prefix: ``<prefix>_passages`` (one record per passage, its vector
and offsets), ``<prefix>_sentences`` (one per sentence, for answer selection) and
``<prefix>_reports`` (one per report: its full extracted text and content hash, so every
client of a Chroma server sees the same reports). Our embedding function is attached to all
of them, on creation and on reopen.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed import ChromaEmbedding, Embedder
from rag.settings import Settings
from rag.types import Chunk, Report, Sentence

#: Bumped whenever what we write to Chroma changes shape.
LAYOUT_VERSION = 1


class IndexCompatibilityError(RuntimeError):
    """The index was written by another layout version or another embedding model."""


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    Path(settings.index_dir).mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)


def report_id(source: str) -> str:
    """The id of a report's record in the reports collection."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()


class ChromaStore:
    """Reads and writes passages, sentences and reports in Chroma."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.client = _client(settings)
        self._function = ChromaEmbedding(embedder)
        self._identity = {"layout": LAYOUT_VERSION, "embedding_model": embedder.model_name}
        self.passages = self._collection("passages")
        self.sentences = self._collection("sentences")
        self.reports = self._collection("reports")
        self._vectorstore: Any = None

    def _collection(self, kind: str) -> Any:
        name = f"{self.settings.collection}_{kind}"
        collection = self.client.get_or_create_collection(
            name=name,
            embedding_function=self._function,
            metadata=dict(self._identity),
            configuration={"hnsw": {"space": "cosine"}},
        )
        found = {key: (collection.metadata or {}).get(key) for key in self._identity}
        if found != self._identity:
            raise IndexCompatibilityError(
                f"the index at {self.location} was written with {found}, this version needs "
                f"{self._identity}: delete it (or choose another RAG_INDEX_DIR) and re-ingest"
            )
        return collection

    @property
    def location(self) -> str:
        """Where the index lives, for messages."""
        return self.settings.chroma_url or str(self.settings.index_dir)

    @property
    def vectorstore(self) -> Any:
        """The passages collection as a LangChain ``VectorStore`` (langchain-chroma)."""
        if self._vectorstore is None:
            from langchain_chroma import Chroma

            self._vectorstore = Chroma(
                client=self.client,
                collection_name=self.passages.name,
                embedding_function=self.embedder,
                collection_metadata=dict(self._identity),
            )
        return self._vectorstore

    # Writing -----------------------------------------------------------------------------

    def _batched_add(self, collection: Any, **columns: Sequence[Any]) -> None:
        size = max(1, min(self.client.get_max_batch_size(), 4000))
        total = len(columns["ids"])
        for at in range(0, total, size):
            collection.upsert(**{key: list(value[at : at + size]) for key, value in columns.items()})

    def put_report(
        self, report: Report, chunks: list[Chunk], passage_vecs: np.ndarray, sentence_vecs: np.ndarray
    ) -> None:
        """Write a report's passages and sentences, then its record (which makes it visible)."""
        self._batched_add(
            self.passages,
            ids=[c.passage_id for c in chunks],
            documents=[c.text for c in chunks],
            embeddings=passage_vecs,
            metadatas=[_passage_metadata(c, report.content_hash) for c in chunks],
        )
        sentences = [(c, i, s) for c in chunks for i, s in enumerate(c.sentences)]
        self._batched_add(
            self.sentences,
            ids=[f"{c.passage_id}:{i}" for c, i, _ in sentences],
            documents=[s.text for _, _, s in sentences],
            embeddings=sentence_vecs,
            metadatas=[
                {"passage_id": c.passage_id, "source": c.source, "start": s.start, "end": s.end}
                for c, _, s in sentences
            ],
        )
        mean = passage_vecs.mean(axis=0) if len(passage_vecs) else np.zeros(self.embedder.dimension)
        norm = float(np.linalg.norm(mean)) or 1.0
        self.reports.upsert(
            ids=[report_id(report.source)],
            documents=[report.text],
            embeddings=[(mean / norm).astype(np.float32)],
            metadatas=[
                {
                    "source": report.source,
                    "content_hash": report.content_hash,
                    "title": report.title,
                    "passages": len(chunks),
                }
            ],
        )

    def delete_passages(self, source: str, keep_hash: str | None = None) -> None:
        """Delete a report's passages and sentences (except those of version ``keep_hash``)."""
        where: dict[str, Any] = {"source": source}
        if keep_hash is not None:
            where = {"$and": [{"source": source}, {"report_hash": {"$ne": keep_hash}}]}
        stale = self.passages.get(where=where, include=[])["ids"]
        if stale:
            self.passages.delete(ids=stale)
            self.sentences.delete(where={"passage_id": {"$in": stale}})

    def delete_report(self, source: str) -> None:
        """Remove a report entirely: its record first, then its passages."""
        self.reports.delete(ids=[report_id(source)])
        self.delete_passages(source)

    # Reading -----------------------------------------------------------------------------

    def report_hashes(self) -> dict[str, str]:
        """Every indexed report's source and content hash."""
        found = self.reports.get(include=["metadatas"])
        return {m["source"]: m["content_hash"] for m in found["metadatas"]}

    def get_report(self, source: str) -> Report | None:
        """A report's record, or None if it is not indexed."""
        found = self.reports.get(ids=[report_id(source)], include=["documents", "metadatas"])
        if not found["ids"]:
            return None
        meta = found["metadatas"][0]
        return Report(
            source=meta["source"],
            text=found["documents"][0],
            content_hash=meta["content_hash"],
            title=meta.get("title", ""),
        )

    def get_chunks(self, passage_ids: Sequence[str]) -> dict[str, Chunk]:
        """The stored passages with these ids, keyed by id."""
        if not passage_ids:
            return {}
        found = self.passages.get(ids=list(passage_ids), include=["documents", "metadatas"])
        return {
            pid: _chunk_from_record(pid, text, meta)
            for pid, text, meta in zip(found["ids"], found["documents"], found["metadatas"])
        }

    def query_passages(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """The ``n`` passages nearest to ``vector``: (passage id, cosine similarity)."""
        count = self.passages.count()
        if count == 0:
            return []
        found = self.passages.query(query_embeddings=[vector], n_results=min(n, count), include=["distances"])
        return [(pid, 1.0 - dist) for pid, dist in zip(found["ids"][0], found["distances"][0])]

    def sentence_vectors(self, passage_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The sentence embeddings of these passages, rows in sentence order, keyed by id."""
        if not passage_ids:
            return {}
        found = self.sentences.get(where={"passage_id": {"$in": list(passage_ids)}}, include=["embeddings"])
        rows: dict[str, list[tuple[int, np.ndarray]]] = {}
        for sid, vector in zip(found["ids"], found["embeddings"]):
            pid, index = sid.rsplit(":", 1)
            rows.setdefault(pid, []).append((int(index), np.asarray(vector, dtype=np.float32)))
        return {
            pid: np.stack([v for _, v in sorted(pairs, key=lambda p: p[0])]) for pid, pairs in rows.items()
        }

    def iter_passage_texts(self, page: int = 5000) -> Iterator[tuple[str, str, str]]:
        """Every stored passage as (passage id, source, text), page by page."""
        total = self.passages.count()
        for offset in range(0, total, page):
            found = self.passages.get(include=["documents", "metadatas"], limit=page, offset=offset)
            for pid, text, meta in zip(found["ids"], found["documents"], found["metadatas"]):
                yield pid, meta["source"], text

    def size_on_disk(self) -> int:
        """Bytes the embedded index takes (0 for a server)."""
        if self.settings.chroma_url:
            return 0
        return sum(p.stat().st_size for p in Path(self.settings.index_dir).rglob("*") if p.is_file())


def _passage_metadata(chunk: Chunk, report_hash: str) -> dict[str, Any]:
    return {
        "passage_id": chunk.passage_id,
        "source": chunk.source,
        "start": chunk.start,
        "end": chunk.end,
        "ordinal": chunk.ordinal,
        "report_hash": report_hash,
        "sentences": json.dumps([[s.start, s.end] for s in chunk.sentences]),
    }


def _chunk_from_record(pid: str, text: str, meta: dict[str, Any]) -> Chunk:
    start = int(meta["start"])
    sentences = tuple(
        Sentence(start=s, end=e, text=text[s - start : e - start]) for s, e in json.loads(meta["sentences"])
    )
    return Chunk(
        passage_id=pid,
        source=meta["source"],
        text=text,
        start=start,
        end=int(meta["end"]),
        ordinal=int(meta["ordinal"]),
        sentences=sentences,
    )
