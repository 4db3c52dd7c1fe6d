"""Warm ask() latency while the background entity pass reads freshly ingested reports.

    python benchmarks/entity_pass_latency.py [--copies 4]

Indexes ``../shared/data/reports-dev/news/reports`` (13 reports) into a temporary index with
``brief_entities="on-demand"``, asks the news questions once to warm up, then queues the reports
``--copies`` times over (as new sources) to ``qa.entity_pass`` and asks the questions again in a
loop while the pass runs. Prints ask() p50 / p95 / max in milliseconds with the pass idle and
while it runs, and how long the pass took. A user sees the second pair as the chat's delay while
an upload's entities are read.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
NEWS = REPO.parent / "shared" / "data" / "reports-dev" / "news"


def _figures(ms: list[float]) -> str:
    a = np.array(ms)
    p50, p95 = np.percentile(a, 50), np.percentile(a, 95)
    return f"p50 {p50:6.0f}  p95 {p95:6.0f}  max {a.max():6.0f} ms ({len(a)} asks)"


def main() -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=4, help="times the reports are queued")
    args = parser.parse_args()
    from rag import ReportQA

    lines = (NEWS / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    tmp = Path(tempfile.mkdtemp())
    try:
        folder = tmp / "reports"
        shutil.copytree(NEWS / "reports", folder)
        qa = ReportQA(tmp / "index", brief_entities="on-demand")
        qa.ingest([folder])
        sources = qa.sources()
        idle = []
        for q in questions:
            t = time.perf_counter()
            qa.ask(q)
            idle.append((time.perf_counter() - t) * 1000)
        # The same records queued again and again: the pass re-reads each report whose stored
        # entities it finds missing, so clear them between rounds by queueing with a fresh pass.
        busy: list[float] = []
        start = time.perf_counter()
        for _ in range(args.copies):
            for source in sources:
                qa.index.store.annotate_report(source, _hash(qa, source), {"entities": ""})
            qa.entity_pass.add(sources)
            while not qa.entity_pass.wait(0):
                for q in questions:
                    t = time.perf_counter()
                    qa.ask(q)
                    busy.append((time.perf_counter() - t) * 1000)
                    if qa.entity_pass.wait(0):
                        break
        took = time.perf_counter() - start
        print(f"entity pass idle     {_figures(idle)}")
        print(
            f"entity pass running  {_figures(busy)}  "
            f"(pass: {len(sources) * args.copies} reports in {took:.1f} s)"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _hash(qa, source: str) -> str:
    found = qa.index.store.get_record(source)
    assert found is not None
    return found[0].content_hash


if __name__ == "__main__":
    main()
