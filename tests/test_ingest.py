"""Ingest: names of same-named files, progress within a file, cancellation."""

from __future__ import annotations

import threading
from pathlib import Path

from rag.qa import ReportQA
from rag.read.names import assign_names
from tests.conftest import SEED_SOURCE

FERRY = "Harbour log\n\nThe ferry Aurora carried 96 passengers to Hvar on Sunday.\n"
TUG = "Harbour log\n\nThe tug Boreas towed 3 barges to Split on Monday.\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _state(qa: ReportQA) -> tuple:
    return qa.store.report_hashes(), qa.store.passages.count(), qa.store.sentences.count()


def test_same_named_files_in_one_call_are_both_kept(fresh_qa: ReportQA, tmp_path: Path) -> None:
    first = _write(tmp_path / "north" / "report.txt", FERRY)
    second = _write(tmp_path / "south" / "report.txt", TUG)
    result = fresh_qa.ingest([first.parent, second.parent])
    assert result.added == ("report.txt", "south/report.txt") and not result.skipped
    assert [(r.path, r.source, r.wanted) for r in result.renamed] == [
        (str(second), "south/report.txt", "report.txt")
    ]
    assert "renamed" not in result.summary() and "indexed as south/report.txt" in result.summary()
    assert "Aurora" in fresh_qa.document_text("report.txt")
    assert "Boreas" in fresh_qa.document_text("south/report.txt")
    assert "Boreas" in fresh_qa.ask("Which tug towed barges to Split?").text


def test_same_named_file_in_a_later_call_is_kept_apart(fresh_qa: ReportQA, tmp_path: Path) -> None:
    first = _write(tmp_path / "north" / "report.txt", FERRY)
    second = _write(tmp_path / "south" / "report.txt", TUG)
    assert fresh_qa.ingest([first]).added == ("report.txt",)
    result = fresh_qa.ingest([second])
    assert result.added == ("south/report.txt",) and not result.updated
    assert result.renamed[0].held_by.endswith("north/report.txt")
    assert sorted(fresh_qa.sources()) == sorted([SEED_SOURCE, "report.txt", "south/report.txt"])
    assert "Aurora" in fresh_qa.ask("Which ferry carried passengers to Hvar?").text

    # Re-ingesting either path updates its own report, under its own name.
    _write(first, FERRY.replace("96", "120"))
    _write(second, TUG.replace("3 barges", "7 barges"))
    assert fresh_qa.ingest([second]).updated == ("south/report.txt",)
    assert fresh_qa.ingest([first]).updated == ("report.txt",)
    assert "120 passengers" in fresh_qa.store.get_report("report.txt").text
    assert "7 barges" in fresh_qa.store.get_report("south/report.txt").text
    assert fresh_qa.ingest([first, second]).unchanged == ("report.txt", "south/report.txt")


def test_a_copy_of_an_indexed_report_is_that_report(fresh_qa: ReportQA, tmp_path: Path) -> None:
    """An identical file from elsewhere (an upload of a report already indexed) is no second copy."""
    first = _write(tmp_path / "north" / "report.txt", FERRY)
    copy = _write(tmp_path / "uploads" / "report.txt", FERRY)
    assert fresh_qa.ingest([first]).added == ("report.txt",)
    result = fresh_qa.ingest([copy])
    assert result.unchanged == ("report.txt",) and not result.added and not result.renamed
    assert sorted(fresh_qa.sources()) == sorted([SEED_SOURCE, "report.txt"])


def test_the_same_file_given_twice_is_ingested_once(fresh_qa: ReportQA, tmp_path: Path) -> None:
    path = _write(tmp_path / "in" / "report.txt", FERRY)
    result = fresh_qa.ingest([path.parent, path])
    assert result.added == ("report.txt",)
    assert [(s.path, s.reason) for s in result.skipped] == [(str(path), "the same file was given twice")]


def test_a_file_whose_every_path_suffix_is_taken_gets_a_number(tmp_path: Path) -> None:
    path = tmp_path / "a" / "report.txt"
    suffixes = [Path(*path.parts[-n:]).as_posix() for n in range(1, len(path.parts))]
    indexed = {name: f"/elsewhere/{i}" for i, name in enumerate(suffixes)}
    (named,) = assign_names([("report.txt", path)], indexed, [])
    assert (named.source, named.held_by) == ("report (2).txt", "/elsewhere/0")


def test_progress_is_reported_within_a_file(fresh_qa: ReportQA, tmp_path: Path) -> None:
    paragraphs = [f"Convoy {i} reached checkpoint {i * 7} at dawn on day {i}." for i in range(300)]
    path = _write(tmp_path / "in" / "long.txt", "\n\n".join(paragraphs))
    calls: list[tuple[float, int, str]] = []
    result = fresh_qa.ingest(
        [path], on_progress=lambda done, total, label: calls.append((done, total, label))
    )
    assert result.added == ("long.txt",)
    inside = [done for done, _, label in calls if "embedded" in label]
    assert len(inside) >= 3 and all(0 < d < 1 for d in inside[:-1]) and inside == sorted(inside)
    assert calls[-1][:2] == (1.0, 1) and {total for _, total, _ in calls} == {1}


def test_cancel_during_a_file_leaves_the_index_as_it_was(fresh_qa: ReportQA, tmp_path: Path) -> None:
    paragraphs = [f"Convoy {i} reached checkpoint {i * 7} at dawn on day {i}." for i in range(300)]
    big = _write(tmp_path / "in" / "a_long.txt", "\n\n".join(paragraphs))
    _write(tmp_path / "in" / "b_ferry.txt", FERRY)
    before = _state(fresh_qa)
    cancel = threading.Event()

    def on_progress(done: float, total: int, label: str) -> None:
        if "embedded" in label:  # cancel once the first embedding batches of a_long.txt are done
            cancel.set()

    result = fresh_qa.ingest([big.parent], on_progress=on_progress, cancel=cancel)
    assert result.cancelled and not result.added and "(cancelled)" in result.summary()
    assert [(Path(s.path).name, s.reason) for s in result.skipped] == [
        ("a_long.txt", "ingest cancelled"),
        ("b_ferry.txt", "ingest cancelled"),
    ]
    assert _state(fresh_qa) == before
    assert fresh_qa.ask("Which ferry carried passengers to Hvar?").abstained

    later = fresh_qa.ingest([big.parent])
    assert later.added == ("a_long.txt", "b_ferry.txt") and not later.cancelled
    assert "Aurora" in fresh_qa.ask("Which ferry carried passengers to Hvar?").text


def test_cancel_between_files_keeps_the_files_done(fresh_qa: ReportQA, tmp_path: Path) -> None:
    _write(tmp_path / "in" / "a_ferry.txt", FERRY)
    _write(tmp_path / "in" / "b_tug.txt", TUG)
    cancel = threading.Event()

    def on_progress(done: float, total: int, label: str) -> None:
        if label == "b_tug.txt":  # the second file starts
            cancel.set()

    result = fresh_qa.ingest([tmp_path / "in"], on_progress=on_progress, cancel=cancel)
    assert result.added == ("a_ferry.txt",) and result.cancelled
    assert "Aurora" in fresh_qa.ask("Which ferry carried passengers to Hvar?").text
    assert "b_tug.txt" not in fresh_qa.sources()


def test_folder_ingest_skips_links_that_leave_the_folder(fresh_qa: ReportQA, tmp_path: Path) -> None:
    """A link to a file outside (think /etc/passwd) and a link to an outside folder are skipped
    with a reason; a link to a file inside the folder is that file, indexed once."""
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "passwd").write_text("root:x:0:0:the vault code is 4417:/root:/bin/bash\n")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("The depot at Varna held 312 trucks.\n")
    (folder / "b-link.txt").symlink_to(folder / "a.txt")
    (folder / "passwd.txt").symlink_to(outside / "passwd")
    (folder / "elsewhere").symlink_to(outside, target_is_directory=True)
    report = fresh_qa.ingest([folder])
    assert report.added == ("a.txt",), report.summary()
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons == {
        "passwd.txt": "symbolic link to a file outside the folder, not followed",
        "elsewhere": "symbolic link to a folder outside the folder, not followed",
    }
    assert "4417" not in fresh_qa.ask("What is the vault code?").text
