"""The nouns of Dispatch QA, in one module: every object that crosses a stage boundary.

All are frozen: pydantic models, except ``Query`` and ``Candidate`` (frozen dataclasses: they
carry numpy arrays and live only while one question is answered). Offsets are character offsets
into the extracted text of a report, the text that ``ReportQA.document_text(source)`` returns,
so a citation can always be verified by slicing: ``document_text(c.source)[c.start:c.end] == c.quote``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Span(_Frozen):
    """A half-open character range ``[start, end)`` into a report's text."""

    start: int
    end: int


class Sentence(Span):
    """One sentence of a passage, with offsets into the report's text."""

    text: str


class Report(_Frozen):
    """An ingested report: its extracted text and where it came from."""

    source: str = Field(description="Stable name of the report, e.g. its file name.")
    text: str = Field(description="The extracted text; every offset indexes into it.")
    content_hash: str = Field(description="sha256 of the original file's bytes.")
    title: str = ""
    date: str = Field(default="", description="Issue date line of its header, e.g. 'January 11, 2024'.")
    kind: str = Field(default="", description="Product kind from its header, e.g. 'Fact sheet'.")
    origin: str = Field(default="", description="Absolute path of the file it was read from.")


class Chunk(_Frozen):
    """A passage as stored in the index: a paragraph (or part of one) and its sentences."""

    passage_id: str
    source: str
    text: str
    start: int
    end: int
    ordinal: int = Field(description="Position of the passage within its report, from 0.")
    sentences: tuple[Sentence, ...]


class Passage(_Frozen):
    """A retrieved passage, best first in ``Answer.passages``."""

    passage_id: str
    source: str
    text: str
    start: int
    end: int
    score: float
    ordinal: int = 0

    @classmethod
    def of_chunk(cls, chunk: Chunk, score: float) -> Passage:
        """The stored passage ``chunk`` with ``score``."""
        return cls(
            passage_id=chunk.passage_id,
            source=chunk.source,
            text=chunk.text,
            start=chunk.start,
            end=chunk.end,
            score=score,
            ordinal=chunk.ordinal,
        )


class Citation(_Frozen):
    """A marker in the answer text and the exact characters of the report it quotes."""

    marker: int = Field(description="The n of the [n] marker in the answer text.")
    source: str
    passage_id: str
    quote: str = Field(description="Verbatim slice of the report: document_text[start:end].")
    start: int
    end: int
    highlights: tuple[Span, ...] = Field(
        default=(), description="Key words inside the quote (numbers, places, names)."
    )


class Answer(_Frozen):
    """What ``ReportQA.ask`` returns: a short answer, its citations and the evidence."""

    question: str
    text: str
    abstained: bool
    short: str = Field(
        default="",
        description="The direct answer inside the quote, e.g. 'nearby Ariha' (the reader's span): "
        "always a slice of a citation's quote; '' when there is none.",
    )
    short_parts: tuple[str, ...] = Field(
        default=(),
        description="A multi-part question's short answers, one per part it found ('400 men', "
        "'nearby Ariha'); ``short`` joins them with '; '. Each is a slice of a citation's quote; "
        "() for a one-part question.",
    )
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    confidence: float = 0.0
    unsupported: tuple[str, ...] = Field(
        default=(), description="Answer sentences no cited passage supports (generative mode)."
    )
    retrieval_query: str = Field(default="", description="The question actually searched for.")
    note: str = Field(
        default="", description="Why a generative answer fell back, e.g. the chat model was unreachable."
    )
    gaps: tuple[str, ...] = Field(
        default=(),
        description="What the closest evidence lacks for the question, when the answer is "
        "'uncertain' or 'abstained' (extractive mode): e.g. a name the cited report never "
        "mentions, or no number for what a 'how many' question counts.",
    )
    support: Literal["answered", "uncertain", "abstained"] = Field(
        default="answered",
        description="How well the reports support the answer: 'answered'; 'uncertain' (the closest "
        "evidence, which may not answer the question); 'abstained' exactly when ``abstained``.",
    )

    @model_validator(mode="before")
    @classmethod
    def _support_follows_abstained(cls, data: Any) -> Any:
        """``support`` defaults from ``abstained``; the two never disagree."""
        if isinstance(data, dict) and "support" not in data and data.get("abstained"):
            data = {**data, "support": "abstained"}
        return data

    @model_validator(mode="after")
    def _check_support(self) -> Answer:
        if (self.support == "abstained") != self.abstained:
            raise ValueError(f"support {self.support!r} contradicts abstained={self.abstained}")
        if self.short_parts and self.short != "; ".join(self.short_parts):
            raise ValueError(f"short answer {self.short!r} does not join its parts {self.short_parts!r}")
        for short in self.short_parts or ((self.short,) if self.short else ()):
            if not any(short in c.quote for c in self.citations):
                raise ValueError(f"short answer {short!r} is not inside a quote")
        return self


# Briefs (rag.answer.brief) -------------------------------------------------------------------


class Entity(_Frozen):
    """A name, date or figure a report mentions, with how often (spaCy's NER over its body)."""

    text: str
    kind: Literal["person", "organisation", "group", "place", "date", "figure"]
    count: int = 1


class Brief(_Frozen):
    """What ``ReportQA.brief`` returns: a report's extractive summary, every sentence cited.

    ``text`` is the chosen sentences in report order, each followed by its ``[n]`` marker;
    ``citations`` are exact slices of the report, as in ``Answer``.
    """

    source: str
    title: str = ""
    date: str = ""
    kind: str = ""
    text: str
    citations: tuple[Citation, ...] = ()
    entities: tuple[Entity, ...] = ()
    note: str = Field(
        default="",
        description="Why a generative brief is the extractive one after all ('' when it is not).",
    )


class SkippedFile(_Frozen):
    """A file that ingestion did not take, and why."""

    path: str
    reason: str


class RenamedFile(_Frozen):
    """A file indexed under another name because another file already holds its own name."""

    path: str
    source: str = Field(description="The name it was indexed under.")
    wanted: str = Field(description="Its own name, which another file holds.")
    held_by: str = Field(default="", description="The file that holds that name ('' if unknown).")


class IngestReport(_Frozen):
    """What ``ReportQA.ingest`` did with each file it was given."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()
    notes: tuple[str, ...] = Field(
        default=(), description="Non-fatal remarks, e.g. an encoding that was guessed."
    )
    renamed: tuple[RenamedFile, ...] = Field(
        default=(), description="Files named apart from another file of the same name (none replaced)."
    )
    cancelled: bool = Field(default=False, description="The caller cancelled; the rest was not ingested.")
    stopped: str = Field(
        default="",
        description="Why the ingest stopped early ('disk full: 9 of 25 files indexed, the rest not').",
    )

    def summary(self) -> str:
        """One human-readable line: counts, then each rename and each skip with its reason."""
        line = (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        )
        if self.cancelled:
            line += " (cancelled)"
        if self.stopped:
            line += f"; {self.stopped}"
        renames = [f"{r.path} indexed as {r.source} ({r.wanted} is taken)" for r in self.renamed]
        reasons = [f"{s.path}: {s.reason}" for s in self.skipped]
        return "; ".join([line, *renames, *reasons])


@dataclass(frozen=True)
class Query:
    """One question as the stages see it, built once per question."""

    question: str  # as the user asked it (whitespace collapsed)
    text: str  # the stand-alone question that is searched for (a follow-up rewritten)
    vector: np.ndarray  # unit embedding of ``text``
    kinds: tuple[str, ...] = ()  # what ``text`` asks for: number, date, place, person (rag.text)


class ScoredCollection(Protocol):
    """What the answer stage reads of the collection a candidate was scored in.

    ``rag.index.catalog.Catalog`` is one; the base names only what it reads, so it imports no stage.
    """

    @property
    def idf(self) -> dict[str, float]:
        """IDF per word over the collection's passages (``rag.index.stats.idf_table``)."""
        ...

    @property
    def sources(self) -> list[str]:
        """The collection's reports, in catalog row order."""
        ...

    def report_vocab(self, report: int) -> frozenset[str]:
        """The words (tokens) of the report in catalog row ``report``."""
        ...


@dataclass(frozen=True)
class Candidate:
    """A pooled passage: the stored chunk, its reranker score and the signals the features read.

    ``sent_spans`` are (start, end) offsets into ``chunk.text``; ``sent_vecs`` the rows of their
    (normalised) embeddings; ``sent_bm25`` their scores in the sentence BM25 index. ``report``
    is the report's row in the catalog; ``title`` its first line. The token fields are computed
    once per passage at ingest (``rag.index.stats.ingest_tokens``).
    """

    chunk: Chunk
    sent_spans: tuple[tuple[int, int], ...]
    sent_vecs: np.ndarray
    sent_bm25: np.ndarray
    dense: float  # cosine(question, passage embedding)
    bm25: float  # passage BM25
    bm25_titled: float  # titled-passage BM25
    report: int
    report_bm25: float  # report BM25 of this passage's report
    report_dense: float  # cosine(question, report embedding)
    title_dense: float  # cosine(question, title embedding)
    title: str = ""
    tokens: tuple[str, ...] = ()
    sent_tokens: tuple[tuple[str, ...], ...] = ()
    title_tokens: frozenset[str] = frozenset()
    score: float = 0.0  # the reranker's score (set by the retriever; higher is better)
    catalog: ScoredCollection | None = None  # the collection state the candidate was scored in

    @property
    def text(self) -> str:
        """The passage's text."""
        return self.chunk.text

    @property
    def sparse(self) -> float:
        """The passage's BM25 score (alias of ``bm25``)."""
        return self.bm25
