"""Abstention experiments (CV, 5 folds x 2 articles, same protocol as evaluate.py).

    nice -n 19 /work/main/.venv/bin/python cache_stages.py   # once: cache/stages.pkl
    nice -n 19 /work/main/.venv/bin/python abstain_exp.py    # features -> cache/abst_feats.pkl, table
"""
from __future__ import annotations
import pickle, sys, time
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
import evaluate as E
import rag.features as R
import abstain_v2 as A

FEATS = E.data.CACHE / "abst_feats.pkl"
V1 = list(range(16))


def refs_of(ranked):
    return [R.SentenceRef(pi, si, s, e) for pi, c in enumerate(ranked) for si, (s, e) in enumerate(c.sent_spans)]


def build():
    W = E.build_world()
    chains = pickle.load(open(E.data.CACHE / "stages.pkl", "rb"))
    out = {}
    for k, st in chains.items():
        X, hit = [], []
        for q in range(len(W.c.questions)):
            s = st[q]
            ranked = [W.cands[q][i] for i in s["order"][:R.ANSWER_PASSAGES]]
            refs = refs_of(ranked)
            X.append(A.abstain_features(W.c.questions[q], W.e["questions"][q], ranked, s["pscores"], refs,
                                        s["sscores"], W.idf, W.report_vocab[ranked[0].report]))
            hit.append(s["hit"])
        out[k] = dict(X=np.array(X), hit=np.array(hit))
    out["ans"] = W.c.q_answerable.copy()
    out["fold"] = W.c.q_report % E.FOLDS
    out["questions"] = list(W.c.questions)
    pickle.dump(out, open(FEATS, "wb"))
    return out


def fit_lr(X, y, C=1.0):
    mu, sd = X.mean(0), X.std(0) + 1e-9
    m = LogisticRegression(C=C, max_iter=5000).fit((X - mu) / sd, y)
    return m.coef_[0] / sd, float(m.intercept_[0] - (m.coef_[0] * mu / sd).sum())


def cv_conf(F, cols, label="ans", C=1.0, model="lr"):
    ans, fold = F["ans"], F["fold"]
    conf, hit = np.zeros(len(ans)), np.zeros(len(ans), bool)
    for k in range(E.FOLDS):
        X, h = F[k]["X"][:, cols], F[k]["hit"]
        tr, te = fold != k, fold == k
        y = ans if label == "ans" else (ans & h)
        if model == "lr":
            w, b = fit_lr(X[tr], y[tr].astype(int), C)
            conf[te] = 1 / (1 + np.exp(-(X[te] @ w + b)))
        else:
            from sklearn.ensemble import HistGradientBoostingClassifier
            m = HistGradientBoostingClassifier(max_depth=3, max_iter=200, learning_rate=0.05,
                                               random_state=0).fit(X[tr], y[tr].astype(int))
            conf[te] = m.predict_proba(X[te])[:, 1]
        hit[te] = h[te]
    return conf, hit


def table(conf, hit, ans):
    rows = []
    for r in (0.05, 0.10, 0.15, 0.20):
        t = np.quantile(conf[ans], r)
        ab = conf < t
        rows.append((r, t, ab[ans].mean(), ab[~ans].mean(), (hit & ~ab)[ans].mean(), hit[ans & ~ab].mean()))
    return rows


def report(name, conf, hit, ans, verbose=False):
    rows = table(conf, hit, ans)
    auc = roc_auc_score(ans, conf)
    print(f"{name:45s} AUC {auc:.4f} | " + "  ".join(f"{r[2]*100:.0f}%->{r[3]*100:.1f}% (c {r[4]:.3f})" for r in rows),
          flush=True)
    return rows, auc


def main():
    t0 = time.time()
    F = pickle.load(open(FEATS, "rb")) if FEATS.exists() and "--rebuild" not in sys.argv else build()
    print("features", time.time() - t0, flush=True)
    ans = F["ans"]
    names = A.ABSTAIN_FEATURES
    allc = list(range(len(names)))
    print("containment no abstention (CV):",
          np.mean(np.concatenate([F[k]["hit"][(F["fold"] == k) & ans] for k in range(E.FOLDS)])))
    exps = [("v1 label=ans", V1, "ans"), ("v1 label=ans&hit", V1, "hit"),
            ("v2 all label=ans", allc, "ans"), ("v2 all label=ans&hit", allc, "hit")]
    for nm, cols, lab in exps:
        report(nm, *cv_conf(F, cols, lab), ans)
    # ablations: add each v2 feature group to v1
    groups = {"per-term": [16, 17, 18], "sandwich": [19], "bigram": [20, 21], "phrase": [22, 23],
              "cap/num_s": [24, 25], "head": [26, 27], "cues": [28, 29], "miss_x_dense": [30], "half_bigram": [31, 32]}
    if "--short" in sys.argv:
        groups = {"half_bigram": [31, 32], "cues": [28, 29]}
    for g, cols in groups.items():
        report(f"v1 + {g}", *cv_conf(F, V1 + cols, "ans"), ans)
        report(f"all - {g}", *cv_conf(F, [c for c in allc if c not in cols], "ans"), ans)
    if "--short" in sys.argv:
        groups = {}
    for C in (0.1, 0.01):
        report(f"v2 all C={C}", *cv_conf(F, allc, "ans", C), ans)
    if "--gbm" in sys.argv:
        report("v2 all HGB depth3", *cv_conf(F, allc, "ans", model="hgb"), ans)
    print("total", time.time() - t0)


if __name__ == "__main__":
    main()
