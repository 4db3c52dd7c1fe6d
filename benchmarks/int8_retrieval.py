"""Gold-passage recall@1/@5 on the news set with the float and the int8 embedding model.

For each answerable question of ``../shared/data/reports-dev/news/questions.jsonl`` the gold
passage is the passage of its report that holds its ``gold_quote`` (white space collapsed);
recall@k is the share of questions whose gold passage is among the top k retrieved from the
whole collection. Each model gets a fresh index. (For SQuAD: ``python -m rag eval squad ...``
with and without ``RAG_EMBEDDING_INT8=1``.)

    python benchmarks/int8_retrieval.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
NEWS = REPO.parent / "shared" / "data" / "reports-dev" / "news"


def _flat(text: str) -> str:
    return " ".join(text.split())


def recall(int8: bool) -> tuple[float, float, int]:
    """(recall@1, recall@5, questions) with a fresh index over the news reports."""
    from rag.qa import ReportQA

    questions = [json.loads(line) for line in (NEWS / "questions.jsonl").read_text().splitlines() if line]
    questions = [q for q in questions if q.get("gold_quote") and q.get("source")]
    hits1 = hits5 = 0
    with tempfile.TemporaryDirectory() as tmp:
        qa = ReportQA(index_dir=Path(tmp), embedding_int8=int8)
        qa.ingest([NEWS / "reports"])
        for question in questions:
            candidates, _ = qa.retrieve(question["question"], top_k=5)
            ranks = [
                c.chunk.source == question["source"] and _flat(question["gold_quote"]) in _flat(c.chunk.text)
                for c in candidates
            ]
            hits1 += any(ranks[:1])
            hits5 += any(ranks[:5])
    return hits1 / len(questions), hits5 / len(questions), len(questions)


def main() -> None:
    """Print recall@1 and @5 for both models."""
    for int8 in (False, True):
        at1, at5, count = recall(int8)
        print(f"{'int8' if int8 else 'float32'}: recall@1 {at1:.3f}, recall@5 {at5:.3f} ({count} questions)")


if __name__ == "__main__":
    main()
