"""Experiment (issue 13): telling the report's generic lead / definition sentence from the one that
answers. Candidate sentence columns, appended by ``fit_answer_models.py --generic=a,b``:

- ``central``: cosine of the sentence with the mean of the competing sentences (the report's
  topic): a summary sentence sits near it;
- ``lead_central``: ``lead`` times ``central``;
- ``dl_generic``: ``dense_local`` times ``central`` (dense_local read on a generic sentence);
- ``cov_spec`` / ``win_spec``: IDF coverage of the question's words that are not topic words
  (the title's words and the words of at least ``SHARE`` of the competing sentences), sentence
  alone / with the sentence before;
- ``topic_only``: the sentence shares question words, but only topic words;
- ``spec_miss``: share (IDF) of the question's specific words the sentence misses, on the lead only;
- ``lead_dl`` / ``first_dl``: ``dense_local`` of the report's first sentence / of a passage's first
  sentence, else 0;
- ``definition`` / ``definition_off`` / ``definition_dl``: a copula definition ("X was a ...",
  "X refers to ..."), the same unless the question asks "what / who was X?", its ``dense_local``;
- ``dl_rep`` / ``central_rep``: ``dense_local`` / ``central`` with the topic taken from the
  sentence's own report's competing sentences only.

Figures: ``benchmarks/fit_features/README.md`` ("The generic lead sentence").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from rag.answer import signals as S
from rag.answer.features import coverage
from rag.index.stats import idf
from rag.text import tokenize

SHARE = 0.2
#: A definition: "<subject> was a / were a series of / refers to ..." within the first words.
DEFINITION = re.compile(
    r"^(?:\S+\s+){1,12}?(?:is|was|are|were)\s+(?:a|an|one of)\s|^(?:\S+\s+){1,12}?refers? to\s", re.I
)
#: A question asking what something is: "What was the Fijar War?", "Who were the Normans?".
ASKS_DEFINITION = re.compile(r"^\s*(?:what|who)\s+(?:is|was|are|were)\s+(?:the\s+|a\s+|an\s+)?[^?]*\?$", re.I)


def _topic_words(ranked, refs, own) -> list[frozenset[str]]:
    n = len(refs)
    counts: dict[str, int] = {}
    for s in own:
        for t in s:
            counts[t] = counts.get(t, 0) + 1
    frequent = {t for t, k in counts.items() if k >= max(2, SHARE * n)}
    return [ranked[r.passage].title_tokens | frequent for r in refs]


def columns(names: Sequence[str], question, qvec, ranked, refs, idf_tab) -> np.ndarray:
    out = np.zeros((len(refs), len(names)))
    if not refs:
        return out
    vecs = np.stack([ranked[r.passage].sent_vecs[r.sentence] for r in refs])
    topic = S._unit(vecs.mean(axis=0))
    central = vecs @ topic
    lead = np.array([float(ranked[r.passage].chunk.ordinal == 0 and r.sentence == 0) for r in refs])
    dl = S._dense_local(qvec, ranked, refs)[:, 0]
    own, prev = S._windows(ranked, refs)
    topics = _topic_words(ranked, refs, own)
    terms = list(dict.fromkeys(tokenize(question)))
    w = np.array([idf(idf_tab, t) for t in terms])
    cols = {}
    cols["central"] = central
    cols["lead_central"] = lead * central
    cols["dl_generic"] = dl * central
    spec, wspec, tonly, smiss = (np.zeros(len(refs)) for _ in range(4))
    for i, topic_set in enumerate(topics):
        keep = [k for k, t in enumerate(terms) if t not in topic_set]
        rest = [terms[k] for k in keep]
        spec[i] = coverage(rest, w[keep], own[i]) if rest else 0.0
        wspec[i] = coverage(rest, w[keep], own[i] | prev[i]) if rest else 0.0
        shared = set(terms) & own[i]
        tonly[i] = float(bool(shared) and shared <= topic_set)
        smiss[i] = lead[i] * (1.0 - spec[i]) if rest else 0.0
    cols["cov_spec"], cols["win_spec"], cols["topic_only"], cols["spec_miss"] = spec, wspec, tonly, smiss
    first = np.array([float(r.sentence == 0) for r in refs])
    cols["lead_dl"] = lead * dl
    cols["first_dl"] = first * dl
    cols["dl_rep"], cols["central_rep"] = _per_report(qvec, ranked, refs, vecs)
    texts = [ranked[r.passage].text[r.start : r.end] for r in refs]
    definition = np.array([float(bool(DEFINITION.search(t))) for t in texts])
    asks = bool(ASKS_DEFINITION.search(question))
    cols["definition"] = definition
    cols["definition_off"] = definition * (not asks)
    cols["definition_dl"] = definition * dl
    if any(n in names for n in ("dl_topic", "dl_title")):
        cols["dl_topic"], cols["dl_title"] = _topic_removed(qvec, ranked, refs, vecs, topic)
    for j, name in enumerate(names):
        out[:, j] = cols[name]
    return out


def _per_report(qvec, ranked, refs, vecs):
    """dense_local and centrality with the topic taken from the sentence's own report's sentences."""
    dl = np.zeros(len(refs))
    central = np.zeros(len(refs))
    reps = np.array([ranked[r.passage].report for r in refs])
    for rep in set(reps.tolist()):
        rows = np.where(reps == rep)[0]
        topic = S._unit(vecs[rows].mean(axis=0))
        question = S._unit(qvec - float(qvec @ topic) * topic)
        dl[rows] = S._residual_cosines(vecs[rows], topic, question)
        central[rows] = vecs[rows] @ topic
    return dl, central


def _topic_removed(qvec, ranked, refs, vecs, topic):
    """``dl_topic``: the sentence's cosine with the question once its report's mean passage and
    title directions (``Candidate.topic``, generic_passage.patch) are taken out of both;
    ``dl_title``: ``dense_local`` (the competing sentences' mean out) with the title direction
    of the sentence's report taken out too."""
    from rag.answer.features import local_cosines

    dl_topic, dl_title = np.zeros(len(refs)), np.zeros(len(refs))
    for i, r in enumerate(refs):
        basis = ranked[r.passage].topic
        dl_topic[i] = local_cosines(vecs[i : i + 1], qvec, basis)[0]
        title = basis[1] - float(basis[1] @ topic) * topic
        both = np.stack([topic, title / (np.linalg.norm(title) + 1e-12)])
        dl_title[i] = local_cosines(vecs[i : i + 1], qvec, both)[0]
    return dl_topic, dl_title
