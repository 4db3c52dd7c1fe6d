"""Sparse stage: a BM25 index over passages (bm25s), built at ingest and persisted.

The index is a cache derived from the passages in Chroma: it is rebuilt at ingest, saved
beside the embedded index, and rebuilt from Chroma when it is missing or out of date (a
second client of a Chroma server, say). It is never rebuilt per query.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)

#: Words too common to carry meaning in a question or a report.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves s t""".split()
)


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens without stopwords, lightly stemmed."""
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def _stem(word: str) -> str:
    """A tiny suffix stripper (plural and -ing/-ed forms) that keeps numbers intact."""
    if word.isdigit() or len(word) <= 3:
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


class SparseIndex:
    """BM25 over passage texts, addressed by passage id."""

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.ids: list[str] = []
        self._bm25: object | None = None
        self._vocab: dict[str, int] = {}
        self._lock = threading.Lock()

    def build(self, passages: Iterable[tuple[str, str]]) -> None:
        """Index (passage id, text) pairs, replacing whatever was indexed."""
        import bm25s

        ids, corpus = [], []
        for pid, text in passages:
            ids.append(pid)
            corpus.append(tokenize(text) or ["\u2205"])
        bm25 = bm25s.BM25(k1=self.k1, b=self.b)
        if corpus:
            bm25.index(corpus, show_progress=False)
        with self._lock:
            self.ids, self._bm25 = ids, (bm25 if corpus else None)
            self._vocab = dict(getattr(bm25, "vocab_dict", {}) or {})

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every indexed passage for ``question`` (aligned with ``self.ids``)."""
        with self._lock:
            bm25, ids, vocab = self._bm25, self.ids, self._vocab
        terms = [t for t in tokenize(question) if t in vocab]
        if bm25 is None or not terms:
            return np.zeros(len(ids), dtype=np.float32)
        return np.asarray(bm25.get_scores(terms), dtype=np.float32)  # type: ignore[attr-defined]

    def top(self, question: str, n: int) -> list[tuple[str, float]]:
        """The ``n`` best passages for ``question``: (passage id, BM25 score), best first."""
        scores = self.scores(question)
        if not len(scores):
            return []
        n = min(n, len(scores))
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.lexsort((best, -scores[best]))]
        return [(self.ids[i], float(scores[i])) for i in best if scores[i] > 0]

    def save(self, folder: Path) -> None:
        """Persist to ``folder`` atomically (written aside, then swapped in)."""
        folder = Path(folder)
        staging = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(staging / "bm25"))  # type: ignore[attr-defined]
        (staging / "ids.json").write_text(json.dumps({"k1": self.k1, "b": self.b, "ids": self.ids}))
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> SparseIndex | None:
        """The index saved in ``folder``, or None if there is none or it cannot be read."""
        import bm25s

        try:
            meta = json.loads((Path(folder) / "ids.json").read_text())
            index = cls(k1=meta["k1"], b=meta["b"])
            index.ids = list(meta["ids"])
            if index.ids:
                index._bm25 = bm25s.BM25.load(str(Path(folder) / "bm25"))
                index._vocab = dict(index._bm25.vocab_dict)  # type: ignore[attr-defined]
            return index
        except (OSError, ValueError, KeyError):
            return None
