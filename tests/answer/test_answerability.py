"""Answerability signals of the quoted evidence: names the report never uses, a number away from
the counted thing."""

from __future__ import annotations

import numpy as np

from rag.answer import answerability
from rag.text import counted_thing, focus_words, tokenize
from rag.types import Candidate
from tests.candidates import candidate_of, chunk_of

WADI = "Rebels stormed the Wadi Deif base in December. Two tanks were captured at Wadi Deif."
ABU = "An An-26 crashed at Abu al-Duhur. There were 35 people on board, 5 Iranian military experts."


def _candidate(text: str, report: int) -> Candidate:
    chunk = chunk_of(text, source=f"r{report}.txt", passage_id=f"p{report}")
    return candidate_of(chunk, np.zeros((len(chunk.sentences), 2)), report=report)


def _features(question: str, quoted: list[tuple[int, int]]) -> dict[str, float]:
    ranked = [_candidate(WADI, 0), _candidate(ABU, 1)]
    vocabs = {0: frozenset(tokenize(WADI)), 1: frozenset(tokenize(ABU))}
    spans = [(p, *ranked[p].sent_spans[s]) for p, s in quoted]
    values = answerability.answerability_features(question, ranked, spans, vocabs.__getitem__)
    return dict(zip(answerability.EVIDENCE_FEATURES, values.tolist(), strict=True))


def test_question_names_are_capitalised_words_after_the_first_and_numbers() -> None:
    names = answerability.question_names("Why did Turkey send 400 men to Wadi Deif in 2014?")
    assert names == [("turkey",), ("wadi",), ("deif",), ("400",), ("2014",)]


def test_a_name_the_cited_report_never_uses_is_counted_and_a_demonym_matches_its_country() -> None:
    assert _features("Why did Turkey reinforce Wadi Deif?", [(0, 0)])["name_miss_rep"] == 1.0
    assert answerability._known(("iranian",), frozenset(tokenize("Iran said")))  # shares the first letters


def test_names_the_quoted_report_uses_and_numbers_next_to_the_counted_thing_leave_no_trace() -> None:
    found = _features("How many tanks were captured at Wadi Deif?", [(0, 1)])
    assert found == {"name_miss_rep": 0.0, "num_far": 0.0}
    missing = _features("How many Iranian military experts were killed at Wadi Deif?", [(0, 1)])
    assert missing == {"name_miss_rep": 1.0, "num_far": 1.0}  # no "Iranian", no count of experts


def test_a_number_far_from_the_counted_thing_does_not_answer_how_many() -> None:
    assert focus_words("How many Iranian experts were killed?") == ["iranian", "expert"]
    assert not answerability.number_far("How many tanks were captured?", "Two tanks were captured.")
    assert answerability.number_far(
        "How many aircraft were at the base?", "In all 400 men held the base with aircraft."
    )
    assert answerability.number_far("How many aircraft were there?", "No figure is given.")
    assert not answerability.number_far("Who led the attack?", "No figure is given.")


def test_the_counted_thing_of_a_question() -> None:
    assert counted_thing("How many votes did Claudia Mo get?") == "votes"
    assert counted_thing("What was the population of Trostianets in 2022?") == "population"
    assert counted_thing("What share of asylum claims does the UK accept?") == "asylum claims does"
    assert counted_thing("Who led the attack?") is None
    assert answerability.number_far("What was the population of Ariha?", "Ariha lies 10 km south.")


def test_how_many_without_an_auxiliary_counts_the_words_before_the_verb() -> None:
    assert counted_thing("How many people drowned when the boat sank off Aceh?") == "people"
    assert counted_thing("How many men died in total?") == "men"
    assert counted_thing("How many votes did Claudia Mo get?") == "votes"  # with an auxiliary
    assert counted_thing("Who led the attack?") is None
    rescued = "Fishermen rescued over 700 asylum seekers whose boat sank off Aceh."
    assert answerability.number_far("How many people drowned when the boat sank off Aceh?", rescued)
    lost = rescued.replace("rescued", "lost")
    assert not answerability.number_far("How many asylum seekers drowned?", lost)


def test_a_vague_quantity_does_not_answer_how_many() -> None:
    question = "How many soldiers died when the APC fired on the base?"
    assert answerability.number_far(question, "The APC fired at the base, killing several soldiers.")
    assert not answerability.number_far(question, "The APC fired at the base, killing 12 soldiers.")
    assert not answerability.number_far(question, "The APC fired at the base, killing dozens of soldiers.")


def test_money_times_and_word_starts_answer_how_many() -> None:
    assert not answerability.number_far(
        "How much money did FEMA offer?", "It made over $4.6 billion available."
    )
    assert answerability.number_far("How much money did FEMA offer?", "It was offered to 40 states.")
    assert not answerability.number_far("How many times was it sent back?", "It was turned around twice.")
    assert not answerability.number_far("How much rain is expected?", "RAINFALL OF 2 TO 4 INCHES IS EXPECTED")


def test_a_hyphenated_name_is_its_capitalised_part() -> None:
    assert answerability.question_names("How did the Kurdish-led forces hold?") == [("kurdish",)]


def test_no_quote_gives_zero_signals() -> None:
    assert _features("Who?", []) == dict.fromkeys(answerability.EVIDENCE_FEATURES, 0.0)


def test_a_place_of_some_size_or_its_inhabitants_answer_a_population_question() -> None:
    question = "What is the population of Ariha?"
    assert not answerability.number_far(question, "The men withdrew to nearby Ariha, a town of 70,000.")
    assert not answerability.number_far(question, "Ariha has about 19,000 inhabitants.")
    assert answerability.number_far(question, "About 400 men withdrew to Ariha.")


def _gaps(question: str, quoted: list[tuple[int, int]]) -> tuple[str, ...]:
    ranked = [_candidate(WADI, 0), _candidate(ABU, 1)]
    vocabs = {0: frozenset(tokenize(WADI)), 1: frozenset(tokenize(ABU))}
    spans = [(p, *ranked[p].sent_spans[s]) for p, s in quoted]
    return answerability.gaps(question, answerability.evidence(question, ranked, spans, vocabs.__getitem__))


def test_gaps_say_what_the_evidence_lacks_in_the_questions_words() -> None:
    assert _gaps("Why did the White House's envoy reinforce Wadi Deif in 2014?", [(0, 0)]) == (
        "“White House” appears nowhere in r0.txt.",
        "“2014” appears nowhere in r0.txt.",
    )
    assert _gaps("How many Russian helicopters were captured at Wadi Deif?", [(0, 1)]) == (
        "“Russian” appears nowhere in r0.txt.",
        "The quote gives no number of Russian helicopters.",
    )
    assert _gaps("How many tanks were captured at Wadi Deif in December?", [(0, 1)]) == ()
    assert _gaps("How many Iranian experts were on board at Wadi Deif?", [(0, 1), (1, 1)]) == (
        "The quoted sentences come from different reports.",
    )


def test_gaps_never_paste_a_clause_of_the_question_into_the_template() -> None:
    """Issue 25: "The quote gives no number of troops withdrew and to where? What." is gone."""
    question = "How many troops withdrew and to where? What did they take?"
    assert answerability.counted_phrase(question) == ""
    assert answerability.counted_phrase("How many Iranian experts were killed?") == "Iranian experts"
    assert answerability.counted_phrase("What share of asylum claims were approved?") == "asylum claims"
    found = answerability.Evidence([], number_far=True, sources=["r0.txt"])
    assert answerability.gaps(question, found) == ("The quote gives no such number.",)


def test_gaps_speak_only_of_the_cited_reports() -> None:
    question = "Why did the White House's envoy reinforce Wadi Deif in 2014?"
    found = answerability.Evidence(["2014"], number_far=False, sources=["r0.txt", "r1.txt"])
    assert answerability.gaps(question, found, cited=set()) == ()  # nothing quoted: no gap
    assert answerability.gaps(question, found, cited={"r9.txt"}) == ()  # read from other reports
    assert answerability.gaps(question, found, cited={"r1.txt"}) == ("“2014” appears nowhere in r1.txt.",)
    both = answerability.gaps(question, found, cited={"r0.txt", "r1.txt"})
    assert both[-1] == "The quoted sentences come from different reports."


def test_a_month_or_a_single_letter_is_never_reported_missing() -> None:
    assert _gaps("What happened at Wadi Deif in March, per U.S. officials?", [(0, 0)]) == ()
