"""Fit the passage reranker on SQuAD dev-10 + the realistic sets; CV leaving whole reports out.

    python benchmarks/fit_features/fit_passages.py                # recall@1/@3 of the gold passage:
                                                                  # shipped, CV, in-sample, per set
    python benchmarks/fit_features/fit_passages.py --write        # also write the "passage" model
    python benchmarks/fit_features/fit_passages.py --weight=2     # realistic groups count 2 times

Data: every question's whole candidate pool (dense top-N united with BM25 top-N, as
``HybridRetriever.pool`` builds it) with its passage features and gold labels: the reports-dev
``news`` and ``files`` sets and the seed questions (ingested by the product, cached as
``eval-out/fit-cache/reports-dev/<set>-pool.pkl``; the answer stage's cache of reports_dev.py
keeps only the top passages) and SQuAD 2.0 dev-10 (evaluate.py's world). A passage is gold when
it overlaps the gold quote in the question's report (without a quote: holds a required answer;
SQuAD: is the question's paragraph). The fit is evaluate.py's two-stage pairwise logistic
regression; realistic groups count ``--weight`` (default ``REPORTS_WEIGHT``) times.

Cross-validation leaves whole reports out, with fit_answer_models.py's folds: a realistic report
is in fold ``i % 5`` of the sorted (set, report) list, a SQuAD article ``a`` in fold ``a % 5``.
"""

from __future__ import annotations

import datetime
import json
import math
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import evaluate as E
import numpy as np
import reports_dev as D

from rag import models
from rag.answer import features as R
from rag.eval.metrics import contains_all, locate_quote

FOLDS = 5
REPORTS_WEIGHT = 4
WEIGHT = int(next((a.split("=")[1] for a in sys.argv if a.startswith("--weight=")), REPORTS_WEIGHT))
KS = (1, 3, 5)


@dataclass
class Pool:
    """One question's candidate pool: passage features, gold labels, ids (for tie-breaks)."""

    set: str
    group: tuple[str, object]
    answerable: bool
    X: np.ndarray
    y: np.ndarray
    ids: list[str]


def gold_labels(rec: dict, gold: tuple[int, int] | None, cands: list) -> np.ndarray:
    """1 for the pooled passages that hold the question's gold quote (or, without one, an answer)."""
    source, answerable = rec.get("source"), not rec.get("unanswerable", False)
    must = rec.get("answer_must_contain") or rec.get("answers") or []
    y = np.zeros(len(cands))
    for i, c in enumerate(cands):
        if not answerable or (source is not None and c.chunk.source != source):
            continue
        if gold is not None:
            y[i] = c.chunk.start < gold[1] and c.chunk.end > gold[0]
        else:
            y[i] = any(contains_all(c.text, [m]) for m in must)
    return y


def realistic_pools(name: str, extra: Callable | None = None, tag: str = "pool") -> list[Pool]:
    """The pools of realistic set ``name`` (cached next to reports_dev.py's items as
    ``<name>-<tag>.pkl``); ``extra(qa, query, cands)``, if given, returns columns appended to X."""
    cache = D.CACHE / f"{name}-{tag}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from rag.qa import ReportQA

    path, reports = D.SETS[name]
    qa = ReportQA(index_dir=D.CACHE / f"index-{name}", abstain_threshold=-math.inf)
    qa.ingest([reports])
    texts = {s: qa.document_text(s) for s in qa.sources()}
    default_source = qa.sources()[0]
    out = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        source = rec.get("source", default_source)
        rec["source"] = source
        query = qa.retriever.query(rec["question"], rec["question"])
        cands, X = qa.retriever.pool(query)
        if extra is not None:
            X = np.hstack([X, extra(qa, query, cands)])
        gold = locate_quote(texts[source], rec["gold_quote"]) if rec.get("gold_quote") else None
        y = gold_labels(rec, gold, cands)
        ids = [c.chunk.passage_id for c in cands]
        out.append(Pool(name, (name, source), not rec.get("unanswerable", False), X, y, ids))
    cache.write_bytes(pickle.dumps(out))
    return out


def squad_pools() -> list[Pool]:
    """SQuAD dev-10 pools of evaluate.py (gold: the question's paragraph)."""
    W = E.build_world()
    c = W.c
    out = []
    for q in range(len(c.questions)):
        X = R.passage_features(c.questions[q], W.e["questions"][q], W.cands[q], W.stats[q], W.idf)
        y = np.isin(W.pools[q], c.q_gold[q]).astype(float)
        ids = [f"{p:06d}" for p in W.pools[q]]
        out.append(Pool("squad", ("squad", int(c.q_report[q])), bool(c.q_answerable[q]), X, y, ids))
    return out


def gold_rank(pool: Pool, w: np.ndarray) -> int:
    """0-based rank of the first gold passage under weights ``w`` (ties by id, as the product);
    999 when none is pooled."""
    s = R.rerank(pool.X, w)
    order = sorted(range(len(s)), key=lambda i: (-s[i], pool.ids[i]))
    hits = [r for r, i in enumerate(order) if pool.y[i] > 0]
    return hits[0] if hits else 999


def fit(pools: list[Pool], idx, weight: int = WEIGHT) -> np.ndarray:
    """Two-stage pairwise reranker on the ``idx`` pools with a gold passage (realistic x weight)."""
    groups = []
    for i in idx:
        p = pools[i]
        if p.y.any():
            groups += [(p.X, p.y)] * (weight if p.set != "squad" else 1)
    return E.two_stage(groups)


def folds(pools: list[Pool]) -> np.ndarray:
    """fit_answer_models.py's folds: whole reports (SQuAD articles) left out."""
    groups = sorted({p.group for p in pools if p.set != "squad"}, key=str)
    return np.array(
        [p.group[1] % FOLDS if p.set == "squad" else groups.index(p.group) % FOLDS for p in pools]
    )


def recall_table(pools: list[Pool], ranks: dict[int, int], label: str) -> dict[str, list[float]]:
    """Recall@k of the gold passage over answerable questions, per set."""
    print(f"\n=== {label} ===")
    out = {}
    for name in [*D.SETS, "squad"]:
        rk = np.array([ranks[i] for i, p in enumerate(pools) if p.set == name and p.answerable])
        out[name] = [float(np.mean(rk < k)) for k in KS]
        print(f"{name:6s} n={len(rk):5d}  " + "  ".join(f"r@{k} {v:.3f}" for k, v in zip(KS, out[name])))
    return out


def cross_validated(pools: list[Pool], weight: int) -> dict[int, int]:
    fold = folds(pools)
    ranks: dict[int, int] = {}
    everything = np.arange(len(pools))
    for k in range(FOLDS):
        w = fit(pools, everything[fold != k], weight)
        ranks.update({int(i): gold_rank(pools[i], w) for i in everything[fold == k]})
    return ranks


def write(w: np.ndarray, n: dict[str, int]) -> None:
    """Write the passage model into the shipped models file (everything else kept)."""
    note = (
        f"passage reranker: SQuAD 2.0 dev-10 + reports-dev news+files + seed ({n}); realistic groups "
        f"x{WEIGHT}; {datetime.date.today().isoformat()}; "
        "python benchmarks/fit_features/fit_passages.py --write"
    )
    before = R.MODELS.fitted_on
    kept = before.split("; passage reranker:")[0]
    fitted = {name: R.MODELS.model(name) for name in R.FEATURE_NAMES}
    fitted["passage"] = models.LinearModel(R.PASSAGE_FEATURES, w)
    models.write(models.MODEL_FILE, f"{kept}; {note}", R.MODELS.constants, fitted)
    print(f"wrote {models.MODEL_FILE}")


def main() -> None:
    t0 = time.time()
    pools = [p for name in D.SETS for p in realistic_pools(name)] + squad_pools()
    print(f"pools {len(pools)} in {time.time() - t0:.0f}s")
    everything = np.arange(len(pools))
    recall_table(pools, {i: gold_rank(p, R.PASSAGE_WEIGHTS) for i, p in enumerate(pools)}, "SHIPPED")
    recall_table(pools, cross_validated(pools, 0), "SQuAD ONLY, CV (whole reports left out)")
    recall_table(pools, cross_validated(pools, WEIGHT), f"REALISTIC x{WEIGHT} + SQuAD, CV")
    w = fit(pools, everything, WEIGHT)
    recall_table(
        pools, {i: gold_rank(p, w) for i, p in enumerate(pools)}, f"REALISTIC x{WEIGHT} + SQuAD, IN-SAMPLE"
    )
    print("weights: " + ", ".join(f"{n} {v:.3f}" for n, v in zip(R.PASSAGE_FEATURES, w)))
    if "--write" in sys.argv:
        write(w, {s: sum(p.set == s for p in pools) for s in sorted({p.set for p in pools})})
    print(f"total {time.time() - t0:.0f}s")


if __name__ == "__main__":
    import fit_passages  # pickle the pools under the module's own name

    fit_passages.main()
