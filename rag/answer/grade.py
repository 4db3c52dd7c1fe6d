"""The support grade: how likely the quoted answer is right, once the reports are judged to answer.

Two decisions stand apart. The confidence (``rag.features.guarded_confidence``) says whether the
reports answer the question at all, and below ``abstain_threshold`` the answerer abstains. Among
the answers given, the grade says whether *this quote* is the answer: a logistic model (``grade``
in ``rag/models/answer_models.json``, fitted by ``benchmarks/fit_features/fit_grade.py`` with
folds that leave whole reports out, on the realistic sets' "right": key facts quoted and the gold
sentence cited) over the confidence, whether two sentences are quoted, how far the best passage
and sentence lead the next ones, the question's length, and the reader's verdict: its logit and
span score of the chosen sentence and how far the choice stands above the next sentence it read
(``rag.answer.read``; with ``RAG_READER=0``, the coverage scorer's lead stands in). The answer is
"answered" when that probability reaches ``answer_threshold`` (fitted as the threshold closest to
both targets: 90% of "answered" right, at most 10% of right answers "uncertain"), else
"uncertain". Ten word-presence signals of the abstention model it read before are left out: with
the reader's verdict they added nothing (cross-validated by report, 85.0% "answered" right and
17.3% of right answers "uncertain" with all of them and no reader, 85.6% and 15.4% now).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from rag import models
from rag.answer.features import ABSTAIN_FEATURES
from rag.answer.reader import Reading

#: The abstention signals the grade reads (``rag.answer.features.abstain_features``).
SIGNALS = ("p_margin", "s_margin", "q_len")
#: Features of the grade model, in order (checked against the models file at load): the
#: confidence as a logit, whether two sentences are quoted, ``SIGNALS``, the lead of the chosen
#: sentence's choice score over the next one (``choice_margin``) and the reader's logit and span
#: score of it.
GRADE_FEATURES = ("conf_logit", "two_sentences", *SIGNALS, "choice_margin", "reader_logit", "reader_span")
#: A lead beyond this counts as this (one sentence read, or none near it).
MARGIN_CAP = 10.0
_AT = [ABSTAIN_FEATURES.index(name) for name in SIGNALS]


def grade_features(
    confidence: float, quoted: int, abstain_signals: np.ndarray, margin: float, reading: Reading | None
) -> np.ndarray:
    """``GRADE_FEATURES`` of one answer quoting ``quoted`` sentences whose best one leads the next
    by ``margin`` and reads as ``reading`` (a neutral 0 and 0 without one)."""
    c = min(max(confidence, 1e-4), 1 - 1e-4)
    logit, span = reading.clipped() if reading is not None else (0.0, 0.0)
    head = [math.log(c / (1 - c)), float(quoted > 1)]
    tail = [min(float(margin), MARGIN_CAP), logit, span]
    return np.array([*head, *np.asarray(abstain_signals, dtype=float)[_AT], *tail])


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
