"""Parse a chat model's reply into cited sentences and check every citation against its passage.

A reply is split into sentences; each sentence's ``[n]`` markers name passages of the prompt.
A marker naming no supplied passage is dropped; a sentence with no marker at all is attributed
after the fact to the one passage that supports it best (if any does). Each (sentence, passage)
pair is checked: lexical support (share of the claim's content words found in the passage), embedding
support (best cosine of the claim with the passage's sentences) and key terms (every number
and name of the claim must appear in the passage). A supported pair becomes a ``Citation``
quoting the passage sentence that supports the claim best, with exact report offsets.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer.cite import highlight_spans, is_verified
from rag.answer.instructions import has_instructions
from rag.prompts import ABSTAIN_TEXT
from rag.settings import GenerativeSettings
from rag.text import split_reply as split_sentences
from rag.text import tokenize
from rag.types import Chunk, Citation

#: Weight of lexical support in the support score (the rest is the embedding cosine).
LEXICAL_WEIGHT = 0.5

_MARKER = re.compile(r"\s*\[(?:passages?\s*)?(\d+(?:\s*[,;]\s*\d+)*)\]", re.IGNORECASE)
_KEY = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b|(?<=\s)[A-Z][a-zA-Z\u00C0-\u024F'-]+")

_FENCE = re.compile(r"</?\s*passage\b[^>]*>", re.IGNORECASE)

Encoder = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Claim:
    """One sentence of the reply: its text without markers and the passages it cites."""

    text: str
    markers: tuple[int, ...]
    dropped: tuple[int, ...] = ()

    @property
    def is_abstention(self) -> bool:
        """True when the sentence is the fixed abstention sentence."""
        return _norm(ABSTAIN_TEXT) in _norm(self.text)


@dataclass(frozen=True)
class Support:
    """How well one passage supports one claim, and its best sentence."""

    passage: int
    sentence: int
    score: float
    supported: bool


@dataclass(frozen=True)
class Verified:
    """A verified reply: text with renumbered markers, citations, and the flagged sentences."""

    text: str
    citations: tuple[Citation, ...]
    unsupported: tuple[str, ...]
    abstained: bool
    confidence: float

    @property
    def has_support(self) -> bool:
        """True when at least one claim is supported by a cited passage."""
        return bool(self.citations)


def parse_reply(reply: str, passage_count: int) -> list[Claim]:
    """The reply's claims; markers outside ``1..passage_count`` are moved to ``dropped``.

    Passage fences the model echoes from the prompt (``<passage number="2" ...>``) are no claims.
    """
    claims: list[Claim] = []
    for sentence in split_sentences(_FENCE.sub(" ", reply)):
        numbers = [int(n) for group in _MARKER.findall(sentence) for n in re.split(r"[,;]", group)]
        valid = tuple(dict.fromkeys(n for n in numbers if 1 <= n <= passage_count))
        dropped = tuple(dict.fromkeys(n for n in numbers if not 1 <= n <= passage_count))
        text = _MARKER.sub("", sentence)
        text = re.sub(r"\s+([.!?,;:])", r"\1", " ".join(text.split())).strip()
        if text and re.search(r"\w", text):
            claims.append(Claim(text=text, markers=valid, dropped=dropped))
    return claims


def key_terms(claim: str) -> set[str]:
    """Numbers and names of a claim (its first word excepted), as index tokens."""
    return {t for match in _KEY.findall(claim) for t in tokenize(match)} - {""}


def support(
    claim: str,
    claim_vec: np.ndarray,
    chunk: Chunk,
    sentence_vecs: np.ndarray,
    passage: int,
    threshold: float = GenerativeSettings().support_threshold,
) -> Support:
    """How well passage ``chunk`` supports ``claim`` (enough: ``threshold``); the best sentence is cited.

    Sentences that read like instructions to a model never support a claim: a reply that
    repeats them followed them.
    """
    usable = [i for i, s in enumerate(chunk.sentences) if not has_instructions(s.text)]
    if not len(sentence_vecs) or not usable:
        return Support(passage=passage, sentence=0, score=0.0, supported=False)
    claim_terms = set(tokenize(claim))
    terms = [set(tokenize(chunk.sentences[i].text)) for i in usable]
    passage_terms = set().union(*terms)
    cosines = sentence_vecs[usable] @ claim_vec
    lexical = np.asarray([_overlap(claim_terms, t) for t in terms])
    best = usable[int(np.argmax(LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * cosines))]
    passage_lex = _overlap(claim_terms, passage_terms) if claim_terms else float(cosines.max())
    score = LEXICAL_WEIGHT * passage_lex + (1 - LEXICAL_WEIGHT) * float(cosines.max())
    missing = key_terms(claim) - passage_terms
    return Support(passage=passage, sentence=best, score=score, supported=not missing and score >= threshold)


def verify(
    question: str,
    reply: str,
    chunks: Sequence[Chunk],
    sentence_vecs: dict[str, np.ndarray],
    encode: Encoder,
    report_text: Callable[[str], str],
    threshold: float = GenerativeSettings().support_threshold,
) -> Verified:
    """Check each cited claim of ``reply`` against the passages ``chunks`` (numbered from 1).

    A claim is supported by a passage when its support score reaches ``threshold``.
    """
    claims = parse_reply(reply, len(chunks))
    checked = [c for c in claims if not c.is_abstention]
    vectors = encode([c.text for c in checked]) if checked else np.zeros((0, 0))
    vec_of = {id(c): v for c, v in zip(checked, vectors)}
    builder = _CitationBuilder(question, chunks, report_text)
    parts, unsupported, scores = [], [], []
    for claim in claims:
        found = []
        for result in _supports(claim, vec_of.get(id(claim)), chunks, sentence_vecs, encode, threshold):
            if marker := builder.marker(result):
                found.append(marker)
                scores.append(result.score)
        if not found and not claim.is_abstention:
            unsupported.append(claim.text)
        parts.append(claim.text + "".join(f" [{m}]" if i == 0 else f"[{m}]" for i, m in enumerate(found)))
    abstained = not builder.citations and any(c.is_abstention for c in claims)
    return Verified(
        text=ABSTAIN_TEXT if abstained else " ".join(parts),
        citations=tuple(builder.citations),
        unsupported=() if abstained else tuple(unsupported),
        abstained=abstained,
        confidence=float(np.mean(scores)) if scores else 0.0,
    )


def _supports(
    claim: Claim,
    claim_vec: np.ndarray | None,
    chunks: Sequence[Chunk],
    sentence_vecs: dict[str, np.ndarray],
    encode: Encoder,
    threshold: float,
) -> list[Support]:
    """The supported (claim, passage) pairs of a claim.

    A claim with markers is checked against the passages it names. A claim with none (small
    models often write no ``[n]``) is attributed after the fact, as RAGFlow's
    ``insert_citations`` does: the one passage that supports it best, if any supports it.
    """
    if claim_vec is None:
        return []
    numbers = claim.markers if claim.markers or claim.dropped else tuple(range(1, len(chunks) + 1))
    results = [
        support(
            claim.text, claim_vec, chunks[n - 1], _vectors(chunks[n - 1], sentence_vecs, encode), n, threshold
        )
        for n in numbers
    ]
    supported = [r for r in results if r.supported]
    if claim.markers:
        return supported
    return [max(supported, key=lambda r: r.score)] if supported else []


class _CitationBuilder:
    """Numbers supporting sentences 1, 2, ... in order of first use, one citation each."""

    def __init__(self, question: str, chunks: Sequence[Chunk], report_text: Callable[[str], str]) -> None:
        self.question = question
        self.chunks = chunks
        self.report_text = report_text
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[int, int], int] = {}

    def marker(self, result: Support) -> int | None:
        """The marker of the citation for this support, made on first use; None if unverifiable."""
        key = (result.passage, result.sentence)
        if key not in self._numbers:
            citation = self._citation(len(self.citations) + 1, *key)
            if citation is None:
                return None
            self.citations.append(citation)
            self._numbers[key] = citation.marker
        return self._numbers[key]

    def _citation(self, marker: int, passage: int, index: int) -> Citation | None:
        chunk = self.chunks[passage - 1]
        sentence = chunk.sentences[index]
        text = self.report_text(chunk.source)
        quote = text[sentence.start : sentence.end]
        citation = Citation(
            marker=marker,
            source=chunk.source,
            passage_id=chunk.passage_id,
            quote=quote,
            start=sentence.start,
            end=sentence.end,
            highlights=highlight_spans(self.question, quote, sentence.start),
        )
        return citation if quote and is_verified(citation, text) else None


def _vectors(chunk: Chunk, sentence_vecs: dict[str, np.ndarray], encode: Encoder) -> np.ndarray:
    """The sentence vectors of a passage, from the index or (if missing) freshly encoded."""
    found = sentence_vecs.get(chunk.passage_id)
    if found is None or len(found) != len(chunk.sentences):
        found = encode([s.text for s in chunk.sentences])
        sentence_vecs[chunk.passage_id] = found
    return found


def _overlap(claim_terms: set[str], other: set[str]) -> float:
    return len(claim_terms & other) / len(claim_terms) if claim_terms else 0.0


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))
