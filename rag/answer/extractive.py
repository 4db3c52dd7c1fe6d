"""Answer stage (extractive): choose the sentence(s) of the top passages that answer the question.

A sentence's score mixes its dense similarity to the question, its coverage of the question's
rare words (with the previous sentence, for co-reference), the rank of its passage and whether
it holds what the question asks for (a number for "how many", a date for "when", a name for
"who"/"where"); see ``rag.features``. The confidence of the choice decides abstention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag import features
from rag.retrieve import Candidate
from rag.types import Chunk, Sentence

_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|dozen|dozens|hundred|hundreds|thousand|thousands|million|"
    r"millions|billion|several|few)\b",
    re.IGNORECASE,
)
_YEAR_OR_DATE = re.compile(
    r"\b(1[0-9]{3}|20[0-9]{2})\b|\b(?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|century|centuries|morning|evening|night|today|yesterday|weeks?|months?|years?)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z\u00C0-\u024F'-]+")


_KIND_PATTERNS = (
    ("number", r"\bhow (many|much|long|far|big|large|old)\b|\bwhat (number|percentage|amount)"),
    ("date", r"\bwhen\b|\bwhat (year|date|day|month|time|century)\b|\bhow long ago\b"),
    ("place", r"\bwhere\b|\bwhat (town|city|country|place|region|province)\b"),
    ("person", r"\bwho\b|\bwhose\b|\bwhom\b|\bwhich (group|person|man|woman|agency)\b"),
)


def question_kinds(question: str) -> tuple[str, ...]:
    """What the question asks for, in order: number, date, place, person (none: ``()``).

    A two-part question ("how many ... and to where?") asks for more than one kind.
    """
    q = question.lower()
    return tuple(kind for kind, pattern in _KIND_PATTERNS if re.search(pattern, q))


@dataclass(frozen=True)
class SentenceChoice:
    """A chosen sentence with the passage it belongs to and its score."""

    chunk: Chunk
    sentence: Sentence
    score: float


@dataclass(frozen=True)
class Selection:
    """The answerer's choice: sentences in answer order, and how sure it is (0 to 1)."""

    sentences: tuple[SentenceChoice, ...]
    confidence: float


class ExtractiveAnswerer:
    """Scores the sentences of the top passages, picks one or two, and rates its confidence.

    Sentence scores and confidence are linear / logistic models over ``rag.features``; the
    confidence is a calibrated probability that the reports answer the question.
    """

    def __init__(self, max_sentences: int = 2) -> None:
        self.max_sentences = max_sentences

    def run(self, question: str, question_vec: np.ndarray, candidates: Sequence[Candidate]) -> Selection:
        """Choose the answer sentences among the top passages of ``candidates`` (best first)."""
        if not candidates:
            return Selection(sentences=(), confidence=0.0)
        catalog = candidates[0].catalog
        ranked = [c.evidence for c in candidates[: features.ANSWER_PASSAGES]]
        passage_scores = [c.score for c in candidates[: features.ANSWER_PASSAGES]]
        refs, matrix = features.sentence_features(question, question_vec, ranked, passage_scores, catalog.idf)
        if not refs:
            return Selection(sentences=(), confidence=0.0)
        scores = matrix @ features.SENTENCE_WEIGHTS
        texts = [e.text for e in ranked]
        chosen = features.choose_sentences(refs, scores, texts)[: self.max_sentences]
        vocab = catalog.report_vocab(int(ranked[0].report)) if len(catalog.sources) else None
        signals = features.abstain_features(
            question, question_vec, ranked, passage_scores, refs, scores, catalog.idf, vocab
        )
        picked = tuple(
            SentenceChoice(
                chunk=candidates[refs[i].passage].chunk,
                sentence=candidates[refs[i].passage].chunk.sentences[refs[i].sentence],
                score=float(scores[i]),
            )
            for i in chosen
        )
        return Selection(sentences=picked, confidence=features.guarded_confidence(signals, question, vocab))
