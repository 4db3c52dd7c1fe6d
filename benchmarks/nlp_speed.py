"""Speed of the spaCy pipeline (rag.nlp) on report text and on questions.

    python benchmarks/nlp_speed.py [REPORTS_DIR]     # default: ../shared/data/reports-dev/news/reports

Prints words/s of the full small pipeline and of NER alone over the reports' paragraphs (what
ingest would run), and the p50 / p95 time to parse one question with the full pipeline.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from rag import nlp  # noqa: E402

QUESTIONS = [
    "What is the population of the town the troops retreated to?",
    "How many soldiers pulled out of Mastoumeh, and where did they go?",
    "Who commanded the Russian 1st Guards Tank Army during the attack on Trostianets?",
    "At what time of day did Russian troops first appear in Trostianets?",
    "Which base did the Syrian army abandon in Idlib province?",
]


def words_per_second(components: tuple[str, ...], paragraphs: list[str]) -> float:
    pipe = nlp.pipeline(components)
    list(pipe.pipe(paragraphs[:5]))  # warm up
    start = time.perf_counter()
    for _ in pipe.pipe(paragraphs, batch_size=64):
        pass
    return sum(len(p.split()) for p in paragraphs) / (time.perf_counter() - start)


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared/data/reports-dev/news/reports"
    paragraphs = [p for f in sorted(folder.glob("*.txt")) for p in f.read_text().split("\n\n") if p.strip()]
    words = sum(len(p.split()) for p in paragraphs)
    for label, components in (("full small pipeline", nlp.QUESTION_COMPONENTS), ("NER alone", ("ner",))):
        start = time.perf_counter()
        nlp.pipeline(components)
        loaded = time.perf_counter() - start
        speed = words_per_second(components, paragraphs)
        print(f"{label}: load {loaded:.2f} s, {speed:,.0f} words/s ({words:,} words)")
    parse = nlp.pipeline(nlp.QUESTION_COMPONENTS)
    times = []
    for _ in range(20):
        for q in QUESTIONS:
            start = time.perf_counter()
            parse(q)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p50, p95 = statistics.median(times), times[int(0.95 * len(times))]
    print(f"question parse (full pipeline): p50 {p50:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()
