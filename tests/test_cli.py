"""The CLI as a user runs it: a real subprocess over a real index."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.prompts import UNCERTAIN_NOTE
from tests.conftest import REPO, SEED_SOURCE


def _rag(index: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag", "--index-dir", str(index), *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        env={**os.environ, **env},
    )


@pytest.fixture()
def index(seeded_index_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "index"
    shutil.copytree(seeded_index_dir, folder)
    return folder


def test_ask_prints_the_answer_then_each_citation(index: Path) -> None:
    run = _rag(index, "ask", "How many troops withdrew and to where?", RAG_ANSWER_THRESHOLD="0")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "Answer: 400; nearby Ariha"  # the short answer of each part, in bold in the UI
    assert lines[1].startswith("The estimated 400 men withdrew") and "[1]" in lines[1]
    assert f"[1] {SEED_SOURCE}, characters" in run.stdout
    assert '"The estimated 400 men withdrew with most of their equipment' in run.stdout


def test_ask_json_is_the_whole_answer(index: Path) -> None:
    run = _rag(index, "ask", "When did Islamists seize Idlib?", "--json")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["abstained"] is False and "March 28" in answer["text"]
    assert answer["support"] == "answered"
    assert answer["citations"][0]["source"] == SEED_SOURCE and answer["passages"]


def test_an_uncertain_answer_is_printed_under_a_note(index: Path) -> None:
    run = _rag(index, "ask", "How many troops withdrew and to where?", RAG_ANSWER_THRESHOLD="1.01")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"({UNCERTAIN_NOTE})"
    assert lines[1] == "Answer: 400; nearby Ariha"
    assert lines[2].startswith("The estimated 400 men withdrew") and "[1]" in lines[2]


def test_an_abstention_names_no_gap_of_a_report_it_did_not_quote(index: Path) -> None:
    run = _rag(index, "ask", "How many civilians were killed in Ariha in 2015?")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "The reports do not say."
    assert "Gaps in the evidence" not in run.stdout and SEED_SOURCE not in run.stdout


def test_remove_deletes_the_uploaded_copy_as_the_page_does(index: Path) -> None:
    """A report uploaded through the page (copied into <index>/uploads/) removed from the CLI: its
    copy goes too, so the next page start cannot index it again; other uploads stay."""
    uploads = index / "uploads"
    uploads.mkdir()
    copy = uploads / "memo.md"
    copy.write_text("# Memo\n\nThe bridge at Kessel reopened on 4 May after repairs.\n")
    other = uploads / "other.md"
    other.write_text("# Other\n\nThe ferry at Skarvik resumed service on 5 May.\n")
    assert _rag(index, "ingest", str(copy), str(other)).returncode == 0
    run = _rag(index, "remove", "memo.md")
    assert run.stdout.strip() == "removed memo.md", run.stderr
    assert not copy.exists() and other.is_file()


def test_ingest_list_remove_round_trip(index: Path, tmp_path: Path) -> None:
    report = tmp_path / "memo.md"
    report.write_text("# Memo\n\nThe bridge at Kessel reopened on 4 May after repairs.\n")
    (tmp_path / "junk.bin").write_bytes(b"\x00\x01")
    run = _rag(index, "ingest", str(report), str(tmp_path / "junk.bin"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("1 added, 0 updated, 0 unchanged, 1 skipped")
    assert "junk.bin: unsupported file type" in run.stdout
    assert _rag(index, "list").stdout.split() == [SEED_SOURCE, "memo.md"]
    assert _rag(index, "remove", "memo.md").stdout.strip() == "removed memo.md"
    missing = _rag(index, "remove", "memo.md")
    assert missing.returncode == 1 and "no report named 'memo.md'" in missing.stderr


def test_bad_question_is_a_clear_error_without_a_traceback(index: Path) -> None:
    run = _rag(index, "ask", "   ")
    assert run.returncode == 2
    assert run.stderr.strip().startswith("error: the question is empty")
    assert "Traceback" not in run.stderr
