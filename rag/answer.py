"""Answer stage (extractive): choose the sentence(s) of the top passages that answer the question.

A sentence's score mixes its dense similarity to the question, its lexical overlap, the rank
of its passage and whether it holds what the question asks for (a number for "how many", a
date for "when", a name for "who"/"where"). The confidence of the choice decides abstention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.retrieve import Candidate
from rag.sparse import tokenize
from rag.types import Chunk, Sentence

#: How many of the top passages' sentences compete.
PASSAGES_CONSIDERED = 3

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


def question_type(question: str) -> str:
    """The first kind the question asks for, or "other"."""
    kinds = question_kinds(question)
    return kinds[0] if kinds else "other"


def has_expected_type(kind: str, sentence: str) -> bool:
    """True when ``sentence`` holds something of the kind the question asks for."""
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "date":
        return bool(_YEAR_OR_DATE.search(sentence))
    if kind in ("place", "person"):
        return bool(_NAME.search(sentence))
    return True


@dataclass(frozen=True)
class SentenceChoice:
    """A chosen sentence with the passage it belongs to and its score."""

    chunk: Chunk
    sentence: Sentence
    score: float


@dataclass(frozen=True)
class Selection:
    """The answerer's choice: sentences in answer order, and how sure it is."""

    sentences: tuple[SentenceChoice, ...]
    confidence: float


def _overlap(question_terms: set[str], sentence: str) -> float:
    if not question_terms:
        return 0.0
    return len(question_terms & set(tokenize(sentence))) / len(question_terms)


class ExtractiveAnswerer:
    """Scores the sentences of the top passages and picks one or two of them."""

    def __init__(self, max_sentences: int = 2) -> None:
        self.max_sentences = max_sentences

    def run(
        self,
        question: str,
        question_vec: np.ndarray,
        candidates: list[Candidate],
        sentence_vecs: dict[str, np.ndarray],
    ) -> Selection:
        """Choose the answer sentences among the top passages of ``candidates``."""
        scored = self._score_all(question, question_vec, candidates[:PASSAGES_CONSIDERED], sentence_vecs)
        if not scored:
            return Selection(sentences=(), confidence=0.0)
        scored.sort(key=lambda s: -s.score)
        chosen = [scored[0]]
        if self.max_sentences > 1 and len(scored) > 1 and scored[1].score > scored[0].score - 0.05:
            chosen.append(scored[1])
        chosen.sort(key=lambda s: (s.chunk.source, s.sentence.start))
        return Selection(sentences=tuple(chosen), confidence=scored[0].score)

    def _score_all(
        self,
        question: str,
        question_vec: np.ndarray,
        candidates: list[Candidate],
        sentence_vecs: dict[str, np.ndarray],
    ) -> list[SentenceChoice]:
        kind = question_type(question)
        terms = set(tokenize(question))
        out: list[SentenceChoice] = []
        for rank, candidate in enumerate(candidates):
            vectors = sentence_vecs.get(candidate.chunk.passage_id)
            if vectors is None or len(vectors) != len(candidate.chunk.sentences):
                continue
            dense = vectors @ question_vec
            for sentence, similarity in zip(candidate.chunk.sentences, dense.tolist()):
                score = (
                    similarity
                    + 0.3 * _overlap(terms, sentence.text)
                    + 0.1 * has_expected_type(kind, sentence.text)
                    + 0.3 * candidate.score
                    - 0.03 * rank
                )
                out.append(SentenceChoice(chunk=candidate.chunk, sentence=sentence, score=score))
        return out
