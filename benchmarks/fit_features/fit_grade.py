"""Fit the support grade (``rag.answer.grade``): the probability that the quoted answer is right,
and the ``answer_threshold`` above which it is graded "answered"; figures cross-validated by
report beside the shipped grade.

    python benchmarks/fit_features/fit_grade.py            # figures (CV by report and in-sample)
    python benchmarks/fit_features/fit_grade.py --write    # also write the model and threshold

Questions: news, files and the seed set (``reports_dev``), each answered as the product answers
by default (the reader's choice when ``Settings.reader`` is on, else the coverage scorer's; the
coverage confidence either way; the lead of the reader's choice score over the next sentence it
read, or of the coverage scorer's). Only those the confidence lets
through (at or above ``abstain_threshold``) train the grade; an answer is right when it quotes the
key facts and cites the gold sentence (an unanswerable question's answer is never right). A
logistic model on standardised ``GRADE_FEATURES`` (L2, C = ``C``), written back in the raw
features' units. The threshold is the one closest to both targets on the training questions:
the smallest ``max(0.90 - share of "answered" right, share of right answers "uncertain" - 0.10)``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import reports_dev as D  # noqa: E402

from rag import models  # noqa: E402
from rag.answer import features as R  # noqa: E402
from rag.answer import read as RD  # noqa: E402
from rag.answer.grade import GRADE_FEATURES, choice_margin, grade_features  # noqa: E402
from rag.answer.reader import shared_reader  # noqa: E402
from rag.settings import Settings  # noqa: E402

FOLDS = 5
C = 1.0
#: The grade's targets: this share of "answered" right, at most this share of right answers "uncertain".
PRECISION, UNCERTAIN = 0.90, 0.10
SETS = ("news", "files", "seed")
#: Sign of each grade weight: the confidence and the choice's lead count for, two quoted sentences
#: are free.
SIGNS = np.array([1, 0, 1])


@dataclass
class Graded:
    """One question answered as the product answers it: grade features, confidence, right or not."""

    set: str
    source: str
    x: np.ndarray
    confidence: float
    right: bool


def answered(name: str) -> list[Graded]:
    """Every question of set ``name`` answered as the product answers by default (``Settings``'
    ``reader``: the reader's choice, else the coverage scorer's), with its grade features."""
    return answered_by_reader(name) if Settings().reader else answered_by_coverage(name)


def answered_by_reader(name: str) -> list[Graded]:
    """Every question of set ``name`` with the reader's choice (``fit_reader``'s readings and the
    shipped ``reader_choice`` weights) and its grade features."""
    import fit_reader as FR

    items, idf, texts = FR.collect_wide(name)
    vocab_of = D.report_vocabs(items, texts)
    weights = models.load().model("reader_choice").weights
    out = []
    for s in FR.score_set(name, shared_reader()):
        shipped = D.shipped_answer(s.item, idf, vocab_of)
        chosen = FR.picks(s, weights)
        scores = np.where(s.logits > RD.UNREAD.logit, FR.choice_features(s) @ weights, -np.inf)
        x = grade_features(shipped.confidence, len(chosen), choice_margin(scores))
        out.append(Graded(name, s.item.source, x, shipped.confidence, D.is_right(s.item, s.refs, chosen)))
    return out


def answered_by_coverage(name: str) -> list[Graded]:
    """Every question of set ``name`` with the coverage scorer's choice and its grade features."""
    items, idf, texts = D.collect(name)
    vocab_of = D.report_vocabs(items, texts)
    out = []
    for it in items:
        shipped = D.shipped_answer(it, idf, vocab_of)
        x = grade_features(shipped.confidence, len(shipped.chosen), choice_margin(shipped.scores))
        out.append(
            Graded(name, it.source, x, shipped.confidence, D.is_right(it, shipped.refs, shipped.chosen))
        )
    return out


def fit(train: list[Graded]) -> tuple[np.ndarray, float, float]:
    """Weights, bias (raw feature units) and threshold fitted on ``train`` (answers given only).

    L2-penalised logistic loss on standardised features, each weight held to its sign (``SIGNS``:
    more evidence never lowers the grade)."""
    from scipy.optimize import minimize

    X = np.array([g.x for g in train])
    y = np.array([g.right for g in train], dtype=float)
    mean, std = X.mean(0), X.std(0)
    std[std == 0] = 1.0
    Z = (X - mean) / std

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1], theta[-1]
        p = 1 / (1 + np.exp(-(Z @ w + b)))
        eps = 1e-9
        value = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + (w @ w) / (2 * C * len(y))
        grad = np.append(Z.T @ (p - y) / len(y) + w / (C * len(y)), np.mean(p - y))
        return float(value), grad

    bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in SIGNS] + [(None, None)]
    theta = minimize(loss, np.zeros(Z.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds).x
    w = theta[:-1] / std
    b = float(theta[-1] - (theta[:-1] * mean / std).sum())
    p = 1 / (1 + np.exp(-(X @ w + b)))
    return w, b, threshold(p, y.astype(bool))


def threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The probability threshold closest to both targets (see the module docstring)."""
    best, at = np.inf, 0.5
    for t in np.unique(np.round(p, 3)):
        answered = p >= t
        if not answered.any():
            continue
        shortfall = max(PRECISION - y[answered].mean(), (y & ~answered).sum() / max(1, y.sum()) - UNCERTAIN)
        if shortfall < best:
            best, at = shortfall, float(t)
    return at


def grades(graded: list[Graded], cv: bool) -> list[str]:
    """Each question's grade under a model fitted out of its fold (``cv``) or on all questions."""
    reports = sorted({(g.set, g.source) for g in graded})
    folds = [reports.index((g.set, g.source)) % FOLDS if cv else 0 for g in graded]
    out = [""] * len(graded)
    for f in sorted(set(folds)):
        train = [
            g for g, k in zip(graded, folds) if (k != f or not cv) and g.confidence >= R.ABSTAIN_THRESHOLD
        ]
        w, b, t = fit(train)
        for i, (g, k) in enumerate(zip(graded, folds)):
            if k == f:
                p = 1 / (1 + np.exp(-(g.x @ w + b)))
                out[i] = (
                    "abstained"
                    if g.confidence < R.ABSTAIN_THRESHOLD
                    else "answered"
                    if p >= t
                    else "uncertain"
                )
    return out


def shipped_grades(graded: list[Graded]) -> list[str]:
    """The grade from the confidence alone (the grade before this model)."""
    low, high = R.ABSTAIN_THRESHOLD, 0.7
    return [
        "abstained" if g.confidence < low else "answered" if g.confidence >= high else "uncertain"
        for g in graded
    ]


def table(label: str, graded: list[Graded], got: list[str]) -> None:
    """Print the grade x right/wrong table and the two target shares, per set and overall."""
    for name in (*SETS, "all"):
        rows = [(g, s) for g, s in zip(graded, got) if name in (g.set, "all")]
        cell = {k: [0, 0] for k in ("answered", "uncertain", "abstained")}
        for g, s in rows:
            cell[s][0 if g.right else 1] += 1
        rights = cell["answered"][0] + cell["uncertain"][0]
        print(
            f"{label:18s} {name:5s} answered {cell['answered']} uncertain {cell['uncertain']} "
            f"abstained {cell['abstained']} (right, wrong); 'answered' right "
            f"{cell['answered'][0] / max(1, sum(cell['answered'])):.1%}, right answers 'uncertain' "
            f"{cell['uncertain'][0] / max(1, rights):.1%}"
        )


def write(graded: list[Graded]) -> None:
    """Write the grade model and its threshold (``answer_threshold``) into the models file."""
    w, b, t = fit([g for g in graded if g.confidence >= R.ABSTAIN_THRESHOLD])
    shipped = models.load()
    fitted = dict(shipped.models)
    fitted["grade"] = models.LinearModel(GRADE_FEATURES, np.round(w, 6), round(b, 6), SIGNS.astype(int))
    constants = models.Constants(**{**shipped.constants.__dict__, "answer_threshold": round(t, 3)})
    models.write(models.MODEL_FILE, shipped.fitted_on, constants, fitted)
    print(f"wrote {models.MODEL_FILE}: grade ({len(w)} weights), answer_threshold {t:.3f}")


def main() -> None:
    """Figures; ``--write`` stores the fitted grade."""
    graded = [g for name in SETS for g in answered(name)]
    table("confidence alone", graded, shipped_grades(graded))
    table("grade, CV by report", graded, grades(graded, cv=True))
    table("grade, in-sample", graded, grades(graded, cv=False))
    if "--write" in sys.argv:
        write(graded)


if __name__ == "__main__":
    main()
