"""Nothing lost: a SIGKILL during ingest, two writers at once, and indexes that must be refused."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from chromadb.api.client import SharedSystemClient

from rag.index.store import IndexBusyError, IndexCompatibilityError, write_lock
from rag.qa import ReportQA
from rag.read.load import content_hash
from tests.scale.helpers import PYTHON, REPO, check_consistent, questions, write_reports

INGEST = """
import sys
from rag.qa import ReportQA
qa = ReportQA(index_dir=sys.argv[1])
print("ready", flush=True)
print(qa.ingest([sys.argv[2]]).summary(), flush=True)
"""


def _start_ingest(index: Path, reports: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [str(PYTHON), "-c", INGEST, str(index), str(reports)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def _kill_during_ingest(index: Path, reports: Path, rng: random.Random) -> None:
    child = _start_ingest(index, reports)
    time.sleep(rng.uniform(0.2, 6.0))
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    child.communicate()


def _hashes(paths: list[Path]) -> dict[str, str]:
    return {p.name: content_hash(p) for p in paths}


def _reopened(index: Path) -> ReportQA:
    """Open the index as a new process would: Chroma keeps one client per folder and process,
    whose vector segments are loaded once, so drop it first (else it misses the child's writes)."""
    SharedSystemClient.clear_system_cache()
    return ReportQA(index_dir=index)


def test_sigkill_during_ingest_loses_nothing_and_rerun_completes(tmp_path: Path) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    index, reports = tmp_path / "index", tmp_path / "reports"
    versions: dict[str, set[str]] = {}
    for round_ in range(3):  # v1 is interrupted, then v2 (shuffled paragraphs), then v3
        paths = write_reports(reports, 4, seed=None if round_ == 0 else round_, limit=24)
        for name, digest in _hashes(paths).items():
            versions.setdefault(name, set()).add(digest)
        _kill_during_ingest(index, reports, rng)
        qa = _reopened(index)  # the index opens after the kill
        check_consistent(qa, versions)
        del qa
    qa = _reopened(index)
    done = qa.ingest([reports])
    assert not done.skipped, (seed, done.summary())
    final = _hashes(paths)
    check_consistent(qa, {name: {digest} for name, digest in final.items()})
    assert qa.store.report_hashes() == final, seed
    assert qa.store.clean_orphans() == 0, seed


def test_two_processes_ingesting_at_once_work_or_get_index_busy(tmp_path: Path) -> None:
    index = tmp_path / "index"
    first, second = tmp_path / "a", tmp_path / "b"
    paths = write_reports(first, 2, limit=12)
    paths += [p.rename(second / p.name) for p in write_reports(second, 3, limit=12)[2:]]
    children = [_start_ingest(index, folder) for folder in (first, second)]
    outcomes = [child.communicate(timeout=600) for child in children]
    codes = [child.returncode for child in children]
    assert 0 in codes, outcomes
    for code, (_, err) in zip(codes, outcomes):
        assert code == 0 or "index is busy" in err, err
    qa = ReportQA(index_dir=index)
    check_consistent(qa, {name: {digest} for name, digest in _hashes(paths).items()})


def test_writer_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    with write_lock(tmp_path), pytest.raises(IndexBusyError, match="index is busy"), write_lock(tmp_path):
        pass
    with write_lock(tmp_path):
        pass


def test_busy_index_refuses_ingest_and_stays_unchanged(fresh_qa: ReportQA, tmp_path: Path) -> None:
    before = fresh_qa.store.report_hashes()
    (tmp_path / "new.txt").write_text("A new report.\n\nIt says nothing much.\n")
    with write_lock(Path(fresh_qa.settings.index_dir)), pytest.raises(IndexBusyError, match="index is busy"):
        fresh_qa.ingest([tmp_path / "new.txt"])
    assert fresh_qa.store.report_hashes() == before


def test_index_of_an_older_layout_is_refused(seeded_index_dir: Path, tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "index"
    shutil.copytree(seeded_index_dir, folder)
    qa = ReportQA(index_dir=folder)
    meta = dict(qa.store.passages.metadata)
    qa.store.passages.modify(metadata={**meta, "layout": 0})
    del qa
    with pytest.raises(IndexCompatibilityError, match="re-ingest"):
        ReportQA(index_dir=folder)


def test_index_of_another_embedding_model_is_refused(seeded_index_dir: Path) -> None:
    with pytest.raises(IndexCompatibilityError, match="embedding_model"):
        ReportQA(index_dir=seeded_index_dir, embedding_model=str(REPO), embedding_sha256="")


def test_an_open_reader_sees_another_process_s_ingest_without_a_restart(tmp_path: Path) -> None:
    first, second = write_reports(tmp_path / "a", 2, limit=12)
    reader = ReportQA(index_dir=tmp_path / "index", refresh_seconds=0)
    reader.ingest([first])
    question = "What is computational complexity theory?"  # only the second report says
    assert reader.ask(question).abstained
    child = _start_ingest(tmp_path / "index", second)
    child.communicate(timeout=600)
    assert child.returncode == 0
    answer = reader.ask(question)
    assert not answer.abstained and answer.citations[0].source == second.name
    nearest = reader.store.query_passages(reader.embedder.encode([question])[0], 3)
    chunks = reader.store.get_chunks([pid for pid, _ in nearest])
    assert {chunk.source for chunk in chunks.values()} == {second.name}  # dense search sees them


def test_an_open_reader_keeps_answering_when_a_writer_is_killed(tmp_path: Path) -> None:
    index, reports = tmp_path / "index", tmp_path / "reports"
    paths = write_reports(reports, 4, limit=24)
    reader = ReportQA(index_dir=index, refresh_seconds=0)
    reader.ingest([paths[0]])
    for delay in (1.5, 3.0):
        _kill_during_ingest(index, reports, random.Random(delay))
        for question in questions(6, 4):
            answer = reader.ask(question)  # no error from vectors the reader had not loaded
            for c in answer.citations:
                assert reader.document_text(c.source)[c.start : c.end] == c.quote
        check_consistent(reader, {name: {digest} for name, digest in _hashes(paths).items()})
