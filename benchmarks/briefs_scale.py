"""Briefs and "which reports" at scale: their latency over 1,000 reports, and the ingest cost.

Generates ``--reports`` reports (1,000 by default) from the reports-dev text reports (news and
files): each is the opening ``--words`` words of one of them with its names and numbers varied
(every capitalised word of a fixed list renamed per copy, every number shifted), so no two
reports are the same. Ingests them into a fresh index (``--index DIR`` keeps it and reuses it on
the next run), waits for the background entity pass, then times ``qa.brief`` of reports picked at
random and "Which reports mention X?" for a frequent, a rare and an absent term.

    python benchmarks/briefs_scale.py [--reports 1000] [--words 400] [--index DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from rag.qa import ReportQA

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "reports-dev"

#: Names renamed per copy ("Idlib" -> "Idlib-17"), so that a name is in a few reports only.
RENAMED = ("Idlib", "Ariha", "Assad", "Syria", "Yemen", "Iran", "Korea", "Louisiana", "Arthur")
_NUMBER = re.compile(r"\b\d{2,}\b")


def sources() -> list[str]:
    """The texts the reports are made from."""
    return [
        p.read_text(encoding="utf-8")
        for f in ("news", "files")
        for p in sorted((DATA / f / "reports").glob("*.txt"))
    ]


def vary(text: str, copy: int, words: int) -> str:
    """Copy ``copy`` of ``text``: its first ``words`` words (whole paragraphs), renamed and renumbered."""
    kept: list[str] = []
    count = 0
    for paragraph in text.split("\n\n"):
        if count >= words:
            break
        kept.append(paragraph)
        count += len(paragraph.split())
    out = "\n\n".join(kept)
    for name in RENAMED:
        out = re.sub(rf"\b{name}\b", f"{name}-{copy % 97}", out)
    return _NUMBER.sub(lambda m: str(int(m.group(0)) + copy), out) + "\n"


def generate(folder: Path, reports: int, words: int) -> int:
    """Write the reports into ``folder``; returns their word count."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = sources()
    total = 0
    for copy in range(reports):
        text = vary(texts[copy % len(texts)], copy, words)
        (folder / f"report_{copy:04d}.txt").write_text(text, encoding="utf-8")
        total += len(text.split())
    return total


def timed(call: object, *args: object) -> tuple[float, object]:
    """(seconds, result) of one call."""
    started = time.perf_counter()
    result = call(*args)  # type: ignore[operator]
    return time.perf_counter() - started, result


def main() -> None:
    """Generate, ingest, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--words", type=int, default=400, help="words of each generated report (about)")
    parser.add_argument("--index", help="keep the index in this folder (reused when it exists)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(args.index) if args.index else Path(tmp) / "index"
        qa = ReportQA(index_dir=index, max_file_seconds=1e9)
        if len(qa.sources()) < args.reports:
            words = generate(Path(tmp) / "reports", args.reports, args.words)
            seconds, _ = timed(qa.ingest, [Path(tmp) / "reports"])
            print(
                f"ingest: {args.reports} reports, {words:,} words in {seconds:.1f} s, "
                f"{words / seconds:,.0f} words/s"
            )
            seconds, _ = timed(qa.entity_pass.wait)
            print(
                f"background entity pass after it: {seconds:.1f} s "
                f"({words / max(seconds, 1e-9):,.0f} words/s)"
            )
        names = qa.sources()
        print(f"index: {len(names)} reports")
        first, _ = timed(qa.brief, names[0])
        rng = random.Random(0)
        times = [timed(qa.brief, source)[0] for source in rng.sample(names, 30)]
        print(
            f"brief: first {first * 1000:.0f} ms; 30 others median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms"
        )
        for term in ("Idlib-5", "the United Nations", "Pelican Point"):
            seconds, answer = timed(qa.ask, f"Which reports mention {term}?")
            cited = len(answer.citations)  # type: ignore[attr-defined]
            print(f"which reports mention {term}: {seconds * 1000:.0f} ms, {cited} reports")


if __name__ == "__main__":
    main()
