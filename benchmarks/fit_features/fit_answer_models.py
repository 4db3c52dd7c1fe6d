"""Fit the sentence scorer and the abstention confidence on realistic questions + SQuAD; write
``rag/models/answer_models.json``.

    python benchmarks/fit_features/fit_answer_models.py            # CV + in-sample figures
    python benchmarks/fit_features/fit_answer_models.py --write    # also write the models file

``--write`` writes the sentence scorer; the confidence and both thresholds are written only with
``--refit-abstain`` (otherwise the shipped ones stay as they are).

Training data: reports-dev ``news`` and ``files`` (questions phrased the way users ask them), the
seed questions over ``seeds/`` (all three retrieved by the product itself, see reports_dev.py)
and SQuAD 2.0 dev-10 (retrieved by the shipped passage reranker, see evaluate.py). Realistic
groups count ``REPORTS_WEIGHT`` times (SQuAD has seven times as many questions).

Cross-validation leaves whole reports out: every report (a SQuAD article, a reports-dev file,
the seed report) is in fold ``i % 5`` of its own list, and each fold's sentence scorer,
confidence and threshold are fitted on the other four. The passage reranker and the two-sentence
margin are kept as shipped. The abstention threshold is the confidence under which
``REFUSE`` of the training realistic answerable questions fall; ``answer_threshold`` (graded
support) the one at which "uncertain" best tells the training realistic answers given that are
wrong from the right ones (see ``answer_threshold``).
"""

from __future__ import annotations

import dataclasses
import datetime
import sys
import time
from dataclasses import dataclass, field

import evaluate as E
import numpy as np
import reports_dev as D

from rag import models
from rag.answer import features as R
from rag.answer import signals as S
from rag.answer.features import FEATURE_NAMES
from rag.eval.metrics import contains_answer
from rag.models import MODEL_FILE as MODELS_FILE

FOLDS = 5
#: Refit the abstention confidence too (--refit-abstain); by default the shipped SQuAD-fitted one
#: and its threshold are kept: refitted jointly it abstains no better on the realistic sets and
#: refuses far more SQuAD and seed questions (figures in docs/evaluation.md).
REFIT_ABSTAIN = "--refit-abstain" in sys.argv
#: --abstain-extras: keep the shipped sentence scorer and the SQuAD-fitted abstain model, and fit
#: only the answerability correction (``rag.answer.answerability`` signals of the quoted sentences on top
#: of the abstain logit) and the abstention threshold.
ABSTAIN_EXTRAS = "--abstain-extras" in sys.argv
#: Weight of a SQuAD question against a realistic one's REPORTS_WEIGHT in that fit: the signals
#: target the realistic kinds of unanswerable question, rare in SQuAD (crowd questions copy the
#: paragraph's words); cross-validated, 0.1 abstains on more news questions at the same refusals
#: than 1 or 0.3 with SQuAD unchanged (README of this folder).
EXTRAS_SQUAD_WEIGHT = 0.1
REPORTS_WEIGHT = 4
#: answer_threshold: the lowest confidence whose Youden's J is within this of the best one.
J_PLATEAU = 0.03
REFUSE = float(next((a.split("=")[1] for a in sys.argv if a.startswith("--refuse=")), 0.08))
#: The sentence scorer the shipped confidence was fitted with (commit 29d3c9a). Unless the
#: confidence is refitted too, a refitted scorer is mapped (``a * score + b``, least squares of
#: the reference's best-sentence score on the new one over the training questions) onto the
#: reference's scale, since the confidence reads the best score (``s_top``).
REFERENCE_SCORER = {
    "s_dense": 2.909137,
    "s_dense_gap": 2.963772,
    "s_bm": 1.797863,
    "s_cov": -1.752114,
    "s_bigram": 0.586202,
    "win_cov": -0.005646,
    "p_gap": 0.444114,
    "p_rank0": 0.258325,
    "type_hit": 1.121642,
    "type_miss": -1.14955,
    "novel_frac": 1.367692,
    "log_len": 0.160075,
    "first": -0.066473,
    "prev_cov_gain": -1.338445,
    "next_cov_gain": 0.816082,
    "cov_rest": 6.298417,
}
PRECISION = 0.70


@dataclass
class Row:
    set: str
    group: tuple[str, object]
    question: str
    answerable: bool
    qvec: np.ndarray
    ranked: list
    pscores: np.ndarray
    refs: list
    X: np.ndarray
    y: np.ndarray
    idf: dict
    vocab: frozenset
    vocab_of: object = None  # report (Candidate.report) -> its token set
    item: object = None  # reports_dev.Item
    golds: list = field(default_factory=list)  # SQuAD answers

    def right(self, chosen: list[int]) -> bool:
        if self.item is not None:
            return D.is_right(self.item, self.refs, chosen)
        text = " ".join(
            self.ranked[self.refs[i].passage].text[self.refs[i].start : self.refs[i].end] for i in chosen
        )
        return self.answerable and bool(chosen) and contains_answer(text, self.golds)


def _matrix(question, ranked, pscores, qvec, idf_tab):
    refs, X = R.sentence_features(question, qvec, ranked, pscores, idf_tab)
    X = np.hstack([X, S.sentence_extras(question, qvec, ranked, refs, idf_tab)])
    return refs, X


def realistic_rows() -> list[Row]:
    rows = []
    for name in D.SETS:
        items, idf_tab, texts = D.collect(name)
        vocab_of = D.report_vocabs(items, texts)
        for it in items:
            refs, X = _matrix(it.question, it.ranked, it.pscores, it.qvec, idf_tab)
            rows.append(
                Row(
                    name,
                    (name, it.source),
                    it.question,
                    it.answerable,
                    it.qvec,
                    it.ranked,
                    it.pscores,
                    refs,
                    X,
                    D.sentence_labels(it, refs),
                    idf_tab,
                    it.vocab,
                    vocab_of=vocab_of,
                    item=it,
                )
            )
    return rows


def squad_rows() -> list[Row]:
    W = E.build_world()
    c = W.c
    vocabs = [frozenset(v) for v in W.report_vocab]
    vocab_of = vocabs.__getitem__
    rows = []
    for q in range(len(c.questions)):
        PF = R.passage_features(c.questions[q], W.e["questions"][q], W.cands[q], W.stats[q], W.idf)
        s = R.rerank(PF)
        o = np.argsort(-s, kind="stable")
        ranked = [W.cands[q][i] for i in o[: R.ANSWER_PASSAGES]]
        refs, X = _matrix(c.questions[q], ranked, s[o], W.e["questions"][q], W.idf)
        y = np.array(
            [contains_answer(ranked[r.passage].text[r.start : r.end], c.q_answers[q]) for r in refs], float
        )
        rows.append(
            Row(
                "squad",
                ("squad", int(c.q_report[q])),
                c.questions[q],
                bool(c.q_answerable[q]),
                W.e["questions"][q],
                ranked,
                s[o],
                refs,
                X,
                y,
                W.idf,
                frozenset(W.report_vocab[ranked[0].report]),
                vocab_of=vocab_of,
                golds=c.q_answers[q],
            )
        )
    return rows


def fit(rows: list[Row], train: np.ndarray) -> dict:
    """Sentence weights, abstention weights and bias, and both thresholds, from ``train`` rows."""
    groups = []
    for i in train:
        r = rows[i]
        if r.answerable and r.y.any():
            groups += [(r.X, r.y)] * (REPORTS_WEIGHT if r.set != "squad" else 1)
    if ABSTAIN_EXTRAS:
        ws, bs = R.SENTENCE_WEIGHTS, R.SENTENCE_BIAS
    else:
        ws, bs = on_reference_scale(rows, train, E.two_stage(groups))
    outs = apply(rows, train, ws, bs)
    real = [i for i in train if rows[i].set != "squad"]
    if ABSTAIN_EXTRAS:
        model = dict(
            ws=ws, bs=bs, wa=R.ABSTAIN_WEIGHTS, ba=R.ABSTAIN_BIAS, corr=fit_correction(rows, train, outs)
        )
    elif REFIT_ABSTAIN:
        reps = np.array([REPORTS_WEIGHT if rows[i].set != "squad" else 1 for i in train])
        A = np.repeat(np.stack([outs[i]["signals"] for i in train]), reps, axis=0)
        y = np.repeat(np.array([rows[i].answerable for i in train]), reps)
        wa, ba = E.fit_abstention(A, y)
        model = dict(ws=ws, bs=bs, wa=wa, ba=ba)
    else:
        model = dict(ws=ws, bs=bs, wa=R.ABSTAIN_WEIGHTS, ba=R.ABSTAIN_BIAS, threshold=R.ABSTAIN_THRESHOLD)
    model.setdefault("corr", R.ANSWERABILITY)
    conf = {i: confidence(rows[i], outs[i], model) for i in train}
    if REFIT_ABSTAIN or ABSTAIN_EXTRAS:
        ans = np.array([conf[i] for i in real if rows[i].answerable])
        model["threshold"] = float(np.quantile(ans, REFUSE))
    model["answer_threshold"] = answer_threshold(rows, real, outs, conf, model["threshold"])
    return model


def fit_correction(rows: list[Row], train, outs: dict) -> models.LinearModel:
    """The answerability correction: sign-constrained logistic regression of answerability on the
    shipped abstain logit and the answerability signals (realistic rows REPORTS_WEIGHT times)."""
    realistic = round(REPORTS_WEIGHT / EXTRAS_SQUAD_WEIGHT)
    reps = np.array([realistic if rows[i].set != "squad" else 1 for i in train])
    logit = np.array([outs[i]["signals"] @ R.ABSTAIN_WEIGHTS + R.ABSTAIN_BIAS for i in train])
    A = np.repeat(np.column_stack([logit, np.stack([outs[i]["extra"] for i in train])]), reps, axis=0)
    y = np.repeat(np.array([rows[i].answerable for i in train]), reps)
    w, b = E.fit_abstention(A, y, R.ANSWERABILITY.signs)
    return models.LinearModel(R.ANSWERABILITY.features, w, b, R.ANSWERABILITY.signs)


def answer_threshold(rows, real, outs, conf, low: float) -> float:
    """The confidence at which "uncertain" tells wrong answers from right ones best: the answers
    given (at or above ``low``) below it are as many more of the wrong ones than of the right ones
    as can be (Youden's J over the realistic training answers; the lowest such threshold within
    J_PLATEAU of the best). A precision target (answers above
    it right 70% of the time) is not reachable on the realistic sets, where the confidence
    ranks right and wrong answers only weakly, and pushed the threshold up to mark half of the
    right answers uncertain."""
    given = [i for i in real if conf[i] >= low]
    right = np.array([conf[i] for i in given if outs[i]["right"]])
    wrong = np.array([conf[i] for i in given if not outs[i]["right"]])
    if not len(right) or not len(wrong):
        return float(round(low, 2))
    grid = np.round(np.arange(round(low, 2), 1.0, 0.01), 2)
    gain = np.array([np.mean(wrong < t) - np.mean(right < t) for t in grid])
    # J is flat over a wide range: the lowest threshold on its plateau flags the fewest right answers.
    return float(grid[int(np.argmax(gain >= gain.max() - J_PLATEAU))])


def on_reference_scale(rows: list[Row], idx, ws: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights and bias of ``ws`` mapped onto the ``REFERENCE_SCORER``'s scale (see there)."""
    if REFIT_ABSTAIN:
        return ws, 0.0
    names = list(FEATURE_NAMES["sentence"])
    cols = [names.index(n) for n in REFERENCE_SCORER]
    ref_w = np.array(list(REFERENCE_SCORER.values()))
    idx = [i for i in idx if len(rows[i].refs)]
    new = np.array([(rows[i].X @ ws).max() for i in idx])
    ref = np.array([(rows[i].X[:, cols] @ ref_w).max() for i in idx])
    a, b = np.polyfit(new, ref, 1)
    return ws * a, float(b)


def apply(rows: list[Row], idx, ws: np.ndarray, bs: float = 0.0) -> dict:
    out = {}
    for i in idx:
        r = rows[i]
        sc = r.X @ ws + bs
        chosen = R.choose_sentences(r.refs, sc, [c.text for c in r.ranked], question=r.question)
        sig = R.abstain_features(r.question, r.qvec, r.ranked, r.refs, sc, r.idf, r.vocab)
        reading = D.readings().best(r.question, r.ranked, r.refs, chosen, sc)
        extra = R.answerability_signals(r.question, r.ranked, r.refs, chosen, r.vocab_of, reading)
        out[i] = dict(right=r.right(chosen), signals=sig, extra=extra)
    return out


def confidence(row: Row, out: dict, model: dict) -> float:
    return R.guarded_confidence(
        out["signals"], row.question, row.vocab, model["wa"], model["ba"], out["extra"], model["corr"]
    )


def evaluate_rows(rows, idx, model) -> dict:
    outs = apply(rows, idx, model["ws"], model["bs"])
    return {
        i: dict(
            right=outs[i]["right"],
            conf=confidence(rows[i], outs[i], model),
            thr=model["threshold"],
            high=model["answer_threshold"],
        )
        for i in idx
    }


def summary(rows, res, label):
    print(f"\n=== {label} ===")
    for name in [*D.SETS, "squad"]:
        idx = [i for i in res if rows[i].set == name]
        if not idx:
            continue
        ans = [i for i in idx if rows[i].answerable]
        un = [i for i in idx if not rows[i].answerable]
        ab = {i: res[i]["conf"] < res[i]["thr"] for i in idx}
        unc = {i: (not ab[i]) and res[i]["conf"] < res[i]["high"] for i in idx}
        print(
            f"{name:6s} right {np.mean([res[i]['right'] and not ab[i] for i in ans]):.3f}  "
            f"right never abstaining {np.mean([res[i]['right'] for i in ans]):.3f}  "
            f"unanswerable abstained {np.mean([ab[i] for i in un]) if un else float('nan'):.3f}  "
            f"refused {np.mean([ab[i] for i in ans]):.3f}  "
            f"uncertain: answerable {np.mean([unc[i] for i in ans]):.3f} unanswerable "
            f"{np.mean([unc[i] for i in un]) if un else float('nan'):.3f}"
        )


def precision_curve(rows, res) -> None:
    """Share of realistic questions answered at or above t, and how many of those are right."""
    real = [i for i in res if rows[i].set != "squad"]
    print("confidence t | realistic questions at or above t | right among them (CV)")
    for t in np.arange(0.3, 0.95, 0.05):
        given = [i for i in real if res[i]["conf"] >= t]
        if given:
            right = np.mean([res[i]["right"] for i in given])
            print(f"{t:.2f} | {len(given) / len(real):.3f} | {right:.3f}")


def tradeoff(rows, res, label: str) -> None:
    """Unanswerable abstained / answerable refused per set at a range of abstention thresholds."""
    print(f"\n{label}: unanswerable abstained / answerable refused at threshold t")
    for t in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        parts = []
        for name in [*D.SETS, "squad"]:
            idx = [i for i in res if rows[i].set == name]
            if idx:
                ab = np.array([res[i]["conf"] < t for i in idx])
                ans = np.array([rows[i].answerable for i in idx])
                parts.append(f"{name} {ab[~ans].mean():.2f}/{ab[ans].mean():.2f}")
        print(f"t={t:.2f}  " + "  ".join(parts))


def shipped_model() -> dict:
    """The models as shipped (``rag/models/answer_models.json``), padded for experimental columns."""
    ws = R.SENTENCE_WEIGHTS.copy()
    return dict(
        ws=ws,
        bs=R.SENTENCE_BIAS,
        wa=R.ABSTAIN_WEIGHTS,
        ba=R.ABSTAIN_BIAS,
        threshold=R.ABSTAIN_THRESHOLD,
        answer_threshold=R.ANSWER_THRESHOLD,
        corr=R.ANSWERABILITY,
    )


def write(model: dict, n_rows: dict) -> None:
    """Write the refitted sentence scorer and confidence into the shipped models file."""
    fitted_on = (
        f"reports-dev news+files, seed questions, SQuAD 2.0 dev-10 ({n_rows}); realistic groups "
        f"x{REPORTS_WEIGHT}; {datetime.date.today().isoformat()}; "
        f"python benchmarks/fit_features/fit_answer_models.py --write{' --abstain-extras' * ABSTAIN_EXTRAS}"
        f" --refuse={REFUSE}"
    )
    if not (REFIT_ABSTAIN or ABSTAIN_EXTRAS):  # the confidence and its thresholds stay: say whence
        fitted_on = _kept_confidence_note(fitted_on)
    constants = R.MODELS.constants
    if (
        REFIT_ABSTAIN or ABSTAIN_EXTRAS
    ):  # else the shipped thresholds stay (they belong to the confidence's fit)
        # answer_threshold belongs to the grade (fit_grade.py, run after this: the grade reads
        # the confidence and its signals), the reader's models to fit_reader / fit_short.
        constants = dataclasses.replace(constants, abstain_threshold=round(model["threshold"], 3))
    fitted = {
        **R.MODELS.models,
        "passage": R.MODELS.model("passage"),
        "sentence": models.LinearModel(FEATURE_NAMES["sentence"], model["ws"], float(model["bs"])),
        "abstain": models.LinearModel(
            FEATURE_NAMES["abstain"], model["wa"], float(model["ba"]), R.ABSTAIN_SIGNS
        ),
        "answerability": model["corr"],
    }
    models.write(MODELS_FILE, fitted_on, constants, fitted)
    print(f"wrote {MODELS_FILE}")


def _kept_confidence_note(fitted_on: str) -> str:
    """``fitted_on`` for a sentence scorer refit alone: the shipped file's note on where its
    answerability correction and thresholds come from is kept."""
    before = R.MODELS.fitted_on
    kept = before[before.find("answerability correction") :] if "answerability correction" in before else ""
    scorer = fitted_on.replace(f" --refuse={REFUSE}", "")
    return f"{scorer}; {kept}" if kept else scorer


def main() -> None:
    t0 = time.time()
    rows = realistic_rows() + ([] if "--no-squad" in sys.argv else squad_rows())
    print(f"rows {len(rows)} in {time.time() - t0:.0f}s")
    groups = sorted({r.group for r in rows}, key=str)
    fold = np.array([groups.index(r.group) % FOLDS for r in rows])
    if "--no-squad" not in sys.argv:  # SQuAD articles in the folds evaluate.py uses
        fold = np.array([r.group[1] % FOLDS if r.set == "squad" else f for r, f in zip(rows, fold)])
    everything = np.arange(len(rows))
    before = evaluate_rows(rows, everything, shipped_model())
    summary(rows, before, f"SHIPPED BEFORE (threshold {R.ABSTAIN_THRESHOLD:.2f})")
    cv = {}
    for k in range(FOLDS):
        cv.update(evaluate_rows(rows, everything[fold == k], fit(rows, everything[fold != k])))
    summary(rows, cv, f"CROSS-VALIDATED ({FOLDS} folds, whole reports left out)")
    model = fit(rows, everything)
    summary(rows, evaluate_rows(rows, everything, model), "IN-SAMPLE")
    print(f"thresholds: abstain {model['threshold']:.3f}, answer {model['answer_threshold']:.3f}")
    precision_curve(rows, cv)
    tradeoff(rows, before, "SHIPPED BEFORE")
    tradeoff(rows, cv, "CROSS-VALIDATED")
    tradeoff(rows, evaluate_rows(rows, everything, model), "IN-SAMPLE")
    if "--write" in sys.argv:
        write(model, {s: sum(r.set == s for r in rows) for s in sorted({r.set for r in rows})})
    print(f"total {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
