"""The support grade against right / wrong: one table per evaluation JSON (``rag eval ... --json``).

    python benchmarks/calibration.py eval-out/news.json eval-out/files.json eval-out/seed.json

Each question's grade: "abstained" when its confidence is under ``abstain_threshold``, else the
support its answer was given (the evaluation asks without abstaining; "answered" or "uncertain"
follows from the fitted grade, ``rag.answer.grade``; an older JSON, asked without grading, is graded
from the confidence and ``answer_threshold``);
an answerable question is right when the realistic rule holds (``right``) or, on other sets, when
the answer contains a gold answer; an unanswerable one is never right when answered.
Prints, per set, the counts of right and wrong answers in each grade, the share of "answered"
that is right and the share of right answers graded "uncertain".
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rag import models

GRADES = ("answered", "uncertain", "abstained")


def grade(confidence: float, low: float, high: float) -> str:
    """The support grade of a confidence."""
    return "abstained" if confidence < low else "answered" if confidence >= high else "uncertain"


def table(path: Path) -> str:
    """The grade x right/wrong table of one evaluation JSON (the product system, not the baseline)."""
    data = json.loads(path.read_text())
    system = data["product"]
    c = models.shipped_constants()
    low = float(data["settings"].get("abstain_threshold", c.abstain_threshold))
    high = float(data["settings"].get("answer_threshold", c.answer_threshold))
    graded = math.isfinite(high)  # else the evaluation asked without grading: grade at the product's
    if not graded:
        high = c.answer_threshold
    counts = {g: [0, 0] for g in GRADES}
    for q in system["per_question"]:
        right = q["right"] if q.get("right") is not None else q["contained"]
        right = bool(right) and q["answerable"]
        g = grade(q["confidence"], low, high)
        if g != "abstained" and graded:
            g = q["support"]
        elif g == "answered" and q.get("support") == "uncertain":  # graded down: extractive.unmatched
            g = "uncertain"
        counts[g][0 if right else 1] += 1
    answered = counts["answered"]
    rights = sum(v[0] for g, v in counts.items() if g != "abstained")
    lines = [f"{path.name}: grade | right | wrong"]
    lines += [f"  {g:10s} | {v[0]:5d} | {v[1]:5d}" for g, v in counts.items()]
    lines.append(
        f"  'answered' right: {answered[0] / max(1, sum(answered)):.1%}; "
        f"right answers graded 'uncertain': {counts['uncertain'][0] / max(1, rights):.1%}"
    )
    return "\n".join(lines)


def main() -> None:
    """Print the table of every JSON given."""
    for arg in sys.argv[1:]:
        print(table(Path(arg)))


if __name__ == "__main__":
    main()
