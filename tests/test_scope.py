"""Asking within chosen reports: ``ReportQA.ask(..., sources=[...])``, ``rag.ask`` and CLI ``--source``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rag import ReportQA
from tests.conftest import REPO, SEED_SOURCE
from tests.test_cli import _rag

#: A second report that also speaks of troops withdrawing (so an unscoped question could cite it).
HARBOUR = (
    "Harbour bulletin\n\n"
    "The coast guard said 120 troops withdrew from Pelican Point to the naval base at Skarvik.\n\n"
    "The ferry Aurora sank near Pelican Point with 37 crew aboard; all were rescued.\n"
)


@pytest.fixture()
def two_reports(fresh_qa: ReportQA, tmp_path: Path) -> ReportQA:
    """The seed report plus ``harbour.txt``."""
    path = tmp_path / "in" / "harbour.txt"
    path.parent.mkdir()
    path.write_text(HARBOUR, encoding="utf-8")
    assert fresh_qa.ingest([path]).added == ("harbour.txt",)
    return fresh_qa


def test_sources_limit_passages_and_citations(two_reports: ReportQA) -> None:
    question = "How many troops withdrew and to where?"
    everywhere = two_reports.ask(question)
    assert {p.source for p in everywhere.passages} == {SEED_SOURCE, "harbour.txt"}

    harbour = two_reports.ask(question, sources=["harbour.txt"])
    assert harbour.passages and {p.source for p in harbour.passages} == {"harbour.txt"}
    assert "120 troops" in harbour.text and {c.source for c in harbour.citations} == {"harbour.txt"}
    for c in harbour.citations:
        assert two_reports.document_text(c.source)[c.start : c.end] == c.quote

    seed = two_reports.ask(question, sources=[SEED_SOURCE])
    assert {p.source for p in seed.passages} == {SEED_SOURCE} and "400 men" in seed.text


def test_a_question_the_chosen_report_cannot_answer_abstains(two_reports: ReportQA) -> None:
    """Scoped to the seed report, the ferry (only in harbour.txt) is not found."""
    answer = two_reports.ask("Which ferry sank near Pelican Point?", sources=[SEED_SOURCE])
    assert all(p.source == SEED_SOURCE for p in answer.passages)
    assert "Aurora" not in answer.text


def test_stream_is_scoped_too(two_reports: ReportQA) -> None:
    *_, answer = two_reports.stream("Which ferry sank near Pelican Point?", sources=["harbour.txt"])
    assert "Aurora" in answer.text and {p.source for p in answer.passages} == {"harbour.txt"}


@pytest.mark.parametrize(
    ("sources", "message"),
    [([], "no reports chosen"), (["nowhere.txt"], "no report named 'nowhere.txt'")],
)
def test_bad_choice_of_reports_is_a_clear_value_error(
    seeded_qa: ReportQA, sources: list[str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        seeded_qa.ask("Who seized Idlib?", sources=sources)


@pytest.mark.parametrize("top_k", [0, -3, 101, 1000])
def test_top_k_outside_the_bounds_of_rag_top_k_is_refused(seeded_qa: ReportQA, top_k: int) -> None:
    with pytest.raises(ValueError, match=r"top_k \(RAG_TOP_K\) = .* allowed: 1 to 100"):
        seeded_qa.ask("Who seized Idlib?", top_k=top_k)


def test_cli_source_is_repeatable(two_reports: ReportQA) -> None:
    index = two_reports.settings.index_dir
    question = "How many troops withdrew and to where?"
    run = _rag(index, "ask", question, "--source", "harbour.txt", "--json")
    assert run.returncode == 0, run.stderr
    assert {p["source"] for p in json.loads(run.stdout)["passages"]} == {"harbour.txt"}
    both = _rag(index, "ask", question, "--source", "harbour.txt", "--source", SEED_SOURCE, "--json")
    assert {p["source"] for p in json.loads(both.stdout)["passages"]} == {"harbour.txt", SEED_SOURCE}
    unknown = _rag(index, "ask", question, "--source", "nowhere.txt")
    assert unknown.returncode == 2 and "no report named 'nowhere.txt'" in unknown.stderr


@pytest.mark.parametrize("value", ["0", "1000", "ten"])
def test_cli_top_k_is_validated_like_rag_top_k(seeded_index_dir: Path, value: str) -> None:
    run = _rag(seeded_index_dir, "ask", "Who seized Idlib?", "--top-k", value)
    assert run.returncode == 2 and "--top-k" in run.stderr and "Traceback" not in run.stderr
    if value != "ten":
        assert "allowed: 1 to 100" in run.stderr


def test_cli_on_an_empty_or_missing_index_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "nothing-here"
    run = _rag(missing, "ask", "Who seized Idlib?")
    assert run.returncode == 1
    assert run.stderr.strip() == f"error: No reports indexed in {missing}: ingest some first"
    assert not missing.exists()  # asking does not create an index
    empty = tmp_path / "empty"
    ReportQA(index_dir=empty)
    run = _rag(empty, "list")
    assert run.returncode == 1 and f"No reports indexed in {empty}: ingest some first" in run.stderr


def test_cli_bad_setting_names_it_and_its_allowed_values(seeded_index_dir: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "rag", "--index-dir", str(seeded_index_dir), "ask", "Who seized Idlib?"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        env={**__import__("os").environ, "RAG_EMBEDDING_BACKEND": "gpu"},
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "RAG_EMBEDDING_BACKEND" in run.stderr and "'onnx', 'torch'" in run.stderr
