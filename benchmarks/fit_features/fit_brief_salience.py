"""A brief's salience learned from the key facts themselves (issue 24): is a sentence that holds
a key fact recognisable from what a brief has for free at ingest?

    python benchmarks/fit_features/fit_brief_salience.py           # the table (about 1-2 min)
    python benchmarks/fit_features/fit_brief_salience.py --quick   # scalar models only

Data: the 19 reports of ``evals/brief_facts.jsonl`` as ``brief_data.py`` caches them (their
eligible sentences, vectors, and the facts each sentence holds). Label: a sentence holds a key
fact (1) or not (0). Features (``features``): position (1/sqrt(1+i), log(1+i), relative), log
words, counts of numbers / dates / capitalised names (``rag.text`` patterns), the shipped
names/figures prior, centrality (raw, scaled and z-scored within the report), cosine with the
first eligible sentence, share of the title's words, paragraph start, three flags for words of
a SMALL generic list (casualties, forces, outcome; the list an earlier session fixed for the
question-worthiness labels, never words taken from the facts) and a figure next to one of them;
optionally the sentence vector (PCA fitted on the training reports, or all 384 dimensions with
strong L2), raw or less the report's mean vector.

Models: logistic regression, pairwise ranking (logistic on within-report differences of a
fact sentence and another), listwise (softmax over a report's sentences), small gradient boosting.
Selections: the model's score alone (scaled 0-1 in the report) picked by the product's MMR at a
trade-off; the shipped salience plus a weight times the model's score; the first k sentences
then the model's best by MMR.

Every figure but "in-sample" is leave-one-report-out: the model fitted on 18 reports, the
brief of the 19th scored. "nested" also chooses the selection (and the model variant) on the 18
by an inner leave-one-out over them, so it is the one honest figure for the whole family; the
best CV of a row is chosen among many rows on the same 19 reports and is optimistic.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import brief_data as D  # noqa: E402

from rag.answer import brief as B  # noqa: E402
from rag.eval import briefs as EB  # noqa: E402
from rag.text import CAPITAL, DATE, NUMBER  # noqa: E402

SENTENCES = 5
#: The generic word list (fixed before this script, ``fit_question_salience.py --kinds``).
CASUALTY = re.compile(r"(?i)\b(?:killed|died|dead|deaths?|casualties|wounded|injured)\b")
FORCE = re.compile(r"(?i)\b(?:troops|soldiers)\b")
OUTCOME = re.compile(r"(?i)\b(?:result|outcome|won|win|defeat(?:ed)?|victory|lost)\b")
_STOP = frozenset(
    "the a an of in on at to for and or by with from as is was were be that this it its".split()
)

SCALARS = (
    "position",
    "log_index",
    "relative",
    "log_words",
    "numbers",
    "dates",
    "names",
    "prior",
    "centrality",
    "centrality_scaled",
    "centrality_z",
    "first_cosine",
    "title_words",
    "paragraph_start",
    "casualty",
    "force",
    "outcome",
    "figure_with_word",
    "from_end",
    "follows_heading",
    "starts_with_date",
    "numbers_z",
    "prior_z",
)
_HEADING_BEFORE = re.compile(r"\n\n[^\n.!?]{1,60}\n\s*$")


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[\w'-]+", text)} - _STOP


def features(data: D.ReportData) -> np.ndarray:
    """(sentences, len(SCALARS)) per-sentence features, cheap at ingest."""
    found, text = data.found, data.text
    vectors = found.vectors.astype(np.float32)
    n = len(found)
    index = np.arange(n, dtype=np.float64)
    central = B.centrality(vectors).astype(np.float64)
    title = _words(data.title)
    rows = []
    for start, end in found.spans:
        s = text[start:end]
        numbers = len(NUMBER.findall(s))
        names = max(len(CAPITAL.findall(s)) - (1 if s[:1].isupper() else 0), 0)
        before = text[max(0, start - 3) : start]
        words = len(s.split())
        flags = [bool(CASUALTY.search(s)), bool(FORCE.search(s)), bool(OUTCOME.search(s))]
        rows.append(
            [
                0.0,
                0.0,
                0.0,
                np.log(words),
                np.log1p(numbers),
                np.log1p(len(DATE.findall(s))),
                np.log1p(names),
                B.prior(s),
                0.0,
                0.0,
                0.0,
                0.0,
                len(title & _words(s)) / max(len(title), 1),
                float(start == 0 or "\n" in before),
                *map(float, flags),
                float(numbers > 0 and any(flags)),
                0.0,
                float(bool(_HEADING_BEFORE.search(text[max(0, start - 64) : start]))),
                float(bool(DATE.search(" ".join(s.split()[:4])))),
                float(numbers),
                B.prior(s),
            ]
        )
    x = np.asarray(rows, dtype=np.float64).reshape(n, len(SCALARS))
    x[:, 0] = 1.0 / np.sqrt(1.0 + index)
    x[:, 1] = np.log1p(index)
    x[:, 2] = index / max(n - 1, 1)
    x[:, 8] = central
    x[:, 9] = B.scaled(central)
    x[:, 10] = (central - central.mean()) / (central.std() + 1e-9)
    x[:, 11] = vectors @ vectors[0] if n else 0.0
    x[:, 18] = 1.0 / np.sqrt(n - index)
    for k in (21, 22):
        x[:, k] = (x[:, k] - x[:, k].mean()) / (x[:, k].std() + 1e-9)
    return x


@dataclass
class Fold:
    """Per-report inputs of a model: its feature rows, labels and the report's vectors."""

    x: np.ndarray
    y: np.ndarray
    vectors: np.ndarray
    weight: np.ndarray  # a fact sentence's share of the facts it holds (1 / sentences holding each)

    @classmethod
    def of(cls, data: D.ReportData, holds: np.ndarray) -> Fold:
        share = (holds / np.maximum(holds.sum(0), 1)).sum(1)
        weight = np.where(holds.any(1), share / max(share[holds.any(1)].mean(), 1e-9), 1.0)
        return cls(features(data), holds.any(1), data.found.vectors.astype(np.float32), weight)


Fitter = Callable[[list[Fold]], Callable[[Fold], np.ndarray]]


def standardise(x: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    mu, sd = x.mean(0), x.std(0) + 1e-9
    return lambda z: (z - mu) / sd


def design(kind: str, pca: int) -> Callable[[list[Fold]], Callable[[Fold], np.ndarray]]:
    """The design matrix builder: scalars, plus the vector (raw, or less the report's mean), PCA'd
    on the training reports when ``pca`` > 0."""

    def build(train: list[Fold]) -> Callable[[Fold], np.ndarray]:
        def vec(f: Fold) -> np.ndarray:
            v = f.vectors.astype(np.float64)
            return v - v.mean(0) if kind == "within" else v

        if kind == "none":
            return lambda f: f.x
        if pca:
            stacked = np.concatenate([vec(f) for f in train])
            mean = stacked.mean(0)
            _, _, vt = np.linalg.svd(stacked - mean, full_matrices=False)
            basis = vt[:pca].T
            return lambda f: np.hstack([f.x, (vec(f) - mean) @ basis])
        return lambda f: np.hstack([f.x, vec(f)])

    return build


def logistic(c: float, kind: str = "none", pca: int = 0, weighted: bool = False) -> Fitter:
    from sklearn.linear_model import LogisticRegression

    def fit(train: list[Fold]) -> Callable[[Fold], np.ndarray]:
        make = design(kind, pca)(train)
        x = np.concatenate([make(f) for f in train])
        norm = standardise(x)
        weight = np.concatenate([f.weight if weighted else np.ones(len(f.y)) for f in train])
        model = LogisticRegression(C=c, max_iter=5000).fit(
            norm(x), np.concatenate([f.y for f in train]), sample_weight=weight
        )
        return lambda f: np.asarray(model.decision_function(norm(make(f))))

    return fit


def pairwise(c: float, kind: str = "none", pca: int = 0) -> Fitter:
    """RankNet-like: logistic on (fact sentence - other sentence) differences within a report."""
    from sklearn.linear_model import LogisticRegression

    def fit(train: list[Fold]) -> Callable[[Fold], np.ndarray]:
        make = design(kind, pca)(train)
        mats = [make(f) for f in train]
        norm = standardise(np.concatenate(mats))
        diffs, weights = [], []
        for m, f in zip(mats, train):
            z = norm(m)
            pos, neg = z[f.y], z[~f.y]
            if len(pos) and len(neg):
                diffs.append((pos[:, None, :] - neg[None, :, :]).reshape(-1, z.shape[1]))
                weights.append(np.full(len(diffs[-1]), 1.0 / len(diffs[-1])))  # each report alike
        d = np.concatenate(diffs)
        w = np.concatenate(weights)
        model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000).fit(
            np.concatenate([d, -d]),
            np.r_[np.ones(len(d)), np.zeros(len(d))],
            sample_weight=np.r_[w, w] * len(d) / w.sum(),
        )
        coef = model.coef_.ravel()
        return lambda f: norm(make(f)) @ coef

    return fit


def listwise(l2: float, kind: str = "none", pca: int = 0) -> Fitter:
    """Softmax over each report's sentences, the fact sentences as the targets (ListNet-like)."""
    from scipy.optimize import minimize

    def fit(train: list[Fold]) -> Callable[[Fold], np.ndarray]:
        make = design(kind, pca)(train)
        mats = [make(f) for f in train]
        norm = standardise(np.concatenate(mats))
        zs = [norm(m) for m in mats]
        targets = [f.y / max(f.y.sum(), 1) for f in train]

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            total, grad = l2 * w @ w, 2 * l2 * w
            for z, t in zip(zs, targets):
                s = z @ w
                s = s - s.max()
                p = np.exp(s) / np.exp(s).sum()
                total -= float(t @ np.log(p + 1e-12))
                grad += z.T @ (p - t)
            return total, grad

        w = minimize(loss, np.zeros(zs[0].shape[1]), jac=True, method="L-BFGS-B").x
        return lambda f: norm(make(f)) @ w

    return fit


def boosting(depth: int, trees: int) -> Fitter:
    from sklearn.ensemble import GradientBoostingClassifier

    def fit(train: list[Fold]) -> Callable[[Fold], np.ndarray]:
        x = np.concatenate([f.x for f in train])
        model = GradientBoostingClassifier(
            n_estimators=trees, max_depth=depth, learning_rate=0.05, subsample=0.8, random_state=0
        ).fit(x, np.concatenate([f.y for f in train]))
        return lambda f: np.asarray(model.decision_function(f.x))

    return fit


# Selections: a name and a function of (report, model score, shipped salience) -> chosen rows.
Selection = tuple[str, Callable[[D.ReportData, np.ndarray, np.ndarray], list[int]]]


def _mmr(data: D.ReportData, score: np.ndarray, trade_off: float, count: int = SENTENCES) -> list[int]:
    if len(data.found) <= count:
        return list(range(len(data.found)))
    return B.mmr(score, data.found.vectors.astype(np.float32), count, trade_off)


def mmr_after(scores: np.ndarray, vectors: np.ndarray, chosen: list[int], trade_off: float) -> list[int]:
    """``rag.answer.brief.mmr`` continued after the rows ``chosen`` (the model's scores over the
    rest keep their full 0-1 range)."""
    chosen = list(chosen)
    similar = np.max(vectors @ vectors[chosen].T, axis=1)
    while len(chosen) < min(SENTENCES, len(scores)):
        value = trade_off * scores - (1 - trade_off) * similar
        value[chosen] = -np.inf
        best = int(np.argmax(value))
        chosen.append(best)
        similar = np.maximum(similar, vectors @ vectors[best])
    return chosen


def selections() -> list[Selection]:
    out: list[Selection] = []
    for lam in (0.6, 0.7, 0.8):
        out.append((f"shipped salience alone, MMR {lam}", lambda d, m, s, lam=lam: _mmr(d, s, lam)))
    for lam in (0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        out.append((f"model, MMR {lam}", lambda d, m, s, lam=lam: _mmr(d, B.scaled(m), lam)))
    for w, lam in itertools.product((0.1, 0.25, 0.5, 1.0, 2.0), (0.6, 0.7, 0.8)):
        out.append(
            (
                f"shipped + {w} x model, MMR {lam}",
                lambda d, m, s, w=w, lam=lam: _mmr(d, B.scaled(s) + w * B.scaled(m), lam),
            )
        )
    for k, lam in itertools.product((1, 2, 3), (0.6, 0.8, 1.0)):

        def lead_then(
            d: D.ReportData, m: np.ndarray, s: np.ndarray, k: int = k, lam: float = lam
        ) -> list[int]:
            n = len(d.found)
            if n <= SENTENCES:
                return list(range(n))
            return mmr_after(B.scaled(m), d.found.vectors.astype(np.float32), list(range(k)), lam)

        out.append((f"first {k}, then model by MMR {lam}", lead_then))
    for w in (0.25, 0.5):

        def longer(d: D.ReportData, m: np.ndarray, s: np.ndarray, w: float = w) -> list[int]:
            words = np.log([len(t.split()) for t in d.sentences])
            return _mmr(d, B.scaled(m) + w * B.scaled(words), 0.7)

        out.append((f"model + {w} x log words, MMR 0.7", longer))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="scalar models only")
    parser.add_argument("--no-nested", action="store_true", help="skip the nested figure")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    reports = D.reports()
    holds = [r.holds() for r in reports]
    folds = [Fold.of(r, h) for r, h in zip(reports, holds)]
    shipped = [B.salience(r.found, r.text) for r in reports]
    n = len(reports)
    positives = sum(int(f.y.sum()) for f in folds)
    print(f"{n} reports, {sum(len(f.y) for f in folds)} sentences, {positives} hold a fact")

    def cover(i: int, chosen: list[int]) -> int:
        """Facts of report ``i`` its ``chosen`` sentences hold."""
        return int(holds[i][chosen].any(0).sum())

    base = {
        "lead-5": [cover(i, B.lead(r.found, SENTENCES)) for i, r in enumerate(reports)],
        "shipped brief": [cover(i, B.choose(r.found, r.text, SENTENCES)) for i, r in enumerate(reports)],
        "oracle": [cover(i, EB.oracle(r.found, r.text, r.facts, SENTENCES)) for i, r in enumerate(reports)],
    }
    for name, values in base.items():
        print(f"{name:<60} {np.mean(values):.2f}")

    models: dict[str, Fitter] = {
        "logistic C=0.01, scalars": logistic(0.01),
        "logistic C=0.1, scalars": logistic(0.1),
        "logistic C=1, scalars": logistic(1.0),
        "logistic C=0.1, scalars, fact-share weights": logistic(0.1, weighted=True),
        "pairwise C=0.1, scalars": pairwise(0.1),
        "pairwise C=1, scalars": pairwise(1.0),
        "listwise L2=1, scalars": listwise(1.0),
        "listwise L2=10, scalars": listwise(10.0),
        "boosting depth 2, 100 trees, scalars": boosting(2, 100),
        "boosting depth 3, 50 trees, scalars": boosting(3, 50),
    }
    if not args.quick:
        models |= {
            "logistic C=0.1, scalars + PCA 8": logistic(0.1, "raw", 8),
            "logistic C=0.1, scalars + PCA 32": logistic(0.1, "raw", 32),
            "logistic C=0.1, scalars + PCA 16 within": logistic(0.1, "within", 16),
            "logistic C=0.01, scalars + 384 raw": logistic(0.01, "raw"),
            "logistic C=0.001, scalars + 384 raw": logistic(0.001, "raw"),
            "logistic C=0.001, scalars + 384 within": logistic(0.001, "within"),
            "logistic C=0.01, scalars + 384 within": logistic(0.01, "within"),
            "pairwise C=0.1, scalars + PCA 16 within": pairwise(0.1, "within", 16),
            "listwise L2=10, scalars + PCA 16 within": listwise(10.0, "within", 16),
            "listwise L2=100, scalars + 384 within": listwise(100.0, "within"),
        }
    sels = selections()
    pairs = list(itertools.combinations(range(n), 2))
    # For each model: in-sample scores, LORO scores, and pair-out scores (inner folds of the nest).
    table: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for name, fitter in models.items():
        t0 = time.perf_counter()
        everything = fitter(folds)
        fitted = [everything(f) for f in folds]
        loro = [fitter([f for j, f in enumerate(folds) if j != i])(folds[i]) for i in range(n)]
        ins, cv = (
            np.array([[cover(i, sel(reports[i], got[i], shipped[i])) for i in range(n)] for _, sel in sels])
            for got in (fitted, loro)
        )
        # inner[s, outer, inner] = coverage of report `inner` by a model fitted without both.
        inner = np.zeros((len(sels), n, n), dtype=np.int64)
        if not args.no_nested:
            for i, j in pairs:
                model = fitter([f for k, f in enumerate(folds) if k not in (i, j)])
                mi, mj = model(folds[i]), model(folds[j])
                for s, (_, sel) in enumerate(sels):
                    inner[s, i, j] = cover(j, sel(reports[j], mj, shipped[j]))
                    inner[s, j, i] = cover(i, sel(reports[i], mi, shipped[i]))
        table[name] = (ins, cv, inner)
        best = int(np.argmax(cv.mean(1)))
        print(
            f"{name:<45} best in-sample {ins.mean(1).max():.2f}, best CV {cv.mean(1).max():.2f} "
            f"({sels[best][0]}), {time.perf_counter() - t0:.0f} s",
            flush=True,
        )

    print("\nKey facts covered of 5 (19 reports); CV = leave one report out (the model fitted on 18).")
    print("Per model: MMR 0.7 on the model's score alone, the best selection by CV (optimistic:")
    print("chosen among the selections on the same 19), and nested (selection chosen on the 18).\n")
    header = f"{'model':<45} {'in-sample':>9} {'CV':>5} {'best CV':>7}  {'nested':>6}  best selection"
    print(header)
    every_ins, every_cv, every_inner, labels = [], [], [], []
    for name, (ins, cv, inner) in table.items():
        s07 = next(k for k, (sname, _) in enumerate(sels) if sname == "model, MMR 0.7")
        best = int(np.argmax(cv.mean(1)))
        nested = "-"
        if not args.no_nested:
            picks = []
            for i in range(n):
                others = [j for j in range(n) if j != i]
                s = int(np.argmax(inner[:, i, others].sum(1)))
                picks.append(cv[s, i])
            nested = f"{np.mean(picks):.2f}"
        print(
            f"{name:<45} {ins[s07].mean():>9.2f} {cv[s07].mean():>5.2f} {cv[best].mean():>7.2f}  "
            f"{nested:>6}  {sels[best][0]}"
        )
        every_ins.append(ins)
        every_cv.append(cv)
        every_inner.append(inner)
        labels += [f"{name} | {sname}" for sname, _ in sels]
    all_cv = np.concatenate(every_cv)
    all_ins = np.concatenate(every_ins)
    best = int(np.argmax(all_cv.mean(1)))
    print(
        f"\nbest of all {len(labels)} rows by CV: {all_cv[best].mean():.2f} "
        f"(in-sample {all_ins[best].mean():.2f}): {labels[best]}"
    )
    if not args.no_nested:
        all_inner = np.concatenate(every_inner)
        picks, chosen = [], []
        for i in range(n):
            others = [j for j in range(n) if j != i]
            s = int(np.argmax(all_inner[:, i, others].sum(1)))
            picks.append(all_cv[s, i])
            chosen.append(labels[s])
        print(f"nested over all rows (model and selection chosen on the 18): {np.mean(picks):.2f}")
        for label in dict.fromkeys(chosen):
            print(f"  chosen in {chosen.count(label)} folds: {label}")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
