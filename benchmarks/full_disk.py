"""A full disk: ingest into an index on a small tmpfs until it fills, then read from it.

Mounts a tmpfs of ``--mb`` MB (root only), writes 25 reports (the benchmark's articles, each
several times under other names), then runs the CLI in fresh processes: ``ingest`` of the
folder, ``list`` and ``ask``, printing for each its exit code, seconds, whether a traceback
was printed and its last line of output. Wanted: the ingest stops with "disk full: N of M
files indexed, the rest not", ``list`` and ``ask`` answer from what went in, no traceback.

    sudo python benchmarks/full_disk.py [--code DIR] [--mb 20]   # --code: another checkout
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def run(code: Path, index: Path, *args: str) -> str:
    """One CLI command in a fresh process: a line of figures."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "rag", "--index-dir", str(index), *args],
        capture_output=True,
        text=True,
        env=env,
    )
    output = (done.stdout + done.stderr).strip().splitlines() or [""]
    traceback = "Traceback" in done.stderr
    return (
        f"{args[0]}: exit {done.returncode}, {time.perf_counter() - started:.1f} s, "
        f"traceback: {'yes' if traceback else 'no'}; {output[-1][:300]}"
    )


def main() -> None:
    """Mount, fill, read, unmount."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", default=str(REPO), help="checkout whose rag package to run")
    parser.add_argument("--mb", type=int, default=20, help="size of the tmpfs (MB)")
    args = parser.parse_args()
    from tests.scale.helpers import article_text, articles

    with tempfile.TemporaryDirectory() as tmp:
        disk, reports = Path(tmp, "disk"), Path(tmp, "reports")
        disk.mkdir(), reports.mkdir()
        for n in range(25):
            article = articles()[n % 10]
            (reports / f"{n:02d}-{article['title']}.txt").write_text(article_text(article, seed=n))
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.mb}m", "tmpfs", str(disk)], check=True)
        try:
            code, index = Path(args.code).resolve(), disk / "index"
            print(run(code, index, "ingest", str(reports)))
            print(run(code, index, "list"))
            print(run(code, index, "ask", "In what country is Normandy located?"))
        finally:
            subprocess.run(["umount", str(disk)], check=False)


if __name__ == "__main__":
    main()
