"""Learned salience for report briefs (issue 24): does the reader, asked the generic questions a
reader of a briefing wants answered, pick sentences that cover more key facts?

    python benchmarks/fit_features/fit_briefs.py             # figures: in-sample and CV by report
    python benchmarks/fit_features/fit_briefs.py --questions # also each question's own figures
    python benchmarks/fit_features/fit_briefs.py --slots     # slot filling only (no fit)

Data: the 19 reports of ``evals/brief_facts.jsonl`` (reports-dev news and files), ingested as the
product ingests them, their eligible sentences (``rag.answer.brief.eligible_sentences``) and the
facts each holds (``brief_data.py``; cached under ``eval-out/fit-cache/briefs/``, the reader's
logits keyed by its digest, so a new reader is read anew). Every method picks 5 sentences by the
product's MMR (``rag.answer.brief.mmr``) over a salience that adds, with weights,

- the shipped brief's three scores: centrality, position and the names/figures prior;
- optionally a reader salience: the reader's "answers it" logit (``shared_reader().predict``,
  with the product's context: title and sentence before) for each of ``QUESTIONS``, combined
  over questions by max or log-sum-exp, scaled 0-1 within the report like centrality.

The weights and the MMR trade-off are chosen on ``GRID`` to maximise the facts covered: in-sample
(on all 19 reports, as the shipped weights were) and leave-one-report-out (the grid point best on
the other 18, ties to the first in grid order, scored on the one left out). Lead-5 and the oracle
(``rag.eval.briefs.oracle``) are printed beside them. The shipped brief is main's code unchanged.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import brief_data as D  # noqa: E402

from rag.answer import brief as B  # noqa: E402
from rag.eval import briefs as EB  # noqa: E402
from rag.text import CAPITAL, NUMBER  # noqa: E402

SENTENCES = 5
#: Generic questions a reader of a briefing wants answered (and two on the report's title).
QUESTIONS = (
    "What happened?",
    "Who was involved?",
    "Where did it happen?",
    "When did it happen?",
    "How many people were killed or affected?",
    "What was the outcome?",
    "Why did it happen?",
    "What is the report about?",
    "What did officials say?",
    "What will happen next?",
)
TITLE_QUESTIONS = ("{title}", "What happened in {title}?", "What was the result of {title}?")
#: Weights of centrality, position, prior and the reader salience, and the MMR trade-off.
GRID = {
    "centrality": (0.0, 0.25, 0.5, 1.0),
    "position": (0.5, 1.0, 2.0, 4.0),
    "prior": (0.0, 0.25, 0.5),
    "reader": (0.0, 0.25, 0.5, 1.0, 2.0),
    "mmr": (0.6, 0.7, 0.8),
}


#: Slot filling (``--slots``): the briefing questions each filled by the reader's best sentence.
SLOTS = (
    (
        "What happened?",
        "How many people were killed or affected?",
        "What was the outcome?",
        "Who was involved?",
    ),
    (
        "How many people were killed or affected?",
        "What was the outcome?",
        "How many troops or people took part?",
    ),
    QUESTIONS[:5],
    (
        "How many people were killed or affected?",
        "What was the outcome?",
        "Why did it happen?",
        "What will happen next?",
    ),
)


def slot_coverage(
    reports: list[D.ReportData], holds: list[np.ndarray], slots: tuple[str, ...], lead: int
) -> float:
    """Facts covered by a brief of the first ``lead`` sentences, then for each of ``slots`` in turn
    the reader's best sentence not yet chosen, then the shipped brief's, up to ``SENTENCES`` (no
    weight fitted)."""
    covered = []
    for data, held in zip(reports, holds):
        chosen = list(range(min(lead, len(data.found))))
        for question in slots:
            if len(chosen) >= SENTENCES:
                break
            order = np.argsort(-D.reader_logits(data, question), kind="stable")
            chosen.append(int(next(i for i in order if i not in chosen)))
        chosen += [i for i in B.choose(data.found, data.text, len(data.found)) if i not in chosen]
        covered.append(int(held[chosen[:SENTENCES]].any(0).sum()))
    return float(np.mean(covered))


def cheap_scores(data: D.ReportData) -> np.ndarray:
    """(sentences, 3): the shipped brief's scaled centrality, position and prior."""
    found = data.found
    position = 1.0 / np.sqrt(1.0 + np.arange(len(found)))
    priors = np.array([B.prior(s) for s in data.sentences], dtype=np.float32)
    return np.stack([B.scaled(B.centrality(found.vectors.astype(np.float32))), position, priors], 1)


def reader_salience(data: D.ReportData, questions: list[str], combine: str) -> np.ndarray:
    """The reader salience of each sentence: its logits over ``questions``, combined and scaled."""
    logits = np.stack([D.reader_logits(data, q.format(title=data.title)) for q in questions], 1)
    combined = logits.max(1) if combine == "max" else np.log(np.exp(logits).sum(1))
    return B.scaled(combined)


_STOP = frozenset(
    "the a an of in on at to for and or by with from as is was were be that this it its".split()
)


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[\w'-]+", text)} - _STOP


def extra_salience(data: D.ReportData, name: str) -> np.ndarray:
    """Other general salience scores, scaled 0-1 within the report: ``title`` (share of the
    title's words the sentence uses), ``repeated`` (mean log count, elsewhere in the report, of
    the sentence's names and figures: ``rag.text`` patterns) and ``entities`` (the same over
    spaCy's named entities)."""
    sentences = data.sentences
    if name == "title":
        title = _words(data.title)
        values = [len(title & _words(s)) / max(len(title), 1) for s in sentences]
    else:
        if name == "repeated":
            items = [
                {m.group(0) for m in CAPITAL.finditer(s) if m.start() > 0} | set(NUMBER.findall(s))
                for s in sentences
            ]
        else:
            items = [set(e) for e in D.entity_counts(data)]
        counts = Counter(t for found in items for t in found)
        values = [float(np.mean([np.log(counts[t]) for t in found])) if found else 0.0 for found in items]
    return B.scaled(np.asarray(values, dtype=np.float64))


def coverage(data: D.ReportData, holds: np.ndarray, salience: np.ndarray, trade_off: float) -> int:
    """Facts covered by the 5 sentences MMR picks with ``salience``."""
    found = data.found
    if len(found) <= SENTENCES:
        chosen = list(range(len(found)))
    else:
        chosen = B.mmr(salience, found.vectors.astype(np.float32), SENTENCES, trade_off)
    return int(holds[chosen].any(0).sum())


def grid_table(
    reports: list[D.ReportData], holds: list[np.ndarray], reader: list[np.ndarray] | None
) -> tuple[list[tuple[float, ...]], np.ndarray]:
    """Every grid point (no reader weight but 0 when ``reader`` is None) and its coverage per report."""
    axes = dict(GRID)
    if reader is None:
        axes["reader"] = (0.0,)
    points = list(itertools.product(*axes.values()))
    cheap = [cheap_scores(r) for r in reports]
    table = np.zeros((len(points), len(reports)), dtype=np.int64)
    for p, (wc, wp, wr_prior, wr, lam) in enumerate(points):
        for i, data in enumerate(reports):
            salience = cheap[i] @ np.array([wc, wp, wr_prior])
            if reader is not None:
                salience = salience + wr * reader[i]
            table[p, i] = coverage(data, holds[i], salience, lam)
    return points, table


def logistic(
    reports: list[D.ReportData], holds: list[np.ndarray], columns: list[np.ndarray], trade_off: float = 0.7
) -> tuple[float, float]:
    """A logistic model of "the sentence holds a key fact" on ``columns`` (per report, sentences x
    features; standardised on the training reports), its logit as the salience: in-sample and
    leave-one-report-out coverage."""
    from sklearn.linear_model import LogisticRegression

    labels = [h.any(1) for h in holds]

    def fit(train: list[int]) -> Callable[[np.ndarray], np.ndarray]:
        x = np.concatenate([columns[i] for i in train])
        mu, sd = x.mean(0), x.std(0) + 1e-9
        model = LogisticRegression(C=1.0, max_iter=5000).fit(
            (x - mu) / sd, np.concatenate([labels[i] for i in train])
        )
        return lambda z: np.asarray(model.decision_function((z - mu) / sd))

    everything = fit(list(range(len(reports))))
    ins = [coverage(r, h, B.scaled(everything(c)), trade_off) for r, h, c in zip(reports, holds, columns)]
    cv = []
    for i, (r, h, c) in enumerate(zip(reports, holds, columns)):
        model = fit([j for j in range(len(reports)) if j != i])
        cv.append(coverage(r, h, B.scaled(model(c)), trade_off))
    return float(np.mean(ins)), float(np.mean(cv))


def fitted(points: list[tuple[float, ...]], table: np.ndarray) -> tuple[float, float, str, float]:
    """In-sample mean, leave-one-report-out mean, the in-sample grid point, and the best
    in-sample mean with the fourth weight (the reader's or other score's) above 0."""
    total = table.sum(1)
    best = int(np.argmax(total))
    cv = [int(table[int(np.argmax(total - table[:, i])), i]) for i in range(table.shape[1])]
    used = np.array([p[3] > 0 for p in points])
    with_extra = float(total[used].max() / table.shape[1]) if used.any() else float("nan")
    return float(total[best] / table.shape[1]), float(np.mean(cv)), str(points[best]), with_extra


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--questions", action="store_true", help="also each question's own figures")
    parser.add_argument(
        "--slots", action="store_true", help="only slot filling: lead + the reader's best per question"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    reports = D.reports()
    holds = [r.holds() for r in reports]
    sentences, facts = sum(len(r.found) for r in reports), sum(len(r.facts) for r in reports)
    print(f"{len(reports)} reports, {sentences} eligible sentences, {facts} facts")
    if args.slots:
        for lead in (0, 1, 2):
            for slots in SLOTS:
                print(
                    f"lead {lead}, then {' / '.join(slots)}: {slot_coverage(reports, holds, slots, lead):.2f}"
                )
        return

    def mean_of(choose: Callable[[D.ReportData], list[int]]) -> str:
        return f"{np.mean([int(h[choose(r)].any(0).sum()) for r, h in zip(reports, holds)]):.2f}"

    rows = [
        ("lead-5", mean_of(lambda r: B.lead(r.found, SENTENCES)), "-", "", ""),
        (
            "shipped brief (weights chosen on these 19)",
            mean_of(lambda r: B.choose(r.found, r.text, SENTENCES)),
            "-",
            "",
            "",
        ),
    ]

    def grid_row(name: str, extra: list[np.ndarray] | None) -> None:
        ins, cv, point, with_extra = fitted(*grid_table(reports, holds, extra))
        rows.append((name, f"{ins:.2f}", f"{cv:.2f}", point, "" if extra is None else f"{with_extra:.2f}"))

    grid_row("brief recipe, grid-fitted", None)
    variants: list[tuple[str, list[str], str]] = [
        ("reader, max of generic questions", list(QUESTIONS), "max"),
        ("reader, log-sum-exp of generic questions", list(QUESTIONS), "lse"),
        ("reader, max of the first 6 generic questions", list(QUESTIONS[:6]), "max"),
        ("reader, max of the title questions", list(TITLE_QUESTIONS), "max"),
    ]
    if args.questions:
        variants += [(f"reader, {q!r}", [q], "max") for q in (*QUESTIONS, *TITLE_QUESTIONS)]
    for name, questions, combine in variants:
        grid_row(f"+ {name}", [reader_salience(r, questions, combine) for r in reports])
    for name in ("title", "repeated", "entities"):
        grid_row(f"+ {name}", [extra_salience(r, name) for r in reports])
    cheap = [cheap_scores(r) for r in reports]
    ins, cv = logistic(reports, holds, cheap)
    rows.append(("logistic: centrality, position, prior", f"{ins:.2f}", f"{cv:.2f}", "", ""))
    others = [
        np.stack(
            [
                reader_salience(r, list(QUESTIONS), "lse"),
                *(extra_salience(r, name) for name in ("title", "repeated", "entities")),
            ],
            1,
        )
        for r in reports
    ]
    ins, cv = logistic(reports, holds, [np.hstack([c, o]) for c, o in zip(cheap, others)])
    rows.append(("logistic: + reader (lse), title, repeated, entities", f"{ins:.2f}", f"{cv:.2f}", "", ""))
    rows.append(
        (
            "oracle (best 5, greedy)",
            mean_of(lambda r: EB.oracle(r.found, r.text, r.facts, SENTENCES)),
            "-",
            "",
            "",
        )
    )
    width = max(len(r[0]) for r in rows)
    print(f"\nKey facts covered by {SENTENCES} sentences (of 5 per report); grid point: weights of")
    print("centrality, position, prior, the added score, and the MMR trade-off (logistic: MMR 0.7)\n")
    print(f"{'method':<{width}}  in-sample  CV by report  in-sample, added score's weight > 0  grid point")
    for name, ins_s, cv_s, point_s, extra_s in rows:
        print(f"{name:<{width}}  {ins_s:>9}  {cv_s:>12}  {extra_s:>35}  {point_s}")
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
