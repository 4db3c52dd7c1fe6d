"""The support grade: how likely the quoted answer is right, once the reports are judged to answer.

Two decisions stand apart. The confidence (``rag.features.guarded_confidence``) says whether the
reports answer the question at all, and below ``abstain_threshold`` the answerer abstains. Among
the answers given, the grade says whether *this quote* is the answer: a logistic model (``grade``
in ``rag/models/answer_models.json``, fitted by ``benchmarks/fit_features/fit_grade.py`` with
folds that leave whole reports out, on the realistic sets' "right": key facts quoted and the gold
sentence cited) over the confidence, how far the quoted sentence stands above the others and the
abstention signals. The answer is "answered" when that probability reaches ``answer_threshold``
(fitted as the threshold closest to both targets: 90% of "answered" right, at most 10% of right
answers "uncertain"), else "uncertain".
"""

from __future__ import annotations

import functools
import math

import numpy as np

from rag import models
from rag.answer.features import ABSTAIN_FEATURES

#: Features of the grade model, in order (checked against the models file at load): the
#: confidence as a logit, whether two sentences are quoted, and the abstention model's signals
#: (among them the best passage's and sentence's scores and their leads over the next).
GRADE_FEATURES = ("conf_logit", "two_sentences", *ABSTAIN_FEATURES)


def grade_features(confidence: float, quoted: int, abstain_signals: np.ndarray) -> np.ndarray:
    """``GRADE_FEATURES`` of one answer quoting ``quoted`` sentences."""
    c = min(max(confidence, 1e-4), 1 - 1e-4)
    head = [math.log(c / (1 - c)), float(quoted > 1)]
    return np.concatenate([np.array(head), np.asarray(abstain_signals, dtype=float)])


@functools.cache
def fitted() -> models.LinearModel:
    """The fitted grade model (read and checked on first use)."""
    return models.load(expected={"grade": GRADE_FEATURES}).model("grade")


def right_probability(features: np.ndarray) -> float:
    """The probability that an answer with these ``grade_features`` is right."""
    model = fitted()
    z = float(features @ model.weights + model.bias)
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))
