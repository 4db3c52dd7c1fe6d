"""Scale benchmark: grow an index to ~1,000, 10,000 and 50,000 passages; print ingest rate,
index size, memory and warm ask() p50/p95 at each size.

Reports are copies of the SQuAD benchmark articles with varied names and shuffled
paragraphs. Embedding a repeated paragraph is memoised in the ingesting process
(``--real-embeddings`` turns that off): the ingest rate then measures chunking, Chroma and the
indexes, and the first size's rate shows the real embedding cost.

At each size the table shows the ingesting process's memory (RSS after the ingest and its
peak), the time to add one more report to the grown index (the catalog is rebuilt
incrementally), and a fresh process that opens the index and answers ``--asks`` questions
with real question embeddings: its open time, RSS (and the part of it that is the index's
memory-mapped vector files) and ask() p50/p95.

    python benchmarks/scale.py [--sizes 1000 10000 50000] [--asks 200] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
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

    def cached(texts: list[str], progress: bool = False, on_batch: object = None) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in cache]
        if new:
            cache.update(zip(new, encode(new)))
        if callable(on_batch):
            on_batch(len(texts), len(texts))
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


def mapped_mb(process: psutil.Process) -> float:
    """Resident MB of the index's memory-mapped catalog files (part of the RSS, reclaimable)."""
    try:
        maps = process.memory_maps(grouped=True)
    except (psutil.Error, OSError):
        return 0.0
    return sum(m.rss for m in maps if m.path.endswith(".npy")) / 1e6


def serve(index: Path, asks: int) -> None:
    """Child mode: open the index, answer ``asks`` questions, print figures as JSON."""
    from rag.qa import ReportQA

    start = time.perf_counter()
    qa = ReportQA(index_dir=index)
    qa.ask("warm up")
    opened = time.perf_counter() - start
    data = json.loads(BENCHMARK.read_text(encoding="utf-8"))["data"]
    questions = [q["question"] for a in data for p in a["paragraphs"] for q in p["qas"]]
    random.Random(0).shuffle(questions)
    p50, p95 = measure_asks(qa, questions, asks)
    process = psutil.Process()
    figures = {"open_s": opened, "rss": process.memory_info().rss / 1e6, "mapped": mapped_mb(process)}
    print(json.dumps({**figures, "p50": p50, "p95": p95}))


def fresh_process(index: Path, asks: int) -> dict:
    """Figures of a new process that opens ``index`` and answers questions."""
    command = [sys.executable, __file__, "--serve", str(index), "--asks", str(asks)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def add_one_report(qa: object, folder: Path, articles: list[dict], copy: int) -> float:
    """Seconds to ingest one more report into the grown index."""
    folder.mkdir()
    write_copies(folder, articles[:1], copy, 1)
    start = time.perf_counter()
    qa.ingest([folder])  # type: ignore[attr-defined]
    return time.perf_counter() - start


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (MB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3


HEADER = (
    "| passages | reports | ingest passages/s | index MB | ingest RSS / peak MB | add 1 report s "
    "| fresh open s | fresh RSS MB (mapped) | ask p50 ms | ask p95 ms |"
)


def main() -> None:
    """Run the benchmark and print one table row per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--asks", type=int, default=200)
    parser.add_argument("--index-dir", type=Path, default=None)
    parser.add_argument("--real-embeddings", action="store_true")
    parser.add_argument("--serve", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.asks)
        return
    from rag.qa import ReportQA

    data = json.loads(BENCHMARK.read_text(encoding="utf-8"))["data"]
    per_copy = sum(len(a["paragraphs"]) + 1 for a in data)
    root = Path(tempfile.mkdtemp(prefix="scale-"))
    index = args.index_dir or root / "index"
    qa = ReportQA(index_dir=index)
    if not args.real_embeddings:
        memoise(qa.embedder)
    process = psutil.Process()
    print(HEADER)
    print("|---:" * 10 + "|")
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
        rss = process.memory_info().rss / 1e6
        add_s = add_one_report(qa, root / f"extra-{size}", data, 90000 + size)
        fresh = fresh_process(index, args.asks)
        cells = [
            f"{qa.store.passages.count():,}",
            f"{len(qa.sources()):,}",
            f"{(need * per_copy) / elapsed if elapsed else 0.0:,.0f}",
            f"{qa.store.size_on_disk() / 1e6:,.0f}",
            f"{rss:,.0f} / {peak_rss_mb():,.0f}",
            f"{add_s:.1f}",
            f"{fresh['open_s']:.1f}",
            f"{fresh['rss']:,.0f} ({fresh['mapped']:,.0f})",
            f"{fresh['p50']:.0f}",
            f"{fresh['p95']:.0f}",
        ]
        print("| " + " | ".join(cells) + " |", flush=True)
    if args.index_dir is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
