"""Timelines ("timeline of X", "what happened when") over a real index of two dated reports."""

from __future__ import annotations

import pytest

from rag.answer.brief import Briefer
from rag.answer.overview import Briefings
from rag.types import Answer
from tests.conftest import index_of

DATED = {
    "storm.txt": (
        "Storm closes Velmora harbour\n\n"
        "Thursday, April 30, 2015\n\n"
        "The harbour of Velmora reopened yesterday after repairs to the northern pier.\n\n"
        "The storm reached Velmora on Tuesday and flooded the lower town overnight.\n\n"
        "The pier had first been damaged on 3 March 2015 by a smaller storm.\n\n"
        "Ferries will return to Velmora on Monday, the harbour master said.\n\n"
        "Last week the Velmora council voted to raise the sea wall by two metres.\n\n"
        "Nobody was hurt, the police said."
    ),
    "sandvik.txt": (
        "Sandvik takes the ferries\n\n"
        "On 12 April 2015, ferries began docking at Sandvik instead of Velmora for the season. "
        "The Sandvik quay was built by the council in 1962 and widened in 1990 for larger boats."
    ),
}


@pytest.fixture(scope="module")
def briefings(tmp_path_factory: pytest.TempPathFactory) -> Briefings:
    index = index_of(DATED, tmp_path_factory, "dated")
    return Briefings(index, Briefer(index))


def _lines(answer: Answer | None) -> list[str]:
    assert answer is not None and not answer.abstained
    for citation in answer.citations:
        assert DATED[citation.source][citation.start : citation.end] == citation.quote
        assert f"[{citation.marker}]" in answer.text
    return answer.text.splitlines()


def test_a_report_timeline_lists_its_dated_sentences_in_date_order(briefings: Briefings) -> None:
    answer = briefings.answer("Timeline of storm.txt")
    lines = _lines(answer)
    assert lines[0] == "Timeline of storm.txt, in date order:"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "3 March 2015",
        "Last week (week of 2015-04-20)",
        "Tuesday (2015-04-28)",
        "yesterday (2015-04-29)",
        "Monday (2015-05-04)",  # "will return": the Monday after the issue date
    ]
    assert answer is not None and len(answer.citations) == 5
    assert "Nobody was hurt" not in answer.text and "Thursday, April 30" not in answer.text


def test_a_topic_timeline_runs_across_reports_and_names_them(briefings: Briefings) -> None:
    lines = _lines(briefings.answer("What happened when in Velmora?"))
    assert lines[1].startswith("1962 (sandvik.txt): The Sandvik quay was built")
    assert lines[3].startswith("12 April 2015 (sandvik.txt): On 12 April 2015, ferries")
    assert lines[-1].startswith("Monday (2015-05-04) (storm.txt): Ferries will return")
    scoped = _lines(briefings.answer("Timeline of Velmora", sources=["storm.txt"]))
    assert len(scoped) == 6 and "sandvik.txt" not in "\n".join(scoped)


def test_a_timeline_of_nothing_in_scope_abstains(briefings: Briefings) -> None:
    answer = briefings.answer("Timeline of the penguins")
    assert answer is not None and answer.abstained
    assert answer.text == "No report in scope mentions the penguins." and not answer.citations


def test_a_factual_when_question_is_not_taken_as_a_timeline(briefings: Briefings) -> None:
    assert briefings.answer("When did the harbour reopen?") is None


def test_a_year_the_report_never_gives_its_date_is_shown_as_assumed(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # No date line, and the only year comes later, in the backstory: the timeline must not
    # present "March 28" as a fact of 2011.
    undated = {
        "quay.txt": (
            "Rebels take the quay\n\n"
            "Rebels took the Sandvik quay on March 28 after a week of fighting.\n\n"
            "The quay had been seized by the army in 2011, early in the unrest."
        )
    }
    index = index_of(undated, tmp_path_factory, "undated")
    answer = Briefings(index, Briefer(index)).answer("Timeline of quay.txt")
    assert answer is not None and not answer.abstained
    lines = answer.text.splitlines()
    assert lines[1].startswith("2011: The quay had been seized"), lines
    assert lines[2].startswith("March 28 (2011-03-28, year assumed): Rebels took the Sandvik quay"), lines
