"""The reader in the answer stage: how it chooses sentences and grades support on the realistic
sets, cross-validated by report, beside the shipped hand-feature scorer; fits the small models
that sit on top of the reader's logit and writes them into ``rag/models/answer_models.json``.

    python benchmarks/fit_features/fit_reader.py            # figures (CV by report and in-sample)
    python benchmarks/fit_features/fit_reader.py --write    # also write the fitted models

The reader (``rag.answer.reader``) was trained on qa-train only, so its logits on these sets are out
of sample. Fitted here: (a) the choice score, reader logit and span score + the passage's rank, its
reranker score and the coverage scorer's sentence score (``rag.answer.read``; written with
``--write``); (b) an experimental confidence, a logistic model of "the chosen sentence is right"
over the reader's top logit, its margin and the shipped confidence (printed, not shipped;
``--coverage-confidence`` abstains with the shipped confidence, as the product does; its support
grade is ``fit_grade.py``'s). Folds leave whole reports out (``reports_dev``: news, files, seed).
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import reports_dev as D  # noqa: E402

from rag import models  # noqa: E402
from rag.answer import features as R  # noqa: E402
from rag.answer import read as RD  # noqa: E402
from rag.answer.extractive import sentence_scores  # noqa: E402
from rag.answer.reader import Reader  # noqa: E402

#: Passages whose sentences the reader reads (the shipped scorer reads ``R.ANSWER_PASSAGES``).
WIDE = 5
CACHE = D.REPO / "eval-out" / "fit-cache" / "reader" / D.TOKENS
FOLDS = 5
#: The abstention threshold leaves out this share of the right answers of the training questions.
REFUSE = 0.05
#: --coverage-confidence: grade with the shipped coverage confidence and thresholds (the reader
#: only chooses the sentence and cuts the short answer).
COVERAGE_CONFIDENCE = "--coverage-confidence" in sys.argv
#: The runner-up sentence (same report) is quoted too when its choice score is within this of the best.
SECOND = float(next((a.split("=")[1] for a in sys.argv if a.startswith("--second=")), "2.0"))


@dataclass
class Scored:
    """One question with every competing sentence's reader logit and the shipped scorer's pick."""

    item: D.Item
    refs: list  # R.SentenceRef over the WIDE passages
    logits: np.ndarray
    spans: list[tuple[int, int]]
    span_logits: np.ndarray
    labels: np.ndarray
    shipped: list[int]  # the shipped scorer's choice (indices into refs)
    shipped_conf: float
    old: np.ndarray  # the shipped sentence scorer's score of every sentence of the WIDE passages


def collect_wide(name: str) -> tuple[list[D.Item], dict, dict[str, str]]:
    """``reports_dev.collect`` keeping the ``WIDE`` best passages per question."""
    saved_cache, saved_n = D.CACHE, R.ANSWER_PASSAGES
    D.CACHE, R.ANSWER_PASSAGES = CACHE / "wide", WIDE
    try:
        return D.collect(name)
    finally:
        D.CACHE, R.ANSWER_PASSAGES = saved_cache, saved_n


def shipped_choice(item: D.Item, idf: dict, vocab_of) -> tuple[list, list[int], float]:
    """The shipped scorer's refs (over its own passages), choice and confidence."""
    shipped = D.shipped_answer(item, idf, vocab_of)
    return shipped.refs, shipped.chosen, shipped.confidence


def scorer_digest() -> str:
    """A digest of what the cached choices and confidences read: the models file less the models
    this script and the ones after it fit (a refit of the scorer or the confidence makes a new cache)."""
    raw = json.loads(models.MODEL_FILE.read_text(encoding="utf-8"))
    kept = {k: v for k, v in raw["models"].items() if k not in ("reader_choice", "grade")}
    constants = {k: v for k, v in raw["constants"].items() if k != "answer_threshold"}
    text = json.dumps([kept, constants], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def score_set(name: str, reader: Reader) -> list[Scored]:
    """Every question of set ``name`` with the reader's readings (cached)."""
    limits = f"r{RD.READ_SENTENCES}-c{reader.limits.context}-s{reader.limits.sentence}-span"
    cache = CACHE / f"{name}-{reader.version}-{reader.digest}-{limits}-{scorer_digest()}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    items, idf, texts = collect_wide(name)
    vocab_of = D.report_vocabs(items, texts)
    out = []
    for it in items:
        refs, old = sentence_scores(it.question, it.qvec, it.ranked, idf)
        keep = RD.shortlist(old)
        sents, ctxs = RD.reader_inputs(it.ranked, [refs[i] for i in keep])
        read_ones = dict(zip(keep, reader.predict(it.question, sents, ctxs)))
        readings = [read_ones.get(i, RD.UNREAD) for i in range(len(refs))]
        srefs, chosen, conf = shipped_choice(it, idf, vocab_of)
        key = {(r.passage, r.sentence): i for i, r in enumerate(refs)}
        out.append(
            Scored(
                item=it,
                refs=refs,
                logits=np.array([r.logit for r in readings]),
                spans=[r.span for r in readings],
                span_logits=np.array([r.span_logit for r in readings]),
                labels=D.sentence_labels(it, refs),
                shipped=[key[(srefs[i].passage, srefs[i].sentence)] for i in chosen],
                shipped_conf=conf,
                old=old,
            )
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(out))
    return out


def choice_features(s: Scored) -> np.ndarray:
    """``rag.answer.read.CHOICE_FEATURES`` per sentence."""
    readings = [RD.Reading(float(g), sp, float(sl)) for g, sp, sl in zip(s.logits, s.spans, s.span_logits)]
    return RD.choice_features(s.refs, readings, np.asarray(s.item.pscores, dtype=float), s.old)


def fold_of(scored: list[Scored]) -> np.ndarray:
    """Fold of each question: its report's position in its set's sorted report list, mod FOLDS."""
    out = np.zeros(len(scored), dtype=int)
    for name in {s.item.set for s in scored}:
        reports = sorted({s.item.source for s in scored if s.item.set == name})
        for i, s in enumerate(scored):
            if s.item.set == name:
                out[i] = reports.index(s.item.source) % FOLDS
    return out


def fit_choice(train: list[Scored]) -> np.ndarray:
    """Weights of the choice score: a conditional logit (softmax over each question's sentences)."""
    import torch

    groups = []
    for s in train:
        read = s.logits > RD.UNREAD.logit  # only the shortlisted sentences compete
        if s.item.answerable and s.labels[read].any():
            X = torch.tensor(choice_features(s)[read], dtype=torch.float)
            groups.append((X, torch.tensor(s.labels[read])))
    w = torch.tensor([1.0] + [0.0] * (len(RD.CHOICE_FEATURES) - 1), requires_grad=True)
    opt = torch.optim.LBFGS([w], max_iter=100)

    def closure():
        opt.zero_grad()
        loss = sum(-torch.logsumexp((X @ w)[y > 0], 0) + torch.logsumexp(X @ w, 0) for X, y in groups)
        loss = loss / len(groups) + 0.01 * (w[1:] ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy()


def picks(s: Scored, w: np.ndarray) -> list[int]:
    """The quoted sentences: the best, and the runner-up of the same report within ``SECOND``."""
    best, z = choose(s, w)
    order = np.argsort(-z)
    if len(order) > 1:
        second = int(order[1])
        same = s.item.sources[s.refs[second].passage] == s.item.sources[s.refs[best].passage]
        if same and z[best] - z[second] < SECOND:
            return [best, second]
    return [best]


def choose(s: Scored, w: np.ndarray) -> tuple[int, np.ndarray]:
    """Index of the best sentence under choice weights ``w``, and all choice scores."""
    z = choice_features(s) @ w
    return int(np.argmax(z)), z


def conf_features(s: Scored, w: np.ndarray) -> np.ndarray:
    """An experimental reader confidence's features: the chosen sentence's logit, its lead over the
    runner-up, the coverage confidence's logit (not shipped: see ``rag.answer.read``)."""
    scores = choose(s, w)[1]
    top2 = np.sort(scores)[-2:]
    c = min(max(s.shipped_conf, 1e-4), 1 - 1e-4)
    return np.array([s.logits[int(np.argmax(scores))], top2[1] - top2[0], np.log(c / (1 - c))])


def right(s: Scored, chosen: list[int]) -> bool:
    """The harness's "right": required strings quoted and the gold sentence cited."""
    return D.is_right(s.item, s.refs, chosen)


def evaluate(scored: list[Scored], cv: bool) -> dict:
    """Right / refused / abstained and the grade table, CV by report (``cv``) or in-sample."""
    folds = fold_of(scored) if cv else np.zeros(len(scored), dtype=int)
    res = {}
    from sklearn.linear_model import LogisticRegression

    for f in sorted(set(folds)):
        test = [s for s, g in zip(scored, folds) if g == f]
        train = [s for s, g in zip(scored, folds) if g != f] if cv else scored
        w = fit_choice(train)
        Xc = np.array([conf_features(s, w) for s in train])
        yc = np.array([s.item.answerable and right(s, picks(s, w)) for s in train])
        model = LogisticRegression(C=1.0).fit(Xc, yc)
        p_train = model.predict_proba(Xc)[:, 1]
        ans = np.array([s.item.answerable for s in train])
        low = float(np.quantile(p_train[ans & yc], REFUSE))
        high = answer_threshold(p_train, yc)
        for s in test:
            best = picks(s, w)
            p = float(model.predict_proba(conf_features(s, w)[None])[0, 1])
            if COVERAGE_CONFIDENCE:
                p, low, high = s.shipped_conf, R.ABSTAIN_THRESHOLD, R.ANSWER_THRESHOLD
            res[id(s)] = (best, p, low, high)
    return res


def answer_threshold(p: np.ndarray, y: np.ndarray, precision: float = 0.9) -> float:
    """The lowest confidence above which at least ``precision`` of the answers are right."""
    order = np.argsort(-p)
    hits = np.cumsum(y[order]) / np.arange(1, len(y) + 1)
    ok = np.where(hits >= precision)[0]
    return float(p[order][ok[-1]]) if len(ok) else 1.0


def report(name: str, scored: list[Scored], res: dict, label: str) -> None:
    """Print one set's figures."""
    sub = [s for s in scored if s.item.set == name]
    ans = [s for s in sub if s.item.answerable]
    una = [s for s in sub if not s.item.answerable]
    r_read = sum(right(s, res[id(s)][0]) and res[id(s)][1] >= res[id(s)][2] for s in ans)
    r_read_any = sum(right(s, res[id(s)][0]) for s in ans)
    refused = sum(res[id(s)][1] < res[id(s)][2] for s in ans)
    abst = sum(res[id(s)][1] < res[id(s)][2] for s in una)
    r_ship = sum(right(s, s.shipped) and s.shipped_conf >= R.ABSTAIN_THRESHOLD for s in ans)
    grade = {"answered": [0, 0], "uncertain": [0, 0], "abstained": [0, 0]}
    for s in sub:
        best, p, low, high = res[id(s)]
        g = "abstained" if p < low else "answered" if p >= high else "uncertain"
        grade[g][0 if (s.item.answerable and right(s, best)) else 1] += 1
    # With the shipped confidence, the support grade is rag.answer.grade's: fit_grade.py prints it.
    shown = "see fit_grade.py" if COVERAGE_CONFIDENCE else grade
    print(
        f"{label:10s} {name:6s} right {r_read / len(ans):.3f} (never abstaining {r_read_any / len(ans):.3f}; "
        f"shipped {r_ship / len(ans):.3f})  refused {refused / len(ans):.3f}  "
        f"unanswerable abstained {abst}/{len(una)}  grades (right, wrong): {shown}"
    )


def write(scored: list[Scored]) -> None:
    """Write the reader's choice model into the models file (the rest of it stays as it is)."""
    w = fit_choice(scored)
    shipped = models.load()
    fitted = dict(shipped.models)
    fitted["reader_choice"] = models.LinearModel(
        RD.CHOICE_FEATURES,
        w,
        0.0,
        scale={**fitted["reader_choice"].scale, "passages": WIDE, "second_margin": SECOND},
    )
    models.write(models.MODEL_FILE, shipped.fitted_on, shipped.constants, fitted)
    print(f"wrote {models.MODEL_FILE}: reader_choice {np.round(w, 4)}")


def alone(scored: list[Scored]) -> None:
    """Print how often the reader alone (its logit) and the coverage scorer alone pick a gold
    sentence among the shortlisted ones, per set (answerable questions with one shortlisted)."""
    for name in ("news", "files", "seed"):
        reader_hits, coverage_hits = [], []
        for s in scored:
            read = s.logits > RD.UNREAD.logit
            if s.item.set == name and s.item.answerable and s.labels[read].any():
                reader_hits.append(bool(s.labels[int(np.argmax(np.where(read, s.logits, -np.inf)))]))
                coverage_hits.append(bool(s.labels[int(np.argmax(np.where(read, s.old, -np.inf)))]))
        print(
            f"alone      {name:6s} reader top-1 {np.mean(reader_hits):.3f}  coverage scorer top-1 "
            f"{np.mean(coverage_hits):.3f}  ({len(reader_hits)} questions, {RD.READ_SENTENCES} read)"
        )
    from sklearn.metrics import roc_auc_score as auc

    for name in ("news", "files", "seed"):
        mine = [s for s in scored if s.item.set == name]
        y = np.array([s.item.answerable for s in mine])
        best = np.array([np.max(s.logits[s.logits > RD.UNREAD.logit], initial=-99.0) for s in mine])
        span = np.array([np.max(s.span_logits[s.logits > RD.UNREAD.logit], initial=-99.0) for s in mine])
        conf = np.array([s.shipped_conf for s in mine])
        print(
            f"separates  {name:6s} answerable from not: AUC of the top logit {auc(y, best):.3f}, "
            f"of the top span score {auc(y, span):.3f}, of the coverage confidence {auc(y, conf):.3f}  "
            f"({int((~y).sum())} unanswerable)"
        )


def main() -> None:
    """Figures on news, files and the seed; ``--write`` stores the fitted models."""
    reader = Reader()
    scored = [s for name in ("news", "files", "seed") for s in score_set(name, reader)]
    alone(scored)
    for cv in (True, False):
        res = evaluate(scored, cv)
        for name in ("news", "files", "seed"):
            report(name, scored, res, "CV" if cv else "in-sample")
    if "--write" in sys.argv:
        write(scored)


if __name__ == "__main__":
    import fit_reader  # pickle under the module's own name

    fit_reader.main()
