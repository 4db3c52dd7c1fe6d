"""How the chosen sentences become an answer's quotes: fields, lists and the sentence after.

The sentence scorer (``rag.answer.features``) rates sentences one by one; some answers are made of units
it does not see whole:

- **Fields.** A bulletin's block of ``Key: value`` lines ("Rating: EF2", "Start Time: 03:38 PM
  CST") answers with the line whose key the question names ("What rating ...", "At what time
  ... first ...": Start Time). The block's heading (".Tornado #1...Panola County") is quoted too
  when another block of the same report is among the passages (which event it is).
- **Lists.** A sentence that introduces a list ("... IN EFFECT FOR...", "these guidelines:") is
  quoted with its items (the best of them when they are many).
- **Quotations.** A sentence that opens a quotation is quoted up to the sentence that closes it
  ('"Cool clock, Ahmed.' is followed by 'Want to bring it to the White House? ..."').
- **Reasons.** To a "why" question, the sentence after the chosen one is added when it refers
  back to it ("SWELLS ... ARE EXPECTED TO CONTINUE ..." then "THESE SWELLS ... CAUSE ... RIP
  CURRENTS").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer.features import TWO_SENTENCE_MARGIN, TWO_SENTENCE_MAX_WORDS, SentenceRef
from rag.text import (
    WORD,
    asks_for_list,
    asks_two_things,
    asks_why,
    field_line,
    holds_kind,
    is_list_item,
    key_matches,
    opens_list,
    question_key_terms,
    question_kinds,
    quote_rest,
    refers_back,
)
from rag.types import Candidate, Sentence

#: Most words of list items quoted after their introduction.
LIST_MAX_WORDS = 120
#: Most words quoted after a sentence to finish the quotation it opens (a longer one is left open).
QUOTE_MAX_WORDS = 50


@dataclass(frozen=True)
class Unit:
    """One quoted span: which ranked passage, the sentence (or heading line) and its score."""

    passage: int
    sentence: Sentence
    score: float


def combine(
    question: str,
    ranked: Sequence[Candidate],
    refs: Sequence[SentenceRef],
    scores: np.ndarray,
    chosen: Sequence[int],
    max_sentences: int,
) -> list[Unit]:
    """The answer's units, in reading order, from the scorer's ``chosen`` indices into ``refs``."""
    score_of = {(r.passage, r.sentence): float(s) for r, s in zip(refs, scores)}
    passages = sorted({r.passage for r in refs})
    fields = field_units(question, ranked, passages, score_of, max_sentences)
    if fields:
        return fields
    chosen = more_sentences(question, refs, scores, ranked, chosen, max_sentences)
    units = [(refs[i].passage, refs[i].sentence) for i in chosen]
    units = _with_quotes(_with_lists(units, ranked, score_of), ranked)
    if asks_why(question) and len(units) < max_sentences and chosen:
        best = max(chosen, key=lambda i: float(scores[i]))
        units = _with_reason(units, ranked, (refs[best].passage, refs[best].sentence))
    return [
        Unit(p, ranked[p].chunk.sentences[s], score_of.get((p, s), 0.0))
        for p, s in reading_order(dict.fromkeys(units), ranked)
    ]


def reading_order(units: Iterable[tuple[int, int]], ranked: Sequence[Candidate]) -> list[tuple[int, int]]:
    """(passage, sentence) pairs in the order a reader meets them: by report (the best-ranked
    report first), then by place in the report (passages are ranked, not in report order)."""
    first: dict[str, int] = {}
    for p, candidate in enumerate(ranked):
        first.setdefault(candidate.chunk.source, p)

    def key(unit: tuple[int, int]) -> tuple[int, int]:
        p, s = unit
        return first[ranked[p].chunk.source], ranked[p].chunk.sentences[s].start

    return sorted(units, key=key)


# More sentences for lists and two-part questions --------------------------------------------------

#: Most sentences a list question's answer quotes ("Which towns ...": the names may be spread out).
LIST_SENTENCES = 4
#: How far below the best sentence's score a second part's sentence may be ("How many ..., and
#: where ...?" when no single sentence holds both).
TWO_PART_MARGIN = 2 * TWO_SENTENCE_MARGIN


def more_sentences(
    question: str,
    refs: Sequence[SentenceRef],
    scores: np.ndarray,
    ranked: Sequence[Candidate],
    chosen: Sequence[int],
    max_sentences: int,
) -> list[int]:
    """``chosen`` (indices into ``refs``) with the sentences a list or two-part question adds: up to
    ``LIST_SENTENCES`` within ``TWO_SENTENCE_MARGIN`` of the best for a list; the runner-up within
    ``TWO_PART_MARGIN`` for a question of two parts that the best sentence does not answer whole;
    in all at most ``TWO_SENTENCE_MAX_WORDS`` words."""
    if not chosen:
        return list(chosen)
    if asks_for_list(question):
        limit, margin = max(LIST_SENTENCES, max_sentences), TWO_SENTENCE_MARGIN
    elif asks_two_things(question) and max_sentences > 1 and not _holds_all(question, refs, scores, ranked):
        limit, margin = max_sentences, TWO_PART_MARGIN
    else:
        return list(chosen)
    picked = list(chosen)
    words = sum(_words(refs[i], ranked) for i in picked)
    best = float(scores.max())
    for i in np.argsort(-scores, kind="stable"):
        if len(picked) >= limit or best - float(scores[i]) > margin:
            break
        if int(i) not in picked and words + _words(refs[int(i)], ranked) <= TWO_SENTENCE_MAX_WORDS:
            picked.append(int(i))
            words += _words(refs[int(i)], ranked)
    return sorted(picked, key=lambda i: (refs[i].passage, refs[i].start))


def _holds_all(
    question: str, refs: Sequence[SentenceRef], scores: np.ndarray, ranked: Sequence[Candidate]
) -> bool:
    """Whether the best sentence holds every kind of thing a two-kind question asks for (a number
    and a place for "How many ..., and where ...?"); False when the kinds cannot tell."""
    kinds = question_kinds(question)
    if len(kinds) < 2:
        return False
    best = refs[int(np.argmax(scores))]
    text = ranked[best.passage].text[best.start : best.end]
    asked = {w.lower() for w in WORD.findall(question)}
    return all(holds_kind(kind, text, asked) for kind in kinds)


def _words(ref: SentenceRef, ranked: Sequence[Candidate]) -> int:
    return len(ranked[ref.passage].text[ref.start : ref.end].split())


# Fields ----------------------------------------------------------------------------------------


def field_units(
    question: str,
    ranked: Sequence[Candidate],
    passages: Sequence[int],
    score_of: dict[tuple[int, int], float],
    max_sentences: int,
) -> list[Unit]:
    """The field lines whose key the question names (``key_matches``; the best match first, then
    the best score), from the first passage of a field block that has one; [] when none does."""
    named, kind_keys = question_key_terms(question)
    blocks = [p for p in range(len(ranked)) if _field_count(ranked[p]) >= 2]
    for p in (p for p in passages if p in blocks):
        found: list[tuple[int, float, float, frozenset[str], int]] = []
        for s, sentence in enumerate(ranked[p].chunk.sentences):
            field = field_line(sentence.text)
            match = key_matches(field[0], named, kind_keys) if field else None
            if match is not None:
                found.append((len(match[0]), match[1], score_of.get((p, s), 0.0), match[0], s))
        if found:
            units = [Unit(p, ranked[p].chunk.sentences[s], score) for s, score in _one_per_part(found)]
            units = sorted(units[:max_sentences], key=_start)
            heading = _heading(ranked[p]) if _same_report_blocks(ranked, blocks, p) else None
            return [Unit(p, heading, 0.0), *units] if heading else units
    return []


def _one_per_part(found: list[tuple[int, float, float, frozenset[str], int]]) -> list[tuple[int, float]]:
    """(sentence, score) of the best match, then of each next best that names a question word the
    ones before do not ("How long and how wide": Path Length, then Path Width)."""
    picked: list[tuple[int, float]] = []
    covered: set[str] = set()
    for _, _, score, terms, s in sorted(found, key=lambda f: (-f[0], -f[1], -f[2])):
        if not picked or terms - covered:
            picked.append((s, score))
            covered |= terms
    return picked


def _start(unit: Unit) -> int:
    return unit.sentence.start


def _field_count(candidate: Candidate) -> int:
    return sum(field_line(s.text) is not None for s in candidate.chunk.sentences)


def _same_report_blocks(ranked: Sequence[Candidate], blocks: Sequence[int], p: int) -> bool:
    """Whether another passage with a field block comes from ``ranked[p]``'s report."""
    source = ranked[p].chunk.source
    return any(q != p and ranked[q].chunk.source == source for q in blocks)


def _heading(candidate: Candidate) -> Sentence | None:
    """The last heading line of a passage (text before its first sentence), if it has one."""
    chunk = candidate.chunk
    if not chunk.sentences:
        return None
    before = chunk.text[: chunk.sentences[0].start - chunk.start]
    lines = [line for line in before.split("\n") if line.strip()]
    if not lines:
        return None
    line = lines[-1].strip()
    start = chunk.start + before.rfind(line)
    return Sentence(start=start, end=start + len(line), text=line)


# Lists and reasons -----------------------------------------------------------------------------


def _with_lists(
    units: list[tuple[int, int]], ranked: Sequence[Candidate], score_of: dict[tuple[int, int], float]
) -> list[tuple[int, int]]:
    """The first of ``units`` that introduces a list, with its items (the best of them within
    ``LIST_MAX_WORDS``): the list is the answer. ``units`` as they are if none does."""
    for p, s in units:
        sentences = ranked[p].chunk.sentences
        items = list_items(sentences, s) if opens_list(sentences[s].text) else []
        if not items:
            continue
        kept: list[int] = []
        used = 0
        for i in sorted(items, key=lambda i: -score_of.get((p, i), 0.0)):
            words = len(sentences[i].text.split())
            if used + words <= LIST_MAX_WORDS:
                kept.append(i)
                used += words
        return [(p, s), *((p, i) for i in kept)]
    return units


def list_items(sentences: Sequence[Sentence], intro: int) -> list[int]:
    """Indices of the sentences that make up the list ``sentences[intro]`` introduces: from the
    next sentence (a list item) to the last item that follows, its continuations included."""
    if intro + 1 >= len(sentences) or not is_list_item(sentences[intro + 1].text):
        return []
    last = max(i for i in range(intro + 1, len(sentences)) if is_list_item(sentences[i].text))
    return list(range(intro + 1, last + 1))


def _with_quotes(units: list[tuple[int, int]], ranked: Sequence[Candidate]) -> list[tuple[int, int]]:
    """``units`` with the sentences that finish a quotation one of them leaves open."""
    out = list(units)
    for p, s in units:
        texts = [sentence.text for sentence in ranked[p].chunk.sentences]
        rest = range(s + 1, s + 1 + quote_rest(texts, s))
        if sum(len(texts[i].split()) for i in rest) <= QUOTE_MAX_WORDS:
            out += [(p, i) for i in rest if (p, i) not in out]
    return out


def _with_reason(
    units: list[tuple[int, int]], ranked: Sequence[Candidate], best: tuple[int, int]
) -> list[tuple[int, int]]:
    """``units`` with the sentence after ``best``, when that sentence refers back to it."""
    p, s = best
    sentences = ranked[p].chunk.sentences
    if s + 1 < len(sentences) and (p, s + 1) not in units and refers_back(sentences[s + 1].text):
        return [*units, (p, s + 1)]
    return units
