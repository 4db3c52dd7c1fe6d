"""Question-worthiness salience for report briefs (issue 24), learned from public QA data:
measured, not shipped (it covers no more key facts than the shipped brief).

    python benchmarks/fit_features/fit_question_salience.py           # about 5 minutes the first time, then 4
    python benchmarks/fit_features/fit_question_salience.py --kinds   # also labels by question kind (+3 min)

In public QA sets, crowd workers (SQuAD 1.1 and 2.0 dev, COVID-QA) or search users (QED's Natural
Questions) asked questions of a paragraph or article; each answer's character offset marks the
sentence asked about. Every sentence of at least 3 words (``rag.text.split_sentences``) of every
context with an answer is labelled by whether some question's answer starts in it, and a logistic
regression (standardised features, C=0.1, each data set weighing the same) predicts the label from
what a brief has for free for any report sentence: its MiniLM vector (the index's embedder,
``rag.index.embed.Embedder``: the vectors the catalog keeps) and ``SCALARS`` (relative position,
length, numbers, dates, names, cosine with the document's mean vector). Variants: which data sets,
which features, and "within" (features minus their context's mean: only what sets a sentence
apart from its neighbours, not what sets one data set apart from another). Each is
cross-validated by article (5 folds): mean AUC within contexts.

On the 19 reports of ``evals/brief_facts.jsonl`` (``brief_data.py``) each model's logit is scaled
0-1 within the report and, with the shipped brief's weights unchanged, (a) added with weight ``w``
(``WEIGHTS``) to the brief's scaled salience: key facts covered for each ``w``, and ``w`` chosen
leaving one report out; (b) put in place of the names/figures prior at its weight (a fixed rule,
nothing chosen on the reports). ``--kinds`` also labels a sentence only by the questions of the
kinds a briefing must answer (``KINDS``: how many, casualties, forces, outcomes). For the first
variant also the four weights and MMR refitted on ``fit_briefs.GRID``. Lead-5, the shipped brief
and the oracle are printed beside them.

Data: ``../shared/data/qa-train/`` (read there, never copied); the 10 articles of
``../shared/data/squad-v2-dev-10articles.json`` are left out. Vectors cached under
``eval-out/fit-cache/question-salience/`` (keyed by the sentences and the model's name).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import brief_data as D  # noqa: E402
import fit_briefs as FB  # noqa: E402

from rag.answer import brief as B  # noqa: E402
from rag.eval import briefs as EB  # noqa: E402
from rag.text import CAPITAL, DATE, NUMBER, split_sentences  # noqa: E402

QA = ROOT.parent / "shared" / "data" / "qa-train"
HELD_OUT = ROOT.parent / "shared" / "data" / "squad-v2-dev-10articles.json"
CACHE = ROOT / "eval-out" / "fit-cache" / "question-salience"
DIM = 384
SCALARS = ("position", "log_words", "numbers", "dates", "names", "centroid")
#: Logistic regression's inverse regularisation (0.01 and 1.0 give AUCs within 0.005).
C = 0.1
#: Weights of the added salience tried on the 19 reports.
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
SENTENCES = 5
#: The variants: data sets (None: all four), features, within-context.
FEATURES = {
    "vector+scalars": np.arange(DIM + len(SCALARS)),
    "vector+scalars, no position": np.r_[np.arange(DIM), DIM + np.arange(1, len(SCALARS))],
    "vector": np.arange(DIM),
    "vector+counts": np.r_[np.arange(DIM), DIM + np.arange(1, 5)],
}
#: Questions of the kinds a briefing must answer (counts, casualties, forces, outcomes): labels
#: that count only them (``--kinds``).
KINDS = {
    "how many / how much": re.compile(r"\b(?:how many|how much)\b", re.I),
    "counts, casualties, forces, outcomes": re.compile(
        r"\b(?:how many|how much|killed|died|dead|deaths|casualt|wounded|injur|troops|soldiers|result|"
        r"outcome|won|win|defeat|victory|lost)\b",
        re.I,
    ),
}
DATASETS: dict[str, tuple[str, ...] | None] = {
    "all four": None,
    "covid+qed": ("covid", "qed"),
    "covid": ("covid",),
}


@dataclass
class Context:
    """One text questions were asked about, and where their answers start."""

    dataset: str
    group: str  # the article: the unit of cross-validation
    text: str
    answers: list[tuple[int, str]]  # (where the answer starts, the question)


def contexts() -> Iterator[Context]:
    """Every context of the QA sets (SQuAD 2.0 less the 10 held-out articles)."""
    held_out = {a["title"] for a in json.loads(HELD_OUT.read_text(encoding="utf-8"))["data"]}
    for name, file in (
        ("squad2", "squad-v2.0-dev-29articles.json.gz"),
        ("squad1", "squad-v1.1-dev-13articles.json.gz"),
        ("covid", "covid-qa.json.gz"),
    ):
        with gzip.open(QA / file) as raw:
            data = json.loads(raw.read())["data"]
        for number, article in enumerate(data):
            title = article.get("title", f"{name}-{number}")
            if name == "squad2" and title in held_out:
                continue
            for paragraph in article["paragraphs"]:
                starts = [
                    (int(q["answers"][0]["answer_start"]), str(q["question"]))
                    for q in paragraph["qas"]
                    if q["answers"] and not q.get("is_impossible")
                ]
                yield Context(name, f"{name}/{title}", paragraph["context"], starts)
    with gzip.open(QA / "qed-nq-dev.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            starts = [(int(a[0]["start"]), row["question_text"]) for a in row["original_nq_answers"] if a]
            yield Context("qed", f"qed/{row['title_text']}", row["paragraph_text"], starts[:1])


def scalar_features(sentences: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    """(sentences, len(SCALARS)) for a document's sentences in order, rows of ``vectors`` (unit)."""
    count = len(sentences)
    out = np.zeros((count, len(SCALARS)), dtype=np.float64)
    centre = vectors.mean(axis=0)
    centre = centre / (np.linalg.norm(centre) or 1.0)
    out[:, 0] = np.arange(count) / max(count - 1, 1)
    out[:, 5] = vectors @ centre
    for i, sentence in enumerate(sentences):
        names = len(CAPITAL.findall(sentence)) - (1 if sentence[:1].isupper() else 0)
        out[i, 1] = np.log1p(len(sentence.split()))
        out[i, 2] = np.log1p(len(NUMBER.findall(sentence)))
        out[i, 3] = np.log1p(len(DATE.findall(sentence)))
        out[i, 4] = np.log1p(max(names, 0))
    return out


@dataclass
class Table:
    """The labelled sentences: features, labels, data set, article and context of each."""

    features: np.ndarray  # (sentences, DIM + len(SCALARS))
    labels: np.ndarray  # some question's answer starts in the sentence
    datasets: np.ndarray
    groups: np.ndarray
    contexts: np.ndarray
    kinds: dict[str, np.ndarray]  # the labels counting only the questions of each of ``KINDS``

    def rows(self, keep: np.ndarray) -> Table:
        columns = (self.features, self.labels, self.datasets, self.groups, self.contexts)
        return Table(*(a[keep] for a in columns), {k: v[keep] for k, v in self.kinds.items()})

    def with_labels(self, kind: str) -> Table:
        """This table labelled by the questions of ``kind`` only."""
        return Table(self.features, self.kinds[kind], self.datasets, self.groups, self.contexts, self.kinds)


def table() -> Table:
    """Every sentence of every context with an answer, labelled and embedded (vectors cached)."""
    from rag.index.embed import Embedder

    texts: list[str] = []
    labels: list[bool] = []
    kinds: dict[str, list[bool]] = {kind: [] for kind in KINDS}
    datasets, groups, owners = [], [], []
    spans: list[tuple[int, int]] = []
    for number, context in enumerate(c for c in contexts() if c.answers):
        sentences = [s for s in split_sentences(context.text) if len(s.text.split()) >= 3]
        if len(sentences) < 2:
            continue
        spans.append((len(texts), len(texts) + len(sentences)))
        texts += [s.text for s in sentences]
        labels += [any(s.start <= a < s.end for a, _ in context.answers) for s in sentences]
        for kind, pattern in KINDS.items():
            kinds[kind] += [
                any(s.start <= a < s.end and pattern.search(q) for a, q in context.answers) for s in sentences
            ]
        datasets += [context.dataset] * len(sentences)
        groups += [context.group] * len(sentences)
        owners += [number] * len(sentences)
    embedder = Embedder()
    key = hashlib.sha256(("\n".join(texts) + embedder.model_name).encode()).hexdigest()[:16]
    path = CACHE / f"vectors-{key}.npy"
    if path.exists():
        vectors = np.load(path).astype(np.float32)
    else:
        print(f"embedding {len(texts)} sentences ...", flush=True)
        vectors = embedder.encode(texts).astype(np.float16).astype(np.float32)  # as the catalog keeps them
        CACHE.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors.astype(np.float16))
    scalars = np.concatenate([scalar_features(texts[a:b], vectors[a:b]) for a, b in spans])
    return Table(
        np.hstack([vectors, scalars]),
        np.array(labels, dtype=bool),
        np.array(datasets),
        np.array(groups),
        np.array(owners),
        {kind: np.array(found, dtype=bool) for kind, found in kinds.items()},
    )


def demeaned(x: np.ndarray, owners: np.ndarray) -> np.ndarray:
    """``x`` less the mean of its context's rows."""
    _, inverse = np.unique(owners, return_inverse=True)
    sums = np.zeros((inverse.max() + 1, x.shape[1]))
    np.add.at(sums, inverse, x)
    return x - (sums / np.bincount(inverse)[:, None])[inverse]


def sample_weights(datasets: np.ndarray) -> np.ndarray:
    """Each data set weighs the same in the fit, whatever its count of sentences."""
    names, inverse, counts = np.unique(datasets, return_inverse=True, return_counts=True)
    return len(datasets) / (len(names) * counts[inverse])


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Raw-feature weights of a logistic regression on standardised features (no bias: only
    the order of a report's sentences matters)."""
    from sklearn.linear_model import LogisticRegression

    mu, sd = x.mean(0), x.std(0) + 1e-6
    model = LogisticRegression(C=C, max_iter=3000).fit((x - mu) / sd, y, sample_weight=w)
    return np.asarray(model.coef_[0] / sd)


def within_auc(scores: np.ndarray, labels: np.ndarray, owners: np.ndarray) -> float:
    """Mean AUC within the contexts (or reports) that have both labels."""
    from sklearn.metrics import roc_auc_score

    values = []
    for owner in np.unique(owners):
        rows = owners == owner
        if 0 < labels[rows].sum() < rows.sum():
            values.append(roc_auc_score(labels[rows], scores[rows]))
    return float(np.mean(values)) if values else float("nan")


def cross_validate(t: Table, x: np.ndarray) -> float:
    """Mean within-context AUC of out-of-fold scores (5 folds by article)."""
    from sklearn.model_selection import GroupKFold

    w = sample_weights(t.datasets)
    scores = np.zeros(len(t.labels))
    for train, test in GroupKFold(n_splits=5).split(x, t.labels, t.groups):
        scores[test] = x[test] @ fit(x[train], t.labels[train], w[train])
    return within_auc(scores, t.labels, t.contexts)


def coverage_table(
    reports: list[D.ReportData], holds: list[np.ndarray], added: list[np.ndarray]
) -> np.ndarray:
    """(len(WEIGHTS), reports): facts covered by the shipped salience (scaled) + w * added."""
    return np.array(
        [
            [
                FB.coverage(r, h, B.scaled(B.salience(r.found, r.text)) + w * a, B.MMR_LAMBDA)
                for r, h, a in zip(reports, holds, added)
            ]
            for w in WEIGHTS
        ]
    )


def in_place_of_prior(reports: list[D.ReportData], holds: list[np.ndarray], added: list[np.ndarray]) -> float:
    """Facts covered with the learned salience at the prior's weight, in its place."""
    out = []
    for r, h, a in zip(reports, holds, added):
        position = 1.0 / np.sqrt(1.0 + np.arange(len(r.found)))
        centre = B.scaled(B.centrality(r.found.vectors.astype(np.float32)))
        salience = B.WEIGHT_CENTRALITY * centre + B.WEIGHT_POSITION * position + B.WEIGHT_PRIOR * a
        out.append(FB.coverage(r, h, salience, B.MMR_LAMBDA))
    return float(np.mean(out))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kinds", action="store_true", help="also labels by question kind (KINDS)")
    args = parser.parse_args()
    first = ("all four", "vector+scalars", False)
    started = time.perf_counter()
    t = table()
    print(
        f"{len(t.labels)} sentences, {t.labels.mean():.2f} asked about, {len(np.unique(t.groups))} articles"
    )
    for name in np.unique(t.datasets):
        rows = t.datasets == name
        print(f"  {name}: {rows.sum()} sentences, {t.labels[rows].mean():.2f} asked about")
    reports = D.reports()
    holds = [r.holds() for r in reports]
    key_fact = [h.any(1) for h in holds]
    report_x = []
    for r in reports:
        vectors = r.found.vectors.astype(np.float32)
        report_x.append(np.hstack([vectors, scalar_features(r.sentences, vectors)]))
    owners = np.concatenate([[i] * len(h) for i, h in enumerate(holds)])
    shipped = np.concatenate([B.scaled(B.salience(r.found, r.text)) for r in reports])
    lead = np.mean([int(h[B.lead(r.found, SENTENCES)].any(0).sum()) for r, h in zip(reports, holds)])
    oracle = np.mean(
        [int(h[EB.oracle(r.found, r.text, r.facts, SENTENCES)].any(0).sum()) for r, h in zip(reports, holds)]
    )
    brief = np.mean(
        [int(h[B.choose(r.found, r.text, SENTENCES)].any(0).sum()) for r, h in zip(reports, holds)]
    )
    print(
        f"\n{len(reports)} reports, key facts of 5: lead-5 {lead:.2f}, shipped brief {brief:.2f}, "
        f"oracle {oracle:.2f}"
    )
    auc = within_auc(shipped, np.concatenate(key_fact), owners)
    print(f"within-report AUC for 'holds a key fact': the shipped brief's salience {auc:.3f}")
    print("\nQA AUC: mean within-context AUC, 5 folds by article. Report AUC: within-report AUC of the model")
    print("fitted on all the QA rows for 'holds a key fact'. Key facts covered (of 5) by shipped + w x")
    print(f"learned, for w = {' '.join(map(str, WEIGHTS))}; CV: w chosen leaving one report out;")
    print("prior: the learned salience in place of the names/figures prior (fixed rule)\n")

    def row(name: str, rows: Table, columns: np.ndarray, within: bool, grid: bool = False) -> None:
        x = rows.features[:, columns]
        x = demeaned(x, rows.contexts) if within else x
        qa_auc = cross_validate(rows, x)
        weights = fit(x, rows.labels, sample_weights(rows.datasets))
        added = [B.scaled(f[:, columns] @ weights) for f in report_x]
        report_auc = within_auc(np.concatenate(added), np.concatenate(key_fact), owners)
        tab = coverage_table(reports, holds, added)
        total = tab.sum(1)
        cv = np.mean([tab[int(np.argmax(total - tab[:, i])), i] for i in range(len(reports))])
        name = f"{name}{', within' if within else ''}"
        cells = " ".join(f"{v:.2f}" for v in tab.mean(1))
        print(
            f"{name:<48} QA {qa_auc:.3f} report {report_auc:.3f}  {cells}  CV {cv:.2f}"
            f"  prior {in_place_of_prior(reports, holds, added):.2f}",
            flush=True,
        )
        if grid:
            ins, cvg, point, _ = FB.fitted(*FB.grid_table(reports, holds, added))
            print(f"{'  the same, fit_briefs grid refitted':<48} {ins:.2f} in-sample, {cvg:.2f} CV ({point})")

    for dname, keep in DATASETS.items():
        rows = t.rows(np.ones(len(t.labels), bool) if keep is None else np.isin(t.datasets, keep))
        for fname, columns in FEATURES.items():
            for within in (False, True):
                row(f"{dname}, {fname}", rows, columns, within, grid=(dname, fname, within) == first)
    if args.kinds:
        print("\nLabelled by the questions of one kind only (all four data sets):\n")
        for kind in KINDS:
            print(f"{kind}: {t.kinds[kind].mean():.3f} of sentences")
            for fname in ("vector+scalars", "vector"):
                for within in (False, True):
                    row(f"  {fname}", t.with_labels(kind), FEATURES[fname], within)
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
