"""Scoring features: passage rerank, extractive sentence choice and abstention (pure functions).

Fitted on SQuAD 2.0 dev (10 articles cut by rag.read.chunk into 454 passages, 3,708 questions;
sentences labelled with the harness's word-aligned containment) with leave-articles-out
cross-validation; the weights (``rag/models/answer_models.json``, loaded and checked by
``rag.models``) are pairwise / plain logistic regressions trained on all ten articles.
Everything here is deterministic numpy; no model is called. The caller (rag.answer.retrieve,
rag.answer) supplies per question its text, its unit embedding and a pool of candidate passages
(dense top-``POOL`` union BM25 top-``POOL``) with scores looked up in the indexes of
``rag.index.catalog``: passage BM25, "titled" passage BM25 (title + passage), sentence BM25,
report BM25, an IDF table over passages, report and title embeddings. A report's title is not
a passage.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from rag import models
from rag.answer.answerability import ANSWERABILITY_FEATURES, Evidence, evidence, signals_of
from rag.answer.reader import Reading
from rag.index.stats import QueryStats, idf
from rag.text import NEGATIONS, WORD, holds_kind, question_type, tokenize
from rag.types import Candidate

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

PASSAGE_FEATURES = (
    "bm",
    "dense",
    "dense_gap",
    "sdense_max",
    "sbm_max",
    "rep_bm",
    "rep_dense",
    "rep_dense_gap",
    "title_dense",
    "log_drank",
    "log_brank",
    "cov_p",
    "cov_s",
    "title_ovl",
    "bm_title",
    "bigram",
    "win_dense",
    "sdense_top2",
)

SENTENCE_FEATURES = (
    "s_dense",
    "s_dense_gap",
    "s_bm",
    "s_cov",
    "s_bigram",
    "win_cov",
    "p_gap",
    "p_rank0",
    "type_hit",
    "type_miss",
    "novel_frac",
    "log_len",
    "first",
    "prev_cov_gain",
    "next_cov_gain",
)

#: Sentence features computed by ``rag.answer.signals`` (fitted on questions phrased as users ask them).
SENTENCE_EXTRAS = (
    "cov_rest",
    "cov_local",
    "win_local",
    "win_dense",
    "anaphor_prev",
    "lead",
    "count_hit",
    "count_focus",
    "date_hit",
    "dense_local",
    "win_dense_local",
)

#: The confidence's features (p_top, p_margin, s_margin and oov were fitted to weight 0 and are
#: gone: benchmarks/fit_features/README.md, "Pruned").
ABSTAIN_FEATURES = (
    "s_top",
    "miss_p",
    "miss_s",
    "miss_rep",
    "max_miss_idf",
    "cap_miss",
    "num_miss",
    "type_miss",
    "neg_miss",
    "s_dense",
    "p_dense",
    "q_len",
)

#: The answerability correction of the confidence: the logit of the abstain model above (fitted on
#: SQuAD by evaluate.py) and ``rag.answer.answerability``'s signals of the quoted sentences (fitted on the
#: realistic sets + SQuAD by fit_answer_models.py --abstain-extras).
ANSWERABILITY_MODEL = ("abstain_logit", *ANSWERABILITY_FEATURES)

#: The fitted models and constants (``rag/models/answer_models.json``), checked against the
#: feature names above at import.
#: Feature names per fitted model, as the code computes them (the models file must match).
FEATURE_NAMES = {
    "passage": PASSAGE_FEATURES,
    "sentence": (*SENTENCE_FEATURES, *SENTENCE_EXTRAS),
    "abstain": ABSTAIN_FEATURES,
    "answerability": ANSWERABILITY_MODEL,
}
MODELS = models.load(expected=FEATURE_NAMES)
_C = MODELS.constants
#: Candidates each retriever contributes to the pool (dense top-N union BM25 top-N).
POOL = _C.pool
#: Passages whose sentences compete for the answer.
ANSWER_PASSAGES = _C.answer_passages
#: Add the runner-up sentence when its score is within this margin of the best one...
TWO_SENTENCE_MARGIN = _C.two_sentence_margin
#: ...and the two together have at most this many words.
TWO_SENTENCE_MAX_WORDS = _C.two_sentence_max_words
#: Abstain when confidence() is below this (chosen on SQuAD 2.0: ~10% answerable abstained).
ABSTAIN_THRESHOLD = _C.abstain_threshold
#: An answer at or above this confidence is "answered"; between the two thresholds, "uncertain".
ANSWER_THRESHOLD = _C.answer_threshold
#: Linear passage reranker (pairwise logistic regression on raw features; higher = better).
PASSAGE_WEIGHTS = MODELS.model("passage").weights
#: Linear sentence scorer; weights and bias are fitted onto the scale of the scorer the
#: confidence was fitted with (it reads the best score, ``s_top``); the bias never changes which
#: sentence wins.
SENTENCE_WEIGHTS = MODELS.model("sentence").weights
SENTENCE_BIAS = MODELS.model("sentence").bias
#: Logistic confidence.
ABSTAIN_WEIGHTS = MODELS.model("abstain").weights
ABSTAIN_BIAS = MODELS.model("abstain").bias
#: The sign each abstention weight is fitted under (+1 / -1; 0: free): a weaker match, more of
#: the question missing from the best sentence, or a name, number or negation of the question
#: missing from the evidence never raises the confidence. Words missing from the passage or the
#: report stay free: people paraphrase, and answerable questions reuse fewer passage words.
ABSTAIN_SIGNS = MODELS.model("abstain").signs
#: The correction: ``a * abstain_logit + w . answerability signals + b`` (a >= 0, w <= 0).
ANSWERABILITY = MODELS.model("answerability")


# --------------------------------------------------------------------------------------------
# Passage reranking
# --------------------------------------------------------------------------------------------


def coverage(q_terms: Sequence[str], q_w: np.ndarray, toks: AbstractSet[str]) -> float:
    """The weighted share of the question's terms ``q_terms`` (weights ``q_w``) found in ``toks``
    (0 when the weights sum to 0)."""
    tot = float(q_w.sum())
    if tot <= 0:
        return 0.0
    return float(sum(w for t, w in zip(q_terms, q_w) if t in toks)) / tot


def _bigrams(toks: Sequence[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(toks))


def passage_features(
    question: str,
    q_vec: np.ndarray,
    cands: Sequence[Candidate],
    stats: QueryStats,
    idf_tab: dict[str, float],
) -> np.ndarray:
    """Feature matrix (len(cands) x len(PASSAGE_FEATURES)) for the passage reranker."""
    q_toks = tokenize(question)
    q_terms = list(dict.fromkeys(q_toks))
    q_set = set(q_terms)
    q_w = np.array([idf(idf_tab, t) for t in q_terms])
    q_big = _bigrams(q_toks)
    dense = np.array([c.dense for c in cands])
    bm = np.array([c.bm25 for c in cands])
    drank = np.argsort(np.argsort(-dense, kind="stable"), kind="stable")
    brank = np.argsort(np.argsort(-bm, kind="stable"), kind="stable")
    dmax = float(dense.max()) if len(dense) else 0.0
    rows = []
    for i, c in enumerate(cands):
        p_toks = list(c.tokens)
        sims = c.sent_vecs @ q_vec
        if len(c.sent_vecs) > 1:
            win = (c.sent_vecs[:-1] + c.sent_vecs[1:]) / 2.0
            win /= np.linalg.norm(win, axis=1, keepdims=True)
            win_max = float((win @ q_vec).max())
        else:
            win_max = float(sims.max())
        top2 = np.sort(sims)[::-1][:2].mean()
        cov_s = max(coverage(q_terms, q_w, set(st)) for st in c.sent_tokens)
        t_toks = c.title_tokens
        rows.append(
            [
                c.bm25 / (stats.bm25_max + 1e-9),
                c.dense,
                c.dense - dmax,
                float(sims.max()),
                float(c.sent_bm25.max()) / (stats.sent_bm25_max + 1e-9),
                c.report_bm25 / (stats.report_bm25_max + 1e-9),
                c.report_dense,
                c.report_dense - stats.report_dense_max,
                c.title_dense,
                math.log1p(drank[i]),
                math.log1p(brank[i]),
                coverage(q_terms, q_w, set(p_toks)),
                cov_s,
                len(t_toks & q_set) / max(1, len(t_toks)),
                c.bm25_titled / (stats.bm25_titled_max + 1e-9),
                len(q_big & _bigrams(p_toks)) / max(1, len(q_big)),
                win_max,
                float(top2),
            ]
        )
    return np.asarray(rows, dtype=np.float64).reshape(len(cands), len(PASSAGE_FEATURES))


def rerank(features: np.ndarray, weights: np.ndarray = PASSAGE_WEIGHTS) -> np.ndarray:
    """Passage scores (higher is better): a linear function of :func:`passage_features`."""
    return features @ weights


# --------------------------------------------------------------------------------------------
# Sentence choice
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentenceRef:
    """One competing sentence: which candidate (index into the ranked list) and which sentence."""

    passage: int
    sentence: int
    start: int
    end: int


def sentence_features(
    question: str,
    q_vec: np.ndarray,
    ranked: Sequence[Candidate],
    passage_scores: Sequence[float],
    idf_tab: dict[str, float],
    n_passages: int = ANSWER_PASSAGES,
) -> tuple[list[SentenceRef], np.ndarray]:
    """Features of every sentence of the ``n_passages`` best passages (``ranked`` best first)."""
    kind = question_type(question)
    q_toks = tokenize(question)
    q_terms = list(dict.fromkeys(q_toks))
    q_set = set(q_terms)
    q_w = np.array([idf(idf_tab, t) for t in q_terms])
    q_big = _bigrams(q_toks)
    q_lower = set(w.lower() for w in WORD.findall(question))
    refs: list[SentenceRef] = []
    rows: list[list[float]] = []
    top = float(passage_scores[0]) if len(passage_scores) else 0.0
    for pi, c in enumerate(ranked[:n_passages]):
        sims = c.sent_vecs @ q_vec
        toks = c.sent_tokens
        for si, (s, e) in enumerate(c.sent_spans):
            text = c.text[s:e]
            st = set(toks[si])
            win = st | (set(toks[si - 1]) if si > 0 else set())
            hit = holds_kind(kind, text, q_lower)
            novel = len(st - q_set) / max(1, len(st))
            own = coverage(q_terms, q_w, st)
            prev_cov = coverage(q_terms, q_w, set(toks[si - 1])) if si > 0 else 0.0
            next_cov = coverage(q_terms, q_w, set(toks[si + 1])) if si + 1 < len(toks) else 0.0
            refs.append(SentenceRef(pi, si, s, e))
            rows.append(
                [
                    float(sims[si]),
                    0.0,
                    float(c.sent_bm25[si]),
                    own,
                    len(q_big & _bigrams(toks[si])) / max(1, len(q_big)),
                    coverage(q_terms, q_w, win),
                    float(passage_scores[pi]) - top,
                    float(pi == 0),
                    float(hit),
                    float(kind != "other" and not hit),
                    novel,
                    math.log1p(len(text.split())),
                    float(si == 0),
                    prev_cov - own,
                    next_cov - own,
                ]
            )
    x = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(SENTENCE_FEATURES))
    if len(x):
        x[:, 1] = x[:, 0] - x[:, 0].max()
        x[:, 2] = x[:, 2] / (x[:, 2].max() + 1e-9)
    return refs, x


#: The runner-up's margin shrinks once the best sentence holds more than this share of the
#: question's words...
RUNNER_UP_COVERED = 0.3
#: ...by this much per unit of share: ``TWO_SENTENCE_MARGIN - 1.5 * (share - 0.3)``, 0.65 below
#: the margin when the best sentence holds every word. A question that copies the sentence's
#: words (SQuAD) is answered by it; one phrased in other words keeps the runner-up as a hedge.
RUNNER_UP_SHRINK = 1.5


def runner_up_margin(question: str, best_sentence: str, margin: float = TWO_SENTENCE_MARGIN) -> float:
    """How far below the best sentence's score the runner-up may be and still join it: ``margin``,
    less ``RUNNER_UP_SHRINK`` times the share of the question's words (tokens, each once) the best
    sentence holds beyond ``RUNNER_UP_COVERED``."""
    terms = set(tokenize(question))
    if not terms:
        return margin
    share = len(terms & set(tokenize(best_sentence))) / len(terms)
    return margin - RUNNER_UP_SHRINK * max(0.0, share - RUNNER_UP_COVERED)


def choose_sentences(
    refs: Sequence[SentenceRef],
    scores: np.ndarray,
    ranked_texts: Sequence[str],
    margin: float = TWO_SENTENCE_MARGIN,
    max_words: int = TWO_SENTENCE_MAX_WORDS,
    question: str | None = None,
) -> list[int]:
    """Indices into ``refs`` of the answer: the best sentence, plus the runner-up when it is
    within ``margin`` of the best (less as the best holds more of the ``question``'s words, see
    :func:`runner_up_margin`) and both fit in ``max_words``. Returned in reading order."""
    if not len(refs):
        return []
    order = np.argsort(-scores, kind="stable")
    best = int(order[0])
    chosen = [best]
    if len(order) > 1:
        second = int(order[1])
        texts = [ranked_texts[refs[i].passage][refs[i].start : refs[i].end] for i in (best, second)]
        if question is not None:
            margin = runner_up_margin(question, texts[0], margin)
        words = sum(len(t.split()) for t in texts)
        if scores[best] - scores[second] < margin and words <= max_words:
            chosen.append(second)
    return sorted(chosen, key=lambda i: (refs[i].passage, refs[i].start))


# --------------------------------------------------------------------------------------------
# Confidence / abstention
# --------------------------------------------------------------------------------------------


def abstain_features(
    question: str,
    q_vec: np.ndarray,
    ranked: Sequence[Candidate],
    refs: Sequence[SentenceRef],
    sent_scores: np.ndarray,
    idf_tab: dict[str, float],
    report_vocab: AbstractSet[str] | None = None,
) -> np.ndarray:
    """Features of the (question, best passage, best sentence) triple for :func:`confidence`.

    ``report_vocab``: token set (:func:`tokenize`) of the best passage's whole report.
    """
    q_toks = tokenize(question)
    q_terms = list(dict.fromkeys(q_toks))
    q_w = np.array([idf(idf_tab, t) for t in q_terms])
    tot = float(q_w.sum()) + 1e-9
    top = ranked[0]
    p_set = set(top.tokens)
    order = np.argsort(-sent_scores, kind="stable")
    b = refs[int(order[0])]
    bc = ranked[b.passage]
    s_text = bc.text[b.start : b.end]
    s_set = set(bc.sent_tokens[b.sentence]) | (
        set(bc.sent_tokens[b.sentence - 1]) if b.sentence > 0 else set()
    )
    rep = report_vocab if report_vocab is not None else p_set
    miss = [(t, w) for t, w in zip(q_terms, q_w) if t not in p_set]
    n_docs = idf_tab["\x00n"]
    max_idf = math.log((n_docs + 1) / 0.5)
    q_words = WORD.findall(question)
    caps = {w.lower() for w in q_words[1:] if w[:1].isupper()}
    p_lower = set(w.lower() for w in WORD.findall(top.text))
    nums = {w for w in q_words if any(ch.isdigit() for ch in w)}
    kind = question_type(question)
    q_lower = set(w.lower() for w in q_words)
    neg_q = any(w.lower() in NEGATIONS for w in q_words) or "n't" in question
    s_lower = set(w.lower() for w in WORD.findall(s_text))
    neg_s = bool(s_lower & NEGATIONS) or "n't" in s_text
    return np.array(
        [
            float(sent_scores.max()),
            sum(w for _, w in miss) / tot,
            sum(w for t, w in zip(q_terms, q_w) if t not in s_set) / tot,
            sum(w for t, w in zip(q_terms, q_w) if t not in rep) / tot,
            max((w for _, w in miss), default=0.0) / max_idf,
            float(len(caps - p_lower)),
            float(len({n.lower() for n in nums} - p_lower)),
            float(kind != "other" and not holds_kind(kind, s_text, q_lower)),
            float(neg_q and not neg_s),
            float(bc.sent_vecs[b.sentence] @ q_vec),
            float(top.dense),
            math.log1p(len(q_terms)),
        ]
    )


def quoted_evidence(
    question: str,
    ranked: Sequence[Candidate],
    refs: Sequence[SentenceRef],
    chosen: Sequence[int],
    vocab_of: Callable[[int], AbstractSet[str]],
) -> Evidence | None:
    """What the quoted sentences ``chosen`` (indices into ``refs``) lack for the question
    (``rag.answer.answerability.evidence``)."""
    return evidence(
        question, ranked, [(refs[i].passage, refs[i].start, refs[i].end) for i in chosen], vocab_of
    )


def answerability_signals(
    question: str,
    ranked: Sequence[Candidate],
    refs: Sequence[SentenceRef],
    chosen: Sequence[int],
    vocab_of: Callable[[int], AbstractSet[str]],
    reading: Reading | None,
) -> np.ndarray:
    """``rag.answer.answerability`` signals of the quoted sentences ``chosen`` (indices into
    ``refs``), the best of them read as ``reading``."""
    return signals_of(quoted_evidence(question, ranked, refs, chosen, vocab_of), reading)


def confidence(
    features: np.ndarray,
    weights: np.ndarray = ABSTAIN_WEIGHTS,
    bias: float = ABSTAIN_BIAS,
    answerability: np.ndarray | None = None,
    correction: models.LinearModel = ANSWERABILITY,
) -> float:
    """Probability-like confidence that the question is answerable from the chosen evidence.

    With the ``answerability`` signals of the quote, the logit is corrected by ``correction``.
    """
    z = float(features @ weights + bias)
    if answerability is not None:
        z = float(np.r_[z, answerability] @ correction.weights + correction.bias)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def unsupported_numbers(question: str, report_vocab: Collection[str] | None) -> list[str]:
    """The question's numbers (words holding a digit: "2015", "70,000") that the report never uses.

    A question about "2015" cannot be answered from a report that never mentions 2015. On the
    SQuAD 2.0 benchmark this holds for 0.6% of answerable and 1.9% of unanswerable questions
    (against the gold report), a better trade than the confidence threshold's at the margin.
    """
    if report_vocab is None:
        return []
    numbers = [w for w in WORD.findall(question) if any(ch.isdigit() for ch in w)]
    return [n for n in numbers if not all(t in report_vocab for t in tokenize(n))]


def guarded_confidence(
    signals: np.ndarray,
    question: str,
    report_vocab: Collection[str] | None,
    weights: np.ndarray = ABSTAIN_WEIGHTS,
    bias: float = ABSTAIN_BIAS,
    answerability: np.ndarray | None = None,
    correction: models.LinearModel = ANSWERABILITY,
) -> float:
    """:func:`confidence`, or 0 when the question names a number its best report never uses."""
    if unsupported_numbers(question, report_vocab):
        return 0.0
    return confidence(signals, weights, bias, answerability, correction)
