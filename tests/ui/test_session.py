"""``UISession``: answer-mode choice and its readable fallbacks, report rows, and the upload folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.index.store import write_lock
from rag.ui.session import EXTRACTIVE, GENERATIVE, UISession, report_info
from tests.answer.generative.conftest import SEED_ANSWER, scripted

QUESTION = "How many troops withdrew and to where?"


def test_extractive_mode_uses_the_given_qa(seeded_qa, tmp_path: Path) -> None:
    session = UISession(seeded_qa, tmp_path / "up")
    answer = session.ask(QUESTION, [], 5, EXTRACTIVE, "ollama:ignored")
    assert answer.note == "" and "400" in answer.text and len(answer.passages) == 5


def test_extractive_mode_never_calls_the_configured_chat_model(
    seeded_index_dir: Path, tmp_path: Path
) -> None:
    """A ReportQA built with a chat model (as RAG_LLM does): Extractive in Settings does not call it."""
    from rag.qa import ReportQA

    model = scripted(f"{SEED_ANSWER} [1]", f"{SEED_ANSWER} [1]")
    session = UISession(ReportQA(index_dir=seeded_index_dir, llm=model), tmp_path / "up")
    assert session.default_spec  # the page starts in generative mode with that model
    extractive = session.ask(QUESTION, [], None, EXTRACTIVE, "")
    assert model.calls == [] and "400" in extractive.text
    generative = session.ask(QUESTION, [], None, GENERATIVE, "")
    assert len(model.calls) == 1 and generative.text.startswith(SEED_ANSWER)


def test_malformed_llm_spec_falls_back_with_a_readable_note(seeded_qa, tmp_path: Path) -> None:
    session = UISession(seeded_qa, tmp_path / "up")
    answer = session.ask(QUESTION, [], None, GENERATIVE, "not-a-model")
    assert "400" in answer.text
    assert "not-a-model" in answer.note and "extractively" in answer.note


def test_generative_without_a_spec_says_what_is_needed(seeded_qa, tmp_path: Path) -> None:
    session = UISession(seeded_qa, tmp_path / "up")
    assert "needs a chat model" in session.ask(QUESTION, [], None, GENERATIVE, "  ").note


def test_unreachable_chat_model_answers_extractively_and_says_why(seeded_qa, tmp_path: Path) -> None:
    session = UISession(seeded_qa, tmp_path / "up")
    spec = "openai-compatible:http://127.0.0.1:9/v1#nothing-listens-here"
    answer = session.ask(QUESTION, [], None, GENERATIVE, spec)
    assert not answer.abstained and answer.citations
    assert answer.note.endswith("answering extractively")


def test_generative_answers_stream_then_the_verified_answer(seeded_qa, tmp_path: Path) -> None:
    session = UISession(seeded_qa, tmp_path / "up")
    model = scripted(f"{SEED_ANSWER} [1]")
    session._answerers["scripted"] = seeded_qa.answerer_for(model)
    pieces = list(session.stream(QUESTION, [], None, GENERATIVE, "scripted"))
    texts, final = [p for p in pieces if isinstance(p, str)], pieces[-1]
    assert len(texts) > 5 and "".join(texts) == f"{SEED_ANSWER} [1]"
    assert final.citations and final.text.startswith(SEED_ANSWER)


def test_report_rows_use_metadata_then_the_first_lines(seeded_qa, tmp_path: Path) -> None:
    session = UISession(seeded_qa, tmp_path / "up")
    (row,) = session.reports()
    text = seeded_qa.document_text(row.source)
    assert row.chars == len(text) and row.passages > 3 and row.kind == "txt"
    assert row.title and row.title in text
    assert session.title(row.source) == row.title
    assert row.title.startswith("Assad troops abandon their last military base")
    with pytest.raises(KeyError):
        session.title("nowhere.txt")
    info = report_info(
        {"source": "a.pdf", "content_hash": "h", "passages": 2},
        "Weekly bulletin\nIssued 12 March 2025 by the field office\n\nBody.",
    )
    assert (info.title, info.date, info.kind, info.passages) == ("Weekly bulletin", "12 March 2025", "pdf", 2)
    dated = report_info({"source": "b", "content_hash": "h", "date": "2024-01-02", "kind": "news"}, "x")
    assert (dated.date, dated.kind) == ("2024-01-02", "news")
    assert info.matches("weekly MARCH") and not info.matches("weekly april")


def test_upload_writes_only_inside_the_upload_folder(fresh_qa, tmp_path: Path) -> None:
    upload_dir = tmp_path / "up"
    session = UISession(fresh_qa, upload_dir)
    odd = tmp_path / "..%2F..%2Fescape.txt"
    odd.write_text("The bridge at Kell was closed on Monday after floods.", encoding="utf-8")
    seen: list[tuple[float, int]] = []
    report, shown = session.ingest_uploads([odd], lambda done, total, name: seen.append((done, total)))
    assert len(report.added) == 1 and seen[0] == (0, 1) and seen[-1] == (1, 1)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)  # progress only moves forward
    (saved,) = list(upload_dir.iterdir())
    assert saved.parent == upload_dir and shown[str(saved)] == odd.name
    assert session.remove(report.added[0]) and not saved.exists()


def test_a_different_upload_with_the_same_name_is_kept_beside_the_first(fresh_qa, tmp_path: Path) -> None:
    """Two folders' report.txt uploaded one after the other: both stay indexed, neither replaced;
    the same file uploaded again changes nothing."""
    session = UISession(fresh_qa, tmp_path / "up")
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "report.txt", tmp_path / "b" / "report.txt"
    first.write_text("The bridge at Kell was closed on Monday after floods.", encoding="utf-8")
    second.write_text("The dam at Orsk was opened on Friday to relieve the river.", encoding="utf-8")
    one, _ = session.ingest_uploads([first])
    two, shown = session.ingest_uploads([second])
    assert one.added == ("report.txt",) and two.added == ("report (2).txt",) and not two.updated
    assert shown[str(tmp_path / "up" / "report (2).txt")] == "report.txt"
    assert two.notes == ("report.txt differs from the report.txt already uploaded: kept as report (2).txt",)
    assert "Kell" in fresh_qa.document_text("report.txt") and "Orsk" in fresh_qa.document_text(
        "report (2).txt"
    )
    again, _ = session.ingest_uploads([first])
    assert again.unchanged == ("report.txt",) and not again.added
    assert session.remove("report (2).txt") and not (tmp_path / "up" / "report (2).txt").exists()
    assert (tmp_path / "up" / "report.txt").exists()


def test_remove_deletes_the_copy_its_record_names_not_one_of_the_same_name(fresh_qa, tmp_path: Path) -> None:
    """census.txt from elsewhere (CLI), a different census.txt uploaded (uploads/census.txt):
    removing "census.txt" leaves the upload's copy, which stays indexed; removing the upload
    deletes it, and a renamed upload's copy (name (2).ext) goes with its report."""
    upload_dir = Path(fresh_qa.settings.index_dir) / "uploads"
    session = UISession(fresh_qa, upload_dir)
    (tmp_path / "elsewhere").mkdir(), (tmp_path / "desk").mkdir(), (tmp_path / "other").mkdir()
    cli = tmp_path / "elsewhere" / "census.txt"
    cli.write_text("The census of Orsk counted 41,200 residents in 2021.", encoding="utf-8")
    assert fresh_qa.ingest([cli]).added == ("census.txt",)
    mine = tmp_path / "desk" / "census.txt"
    mine.write_text("The census of Kell counted 9,300 residents in 2020.", encoding="utf-8")
    uploaded, _ = session.ingest_uploads([mine])
    assert uploaded.added == ("uploads/census.txt",), uploaded.summary()
    assert session.remove("census.txt") and cli.is_file()
    assert (upload_dir / "census.txt").is_file() and "uploads/census.txt" in fresh_qa.sources()
    other = tmp_path / "other" / "census.txt"
    other.write_text("The census of Varna counted 3,100 residents in 2019.", encoding="utf-8")
    renamed, _ = session.ingest_uploads([other])
    (source,) = renamed.added
    assert (upload_dir / "census (2).txt").is_file()
    assert session.remove(source) and not (upload_dir / "census (2).txt").exists()
    assert session.remove("uploads/census.txt") and not (upload_dir / "census.txt").exists()


def test_upload_follows_no_link(fresh_qa, tmp_path: Path) -> None:
    """A link handed in as an upload is not followed; a link planted in the upload folder is
    not written through (the upload is kept beside it)."""
    upload_dir = tmp_path / "up"
    upload_dir.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("The vault code is 4417.", encoding="utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(secret)
    session = UISession(fresh_qa, upload_dir)
    report, _ = session.ingest_uploads([link])
    assert not report.added and [s.reason for s in report.skipped] == ["symbolic link, not followed"]
    (upload_dir / "note.txt").symlink_to(secret)
    note = tmp_path / "note.txt"
    note.write_text("The dam at Orsk was opened on Friday.", encoding="utf-8")
    kept, _ = session.ingest_uploads([note])
    assert kept.added == ("note (2).txt",) and secret.read_text(encoding="utf-8") == "The vault code is 4417."


def test_a_name_with_a_line_break_is_cleaned_the_same_way_everywhere(fresh_qa, tmp_path: Path) -> None:
    """census<newline>2021.txt is the report census_2021.txt from a folder, as a file and as an
    upload (the same bytes uploaded: that report, unchanged); no report name spans two lines."""
    (tmp_path / "in").mkdir(), (tmp_path / "desk").mkdir()
    text = "The census of Orsk counted 41,200 residents in 2021."
    (tmp_path / "in" / "census\n2021.txt").write_text(text, encoding="utf-8")
    assert fresh_qa.ingest([tmp_path / "in"]).added == ("census_2021.txt",)
    lone = tmp_path / "desk" / "depot\r\n\x1b[31mred.txt"
    lone.write_text("The depot at Varna held 312 trucks.", encoding="utf-8")
    assert fresh_qa.ingest([lone]).added == ("depot_[31mred.txt",)
    (tmp_path / "desk" / "census\n2021.txt").write_text(text, encoding="utf-8")
    session = UISession(fresh_qa, tmp_path / "up")
    report, _ = session.ingest_uploads([tmp_path / "desk" / "census\n2021.txt"])
    assert report.unchanged == ("census_2021.txt",), report.summary()
    assert (tmp_path / "up" / "census_2021.txt").is_file()
    assert not any("\n" in s or "\x1b" in s for s in fresh_qa.sources())


def test_orphan_upload_copies_are_removed_at_start(fresh_qa, tmp_path: Path) -> None:
    """A copy no report was indexed from (kill -9 mid-upload) goes when the UI starts again;
    indexed copies and a copy younger than a minute (another process's upload) stay."""
    import os
    import time

    upload_dir = tmp_path / "up"
    session = UISession(fresh_qa, upload_dir)
    indexed = tmp_path / "kept.txt"
    indexed.write_text("The bridge at Kell was closed on Monday.", encoding="utf-8")
    assert session.ingest_uploads([indexed])[0].added == ("kept.txt",)
    killed, in_flight = upload_dir / "killed.txt", upload_dir / "in-flight.txt"
    killed.write_text("The dam at Orsk was opened.", encoding="utf-8")
    in_flight.write_text("The dam at Varna was opened.", encoding="utf-8")
    hour_ago = time.time() - 3600
    for path in (killed, upload_dir / "kept.txt"):
        os.utime(path, (hour_ago, hour_ago))
    UISession(fresh_qa, upload_dir)  # the UI starts again
    assert sorted(p.name for p in upload_dir.iterdir()) == ["in-flight.txt", "kept.txt"]


def test_upload_refused_while_the_index_is_busy_leaves_no_copy(fresh_qa, tmp_path: Path) -> None:
    from rag.index.store import IndexBusyError

    upload_dir = tmp_path / "up"
    session = UISession(fresh_qa, upload_dir)
    new = tmp_path / "busy.txt"
    new.write_text("The dam at Orsk was opened on Friday.", encoding="utf-8")
    with write_lock(fresh_qa.settings.index_dir), pytest.raises(IndexBusyError):
        session.ingest_uploads([new])
    assert not (upload_dir / "busy.txt").exists()
    assert "busy.txt" not in fresh_qa.sources()


def _bulletin(path: Path, paragraphs: int) -> Path:
    lines = [
        f"Convoy {n} reached sector {n % 7} with {n * 3} trucks of grain on day {n}."
        for n in range(paragraphs)
    ]
    path.write_text("Sector bulletin\n\n" + "\n\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cancel_stops_an_upload_and_keeps_the_files_done(fresh_qa, tmp_path: Path) -> None:
    """Cancel during the second file: the first stays indexed, the second is left out, its copy gone."""
    import threading

    session = UISession(fresh_qa, tmp_path / "up")
    first = _bulletin(tmp_path / "north.txt", 3)
    second = _bulletin(tmp_path / "south.txt", 120)
    before = set(fresh_qa.sources())
    cancel, seen = threading.Event(), []

    def progress(done: float, total: int, label: str) -> None:
        seen.append((done, label))
        if "south.txt" in label and done > 1:  # embedding of the second file has begun
            cancel.set()

    report, _ = session.ingest_uploads([first, second], progress, cancel)
    assert report.cancelled and report.added == ("north.txt",)
    assert [s.reason for s in report.skipped] == ["ingest cancelled"]
    assert set(fresh_qa.sources()) == before | {"north.txt"}
    assert (tmp_path / "up" / "north.txt").is_file() and not (tmp_path / "up" / "south.txt").exists()
    assert any(1 < done < 2 for done, _ in seen)  # progress within the second file, not only per file


def test_a_cancelled_upload_leaves_no_copy_even_over_a_leftover_one(fresh_qa, tmp_path: Path) -> None:
    """Issue 25 item 7: the copy of a cancelled upload goes, also when the same bytes already lay in
    uploads/ (left by a killed upload): no report was read from it, so a restart must not index it."""
    import shutil
    import threading

    session = UISession(fresh_qa, tmp_path / "up")
    upload = _bulletin(tmp_path / "east.txt", 120)
    (tmp_path / "up").mkdir(exist_ok=True)
    shutil.copyfile(upload, tmp_path / "up" / "east.txt")  # the leftover, same bytes
    cancel = threading.Event()

    def progress(done: float, total: int, label: str) -> None:
        if "embedded" in label:
            cancel.set()

    report, _ = session.ingest_uploads([upload], progress, cancel)
    assert report.cancelled and "east.txt" not in fresh_qa.sources()
    assert not (tmp_path / "up" / "east.txt").exists()
