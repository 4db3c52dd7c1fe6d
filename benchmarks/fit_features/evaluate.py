"""Reproduce every figure of RECIPE.md from scratch, with leave-articles-out cross-validation.

    python benchmarks/fit_features/evaluate.py            # uses cached embeddings in cache/ if present
    python benchmarks/fit_features/evaluate.py --fit      # also writes rag/models/answer_models.json

Protocol: 5 folds of 2 articles (article i is in fold i % 5). For each fold, the passage
reranker, the sentence scorer, the two-sentence margin and the abstention model are trained on
the other 8 articles (each stage fed by the previous stage's fold model) and applied to the 2
held-out ones: these CV figures are the headline. "In-sample" = the same chain trained on all 10
articles and applied to them (that chain's coefficients are the shipped ones in
rag/models/answer_models.json; the in-sample run here uses the freshly fitted coefficients, which match).
"""

from __future__ import annotations

import datetime
import sys
import time
from dataclasses import dataclass, replace

import bm25s
import data
import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression

import rag.answer.features as R
from rag.answer import signals as S
from rag.eval.metrics import contains_answer
from rag.index import stats as ST
from rag.types import Candidate, Chunk, Sentence

FOLDS = 5
PAIR_C = 0.1
HARD_NEG = 20
WORD_BUDGET = 39.0  # mean words over answered questions that the margin is tuned to stay under
MARGINS = np.round(np.arange(0.0, 6.01, 0.1), 2)


# ----------------------------------------------------------------------------- indexes
def bm25_scores(docs: list[str], queries: list[str]) -> np.ndarray:
    m = bm25s.BM25(k1=ST.BM25_K1, b=ST.BM25_B, method="lucene")
    m.index([R.tokenize(d) or ["\u2205"] for d in docs], show_progress=False)
    vocab = m.vocab_dict
    out = np.zeros((len(queries), len(docs)), np.float32)
    for i, q in enumerate(queries):
        ts = [t for t in R.tokenize(q) if t in vocab]
        if ts:
            out[i] = m.get_scores(ts)
    return out


@dataclass
class World:
    c: data.Corpus
    e: dict
    pools: list[np.ndarray]
    cands: list[list[Candidate]]
    stats: list[ST.QueryStats]
    idf: dict
    report_vocab: list[set]


def _chunk(c: data.Corpus, p: int) -> Chunk:
    """Passage ``p`` of the corpus as a ``Chunk`` (offsets into the passage itself; ``ordinal``:
    its position within its report, as the product stores it)."""
    text = c.passages[p]
    ordinal = p - int(np.argmax(c.passage_report == c.passage_report[p]))
    sentences = tuple(Sentence.model_construct(start=s, end=e, text=text[s:e]) for s, e in c.sent_spans[p])
    source = c.titles[c.passage_report[p]]
    return Chunk.model_construct(
        passage_id=str(p),
        source=source,
        text=text,
        start=0,
        end=len(text),
        ordinal=ordinal,
        sentences=sentences,
    )


def build_world() -> World:
    c = data.load()
    e = data.embeddings(c)
    P, nR = len(c.passages), len(c.titles)
    dense = e["questions"] @ e["passages"].T
    bm = bm25_scores(c.passages, c.questions)
    titled = [c.titles[c.passage_report[p]] + "\n" + t for p, t in enumerate(c.passages)]
    bmt = bm25_scores(titled, c.questions)
    sbm = bm25_scores(data.sentence_texts(c), c.questions)
    reports = [
        "\n".join([c.titles[r]] + [p for p, rr in zip(c.passages, c.passage_report) if rr == r])
        for r in range(nR)
    ]
    rbm = bm25_scores(reports, c.questions)
    rvec = np.stack([e["passages"][c.passage_report == r].mean(0) for r in range(nR)])
    rvec /= np.linalg.norm(rvec, axis=1, keepdims=True)
    rden = e["questions"] @ rvec.T
    tden = e["questions"] @ e["titles"].T
    idf_tab = ST.idf_table(R.tokenize(p) for p in c.passages)
    report_vocab = [set(R.tokenize(t)) for t in reports]
    pools, cands, stats = [], [], []
    S = e["sentences"]
    chunks = [_chunk(c, p) for p in range(P)]
    toks = [ST.ingest_tokens(c.passages[p], c.sent_spans[p], c.titles[c.passage_report[p]]) for p in range(P)]
    for qi in range(len(c.questions)):
        pool = np.union1d(
            np.argsort(-dense[qi], kind="stable")[: R.POOL], np.argsort(-bm[qi], kind="stable")[: R.POOL]
        )
        pools.append(pool)
        cl = []
        for p in pool:
            a, z = c.sent_offset[p], c.sent_offset[p + 1]
            r = c.passage_report[p]
            cl.append(
                Candidate(
                    chunk=chunks[p],
                    sent_spans=tuple(c.sent_spans[p]),
                    sent_vecs=S[a:z],
                    sent_bm25=sbm[qi, a:z],
                    dense=float(dense[qi, p]),
                    bm25=float(bm[qi, p]),
                    bm25_titled=float(bmt[qi, p]),
                    report=int(r),
                    report_bm25=float(rbm[qi, r]),
                    report_dense=float(rden[qi, r]),
                    title_dense=float(tden[qi, r]),
                    title=c.titles[r],
                    **toks[p],
                )
            )
        cands.append(cl)
        stats.append(
            ST.QueryStats(
                float(bm[qi].max()),
                float(bmt[qi].max()),
                float(sbm[qi].max()),
                float(rbm[qi].max()),
                float(rden[qi].max()),
            )
        )
    return World(c, e, pools, cands, stats, idf_tab, report_vocab)


# ----------------------------------------------------------------------------- learning
def pairwise_fit(
    groups: list[tuple[np.ndarray, np.ndarray]],
    w0: np.ndarray | None = None,
    n_neg: int = HARD_NEG,
    C: float = PAIR_C,
) -> np.ndarray:
    """Pairwise logistic regression (positive minus hard negatives); returns raw-feature weights.

    groups: (X, y) per question. Negatives are the ``n_neg`` best-scored by ``w0`` (or by
    feature 0 when None). Features are standardised for the fit and the weights mapped back.
    """
    allx = np.concatenate([x for x, _ in groups])
    _mu, sd = allx.mean(0), allx.std(0) + 1e-9
    diffs = []
    for x, y in groups:
        pos = np.where(y > 0)[0]
        neg = np.where(y == 0)[0]
        if not len(pos) or not len(neg):
            continue
        s = x @ w0 if w0 is not None else x[:, 0]
        neg = neg[np.argsort(-s[neg], kind="stable")][:n_neg]
        p = pos[np.argmax(s[pos])]
        diffs.append((x[p] - x[neg]) / sd)
    D = np.concatenate(diffs)
    X = np.vstack([D, -D])
    y = np.r_[np.ones(len(D)), np.zeros(len(D))]
    m = LogisticRegression(C=C, fit_intercept=False, max_iter=5000).fit(X, y)
    return m.coef_[0] / sd


def two_stage(groups):
    w = pairwise_fit(groups)
    return pairwise_fit(groups, w)


def fit_abstention(X: np.ndarray, answerable: np.ndarray, signs: np.ndarray | None = None, C: float = 1.0):
    """L2 logistic regression of answerability on raw features; returns (weights, bias).

    ``signs`` (default ``R.ABSTAIN_SIGNS``): +1 / -1 constrains a weight's sign, 0 leaves it
    free, so that e.g. more question words missing from the evidence never raises confidence.
    """
    signs = R.ABSTAIN_SIGNS if signs is None else signs
    mu, sd = X.mean(0), X.std(0) + 1e-9
    Z = (X - mu) / sd
    y = answerable.astype(float)

    def loss(theta):
        w, b = theta[:-1], theta[-1]
        z = Z @ w + b
        p = 1 / (1 + np.exp(-z))
        nll = np.sum(np.logaddexp(0, z) - y * z)
        g = Z.T @ (p - y)
        return nll + 0.5 * w @ w / C, np.r_[g + w / C, np.sum(p - y)]

    bounds = [(0, None) if s > 0 else (None, 0) if s < 0 else (None, None) for s in signs] + [(None, None)]
    theta = minimize(loss, np.zeros(Z.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds).x
    w = theta[:-1] / sd
    return w, float(theta[-1] - (theta[:-1] * mu / sd).sum())


# ----------------------------------------------------------------------------- stages
def passage_stage(W: World, PF: list[np.ndarray], qs: np.ndarray, w: np.ndarray):
    """Ranked candidate indices and scores per question."""
    out = {}
    for q in qs:
        s = R.rerank(PF[q], w)
        o = np.argsort(-s, kind="stable")
        out[q] = (o, s[o])
    return out


def gold_rank(W: World, q: int, order: np.ndarray) -> int:
    pool = W.pools[q][order]
    h = np.where(np.isin(pool, W.c.q_gold[q]))[0]
    return int(h[0]) if len(h) else 999


def sentence_stage(W: World, q: int, order: np.ndarray, pscores: np.ndarray):
    ranked = [W.cands[q][i] for i in order[: R.ANSWER_PASSAGES]]
    refs, X = R.sentence_features(W.c.questions[q], W.e["questions"][q], ranked, pscores, W.idf)
    golds = W.c.q_answers[q]
    y = np.array([contains_answer(ranked[r.passage].text[r.start : r.end], golds) for r in refs], float)
    return ranked, refs, X, y


def answer_text(ranked, refs, idx) -> str:
    return " ".join(ranked[refs[i].passage].text[refs[i].start : refs[i].end] for i in idx)


def run_chain(W: World, PF, train: np.ndarray, test: np.ndarray, margin: float | None = None):
    """Train the chain on ``train`` questions, apply to ``test``; returns per-question results."""
    c = W.c
    # 1. passage reranker (trained on every training question: unanswerable ones have a source
    #    paragraph too)
    groups = [(PF[q], np.isin(W.pools[q], c.q_gold[q]).astype(float)) for q in train]
    wp = two_stage(groups)
    both = np.concatenate([train, test])
    ps = passage_stage(W, PF, both, wp)
    # 2. sentence scorer (answerable training questions)
    sent = {q: sentence_stage(W, q, *ps[q]) for q in both}
    sg = [(sent[q][2], sent[q][3]) for q in train if c.q_answerable[q]]
    ws = two_stage(sg)

    # 3. two-sentence margin: the largest containment with mean words <= WORD_BUDGET (train)
    def answers(qs, m):
        res = {}
        for q in qs:
            ranked, refs, X, _y = sent[q]
            sc = X @ ws
            idx = R.choose_sentences(refs, sc, [r.text for r in ranked], m)
            txt = answer_text(ranked, refs, idx)
            res[q] = (sc, idx, txt, contains_answer(txt, c.q_answers[q]))
        return res

    if margin is None:
        tr_ans = [q for q in train if c.q_answerable[q]]
        best = (-1.0, 0.0)
        for m in MARGINS:
            a = answers(tr_ans, m)
            words = np.mean([len(a[q][2].split()) for q in tr_ans])
            cont = np.mean([a[q][3] for q in tr_ans])
            if words <= WORD_BUDGET and cont > best[0]:
                best = (cont, m)
        margin = best[1]
    ans = answers(both, margin)
    # 4. abstention
    AF = {}
    for q in both:
        ranked, refs, _X, _y = sent[q]
        rep = W.report_vocab[ranked[0].report]
        AF[q] = R.abstain_features(c.questions[q], W.e["questions"][q], ranked, refs, ans[q][0], W.idf, rep)
    wa, ba = fit_abstention(np.stack([AF[q] for q in train]), c.q_answerable[train])
    out = {}
    for q in test:
        out[q] = dict(
            rank=gold_rank(W, q, ps[q][0]),
            text=ans[q][2],
            hit=ans[q][3],
            n_sent=len(ans[q][1]),
            conf=R.guarded_confidence(AF[q], c.questions[q], W.report_vocab[sent[q][0][0].report], wa, ba),
            oracle=bool(sent[q][3].any()),
        )
    context = dict(sent=sent, ps=ps, ans=ans, AF=AF)
    return out, dict(wp=wp, ws=ws, margin=margin, wa=wa, ba=ba, context=context)


# ----------------------------------------------------------------------------- reporting
def summarise(W: World, res: dict, label: str, threshold: float | None = None) -> dict:
    c = W.c
    qs = np.arange(len(c.questions))
    ans = c.q_answerable
    rk = np.array([res[q]["rank"] for q in qs])
    hit = np.array([res[q]["hit"] for q in qs])
    words = np.array([len(res[q]["text"].split()) for q in qs])
    conf = np.array([res[q]["conf"] for q in qs])
    two = np.array([res[q]["n_sent"] == 2 for q in qs])
    print(f"\n=== {label} ===")
    for name, m in (("all 3708", np.ones(len(qs), bool)), ("answerable 1721", ans)):
        print(
            f"retrieval {name}: r@1 {np.mean(rk[m] < 1):.4f}  r@5 {np.mean(rk[m] < 5):.4f}  "
            f"r@10 {np.mean(rk[m] < 10):.4f}  MRR {np.mean(1 / (rk[m] + 1)):.4f}"
        )
    print(
        f"answer (no abstention), answerable: containment {hit[ans].mean():.4f}  mean words "
        f"{words[ans].mean():.1f}  two-sentence {two[ans].mean():.3f}  "
        f"oracle (some sentence of top-{R.ANSWER_PASSAGES} holds it) "
        f"{np.mean([res[q]['oracle'] for q in qs[ans]]):.4f}"
    )
    # trade-off
    print(
        "threshold | answerable abstained | unanswerable abstained | containment answered "
        "| containment over all answerable | mean words answered"
    )
    rows = []
    grid = sorted(
        set(np.round(np.quantile(conf[ans], [0.02, 0.05, 0.08, 0.10, 0.12, 0.15, 0.2, 0.3]), 3))
        | ({round(threshold, 3)} if threshold is not None else set())
    )
    for t in grid:
        ab = conf < t
        row = (
            t,
            ab[ans].mean(),
            ab[~ans].mean(),
            hit[ans & ~ab].mean(),
            (hit & ~ab)[ans].mean(),
            words[~ab].mean(),
        )
        rows.append(row)
        mark = "  <- shipped" if threshold is not None and abs(t - threshold) < 1e-9 else ""
        print(f"{t:.3f} | {row[1]:.3f} | {row[2]:.3f} | {row[3]:.4f} | {row[4]:.4f} | {row[5]:.1f}{mark}")
    # unanswerable abstained at exactly 10% answerable abstained
    t10 = np.quantile(conf[ans], 0.10)
    print(
        f"at 10% answerable abstained (t={t10:.3f}): unanswerable abstained {np.mean(conf[~ans] < t10):.3f}"
    )
    from sklearn.metrics import roc_auc_score

    print(f"abstention AUC {roc_auc_score(ans, conf):.4f}")
    return dict(rank=rk, hit=hit, conf=conf, words=words)


def timing(W: World, n: int = 400) -> None:
    """Per-query time of the scoring part (features, rerank, sentence choice, confidence)."""
    qs = np.arange(0, len(W.c.questions), max(1, len(W.c.questions) // n))[:n]
    ts = []
    for q in qs:
        t = time.perf_counter()
        cands, qv, qt = W.cands[q], W.e["questions"][q], W.c.questions[q]
        f = R.passage_features(qt, qv, cands, W.stats[q], W.idf)
        s = R.rerank(f)
        o = np.argsort(-s, kind="stable")
        ranked = [cands[i] for i in o[: R.ANSWER_PASSAGES]]
        refs, X = R.sentence_features(qt, qv, ranked, s[o], W.idf)
        extras = S.sentence_extras(qt, qv, ranked, refs, W.idf)
        sc = np.hstack([X, extras]) @ R.SENTENCE_WEIGHTS + R.SENTENCE_BIAS
        R.choose_sentences(refs, sc, [r.text for r in ranked], question=qt)
        R.confidence(R.abstain_features(qt, qv, ranked, refs, sc, W.idf, W.report_vocab[ranked[0].report]))
        ts.append(time.perf_counter() - t)
    ts = np.array(ts) * 1000
    print(
        f"scoring time per query ({len(qs)} queries, pool mean "
        f"{np.mean([len(W.cands[q]) for q in qs]):.0f}): median {np.median(ts):.2f} ms, "
        f"p95 {np.percentile(ts, 95):.2f} ms"
    )


def write_models(shipped: dict) -> None:
    """Write the passage reranker and the confidence trained on all ten articles to the shipped
    models file. The sentence scorer (with ``rag.answer.signals`` features) is fitted on the realistic
    sets too, by ``fit_answer_models.py``: the shipped one is kept."""
    fitted = {
        "passage": R.models.LinearModel(R.PASSAGE_FEATURES, shipped["wp"]),
        "sentence": R.MODELS.model("sentence"),
        "abstain": R.models.LinearModel(
            R.ABSTAIN_FEATURES, shipped["wa"], float(shipped["ba"]), R.ABSTAIN_SIGNS
        ),
        "answerability": R.ANSWERABILITY,  # fitted by fit_answer_models.py --abstain-extras
    }
    constants = replace(R.MODELS.constants, two_sentence_margin=float(shipped["margin"]))
    fitted_on = (
        f"SQuAD 2.0 dev, first 10 articles ({data.DATA.name}), cut by rag.read.chunk; trained on all 10 "
        f"articles; {datetime.date.today()}; python benchmarks/fit_features/evaluate.py --fit"
    )
    R.models.write(R.models.MODEL_FILE, fitted_on, constants, fitted)
    print(f"\nwrote the fitted models to {R.models.MODEL_FILE} (git diff shows what changed)")


def main() -> None:
    t0 = time.time()
    W = build_world()
    print(f"indexes + candidates: {time.time() - t0:.1f}s")
    t1 = time.time()
    PF = [
        R.passage_features(W.c.questions[q], W.e["questions"][q], W.cands[q], W.stats[q], W.idf)
        for q in range(len(W.c.questions))
    ]
    print(f"passage features: {time.time() - t1:.1f}s")
    timing(W)
    qs = np.arange(len(W.c.questions))
    fold = W.c.q_report % FOLDS
    cv = {}
    for k in range(FOLDS):
        r, m = run_chain(W, PF, qs[fold != k], qs[fold == k])
        cv.update(r)
        print(f"fold {k}: margin {m['margin']}")
    ins, shipped = run_chain(W, PF, qs, qs)
    thr = R.ABSTAIN_THRESHOLD
    summarise(W, cv, "CROSS-VALIDATED (5 folds x 2 articles)", thr)
    summarise(W, ins, "IN-SAMPLE (trained on all 10 articles)", thr)
    if "--fit" in sys.argv:
        write_models(shipped)
    print(f"total {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
