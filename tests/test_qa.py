"""ReportQA end to end on a real Chroma index with the real model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag import ABSTAIN_TEXT, ReportQA
from rag.index.store import IndexCompatibilityError
from tests.conftest import SEED_SOURCE, SEEDS

SEED_QUESTION = "How many troops withdrew and to where?"
SEED_ANSWER = "The estimated 400 men withdrew with most of their equipment to nearby Ariha, a town of 70,000."


def test_seed_question_gets_the_quoted_sentence_with_a_verified_citation(seeded_qa: ReportQA) -> None:
    answer = seeded_qa.ask(SEED_QUESTION)
    assert not answer.abstained
    assert answer.text.startswith(SEED_ANSWER + " [1]")
    first = answer.citations[0]
    assert first.marker == 1 and first.source == SEED_SOURCE and first.quote == SEED_ANSWER
    text = seeded_qa.document_text(SEED_SOURCE)
    for citation in answer.citations:
        assert text[citation.start : citation.end] == citation.quote
        assert f"[{citation.marker}]" in answer.text
    highlighted = [text[s.start : s.end] for s in first.highlights]
    assert "400" in highlighted and "Ariha" in highlighted


def test_passages_are_best_first_with_offsets_into_the_report(seeded_qa: ReportQA) -> None:
    answer = seeded_qa.ask(SEED_QUESTION)
    text = seeded_qa.document_text(SEED_SOURCE)
    assert 1 <= len(answer.passages) <= 10
    scores = [p.score for p in answer.passages]
    assert scores == sorted(scores, reverse=True)
    assert answer.passages[0].passage_id == answer.citations[0].passage_id
    for passage in answer.passages:
        assert text[passage.start : passage.end] == passage.text


def test_document_text_is_the_extracted_text(seeded_qa: ReportQA) -> None:
    on_disk = (SEEDS / SEED_SOURCE).read_text(encoding="utf-8").strip()
    assert seeded_qa.document_text(SEED_SOURCE) == on_disk
    with pytest.raises(KeyError, match="no report named"):
        seeded_qa.document_text("missing.txt")


@pytest.mark.parametrize("question", ["", "   \n\t ", "x" * 2001])
def test_empty_or_overlong_question_is_a_clear_value_error(seeded_qa: ReportQA, question: str) -> None:
    with pytest.raises(ValueError, match=r"empty|limit"):
        seeded_qa.ask(question)


def test_question_the_reports_cannot_answer_abstains(seeded_qa: ReportQA) -> None:
    answer = seeded_qa.ask("What is the boiling point of mercury in kelvin?")
    assert answer.abstained and answer.text == ABSTAIN_TEXT and not answer.citations


def test_a_number_the_report_never_mentions_means_abstaining(seeded_qa: ReportQA) -> None:
    # The report tells of 11 civilians killed in 2011; nothing about 2015. Without the year the
    # same question is answered from that sentence.
    assert seeded_qa.ask("How many civilians were killed in Ariha in 2015?").abstained
    answer = seeded_qa.ask("How many civilians were killed when troops opened fire on the marchers?")
    assert not answer.abstained and "at least 11 civilians" in answer.text


def test_ingest_is_incremental_and_remove_deletes(fresh_qa: ReportQA, tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    report = folder / "harbour.txt"
    report.write_text("Harbour report\n\nThe ferry Aurora sank near Pelican Point with 37 crew aboard.\n")
    first = fresh_qa.ingest([folder])
    assert first.added == ("harbour.txt",) and not first.skipped
    assert fresh_qa.ingest([folder]).unchanged == ("harbour.txt",)
    assert "Aurora" in fresh_qa.ask("Which ferry sank near Pelican Point?").text

    report.write_text("Harbour report\n\nThe tug Boreas ran aground near Pelican Point with 5 crew aboard.\n")
    assert fresh_qa.ingest([folder]).updated == ("harbour.txt",)
    answer = fresh_qa.ask("Which vessel ran aground near Pelican Point?")
    assert "Boreas" in answer.text and "Aurora" not in " ".join(p.text for p in answer.passages)

    assert fresh_qa.remove("harbour.txt") and not fresh_qa.remove("harbour.txt")
    assert fresh_qa.sources() == [SEED_SOURCE]
    assert all(p.source == SEED_SOURCE for p in fresh_qa.ask("Which vessel ran aground?").passages)


def test_bad_files_are_skipped_with_reasons_and_lose_nothing(fresh_qa: ReportQA, tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (folder / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    result = fresh_qa.ingest([folder, folder / "nowhere.txt"])
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert set(reasons) == {"empty.txt", "binary.txt", "sheet.xlsx", "nowhere.txt"}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["binary.txt"]
    assert "unsupported" in reasons["sheet.xlsx"] and "no such file" in reasons["nowhere.txt"]
    assert fresh_qa.sources() == [SEED_SOURCE]
    assert fresh_qa.ask(SEED_QUESTION).text.startswith(SEED_ANSWER)


def test_index_from_another_model_is_refused(seeded_index_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "index"
    shutil.copytree(seeded_index_dir, folder)
    with pytest.raises(IndexCompatibilityError, match="re-ingest"):
        ReportQA(index_dir=folder, embedding_model=str(tmp_path), embedding_sha256="")


def test_index_written_with_other_vectors_is_refused(seeded_index_dir: Path) -> None:
    """Questions must be embedded as the index's vectors were: float against int8 is refused."""
    with pytest.raises(
        IndexCompatibilityError, match=r"int8/sentences.*float/model.*re-ingest.*RAG_EMBEDDING_INT8"
    ):
        ReportQA(index_dir=seeded_index_dir, embedding_int8=False, passage_vectors="model")


def test_reopened_index_answers_the_same(seeded_qa: ReportQA, seeded_index_dir: Path) -> None:
    again = ReportQA(index_dir=seeded_index_dir)
    assert again.ask(SEED_QUESTION) == seeded_qa.ask(SEED_QUESTION)


def test_follow_up_question_uses_the_previous_one(seeded_qa: ReportQA) -> None:
    answer = seeded_qa.ask("And how many tanks did they have?", history=[SEED_QUESTION])
    assert answer.retrieval_query.startswith(SEED_QUESTION)
    assert "seven tanks" in answer.text
    alone = seeded_qa.ask("When did Islamists seize Idlib?", history=[SEED_QUESTION])
    assert alone.retrieval_query == "When did Islamists seize Idlib?"


def test_a_question_that_stands_alone_is_not_merged_with_the_history(seeded_qa: ReportQA) -> None:
    # "there" is existential and the place is named: the question is answered as itself.
    question = "How many civilians were there killed in Ariha in 2011?"
    answer = seeded_qa.ask(question, history=[SEED_QUESTION])
    assert answer.retrieval_query == question
    assert answer == seeded_qa.ask(question)


def test_after_a_with_block_nothing_runs_on_the_index_and_its_folder_can_go(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    with ReportQA(index_dir=folder, brief_entities="background") as qa:
        qa.ingest([SEEDS])  # starts the background entity pass over the seed report
    assert qa.entity_pass.wait(timeout=0), "the entity pass outlived the with-block"
    shutil.rmtree(folder)
    assert not folder.exists()
