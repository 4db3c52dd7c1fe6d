"""Eight threads asking 200 questions while a report is ingested: no errors, same answers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rag.qa import ReportQA
from rag.types import Answer
from tests.scale.helpers import questions, write_reports


def _key(answer: Answer) -> tuple:
    return answer.text, answer.abstained, answer.citations


@pytest.fixture(scope="module")
def three_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index over three benchmark articles."""
    folder = tmp_path_factory.mktemp("concurrency")
    write_reports(folder / "reports", 3)
    ReportQA(index_dir=folder / "index").ingest([folder / "reports"])
    return folder


def test_eight_threads_during_an_ingest_get_the_answers_they_get_alone(three_reports: Path) -> None:
    qa = ReportQA(index_dir=three_reports / "index", refresh_seconds=0)
    asked = questions(200, 3)
    alone = {q: _key(qa.ask(q)) for q in asked}
    # Each report's commit is atomic, so with one report ingested every question sees the
    # collection before it or after it, never a mix (nor, with two, a state between them).
    extra = three_reports / "extra"
    for path in write_reports(extra, 4)[:3]:
        path.unlink()
    writer = threading.Thread(target=qa.ingest, args=([extra],))
    writer.start()
    with ThreadPoolExecutor(8) as pool:
        during = list(pool.map(qa.ask, asked))
    writer.join()
    after = {q: _key(qa.ask(q)) for q in asked}
    assert len(qa.sources()) == 4
    for question, answer in zip(asked, during):
        assert _key(answer) in (alone[question], after[question]), question
        for c in answer.citations:
            assert qa.document_text(c.source)[c.start : c.end] == c.quote
    changed = [q for q in asked if after[q] != alone[q]]
    assert len(changed) <= 10, changed  # unrelated reports barely move the answers
