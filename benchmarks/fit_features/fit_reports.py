"""Experiments: new answer-stage signals on the realistic sets, refitted with leave-reports-out CV.

    python benchmarks/fit_features/fit_reports.py [--variants base,soft,ent,...]

Sentence scorer (pairwise logistic, two-stage hard negatives) and confidence (sign-constrained
logistic) are refitted per fold on news + files + seed questions, with whole reports left out
(report i of the pooled list in fold i % 5); the abstention threshold of a fold is the training
answerable questions' 8% quantile. Prints right / unanswerable abstained / refused per set, CV
and in-sample.
"""

from __future__ import annotations

import pickle
import sys
import time

import numpy as np
import reports_dev as D
from evaluate import fit_abstention, two_stage
from experiments import paraphrase

from rag import nlp
from rag.answer import features as R
from rag.index import stats as ST
from rag.text import tokenize

FOLDS = 5
REFUSE = 0.08
ENT_CACHE = D.CACHE / "entities.pkl"


def entities_for(texts: set[str]) -> dict[str, tuple]:
    cache = pickle.loads(ENT_CACHE.read_bytes()) if ENT_CACHE.exists() else {}
    todo = sorted(t for t in texts if t not in cache)
    if todo:
        t0 = time.time()
        for t, ents in zip(todo, nlp.sentence_entities(todo), strict=True):
            cache[t] = ents
        words = sum(len(t.split()) for t in todo)
        print(f"NER on {len(todo)} sentences ({words} words): {words / (time.time() - t0):.0f} words/s")
        ENT_CACHE.write_bytes(pickle.dumps(cache))
    return cache


ASKED = {"number": {"number"}, "date": {"date"}, "place": {"name"}, "person": {"name"}}


def ent_hit(kind: str, text: str, ents: tuple, q_lower: set[str]) -> float:
    want = ASKED.get(kind)
    if not want:
        return 0.0
    for k, s, e in ents:
        kinds = {k} | ({"name"} if k in ("place", "person") else set())
        if kinds & want and not all(w in q_lower for w in text[s:e].lower().split()):
            return 1.0
    return 0.0


class Extras:
    def __init__(self, idf_tab, ents, wv):
        self.idf, self.ents, self.wv = idf_tab, ents, wv

    def sentence(self, it, refs):
        """soft_cov, soft_win, ent_hit, ent_miss per ref."""
        q = it.question
        kind = R.question_type(q)
        qw = paraphrase.content_words(q)
        qwt = np.array([ST.idf(self.idf, (tokenize(w) or [w])[0]) for w in qw])
        qm = self.wv.matrix(qw)
        q_lower = {w.lower() for w in R._WORD.findall(q)}
        q_terms = list(dict.fromkeys(tokenize(q)))
        rows = []
        for r in refs:
            c = it.ranked[r.passage]
            text = c.text[r.start : r.end]
            topic = c.title_tokens
            rest = [t for t in q_terms if t not in topic]
            rw = np.array([ST.idf(self.idf, t) for t in rest])
            st = set(c.sent_tokens[r.sentence]) | (
                set(c.sent_tokens[r.sentence - 1]) if r.sentence > 0 else set()
            )
            cov_rest = R._coverage(rest, rw, st) if rest else 0.0
            keep = [i for i, w in enumerate(qw) if (tokenize(w) or [w])[0] not in topic]
            words = paraphrase.content_words(text)
            wm = self.wv.matrix(words)
            soft_rest = (
                paraphrase.soft_coverage([qw[i] for i in keep], qwt[keep], qm[keep], words, wm)
                if keep
                else 0.0
            )
            own = paraphrase.soft_coverage(qw, qwt, qm, words, wm)
            if r.sentence > 0:
                ps, pe = c.sent_spans[r.sentence - 1]
                pw = paraphrase.content_words(c.text[ps:pe])
                both = list(dict.fromkeys(words + pw))
                win = paraphrase.soft_coverage(qw, qwt, qm, both, self.wv.matrix(both))
            else:
                win = own
            hit = ent_hit(kind, text, self.ents[text], q_lower)
            rows.append([own, win, hit, float(kind != "other" and not hit), cov_rest, soft_rest])
        return np.array(rows).reshape(len(refs), 6)

    def abstain(self, it, refs, X, ex, sc):
        b = int(np.argmax(sc))
        q_words = R._WORD.findall(it.question)
        caps = [w for w in q_words[1:] if w[:1].isupper()]
        cap_rep = sum(1 for w in caps if not all(t in it.vocab for t in tokenize(w)))
        return np.array([1 - ex[b, 4], float(cap_rep)])


SENT_EXTRA = ["soft_cov", "soft_win", "ent_hit", "ent_miss"]
ABST_EXTRA = ["soft_miss", "ent_miss_best", "cap_miss_rep", "s_margin_new"]


def build(items, idf_tab, ex: Extras):
    rows = []
    for it in items:
        refs, X = R.sentence_features(it.question, it.qvec, it.ranked, it.pscores, idf_tab)
        E = ex.sentence(it, refs)
        y = D.sentence_labels(it, refs)
        rows.append(dict(it=it, refs=refs, X=X, E=E, y=y, idf=idf_tab))
    return rows


def variant_matrix(row, v):
    X, E = row["X"], row["E"]
    cols = {
        "base": [],
        "soft": [0, 1],
        "ent": [2, 3],
        "soft+ent": [0, 1, 2, 3],
        "ent_only": [2, 3],
        "rest": [4, 5],
        "rest+ent": [2, 3, 4, 5],
        "all": [0, 1, 2, 3, 4, 5],
        "covrest+ent": [2, 3, 4],
        "covrest": [4],
    }[v]
    M = np.hstack([X, E[:, cols]]) if cols else X
    if v == "ent_only":  # spaCy kinds replace the regex kinds
        M = M.copy()
        M[:, R.SENTENCE_FEATURES.index("type_hit")] = 0
        M[:, R.SENTENCE_FEATURES.index("type_miss")] = 0
    return M


def abstain_matrix(row, sc, v, ex: Extras, use_extra: bool):
    it = row["it"]
    base = R.abstain_features(
        it.question, it.qvec, it.ranked, it.pscores, row["refs"], sc, row["idf"], it.vocab
    )
    if not use_extra:
        return base
    return np.r_[base, ex.abstain(it, row["refs"], row["X"], row["E"], sc)]


def run(rows, groups, v, ex, abst_extra, train_mask, test_idx, w_fixed=None):
    tr = [i for i in np.where(train_mask)[0]]
    if w_fixed is None:
        sg = [
            (variant_matrix(rows[i], v), rows[i]["y"])
            for i in tr
            if rows[i]["it"].answerable and rows[i]["y"].any()
        ]
        ws = two_stage(sg)
    else:
        ws = w_fixed
    out = {}
    signs = R.ABSTAIN_SIGNS if not abst_extra else np.r_[R.ABSTAIN_SIGNS, [-1, -1]]
    cache = {}
    for i in set(tr) | set(test_idx):
        r = rows[i]
        sc = variant_matrix(r, v) @ ws
        ch = R.choose_sentences(r["refs"], sc, [c.text for c in r["it"].ranked])
        ok = D.is_right(r["it"], r["refs"], ch)
        af = abstain_matrix(r, sc, v, ex, abst_extra)
        cache[i] = (ok, af)
    Xa = np.stack([cache[i][1] for i in tr])
    ya = np.array([rows[i]["it"].answerable for i in tr])
    wa, ba = fit_abstention(Xa, ya, signs)
    conf_tr = np.array(
        [R.guarded_confidence(cache[i][1], rows[i]["it"].question, rows[i]["it"].vocab, wa, ba) for i in tr]
    )
    thr = float(np.quantile(conf_tr[ya], REFUSE))
    for i in test_idx:
        ok, af = cache[i]
        conf = R.guarded_confidence(af, rows[i]["it"].question, rows[i]["it"].vocab, wa, ba)
        out[i] = dict(ok=ok, conf=conf, thr=thr)
    return out, dict(ws=ws, wa=wa, ba=ba, thr=thr)


def report(rows, res, label):
    line = [label]
    for name in D.SETS:
        idx = [i for i, r in enumerate(rows) if r["it"].set == name]
        ans = [i for i in idx if rows[i]["it"].answerable]
        un = [i for i in idx if not rows[i]["it"].answerable]
        ab = {i: res[i]["conf"] < res[i]["thr"] for i in idx}
        right = np.mean([res[i]["ok"] and not ab[i] for i in ans])
        never = np.mean([res[i]["ok"] for i in ans])
        line.append(
            f"{name}: right {right:.3f} (never abstaining {never:.3f}) unans abst "
            f"{np.mean([ab[i] for i in un]):.3f} refused {np.mean([ab[i] for i in ans]):.3f}"
        )
    print(" | ".join(line))


def main():
    variants = (
        sys.argv[sys.argv.index("--variants") + 1].split(",")
        if "--variants" in sys.argv
        else ["base", "soft", "ent", "soft+ent", "ent_only"]
    )
    from rag.index.embed import resolve_model_path
    from rag.settings import PACKAGED_MODEL

    wv = paraphrase.WordVectors(resolve_model_path(PACKAGED_MODEL))
    rows = []
    for name in D.SETS:
        items, idf_tab, _ = D.collect(name)
        texts = {c.text[s:e] for it in items for c in it.ranked for s, e in c.sent_spans}
        ents = entities_for(texts)
        ex = Extras(idf_tab, ents, wv)
        rows += build(items, idf_tab, ex)
    ents = pickle.loads(ENT_CACHE.read_bytes())
    ex = Extras(None, ents, wv)
    sources = sorted({(r["it"].set, r["it"].source) for r in rows})
    fold = np.array([sources.index((r["it"].set, r["it"].source)) % FOLDS for r in rows])
    for v in variants:
        for abst_extra in (False, True):
            cv = {}
            for k in range(FOLDS):
                res, _ = run(rows, fold, v, ex, abst_extra, fold != k, list(np.where(fold == k)[0]))
                cv.update(res)
            ins, _ = run(rows, fold, v, ex, abst_extra, np.ones(len(rows), bool), list(range(len(rows))))
            report(rows, cv, f"{v:9s} abst_extra={abst_extra} CV  ")
            report(rows, ins, f"{v:9s} abst_extra={abst_extra} INS ")
    # shipped weights, for reference
    res = {}
    for i, r in enumerate(rows):
        sc = r["X"] @ R.SENTENCE_WEIGHTS
        ch = R.choose_sentences(r["refs"], sc, [c.text for c in r["it"].ranked])
        af = abstain_matrix(r, sc, "base", ex, False)
        res[i] = dict(
            ok=D.is_right(r["it"], r["refs"], ch),
            conf=R.guarded_confidence(af, r["it"].question, r["it"].vocab),
            thr=R.ABSTAIN_THRESHOLD,
        )
    report(rows, res, "shipped today         ")


if __name__ == "__main__":
    main()
