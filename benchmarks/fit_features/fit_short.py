"""Fit when a short answer is shown: the reader's span score (``Reading.span_logit``) above which
the span it cuts out of the quoted sentence is shown as ``Answer.short``.

    python benchmarks/fit_features/fit_short.py            # figures (CV by report and in-sample)
    python benchmarks/fit_features/fit_short.py --write    # also write the threshold

Questions: the answerable one-part ones of news, files and the seed set (``rag.text.question_parts``;
a multi-part question's parts have no gate), asked of the product as shipped
(``reports_dev``'s indexes); a short answer is good when its token F1 against the question's key
strings (``answer_must_contain``; the seed's gold answers) is at least 0.5. The threshold is the
lowest span score at which at least ``GOOD`` of the short answers shown on the training questions
are good; written as ``short_min_logit`` in the ``reader_choice`` model's ``scale``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import reports_dev as D  # noqa: E402

from rag import models  # noqa: E402
from rag.answer import read as RD  # noqa: E402
from rag.eval import metrics as M  # noqa: E402
from rag.text import question_parts  # noqa: E402

#: Share of the shown short answers that must be good (F1 >= 0.5) on the training questions.
GOOD = 0.80
FOLDS = 5


def spans(name: str) -> list[tuple[str, float, float]]:
    """(report, span score, F1) of every answerable question of set ``name`` given a short answer."""
    from rag.qa import ReportQA

    path, _ = D.SETS[name]
    qa = ReportQA(index_dir=D.CACHE / f"index-{name}", short_answers=True)
    seen: dict[str, float] = {}
    shown = RD.span_text

    def spy(sentence: str, reading: RD.Reading, min_logit: float) -> str:
        seen["logit"] = reading.span_logit
        return shown(sentence, reading, float("-inf"))  # every span, whatever the shipped gate

    RD.span_text = spy  # type: ignore[assignment]
    out = []
    try:
        for line in path.read_text().splitlines():
            rec = json.loads(line) if line.strip() else {}
            if not rec or rec.get("unanswerable") or len(question_parts(rec["question"])) > 1:
                continue  # a multi-part question's parts are read without this gate (read.part_answers)
            seen.clear()
            answer = qa.ask(rec["question"])
            gold = rec.get("answer_must_contain") or rec.get("answers") or []
            if answer.abstained or not answer.short or not gold:
                continue
            out.append((rec.get("source", name), seen["logit"], M.best_f1(answer.short, gold)))
    finally:
        RD.span_text = shown  # type: ignore[assignment]
    return out


def threshold(scores: np.ndarray, good: np.ndarray) -> float:
    """The lowest span score whose short answers at or above it are at least ``GOOD`` good."""
    for t in np.sort(scores):
        kept = scores >= t
        if good[kept].mean() >= GOOD:
            return float(t)
    return float("inf")


def report(label: str, scores: np.ndarray, good: np.ndarray, f1: np.ndarray, shown: np.ndarray) -> None:
    """Print how many short answers are shown and how good they are."""
    print(
        f"{label:22s} shown {shown.mean():.1%} of {len(shown)}; good (F1 >= 0.5) {good[shown].mean():.1%}, "
        f"F1 {f1[shown].mean():.3f} (all spans: good {good.mean():.1%}, F1 {f1.mean():.3f})"
    )


def main() -> None:
    """Figures; ``--write`` stores the threshold."""
    rows = [r for name in ("news", "files", "seed") for r in spans(name)]
    reports = sorted({r[0] for r in rows})
    fold = np.array([reports.index(r[0]) % FOLDS for r in rows])
    scores = np.array([r[1] for r in rows])
    f1 = np.array([r[2] for r in rows])
    good = f1 >= 0.5
    cv = np.zeros(len(rows), dtype=bool)
    for f in range(FOLDS):
        t = threshold(scores[fold != f], good[fold != f])
        cv[fold == f] = scores[fold == f] >= t
    t = threshold(scores, good)
    report("CV by report", scores, good, f1, cv)
    report(f"in-sample (>= {t:.2f})", scores, good, f1, scores >= t)
    if "--write" in sys.argv:
        shipped = models.load()
        fitted = dict(shipped.models)
        choice = fitted["reader_choice"]
        fitted["reader_choice"] = models.LinearModel(
            choice.features,
            choice.weights,
            choice.bias,
            choice.signs,
            {**choice.scale, "short_min_logit": round(t, 3)},
        )
        models.write(models.MODEL_FILE, shipped.fitted_on, shipped.constants, fitted)
        print(f"wrote {models.MODEL_FILE}: reader_choice.scale.short_min_logit {t:.3f}")


if __name__ == "__main__":
    main()
