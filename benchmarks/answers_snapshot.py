"""Snapshot every answer of a question set, to prove a refactor changes no behaviour.

Ingests a folder of reports into a temporary index, asks every question of a JSONL set and writes,
per question: the answer text, abstained, confidence (rounded to 1e-6), the citations (source,
start, end) and the ids of the top-10 passages. Run it before and after a change and diff:

    python benchmarks/answers_snapshot.py ../shared/data/reports-dev/news/questions.jsonl \
        ../shared/data/reports-dev/news/reports --out /tmp/news-before.json
    ... change the code ...
    python benchmarks/answers_snapshot.py ... --out /tmp/news-after.json
    diff /tmp/news-before.json /tmp/news-after.json && echo identical
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

# The checkout's own rag, not the one the venv installs (an editable install may point at another clone).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from rag.offline import go_offline


def snapshot(questions_file: Path, reports_dir: Path) -> list[dict[str, Any]]:
    """One record per question of ``questions_file``, asked over a fresh index of ``reports_dir``."""
    from rag.qa import ReportQA

    questions = [json.loads(line)["question"] for line in questions_file.read_text().splitlines() if line]
    with tempfile.TemporaryDirectory() as folder:
        qa = ReportQA(index_dir=folder)
        qa.ingest([reports_dir])
        return [_record(q, qa.ask(q)) for q in questions]


def _record(question: str, answer: Any) -> dict[str, Any]:
    return {
        "question": question,
        "text": answer.text,
        "abstained": answer.abstained,
        "confidence": round(answer.confidence, 6),
        "citations": [[c.source, c.start, c.end] for c in answer.citations],
        "top10": [p.passage_id for p in answer.passages[:10]],
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: QUESTIONS.jsonl REPORTS_DIR --out FILE.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("reports", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    go_offline()
    records = snapshot(args.questions, args.reports)
    args.out.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n")
    abstained = sum(r["abstained"] for r in records)
    print(f"{len(records)} questions, {abstained} abstained -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
