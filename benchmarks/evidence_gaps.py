"""How often "Gaps in the evidence" names something, for unanswerable questions and for right and
wrong answers, among the answers short of "answered" (``Answer.gaps``).

Asks every question of a realistic set with the shipped thresholds (the eval itself never
abstains) and counts, per outcome (unanswerable / answerable right / answerable wrong, by the
eval's realistic rule) and support grade, the answers whose gaps list holds at least one line.

    python benchmarks/evidence_gaps.py [--set ../shared/data/reports-dev/news] [--show]
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections import Counter
from pathlib import Path

from rag import ReportQA
from rag.eval.datasets import load_qa_jsonl
from rag.eval.runner import score_answer

DEFAULT_SET = Path(__file__).resolve().parents[2] / "shared" / "data" / "reports-dev" / "news"


def main() -> None:
    """Ask, grade and count; print one row per (outcome, support)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="a reports-dev set folder")
    parser.add_argument("--show", action="store_true", help="print the gaps listed for right answers")
    args = parser.parse_args()
    eval_set = load_qa_jsonl(args.set / "questions.jsonl", args.set / "reports")
    with tempfile.TemporaryDirectory() as tmp:
        qa = ReportQA(index_dir=Path(tmp) / "index", chroma_url=None)
        qa.ingest([eval_set.reports_dir])
        never = ReportQA(
            index_dir=qa.settings.index_dir, abstain_threshold=-math.inf, answer_threshold=-math.inf
        )
        eval_set, _ = eval_set.with_gold_spans(qa.document_text)
        counts: Counter[tuple[str, str, bool]] = Counter()
        for question in eval_set.questions:
            answer = qa.ask(question.question)
            right = score_answer(question, never.ask(question.question), qa.document_text, 0.0).right
            outcome = "unanswerable" if not question.answerable else ("right" if right else "wrong")
            counts[(outcome, answer.support, bool(answer.gaps))] += 1
            if args.show and answer.gaps and outcome == "right":
                print(f"  right, {answer.support}: {question.question[:70]} -> {answer.gaps}")
    print(f"{'outcome':13} {'support':10} {'answers':>8} {'with gaps':>10}")
    for outcome in ("unanswerable", "right", "wrong"):
        for support in ("uncertain", "abstained"):
            n = counts[(outcome, support, True)] + counts[(outcome, support, False)]
            print(f"{outcome:13} {support:10} {n:8d} {counts[(outcome, support, True)]:10d}")


if __name__ == "__main__":
    main()
