"""Answerability signals of the quoted evidence, for the abstention confidence (``rag.answer.features``).

Two traces of a question the reports cannot answer are read in the sentences the answerer
would quote:

- a false premise names something the report never mentions ("Why did Turkey send ...": the
  cited report has no "Turkey") -> ``name_miss_rep``;
- a fact never given ("How many aircraft ...") leaves no number next to the question's words in
  the quote -> ``num_far``.

Two more were measured and fitted to no weight, and are gone: the question's names missing from
a quoted sentence's passage (a near miss borrowing the fact from another passage) and quotes
from different reports (the quotes now come from one report). The reader's "answers it" logit got
no weight either (its best span's score did): benchmarks/fit_features/README.md.

A question's *names* are its capitalised words after the first (of "Kurdish-led", "Kurdish")
and its words with a digit. A
name matches a report word sharing its first ``PREFIX`` letters (stemmed), or starting it, so
that "Russian" matches "Russia", "Iranian" "Iran" and "Qurayshi" "Quraysh". Pure functions
over the tokens computed at ingest.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from rag.answer.reader import SPAN_RANGE, Reading
from rag.text import (
    CAPITAL,
    COUNT_WORDS,
    CURRENCY,
    FULL_MONTH,
    MONEY_TOKENS,
    NUMBER,
    POPULATION,
    POPULATION_TOKENS,
    VAGUE_QUANTITIES,
    WORD,
    counted_before_verb,
    counted_thing,
    focus_words,
    question_kinds,
    tokenize,
)
from rag.types import Candidate

#: The features :func:`answerability_features` returns, in order.
EVIDENCE_FEATURES = ("name_miss_rep", "num_far")
#: The reader's verdict on the best quoted sentence: its best answer span's score
#: (``rag.answer.reader``; the reader reads it for the short answer anyway).
READER_FEATURES = ("reader_span",)
#: The signals :func:`signals_of` gives the confidence's answerability correction, in order.
ANSWERABILITY_FEATURES = (*EVIDENCE_FEATURES, *READER_FEATURES)
#: A question name matches an evidence word with the same first PREFIX letters (stems).
PREFIX = 5
#: A number counts as "next to" the counted thing within this many words.
NEAR_WORDS = 4


def question_names(question: str) -> list[tuple[str, ...]]:
    """The question's names as token tuples: capitalised words after the first, digit words."""
    return list(_named(question))


def _named(question: str) -> dict[tuple[str, ...], str]:
    """The question's names (token tuples, as :func:`question_names`), each with its wording."""
    found = [m.group(0).split("-")[0] for m in CAPITAL.finditer(question) if m.start() > 0]
    found += [w for w in WORD.findall(question) if any(ch.isdigit() for ch in w)]
    named: dict[tuple[str, ...], str] = {}
    for word in found:
        named.setdefault(tuple(tokenize(word)), word)
    named.pop((), None)
    return named


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


@dataclass(frozen=True)
class Evidence:
    """What the quoted sentences lack for the question: the confidence reads it as
    :data:`ANSWERABILITY_FEATURES` (:func:`signals_of`), a reader as :func:`gaps`."""

    missing_in_report: list[str]  # the question's names, as worded, that the quoted reports lack
    number_far: bool
    sources: list[str]  # the quoted reports, best first


def evidence_signals(found: Evidence | None) -> np.ndarray:
    """:data:`EVIDENCE_FEATURES` of ``found``, in order (zeros when nothing is quoted)."""
    if found is None:
        return np.zeros(len(EVIDENCE_FEATURES))
    return np.array([float(len(found.missing_in_report)), float(found.number_far)])


def signals_of(found: Evidence | None, reading: Reading | None) -> np.ndarray:
    """:data:`ANSWERABILITY_FEATURES`: the evidence's signals and the ``reading`` of the best quoted
    sentence (the lowest reader values when there is none)."""
    span = reading.clipped()[1] if reading is not None else SPAN_RANGE[0]
    return np.r_[evidence_signals(found), span]


def evidence(
    question: str,
    ranked: Sequence[Candidate],
    quoted: Sequence[tuple[int, int, int]],
    vocab_of: Callable[[int], AbstractSet[str]],
) -> Evidence | None:
    """What the quoted sentences lack for ``question``; None when nothing is quoted.

    ``quoted``: (passage index in ``ranked``, start, end) of each quoted sentence, best first;
    ``vocab_of``: the token set of a report (``Candidate.report``) of the collection.
    """
    if not quoted:
        return None
    named = _named(question)
    reports = list(dict.fromkeys(int(ranked[p].report) for p, _, _ in quoted))
    # one report (the usual case): its cached frozenset, not a copy of it per question
    report_words = vocab_of(reports[0]) if len(reports) == 1 else frozenset().union(*map(vocab_of, reports))
    text = " ".join(ranked[p].text[s:e] for p, s, e in quoted)
    return Evidence(
        missing_in_report=[w for n, w in named.items() if not _known(n, report_words)],
        number_far=number_far(question, text),
        sources=list(dict.fromkeys(ranked[p].chunk.source for p, _, _ in quoted)),
    )


def answerability_features(
    question: str,
    ranked: Sequence[Candidate],
    quoted: Sequence[tuple[int, int, int]],
    vocab_of: Callable[[int], AbstractSet[str]],
) -> np.ndarray:
    """:data:`EVIDENCE_FEATURES` of the sentences the answer quotes (arguments as
    :func:`evidence`; zeros when nothing is quoted)."""
    return evidence_signals(evidence(question, ranked, quoted, vocab_of))


def gaps(question: str, found: Evidence | None, cited: Collection[str] | None = None) -> tuple[str, ...]:
    """What the quoted sentences lack for ``question`` (``found``, from :func:`evidence`), in
    words a reader can check: a name of the question the quoted report never mentions (month
    names and one-letter words aside: a report may write dates in figures), no number for what
    a "how many" question counts, evidence split across reports.

    ``cited``: the reports the answer quotes in the end. Gaps speak only of them: none when
    nothing is cited, none when a cited report is not one ``found`` was read from."""
    if found is None or (cited is not None and (not cited or not set(cited) <= set(found.sources))):
        return ()
    sources = [s for s in found.sources if cited is None or s in cited]
    where = " or ".join(sources)
    names = _phrases(question, [n for n in found.missing_in_report if _worded(n)])
    out = [f"“{n}” appears nowhere in {where}." for n in names]
    if found.number_far:
        thing = counted_phrase(question)
        amount = "amount" if question.lower().startswith("how much") else "number"
        out.append(
            f"The quote gives no {amount} of {thing}." if thing else f"The quote gives no such {amount}."
        )
    if len(sources) > 1:
        out.append("The quoted sentences come from different reports.")
    return tuple(out)


#: A counted thing a gap can name: one to four plain words (no clause, no punctuation).
_PLAIN_THING = re.compile(r"[a-z][\w'’-]*(?: [\w'’-]+){0,3}")
#: Words that end a counted thing's noun phrase ("asylum claims were" -> "asylum claims"), or show
#: that the match ran into a clause ("troops withdrew and to where"): such a thing is not named.
_THING_END = frozenset(
    "did do does was were is are has have had will would can could may might should".split()
)
_CLAUSE_WORDS = frozenset("and or but to where when who what which why how that than if".split())


def counted_phrase(question: str) -> str:
    """What a "how many" question counts, as the question words it, when that is a short noun
    phrase ("How many Iranian experts were killed?" -> "Iranian experts"); '' when the words
    found run into a clause or punctuation ("How many troops withdrew and to where? What ...")."""
    for thing in (counted_thing(question), counted_before_verb(question)):
        words = (thing or "").split()
        while words and words[-1] in _THING_END:
            words.pop()
        phrase = " ".join(words)
        if phrase and _PLAIN_THING.fullmatch(phrase) and not _CLAUSE_WORDS & set(words):
            return _as_asked(phrase, question)
    return ""


_POSSESSIVE = re.compile(r"[’']s$")
#: A run of capitalised words ("White House", "Suella Braverman's").
_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*")


def _worded(name: str) -> bool:
    """A name worth telling a reader is missing: two letters or more, not a month."""
    return len(name) > 1 and not FULL_MONTH.fullmatch(name)


def _phrases(question: str, names: Sequence[str]) -> list[str]:
    """``names`` (words of ``question``, as :func:`_named` words them) as the question has them,
    neighbours joined ("White", "House" -> "White House"), possessives dropped ("CAIR")."""
    missing, out = set(names), []
    for run in _CAPITALISED_RUN.finditer(question):
        group: list[str] = []
        for word in [*run.group(0).split(), ""]:
            if (name := word.split("-")[0]) in missing:  # "Kurdish" of "Kurdish-led"
                group.append(word)
                missing.discard(name)
            elif group:
                out.append(_POSSESSIVE.sub("", " ".join(group)).rstrip("."))
                group = []
    out += [n for n in names if n in missing]  # numbers, words no run holds
    return list(dict.fromkeys(out))


def _as_asked(phrase: str, question: str) -> str:
    """``phrase`` as the question words it ("trostianets residents" -> "Trostianets residents")."""
    found = re.search(re.escape(phrase), question, re.IGNORECASE) if phrase else None
    return found.group(0) if found else phrase
