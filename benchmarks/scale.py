"""Scale benchmark: grow an index to ~1,000, 10,000 and 50,000 passages; print ingest rate,
index size, memory and warm ask() p50/p95 at each size.

Reports are copies of the SQuAD benchmark articles with varied names and shuffled
paragraphs (plus a per-copy sentence, so no two passages are identical). Embedding a
repeated paragraph is memoised (``--real-embeddings`` turns that off): the ingest rate then
measures chunking, Chroma and BM25, and the first size's rate shows the real embedding cost.

    python benchmarks/scale.py [--sizes 1000 10000 50000] [--asks 200] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BENCHMARK = REPO.parent / "shared" / "data" / "squad-v2-dev-10articles.json"


def memoise(embedder: object) -> None:
    """Make ``embedder.encode`` reuse the vector of any text embedded before (per text)."""
    cache: dict[str, np.ndarray] = {}
    encode = embedder.encode  # type: ignore[attr-defined]

    def cached(texts: list[str], progress: bool = False) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in cache]
        if new:
            cache.update(zip(new, encode(new)))
        if not texts:
            return encode(texts)
        return np.stack([cache[t] for t in texts])

    embedder.encode = cached  # type: ignore[attr-defined]


def write_copies(folder: Path, articles: list[dict], first: int, count: int) -> int:
    """Write copies ``first .. first+count-1`` of all articles; returns paragraphs written."""
    written = 0
    for copy in range(first, first + count):
        rng = random.Random(copy)
        for article in articles:
            paragraphs = [p["context"].strip() for p in article["paragraphs"]]
            rng.shuffle(paragraphs)
            head = f"{article['title'].replace('_', ' ')}, dispatch {copy}"
            path = folder / f"{copy:05d}-{article['title']}.txt"
            path.write_text(head + "\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
            written += len(paragraphs) + 1
    return written


def measure_asks(qa: object, questions: list[str], n: int) -> tuple[float, float]:
    """Warm ask() latency percentiles (ms): p50 and p95 over ``n`` questions."""
    for q in questions[:10]:
        qa.ask(q)  # type: ignore[attr-defined]
    times = []
    for q in questions[:n]:
        start = time.perf_counter()
        qa.ask(q)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> None:
    """Run the benchmark and print one table row per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--asks", type=int, default=200)
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--real-embeddings", action="store_true")
    args = parser.parse_args()
    from rag.qa import ReportQA

    data = json.loads(BENCHMARK.read_text(encoding="utf-8"))["data"]
    per_copy = sum(len(a["paragraphs"]) + 1 for a in data)
    questions = [qa["question"] for a in data for p in a["paragraphs"] for qa in p["qas"]]
    random.Random(0).shuffle(questions)
    root = Path(tempfile.mkdtemp(prefix="scale-"))
    index = args.index_dir or root / "index"
    qa = ReportQA(index_dir=index)
    if not args.real_embeddings:
        memoise(qa.embedder)
    process = psutil.Process()
    print("| passages | reports | ingest passages/s | index MB | RSS MB | ask p50 ms | ask p95 ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    copies = 0
    for size in args.sizes:
        need = max(0, -(-size // per_copy) - copies)
        batch = root / f"batch-{size}"
        batch.mkdir()
        write_copies(batch, data, copies, need)
        copies += need
        start = time.perf_counter()
        qa.ingest([batch])
        elapsed = time.perf_counter() - start
        shutil.rmtree(batch)
        passages = qa.store.passages.count()
        rate = (need * per_copy) / elapsed if elapsed else 0.0
        p50, p95 = measure_asks(qa, questions, args.asks)
        mb = qa.store.size_on_disk() / 1e6
        rss = process.memory_info().rss / 1e6
        cells = [f"{passages:,}", f"{len(qa.sources()):,}", f"{rate:,.0f}", f"{mb:,.0f}", f"{rss:,.0f}"]
        print("| " + " | ".join([*cells, f"{p50:.0f}", f"{p95:.0f}"]) + " |", flush=True)
    if args.index_dir is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
