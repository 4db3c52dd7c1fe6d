"""``UISession``: answer-mode choice and its readable fallbacks, and the upload folder."""

from __future__ import annotations

from pathlib import Path

from rag.ui.session import EXTRACTIVE, GENERATIVE, UISession

QUESTION = "How many troops withdrew and to where?"


def test_extractive_mode_uses_the_given_qa(seeded_qa, tmp_path: Path) -> None:
    session = UISession(seeded_qa, tmp_path / "up")
    answer, note = session.ask(QUESTION, [], 5, EXTRACTIVE, "ollama:ignored")
    assert note == "" and "400" in answer.text and len(answer.passages) == 5


def test_malformed_llm_spec_falls_back_with_a_readable_note(seeded_qa, tmp_path: Path) -> None:
    session = UISession(seeded_qa, tmp_path / "up")
    answer, note = session.ask(QUESTION, [], None, GENERATIVE, "not-a-model")
    assert "400" in answer.text
    assert "not-a-model" in note and "answered extractively" in note


def test_generative_without_a_spec_says_what_is_needed(seeded_qa, tmp_path: Path) -> None:
    session = UISession(seeded_qa, tmp_path / "up")
    _, note = session.ask(QUESTION, [], None, GENERATIVE, "  ")
    assert "needs a chat model" in note


def test_unreachable_chat_model_answers_extractively_and_says_why(seeded_qa, tmp_path: Path) -> None:
    session = UISession(seeded_qa, tmp_path / "up")
    spec = "openai-compatible:http://127.0.0.1:9/v1#nothing-listens-here"
    answer, note = session.ask(QUESTION, [], None, GENERATIVE, spec)
    assert not answer.abstained and answer.citations
    assert note and "extractive" in note.lower()


def test_upload_writes_only_inside_the_upload_folder(fresh_qa, tmp_path: Path) -> None:
    upload_dir = tmp_path / "up"
    session = UISession(fresh_qa, upload_dir)
    odd = tmp_path / "..%2F..%2Fescape.txt"
    odd.write_text("The bridge at Kell was closed on Monday after floods.", encoding="utf-8")
    seen: list[tuple[int, int]] = []
    report, shown = session.ingest_uploads([odd], lambda done, total, name: seen.append((done, total)))
    assert len(report.added) == 1 and seen == [(0, 1), (1, 1)]
    (saved,) = list(upload_dir.iterdir())
    assert saved.parent == upload_dir and shown[str(saved)] == odd.name
    assert session.remove(report.added[0]) and not saved.exists()
