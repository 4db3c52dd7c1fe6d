"""Overview questions and "which reports mention X?" in ``ReportQA.ask``/``stream``, on real indexes."""

from __future__ import annotations

import pytest

from rag import ABSTAIN_TEXT, ReportQA
from rag.answer.across import phrase_pattern
from rag.answer.brief import Briefer
from rag.answer.intent import mention_target, overview_target
from rag.answer.overview import Briefings
from rag.types import Answer
from tests.conftest import SEED_SOURCE


@pytest.mark.parametrize(
    ("question", "target"),
    [
        ("Summarize the report", ""),
        ("summarise this report.", ""),
        ("Please summarize the reports", ""),
        ("Can you give me a summary of the harbour report?", "harbour"),
        ("Summarize harbour.txt", "harbour.txt"),
        ("What is this report about?", ""),
        ("what's the bridge report about", "bridge"),
        ("Main points of the report on the bridge collapse", "bridge collapse"),
        ("What are the key points of bridge.txt?", "bridge.txt"),
        ("Brief me on the harbour closure", "harbour closure"),
        ("Give me an overview", ""),
        ("tl;dr", ""),
    ],
)
def test_overview_questions_are_recognised_with_their_target(question: str, target: str) -> None:
    assert overview_target(question) == target


@pytest.mark.parametrize(
    "question",
    [
        "How many troops withdrew and to where?",
        "What happened to the convoy?",
        "Who summarized the findings of the inquiry?",
        "What is Ariha about 40 km from?",
        "What was the main point of the speech?",
        "Which reports mention Ariha?",
    ],
)
def test_other_questions_are_no_overview(question: str) -> None:
    assert overview_target(question) is None


def test_which_reports_questions_give_their_term() -> None:
    assert mention_target("Which reports mention al-Nusra?") == "al-Nusra"
    assert mention_target("what documents talk about the Red Sea") == "the Red Sea"
    assert mention_target("Which report mentions 'Ariha'?") == "Ariha"
    assert mention_target("Which troops withdrew?") is None


def test_phrase_pattern_takes_spaces_hyphens_plurals_and_word_bounds() -> None:
    pattern = phrase_pattern("the al-Nusra front")
    assert pattern is not None
    assert pattern.search("fighters of the Al Nusra Front said")
    assert not pattern.search("the al-Nusra frontier")
    tank = phrase_pattern("tank")
    assert tank is not None and tank.search("seven tanks") and not tank.search("tanker")
    tanks = phrase_pattern("tanks")
    assert tanks is not None and tanks.search("the 11th Tank Division") and tanks.search("tanks")
    assert phrase_pattern("  ?? ") is None
    nations = phrase_pattern("the United Nations")
    assert nations is not None and nations.search("UN agencies") and nations.search("the U.N. headquarters")
    assert not nations.search("Kim Jong-un said") and not nations.search("an un-named source")
    russia = phrase_pattern("Russia")
    assert russia is not None and russia.search("Russian troops") and not russia.search("Russianness")


def _check(qa_text: str, answer: Answer) -> None:
    for citation in answer.citations:
        assert qa_text[citation.start : citation.end] == citation.quote
        assert f"[{citation.marker}]" in answer.text


def test_summarize_the_report_answers_with_the_brief(seeded_qa: ReportQA) -> None:
    answer = seeded_qa.ask("Summarize the report.")
    brief = seeded_qa.brief(SEED_SOURCE, entities=False)
    assert not answer.abstained and answer.support == "answered"
    assert answer.text == brief.text and answer.citations == brief.citations
    _check(seeded_qa.document_text(SEED_SOURCE), answer)
    assert {p.passage_id for p in answer.passages} == {c.passage_id for c in answer.citations}
    assert seeded_qa.ask("What is this report about?").text == brief.text


def test_stream_yields_the_overview_text_then_the_answer(seeded_qa: ReportQA) -> None:
    pieces = list(seeded_qa.stream("Summarize the report", sources=[SEED_SOURCE]))
    assert isinstance(pieces[-1], Answer) and pieces[:-1] == [pieces[-1].text]


def test_which_reports_cites_the_first_mentioning_sentence_once(seeded_qa: ReportQA) -> None:
    answer = seeded_qa.ask("Which reports mention Ariha?")
    assert not answer.abstained and len(answer.citations) == 1
    citation = answer.citations[0]
    assert citation.source == SEED_SOURCE
    assert citation.quote.startswith("The estimated 400 men withdrew")
    assert answer.text.startswith("1 report mentions Ariha:\n" + SEED_SOURCE + ": The estimated")
    _check(seeded_qa.document_text(SEED_SOURCE), answer)


def test_which_reports_with_no_match_abstains(seeded_qa: ReportQA) -> None:
    answer = seeded_qa.ask("Which reports mention penguins?")
    assert answer.abstained and answer.text == "No report in scope mentions penguins."
    assert not answer.citations and answer.text != ABSTAIN_TEXT


@pytest.fixture(scope="module")
def briefings(tiny_index) -> Briefings:
    return Briefings(tiny_index, Briefer(tiny_index))


def test_which_reports_is_exhaustive_and_kept_to_the_scope(briefings: Briefings) -> None:
    water = briefings.answer("Which reports mention the water?")
    assert water is not None and [c.source for c in water.citations] == ["bridge.txt"]
    both = briefings.answer("Which reports mention were?")  # "workers were sent", "people were rescued"
    assert both is not None and [c.source for c in both.citations] == ["bridge.txt", "harbour.txt"]
    assert [c.quote.split()[0] for c in both.citations] == ["Two", "About"]
    phrase = briefings.answer("Which reports mention Tuesday or dock?")  # one phrase, found nowhere
    assert phrase is not None and phrase.abstained
    in_scope = briefings.answer("Which reports mention the river Aln?", sources=["harbour.txt"])
    assert in_scope is not None and in_scope.text == "No report in scope mentions the river Aln."


def test_a_named_report_or_the_best_matching_one_is_summarized(briefings: Briefings) -> None:
    named = briefings.answer("Summarize harbour.txt")
    assert named is not None and {c.source for c in named.citations} == {"harbour.txt"}
    matched = briefings.answer("Summarize the report on the bridge collapse")
    assert matched is not None and {c.source for c in matched.citations} == {"bridge.txt"}
    stem = briefings.answer("What is the harbour report about?")
    assert stem is not None and {c.source for c in stem.citations} == {"harbour.txt"}


def test_summarize_with_several_reports_quotes_each_once(briefings: Briefings) -> None:
    answer = briefings.answer("Summarize the reports")
    assert answer is not None and not answer.abstained
    assert [c.source for c in answer.citations] == ["bridge.txt", "harbour.txt"]
    assert answer.text.splitlines()[0].startswith("bridge.txt: ")
    scoped = briefings.answer("Summarize the report", sources=["bridge.txt"])
    assert scoped is not None and {c.source for c in scoped.citations} == {"bridge.txt"}
