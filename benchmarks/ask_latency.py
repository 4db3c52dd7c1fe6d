"""Warm ask() latency with 20 reports indexed (news 13 + files 6 + the seed), reader on and off.

    python benchmarks/ask_latency.py [--index DIR] [--runs 1]

Indexes ``../shared/data/reports-dev/{news,files}/reports`` and ``seeds/`` once into DIR (default
``eval-out/latency-index``), asks every question of both sets (and the seed's) after one warm-up
question, and prints p50 / p95 / p99 in milliseconds for ``reader=False`` and ``reader=True``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DEV = REPO.parent / "shared" / "data" / "reports-dev"


def questions() -> list[str]:
    """Every question of news, files and the seed set."""
    files = [
        DEV / "news" / "questions.jsonl",
        DEV / "files" / "questions.jsonl",
        REPO / "evals" / "seed_questions.jsonl",
    ]
    return [
        json.loads(line)["question"] for f in files for line in f.read_text().splitlines() if line.strip()
    ]


def main() -> None:
    """Print the latency figures."""
    from rag import ReportQA

    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, default=REPO / "eval-out" / "latency-index")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    qa = ReportQA(index_dir=args.index)
    if len(qa.sources()) < 20:
        qa.ingest([DEV / "news" / "reports", DEV / "files" / "reports", REPO / "seeds"])
    print(f"{len(qa.sources())} reports indexed")
    asked = questions()
    for reader in (False, True):
        qa = ReportQA(index_dir=args.index, reader=reader)
        qa.ask("How many troops withdrew and to where?")  # warm-up: models loaded
        times = []
        for _ in range(args.runs):
            for q in asked:
                t = time.perf_counter()
                qa.ask(q)
                times.append((time.perf_counter() - t) * 1000)
        p50, p95, p99 = np.percentile(times, [50, 95, 99])
        print(f"reader={reader}: {len(times)} asks, p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()
