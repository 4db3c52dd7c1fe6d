"""Ingest speed: words per second and peak memory for one large generated report.

The report is the news reports' paragraphs (``../shared/data/reports-dev/news/reports``)
shuffled and repeated until it is ``--mb`` MB of text (2 MB by default, about 330,000
words), so it reads like real news but repeats each paragraph many times. The embedding model
is loaded (and warmed) before the clock starts; the figure is the ``ReportQA.ingest`` call on a
fresh index: load, chunk, embed, write to Chroma, rebuild the catalog and BM25. Repeated
texts are embedded once by the product, so every sentence of a copy is tagged with the copy's
number to make every text distinct (``--repeats`` keeps verbatim repeats). On a busy machine
compare the CPU-time figure. ``--code DIR`` measures another checkout; ``RAG_PASSAGE_VECTORS``
(``model``, ``int8``, ``sentences``) chooses how passage vectors are made.

    python benchmarks/ingest_speed.py [--mb 2] [--int8 | --float] [--repeats] [--profile F] [--code DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import random
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
NEWS = REPO.parent / "shared" / "data" / "reports-dev" / "news" / "reports"


def make_report(path: Path, megabytes: float, unique: bool, seed: int = 0) -> int:
    """Write the generated report to ``path``; returns its word count (without the copy tags)."""
    paragraphs = [
        p.strip() for f in sorted(NEWS.glob("*.txt")) for p in f.read_text().split("\n\n") if p.strip()
    ]
    rng = random.Random(seed)
    out: list[str] = []
    size = copy = words = 0
    while size < megabytes * 1_000_000:
        rng.shuffle(paragraphs)
        for paragraph in paragraphs:
            words += len(paragraph.split())
            tag = f"({copy}) "
            text = tag + _SENTENCE_END.sub(" " + tag, paragraph) if unique else paragraph
            out.append(text)
            size += len(text.encode()) + 2
            copy += 1
    path.write_text("\n\n".join(out) + "\n")
    return words


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Generate the report, ingest it into a fresh index, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=2.0, help="size of the generated report in MB")
    parser.add_argument(
        "--repeats", action="store_true", help="repeat paragraphs verbatim (the product embeds each once)"
    )
    model = parser.add_mutually_exclusive_group()
    model.add_argument("--int8", action="store_true", help="the int8 embedding model (the default)")
    model.add_argument(
        "--float", action="store_true", help="the float embedding model (RAG_EMBEDDING_INT8=0)"
    )
    parser.add_argument("--code", help="import rag from this checkout (to measure another version)")
    parser.add_argument("--profile", help="write a cProfile of the ingest call to this file")
    args = parser.parse_args()

    if args.code:
        sys.path.insert(0, str(Path(args.code).resolve()))
    from rag.qa import ReportQA

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "generated_report.txt"
        words = make_report(report, args.mb, unique=not args.repeats)
        # No time budget: the figure is the speed, however long it takes on a busy machine.
        options: dict[str, object] = {"max_file_seconds": 1e9}
        if args.int8 or args.float:  # else the settings' default (RAG_EMBEDDING_INT8)
            options["embedding_int8"] = args.int8
        qa = ReportQA(index_dir=Path(tmp) / "index", **options)
        qa.embedder.encode(["warm up the model"])
        before = peak_rss_mb()
        cpu = time.process_time()
        started = time.perf_counter()
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        result = qa.ingest([report])
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        pass_started = time.perf_counter()
        qa.entity_pass.wait()  # RAG_BRIEF_ENTITIES=background: the entities, after the ingest
        entity_seconds = time.perf_counter() - pass_started
        assert result.added, result.summary()
        size = report.stat().st_size / 1e6
        print(f"report: {size:.2f} MB, {words:,} words, distinct paragraphs: {not args.repeats}")
        passages = getattr(qa.settings, "passage_vectors", "model")
        int8 = getattr(qa.settings, "embedding_int8", False)
        print(f"code: {sys.modules['rag'].__file__}, int8: {int8}, passage vectors: {passages}")
        print(f"ingest: {seconds:.1f} s, {words / seconds:,.0f} words/s")
        print(f"CPU time (all threads): {cpu:.1f} s, {words / cpu:,.0f} words per CPU second")
        print(f"brief entities: {qa.settings.brief_entities}, background pass after: {entity_seconds:.1f} s")
        print(f"peak RSS: {peak_rss_mb():,.0f} MB (before the ingest: {before:,.0f} MB)")
        print(f"passages: {qa.store.passages.count():,}, sentences: {qa.store.sentences.count():,}")


if __name__ == "__main__":
    main()
