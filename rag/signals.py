"""Answer signals beyond ``rag.features``, fitted on questions phrased the way users ask them.

``cov_rest``: the share (IDF-weighted) of the question's words that the sentence, with the
sentence before it, covers, counting only words that are not the report's topic (its title's
words). Users name the topic ("When did the Abu al-Duhur air base fall?") while the sentence that
answers refers back to it ("It was captured ... on 9 September 2015."): the topic words tell the
report apart, not the sentence. On the realistic sets this lifts the cross-validated share of
right answers (see ``benchmarks/fit_features/fit_answer_models.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.features import SENTENCE_EXTRAS, SentenceRef, idf
from rag.text import tokenize
from rag.types import Candidate


def sentence_extras(
    question: str, ranked: Sequence[Candidate], refs: Sequence[SentenceRef], idf_tab: dict[str, float]
) -> np.ndarray:
    """The extra sentence features (``len(refs)`` x ``len(SENTENCE_EXTRAS)``)."""
    terms = list(dict.fromkeys(tokenize(question)))
    out = np.zeros((len(refs), len(SENTENCE_EXTRAS)))
    by_topic: dict[frozenset[str], tuple[list[str], np.ndarray]] = {}
    for row, ref in enumerate(refs):
        cand = ranked[ref.passage]
        topic = cand.title_tokens
        if topic not in by_topic:
            rest = [t for t in terms if t not in topic]
            by_topic[topic] = (rest, np.array([idf(idf_tab, t) for t in rest]))
        rest, weights = by_topic[topic]
        total = float(weights.sum())
        if total <= 0:
            continue
        window = set(cand.sent_tokens[ref.sentence])
        if ref.sentence > 0:
            window |= set(cand.sent_tokens[ref.sentence - 1])
        out[row, 0] = sum(w for t, w in zip(rest, weights) if t in window) / total
    return out
