"""Report briefs: a report's most salient sentences, in report order, each one cited.

Extractive and offline. The sentences and their vectors are the ones the ingest stored (the
catalog's rows), so a brief embeds nothing. Only prose is eligible: not the header block (title,
date line, codes), not a ``Key: value`` field line, not a table row, not a heading. Each sentence
is scored by

- centrality: cosine of its vector with the mean of the report's sentence vectors;
- position: earlier is better (reports open with what matters most);
- a prior for the words a briefing carries: numbers, dates and names;

and picked by maximal marginal relevance (MMR), so two sentences that say the same are not both
chosen. The weights are few and measured by ``python -m rag eval briefs``.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np

from rag.answer.cite import cite
from rag.header import parse_header
from rag.index.catalog import Catalog
from rag.read.chunk import split_paragraphs
from rag.text import CAPITAL, DATE, NUMBER, field_line
from rag.types import Answer, Brief, Chunk, Citation, Entity, Passage, Report

#: Sentences in a brief by default, and the bounds a caller may ask for.
BRIEF_SENTENCES = 5
MIN_SENTENCES, MAX_SENTENCES = 1, 6

#: The key of a report record's metadata that keeps its brief (JSON, stamped with the report's
#: content hash; its entities: ``rag.answer.entities.ENTITIES_KEY``), and the version of the
#: brief's recipe: bump it when the choice of sentences changes (stored briefs are then remade).
BRIEF_KEY = "brief"
BRIEF_VERSION = 1

#: A prose sentence has at least this many words (relaxed for a report of few sentences).
MIN_WORDS = 6

#: Salience weights (centrality is scaled to 0-1 within the report; position is 1/sqrt(1 + i)
#: for the i-th eligible sentence; the prior is 0-1) and the MMR trade-off between salience and
#: novelty. Chosen on a small grid with ``python -m rag eval briefs`` (reports-dev, 19 reports):
#: the best settings cover 2.8-2.9 facts of 5, the first settings tried 2.74, lead-5 2.68.
WEIGHT_CENTRALITY = 0.5
WEIGHT_POSITION = 2.0
WEIGHT_PRIOR = 0.25
MMR_LAMBDA = 0.7

#: How many numbers, dates and names make a sentence "full" for the prior.
PRIOR_FULL = 6

_SENTENCE_CLOSE = re.compile(r"[.!?][\"'”’)\]]*$")
_TABLE_GAP = re.compile(r"\S(?: {2,}|\t)\S")
_FIGURE_TOKEN = re.compile(r"^[$€£(]?[\d.,%$()-]+[%)]?$|^(?:million|billion|FY\d{4})$")


class UnknownReportError(ValueError):
    """A report name the index does not hold; the message names the closest names."""


@dataclass(frozen=True)
class ReportSentences:
    """A report's eligible (prose) sentences: offsets into its text, passage ids and vectors."""

    source: str
    spans: list[tuple[int, int]]
    passage_ids: list[str]
    vectors: np.ndarray  # (sentences, dim) float32, unit rows

    def __len__(self) -> int:
        """How many eligible sentences the report has."""
        return len(self.spans)


def closest_names(name: str, names: Sequence[str], count: int = 3) -> list[str]:
    """The report names most like ``name`` (difflib), for an error message."""
    lowered = {n.lower(): n for n in names}
    found = difflib.get_close_matches(name.lower(), list(lowered), n=count, cutoff=0.3)
    return [lowered[f] for f in found]


def unknown_report(name: str, names: Sequence[str]) -> UnknownReportError:
    """The error for an unknown report name, naming the closest ones."""
    close = closest_names(name, names)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    return UnknownReportError(f"no report named {name!r} in the index{hint}")


def resolve_name(name: str, names: Sequence[str]) -> str | None:
    """The report ``name`` means: itself, or the one whose name without extension it is."""
    if name in names:
        return name
    wanted = name.strip().lower()
    stems = [n for n in names if n.lower() == wanted or PurePosixPath(n).stem.lower() == wanted]
    return stems[0] if len(stems) == 1 else None


def is_prose(sentence: str, min_words: int = MIN_WORDS) -> bool:
    """True for a sentence a brief may quote: no field line, table row or heading."""
    line = " ".join(sentence.split())
    words = line.split()
    if len(words) < min_words or not _SENTENCE_CLOSE.search(line):
        return False
    if field_line(sentence) is not None or "|" in sentence or len(_TABLE_GAP.findall(sentence)) >= 2:
        return False
    figures = sum(bool(_FIGURE_TOKEN.match(w)) for w in words)
    return figures / len(words) < 0.4


def prose_sentences(
    source: str, text: str, sentences: Sequence[tuple[int, int, str]], vectors: np.ndarray, min_words: int
) -> ReportSentences:
    """The prose sentences among ``sentences`` ((start, end, passage id) in report order, rows of
    ``vectors``) of report ``source`` whose text is ``text``: none of its header block."""
    body_start = parse_header(text, split_paragraphs(text)).body_start
    rows = [
        i
        for i, (start, end, _) in enumerate(sentences)
        if start >= body_start and is_prose(text[start:end], min_words)
    ]
    found = np.asarray(vectors[rows], dtype=np.float32) if rows else np.zeros((0, 1), dtype=np.float32)
    spans = [(sentences[i][0], sentences[i][1]) for i in rows]
    return ReportSentences(source, spans, [sentences[i][2] for i in rows], found)


def report_sentences(catalog: Catalog, report: int, text: str, min_words: int = MIN_WORDS) -> ReportSentences:
    """The prose sentences of report number ``report`` of ``catalog`` (``text`` is its text)."""
    first, last = int(catalog.report_rows[report]), int(catalog.report_rows[report + 1])
    sentences: list[tuple[int, int, str]] = []
    for passage in range(first, last):
        s_first, s_last = int(catalog.sentence_rows[passage]), int(catalog.sentence_rows[passage + 1])
        pid = catalog.passage_ids[passage]
        sentences += [(int(s), int(e), pid) for s, e in catalog.sentence_spans[s_first:s_last].tolist()]
    rows = slice(int(catalog.sentence_rows[first]), int(catalog.sentence_rows[last]))
    return prose_sentences(catalog.sources[report], text, sentences, catalog.sentence_vecs[rows], min_words)


def prior(sentence: str) -> float:
    """0-1: how many numbers, dates and names (capitalised words after the first) it holds."""
    names = len(CAPITAL.findall(sentence)) - (1 if sentence[:1].isupper() else 0)
    found = len(NUMBER.findall(sentence)) + len(DATE.findall(sentence)) + max(names, 0)
    return min(found, PRIOR_FULL) / PRIOR_FULL


def scaled(values: np.ndarray) -> np.ndarray:
    """``values`` scaled to 0-1 (all ones when they are all equal)."""
    low, high = float(values.min()), float(values.max())
    return np.ones_like(values) if high - low < 1e-9 else (values - low) / (high - low)


def centrality(vectors: np.ndarray) -> np.ndarray:
    """Cosine of each row with the normalised mean row."""
    centre = vectors.mean(axis=0)
    centre /= np.linalg.norm(centre) or 1.0
    return vectors @ centre


def salience(found: ReportSentences, text: str) -> np.ndarray:
    """Each eligible sentence's salience: centrality, position and the names/figures prior."""
    position = 1.0 / np.sqrt(1.0 + np.arange(len(found)))
    priors = np.array([prior(text[s:e]) for s, e in found.spans], dtype=np.float32)
    return (
        WEIGHT_CENTRALITY * scaled(centrality(found.vectors))
        + WEIGHT_POSITION * position
        + WEIGHT_PRIOR * priors
    )


def mmr(scores: np.ndarray, vectors: np.ndarray, count: int, trade_off: float = MMR_LAMBDA) -> list[int]:
    """Indices of ``count`` rows chosen by maximal marginal relevance, best first."""
    scores = scaled(scores)
    chosen: list[int] = []
    similar = np.full(len(scores), -np.inf)
    while len(chosen) < min(count, len(scores)):
        redundancy = np.where(np.isfinite(similar), similar, 0.0)
        value = trade_off * scores - (1 - trade_off) * redundancy
        value[chosen] = -np.inf
        best = int(np.argmax(value))
        chosen.append(best)
        similar = np.maximum(similar, vectors @ vectors[best])
    return chosen


def choose(found: ReportSentences, text: str, count: int) -> list[int]:
    """The indices of the brief's sentences among ``found``, in report order."""
    if len(found) <= count:
        return list(range(len(found)))
    return sorted(mmr(salience(found, text), found.vectors, count))


def lead(found: ReportSentences, count: int) -> list[int]:
    """The lead baseline: the first ``count`` eligible sentences."""
    return list(range(min(count, len(found))))


def centroid(found: ReportSentences, count: int) -> list[int]:
    """The centroid baseline: the ``count`` sentences closest to the mean vector, in report order."""
    if not len(found):
        return []
    return sorted(np.argsort(-centrality(found.vectors))[:count].tolist())


def eligible_sentences(catalog: Catalog, report: int, text: str) -> ReportSentences:
    """The prose sentences; for a report of few sentences, its shorter ones too."""
    found = report_sentences(catalog, report, text)
    if len(found) < 3:
        found = report_sentences(catalog, report, text, min_words=1)
    return found


def ranked(found: ReportSentences, text: str) -> list[int]:
    """The ``MAX_SENTENCES`` best of ``found`` by MMR, best first: a brief of ``n`` sentences is
    the first ``n`` in report order (MMR's greedy picks do not depend on how many are wanted)."""
    return mmr(salience(found, text), found.vectors, MAX_SENTENCES) if len(found) else []


@dataclass(frozen=True)
class StoredBrief:
    """A report's brief as its record keeps it: its best sentences, best first, for one version.

    ``of`` is the recipe's version and the report's content hash: a brief stored for another
    version of the report (or of the recipe) is stale and never used.
    """

    of: str
    sentences: tuple[tuple[int, int, str], ...]  # (start, end, passage id)

    @staticmethod
    def stamp(content_hash: str) -> str:
        """What ``of`` must be for the report version ``content_hash``."""
        return f"{BRIEF_VERSION}/{content_hash}"

    @classmethod
    def of_sentences(cls, found: ReportSentences, text: str, content_hash: str) -> StoredBrief:
        """The stored brief of a report version from its eligible sentences."""
        order = ranked(found, text)
        spans = tuple((*found.spans[i], found.passage_ids[i]) for i in order)
        return cls(cls.stamp(content_hash), spans)

    def to_json(self) -> str:
        """The JSON kept in the record's metadata under ``BRIEF_KEY``."""
        return json.dumps({"of": self.of, "sentences": [list(s) for s in self.sentences]})

    @classmethod
    def from_json(cls, raw: object, content_hash: str) -> StoredBrief | None:
        """The stored brief in ``raw`` if it is one of version ``content_hash``, else None."""
        try:
            data = json.loads(raw) if isinstance(raw, str) else None
            if not data or data["of"] != cls.stamp(content_hash):
                return None
            return cls(data["of"], tuple((int(s), int(e), str(p)) for s, e, p in data["sentences"]))
        except (ValueError, KeyError, TypeError):
            return None

    def pick(self, count: int) -> list[tuple[int, int, str]]:
        """The sentences of a brief of ``count`` sentences, in report order."""
        return sorted(self.sentences[:count])


def chunk_sentences(chunks: Sequence[Chunk], sentence_vecs: np.ndarray, text: str) -> ReportSentences:
    """The eligible sentences of a report being ingested: its chunks and their sentence vectors
    (rounded as the catalog keeps them, so the brief is the one the catalog would give)."""
    sentences = [(s.start, s.end, c.passage_id) for c in chunks for s in c.sentences]
    vectors = np.asarray(sentence_vecs, dtype=np.float16)
    source = chunks[0].source if chunks else ""
    found = prose_sentences(source, text, sentences, vectors, MIN_WORDS)
    if len(found) < 3:
        found = prose_sentences(source, text, sentences, vectors, 1)
    return found


class Briefer:
    """Makes the briefs of an index's reports from what their records keep (see ``record_extras``).

    A record without a current brief or entities (an index written before they were kept, or
    entities left to a later pass) gets them computed once and stored in it.
    """

    def __init__(self, index: object, entities_at_ingest: bool = False) -> None:
        self.index = index
        self.entities_at_ingest = entities_at_ingest

    def check_source(self, source: str, names: Sequence[str]) -> str:
        """The report ``source`` names, or ``UnknownReportError`` naming the closest."""
        found = resolve_name(source, names) if isinstance(source, str) else None
        if found is None:
            raise unknown_report(str(source), names)
        return found

    def record_extras(
        self, report: Report, chunks: Sequence[Chunk], sentence_vecs: np.ndarray
    ) -> dict[str, str]:
        """What the ingest stores with a report's record: its brief, and its entities if asked."""
        found = chunk_sentences(chunks, sentence_vecs, report.text)
        extras = {BRIEF_KEY: StoredBrief.of_sentences(found, report.text, report.content_hash).to_json()}
        if self.entities_at_ingest:
            from rag.answer.entities import ENTITIES_KEY, entities_json, report_entities

            extras[ENTITIES_KEY] = entities_json(report_entities(report.text), report.content_hash)
        return extras

    def brief(self, source: str, sentences: int = BRIEF_SENTENCES, entities: bool = True) -> Brief:
        """The brief of report ``source`` (see ``ReportQA.brief``)."""
        if not MIN_SENTENCES <= sentences <= MAX_SENTENCES:
            raise ValueError(f"a brief has {MIN_SENTENCES} to {MAX_SENTENCES} sentences, not {sentences}")
        catalog = self.index.catalog()  # type: ignore[attr-defined]
        source = self.check_source(source, catalog.sources)
        report, meta = self.index.report_record(source)  # type: ignore[attr-defined]
        stored = StoredBrief.from_json(meta.get(BRIEF_KEY), report.content_hash)
        if stored is None:
            stored = self._compute(catalog, report)
        names: tuple[Entity, ...] = ()
        if entities:
            names = self.entities(report, meta)
        quotes = [(report.source, pid, start, end) for start, end, pid in stored.pick(sentences)]
        text, citations = cite("", quotes, {report.source: report.text})
        return Brief(
            source=report.source,
            title=report.title,
            date=report.date,
            kind=report.kind,
            text=text,
            citations=citations,
            entities=names,
        )

    def entities(self, report: Report, meta: dict[str, object]) -> tuple[Entity, ...]:
        """The report's stored entities; computed (spaCy) and stored when its record has none."""
        from rag.answer.entities import ENTITIES_KEY, entities_from_json, entities_json, report_entities

        found = entities_from_json(meta.get(ENTITIES_KEY), report.content_hash)
        if found is None:
            found = report_entities(report.text)
            self._store(report, {ENTITIES_KEY: entities_json(found, report.content_hash)})
        return found

    def _compute(self, catalog: Catalog, report: Report) -> StoredBrief:
        """The brief of a record that keeps none (an older index), stored in it for next time."""
        number = catalog.sources.index(report.source)
        found = eligible_sentences(catalog, number, report.text)
        stored = StoredBrief.of_sentences(found, report.text, report.content_hash)
        if catalog.hashes[number] == report.content_hash:
            self._store(report, {BRIEF_KEY: stored.to_json()})
        return stored

    def _store(self, report: Report, values: dict[str, str]) -> None:
        """Keep ``values`` in the report's record (best effort: a read-only index still answers)."""
        with contextlib.suppress(Exception):
            self.index.store.annotate_report(report.source, report.content_hash, values)  # type: ignore[attr-defined]


def cited_passages(catalog: Catalog, citations: Sequence[Citation]) -> tuple[Passage, ...]:
    """The passages the citations quote, once each, in citation order (for ``Answer.passages``)."""
    out: dict[str, Passage] = {}
    for citation in citations:
        row = catalog.row.get(citation.passage_id)
        if row is None or citation.passage_id in out:
            continue
        chunk = catalog.chunk(row)
        out[chunk.passage_id] = Passage.of_chunk(chunk, 1.0)
    return tuple(out.values())


def one_line(text: str) -> str:
    """``text`` with its runs of whitespace made single spaces."""
    return " ".join(text.split())


def briefing_answer(
    question: str, text: str, citations: Sequence[Citation], catalog: Catalog, query: str
) -> Answer:
    """The ``Answer`` of a briefing (overview, timeline, comparison): its text and citations,
    the passages they quote, full confidence (every sentence is quoted, none inferred)."""
    return Answer(
        question=question,
        text=text,
        abstained=False,
        citations=tuple(citations),
        passages=cited_passages(catalog, citations),
        confidence=1.0,
        retrieval_query=query,
    )


def no_answer(question: str, text: str, query: str) -> Answer:
    """The abstention of a briefing that found nothing, in its own words."""
    return Answer(question=question, text=text, abstained=True, retrieval_query=query)
