"""The answer stage's inputs on the realistic sets, for fitting and leave-reports-out CV.

For each set (reports-dev ``news`` and ``files``, the seed questions over ``seeds/``) the reports
are ingested by the product itself (``ReportQA``, cached under ``eval-out/fit-cache/``) and every
question is retrieved as the product retrieves it; the top passages' evidence, their scores and
the gold span (``gold_quote`` located as the harness locates it: ``rag.eval.metrics.locate_quote``)
are kept, so that sentence scorers and confidences can be refitted and scored without the index.

    python benchmarks/fit_features/reports_dev.py      # collect (cached) and print the product's figures
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import json
import math
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))
from rag.answer import features as R  # noqa: E402
from rag.answer import signals as S  # noqa: E402
from rag.eval.metrics import contains_all, locate_quote  # noqa: E402
from rag.text import TOKENIZER  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "reports-dev"
#: The caches hold the ranked passages' tokens: a tokenizer of another name starts new ones.
TOKENS = TOKENIZER.replace("/", "_")
CACHE = REPO / "eval-out" / "fit-cache" / "reports-dev" / TOKENS
SETS = {
    "news": (DATA / "news" / "questions.jsonl", DATA / "news" / "reports"),
    "files": (DATA / "files" / "questions.jsonl", DATA / "files" / "reports"),
    "seed": (REPO / "evals" / "seed_questions.jsonl", REPO / "seeds"),
}


@dataclass
class Item:
    """One question with what the answer stage sees for it."""

    set: str
    question: str
    source: str  # the report the question is about (the CV group)
    answerable: bool
    must: list[str]  # every one must be in the answer (news/files); any one (seed)
    any_of: bool
    gold: tuple[int, int] | None  # gold quote's span in the source report's text
    qvec: np.ndarray
    ranked: list  # features.Candidate of the top passages, best first
    pscores: np.ndarray
    sources: list[str]  # report of each ranked passage
    starts: list[int]  # report offset of each ranked passage
    vocab: frozenset  # token set of the best passage's report
    extra: dict = field(default_factory=dict)


def collect(name: str) -> tuple[list[Item], dict, dict[str, str]]:
    """Items of set ``name``, its IDF table and its report texts (cached as a pickle)."""
    cache = CACHE / f"{name}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from rag.qa import ReportQA

    path, reports = SETS[name]
    qa = ReportQA(index_dir=CACHE / f"index-{name}", abstain_threshold=-math.inf)
    qa.ingest([reports])
    texts = {s: qa.document_text(s) for s in qa.sources()}
    items = []
    default_source = qa.sources()[0]
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        source = rec.get("source", default_source)
        cands, vec = qa.retrieve(rec["question"], 10)
        top = cands[: R.ANSWER_PASSAGES]
        catalog = top[0].catalog
        must = rec.get("answer_must_contain") or rec.get("answers") or []
        gold = locate_quote(texts[source], rec["gold_quote"]) if rec.get("gold_quote") else None
        items.append(
            Item(
                set=name,
                question=rec["question"],
                source=source,
                answerable=not rec.get("unanswerable", False),
                must=list(must),
                any_of="answers" in rec,
                gold=gold,
                qvec=vec,
                ranked=[dataclasses.replace(c, catalog=None) for c in top],
                pscores=np.array([c.score for c in top]),
                sources=[c.chunk.source for c in top],
                starts=[c.chunk.start for c in top],
                vocab=catalog.report_vocab(int(top[0].report)),
            )
        )
    out = (items, catalog.idf, texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(out))
    return out


def report_vocabs(items: list[Item], texts: dict[str, str]):
    """``vocab_of`` for ``rag.answer.answerability``: a report's row (``Candidate.report``) -> its tokens."""
    names = {int(c.report): src for it in items for c, src in zip(it.ranked, it.sources)}
    vocabs = {r: frozenset(R.tokenize(texts[src])) for r, src in names.items()}
    return vocabs.__getitem__


def sentence_span(item: Item, ref: R.SentenceRef) -> tuple[str, int, int]:
    """(report, start, end) of a competing sentence."""
    base = item.starts[ref.passage]
    return item.sources[ref.passage], base + ref.start, base + ref.end


def sentence_labels(item: Item, refs: list[R.SentenceRef]) -> np.ndarray:
    """1 for the sentences that overlap the gold quote (or, without one, hold an answer)."""
    y = np.zeros(len(refs))
    for i, ref in enumerate(refs):
        src, s, e = sentence_span(item, ref)
        if item.gold is not None:
            y[i] = src == item.source and s < item.gold[1] and e > item.gold[0]
        elif item.answerable:
            text = item.ranked[ref.passage].text[ref.start : ref.end]
            y[i] = any(contains_all(text, [m]) for m in item.must)
    return y


@dataclass
class Shipped:
    """The shipped (coverage) scorer's answer to one item: its sentences, their scores, the choice,
    the abstention signals and the confidence."""

    refs: list  # R.SentenceRef over the ANSWER_PASSAGES best passages
    scores: np.ndarray
    chosen: list[int]
    signals: np.ndarray
    confidence: float


class Readings:
    """The shared reader's readings of (question, sentence) pairs, cached on disk per reader
    version (``eval-out/fit-cache/readings-*.pkl``; saved by ``save``)."""

    def __init__(self) -> None:
        from rag.answer.reader import shared_reader

        self.reader = shared_reader()
        self.path = CACHE.parent / f"readings-{self.reader.version}-{self.reader.digest}.pkl"
        self.memo: dict = pickle.loads(self.path.read_bytes()) if self.path.exists() else {}
        self.added = 0

    def best(self, question: str, ranked: list, refs: list, chosen, scores: np.ndarray):
        """The reading of the best of ``chosen`` (by ``scores``), as the product reads it; None
        when nothing is chosen."""
        from rag.answer import read as RD

        if not len(chosen):
            return None
        ref = refs[max(chosen, key=lambda i: scores[i])]
        texts, contexts = RD.reader_inputs(ranked, [ref])
        key = (question, texts[0], contexts[0])
        if key not in self.memo:
            self.memo[key] = self.reader.predict(question, texts, contexts)[0]
            self.added += 1
            if self.added % 500 == 0:
                self.save()
        return self.memo[key]

    def save(self) -> None:
        """Write the cache."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(pickle.dumps(self.memo))


@functools.cache
def readings() -> Readings:
    """The process's reading cache (saved at exit)."""
    cache = Readings()
    atexit.register(cache.save)
    return cache


def shipped_answer(item: Item, idf: dict, vocab_of) -> Shipped:
    """The shipped scorer's answer to ``item`` (``vocab_of``: ``report_vocabs``)."""
    n = R.ANSWER_PASSAGES
    ranked, pscores = item.ranked[:n], item.pscores[:n]
    refs, X = R.sentence_features(item.question, item.qvec, ranked, pscores, idf)
    extras = S.sentence_extras(item.question, item.qvec, ranked, refs, idf)
    sc = np.hstack([X, extras]) @ R.SENTENCE_WEIGHTS + R.SENTENCE_BIAS
    chosen = R.choose_sentences(refs, sc, [c.text for c in ranked], question=item.question)
    sig = R.abstain_features(item.question, item.qvec, ranked, refs, sc, idf, item.vocab)
    reading = readings().best(item.question, ranked, refs, chosen, sc)
    extra = R.answerability_signals(item.question, ranked, refs, chosen, vocab_of, reading)
    conf = R.guarded_confidence(sig, item.question, item.vocab, answerability=extra)
    return Shipped(refs, sc, list(chosen), sig, float(conf))


def is_right(item: Item, refs: list[R.SentenceRef], chosen: list[int]) -> bool:
    """The answer quotes every required string (any, for seeds) and cites the gold quote."""
    if not item.answerable or not chosen:
        return False
    text = " ".join(item.ranked[refs[i].passage].text[refs[i].start : refs[i].end] for i in chosen)
    found = [contains_all(text, [m]) for m in item.must]
    if not (any(found) if item.any_of else all(found)):
        return False
    if item.gold is None:
        return True
    for i in chosen:
        src, s, e = sentence_span(item, refs[i])
        if src == item.source and s < item.gold[1] and e > item.gold[0]:
            return True
    return False


def main() -> None:
    for name in SETS:
        items, idf_tab, texts = collect(name)
        vocab_of = report_vocabs(items, texts)
        right, abst_u, refused, n_ans, n_un = 0, 0, 0, 0, 0
        for it in items:
            refs, X = R.sentence_features(it.question, it.qvec, it.ranked, it.pscores, idf_tab)
            extras = S.sentence_extras(it.question, it.qvec, it.ranked, refs, idf_tab)
            sc = np.hstack([X, extras]) @ R.SENTENCE_WEIGHTS + R.SENTENCE_BIAS
            chosen = R.choose_sentences(refs, sc, [c.text for c in it.ranked], question=it.question)
            sig = R.abstain_features(it.question, it.qvec, it.ranked, refs, sc, idf_tab, it.vocab)
            reading = readings().best(it.question, it.ranked, refs, chosen, sc)
            extra = R.answerability_signals(it.question, it.ranked, refs, chosen, vocab_of, reading)
            conf = R.guarded_confidence(sig, it.question, it.vocab, answerability=extra)
            abst = conf < R.ABSTAIN_THRESHOLD
            if it.answerable:
                n_ans += 1
                right += (not abst) and is_right(it, refs, chosen)
                refused += abst
            else:
                n_un += 1
                abst_u += abst
        print(
            f"{name}: right {right / n_ans:.3f} ({right}/{n_ans})  unanswerable abstained "
            f"{abst_u / max(1, n_un):.3f} ({abst_u}/{n_un})  refused {refused / n_ans:.3f}"
        )


if __name__ == "__main__":
    import reports_dev  # pickle the items under the module's own name

    reports_dev.main()
