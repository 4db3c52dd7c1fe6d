"""Experiment (issue 13, passage stage): a report's generic lead passage outranking the one that answers.

    python benchmarks/fit_features/experiments/generic_passage.py                 # every column set
    python benchmarks/fit_features/experiments/generic_passage.py spec_cov,first  # one set

Candidate passage columns, appended to the reranker's 18 (``rag.answer.features.PASSAGE_FEATURES``) and
fitted as fit_passages.py fits them (two-stage pairwise, realistic groups x4, CV leaving whole
reports out); every column is read from the passage's own report, nothing is keyed on words:

- ``spec_cov``: IDF coverage of the question's non-topic words (not in the report's title, not in
  at least ``SHARE`` of the report's passages) by the passage; 0 when the question has none;
- ``spec_any``: 1 when the question has non-topic words (lets ``spec_cov`` keep its scale);
- ``first``: the passage is its report's first;
- ``p_local``: cosine of the passage and the question once the report's topic direction (the mean
  of its passage vectors) is taken out of both (``rag.answer.signals.dense_local`` for passages);
- ``s_local``: the same, best sentence of the passage;
- ``pool_local``: ``p_local`` with the topic taken as the mean of the pooled passages.

Pools with the extra columns are cached as ``eval-out/fit-cache/reports-dev/<set>-gpool.pkl``.
Figures: ``benchmarks/fit_features/README.md`` ("The generic lead passage").
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import evaluate as E
import fit_passages as F
import reports_dev as D

from rag.answer import features as R
from rag.index import stats as ST

SHARE = 0.2
COLUMNS = (
    "spec_cov",
    "spec_any",
    "first",
    "p_local",
    "s_local",
    "pool_local",
    "p_local2",
    "s_local2",
    "spec_bigram",
)


@dataclass
class ReportInfo:
    """What the columns read of one report: passage count, word passage-counts, topic, title words."""

    n: int
    df: Counter
    topic: np.ndarray
    title: frozenset[str]
    title_vec: np.ndarray


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) + 1e-12)


def _local(vecs: np.ndarray, q: np.ndarray, topic: np.ndarray) -> np.ndarray:
    """Cosines of ``q`` with the rows of ``vecs``, ``topic`` taken out of both."""
    qr = _unit(q - float(q @ topic) * topic)
    rest = vecs - np.outer(vecs @ topic, topic)
    return (rest @ qr) / (np.linalg.norm(rest, axis=1) + 1e-12)


def report_info(
    tokens: list[tuple[str, ...]], vecs: np.ndarray, title: frozenset[str], title_vec
) -> ReportInfo:
    df: Counter = Counter()
    for t in tokens:
        df.update(set(t))
    topic = _unit(np.asarray(vecs, dtype=np.float64).mean(0))
    tv = np.asarray(title_vec, dtype=np.float64)
    second = _unit(tv - float(tv @ topic) * topic)
    return ReportInfo(len(tokens), df, topic, title, second)


def _local2(vecs: np.ndarray, q: np.ndarray, info: ReportInfo) -> np.ndarray:
    """``_local`` with both the report's mean and its title direction taken out."""
    basis = np.stack([info.topic, info.title_vec])
    qr = q - basis.T @ (basis @ q)
    qr = _unit(qr)
    rest = vecs - (vecs @ basis.T) @ basis
    return (rest @ qr) / (np.linalg.norm(rest, axis=1) + 1e-12)


def columns(
    question: str, qvec: np.ndarray, cands, infos: list[ReportInfo], pvecs: np.ndarray, idf_tab
) -> np.ndarray:
    """The ``COLUMNS`` of every pooled passage (``infos[i]``: passage i's report, ``pvecs`` its vector)."""
    terms = list(dict.fromkeys(R.tokenize(question)))
    w = np.array([ST.idf(idf_tab, t) for t in terms])
    pool_topic = _unit(pvecs.mean(0))
    q_big = R._bigrams(R.tokenize(question))
    out = np.zeros((len(cands), len(COLUMNS)))
    for i, (c, info) in enumerate(zip(cands, infos)):
        topic_words = info.title | {t for t, k in info.df.items() if k >= max(2, SHARE * info.n)}
        keep = [k for k, t in enumerate(terms) if t not in topic_words]
        rest = [terms[k] for k in keep]
        out[i, 0] = R.coverage(rest, w[keep], set(c.tokens)) if rest else 0.0
        out[i, 1] = float(bool(rest))
        out[i, 2] = float(c.chunk.ordinal == 0)
        out[i, 3] = _local(pvecs[i : i + 1], qvec, info.topic)[0]
        out[i, 4] = _local(np.asarray(c.sent_vecs, dtype=np.float64), qvec, info.topic).max()
        out[i, 5] = _local(pvecs[i : i + 1], qvec, pool_topic)[0]
        out[i, 6] = _local2(pvecs[i : i + 1], qvec, info)[0]
        out[i, 7] = _local2(np.asarray(c.sent_vecs, dtype=np.float64), qvec, info).max()
        big = {b for b in q_big if not (b[0] in topic_words and b[1] in topic_words)}
        out[i, 8] = len(big & R._bigrams(list(c.tokens))) / len(big) if big else 0.0
    return out


def realistic(name: str) -> list[F.Pool]:
    """fit_passages.realistic_pools with the extra columns appended to X."""
    infos: dict[int, ReportInfo] = {}

    def extra(qa, query, cands) -> np.ndarray:
        cat = qa.retriever.index.catalog()
        for r in {c.report for c in cands} - set(infos):
            a, z = int(cat.report_rows[r]), int(cat.report_rows[r + 1])
            infos[r] = report_info(
                cat.tokens[a:z], cat.passage_vecs[a:z], cat.title_tokens[r], cat.title_vecs[r]
            )
        pvecs = np.stack(
            [np.asarray(cat.passage_vecs[cat.row[c.chunk.passage_id]], dtype=np.float64) for c in cands]
        )
        return columns(query.text, query.vector, cands, [infos[c.report] for c in cands], pvecs, cat.idf)

    return F.realistic_pools(name, extra, "gpool")


def squad() -> list[F.Pool]:
    """fit_passages.squad_pools with the extra columns appended to X."""
    W = E.build_world()
    c = W.c
    P = np.asarray(W.e["passages"], dtype=np.float64)
    infos = []
    for r in range(len(c.titles)):
        rows = np.flatnonzero(c.passage_report == r)
        toks = [tuple(R.tokenize(c.passages[p])) for p in rows]
        infos.append(report_info(toks, P[rows], frozenset(R.tokenize(c.titles[r])), W.e["titles"][r]))
    out = []
    for q in range(len(c.questions)):
        cands = W.cands[q]
        X = R.passage_features(c.questions[q], W.e["questions"][q], cands, W.stats[q], W.idf)
        extra = columns(
            c.questions[q],
            np.asarray(W.e["questions"][q], dtype=np.float64),
            cands,
            [infos[x.report] for x in cands],
            P[W.pools[q]],
            W.idf,
        )
        y = np.isin(W.pools[q], c.q_gold[q]).astype(float)
        ids = [f"{p:06d}" for p in W.pools[q]]
        out.append(
            F.Pool(
                "squad", ("squad", int(c.q_report[q])), bool(c.q_answerable[q]), np.hstack([X, extra]), y, ids
            )
        )
    return out


def subset(pools: list[F.Pool], names: tuple[str, ...]) -> list[F.Pool]:
    keep = list(range(len(R.PASSAGE_FEATURES))) + [len(R.PASSAGE_FEATURES) + COLUMNS.index(n) for n in names]
    return [F.Pool(p.set, p.group, p.answerable, p.X[:, keep], p.y, p.ids) for p in pools]


def table(pools: list[F.Pool], ranks: dict[int, int]) -> str:
    cells = []
    for name in [*D.SETS, "squad"]:
        rk = np.array([ranks[i] for i, p in enumerate(pools) if p.set == name and p.answerable])
        cells.append(f"{np.mean(rk < 1):.3f} / {np.mean(rk < 3):.3f}")
    return " | ".join(cells)


def main() -> None:
    pools = [p for name in D.SETS for p in realistic(name)] + squad()
    everything = np.arange(len(pools))
    sets = [tuple(a.split(",")) for a in sys.argv[1:] if not a.startswith("-")] or [
        (),
        *[(n,) for n in COLUMNS if n != "spec_any"],
        ("spec_cov", "spec_any"),
        ("spec_cov", "first"),
        ("p_local", "s_local"),
        ("spec_cov", "spec_any", "p_local", "s_local"),
        ("p_local2",),
        ("s_local2",),
        ("spec_bigram",),
        ("s_local2", "spec_bigram"),
        ("s_local2", "spec_cov", "spec_any"),
        ("s_local", "s_local2", "spec_bigram"),
        COLUMNS,
    ]
    print("columns | news r@1/@3 | files | seed | squad   (CV, then in-sample)")
    for names in sets:
        sub = subset(pools, names)
        cv = table(sub, F.cross_validated(sub, F.WEIGHT))
        w = F.fit(sub, everything, F.WEIGHT)
        ins = table(sub, {i: F.gold_rank(p, w) for i, p in enumerate(sub)})
        tail = ", ".join(f"{n} {v:.2f}" for n, v in zip(names, w[len(R.PASSAGE_FEATURES) :]))
        print(f"{','.join(names) or '(refit)'} | CV {cv} | in {ins} | {tail}", flush=True)


if __name__ == "__main__":
    main()
