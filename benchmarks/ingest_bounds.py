"""Decompression bombs at ingest: time to refuse and peak memory, each in a fresh process.

Builds a 1.7 MB DOCX whose ``word/document.xml`` inflates to 500 MB, a 1.7 MB PDF whose
one content stream inflates to 500 MB and a 3.8 MB DOCX whose headers declare 5 KB for a
``word/document.xml`` that inflates to 1.1 GB (``tests/scale/bombs.py``), then ingests each
into a fresh index in its own process and prints the seconds the ``ingest`` call took, the
process's peak resident memory and the reason given. Targets: refused in < 60 s with < 1.5 GB
peak (the lying DOCX: < 5 s, < 600 MB).

    python benchmarks/ingest_bounds.py [--code DIR] [--only docx|pdf|lying]   # --code: another checkout
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {code!r})
from rag.qa import ReportQA
qa = ReportQA(index_dir={index!r})
started = time.perf_counter()
result = qa.ingest([{path!r}])
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak, "summary": result.summary()}}))
"""


def measure(path: Path, code: Path, index: Path) -> dict:
    """Ingest ``path`` in a fresh process; its seconds, peak RSS (MB) and summary."""
    child = _CHILD.format(code=str(code), index=str(index), path=str(path))
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Build both bombs and print one line of figures for each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", default=str(REPO), help="checkout whose rag package to measure")
    parser.add_argument(
        "--only",
        choices=("docx", "pdf", "lying"),
        help="one bomb (an unbounded checkout needs ~13 GB for the DOCX)",
    )
    args = parser.parse_args()
    from tests.scale.bombs import docx_bomb, docx_understating, pdf_with_huge_stream

    bombs = {"docx": ("bomb.docx", docx_bomb), "pdf": ("stream.pdf", pdf_with_huge_stream)}
    bombs["lying"] = ("lying.docx", docx_understating)
    with tempfile.TemporaryDirectory() as tmp:
        for key, (name, make) in bombs.items():
            if args.only and key != args.only:
                continue
            path = make(Path(tmp) / name)
            figures = measure(path, Path(args.code).resolve(), Path(tmp) / f"index-{name}")
            print(
                f"{name}: {path.stat().st_size / 1e6:.1f} MB file: "
                f"{figures['seconds']:.1f} s, peak RSS {figures['peak_mb']:,.0f} MB; {figures['summary']}"
            )


if __name__ == "__main__":
    main()
