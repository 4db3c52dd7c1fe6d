"""The phrasings ``rag.answer.intent`` recognises, and the near misses it must leave to the answerers."""

from __future__ import annotations

import pytest

from rag.answer.intent import Intent, compare_targets, intent, timeline_target, topic_target


@pytest.mark.parametrize(
    ("question", "target"),
    [
        ("Timeline of the siege of Abu al-Duhur", "the siege of Abu al-Duhur"),
        ("timeline", ""),
        ("Give me a timeline of the Voznesensk battles", "the Voznesensk battles"),
        ("What is the timeline of events?", "events"),
        ("Can you show me a chronology of the siege?", "the siege"),
        ("What happened when?", ""),
        ("what happened when in Voznesensk?", "Voznesensk"),
        ("When did what happen?", ""),
        ("List the events in chronological order", ""),
        ("list the key events of the siege in date order.", "the siege"),
        ("Ras al-Ayn timeline", "Ras al-Ayn"),
        ("What are the key dates of korea.txt?", "korea.txt"),
        ("sequence of events in Trostianets", "Trostianets"),
    ],
)
def test_timeline_requests_are_recognised_with_their_target(question: str, target: str) -> None:
    expected = "" if target == "events" else target
    assert timeline_target(question) == expected
    assert intent(question) == Intent("timeline", expected)


@pytest.mark.parametrize(
    "question",
    [
        "When did the army leave?",
        "When was the base captured?",
        "What happened on 9 September?",
        "What happened to the convoy?",
        "What time did the convoy leave?",
        "How long did the occupation last?",
        "Which events led to the withdrawal?",
        "Did the broadcasts begin on August 10?",
        "Who compared the rebels to bandits?",
        "How many more tanks than trucks were captured?",
        "What is the difference in turnout?",
        "How does homeopathy compare with a placebo, according to the report on the Sydney trial?",
        "Summarize the report",
        "Which reports mention Ariha?",
    ],
)
def test_near_misses_are_no_timeline_or_comparison(question: str) -> None:
    assert timeline_target(question) is None
    assert compare_targets(question) is None
    assert intent(question) is None or intent(question).kind in {"overview", "mention"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("question", "sides"),
    [
        ("Compare the accounts of the rebels and the army", ("rebels", "army")),
        ("compare report korea.txt and report asylum.txt", ("korea.txt", "asylum.txt")),
        ("Compare Trostianets with Voznesensk.", ("Trostianets", "Voznesensk")),
        (
            "Please compare and contrast the Trostianets report and the Voznesensk report",
            ("Trostianets", "Voznesensk"),
        ),
        ("What is the difference between Malaysia and Indonesia?", ("Malaysia", "Indonesia")),
        ("How do the SDF and the TFSA differ?", ("SDF", "TFSA")),
        ("compare what the rebels said and what the army said", ("rebels", "army")),
        ("Contrast Russia vs Ukraine", ("Russia", "Ukraine")),
    ],
)
def test_comparisons_are_recognised_with_their_two_sides(question: str, sides: tuple[str, str]) -> None:
    assert compare_targets(question) == sides
    assert intent(question) == Intent("compare", *sides)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What happened in Idlib province?", "Idlib province"),
        ("what happened at the Abu al-Duhur airbase", "the Abu al-Duhur airbase"),
        ("Tell me what happened in Voznesensk.", "Voznesensk"),
        ("What is happening in Hong Kong?", "Hong Kong"),
        ("What happened in the end?", None),
        ("What happened in response?", None),
        ("What happened to the convoy?", None),
        ("What happened on Tuesday?", None),
    ],
)
def test_topic_overviews_name_a_place_or_topic(question: str, topic: str | None) -> None:
    assert topic_target(question) == topic
    assert (intent(question) == Intent("topic", topic)) if topic else intent(question) is None
