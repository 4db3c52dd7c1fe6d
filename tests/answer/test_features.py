"""The answer stage's pure rules: two-sentence choice and the unsupported-number guard."""

from __future__ import annotations

import numpy as np
import pytest

from rag.answer import features
from rag.answer.features import SentenceRef


def _refs(*lengths: int) -> tuple[list[SentenceRef], list[str]]:
    """One passage whose sentences have the given word counts."""
    sentences = [" ".join(["w"] * n) + "." for n in lengths]
    text = " ".join(sentences)
    refs, start = [], 0
    for i, sentence in enumerate(sentences):
        refs.append(SentenceRef(0, i, start, start + len(sentence)))
        start += len(sentence) + 1
    return refs, [text]


def test_runner_up_within_the_margin_joins_the_answer_in_reading_order() -> None:
    refs, texts = _refs(20, 20, 20)
    scores = np.array([1.0, 5.0, 5.0 - features.TWO_SENTENCE_MARGIN / 2])
    assert features.choose_sentences(refs, scores, texts) == [1, 2]


def test_runner_up_beyond_the_margin_stays_out() -> None:
    refs, texts = _refs(20, 20)
    scores = np.array([5.0, 5.0 - features.TWO_SENTENCE_MARGIN - 0.1])
    assert features.choose_sentences(refs, scores, texts) == [0]


def test_two_sentences_over_the_word_cap_give_the_best_one_alone() -> None:
    refs, texts = _refs(features.TWO_SENTENCE_MAX_WORDS, 10)
    assert features.choose_sentences(refs, np.array([5.0, 4.9]), texts) == [0]


def test_the_runner_up_margin_shrinks_as_the_best_sentence_holds_the_question_words() -> None:
    question = "When did the garrison of Fort Arden surrender?"
    none = features.runner_up_margin(question, "It fell in the autumn.")
    some = features.runner_up_margin(question, "The garrison of Fort Arden held out.")
    every = features.runner_up_margin(question, "The garrison of Fort Arden surrendered in May.")
    assert none == features.TWO_SENTENCE_MARGIN > some > every
    assert every == pytest.approx(features.TWO_SENTENCE_MARGIN - features.RUNNER_UP_SHRINK * 0.7)


def test_a_runner_up_within_the_margin_stays_out_when_the_best_holds_the_whole_question() -> None:
    refs, texts = _refs(20, 20)
    scores = np.array([5.0, 5.0 - features.TWO_SENTENCE_MARGIN / 2])
    assert features.choose_sentences(refs, scores, texts, question="w") == [0]
    assert features.choose_sentences(refs, scores, texts, question="x") == [0, 1]


def test_numbers_of_the_question_that_the_report_never_uses() -> None:
    vocab = set(features.tokenize("In 2011 at least 11 civilians of 70,000 died."))
    assert features.unsupported_numbers("How many died in Ariha in 2015?", vocab) == ["2015"]
    assert features.unsupported_numbers("What happened in 2011 to 70,000 people?", vocab) == []
    assert features.unsupported_numbers("How many died?", vocab) == []
    assert features.unsupported_numbers("In 2015?", None) == []


def test_an_unsupported_number_zeroes_the_confidence() -> None:
    signals = np.zeros(len(features.ABSTAIN_FEATURES))
    vocab = {"2011"}
    assert features.guarded_confidence(signals, "Who won in 2015?", vocab) == 0.0
    assert features.guarded_confidence(signals, "Who won in 2011?", vocab) == features.confidence(signals)
    assert 0.0 < features.confidence(signals) < 1.0


def test_the_answerability_correction_lowers_the_confidence_of_a_quote_missing_the_questions_names() -> None:
    signals = np.zeros(len(features.ABSTAIN_FEATURES))
    base = features.confidence(signals)
    correction = features.models.LinearModel(
        features.ANSWERABILITY_MODEL,
        np.array([1.0, -1.0, 0.0, 0.0]),
        0.0,
        features.ANSWERABILITY.signs,
    )
    clean = np.zeros(len(features.ANSWERABILITY_FEATURES))
    missing = np.array([1.0, 0.0, 0.0])
    assert features.confidence(signals, answerability=clean, correction=correction) == base
    assert features.confidence(signals, answerability=missing, correction=correction) < base
