"""Probe: does the frozen MiniLM, reading "question [SEP] quoted sentence" jointly, tell the quotes
that answer from those that do not? (issue 13, abstention; measured, not shipped)

    cd benchmarks/fit_features
    python experiments/reader_probe.py --probe [--quotes-only]   # CV AUC of heads on the pair encoding
    python experiments/reader_probe.py --wh                      # wh-token heads, joint vs question alone
    python experiments/reader_probe.py --span                    # per-token answer-span head
    python experiments/reader_probe.py --fit --kind=meanalign --abstain-extras --refuse=0.06
                                   # the project's fit with one reader column (meanalign, newshare0.8)

Collects, with the shipped models, every question's quote (realistic sets + SQuAD dev-10), the
gold sentences and a few other top sentences (cached in eval-out/fit-cache/reader-*.pkl), encodes
the pairs with the product's int8 ONNX model (pooled output and last hidden layer), and reports
CV AUC (5 folds, whole reports / articles left out) of small heads on "unanswerable quote vs
answerable-right quote", alone and on top of the shipped confidence logit. Figures: README.md of
this folder, "Reader over the quote".
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent.parent))

import fit_answer_models as F  # noqa: E402

from rag.answer import features as R  # noqa: E402

CACHE = HERE.parent.parent / "eval-out" / "fit-cache" / "reader-pairs.pkl"


def _text(r, i: int) -> str:
    ref = r.refs[i]
    return r.ranked[ref.passage].text[ref.start : ref.end]


def collect() -> list[dict]:
    """One record per question: the quote, its labels, training sentences, shipped confidence."""
    if CACHE.exists():
        return pickle.loads(CACHE.read_bytes())
    rows = F.realistic_rows() + F.squad_rows()
    model = F.shipped_model()
    recs = []
    for r in rows:
        if not len(r.refs):
            continue
        sc = r.X @ model["ws"] + model["bs"]
        chosen = R.choose_sentences(r.refs, sc, [c.text for c in r.ranked])
        sig = R.abstain_features(r.question, r.qvec, r.ranked, r.pscores, r.refs, sc, r.idf, r.vocab)
        extra = R.answerability_signals(r.question, r.ranked, r.refs, chosen, r.vocab_of)
        order = [int(i) for i in np.argsort(-sc, kind="stable")]
        pos = [i for i in order if r.y[i]] if r.answerable else []
        neg = [i for i in order[:6] if not r.y[i] and i not in chosen][:3]
        recs.append(
            dict(
                set=r.set,
                group=r.group,
                question=r.question,
                answerable=r.answerable,
                right=r.right(chosen),
                quote=[_text(r, i) for i in chosen],
                pos=[_text(r, i) for i in pos[:2]],
                neg=[_text(r, i) for i in neg],
                logit=float(sig @ model["wa"] + model["ba"]),
                extra=extra,
                conf=F.confidence(r, dict(signals=sig, extra=extra), model),
                answers=list(r.golds) if r.item is None else list(r.item.must),
            )
        )
    CACHE.write_bytes(pickle.dumps(recs))
    return recs


# ---------------------------------------------------------------- encoding
ENC_CACHE = CACHE.with_name("reader-enc.pkl")


def hidden_session():
    """The product's (int8) ONNX encoder with its last hidden layer as a second output."""
    import onnx
    import onnxruntime

    from rag.index.embed import Embedder

    enc = Embedder().model
    path = next(Path.home().joinpath(".cache", "dispatch-qa").glob("*-int8-v1.onnx"))
    m = onnx.load(str(path))
    mul = next(n for n in m.graph.node if n.output[0] == "/Mul_output_0")
    m.graph.output.append(onnx.helper.make_tensor_value_info(mul.input[0], onnx.TensorProto.FLOAT, None))
    sess = onnxruntime.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    return enc.tokenizer, sess


def encode_pairs(pairs: list[tuple[str, str]]) -> list[dict]:
    """Per pair: pooled joint embedding, question-token and sentence-token hidden states (unit rows)."""
    tok, sess = hidden_session()
    out: list[dict] = [{} for _ in pairs]
    order = np.argsort([-len(q) - len(s) for q, s in pairs], kind="stable")
    for start in range(0, len(pairs), 32):
        idx = order[start : start + 32]
        encs = tok.encode_batch([pairs[i] for i in idx])
        feeds = {
            "input_ids": np.array([e.ids for e in encs], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encs], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encs], dtype=np.int64),
        }
        pooled, hidden = sess.run(None, feeds)
        for k, i in enumerate(idx):
            e = encs[k]
            h = hidden[k] / np.linalg.norm(hidden[k], axis=1, keepdims=True)
            special = set(np.flatnonzero(np.array(e.special_tokens_mask)))
            qi = [j for j, t in enumerate(e.type_ids) if t == 0 and j not in special and e.attention_mask[j]]
            si = [j for j, t in enumerate(e.type_ids) if t == 1 and j not in special and e.attention_mask[j]]
            out[i] = dict(
                pooled=pooled[k].astype(np.float32),
                q=h[qi].astype(np.float16),
                s=h[si].astype(np.float16),
                qtok=[e.tokens[j] for j in qi],
                cls=h[0].astype(np.float32),
            )
    return out


def encodings(recs: list[dict]) -> dict:
    """Encodings of every (question, sentence) pair the records use, cached."""
    if ENC_CACHE.exists():
        return pickle.loads(ENC_CACHE.read_bytes())
    pairs = sorted(
        {(x["question"], s) for x in recs for s in [" ".join(x["quote"]), *x["pos"][:1], *x["neg"][:2]] if s}
    )
    print(f"encoding {len(pairs)} pairs", flush=True)
    enc = dict(zip(pairs, encode_pairs(pairs), strict=True))
    ENC_CACHE.write_bytes(pickle.dumps(enc))
    return enc


# ---------------------------------------------------------------- features and CV
STOP = set(
    "the a an of in on at to for by with from and or is was were are be been did do does what who whom "
    "which when where why how many much that this these those it its as their his her they he she".split()
)


def _content(tokens: list[str]) -> np.ndarray:
    return np.array([t.isalpha() and t.lower() not in STOP for t in tokens], bool)


def align_features(e: dict) -> np.ndarray:
    """Token alignment of the question with the sentence in the joint encoding."""
    q, s = e["q"].astype(np.float32), e["s"].astype(np.float32)
    keep = _content(e["qtok"])
    if not keep.any() or not len(s):
        return np.zeros(8)
    a = (q[keep] @ s.T).max(axis=1)
    return np.array(
        [
            a.mean(),
            a.min(),
            np.quantile(a, 0.25),
            (a < 0.5).mean(),
            (a < 0.6).mean(),
            (a < 0.7).mean(),
            float(e["pooled"] @ e["cls"]),
            np.log1p(len(s)),
        ]
    )


def fold_of(recs: list[dict]) -> np.ndarray:
    groups = sorted({x["group"] for x in recs}, key=str)
    return np.array(
        [x["group"][1] % 5 if x["set"] == "squad" else groups.index(x["group"]) % 5 for x in recs]
    )


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    if not len(pos) or not len(neg):
        return float("nan")
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


QUOTES_ONLY = "--quotes-only" in sys.argv


def training_pairs(recs, idx, featurize, real_weight: float):
    X, y, w = [], [], []
    for i in idx:
        x = recs[i]
        wt = real_weight if x["set"] != "squad" else 1.0
        items = [] if QUOTES_ONLY else [(s, 1.0) for s in x["pos"][:1]] + [(s, 0.0) for s in x["neg"][:2]]
        if not x["answerable"] or x["right"]:
            items.append((" ".join(x["quote"]), float(x["right"])))
        for s, lab in items:
            X.append(featurize(x["question"], s))
            y.append(lab)
            w.append(wt)
    return np.array(X), np.array(y), np.array(w)


def cv_head(recs, featurize, real_weight=4.0, C=1.0) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    fold = fold_of(recs)
    out = np.zeros(len(recs))
    quotes = np.array([featurize(x["question"], " ".join(x["quote"])) for x in recs])
    for k in range(5):
        X, y, w = training_pairs(recs, np.flatnonzero(fold != k), featurize, real_weight)
        sc = StandardScaler().fit(X)
        clf = LogisticRegression(C=C, max_iter=2000).fit(sc.transform(X), y, sample_weight=w)
        te = np.flatnonzero(fold == k)
        out[te] = clf.decision_function(sc.transform(quotes[te]))
    return out


def report(recs, score: np.ndarray, label: str) -> None:
    parts = []
    for name in ("news", "files", "seed", "squad"):
        idx = [i for i, x in enumerate(recs) if x["set"] == name]
        pos = np.array([score[i] for i in idx if recs[i]["right"]])
        neg = np.array([score[i] for i in idx if not recs[i]["answerable"]])
        parts.append(f"{name} {auc(pos, neg):.3f}")
    print(f"{label:40s} AUC(right vs unanswerable): " + "  ".join(parts), flush=True)


def run_probe() -> None:
    recs = collect()
    enc = encodings(recs)
    logit = np.array([x["logit"] for x in recs])
    conf = np.array([np.log(x["conf"] + 1e-9) - np.log(1 - x["conf"] + 1e-9) for x in recs])
    report(recs, logit, "shipped abstain logit")
    report(recs, conf, "shipped confidence (with correction)")
    feats = {
        "align": lambda q, s: align_features(enc[(q, s)]),
        "pooled": lambda q, s: enc[(q, s)]["pooled"],
        "pooled+align": lambda q, s: np.r_[enc[(q, s)]["pooled"], align_features(enc[(q, s)])],
    }
    for name, fz in feats.items():
        for C in (0.01, 0.1, 1.0):
            if name == "align" and C != 1.0:
                continue
            head = cv_head(recs, fz, C=C)
            report(recs, head, f"head {name} C={C}")
            report(recs, conf + 0.5 * head, f"  conf + 0.5 head {name} C={C}")


# ---------------------------------------------------------------- the project's fit with a reader column
def reader_column(kind: str, enc: dict):
    """(question, quote) -> one reader signal: ``meanalign`` (mean over the quote's tokens of
    their best cosine with a question token, joint encoding) or ``newshare<tau>`` (share of the
    quote's tokens aligned with no question token above tau)."""

    def value(question: str, quote: str) -> float:
        e = enc.get((question, quote))
        if e is None or not len(e["s"]):
            return 0.0
        a = (e["s"].astype(np.float32) @ e["q"].astype(np.float32).T).max(1)
        return float(a.mean()) if kind == "meanalign" else float((a < float(kind[8:])).mean())

    return value


def run_fit(kind: str) -> None:
    """fit_answer_models.py --abstain-extras with one more answerability column (this process only)."""
    from rag import models

    recs = collect()
    enc = encodings(recs)
    value = reader_column(kind, enc)
    base = R.answerability_signals

    def signals(question, ranked, refs, chosen, vocab_of):
        quote = " ".join(ranked[refs[i].passage].text[refs[i].start : refs[i].end] for i in chosen)
        return np.r_[base(question, ranked, refs, chosen, vocab_of), value(question, quote)]

    sign = 1 if kind == "meanalign" else -1
    old = R.ANSWERABILITY
    R.answerability_signals = signals
    R.ANSWERABILITY = models.LinearModel(
        (*old.features, kind), np.r_[old.weights, 0.0], old.bias, np.r_[old.signs, sign]
    )
    F.main()


# ---------------------------------------------------------------- wh-token heads, question alone
WH = {"who", "whom", "whose", "which", "what", "when", "where", "why", "how"}


def wh_vector(e: dict) -> np.ndarray:
    """The question's first wh-token state ("how many": mean of both tokens)."""
    toks = e["qtok"]
    i = next((j for j, t in enumerate(toks) if t in WH), 0)
    v = e["q"][i].astype(np.float32)
    if i + 1 < len(toks) and toks[i] == "how":
        v = (v + e["q"][i + 1].astype(np.float32)) / 2
    return v


def question_alone(recs: list[dict]) -> dict:
    """Each question encoded alone (hidden states as in ``encode_pairs``), cached."""
    cache = CACHE.with_name("reader-qalone.pkl")
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    tok, sess = hidden_session()
    out = {}
    qs = sorted({x["question"] for x in recs})
    for start in range(0, len(qs), 32):
        batch = qs[start : start + 32]
        encs = tok.encode_batch(batch)
        feeds = {
            k: np.array([getattr(e, a) for e in encs], dtype=np.int64)
            for k, a in (
                ("input_ids", "ids"),
                ("attention_mask", "attention_mask"),
                ("token_type_ids", "type_ids"),
            )
        }
        pooled, hidden = sess.run(None, feeds)
        for k, q in enumerate(batch):
            e = encs[k]
            h = hidden[k] / np.linalg.norm(hidden[k], axis=1, keepdims=True)
            keep = [j for j in range(len(e.ids)) if e.attention_mask[j] and not e.special_tokens_mask[j]]
            out[q] = dict(pooled=pooled[k], q=h[keep], qtok=[e.tokens[j] for j in keep])
    cache.write_bytes(pickle.dumps(out))
    return out


def new_token_sims(e: dict, tau: float = 0.8) -> np.ndarray:
    """The wh-token's cosine with the quote's tokens aligned with no question token (>= tau):
    max, mean, top-3 mean, and the share of such tokens."""
    q, s = e["q"].astype(np.float32), e["s"].astype(np.float32)
    if not len(s):
        return np.zeros(4)
    new = s[(s @ q.T).max(1) < tau]
    sims = new @ wh_vector(e) if len(new) else np.zeros(1)
    return np.array([sims.max(), sims.mean(), np.sort(sims)[-3:].mean(), len(new) / len(s)])


def run_wh() -> None:
    recs = collect()
    enc = encodings(recs)
    alone = question_alone(recs)
    conf = _conf_logit(recs)
    report(recs, conf, "shipped confidence (with correction)")
    heads = {
        "wh token, joint": lambda q, s: wh_vector(enc[(q, s)]),
        "wh token, question alone": lambda q, s: wh_vector(alone[q]),
        "pooled, question alone": lambda q, s: alone[q]["pooled"],
        "wh joint - wh alone": lambda q, s: wh_vector(enc[(q, s)]) - wh_vector(alone[q]),
        "wh . new-token sims (4)": lambda q, s: new_token_sims(enc[(q, s)]),
    }
    for name, fz in heads.items():
        head = cv_head(recs, fz, C=0.1)
        report(recs, head, f"head {name}")
        report(recs, conf + 0.5 * head, f"  conf + 0.5 head {name}")


def _conf_logit(recs: list[dict]) -> np.ndarray:
    c = np.array([x["conf"] for x in recs])
    return np.log(c + 1e-9) - np.log(1 - c + 1e-9)


# ---------------------------------------------------------------- per-token answer-span head
def _sentence_offsets(tok, question: str, sentence: str) -> tuple[list, set]:
    e = tok.encode(question, sentence)
    keep = [j for j, t in enumerate(e.type_ids) if t == 1 and not e.special_tokens_mask[j]]
    return [e.offsets[j] for j in keep], {e.tokens[j] for j, t in enumerate(e.type_ids) if t == 0}


def _span_labels(offsets: list, sentence: str, answers: list[str]) -> np.ndarray:
    import re

    y = np.zeros(len(offsets))
    for a in (a.strip().lower() for a in answers):
        for m in re.finditer(re.escape(a), sentence.lower()) if a else ():
            y[[j for j, (b, e) in enumerate(offsets) if b < m.end() and e > m.start()]] = 1
    return y


def run_span() -> None:
    """Linear 'inside the answer' classifier on the quote's token states; a quote's score is its
    best token not copied from the question."""
    from sklearn.linear_model import LogisticRegression

    recs = collect()
    enc = encodings(recs)
    tok, _ = hidden_session()
    tok.no_padding()
    fold = fold_of(recs)
    out = np.zeros(len(recs))
    for k in range(5):
        X, y, w = [], [], []
        for i in np.flatnonzero(fold != k):
            x = recs[i]
            sents = [(s, True) for s in x["pos"][:1]] + [(s, False) for s in x["neg"][:2]]
            for s, pos in sents + ([] if x["answerable"] else [(" ".join(x["quote"]), False)]):
                e = enc.get((x["question"], s))
                if e is None or not len(e["s"]):
                    continue
                offsets, _ = _sentence_offsets(tok, x["question"], s)
                lab = _span_labels(offsets, s, x["answers"]) if pos else np.zeros(len(offsets))
                if len(lab) == len(e["s"]) and (lab.any() or not pos):
                    X.append(e["s"].astype(np.float32))
                    y.append(lab)
                    w.append(np.full(len(lab), 4.0 if x["set"] != "squad" else 1.0))
        clf = LogisticRegression(C=0.1, max_iter=500).fit(np.vstack(X), np.concatenate(y), np.concatenate(w))
        for i in np.flatnonzero(fold == k):
            x = recs[i]
            quote = " ".join(x["quote"])
            e = enc[(x["question"], quote)]
            offsets, q_tokens = _sentence_offsets(tok, x["question"], quote)
            p = clf.decision_function(e["s"].astype(np.float32)) if len(e["s"]) else np.array([-10.0])
            toks = tok.encode(x["question"], quote).tokens[-len(p) - 1 : -1]
            new = (
                np.array([t not in q_tokens for t in toks]) if len(toks) == len(p) else np.ones(len(p), bool)
            )
            out[i] = float(p[new].max()) if new.any() else float(p.max())
    conf = _conf_logit(recs)
    report(recs, conf, "shipped confidence (with correction)")
    report(recs, out, "span head: best new token")
    report(recs, conf + 0.5 * out, "  conf + 0.5 span head")


def main() -> None:
    if "--probe" in sys.argv:
        run_probe()
    elif "--wh" in sys.argv:
        run_wh()
    elif "--span" in sys.argv:
        run_span()
    elif "--fit" in sys.argv:
        run_fit(next(a.split("=")[1] for a in sys.argv if a.startswith("--kind=")))
    else:
        recs = collect()
        for name in ("news", "files", "seed", "squad"):
            sub = [x for x in recs if x["set"] == name]
            unans = sum(not x["answerable"] for x in sub)
            print(f"{name}: {len(sub)} questions, {unans} unanswerable, {sum(x['right'] for x in sub)} right")


if __name__ == "__main__":
    main()
