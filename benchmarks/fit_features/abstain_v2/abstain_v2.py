"""Abstention model v2 for Dispatch QA: drop-in replacement for the abstention part of recipe.py
(``rag/features.py`` in the product): ``ABSTAIN_FEATURES``, ``ABSTAIN_WEIGHTS``, ``ABSTAIN_BIAS``,
``ABSTAIN_THRESHOLD``, :func:`abstain_features` (same signature) and :func:`confidence`.

Pure Python + numpy. Adds to v1's 16 features lexical mismatch features at the level of the chosen
sentence window (chosen sentence + its previous sentence): per-term misses (rarest missing term,
count of rare missing terms, a missing term "sandwiched" between matched neighbours = a substituted
word), bigram coverage, multi-word capitalised phrases checked as phrases, numbers, the question's
head noun after what/which, and antonym/superlative cues. See ABSTAIN_V2.md for the measurements.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

try:  # the product ships recipe.py's functions as rag.features
    from rag.features import (_NEGATIONS, _WORD, STOPWORDS, Candidate, SentenceRef, _stem,
                              _type_hits, idf, question_type, tokenize)
except ImportError:  # pragma: no cover - research checkout
    from recipe import (_NEGATIONS, _WORD, STOPWORDS, Candidate, SentenceRef, _stem,  # type: ignore
                        _type_hits, idf, question_type, tokenize)

ABSTAIN_FEATURES: tuple[str, ...] = (
    # v1 (unchanged definitions)
    "p_top", "p_margin", "s_top", "s_margin", "miss_p", "miss_s", "miss_rep", "max_miss_idf",
    "oov", "cap_miss", "num_miss", "type_miss", "neg_miss", "s_dense", "p_dense", "q_len",
    # v2
    "s_max_miss_idf", "s_n_rare_miss", "s_n_miss", "s_sandwich", "s_bigram", "p_bigram",
    "phrase_miss_p", "phrase_miss_s", "cap_miss_s", "num_miss_s", "head_miss_s", "head_miss_p",
    "cue_miss", "cue_flip", "miss_s_x_sdense", "s_half_bigram", "s_half_bigram_idf",
)
#: Logistic regression on raw features, label = answerable AND chosen answer holds the gold
#: answer, C = 1 (standardised for the fit), trained on all 10 articles (fit_v2.py).
ABSTAIN_WEIGHTS = np.array([0.026077, 0.021174, 0.129259, 0.067172, 2.659813, -2.918648, 0.194072, 0.074126, 0.125074, 0.126133, 1.354061, -0.84178, -3.038019, 2.929189, 0.718897, 0.554882, -0.67955, -0.205929, 0.345975, -0.018431, -0.49457, 0.034701, -0.80917, 0.477825, -0.42089, -2.170316, 0.071658, -0.046714, -0.68877, -1.404047, 0.134529, -0.039686, 0.020488])
ABSTAIN_BIAS = -4.810582
#: In-sample 10% quantile of answerable confidences (CV: 10.6% answerable / 36.9% unanswerable).
ABSTAIN_THRESHOLD = 0.221

#: A question term counts as "rare" above this IDF (passage-level IDF, ``log((N+1)/(df+0.5))``).
RARE_IDF = 3.0

#: Cue words whose absence (or whose antonym's presence) in the evidence flips the question.
_CUES: dict[str, tuple[str, ...]] = {
    "most": ("least", "fewest"), "least": ("most",), "first": ("last", "final"),
    "last": ("first",), "final": ("first",), "before": ("after",), "after": ("before",),
    "largest": ("smallest",), "smallest": ("largest",), "biggest": ("smallest",),
    "highest": ("lowest",), "lowest": ("highest",), "longest": ("shortest",),
    "shortest": ("longest",), "earliest": ("latest",), "latest": ("earliest",),
    "oldest": ("youngest", "newest"), "youngest": ("oldest",), "newest": ("oldest",),
    "more": ("less", "fewer"), "less": ("more",), "fewer": ("more",), "increase": ("decrease",),
    "decrease": ("increase",), "maximum": ("minimum",), "minimum": ("maximum",),
    "best": ("worst",), "worst": ("best",), "early": ("late",), "late": ("early",),
    "only": (), "never": (), "not": (), "without": (), "same": ("different",),
    "different": ("same",), "second": ("first",), "third": (),
}
_HEAD_SKIP = frozenset(
    "is was are were did does do has have had can could would will should kind type sort "
    "name names form forms part parts one ones other many much".split())
_CAP_INNER = frozenset("of the de la von van du der and for".split())


def _cap_phrases(question: str) -> list[list[str]]:
    """Runs of >= 2 capitalised words (not starting at the question's first word; 'of', 'the'...
    allowed inside), lower-cased, e.g. ``["ingrid", "solberg"]``, ``["french", "army"]`` is not
    (army is lower case) but ``["university", "of", "chicago"]`` is."""
    words = _WORD.findall(question)
    out, cur = [], []
    for i, w in enumerate(words):
        if i > 0 and w[:1].isupper():
            cur.append(w.lower())
        elif cur and w.lower() in _CAP_INNER:
            cur.append(w.lower())
        else:
            while cur and cur[-1] in _CAP_INNER:
                cur.pop()
            if len(cur) >= 2:
                out.append(cur)
            cur = []
    while cur and cur[-1] in _CAP_INNER:
        cur.pop()
    if len(cur) >= 2:
        out.append(cur)
    return out


def _has_phrase(phrase: Sequence[str], words: Sequence[str]) -> bool:
    n = len(phrase)
    first = phrase[0]
    for i in range(len(words) - n + 1):
        if words[i] == first and list(words[i:i + n]) == list(phrase):
            return True
    return False


def _head_noun(question: str) -> str | None:
    """Stemmed word after 'what'/'which' (skipping 'kind/type of' and auxiliaries), if any."""
    words = [w.lower() for w in _WORD.findall(question)]
    for i, w in enumerate(words):
        if w in ("what", "which"):
            j = i + 1
            while j < len(words) and (words[j] in _HEAD_SKIP or words[j] in ("of", "the", "a")):
                if words[j] in _HEAD_SKIP and words[j] in ("is", "was", "are", "were", "did", "does",
                                                           "do", "has", "have", "had", "can",
                                                           "could", "would", "will", "should"):
                    return None  # "what is ..." has no head noun
                j += 1
            if j < len(words) and words[j] not in STOPWORDS:
                return _stem(words[j])
            return None
    return None


def abstain_features(
    question: str, q_vec: np.ndarray, ranked: Sequence[Candidate], passage_scores: Sequence[float],
    refs: Sequence[SentenceRef], sent_scores: np.ndarray, idf_tab: dict[str, float],
    report_vocab: set[str] | None = None,
) -> np.ndarray:
    """Features of the (question, best passage, best sentence) triple for :func:`confidence`.

    ``report_vocab``: token set (:func:`tokenize`) of the best passage's whole report.
    The first 16 values are exactly recipe.py's v1 features; the rest are listed in
    ``ABSTAIN_FEATURES`` and described in ABSTAIN_V2.md.
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
    s_text = bc.text[b.start:b.end]
    s_set = set(bc.sent_tokens[b.sentence]) | (set(bc.sent_tokens[b.sentence - 1]) if b.sentence > 0 else set())
    rep = report_vocab if report_vocab is not None else p_set
    miss = [(t, w) for t, w in zip(q_terms, q_w) if t not in p_set]
    n_docs = idf_tab["\x00n"]
    max_idf = math.log((n_docs + 1) / 0.5)
    oov = sum(1 for t in q_terms if t not in idf_tab)
    q_words = _WORD.findall(question)
    caps = {w.lower() for w in q_words[1:] if w[:1].isupper()}
    p_words = [w.lower() for w in _WORD.findall(top.text)]
    p_lower = set(p_words)
    nums = {w.lower() for w in q_words if any(ch.isdigit() for ch in w)}
    kind = question_type(question)
    q_lower = set(w.lower() for w in q_words)
    neg_q = any(w.lower() in _NEGATIONS for w in q_words) or "n't" in question
    s_lower = set(w.lower() for w in _WORD.findall(s_text))
    neg_s = bool(s_lower & _NEGATIONS) or "n't" in s_text
    ps = np.asarray(passage_scores, dtype=float)
    ss = np.sort(sent_scores)[::-1]
    s_dense = float(bc.sent_vecs[b.sentence] @ q_vec)
    miss_s = sum(w for t, w in zip(q_terms, q_w) if t not in s_set) / tot

    # ---- v2: sentence-window evidence (chosen sentence + previous one), raw words and tokens
    ws, we = (bc.sent_spans[b.sentence - 1][0] if b.sentence > 0 else b.start), b.end
    win_words = [w.lower() for w in _WORD.findall(bc.text[ws:we])]
    win_lower = set(win_words)
    win_toks = (list(bc.sent_tokens[b.sentence - 1]) if b.sentence > 0 else []) + list(bc.sent_tokens[b.sentence])
    s_miss = [(t, w) for t, w in zip(q_terms, q_w) if t not in s_set]
    q_big = set(zip(q_toks, q_toks[1:]))
    sandwich = 0
    for i, t in enumerate(q_toks):
        if t not in s_set and 0 < i < len(q_toks) - 1 and q_toks[i - 1] in s_set and q_toks[i + 1] in s_set:
            sandwich += 1
    # question bigrams with exactly one word in the window: a modifier/head was swapped
    half = [(a, c) for a, c in q_big if (a in s_set) != (c in s_set)]
    half_idf = max((idf(idf_tab, a if a not in s_set else c) for a, c in half), default=0.0)
    phrases = _cap_phrases(question)
    head = _head_noun(question)
    cue_miss = cue_flip = 0
    for w in q_lower:
        if w in _CUES:
            if w not in win_lower:
                cue_miss += 1
                if any(a in win_lower for a in _CUES[w]):
                    cue_flip += 1
    return np.array([
        ps[0], ps[0] - (ps[1] if len(ps) > 1 else ps[0] - 5.0),
        ss[0], ss[0] - (ss[1] if len(ss) > 1 else ss[0] - 5.0),
        sum(w for _, w in miss) / tot,
        miss_s,
        sum(w for t, w in zip(q_terms, q_w) if t not in rep) / tot,
        max((w for _, w in miss), default=0.0) / max_idf,
        float(oov),
        float(len(caps - p_lower)),
        float(len(nums - p_lower)),
        float(kind != "other" and not _type_hits(kind, s_text, q_lower)),
        float(neg_q and not neg_s),
        s_dense, float(top.dense),
        math.log1p(len(q_terms)),
        # v2
        max((w for _, w in s_miss), default=0.0) / max_idf,
        float(sum(1 for _, w in s_miss if w > RARE_IDF)),
        float(len(s_miss)),
        float(sandwich),
        len(q_big & set(zip(win_toks, win_toks[1:]))) / max(1, len(q_big)),
        len(q_big & set(zip(top.tokens, top.tokens[1:]))) / max(1, len(q_big)),
        float(sum(1 for ph in phrases if not _has_phrase(ph, p_words))),
        float(sum(1 for ph in phrases if not _has_phrase(ph, win_words))),
        float(len(caps - win_lower)),
        float(len(nums - win_lower)),
        float(head is not None and head not in s_set),
        float(head is not None and head not in p_set),
        float(cue_miss), float(cue_flip),
        miss_s * s_dense,
        float(len(half)), half_idf / max_idf,
    ])


def confidence(features: np.ndarray, weights: np.ndarray = ABSTAIN_WEIGHTS,
               bias: float = ABSTAIN_BIAS) -> float:
    """Probability-like confidence that the question is answerable from the chosen evidence
    (logistic of a linear score); abstain when below ``ABSTAIN_THRESHOLD``."""
    z = float(features @ weights + bias)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
