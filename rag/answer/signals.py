"""Answer signals beyond ``rag.answer.features``, fitted on questions phrased the way users ask them.

Users name the topic of a report in their question ("When did the Abu al-Duhur air base
fall?"), while the sentence that answers often refers back to it ("It was captured ... on
9 September 2015."). The topic words then tell the report apart, not the sentence, and a
sentence that only repeats them (the report's opening summary) must not beat the one that
answers. The signals (:data:`rag.answer.features.SENTENCE_EXTRAS`, one column each):

- ``cov_rest``: the share (IDF-weighted) of the question's words that the sentence, with the
  sentence before it, covers, counting only words that are not the report's topic (its title's
  words);
- ``cov_local``, ``win_local``: the same share for the sentence alone and with the sentence before
  it, each word weighted by its IDF times how rare it is among the competing sentences (a word
  that most of them share, the topic, weighs nothing);
- ``win_dense``: how much closer the sentence comes to the question (cosine) when read with the
  sentence before it;
- ``anaphor_prev``: when the sentence opens by referring back ("It", "They", "The town"), how
  much of the question (IDF-weighted) the sentence before it covers, else 0;
- ``lead``: the report's first sentence (a summary of its topic);
- ``count_hit``, ``count_focus``: for a "how many/much" question, the sentence holds a number
  that is no date and not the question's, and such a number comes right before what the
  question counts ("13 Syrian officers"; :func:`rag.text.focus_words`);
- ``date_hit``: for a "when" question, the sentence holds a date the question does not: a
  calendar date, a year or a relative date ("next month", "on Tuesday").
- ``dense_local``: the cosine of the sentence and the question once the direction that all
  competing sentences share (their mean, the report's topic) is taken out of both: what the
  sentence says beyond the topic, close to what the question asks beyond it ("It was captured
  ... on 9 September 2015" for "When did the air base fall?", where ``s_dense`` prefers the
  sentences that name the base); ``win_dense_local``: how much that cosine moves when the sentence
  is read with the one before it (as ``win_dense``).

On the realistic sets these lift the cross-validated share of right answers (see
``benchmarks/fit_features/fit_answer_models.py``, figures in docs/evaluation.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer.features import SENTENCE_EXTRAS, SentenceRef, coverage
from rag.index.stats import idf
from rag.text import WORD, count_spans, date_spans, focus_words, question_type, refers_back, tokenize
from rag.types import Candidate

#: Tokens after a number that count as what it counts ("13 Syrian officers").
COUNTED_WINDOW = 3


@dataclass(frozen=True)
class _Question:
    """What the signals read from the question, computed once."""

    kind: str
    terms: list[str]
    weights: np.ndarray
    focus: frozenset[str]
    lower: str
    words: frozenset[str]


def _question(question: str, idf_tab: dict[str, float]) -> _Question:
    terms = list(dict.fromkeys(tokenize(question)))
    return _Question(
        kind=question_type(question),
        terms=terms,
        weights=np.array([idf(idf_tab, t) for t in terms]),
        focus=frozenset(focus_words(question)),
        lower=question.lower(),
        words=frozenset(w.lower() for w in WORD.findall(question)),
    )


def _windows(
    ranked: Sequence[Candidate], refs: Sequence[SentenceRef]
) -> tuple[list[set[str]], list[set[str]]]:
    """Each competing sentence's tokens and the tokens of the sentence before it."""
    own, prev = [], []
    for ref in refs:
        toks = ranked[ref.passage].sent_tokens
        own.append(set(toks[ref.sentence]))
        prev.append(set(toks[ref.sentence - 1]) if ref.sentence > 0 else set())
    return own, prev


def _topic_coverage(
    q: _Question,
    ranked: Sequence[Candidate],
    refs: Sequence[SentenceRef],
    own: Sequence[set[str]],
    prev: Sequence[set[str]],
) -> np.ndarray:
    """``cov_rest``, ``cov_local`` and ``win_local`` (see the module docstring)."""
    n = len(refs)
    df = np.array([sum(t in s for s in own) for t in q.terms], dtype=float)
    local = np.maximum(q.weights * np.log((n + 1) / (df + 0.5)), 0.0)
    out = np.zeros((n, 3))
    by_topic: dict[frozenset[str], tuple[list[str], np.ndarray]] = {}
    for row, ref in enumerate(refs):
        topic = ranked[ref.passage].title_tokens
        if topic not in by_topic:
            keep = [i for i, t in enumerate(q.terms) if t not in topic]
            by_topic[topic] = ([q.terms[i] for i in keep], q.weights[keep])
        rest, weights = by_topic[topic]
        window = own[row] | prev[row]
        out[row] = (
            coverage(rest, weights, window),
            coverage(q.terms, local, own[row]),
            coverage(q.terms, local, window),
        )
    return out


def _context(
    q: _Question,
    q_vec: np.ndarray,
    ranked: Sequence[Candidate],
    refs: Sequence[SentenceRef],
    prev: Sequence[set[str]],
) -> np.ndarray:
    """``win_dense``, ``anaphor_prev`` and ``lead``."""
    out = np.zeros((len(refs), 3))
    for row, ref in enumerate(refs):
        cand = ranked[ref.passage]
        if ref.sentence > 0:
            own = cand.sent_vecs[ref.sentence]
            both = own + cand.sent_vecs[ref.sentence - 1]
            norm = float(np.linalg.norm(both))
            out[row, 0] = (float(both @ q_vec) / norm if norm else 0.0) - float(own @ q_vec)
            if refers_back(cand.text[ref.start : ref.end]):
                out[row, 1] = coverage(q.terms, q.weights, prev[row])
        out[row, 2] = float(cand.chunk.ordinal == 0 and ref.sentence == 0)
    return out


def _kinds(q: _Question, ranked: Sequence[Candidate], refs: Sequence[SentenceRef]) -> np.ndarray:
    """``count_hit``, ``count_focus`` and ``date_hit``."""
    out = np.zeros((len(refs), 3))
    if q.kind not in ("number", "date"):
        return out
    for row, ref in enumerate(refs):
        text = ranked[ref.passage].text[ref.start : ref.end]
        if q.kind == "date":
            out[row, 2] = any(text[s:e].lower() not in q.lower for s, e in date_spans(text))
            continue
        counts = [(s, e) for s, e in count_spans(text) if text[s:e].lower() not in q.words]
        out[row, 0] = bool(counts)
        out[row, 1] = any(q.focus & set(tokenize(text[e:])[:COUNTED_WINDOW]) for _, e in counts)
    return out


def _dense_local(q_vec: np.ndarray, ranked: Sequence[Candidate], refs: Sequence[SentenceRef]) -> np.ndarray:
    """``dense_local`` and ``win_dense_local`` (see the module docstring)."""
    if not refs:
        return np.zeros((0, 2))
    vecs = np.stack([ranked[ref.passage].sent_vecs[ref.sentence] for ref in refs])
    prev = np.stack(
        [ranked[ref.passage].sent_vecs[ref.sentence - 1] if ref.sentence > 0 else 0 * q_vec for ref in refs]
    )
    topic = _unit(vecs.mean(axis=0))
    question = _unit(q_vec - float(q_vec @ topic) * topic)
    own = _residual_cosines(vecs, topic, question)
    return np.column_stack([own, _residual_cosines(vecs + prev, topic, question) - own])


def _residual_cosines(vecs: np.ndarray, topic: np.ndarray, question: np.ndarray) -> np.ndarray:
    """Cosines of ``question`` with the rows of ``vecs`` once their ``topic`` component is removed."""
    rest = vecs - np.outer(vecs @ topic, topic)
    norms = np.linalg.norm(rest, axis=1)
    return np.divide(rest @ question, norms, out=np.zeros(len(vecs)), where=norms > 1e-9)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-9 else vector


def sentence_extras(
    question: str,
    q_vec: np.ndarray,
    ranked: Sequence[Candidate],
    refs: Sequence[SentenceRef],
    idf_tab: dict[str, float],
) -> np.ndarray:
    """The extra sentence features (``len(refs)`` x ``len(SENTENCE_EXTRAS)``), in that order."""
    q = _question(question, idf_tab)
    own, prev = _windows(ranked, refs)
    out = np.hstack(
        [
            _topic_coverage(q, ranked, refs, own, prev),
            _context(q, q_vec, ranked, refs, prev),
            _kinds(q, ranked, refs),
            _dense_local(q_vec, ranked, refs),
        ]
    )
    return out.reshape(len(refs), len(SENTENCE_EXTRAS))
