"""An answer whose quoted passage lacks a name or figure of the question is never "answered"
(near-identical reports: depot 121's question quoting depot 91's count)."""

from __future__ import annotations

from pathlib import Path

from rag import ReportQA

DEPOTS = {
    f"depot_{n}.txt": (
        f"Depot {n} inspection\n\n"
        f"Inspectors counted {trucks} trucks and {n % 7 + 2} fuel tankers at the depot on Monday. "
        "The perimeter fence had been repaired since the last visit.\n\n"
        f"The inspection of depot {n} was led by the regional logistics office.\n"
    )
    for n, trucks in ((91, 40), (121, 55), (133, 61))
}


def _depots(tmp_path: Path) -> Path:
    folder = tmp_path / "depots"
    folder.mkdir()
    for name, text in DEPOTS.items():
        (folder / name).write_text(text)
    ReportQA(index_dir=tmp_path / "index").ingest([folder])
    return tmp_path / "index"


def test_a_figure_of_the_question_missing_from_the_quoted_passage_is_not_answered(tmp_path: Path) -> None:
    # The coverage scorer alone quotes a second depot's count beside depot 121's: its passage
    # lacks "121", so the answer is not "answered" (every answer would be at threshold 0).
    qa = ReportQA(index_dir=_depots(tmp_path), answer_threshold=0.0, reader=False)
    answer = qa.ask("How many trucks did the inspectors count at depot 121?")
    assert answer.support != "answered", answer.text
    if not answer.abstained:
        assert any("121" in gap for gap in answer.gaps)


def test_the_reader_quotes_the_depot_the_question_names(tmp_path: Path) -> None:
    qa = ReportQA(index_dir=_depots(tmp_path), answer_threshold=0.0)
    for depot, trucks in ((121, "55"), (91, "40"), (133, "61")):
        answer = qa.ask(f"How many trucks did the inspectors count at depot {depot}?")
        assert {c.source for c in answer.citations} == {f"depot_{depot}.txt"}, answer.text
        assert f"{trucks} trucks" in answer.text
