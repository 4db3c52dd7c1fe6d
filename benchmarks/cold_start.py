"""Cold start: wall time of `python -m rag ask` in a fresh process over the seed index.

    python benchmarks/cold_start.py [--runs 3]

Prints the wall and CPU time (user + system) of each run and their medians. The index is built
once in a temporary folder (not timed); each run then pays imports, model load and one
question, as a CLI user does. On a busy machine compare the CPU time. ``--code DIR`` measures
another checkout.
"""

from __future__ import annotations

import argparse
import os
import resource
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
    parser.add_argument("--code", help="run `python -m rag` from this checkout (to measure another version)")
    args = parser.parse_args()
    code = Path(args.code).resolve() if args.code else REPO
    env = {**os.environ, "PYTHONPATH": str(code)}
    with tempfile.TemporaryDirectory() as folder:
        base = [sys.executable, "-m", "rag", "--index-dir", folder]
        subprocess.run(
            [*base, "ingest", str(REPO / "seeds")], check=True, capture_output=True, cwd=code, env=env
        )
        subprocess.run([*base, "ask", QUESTION], check=True, capture_output=True, cwd=code, env=env)  # caches
        times, cpus = [], []
        for run in range(1, args.runs + 1):
            before = _children_cpu()
            started = time.perf_counter()
            done = subprocess.run(
                [*base, "ask", QUESTION], check=True, capture_output=True, text=True, cwd=code, env=env
            )
            times.append(time.perf_counter() - started)
            cpus.append(_children_cpu() - before)
            print(
                f"run {run}: {times[-1]:.2f} s, CPU {cpus[-1]:.2f} s -> {done.stdout.splitlines()[0][:60]}..."
            )
    print(
        f"cold `python -m rag ask`: median {statistics.median(times):.2f} s, "
        f"CPU {statistics.median(cpus):.2f} s over {len(times)} runs"
    )
    return 0


def _children_cpu() -> float:
    """User + system CPU seconds of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    raise SystemExit(main())
