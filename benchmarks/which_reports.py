"""Recall and precision of "Which reports mention X?" against hand-judged gold lists.

Indexes the reports-dev news and files reports together in a temporary index and asks
"Which reports mention X?" for each term of ``evals/which_reports.jsonl`` (the gold lists were
found with grep over the extracted texts, variants included, and judged by hand: "Türkiye" is a
mention of Turkey, "Russian forces" of Russia, "UN agencies" of the United Nations).

    python benchmarks/which_reports.py
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from rag.qa import ReportQA

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "reports-dev"
GOLD = REPO / "evals" / "which_reports.jsonl"


def main() -> None:
    """Print per-term hits and misses, then micro recall and precision."""
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        reports = Path(tmp) / "reports"
        reports.mkdir()
        for folder in ("news", "files"):
            for path in (DATA / folder / "reports").iterdir():
                shutil.copy(path, reports / path.name)
        qa = ReportQA(index_dir=Path(tmp) / "index", llm=None)
        qa.ingest([reports])
        qa.close()  # stops the entity pass, which would outlive the temporary folder
        right = found_total = gold_total = 0
        for row in rows:
            answer = qa.ask(f"Which reports mention {row['term']}?")
            found = {c.source for c in answer.citations}
            gold = set(row["reports"])
            right += len(found & gold)
            found_total += len(found)
            gold_total += len(gold)
            missed, extra = sorted(gold - found), sorted(found - gold)
            print(f"{row['term']:<20} found {len(found)} of {len(gold)}  missed {missed}  extra {extra}")
    precision = right / max(found_total, 1)
    print(f"\nrecall {right / gold_total:.3f} ({right}/{gold_total})  precision {precision:.3f}")


if __name__ == "__main__":
    main()
