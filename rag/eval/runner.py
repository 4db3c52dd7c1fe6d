"""Runs the product (and the naive LangChain baseline) over an evaluation set and scores it.

One pass per system: the product is built with ``abstain_threshold=-inf`` so that every
question gets its would-be answer and confidence; the operating threshold is then applied here
for the headline figures, and swept for the abstention curve.
"""

from __future__ import annotations

import math
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from pydantic import Field

from rag.eval import metrics as m
from rag.eval.datasets import EvalQuestion, EvalSet
from rag.settings import Settings
from rag.types import Answer, Citation, Passage

#: Name of the product and of the baseline in every figure.
PRODUCT = "dispatch-qa"
BASELINE = "langchain-naive"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class Asker(Protocol):
    """Anything that answers a question the way ``ReportQA.ask`` does."""

    def ask(self, question: str) -> Answer:
        """Answer one question."""
        ...


class QuestionResult(m.FigureModel):
    """How one system did on one question (answer figures ignore the threshold)."""

    qid: str
    answerable: bool
    rank: int | None = Field(None, description="1-based rank of the first gold passage retrieved.")
    text: str
    confidence: float
    always_abstains: bool
    contained: bool
    f1: float
    first_citation_gold: bool
    support: str = Field("", description="Answer.support as answered (the threshold is applied after).")
    short: str = Field("", description="The short answer (Answer.short).")
    short_exact: bool = Field(False, description="The short answer (else the text) equals a gold answer.")
    short_f1: float = Field(0.0, description="Token F1 of the short answer (else the text), best gold.")
    short_keys: float | None = Field(
        None,
        description="Realistic sets, answerable: the share of the must-contain strings the short "
        "answer holds ('' holds none). None on other sets.",
    )
    words: int = Field(0, description="Words of the answer text without markers (0 if abstained).")
    citations: int
    citations_valid: int
    latency_s: float
    right: bool | None = Field(
        None,
        description="Realistic sets, answerable: the answer would be right if given (every "
        "must-contain string, a citation overlapping the gold quote). None on other sets.",
    )
    source: str | None = None
    kind: str = ""
    two_part: bool = False
    needs_context: bool = False


class RealisticFigures(m.FigureModel):
    """The realistic-set scores at the operating threshold (a refused answerable is wrong)."""

    questions: int
    answerable: int
    unanswerable: int
    right: float = Field(
        description="Share of all questions right (answerable right + unanswerable abstained)."
    )
    answerable_right: float
    refused: float = Field(description="Share of answerable questions abstained on.")
    unanswerable_abstained: float
    short_keys: float = Field(
        0.0,
        description="Mean share of the must-contain strings in the short answer, over the "
        "answerable questions answered (not refused).",
    )


class RetrievalFigures(m.FigureModel):
    """Where the gold passage ranks, over answerable questions."""

    recall: dict[str, float]
    mrr: float


class AnswerFigures(m.FigureModel):
    """Answer quality over answerable questions, at the operating threshold (abstaining = wrong)."""

    contained: float
    f1: float
    first_citation_gold: float
    contained_never_abstaining: float
    short_exact: float = Field(0.0, description="Short answer exact match (the text when none).")
    short_f1: float = Field(0.0, description="Short answer token F1 (the text when none).")
    mean_words: float = Field(0.0, description="Mean words of the answers given (answerable questions).")


class AbstentionFigures(m.FigureModel):
    """Abstention at the operating threshold and the whole trade-off curve."""

    threshold: float
    unanswerable_abstained: float
    answerable_abstained: float
    curve: list[m.CurvePoint]


class CitationFigures(m.FigureModel):
    """Citations whose quote equals the slice of the source text they point at."""

    total: int
    valid: int
    validity: float


class SpeedFigures(m.FigureModel):
    """Time and size. All but latency are shared when systems share a process and an index."""

    model_load_s: float
    ingest_s: float
    passages: int
    passages_per_s: float
    latency_ms: dict[str, float]
    peak_rss_mb: float
    index_mb: float


class SystemFigures(m.FigureModel):
    """Every figure of one system on one evaluation set."""

    name: str
    questions: int
    answerable: int
    unanswerable: int
    retrieval: RetrievalFigures
    answers: AnswerFigures
    abstention: AbstentionFigures
    citations: CitationFigures
    speed: SpeedFigures
    realistic: RealisticFigures | None = None
    by_kind: dict[str, RealisticFigures] = Field(default_factory=dict)
    by_report: dict[str, RealisticFigures] = Field(default_factory=dict)
    per_question: list[QuestionResult] = Field(default_factory=list, repr=False)


class EvalResult(m.FigureModel):
    """The outcome of one ``python -m rag eval`` run."""

    dataset: str
    mode: str
    reports: int
    settings: dict[str, Any]
    gold_quotes_missing: list[str] = Field(
        default_factory=list, description="Questions whose gold quote is not in the indexed text."
    )
    product: SystemFigures
    baseline: SystemFigures | None = None


# Scoring -------------------------------------------------------------------------------------


def citation_is_valid(citation: Citation, document_text: Callable[[str], str]) -> bool:
    """True when the citation's quote is exactly the slice of its report it claims."""
    try:
        text = document_text(citation.source)
    except KeyError:
        return False
    return text[citation.start : citation.end] == citation.quote


def cited_passage(citation: Citation, passages: Sequence[Passage]) -> Passage:
    """The retrieved passage a citation quotes (by id), or the quote itself as a passage."""
    for passage in passages:
        if passage.passage_id == citation.passage_id:
            return passage
    return Passage(
        passage_id=citation.passage_id,
        source=citation.source,
        text=citation.quote,
        start=citation.start,
        end=citation.end,
        score=0.0,
    )


def score_answer(
    question: EvalQuestion, answer: Answer, document_text: Callable[[str], str], latency_s: float
) -> QuestionResult:
    """Score one answer; ``answer`` should come from a system that never abstains on confidence."""
    text = m.strip_markers(answer.text)
    first = answer.citations[0] if answer.citations else None
    return QuestionResult(
        right=_right(question, answer) if question.realistic else None,
        source=question.source,
        kind=question.kind,
        two_part=question.two_part,
        needs_context=question.needs_context,
        qid=question.qid,
        answerable=question.answerable,
        rank=m.first_hit_rank([question.is_gold(p) for p in answer.passages]),
        text=answer.text,
        confidence=answer.confidence,
        always_abstains=answer.abstained,
        contained=not answer.abstained and m.contains_answer(text, question.answers),
        f1=0.0 if answer.abstained else m.best_f1(text, question.answers),
        first_citation_gold=first is not None and question.is_gold(cited_passage(first, answer.passages)),
        support=getattr(answer, "support", ""),
        **_short_scores(question, answer, text),
        words=0 if answer.abstained else len(text.split()),
        citations=len(answer.citations),
        citations_valid=sum(citation_is_valid(c, document_text) for c in answer.citations),
        latency_s=latency_s,
    )


def _short_scores(question: EvalQuestion, answer: Answer, text: str) -> dict[str, Any]:
    """The short answer's exact match and F1 against the gold answers (realistic sets: the
    must-contain strings, one by one and together). A multi-part short answer matches exactly when
    each of its parts equals a gold answer; its F1 is the joined parts'."""
    golds = question.answers
    short = getattr(answer, "short", "")
    keys = None
    if question.realistic:
        golds = (" ".join(question.must_contain), *question.must_contain)
        if question.answerable and question.must_contain:
            keys = sum(m.contains_all(short, [k]) for k in question.must_contain) / len(question.must_contain)
    if answer.abstained or not golds:
        return {"short": short, "short_exact": False, "short_f1": 0.0, "short_keys": keys}
    guess = short or text
    return {
        "short": short,
        "short_exact": all(
            any(m.exact_match(part, g) for g in golds) for part in answer.short_parts or (guess,)
        ),
        "short_f1": m.best_f1(guess, golds),
        "short_keys": keys,
    }


def _right(question: EvalQuestion, answer: Answer) -> bool:
    """The realistic rule: every must-contain string in the text, and a citation of the source
    that overlaps the gold quote (any citation of the source when the quote was not located)."""
    if answer.abstained or not m.contains_all(answer.text, question.must_contain):
        return False
    cited = [c for c in answer.citations if c.source == question.source]
    if not question.gold_spans:
        return bool(cited)
    return any(m.overlaps(c.start, c.end, question.gold_spans) for c in cited)


def realistic_figures(results: Sequence[QuestionResult], threshold: float) -> RealisticFigures:
    """Right / refused / abstained shares of ``results`` when abstaining below ``threshold``."""
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    right = [bool(r.right) and not _outcome(r).abstains_at(threshold) for r in answerable]
    abstained = [_outcome(r).abstains_at(threshold) for r in unanswerable]
    keys = [r.short_keys or 0.0 for r in answerable if not _outcome(r).abstains_at(threshold)]
    return RealisticFigures(
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(unanswerable),
        right=m.share([*right, *abstained]),
        answerable_right=m.share(right),
        refused=m.share(_outcome(r).abstains_at(threshold) for r in answerable),
        unanswerable_abstained=m.share(abstained),
        short_keys=sum(keys) / len(keys) if keys else 0.0,
    )


def _groups(
    results: Sequence[QuestionResult], key: Callable[[QuestionResult], list[str]]
) -> dict[str, list[QuestionResult]]:
    groups: dict[str, list[QuestionResult]] = {}
    for r in results:
        for name in key(r):
            groups.setdefault(name, []).append(r)
    return dict(sorted(groups.items()))


def _kinds(result: QuestionResult) -> list[str]:
    tags = [result.kind or ("answerable" if result.answerable else "unanswerable")]
    return tags + ["two-part"] * result.two_part + ["needs-context"] * result.needs_context


def _realistic_breakdown(results: Sequence[QuestionResult], threshold: float) -> dict[str, Any]:
    """The realistic figures overall, by question kind and by report (empty on other sets)."""
    if not any(r.right is not None for r in results):
        return {}
    return {
        "realistic": realistic_figures(results, threshold),
        "by_kind": {k: realistic_figures(g, threshold) for k, g in _groups(results, _kinds).items()},
        "by_report": {
            k: realistic_figures(g, threshold)
            for k, g in _groups(results, lambda r: [r.source or "?"]).items()
        },
    }


def _outcome(result: QuestionResult) -> m.Outcome:
    return m.Outcome(
        answerable=result.answerable,
        confidence=result.confidence,
        contained=result.contained,
        always_abstains=result.always_abstains,
    )


def _answer_figures(answerable: list[QuestionResult], threshold: float) -> AnswerFigures:
    answered = [(r, not _outcome(r).abstains_at(threshold)) for r in answerable]
    return AnswerFigures(
        contained=m.share(r.contained and ok for r, ok in answered),
        f1=sum(r.f1 for r, ok in answered if ok) / len(answered) if answered else 0.0,
        first_citation_gold=m.share(r.first_citation_gold and ok for r, ok in answered),
        contained_never_abstaining=m.share(r.contained for r in answerable),
        short_exact=m.share(r.short_exact and ok for r, ok in answered),
        short_f1=sum(r.short_f1 for r, ok in answered if ok) / len(answered) if answered else 0.0,
        mean_words=_mean([r.words for r, ok in answered if ok and not r.always_abstains]),
    )


def _mean(values: list[int]) -> float:
    return sum(values) / len(values) if values else 0.0


def latency_figures(latencies_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 and mean of ask() latency, in milliseconds."""
    ms = [x * 1000.0 for x in latencies_s]
    figures = {f"p{q}": m.percentile(ms, q) for q in (50, 95, 99)}
    figures["mean"] = sum(ms) / len(ms) if ms else 0.0
    return figures


def summarize(
    name: str, results: Sequence[QuestionResult], threshold: float, speed: SpeedFigures
) -> SystemFigures:
    """All figures of one system from its per-question results."""
    answerable = [r for r in results if r.answerable]
    ranks = [r.rank for r in answerable]
    outcomes = [_outcome(r) for r in results]
    operating = m.abstention_point(outcomes, threshold)
    total = sum(r.citations for r in results)
    valid = sum(r.citations_valid for r in results)
    return SystemFigures(
        name=name,
        questions=len(results),
        answerable=len(answerable),
        unanswerable=len(results) - len(answerable),
        retrieval=RetrievalFigures(
            recall={f"@{k}": m.recall_at_k(ranks, k) for k in m.RECALL_KS},
            mrr=m.mean_reciprocal_rank(ranks),
        ),
        answers=_answer_figures(answerable, threshold),
        abstention=AbstentionFigures(
            threshold=threshold,
            unanswerable_abstained=operating.unanswerable_abstained,
            answerable_abstained=operating.answerable_abstained,
            curve=m.abstention_curve(outcomes),
        ),
        citations=CitationFigures(total=total, valid=valid, validity=valid / total if total else 1.0),
        speed=speed,
        per_question=list(results),
        **_realistic_breakdown(results, threshold),
    )


# The naive baseline --------------------------------------------------------------------------


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, split after . ! ? and whitespace."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text.rstrip())))
    return [(s, e) for s, e in spans if e > s]


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


class NaiveBaseline:
    """The tutorial recipe: dense top-k from Chroma, answer = the top passage's sentence most
    similar to the question. It never abstains; its confidence is that sentence's similarity.

    The question is embedded once and reused for the search and the sentence choice.
    """

    def __init__(self, vectorstore: Any, embeddings: Any, k: int = 10) -> None:
        self.vectorstore = vectorstore
        self.embeddings = embeddings
        self.k = k

    def ask(self, question: str) -> Answer:
        """Answer ``question`` the naive way."""
        query = self.embeddings.embed_query(question)
        found = self.vectorstore.similarity_search_by_vector_with_relevance_scores(query, k=self.k)
        passages = tuple(_baseline_passage(doc, 1.0 - distance) for doc, distance in found)
        if not passages:
            return Answer(question=question, text="", abstained=True, confidence=-math.inf)
        top = passages[0]
        spans = split_sentences(top.text) or [(0, len(top.text))]
        vectors = self.embeddings.embed_documents([top.text[s:e] for s, e in spans])
        sims = [_cosine(query, v) for v in vectors]
        best = max(range(len(spans)), key=sims.__getitem__)
        s, e = spans[best]
        citation = Citation(
            marker=1,
            source=top.source,
            passage_id=top.passage_id,
            quote=top.text,
            start=top.start,
            end=top.end,
        )
        return Answer(
            question=question,
            text=top.text[s:e],
            abstained=False,
            citations=(citation,),
            passages=passages,
            confidence=sims[best],
        )


def _baseline_passage(doc: Any, score: float) -> Passage:
    meta = doc.metadata
    return Passage(
        passage_id=str(meta.get("passage_id", doc.id or "")),
        source=str(meta["source"]),
        text=doc.page_content,
        start=int(meta["start"]),
        end=int(meta["end"]),
        score=float(score),
    )


# Running -------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    except ImportError:  # Windows
        import psutil

        info = psutil.Process().memory_info()
        return getattr(info, "peak_wset", info.rss) / (1024 * 1024)


def folder_bytes(folder: Path) -> int:
    """Total size of the files under ``folder``."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def _bar(items: Sequence[Any], label: str, enabled: bool) -> Iterable[Any]:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="q", file=sys.stderr, dynamic_ncols=True)


def ask_all(
    systems: Mapping[str, Asker],
    questions: Sequence[EvalQuestion],
    document_text: Callable[[str], str],
    progress: bool = False,
) -> dict[str, list[QuestionResult]]:
    """Ask every question of every system and score each answer.

    Each system first answers one untimed warm-up question; then the systems take turns on
    each question, so that a busy machine slows them alike.
    """
    if questions:
        for system in systems.values():
            system.ask(questions[0].question)
    results: dict[str, list[QuestionResult]] = {name: [] for name in systems}
    for question in _bar(questions, "Asking", progress):
        for name, system in systems.items():
            began = time.perf_counter()
            answer = system.ask(question.question)
            elapsed = time.perf_counter() - began
            results[name].append(score_answer(question, answer, document_text, elapsed))
    return results


def _check_texts(qa: Any, eval_set: EvalSet) -> None:
    """Warn when the product's text of a report differs from the file (offsets would shift)."""
    for source in sorted({q.source for q in eval_set.questions if q.gold_offsets and q.source}):
        written = (eval_set.reports_dir / source).read_text(encoding="utf-8")
        if qa.document_text(source) != written:
            warnings.warn(f"{source}: indexed text differs from its file: gold offsets are off", stacklevel=2)


def _report_qa() -> Callable[..., Any]:
    from rag.qa import ReportQA

    return ReportQA


class IngestStats(NamedTuple):
    """What ingesting the set's reports cost."""

    model_load_s: float
    ingest_s: float
    reports: int
    passages: int


def ingest_set(qa: Any, eval_set: EvalSet, progress: bool) -> IngestStats:
    """Load the embedding model, then ingest the set's reports, timing each step."""
    began = time.perf_counter()
    qa.embedder.embed_query("warm up")
    loaded = time.perf_counter()
    report = qa.ingest([eval_set.reports_dir], progress=progress)
    done = time.perf_counter()
    for skipped in report.skipped:
        print(f"warning: not ingested: {skipped.path}: {skipped.reason}", file=sys.stderr)
    _check_texts(qa, eval_set)
    reports = len(report.added) + len(report.updated) + len(report.unchanged)
    return IngestStats(loaded - began, done - loaded, reports, int(qa.store.passages.count()))


def _speed(
    stats: IngestStats, results: Sequence[QuestionResult], peak_mb: float, index_mb: float
) -> SpeedFigures:
    return SpeedFigures(
        model_load_s=stats.model_load_s,
        ingest_s=stats.ingest_s,
        passages=stats.passages,
        passages_per_s=stats.passages / stats.ingest_s if stats.ingest_s else 0.0,
        latency_ms=latency_figures([r.latency_s for r in results]),
        peak_rss_mb=peak_mb,
        index_mb=index_mb,
    )


def evaluate(
    eval_set: EvalSet,
    overrides: dict[str, Any] | None = None,
    baseline: bool = False,
    progress: bool = False,
    qa_factory: Callable[..., Any] | None = None,
) -> EvalResult:
    """Ingest the set's reports into a fresh temporary index and score the product on it
    (and the naive baseline, on the same index, when ``baseline``)."""
    threshold = Settings(**(overrides or {})).abstain_threshold
    qa_factory = qa_factory or _report_qa()
    with tempfile.TemporaryDirectory(prefix="rag-eval-", ignore_cleanup_errors=True) as tmp:
        index_dir = Path(tmp) / "index"
        settings = {
            **(overrides or {}),
            "chroma_url": None,
            "abstain_threshold": -math.inf,  # never abstains: the threshold is applied after
            # no background entity pass competing with the timed questions (a brief extracts
            # its report's entities when asked)
            "brief_entities": (overrides or {}).get("brief_entities", "on-demand"),
        }
        qa = qa_factory(index_dir=index_dir, **settings)
        stats = ingest_set(qa, eval_set, progress)
        eval_set, missing = eval_set.with_gold_spans(qa.document_text)
        for qid in missing:
            print(f"warning: {qid}: gold quote not found in the indexed text", file=sys.stderr)
        systems: dict[str, Asker] = {PRODUCT: qa}
        if baseline:
            systems[BASELINE] = NaiveBaseline(qa.store.vectorstore, qa.embedder, k=qa.settings.top_k)
        results = ask_all(systems, eval_set.questions, qa.document_text, progress)
        peak_mb, index_mb = peak_rss_mb(), folder_bytes(index_dir) / (1024 * 1024)
    figures = {
        name: summarize(
            name, rows, threshold if name == PRODUCT else -math.inf, _speed(stats, rows, peak_mb, index_mb)
        )
        for name, rows in results.items()
    }
    return EvalResult(
        dataset=eval_set.name,
        mode="generative" if qa.settings.llm else "extractive",
        reports=stats.reports,
        settings=_settings_summary(qa.settings, threshold),
        gold_quotes_missing=missing,
        product=figures[PRODUCT],
        baseline=figures.get(BASELINE),
    )


def _settings_summary(settings: Any, threshold: float) -> dict[str, Any]:
    keep = (
        "embedding_model",
        "max_passage_tokens",
        "top_k",
        "candidates",
        "max_answer_sentences",
        "llm",
        "answer_threshold",
        "reader",
    )
    summary = {k: getattr(settings, k, None) for k in keep}
    summary["abstain_threshold"] = threshold
    return summary
