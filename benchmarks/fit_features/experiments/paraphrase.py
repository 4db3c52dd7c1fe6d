"""Paraphrase: soft coverage of the question's words by a sentence's words.

"pulled out" ~ "withdrew", "soldiers" ~ "men": each word is the mean of MiniLM's input
word-piece embeddings (the packaged model's own table, read from its safetensors file; no
model is run), and a question word counts as covered by a sentence as far as its most similar
sentence word is (an identical word covers it fully, a word below :data:`FLOOR` not at all).
The coverage is weighted by the question words' IDF, like the exact coverage features.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.text import STOPWORDS

#: Similarities below this count as no match (unrelated words sit near 0, synonyms 0.3-0.6).
FLOOR = 0.2

_WORD = re.compile(r"[^\W\d_]+|\d[\d,.]*", re.UNICODE)
_lock = threading.Lock()
_table: dict[str, object] = {}


def content_words(text: str) -> list[str]:
    """Lower-cased words of ``text`` that are not stopwords, in order, without repeats."""
    return list(dict.fromkeys(w for w in _WORD.findall(text.lower()) if w not in STOPWORDS))


def _load(model_dir: Path) -> tuple[np.ndarray, object]:
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    weights = load_file(str(model_dir / "model.safetensors"))
    name = next(k for k in weights if k.endswith("word_embeddings.weight"))
    table = weights[name].astype(np.float32)
    return table, Tokenizer.from_file(str(model_dir / "tokenizer.json"))


class WordVectors:
    """Unit word vectors from the embedding model's word-piece table (cached per word)."""

    def __init__(self, model_dir: Path) -> None:
        with _lock:
            key = str(model_dir)
            if key not in _table:
                _table[key] = _load(model_dir)
            self.table, self.tokenizer = _table[key]  # type: ignore[misc]
        self.vector = lru_cache(maxsize=65536)(self._vector)

    def _vector(self, word: str) -> np.ndarray:
        ids = self.tokenizer.encode(word, add_special_tokens=False).ids  # type: ignore[attr-defined]
        v = self.table[ids].mean(0) if ids else np.zeros(self.table.shape[1], np.float32)
        n = float(np.linalg.norm(v))
        return v / n if n else v

    def matrix(self, words: Sequence[str]) -> np.ndarray:
        """Rows of unit vectors for ``words``."""
        if not words:
            return np.zeros((0, self.table.shape[1]), np.float32)
        return np.stack([self.vector(w) for w in words])


def soft_coverage(
    q_words: Sequence[str], q_weights: np.ndarray, q_mat: np.ndarray, words: Sequence[str], mat: np.ndarray
) -> float:
    """IDF-weighted share of the question's words that ``words`` cover, softly (0 to 1)."""
    total = float(q_weights.sum())
    if total <= 0 or not len(words):
        return 0.0
    sims = (q_mat @ mat.T).max(axis=1)
    exact = np.array([w in set(words) for w in q_words])
    cover = np.where(exact, 1.0, np.clip((sims - FLOOR) / (1.0 - FLOOR), 0.0, 1.0))
    return float((cover * q_weights).sum() / total)
