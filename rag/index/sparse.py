"""Sparse stage: a BM25 index over passages (bm25s), built at ingest and persisted.

The index is a cache derived from the passages in Chroma: it is rebuilt at ingest, saved
beside the embedded index, and rebuilt from Chroma when it is missing or out of date (a
second client of a Chroma server, say). It is never rebuilt per query.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rag.index.bm25 import BM25Scores
from rag.index.cache import atomic_folder
from rag.models import shipped_constants
from rag.text import TOKENIZER, tokenize

if TYPE_CHECKING:
    from rag.index.store import ChromaStore, Snapshot


class SparseIndex:
    """BM25 over passage texts, addressed by passage id."""

    def __init__(self, k1: float | None = None, b: float | None = None) -> None:
        fitted = shipped_constants()
        self.k1 = fitted.bm25_k1 if k1 is None else k1
        self.b = fitted.bm25_b if b is None else b
        self.token: str | None = None
        self._ids: list[str] = []
        self._bm25: BM25Scores | None = None
        self._vocab: dict[str, int] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    @property
    def ids(self) -> list[str]:
        """Passage ids aligned with the last ``scores()`` this thread computed.

        The index can be rebuilt by another thread between ``scores()`` and reading ``ids``;
        each thread therefore reads the ids of the version it scored against.
        """
        scored = getattr(self._local, "ids", None)
        return self._ids if scored is None else scored

    @ids.setter
    def ids(self, value: list[str]) -> None:
        self._ids = value

    def __len__(self) -> int:
        """How many passages the current version indexes."""
        return len(self._ids)

    def search(self, question: str) -> tuple[list[str], np.ndarray, str | None]:
        """The ids, BM25 scores and state token of one consistent version of the index."""
        with self._lock:
            bm25, ids, vocab, token = self._bm25, self._ids, self._vocab, self.token
        self._local.ids = ids
        terms = [t for t in tokenize(question) if t in vocab]
        if bm25 is None or not terms:
            return ids, np.zeros(len(ids), dtype=np.float32), token
        return ids, np.asarray(bm25.get_scores(terms), dtype=np.float32), token

    def adopt(self, other: SparseIndex) -> None:
        """Take over ``other``'s contents (a newer version) in one step."""
        with self._lock:
            self.k1, self.b, self.token = other.k1, other.b, other.token
            self._ids, self._bm25, self._vocab = other._ids, other._bm25, other._vocab

    def build(self, passages: Iterable[tuple[str, str]], token: str | None = None) -> None:
        """Index (passage id, text) pairs, replacing whatever was indexed; ``token`` names the state."""
        ids, corpus = [], []
        for pid, text in passages:
            ids.append(pid)
            corpus.append(tokenize(text))
        self.build_tokens(ids, corpus, token)

    def build_tokens(self, ids: list[str], corpus: Sequence[Sequence[str]], token: str | None = None) -> None:
        """Index passages already tokenised with :func:`tokenize` (``corpus`` aligned with ``ids``)."""
        corpus = [list(tokens) or ["\u2205"] for tokens in corpus]
        bm25 = BM25Scores.build(corpus, self.k1, self.b) if corpus else None
        with self._lock:
            self._ids, self._bm25, self.token = ids, bm25, token
            self._vocab = bm25.vocab_dict if bm25 is not None else {}

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every indexed passage for ``question`` (aligned with ``self.ids``)."""
        return self.search(question)[1]

    def save(self, folder: Path) -> bool:
        """Persist to ``folder`` atomically (written aside, then swapped in); False on failure.

        Several processes may save the same cache: each writes its own staging folder, and a
        reader that catches a swap half-way sees a mismatch and rebuilds (see ``load``).
        """
        with self._lock:
            bm25, meta = self._bm25, {"k1": self.k1, "b": self.b, "ids": self._ids, "token": self.token}
            meta["tokenizer"] = TOKENIZER
        try:
            with atomic_folder(folder) as (staging, nonce):
                if bm25 is not None:
                    bm25.save(staging / "bm25")
                (staging / "ids.json").write_text(json.dumps({**meta, "nonce": nonce}))
            return True
        except OSError:
            return False

    @classmethod
    def load(cls, folder: Path) -> SparseIndex | None:
        """The index saved in ``folder``, or None if there is none or it cannot be read."""
        try:
            meta = json.loads((Path(folder) / "ids.json").read_text())
            if meta.get("tokenizer") != TOKENIZER:
                return None
            index = cls(k1=meta["k1"], b=meta["b"])
            index._ids, index.token = list(meta["ids"]), meta.get("token")
            if index._ids:
                index._bm25 = BM25Scores.load(Path(folder) / "bm25")
                index._vocab = index._bm25.vocab_dict
            again = json.loads((Path(folder) / "ids.json").read_text())
        except (OSError, ValueError, KeyError):
            return None
        return index if again.get("nonce") == meta.get("nonce") else None


class SparseCache:
    """Keeps a ``SparseIndex`` in step with the committed state of a ``ChromaStore``.

    The index is derived from Chroma and stamped with the store's state token. When the token
    moves (another client committed), the cache first tries the copy saved on disk (the
    writing process saves one), else rebuilds from Chroma in a background thread; questions
    keep using the previous version meanwhile, filtered by the store's snapshot.
    """

    def __init__(self, store: ChromaStore, folder: Path, index: SparseIndex | None = None) -> None:
        self.store = store
        self.folder = Path(folder)
        self.index = index or SparseIndex()
        self._worker: threading.Thread | None = None
        self._worker_lock = threading.Lock()
        self._again = False

    def open(self) -> SparseIndex:
        """Load the saved index if it matches the store's state, else rebuild it now."""
        if not self._load_matching():
            self.rebuild()
        self.store.listeners.append(self.on_change)
        return self.index

    def _load_matching(self) -> bool:
        token = self.store.snapshot.token
        saved = SparseIndex.load(self.folder)
        if saved is None or saved.token != token:
            return False
        if token is None and len(saved) != self.store.passages.count():
            return False
        self.index.adopt(saved)
        return True

    def rebuild(self, save: bool = True) -> None:
        """Rebuild from the committed passages in Chroma (and save the result)."""
        token = self.store.snapshot.token
        fresh = SparseIndex(self.index.k1, self.index.b)
        fresh.build(self.store.iter_visible_passages(), token=token)
        self.index.adopt(fresh)
        if save:
            fresh.save(self.folder)

    def adopt(self, index: SparseIndex) -> None:
        """Serve ``index`` (built for the store's current state elsewhere) and save it."""
        self.index.adopt(index)
        index.save(self.folder)

    def on_change(self, snapshot: Snapshot) -> None:
        """Store listener: bring the index up to ``snapshot`` in the background."""
        if self.index.token == snapshot.token:
            return
        with self._worker_lock:
            if self._worker is not None and self._worker.is_alive():
                self._again = True
                return
            self._worker = threading.Thread(target=self._catch_up, name="sparse-catch-up", daemon=True)
            self._worker.start()

    def _catch_up(self) -> None:
        while True:
            with self._worker_lock:
                self._again = False
            if self.index.token != self.store.snapshot.token and not self._load_matching():
                self.rebuild(save=False)
            with self._worker_lock:
                if not self._again:
                    self._worker = None
                    return

    def wait(self, timeout: float | None = None) -> None:
        """Block until a background catch-up (if any) has finished."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
