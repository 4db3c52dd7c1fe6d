"""The support grade: how likely the quoted answer is right, once the reports are judged to answer.

Two decisions stand apart. The confidence (``rag.features.guarded_confidence``) says whether the
reports answer the question at all, and below ``abstain_threshold`` the answerer abstains. Among
the answers given, the grade says whether *this quote* is the answer: a logistic model (``grade``
in ``rag/models/answer_models.json``, fitted by ``benchmarks/fit_features/fit_grade.py`` with
folds that leave whole reports out, on the realistic sets' "right": key facts quoted and the gold
sentence cited) over the confidence, whether two sentences are quoted and how far the reader's
choice stands above the next sentence it read (``rag.answer.read``; with ``RAG_READER=0``, the
coverage scorer's lead stands in). The answer is "answered" when that probability reaches
``answer_threshold`` (fitted as the threshold closest to both targets: 90% of "answered" right, at
most 10% of right answers "uncertain"), else "uncertain".

The sixteen abstention signals it read before are gone. Most added nothing beside the reader's
lead; the one that did, the question's length, is a prior of the development sets' wording (their
questions are long and specific): with it, questions as short as users ask them ("How old was
Daniel Montalvo?", the seed's "How many troops withdrew and to where?") were "uncertain" nearly
all, right or wrong. Cross-validated by report: 84.2% of "answered" right and 14.2% of right
answers "uncertain" (85.0% and 17.3% with the eighteen features; 85.6% and 15.4% with the
question's length and the reader's verdict: ``benchmarks/fit_features/README.md``).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from rag import models

#: Features of the grade model, in order (checked against the models file at load): the
#: confidence as a logit, whether two sentences are quoted, and the choice's lead over the next
#: sentence (``choice_margin``).
GRADE_FEATURES = ("conf_logit", "two_sentences", "choice_margin")
#: A lead beyond this counts as this (one sentence read, or none near it).
MARGIN_CAP = 10.0


def grade_features(confidence: float, quoted: int, margin: float) -> np.ndarray:
    """``GRADE_FEATURES`` of one answer quoting ``quoted`` sentences whose best one leads the next
    by ``margin``."""
    c = min(max(confidence, 1e-4), 1 - 1e-4)
    return np.array([math.log(c / (1 - c)), float(quoted > 1), min(float(margin), MARGIN_CAP)])


def choice_margin(scores: np.ndarray) -> float:
    """How far the best of ``scores`` stands above the next (``MARGIN_CAP`` with fewer than two;
    scores of ``-inf`` do not count)."""
    finite = np.sort(np.asarray(scores, dtype=float)[np.isfinite(scores)])[::-1]
    return float(finite[0] - finite[1]) if len(finite) > 1 else MARGIN_CAP


@functools.cache
def fitted() -> models.LinearModel:
    """The fitted grade model (read and checked on first use)."""
    return models.load(expected={"grade": GRADE_FEATURES}).model("grade")


def right_probability(features: np.ndarray) -> float:
    """The probability that an answer with these ``grade_features`` is right."""
    model = fitted()
    z = float(features @ model.weights + model.bias)
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
