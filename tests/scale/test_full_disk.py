"""A full disk: the ingest stops with "disk full: N of M files indexed, the rest not", the index
stays consistent and readable, and no traceback reaches the user (injected ENOSPC, and a real
20 MB tmpfs where mounting is allowed)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.qa import ReportQA
from rag.ui.render import ingest_summary
from rag.ui.session import UISession
from tests.conftest import SEED_SOURCE
from tests.scale.helpers import REPO, article_text, articles, check_consistent

FACTS = [f"The depot at Varna{n} held {100 + n} trucks on Monday.\n" for n in range(5)]


def _fill_after(qa: ReportQA, monkeypatch: pytest.MonkeyPatch, writes: int) -> None:
    """The store's report writes raise ENOSPC once ``writes`` of them have gone through."""
    put = qa.store.put_report
    calls = []

    def put_report(*args, **kwargs):
        calls.append(1)
        if len(calls) > writes:
            raise OSError(errno.ENOSPC, "No space left on device")
        return put(*args, **kwargs)

    monkeypatch.setattr(qa.store, "put_report", put_report)


def test_ingest_that_fills_the_disk_stops_and_reads_keep_working(
    fresh_qa: ReportQA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n, fact in enumerate(FACTS):
        (folder / f"depot{n}.txt").write_text(fact)
    _fill_after(fresh_qa, monkeypatch, writes=2)
    report = fresh_qa.ingest([folder])
    assert report.stopped == "disk full: 2 of 5 files indexed, the rest not", report.summary()
    assert report.added == ("depot0.txt", "depot1.txt")
    assert [s.reason for s in report.skipped] == ["disk full"] * 3
    assert "disk full: 2 of 5 files indexed" in report.summary()
    check_consistent(
        fresh_qa, {SEED_SOURCE: {fresh_qa.store.report_hashes()[SEED_SOURCE]}} | _versions(folder)
    )
    reader = ReportQA(index_dir=fresh_qa.settings.index_dir)
    assert reader.sources() == sorted([SEED_SOURCE, "depot0.txt", "depot1.txt"])
    assert "101 trucks" in reader.ask("How many trucks did the depot at Varna1 hold?").text


def _versions(folder: Path) -> dict[str, set[str]]:
    from rag.read.load import content_hash

    return {p.name: {content_hash(p)} for p in folder.iterdir()}


def test_upload_that_fills_the_disk_lists_what_went_in(
    fresh_qa: ReportQA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = []
    for n, fact in enumerate(FACTS[:3]):
        paths.append(tmp_path / f"depot{n}.txt")
        paths[-1].write_text(fact)
    _fill_after(fresh_qa, monkeypatch, writes=1)
    session = UISession(fresh_qa, tmp_path / "up")
    report, names = session.ingest_uploads(paths)
    assert report.stopped == "disk full: 1 of 3 files indexed, the rest not", report.summary()
    assert report.added == ("depot0.txt",) and [s.reason for s in report.skipped] == ["disk full"] * 2
    assert sorted(p.name for p in (tmp_path / "up").iterdir()) == ["depot0.txt"]
    html = ingest_summary(report, names)
    assert "disk full: 1 of 3 files indexed, the rest not" in html and "depot0.txt" in html
    assert "depot0.txt" in [r.source for r in session.reports()]


def _mount_tmpfs(folder: Path, megabytes: int) -> None:
    """Mount a tmpfs at ``folder``, or skip the test saying why it cannot be."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        pytest.skip(f"mounting a tmpfs is not allowed here: {done.stderr.strip()}")


def _cli(index: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "rag", "--index-dir", str(index), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=600)


@pytest.mark.slow
def test_index_on_a_small_tmpfs_fills_it_without_a_traceback(tmp_path: Path) -> None:
    reports, disk = tmp_path / "reports", tmp_path / "disk"
    reports.mkdir()
    for n in range(25):
        article = articles()[n % 10]
        (reports / f"{n:02d}-{article['title']}.txt").write_text(article_text(article, seed=n))
    _mount_tmpfs(disk, 20)
    try:
        ingest = _cli(disk / "index", "ingest", str(reports))
        listed = _cli(disk / "index", "list")
        asked = _cli(disk / "index", "ask", "In what country is Normandy located?")
    finally:
        subprocess.run(["umount", str(disk)], check=False)
    for done in (ingest, listed, asked):
        assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "disk full: " in ingest.stdout and "of 25 files indexed, the rest not" in ingest.stdout, (
        ingest.stdout
    )
    assert listed.returncode == 0 and listed.stdout.strip() and asked.returncode == 0
