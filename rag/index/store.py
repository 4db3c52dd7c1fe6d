"""Store stage: Chroma collections for passages, sentences and reports (embedded or a server).

Three collections share a prefix: ``<prefix>_passages`` (one record per passage, its vector
and offsets), ``<prefix>_sentences`` (one per sentence, for answer selection) and
``<prefix>_reports`` (one per report: its full extracted text and content hash, so every
client of a Chroma server sees the same reports). Our embedding function is attached to all
of them, on creation and on reopen.

Consistency (see docs/scale.md): a report becomes visible when its
record is written, after all its passages. Every reader filters passages through a
``Snapshot`` (source -> content hash of the committed version), so passages of a version
being written, or of a version a crash left behind, are never returned. A state token in
the reports collection's metadata changes at every commit; clients check it at most every
``refresh_seconds`` and then refresh their snapshot and their BM25 cache.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.index.embed import Embedder, langchain_embeddings
from rag.index.space import RESERVE_NAME, DiskFullError, is_disk_full, release_reserve
from rag.settings import Settings
from rag.types import Chunk, Report, Sentence

#: Bumped whenever what we write to Chroma changes shape.
LAYOUT_VERSION = 1


def vector_recipe(settings: Any) -> str:
    """How an index's vectors were made ("int8/sentences"): questions must be embedded the same way."""
    return f"{'int8' if settings.embedding_int8 else 'float'}/{settings.passage_vectors}"


#: Key of the state token in the reports collection's metadata.
STATE_KEY = "state"


class IndexCompatibilityError(RuntimeError):
    """The index was written by another layout version or another embedding model."""


class IndexBusyError(RuntimeError):
    """Another process (or another ``ReportQA``) is writing to the same embedded index."""


@dataclass(frozen=True)
class Snapshot:
    """The committed state one client answers from: the state token and each report's hash."""

    token: str | None = None
    hashes: dict[str, str] = field(default_factory=dict)
    taken: float = field(default_factory=time.monotonic)

    def visible(self, meta: dict[str, Any]) -> bool:
        """True when a passage's metadata belongs to the committed version of its report."""
        return self.hashes.get(meta.get("source", "")) == meta.get("report_hash")


@contextlib.contextmanager
def write_lock(folder: Path) -> Iterator[None]:
    """Hold the embedded index's writer lock (``folder/.write.lock``) or raise IndexBusyError."""
    import fcntl

    Path(folder).mkdir(parents=True, exist_ok=True)
    handle = open(Path(folder) / ".write.lock", "a+")  # noqa: SIM115 - held across the yield
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
            raise IndexBusyError(
                f"index is busy: another process is ingesting into {folder}; try again when it "
                "has finished (or use a Chroma server, RAG_CHROMA_URL, for several writers)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


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
    folder = Path(settings.index_dir)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(folder), settings=chroma_settings)
    except Exception as err:
        if not is_disk_full(err):
            raise
        if not release_reserve(folder):  # nothing left to free: say so in one line
            raise DiskFullError(
                f"disk full: the index at {folder} cannot be opened; free some space"
            ) from err
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(folder), None)  # the system that failed to start
    return chromadb.PersistentClient(path=str(folder), settings=chroma_settings)  # in the reserve's room


def report_id(source: str) -> str:
    """The id of a report's record in the reports collection."""
    return hashlib.sha1(source.encode("utf-8")).hexdigest()


class ChromaStore:
    """Reads and writes passages, sentences and reports in Chroma."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        from rag.index.chroma_function import ChromaEmbedding  # imports Chroma

        self.client = _client(settings)
        self._function = ChromaEmbedding(embedder)
        self._identity = {
            "layout": LAYOUT_VERSION,
            "embedding_model": embedder.model_name,
            "vectors": vector_recipe(embedder.settings),
        }
        self.passages = self._collection("passages")
        self.sentences = self._collection("sentences")
        self.reports = self._collection("reports")
        self._vectorstore: Any = None
        self._snapshot = Snapshot()
        self._pins = threading.local()
        self._refresh_lock = threading.Lock()
        self._checked = 0.0
        self.listeners: list[Callable[[Snapshot], None]] = []
        self._reopen_on_change = False
        self._retired: list[Any] = []
        self.refresh()
        self._reopen_on_change = not settings.chroma_url

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
            hint = ""
            if found.get("vectors") and {**found, "vectors": self._identity["vectors"]} == self._identity:
                hint = " (or set RAG_EMBEDDING_INT8 and RAG_PASSAGE_VECTORS as it was written)"
            raise IndexCompatibilityError(
                f"the index at {self.location} was written with {found}, this version needs "
                f"{self._identity}: delete it (or choose another RAG_INDEX_DIR) and re-ingest{hint}"
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
                embedding_function=langchain_embeddings(self.embedder),
                collection_metadata=dict(self._identity),
            )
        return self._vectorstore

    # Snapshot ----------------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        """The committed state this client currently answers from."""
        return self._snapshot

    def view(self) -> Snapshot:
        """The snapshot this thread's current question pinned (else the current one)."""
        pinned = getattr(self._pins, "snapshot", None)
        if (
            pinned is not None
            and time.monotonic() - getattr(self._pins, "at", 0.0) < self.settings.pin_seconds
        ):
            return pinned
        return self._snapshot

    def pin(self) -> Snapshot:
        """Pin the current snapshot for this thread (a question reads one consistent state)."""
        self._pins.snapshot, self._pins.at = self._snapshot, time.monotonic()
        return self._snapshot

    def state_token(self) -> str | None:
        """The state token in Chroma: it changes whenever any client commits a change."""
        collection = self.client.get_collection(self.reports.name, embedding_function=self._function)
        return (collection.metadata or {}).get(STATE_KEY)

    def refresh(self, force: bool = True) -> Snapshot:
        """Re-read the token and, if it changed (or ``force``), every report's hash."""
        with self._refresh_lock:
            self._checked = time.monotonic()
            token = self.state_token()
            if token != self._snapshot.token and self._reopen_on_change:
                self._reopen()
            if force or token != self._snapshot.token:
                old, self._snapshot = self._snapshot, Snapshot(token, self.report_hashes())
                if old.token != token or old.hashes != self._snapshot.hashes:
                    for listener in list(self.listeners):
                        listener(self._snapshot)
            return self._snapshot

    def _reopen(self) -> None:
        """Open the embedded index afresh after another process committed to it.

        Chroma keeps one client per folder and process and loads its vector segments once, so
        without this the new reports' vectors stay invisible to dense search and reading them
        fails ("Error finding id"). Questions in flight finish on the old client.
        """
        from chromadb.api.client import SharedSystemClient

        previous = SharedSystemClient._identifier_to_system.pop(str(self.settings.index_dir), None)
        self.client = _client(self.settings)
        self.passages = self._collection("passages")
        self.sentences = self._collection("sentences")
        self.reports = self._collection("reports")
        self._vectorstore = None
        # Stop the client retired by the previous reopen (long idle by now), keep this one's
        # predecessor alive for the questions still running on it.
        while self._retired:
            with contextlib.suppress(Exception):
                self._retired.pop().stop()
        if previous is not None:
            self._retired.append(previous)

    def maybe_refresh(self) -> None:
        """``refresh(force=False)`` at most every ``refresh_seconds`` (other clients' commits)."""
        interval = getattr(self.settings, "refresh_seconds", 1.0)
        if time.monotonic() - self._checked >= interval and not self._refresh_lock.locked():
            self.refresh(force=False)

    def commit(self, source: str, content_hash: str | None) -> None:
        """Record in the snapshot and the state token that ``source`` is now at this version."""
        hashes = dict(self._snapshot.hashes)
        if content_hash is None:
            hashes.pop(source, None)
        else:
            hashes[source] = content_hash
        self._snapshot = Snapshot(self.bump_state(), hashes)

    def bump_state(self) -> str:
        """Write a new state token (other clients then refresh) and return it."""
        token = uuid.uuid4().hex
        self.reports.modify(metadata={**self._identity, STATE_KEY: token})
        return token

    def clean_orphans(self) -> int:
        """Delete passages and sentences no committed report version owns (a crash's leftovers).

        Cheap when there are none: the counts are compared first. Call under the writer lock.
        """
        snapshot = self.refresh()
        metas = self.reports.get(include=["metadatas"])["metadatas"]
        want_p = sum(int(m.get("passages", 0)) for m in metas)
        want_s = sum(int(m.get("sentences", -1)) for m in metas)
        if self.passages.count() == want_p and self.sentences.count() == want_s:
            return 0
        live, dead = set(), []
        for pid, meta in self._iter_metadatas(self.passages):
            (live.add(pid) if snapshot.visible(meta) else dead.append(pid))
        self._delete_ids(self.passages, dead)
        dead_s = [sid for sid, meta in self._iter_metadatas(self.sentences) if meta["passage_id"] not in live]
        self._delete_ids(self.sentences, dead_s)
        return len(dead) + len(dead_s)

    def _iter_metadatas(self, collection: Any, page: int = 5000) -> Iterator[tuple[str, dict[str, Any]]]:
        for offset in range(0, collection.count(), page):
            found = collection.get(include=["metadatas"], limit=page, offset=offset)
            yield from zip(found["ids"], found["metadatas"])

    def _delete_ids(self, collection: Any, ids: list[str]) -> None:
        size = max(1, min(self.client.get_max_batch_size(), 4000))
        for at in range(0, len(ids), size):
            collection.delete(ids=ids[at : at + size])

    # Writing -----------------------------------------------------------------------------

    def _batched_add(self, collection: Any, **columns: Sequence[Any] | np.ndarray) -> None:
        size = max(1, min(self.client.get_max_batch_size(), 4000))
        total = len(columns["ids"])
        for at in range(0, total, size):
            collection.upsert(**{key: list(value[at : at + size]) for key, value in columns.items()})

    def put_report(
        self,
        report: Report,
        chunks: list[Chunk],
        passage_vecs: np.ndarray,
        sentence_vecs: np.ndarray,
        extras: dict[str, str] | None = None,
    ) -> None:
        """Write a report's passages and sentences, then its record (which makes it visible).

        ``extras`` are derived values the record keeps too (its brief and entities, as JSON).
        """
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
            embeddings=sentence_vecs,  # no documents: a sentence's text is its passage's slice, and
            # Chroma's full-text index of the documents cost a quarter of the write time
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
                    "date": report.date,
                    "kind": report.kind,
                    "origin": report.origin,
                    "passages": len(chunks),
                    "sentences": len(sentences),
                    **(extras or {}),
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

    def report_origins(self) -> dict[str, str]:
        """Every indexed report's source and origin (the file it was read from; '' if unknown)."""
        found = self.reports.get(include=["metadatas"])
        return {m["source"]: m.get("origin", "") for m in found["metadatas"]}

    def annotate_report(self, source: str, content_hash: str, values: dict[str, str]) -> bool:
        """Add derived ``values`` (stamped with ``content_hash``) to a report's record if it is
        still at that version; False if it is not. The state token is unchanged: nothing a
        question reads changes, and a stale value is recognised by its stamp."""
        found = self.reports.get(ids=[report_id(source)], include=["metadatas"])
        if not found["ids"] or found["metadatas"][0].get("content_hash") != content_hash:
            return False
        self.reports.update(ids=[report_id(source)], metadatas=[dict(values)])
        return True

    def get_report(self, source: str) -> Report | None:
        """A report's record, or None if it is not indexed."""
        found = self.get_record(source)
        return None if found is None else found[0]

    def get_record(self, source: str) -> tuple[Report, dict[str, Any]] | None:
        """A report's record and its metadata (with the derived values it keeps), or None."""
        found = self.reports.get(ids=[report_id(source)], include=["documents", "metadatas"])
        if not found["ids"]:
            return None
        meta = found["metadatas"][0]
        return Report(
            source=meta["source"],
            text=found["documents"][0],
            content_hash=meta["content_hash"],
            title=meta.get("title", ""),
            date=meta.get("date", ""),
            kind=meta.get("kind", ""),
            origin=meta.get("origin", ""),
        ), dict(meta)

    def get_chunks(self, passage_ids: Sequence[str]) -> dict[str, Chunk]:
        """The stored passages with these ids, keyed by id."""
        if not passage_ids:
            return {}
        found = self.passages.get(ids=list(passage_ids), include=["documents", "metadatas"])
        view = self.view()
        return {
            pid: _chunk_from_record(pid, text, meta)
            for pid, text, meta in zip(found["ids"], found["documents"], found["metadatas"])
            if view.visible(meta)
        }

    def query_passages(
        self,
        vector: np.ndarray,
        n: int,
        visible: Callable[[str], bool] | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """The ``n`` committed passages nearest to ``vector``: (passage id, cosine similarity).

        Starts a question: refreshes the snapshot if due and pins it for this thread. Asks
        Chroma for twice ``n`` so that uncommitted passages (filtered out) do not crowd out
        committed ones. ``visible`` (a test on the passage id, e.g. membership in a catalog
        built from one snapshot) replaces the metadata check and spares reading metadata.
        ``sources`` limits the search to those reports (a Chroma ``where`` filter).
        """
        self.maybe_refresh()
        view = self.pin()
        # Chroma returns fewer results when it holds fewer: no count() round trip per question.
        include = ["distances"] if visible else ["distances", "metadatas"]
        where = {"source": {"$in": list(sources)}} if sources is not None else None
        found = self.passages.query(query_embeddings=[vector], n_results=2 * n, include=include, where=where)
        ids, distances = found["ids"][0], found["distances"][0]
        if visible is not None:
            return [(pid, 1.0 - d) for pid, d in zip(ids, distances, strict=True) if visible(pid)][:n]
        rows = zip(ids, distances, found["metadatas"][0], strict=True)
        return [(pid, 1.0 - dist) for pid, dist, meta in rows if view.visible(meta)][:n]

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

    def iter_visible_passages(self, page: int = 5000) -> Iterator[tuple[str, str]]:
        """Every passage of a committed report version as (passage id, text), page by page."""
        view = self.refresh(force=False)
        for offset in range(0, self.passages.count(), page):
            found = self.passages.get(include=["documents", "metadatas"], limit=page, offset=offset)
            for pid, text, meta in zip(found["ids"], found["documents"], found["metadatas"]):
                if view.visible(meta):
                    yield pid, text

    def size_on_disk(self) -> int:
        """Bytes the embedded index takes (0 for a server)."""
        if self.settings.chroma_url:
            return 0
        files = Path(self.settings.index_dir).rglob("*")
        return sum(p.stat().st_size for p in files if p.is_file() and p.name != RESERVE_NAME)


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
