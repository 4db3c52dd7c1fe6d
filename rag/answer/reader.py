"""The reader: a cross-encoder that reads a question beside one candidate sentence and says
whether that sentence answers it, and where in it the answer is.

The model is the packaged all-MiniLM-L6-v2 fine-tuned by ``training/train_reader.py`` on the
public QA data of ``../shared/data/qa-train`` (never on the realistic sets, so its scores on them
are out of sample) with two heads: a mean-pooled linear head (the "answers it" logit) and a
per-token start / end head over the sentence's tokens (the short answer). It ships as an int8
ONNX file in ``rag/models/``, named with its sha256 in ``reader.json`` and checked at load;
``onnxruntime`` and the base model's ``tokenizer.json`` run it without torch.

One input is ``[CLS] question [SEP] sentence [SEP] context [SEP]``: the context (the report's
title and the sentence before) resolves "he" and "the base" without letting the answer come
from it: the span head only points inside the sentence. ``encode`` is shared by training and
serving, so the two can never read a pair differently.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: The reader's manifest (package data): file name, sha256, format version, token budgets.
MANIFEST = Path(__file__).resolve().parent.parent / "models" / "reader.json"
#: The manifest format this code reads.
FORMAT = 1
#: Longest short answer, in model tokens.
MAX_SPAN_TOKENS = 24
#: The ranges "answers it" logits and span scores are held to where fitted models read them (an
#: unread sentence gets the lowest of each).
LOGIT_RANGE = (-10.0, 10.0)
SPAN_RANGE = (-10.0, 30.0)


class ReaderFileError(RuntimeError):
    """The reader's weight file is missing, damaged or does not match its manifest."""


@dataclass(frozen=True)
class Limits:
    """Token budgets of one input (without the four special tokens)."""

    question: int = 32
    sentence: int = 80
    context: int = 32


@dataclass(frozen=True)
class Encoded:
    """One encoded (question, sentence, context) input and where the sentence's tokens are."""

    ids: list[int]
    type_ids: list[int]
    first: int  # index of the sentence's first token
    offsets: list[tuple[int, int]]  # character offsets in the sentence of its tokens, in order


@dataclass(frozen=True)
class Reading:
    """The reader's verdict on one sentence: the "answers it" logit and the short answer span
    (character offsets into the sentence; ``(0, 0)`` when the sentence has no tokens)."""

    logit: float
    span: tuple[int, int]
    span_logit: float

    def clipped(self) -> tuple[float, float]:
        """The logit and the span score held to ``LOGIT_RANGE`` and ``SPAN_RANGE``."""
        return (
            min(max(self.logit, LOGIT_RANGE[0]), LOGIT_RANGE[1]),
            min(max(self.span_logit, SPAN_RANGE[0]), SPAN_RANGE[1]),
        )

    @property
    def probability(self) -> float:
        """The logit as a probability (0 to 1)."""
        return float(1.0 / (1.0 + np.exp(-self.logit)))


def context_of(title: str, previous: str) -> str:
    """The context given beside a sentence: the report's title and the sentence before it."""
    return " | ".join(t for t in (title.strip(), previous.strip()) if t)


def encode(tokenizer: Any, question: str, sentence: str, context: str, limits: Limits = Limits()) -> Encoded:
    """``[CLS] question [SEP] sentence [SEP] context [SEP]`` as ids, with the sentence's token offsets.

    ``tokenizer`` is a ``tokenizers.Tokenizer`` (the base model's ``tokenizer.json``)."""
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    q = tokenizer.encode(question, add_special_tokens=False).ids[: limits.question]
    s_enc = tokenizer.encode(sentence, add_special_tokens=False)
    s = s_enc.ids[: limits.sentence]
    c = tokenizer.encode(context, add_special_tokens=False).ids[: limits.context] if context else []
    ids = [cls, *q, sep, *s, sep, *c, sep]
    type_ids = [0] * (len(q) + 2) + [1] * (len(s) + len(c) + 2)
    return Encoded(ids=ids, type_ids=type_ids, first=len(q) + 2, offsets=list(s_enc.offsets[: len(s)]))


def best_span(
    start: np.ndarray, end: np.ndarray, n: int, max_tokens: int = MAX_SPAN_TOKENS
) -> tuple[int, int, float]:
    """The (first, last) token pair with the highest ``start[i] + end[j]``, i <= j < i + max_tokens."""
    if n == 0:
        return 0, 0, float("-inf")
    total = start[:n, None] + end[None, :n]
    i, j = np.indices(total.shape)
    total = np.where((j >= i) & (j - i < max_tokens), total, -np.inf)
    k = int(np.argmax(total))
    return k // n, k % n, float(total.flat[k])


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_manifest(manifest: Path = MANIFEST) -> dict[str, Any]:
    """The manifest, checked for its format."""
    try:
        raw = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ReaderFileError(f"{manifest}: cannot read the reader's manifest ({err})") from err
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ReaderFileError(f"{manifest}: reader manifest format {raw.get('format')!r}, expected {FORMAT}")
    return raw


def checked_weights(manifest: Path = MANIFEST, info: dict[str, Any] | None = None) -> Path:
    """The reader's weight file, after checking its sha256 against the manifest (``info``: the
    manifest already read)."""
    info = info if info is not None else load_manifest(manifest)
    path = manifest.parent / str(info["file"])
    if not path.is_file():
        raise ReaderFileError(f"reader weights {path} are missing (reinstall the package)")
    found = file_sha256(path)
    if found != info["sha256"]:
        raise ReaderFileError(
            f"reader weights {path} are damaged: sha256 {found[:16]}..., expected {info['sha256'][:16]}... "
            "(reinstall the package or restore the file)"
        )
    return path


class Reader:
    """Scores (question, sentence) pairs: ``predict`` returns one ``Reading`` per sentence."""

    def __init__(self, manifest: Path = MANIFEST, workers: int = 0) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        from rag.index.embed import PACKAGED_MODEL, resolve_model_path

        info = load_manifest(manifest)
        weights = checked_weights(manifest, info)
        self.limits = Limits(**info.get("limits", {}))
        self.version = str(info.get("version", ""))
        self.digest = str(info["sha256"])[:12]
        self.tokenizer = Tokenizer.from_file(str(resolve_model_path(PACKAGED_MODEL) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # Pairs are scored ``workers`` at a time, one thread each (the session runs concurrent
        # calls): on 2 cores, 8 pairs took half the time of one after the other, scores unchanged.
        self.workers = workers if workers > 0 else min(2, os.cpu_count() or 1)
        options.intra_op_num_threads = 1
        # The int8 graph gains nothing from ONNX Runtime's fusions (same speed per pair, logits
        # within 1e-3) and building them took 0.08 s of every cold start.
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(weights), options, providers=["CPUExecutionProvider"])
        self._executor: ThreadPoolExecutor | None = None
        # The last call's readings: the answerer reads the chosen sentence again for the short
        # answer and the confidence, which costs nothing when it was among them.
        self._recent: dict[tuple[str, str, str, int, int], Reading] = {}

    def predict(
        self,
        question: str,
        sentences: Sequence[str],
        contexts: Sequence[str] | None = None,
        batch_size: int = 1,
        span_tokens: int = MAX_SPAN_TOKENS,
    ) -> list[Reading]:
        """One ``Reading`` per sentence of ``sentences`` (with ``contexts`` beside them, if given);
        answer spans of at most ``span_tokens`` tokens."""
        return self.predict_pairs([question] * len(sentences), sentences, contexts, batch_size, span_tokens)

    def predict_pairs(
        self,
        questions: Sequence[str],
        sentences: Sequence[str],
        contexts: Sequence[str] | None = None,
        batch_size: int = 1,
        span_tokens: int = MAX_SPAN_TOKENS,
    ) -> list[Reading]:
        """One ``Reading`` per pair of ``questions`` and ``sentences`` (several questions read in
        one call run side by side on the reader's threads)."""
        contexts = contexts if contexts is not None else [""] * len(sentences)
        keys = [(q, s, c, batch_size, span_tokens) for q, s, c in zip(questions, sentences, contexts)]
        if all(k in self._recent for k in keys):  # read moments ago (the confidence's sentence)
            return [self._recent[k] for k in keys]
        readings = self._predict(keys, batch_size, span_tokens)
        self._recent = dict(zip(keys, readings))
        return readings

    def _predict(
        self, keys: list[tuple[str, str, str, int, int]], batch_size: int, span_tokens: int
    ) -> list[Reading]:
        encoded = [encode(self.tokenizer, q, s, c, self.limits) for q, s, c, _, _ in keys]
        # One input per run by default: the int8 model quantises activations per run, so a batch
        # (and its padding) would shift each score with its neighbours; alone, a pair always
        # scores the same, and nothing is padded. Larger batches are sorted by length.
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        groups = [order[at : at + batch_size] for at in range(0, len(order), batch_size)]
        out: dict[int, Reading] = {}
        runs = self._pool().map(lambda rows: self._run([encoded[i] for i in rows], span_tokens), groups)
        for rows, readings in zip(groups, runs):
            out.update(zip(rows, readings))
        return [out[i] for i in range(len(encoded))]

    def _pool(self) -> ThreadPoolExecutor:
        """The threads that score pairs side by side (made on first use)."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="reader")
        return self._executor

    def _run(self, batch: list[Encoded], span_tokens: int) -> list[Reading]:
        width = max(len(e.ids) for e in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for row, e in enumerate(batch):
            ids[row, : len(e.ids)], types[row, : len(e.ids)], mask[row, : len(e.ids)] = e.ids, e.type_ids, 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        logits, starts, ends = self.session.run(None, feeds)
        readings = []
        for row, e in enumerate(batch):
            n = len(e.offsets)
            sl = slice(e.first, e.first + n)
            i, j, score = best_span(starts[row, sl], ends[row, sl], n, span_tokens)
            span = (e.offsets[i][0], e.offsets[j][1]) if n else (0, 0)
            readings.append(Reading(logit=float(logits[row]), span=span, span_logit=score))
        return readings


_SHARED_LOCK = threading.Lock()


@functools.cache
def _shared() -> Reader:
    return Reader()


def shared_reader() -> Reader:
    """The process's reader, loaded on first use (once, whichever threads ask at once)."""
    with _SHARED_LOCK:
        return _shared()
