"""Answerability signals of the quoted evidence, for the abstention confidence (``rag.features``).

The questions the reports cannot answer are of three kinds, and each leaves a trace in the
sentences the answerer would quote:

- a false premise names something the report never mentions ("Why did Turkey send ...": the
  cited report has no "Turkey") -> ``name_miss_rep``;
- a near miss borrows the fact from another report or passage ("How many Iranian experts were
  killed at Wadi Deif?": the Iranians are in a passage about another base) -> ``name_miss_win``
  (the question's names missing from a quoted sentence's passage) and ``split_reports`` (the
  quoted sentences come from different reports);
- a fact never given ("How many aircraft ...") leaves no number next to the question's words in
  the quote -> ``num_far``.

A question's *names* are its capitalised words after the first (of "Kurdish-led", "Kurdish")
and its words with a digit. A
name matches a report word sharing its first ``PREFIX`` letters (stemmed), or starting it, so
that "Russian" matches "Russia", "Iranian" "Iran" and "Qurayshi" "Quraysh". Pure functions
over the tokens computed at ingest.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet

import numpy as np

from rag.text import (
    CAPITAL,
    COUNT_WORDS,
    CURRENCY,
    MONEY_TOKENS,
    NUMBER,
    POPULATION,
    POPULATION_TOKENS,
    VAGUE_QUANTITIES,
    WORD,
    counted_before_verb,
    counted_thing,
    question_kinds,
    tokenize,
)
from rag.types import Candidate

#: The features :func:`answerability_features` returns, in order (names of the abstain model).
ANSWERABILITY_FEATURES = ("name_miss_rep", "name_miss_win", "num_far", "split_reports")
#: A question name matches an evidence word with the same first PREFIX letters (stems).
PREFIX = 5
#: A number counts as "next to" the counted thing within this many words.
NEAR_WORDS = 4


def question_names(question: str) -> list[tuple[str, ...]]:
    """The question's names as token tuples: capitalised words after the first, digit words."""
    found = [m.group(0).split("-")[0] for m in CAPITAL.finditer(question) if m.start() > 0]
    found += [w for w in WORD.findall(question) if any(ch.isdigit() for ch in w)]
    out = [tuple(tokenize(w)) for w in dict.fromkeys(w.lower() for w in found)]
    return [t for t in dict.fromkeys(out) if t]


@functools.lru_cache(maxsize=64)
def _prefixes(vocab: frozenset[str]) -> frozenset[str]:
    return frozenset(w[:PREFIX] for w in vocab)


def _known(name: tuple[str, ...], vocab: AbstractSet[str]) -> bool:
    """True when every token of ``name`` is in ``vocab``, shares its first PREFIX letters with a
    word of it, or starts with one of its words of PREFIX - 1 letters or more."""
    if all(t in vocab for t in name):
        return True
    prefixes = _prefixes(frozenset(vocab))
    return all(
        t in vocab
        or (len(t) >= PREFIX and t[:PREFIX] in prefixes)
        or any(t[:k] in vocab for k in range(PREFIX - 1, len(t)))  # "iran" in "iranian"
        for t in name
    )


def counted(question: str) -> str | None:
    """What a "how many" question counts: :func:`rag.text.counted_thing`, else the words between
    "how many" and a past-tense verb ("How many people drowned ..." -> "people")."""
    return counted_thing(question) or counted_before_verb(question)


def focus_words(question: str) -> list[str]:
    """Tokens of the counted thing of a "how many" question (:func:`counted`); all the question's
    content words when it has none."""
    return tokenize(counted(question) or "") or tokenize(question)


def number_far(question: str, sentence: str) -> bool:
    """A "how many" question whose quote has no new number (a vague "several" is none) within
    NEAR_WORDS of its counted thing."""
    if "number" not in question_kinds(question) and counted_thing(question) is None:
        return False
    thing = focus_words(question)
    if MONEY_TOKENS & set(thing) and CURRENCY.search(sentence):
        return False
    if POPULATION_TOKENS & set(thing) and POPULATION.search(sentence):
        return False
    q_words = {w.lower() for w in WORD.findall(question)}
    words = WORD.findall(sentence)
    if "time" in thing and COUNT_WORDS & {w.lower() for w in words}:
        return False
    numbers = [i for i, w in enumerate(words) if _counts(w.lower()) and w.lower() not in q_words]
    anchors = [i for i, w in enumerate(words) if any(_names_thing(t, thing) for t in tokenize(w))]
    return not any(abs(i - j) <= NEAR_WORDS for i in numbers for j in anchors)


def _counts(word: str) -> bool:
    """A number word that can answer "how many" (lower case)."""
    return word in COUNT_WORDS or (bool(NUMBER.fullmatch(word)) and word not in VAGUE_QUANTITIES)


def _names_thing(token: str, thing: Sequence[str]) -> bool:
    """``token`` shares its first PREFIX letters with a token of the counted thing, or starts
    with one of four letters or more ("rainfall" names "rain")."""
    return any(token[:PREFIX] == t[:PREFIX] or (len(t) >= 4 and token.startswith(t)) for t in thing)


def answerability_features(
    question: str,
    ranked: Sequence[Candidate],
    quoted: Sequence[tuple[int, int, int]],
    vocab_of: Callable[[int], AbstractSet[str]],
) -> np.ndarray:
    """:data:`ANSWERABILITY_FEATURES` of the sentences the answer quotes.

    ``quoted``: (passage index in ``ranked``, start, end) of each quoted sentence, best first;
    ``vocab_of``: the token set of a report (``Candidate.report``) of the collection.
    """
    if not quoted:
        return np.zeros(len(ANSWERABILITY_FEATURES))
    names = question_names(question)
    reports = list(dict.fromkeys(int(ranked[p].report) for p, _, _ in quoted))
    # one report (the usual case): its cached frozenset, not a copy of it per question
    report_words = vocab_of(reports[0]) if len(reports) == 1 else frozenset().union(*map(vocab_of, reports))
    miss_rep = sum(1 for n in names if not _known(n, report_words))
    miss_win = max(
        sum(1 for n in names if not _known(n, frozenset(ranked[p].tokens) | ranked[p].title_tokens))
        for p, _, _ in quoted
    )
    text = " ".join(ranked[p].text[s:e] for p, s, e in quoted)
    return np.array(
        [float(miss_rep), float(miss_win), float(number_far(question, text)), float(len(reports) - 1)]
    )
