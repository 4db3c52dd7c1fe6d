"""Timeline order: Kendall's tau between the order a timeline lists dated events in and their
true dates, on events listed by hand from the reports-dev news reports (``evals/timeline_events.jsonl``:
a question, then each event as a words-of-its-sentence and its true date, read from the report;
events a timeline cannot date, like "The following day, ...", are listed too and count as missed).

    python benchmarks/timeline_order.py

Prints per question the events found (of those listed) and the concordant and discordant pairs,
then tau over all pairs of events found (pairs of equal true date left out) and coverage.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from rag.eval.metrics import kendall_tau
from rag.qa import ReportQA

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "reports-dev"
GOLD = REPO / "evals" / "timeline_events.jsonl"


def positions(quotes: list[str], events: list[list[str]]) -> dict[int, int]:
    """Event number -> position of the first cited sentence holding its words."""
    found: dict[int, int] = {}
    for number, (words, _) in enumerate(events):
        at = next((i for i, q in enumerate(quotes) if " ".join(words.split()) in q), None)
        if at is not None:
            found[number] = at
    return found


def main() -> None:
    """Ask each question of a fresh index of the news reports and print the figures."""
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    concordant = discordant = found_total = listed_total = 0
    with tempfile.TemporaryDirectory() as tmp, ReportQA(index_dir=tmp, llm=None) as qa:
        qa.ingest([DATA / "news" / "reports"])
        for row in rows:
            answer = qa.ask(row["question"])
            quotes = [" ".join(c.quote.split()) for c in answer.citations]
            found = positions(quotes, row["events"])
            numbers = sorted(found)
            c, d = kendall_tau([row["events"][n][1] for n in numbers], [found[n] for n in numbers])
            concordant, discordant = concordant + c, discordant + d
            found_total, listed_total = found_total + len(found), listed_total + len(row["events"])
            missed = [row["events"][n][0] for n in range(len(row["events"])) if n not in found]
            print(
                f"{row['question']:<50} found {len(found):>2}/{len(row['events']):<2}"
                f" pairs +{c} -{d}  missed {missed}"
            )
    tau = (concordant - discordant) / max(concordant + discordant, 1)
    print(f"\nKendall tau {tau:.3f} ({concordant} concordant, {discordant} discordant pairs)")
    print(f"events found {found_total}/{listed_total} ({found_total / max(listed_total, 1):.3f})")


if __name__ == "__main__":
    main()
