"""The background entity pass never crashes the process at exit, even with spaCy mid-report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NEWS = REPO.parent / "shared" / "data" / "reports-dev" / "news" / "reports"

SCRIPT = """
import sys, time
from rag import ReportQA
qa = ReportQA(index_dir=sys.argv[1])
qa.ingest([sys.argv[2]])
start = time.monotonic()
while qa.entity_pass.progress()[0] < 1 and time.monotonic() - start < 120:
    time.sleep(0.01)  # spaCy loaded and one report done: exit with the pass mid-way
done, total = qa.entity_pass.progress()
print(f"left {total - done}", flush=True)
"""


def test_a_process_that_exits_while_the_entity_pass_runs_exits_cleanly(tmp_path: Path) -> None:
    # spaCy's BLIS freed its memory in an atexit handler that ran before the pass was stopped:
    # `python -m rag eval briefs` ended with "libblis: Aborting" (exit 134) or a segfault (139).
    folder = tmp_path / "reports"
    folder.mkdir()
    for report in sorted(NEWS.glob("*.txt")):
        (folder / report.name).write_bytes(report.read_bytes())
    env = {**os.environ, "RAG_BRIEF_ENTITIES": "background"}
    done = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", SCRIPT, str(tmp_path / "index"), str(folder)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split("left ")[1]) > 0  # it did exit with reports left to the pass


GUARDLESS = """
import sys
from pathlib import Path
from rag import ReportQA
with open(sys.argv[3], "a", encoding="utf-8") as runs:
    runs.write("ran\\n")  # a script without a __main__ guard: a spawned child would run it again
qa = ReportQA(index_dir=sys.argv[1])
qa.ingest([sys.argv[2]])
assert qa.entity_pass.wait(180), "the entity pass did not finish"
source = qa.sources()[0]
print("stored", bool(qa.index.store.get_record(source)[1].get("entities")), qa.entity_pass.out_of_process)
"""


def test_the_entity_pass_reads_in_a_worker_process_and_never_reruns_the_callers_script(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    report = sorted(NEWS.glob("*.txt"))[0]
    (folder / report.name).write_bytes(report.read_bytes())
    script, runs = tmp_path / "user_script.py", tmp_path / "runs.txt"
    script.write_text(GUARDLESS, encoding="utf-8")
    env = {**os.environ, "RAG_BRIEF_ENTITIES": "background"}
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "index"), str(folder), str(runs)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "stored True True" in done.stdout  # entities stored, by the worker (no fallback)
    assert runs.read_text(encoding="utf-8").count("ran") == 1
