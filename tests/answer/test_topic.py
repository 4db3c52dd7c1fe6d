"""Topic overviews ("What happened in X?") and comparisons ("compare A and B") on a real index."""

from __future__ import annotations

import pytest

from rag.answer.brief import Briefer
from rag.answer.overview import Briefings
from rag.types import Answer
from tests.answer.test_timeline import DATED
from tests.conftest import index_of


@pytest.fixture(scope="module")
def briefings(tmp_path_factory: pytest.TempPathFactory) -> Briefings:
    index = index_of(DATED, tmp_path_factory, "topics")
    return Briefings(index, Briefer(index))


def _checked(answer: Answer | None) -> Answer:
    assert answer is not None and not answer.abstained
    for citation in answer.citations:
        assert DATED[citation.source][citation.start : citation.end] == citation.quote
        assert f"[{citation.marker}]" in answer.text
    assert [c.marker for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    return answer


def test_a_topic_overview_quotes_the_central_sentences_about_it_grouped_by_report(
    briefings: Briefings,
) -> None:
    answer = _checked(briefings.answer("What happened in Velmora?"))
    assert 3 <= len(answer.citations) <= 6
    assert all("Velmora" in c.quote for c in answer.citations)
    lines = answer.text.splitlines()
    assert lines[0] == "Velmora, in 2 reports:"
    headings = [line for line in lines[1:] if not line.startswith("  ")]
    assert sorted(headings) == ["sandvik.txt:", "storm.txt:"]
    assert "Nobody was hurt" not in answer.text and "Thursday, April 30" not in answer.text
    scoped = _checked(briefings.answer("What happened in Velmora?", sources=["sandvik.txt"]))
    assert {c.source for c in scoped.citations} == {"sandvik.txt"}


def test_a_topic_no_report_mentions_is_left_to_the_answerers(briefings: Briefings) -> None:
    assert briefings.answer("What happened in Atlantis?") is None


def test_compare_two_reports_quotes_each_under_its_name(briefings: Briefings) -> None:
    answer = _checked(briefings.answer("Compare report storm.txt and report sandvik.txt"))
    lines = answer.text.splitlines()
    assert lines[0] == "storm.txt:" and "sandvik.txt:" in lines
    split = lines.index("sandvik.txt:")
    first = {c.marker for c in answer.citations if c.source == "storm.txt"}
    assert all(int(line.rsplit("[", 1)[1].rstrip("]")) in first for line in lines[1:split])
    assert {c.source for c in answer.citations} == {"storm.txt", "sandvik.txt"}


def test_compare_two_topics_quotes_the_sentences_of_each_side(briefings: Briefings) -> None:
    answer = _checked(briefings.answer("Compare the accounts of the pier and the quay"))
    text = answer.text.split("\nquay:\n")
    assert text[0].startswith("pier:") and len(text) == 2
    assert all("pier" in line for line in text[0].splitlines()[2:])
    assert "quay" in text[1]
    half = _checked(briefings.answer("Compare the pier and the penguins"))
    assert half.text.endswith("penguins:\n  No report in scope mentions penguins.")
    none = briefings.answer("compare the penguins and the walruses")
    assert (
        none is not None
        and none.abstained
        and none.text == "No report in scope mentions penguins or walruses."
    )
