"""The reader's part of the extractive answer: read every sentence of the best passages, choose
the one that answers and cut the short answer out of it.

The reader (``rag.answer.reader``) gives each sentence an "answers it" logit. A small fitted
model (``rag/models/answer_models.json``, fitted by ``benchmarks/fit_features/fit_reader.py``
with folds that leave whole reports out) sits on top of it:

- ``reader_choice``: the sentence's score is its logit and its best answer span's score plus what
  the retriever knows (the passage's rank and its reranker score below the best passage's) and the
  coverage scorer's score of it (``rag.answer.features``: the question's words in it, its
  similarity, what kind of thing it holds); its ``scale`` holds ``short_min_logit``, the span score
  under which no short answer is shown (``fit_short.py``: most spans scored under it were wrong).

The confidence stays the coverage confidence of ``rag.answer.features``, into which the reader's
span score of the coverage scorer's best sentence enters (``rag.answer.answerability``; its logit
got no weight there); the support grade (``rag.answer.grade``) reads it and the choice's ``lead``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag import models
from rag.answer.features import SentenceRef
from rag.answer.grade import choice_margin
from rag.answer.reader import Reader, Reading, context_of
from rag.text import question_parts
from rag.types import Candidate

#: Feature names of the fitted model (checked against the models file at load): the reader's
#: "answers it" logit, the passage's rank and reranker score below the best passage's, the coverage
#: scorer's score and the reader's best answer-span score in the sentence (a sentence holding a
#: confident answer of the kind asked, "where" -> a place, answers more often).
CHOICE_FEATURES = ("logit", "log_passage_rank", "passage_gap", "sentence_score", "span_logit")

FEATURE_NAMES = {"reader_choice": CHOICE_FEATURES}


@functools.cache
def fitted() -> models.LinearModel:
    """The fitted choice model (read and checked on first use)."""
    return models.load(expected=FEATURE_NAMES).model("reader_choice")


def reader_passages() -> int:
    """Passages whose sentences the reader reads (fitted with the choice model)."""
    return int(fitted().scale.get("passages", 5))


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
    refs: Sequence[SentenceRef],
    readings: Sequence[Reading],
    passage_scores: np.ndarray,
    sentence_scores: np.ndarray,
) -> np.ndarray:
    """``CHOICE_FEATURES`` per sentence.

    ``sentence_scores`` are the coverage scorer's (``rag.answer.features``).
    """
    p = np.array([r.passage for r in refs], dtype=int)
    logits = np.array([r.logit for r in readings], dtype=float)  # whole: UNREAD's -30 is never chosen
    spans = np.array([r.clipped()[1] for r in readings], dtype=float)
    return np.column_stack(
        [logits, np.log1p(p), passage_scores[p] - passage_scores[0], sentence_scores, spans]
    )


#: Sentences the reader reads per question: the coverage scorer's best (the others are not chosen).
#: Four chose as well as eight cross-validated by report (news 0.859 / 0.853 right, files 0.808
#: both; ``fit_reader.py``), at half the reading time.
READ_SENTENCES = 4
#: The reading given to a sentence left off the shortlist.
UNREAD = Reading(logit=-30.0, span=(0, 0), span_logit=float("-inf"))


def shortlist(coverage: np.ndarray, n: int = READ_SENTENCES) -> list[int]:
    """Indices of the ``n`` sentences the coverage scorer rates best, in their order."""
    return sorted(int(i) for i in np.argsort(-coverage, kind="stable")[:n])


def read(
    reader: Reader,
    question: str,
    candidates: Sequence[Candidate],
    sentence_scorer: Callable[[list[Candidate]], tuple[list[SentenceRef], np.ndarray]],
) -> ReadSentences | None:
    """The reader's reading of the sentences of the ``reader_passages()`` best ``candidates``;
    ``sentence_scorer`` gives the coverage scorer's refs and scores of the same sentences."""
    choice = fitted()
    ranked = list(candidates[: reader_passages()])
    refs, coverage = sentence_scorer(ranked)
    if not refs:
        return None
    keep = shortlist(coverage)
    texts, contexts = reader_inputs(ranked, [refs[i] for i in keep])
    read_ones = dict(zip(keep, reader.predict(question, texts, contexts)))
    readings = [read_ones.get(i, UNREAD) for i in range(len(refs))]
    pscores = np.array([c.score for c in ranked], dtype=float)
    scores = choice_features(refs, readings, pscores, coverage) @ choice.weights + choice.bias
    return ReadSentences(ranked=ranked, refs=refs, readings=readings, scores=scores)


def picks(read: ReadSentences) -> list[int]:
    """The quoted sentences (indices into ``read.refs``): the best, and the runner-up of the same
    report when its choice score is within the fitted ``second_margin`` of the best."""
    best = read.best
    order = np.argsort(-read.scores, kind="stable")
    if len(order) > 1:
        second = int(order[1])
        source = read.ranked[read.refs[best].passage].chunk.source
        same = read.ranked[read.refs[second].passage].chunk.source == source
        if same and read.scores[best] - read.scores[second] < second_margin():
            return [best, second]
    return [best]


def lead(read: ReadSentences) -> float:
    """How far the chosen sentence's choice score stands above the next sentence the reader read
    (the support grade reads it, ``rag.answer.grade``)."""
    was_read = np.array([r.logit > UNREAD.logit for r in read.readings])
    return choice_margin(np.where(was_read, read.scores, -np.inf))


def second_margin() -> float:
    """How far below the best a same-report runner-up may score and still be quoted."""
    return float(fitted().scale.get("second_margin", 0.0))


def short_answer(read: ReadSentences, i: int) -> str:
    """The reader's answer span inside sentence ``i`` (see ``span_text``)."""
    return span_text(read.text(i), read.readings[i], short_min_logit())


def short_min_logit() -> float:
    """The span score under which no short answer is shown (fitted by ``fit_short.py``)."""
    return float(fitted().scale.get("short_min_logit", float("-inf")))


def span_text(sentence: str, reading: Reading, min_logit: float) -> str:
    """The short answer a ``reading`` marks in ``sentence``: '' when it is the whole sentence or
    its span score is under ``min_logit`` (most short answers under it were wrong)."""
    a, b = reading.span
    short = sentence[a:b].strip(" ,;:")
    if not short or len(short) >= len(sentence.strip()) - 1 or reading.span_logit < min_logit:
        return ""
    return short


def reading_of(reader: Reader, question: str, ranked: Sequence[Candidate], ref: SentenceRef) -> Reading:
    """The reader's reading of one chosen sentence (one reader pass): its logit and span score
    inform the confidence (``rag.answer.answerability``) and its span is the short answer."""
    texts, contexts = reader_inputs(ranked, [ref])
    return reader.predict(question, texts, contexts)[0]


def short_of(ranked: Sequence[Candidate], ref: SentenceRef, reading: Reading) -> str:
    """The short answer ``reading`` marks inside the chosen sentence ``ref`` (see ``span_text``)."""
    texts, _ = reader_inputs(ranked, [ref])
    return span_text(texts[0], reading, short_min_logit())


#: A part's answer is a phrase: its span is at most this many tokens (24 for a whole question's).
PART_SPAN_TOKENS = 16


def part_answers(reader: Reader, question: str, quotes: Sequence[str]) -> tuple[str, ...]:
    """One short answer per part of a multi-part question (``rag.text.question_parts``: "How many
    troops withdrew and to where?" -> ("400", "nearby Ariha")), each the reader's best span of at
    most ``PART_SPAN_TOKENS`` tokens for that part among ``quotes`` (a span inside an earlier
    part's adds nothing; one holding an earlier part's replaces it); ``()`` for a one-part question.

    No score floor (unlike a whole question's span, ``short_min_logit``): on the realistic sets'
    two-part questions a part's best span held a gold string 77% of the time at any score, 82%
    above the floor, which would have dropped more than a quarter of them
    (``benchmarks/fit_features/part_answers.py``)."""
    parts = question_parts(question)
    if len(parts) < 2 or not quotes:
        return ()
    # every part against every quote in one call (side by side on the reader's threads); the
    # quotes alone, without context: a part reads what is quoted
    n = len(quotes)
    questions = [part for part in parts for _ in quotes]
    every = reader.predict_pairs(questions, list(quotes) * len(parts), span_tokens=PART_SPAN_TOKENS)
    found: list[str] = []
    for at in range(len(parts)):
        readings = every[at * n : (at + 1) * n]
        best = max(range(n), key=lambda i: readings[i].span_logit)
        span = span_text(quotes[best], readings[best], float("-inf"))
        if not span or any(span in seen for seen in found):
            continue
        # a span holding an earlier part's ("159 members and 12" over "159") answers both
        found = [seen for seen in found if seen not in span] + [span]
    return tuple(found)
