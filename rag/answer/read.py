"""The reader's part of the extractive answer: read every sentence of the best passages, choose
the one that answers, grade how sure that is, and cut the short answer out of it.

The reader (``rag.answer.reader``) gives each sentence an "answers it" logit. Two small fitted
models (``rag/models/answer_models.json``, fitted by ``benchmarks/fit_features/fit_reader.py``
with folds that leave whole reports out) sit on top of it:

- ``reader_choice``: the sentence's score is its logit plus what the retriever knows (the
  passage's rank and its reranker score below the best passage's);
- ``reader_confidence``: the probability that the chosen sentence answers the question, from its
  logit, its lead over the runner-up and the evidence-coverage confidence of ``rag.features``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag import models
from rag.answer.reader import Reader, Reading, context_of
from rag.features import SentenceRef
from rag.types import Candidate

#: Feature names of the two fitted models (checked against the models file at load).
CHOICE_FEATURES = ("logit", "log_passage_rank", "passage_gap")
CONFIDENCE_FEATURES = ("best_logit", "margin", "coverage_logit")
FEATURE_NAMES = {"reader_choice": CHOICE_FEATURES, "reader_confidence": CONFIDENCE_FEATURES}


@functools.cache
def fitted() -> tuple[models.LinearModel, models.LinearModel]:
    """The fitted choice and confidence models (read and checked on first use)."""
    loaded = models.load(expected=FEATURE_NAMES)
    return loaded.model("reader_choice"), loaded.model("reader_confidence")


def reader_passages() -> int:
    """Passages whose sentences the reader reads (fitted with the choice model)."""
    return int(fitted()[0].scale.get("passages", 5))


@dataclass(frozen=True)
class ReadSentences:
    """Every sentence of the passages read, the reader's reading of each and its choice score."""

    ranked: list[Candidate]
    refs: list[SentenceRef]
    readings: list[Reading]
    scores: np.ndarray

    @property
    def best(self) -> int:
        """Index (into ``refs``) of the sentence that answers best."""
        return int(np.argmax(self.scores))

    def text(self, i: int) -> str:
        """The text of sentence ``i``."""
        ref = self.refs[i]
        return self.ranked[ref.passage].text[ref.start : ref.end]


def sentence_refs(ranked: Sequence[Candidate]) -> list[SentenceRef]:
    """Every sentence of ``ranked``, in order."""
    return [
        SentenceRef(pi, si, s, e) for pi, c in enumerate(ranked) for si, (s, e) in enumerate(c.sent_spans)
    ]


def reader_inputs(ranked: Sequence[Candidate], refs: Sequence[SentenceRef]) -> tuple[list[str], list[str]]:
    """The sentences' texts and their contexts (report title, previous sentence)."""
    texts, contexts = [], []
    for ref in refs:
        c = ranked[ref.passage]
        texts.append(c.text[ref.start : ref.end])
        prev = c.text[slice(*c.sent_spans[ref.sentence - 1])] if ref.sentence else ""
        contexts.append(context_of(c.title, prev))
    return texts, contexts


def choice_features(
    refs: Sequence[SentenceRef], logits: np.ndarray, passage_scores: np.ndarray
) -> np.ndarray:
    """``CHOICE_FEATURES`` per sentence."""
    p = np.array([r.passage for r in refs], dtype=int)
    return np.column_stack([logits, np.log1p(p), passage_scores[p] - passage_scores[0]])


def read(reader: Reader, question: str, candidates: Sequence[Candidate]) -> ReadSentences | None:
    """The reader's reading of the sentences of the ``reader_passages()`` best ``candidates``."""
    choice = fitted()[0]
    ranked = list(candidates[: reader_passages()])
    refs = sentence_refs(ranked)
    if not refs:
        return None
    texts, contexts = reader_inputs(ranked, refs)
    readings = reader.predict(question, texts, contexts)
    logits = np.array([r.logit for r in readings])
    pscores = np.array([c.score for c in ranked], dtype=float)
    scores = choice_features(refs, logits, pscores) @ choice.weights + choice.bias
    return ReadSentences(ranked=ranked, refs=refs, readings=readings, scores=scores)


def confidence_features(scores: np.ndarray, logits: np.ndarray, coverage_confidence: float) -> np.ndarray:
    """``CONFIDENCE_FEATURES``: the chosen sentence's logit, its lead, the coverage confidence's logit."""
    best = int(np.argmax(scores))
    top2 = np.sort(scores)[-2:]
    margin = float(top2[1] - top2[0]) if len(scores) > 1 else 5.0
    c = min(max(coverage_confidence, 1e-4), 1 - 1e-4)
    return np.array([float(logits[best]), margin, math.log(c / (1 - c))])


def confidence(read: ReadSentences, coverage_confidence: float) -> float:
    """The probability (0 to 1) that the chosen sentence answers the question."""
    model = fitted()[1]
    logits = np.array([r.logit for r in read.readings])
    z = float(confidence_features(read.scores, logits, coverage_confidence) @ model.weights + model.bias)
    return 1.0 / (1.0 + math.exp(-z))


def short_answer(read: ReadSentences, i: int) -> str:
    """The reader's answer span inside sentence ``i`` ('' when it spans the whole sentence)."""
    a, b = read.readings[i].span
    text = read.text(i)
    short = text[a:b].strip(" ,;:")
    return "" if not short or len(short) >= len(text.strip()) - 1 else short
