"""Cold start: wall time of `python -m rag ask` in a fresh process over the seed index.

    python benchmarks/cold_start.py [--runs 3]

Prints the time of each run and the median. The index is built once in a temporary folder
(not timed); each run then pays imports, model load and one question, as a CLI user does.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTION = "How many troops withdrew and to where?"


def main() -> int:
    """Build a seed index, then time fresh `python -m rag ask` processes against it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = [sys.executable, "-m", "rag", "--index-dir", folder]
        subprocess.run([*base, "ingest", str(REPO / "seeds")], check=True, capture_output=True, cwd=REPO)
        times = []
        for run in range(1, args.runs + 1):
            started = time.perf_counter()
            done = subprocess.run(
                [*base, "ask", QUESTION], check=True, capture_output=True, text=True, cwd=REPO
            )
            times.append(time.perf_counter() - started)
            print(f"run {run}: {times[-1]:.2f} s  ->  {done.stdout.splitlines()[0][:70]}...")
    print(f"cold `python -m rag ask`: median {statistics.median(times):.2f} s over {len(times)} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
