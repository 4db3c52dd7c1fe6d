"""Answer stage (extractive): choose the sentence(s) of the top passages that answer the question.

A sentence's score mixes its dense similarity to the question, its coverage of the question's
rare words (with the previous sentence, for co-reference), the rank of its passage and whether
it holds what the question asks for (a number for "how many", a date for "when", a name for
"who"/"where"); see ``rag.answer.features``. The confidence of the choice decides abstention.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.answer import features, read, signals
from rag.answer.answerability import Evidence, gaps, signals_of
from rag.answer.cite import cite
from rag.answer.combine import combine
from rag.answer.conversation import standalone_question, user_turns
from rag.answer.grade import choice_margin, grade_features, right_probability
from rag.answer.reader import shared_reader
from rag.answer.support import support_level
from rag.prompts import ABSTAIN_TEXT
from rag.read.chunk import passage_id
from rag.text import WORD, identifier_numbers, in_report_terms, issue_date_question, tokenize
from rag.types import Answer, Candidate, Chunk, Citation, Passage, Query, Report, Sentence

if TYPE_CHECKING:
    from rag.answer.retrieve import HybridRetriever
    from rag.index import Index


#: A follow-up's other reading must be this much more confident to replace the preferred one.
FOLLOW_UP_MARGIN = 0.1


@dataclass(frozen=True)
class SentenceChoice:
    """A chosen sentence with the passage it belongs to and its score."""

    chunk: Chunk
    sentence: Sentence
    score: float


@dataclass(frozen=True)
class Selection:
    """The answerer's choice: sentences in answer order, and how sure it is (0 to 1)."""

    sentences: tuple[SentenceChoice, ...]
    confidence: float
    evidence: Evidence | None = None  # what the chosen sentences lack for the question ...
    asked: str = ""  # ... as asked in these words (the stand-alone question)
    short: str = ""  # the reader's answer span inside the chosen sentence
    unmatched: tuple[str, ...] = ()  # numbers identifying a thing ("depot 121") the quotes' passages lack
    grade: float | None = None  # the probability that the quote is right (rag.answer.grade)


class ExtractiveAnswerer:
    """Scores the sentences of the top passages, picks one or two, rates its confidence, cites.

    Sentence scores and confidence are linear / logistic models over ``rag.answer.features``; the
    confidence is a calibrated probability that the reports answer the question. Below
    ``abstain_threshold`` the answer is ``ABSTAIN_TEXT``.
    """

    def __init__(
        self,
        index: Index,
        retriever: HybridRetriever,
        max_sentences: int = 2,
        abstain_threshold: float = features.ABSTAIN_THRESHOLD,
        answer_threshold: float = features.ANSWER_THRESHOLD,
        use_reader: bool = False,
        short_answers: bool = False,
    ) -> None:
        self.index = index
        self.short_answers = short_answers
        self.retriever = retriever
        self.max_sentences = max_sentences
        self.abstain_threshold = abstain_threshold
        self.answer_threshold = answer_threshold
        self.use_reader = use_reader

    def ask(
        self,
        question: str,
        history: Sequence[Any] = (),
        top_k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer:
        """The extractive answer to a checked question (a follow-up is searched with its context).

        With the reader, a question ``standalone_question``'s rules read as a follow-up is also
        answered alone, and the better-supported answer is kept (the rules' reading wins ties). A
        question the rules read as standing alone is never joined to the one before: joined, a
        new question ("Who negotiated the withdrawal?") took the previous one's answer."""
        preferred = standalone_question(question, history)
        query = self.retriever.query(question, preferred)
        answer = self.answer(query, self.retriever.run(query, top_k, sources))
        if not (self.use_reader and user_turns(history)) or preferred == question:
            return answer
        other_text = question
        other_query = self.retriever.query(question, other_text)
        other = self.answer(other_query, self.retriever.run(other_query, top_k, sources))
        return other if other.confidence > answer.confidence + FOLLOW_UP_MARGIN else answer

    def stream(
        self,
        question: str,
        history: Sequence[Any] = (),
        top_k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """The answer text as one piece, then the ``Answer``."""
        answer = self.ask(question, history, top_k, sources)
        yield answer.text
        yield answer

    def answer(self, query: Query, candidates: Sequence[Candidate]) -> Answer:
        """The cited answer from retrieved ``candidates`` (also the generative fallback)."""
        passages = tuple(_passage(c) for c in candidates)
        selection = self.select(query, candidates)
        common: dict[str, Any] = {
            "question": query.question,
            "passages": passages,
            "confidence": selection.confidence,
            "retrieval_query": query.text,
        }
        support = support_level(
            selection.confidence, self.abstain_threshold, self.answer_threshold, selection.grade
        )
        unmatched_list: tuple[str, ...] = ()
        if support == "answered" and selection.unmatched:
            # "How many trucks did depot 121 report?" quoting depot 91's count is no answer.
            support = "uncertain"
            unmatched_list = unmatched_gaps(selection.unmatched)
        if selection.sentences and support != "abstained":
            quotes = [
                (s.chunk.source, s.chunk.passage_id, s.sentence.start, s.sentence.end)
                for s in selection.sentences
            ]
            texts = {src: self.index.text_or_empty(src) for src, *_ in quotes}
            text, citations = cite(query.text, quotes, texts)
            short = selection.short if any(selection.short in c.quote for c in citations) else ""
            # the parts of the question as the user asked it (a follow-up is searched joined to
            # the turn before, whose parts are not asked again)
            parts = self._part_answers(query.question, citations)
            short = "; ".join(parts) if parts else short  # one part's span beats the whole question's
            parts = parts if len(parts) > 1 else ()
            if support != "answered":  # gaps speak of the quoted reports only
                cited = {c.source for c in citations}
                common["gaps"] = unmatched_list + gaps(selection.asked, selection.evidence, cited)
            if citations:
                return Answer(
                    **common,
                    text=text,
                    short=short,
                    short_parts=parts,
                    abstained=False,
                    citations=citations,
                    support=support,
                )
        common["gaps"] = ()  # nothing quoted: no gap to speak of
        return Answer(**common, text=ABSTAIN_TEXT, abstained=True)

    def _part_answers(self, question: str, citations: Sequence[Citation]) -> tuple[str, ...]:
        """The short answer of each part of a multi-part question, from the quotes (``()`` for one
        part, or without short answers)."""
        if not self.short_answers:
            return ()
        return read.part_answers(shared_reader(), question, [c.quote for c in citations])

    def select(self, query: Query, candidates: Sequence[Candidate]) -> Selection:
        """Choose the answer sentences among the top passages of ``candidates`` (best first)."""
        query = self._in_report_terms(query, candidates)
        question, question_vec = query.text, query.vector
        if not candidates or candidates[0].catalog is None:
            return Selection(sentences=(), confidence=0.0)
        catalog = candidates[0].catalog
        ranked, refs, scores = competing_sentences(question, question_vec, candidates, catalog.idf)
        if not refs:
            return Selection(sentences=(), confidence=0.0)
        texts = [e.text for e in ranked]
        chosen = features.choose_sentences(refs, scores, texts, question=question)[: self.max_sentences]
        vocab = catalog.report_vocab(int(ranked[0].report)) if len(catalog.sources) else None
        abstain_signals = features.abstain_features(
            question, question_vec, ranked, refs, scores, catalog.idf, vocab
        )
        found = (
            features.quoted_evidence(question, ranked, refs, chosen, catalog.report_vocab)
            if vocab is not None
            else None
        )
        readout = self._readout(query, candidates, catalog) if self.use_reader and vocab is not None else None
        best = max(chosen, key=lambda i: scores[i]) if chosen else None
        # The reader reads the best sentence (usually among those it just read: no second pass):
        # its verdict informs the confidence, its span is the short answer.
        reading = read.reading_of(shared_reader(), question, ranked, refs[best]) if best is not None else None
        answerability = None if vocab is None else signals_of(found, reading)
        confidence = features.guarded_confidence(
            abstain_signals, question, vocab, answerability=answerability
        )
        issued = self._issue_date(question, candidates)
        if issued is not None:  # the report's own date line answers "When was it issued?"
            return Selection(
                sentences=(issued,), confidence=max(confidence, self.answer_threshold), grade=1.0
            )
        if readout is not None:
            return self._read(query, readout, confidence, catalog)
        units = combine(query.text, ranked, refs, scores, chosen, self.max_sentences)
        picked = tuple(
            SentenceChoice(chunk=ranked[u.passage].chunk, sentence=u.sentence, score=u.score) for u in units
        )
        return Selection(
            short=read.short_of(ranked, refs[best], reading)
            if self.short_answers and best is not None and reading is not None
            else "",
            sentences=picked,
            confidence=confidence,
            evidence=found,
            asked=question,
            unmatched=unmatched(question, ranked, sorted({u.passage for u in units})),
            grade=right_probability(grade_features(confidence, len(picked), choice_margin(scores))),
        )

    def _readout(
        self, query: Query, candidates: Sequence[Candidate], catalog: Any
    ) -> read.ReadSentences | None:
        """The reader's reading of the coverage scorer's best sentences of the best passages."""

        def scorer(ranked: list[Candidate]) -> tuple[list[features.SentenceRef], np.ndarray]:
            return sentence_scores(query.text, query.vector, ranked, catalog.idf)

        return read.read(shared_reader(), query.text, candidates, scorer)

    def _read(
        self,
        query: Query,
        readout: read.ReadSentences,
        coverage: float,
        catalog: Any,
    ) -> Selection:
        """The reader's choice among the sentences it read, with the confidence and short answer."""
        chosen = read.picks(readout)
        # Quotes come from the best sentence's report only: combine() never appends a sentence of
        # another report to its answer.
        report = readout.ranked[readout.refs[readout.best].passage].chunk.source
        own = [i for i, r in enumerate(readout.refs) if readout.ranked[r.passage].chunk.source == report]
        refs, scores = [readout.refs[i] for i in own], readout.scores[own]
        units = combine(
            query.text, readout.ranked, refs, scores, [own.index(i) for i in chosen], self.max_sentences
        )
        picked = tuple(
            SentenceChoice(chunk=readout.ranked[u.passage].chunk, sentence=u.sentence, score=u.score)
            for u in units
        )
        found = features.quoted_evidence(
            query.text, readout.ranked, readout.refs, chosen, catalog.report_vocab
        )
        return Selection(
            sentences=picked,
            confidence=coverage,
            evidence=found,
            asked=query.text,
            unmatched=unmatched(query.text, readout.ranked, sorted({u.passage for u in units})),
            short=read.short_answer(readout, readout.best) if self.short_answers else "",
            grade=right_probability(grade_features(coverage, len(picked), read.lead(readout))),
        )

    def _issue_date(self, question: str, candidates: Sequence[Candidate]) -> SentenceChoice | None:
        """The header's date line of the report a question about its issue date names: every
        document noun and topic word of the question is in the report's title or kind."""
        asked = issue_date_question(question)
        if asked is None or not any(asked):
            return None
        for source in dict.fromkeys(c.chunk.source for c in candidates):
            try:
                report = self.index.report(source)
            except KeyError:
                continue
            named = set(tokenize(f"{report.title} {report.kind}"))
            if report.date and asked[0] <= named and asked[1] <= named:
                return self._date_line(report)
        return None

    def _date_line(self, report: Report) -> SentenceChoice | None:
        """The report's date line as a quote of its date passage (the first, see ``rag.read.chunk``)."""
        pid = passage_id(report.source, 0, report.content_hash)
        chunk = self.index.store.get_chunks([pid]).get(pid)
        start = report.text.find(report.date)
        if chunk is None or not chunk.start <= start < chunk.end:
            return None
        line = Sentence(start=start, end=start + len(report.date), text=report.date)
        return SentenceChoice(chunk=chunk, sentence=line, score=0.0)

    def _in_report_terms(self, query: Query, candidates: Sequence[Candidate]) -> Query:
        """``query``, or the query put in the best report's words when it names a date the report
        gives only relatively ("on January 10, 2024" -> "yesterday", see ``in_report_terms``)."""
        catalog = candidates[0].catalog if candidates else None
        if catalog is None or not len(catalog.sources):
            return query
        vocab = catalog.report_vocab(int(candidates[0].report))
        if not features.unsupported_numbers(query.text, vocab):
            return query
        try:
            report = self.index.report(candidates[0].chunk.source)
        except KeyError:
            return query
        text = in_report_terms(query.text, report.text, report.date)
        return query if text is None else self.retriever.query(query.question, text)


def unmatched(question: str, ranked: Sequence[Candidate], passages: Sequence[int]) -> tuple[str, ...]:
    """The numbers that identify a thing in ``question`` ("depot 121") that a quoted passage
    (``passages``: indices into ``ranked``) and its title lack. Other names and figures are left
    out: right answers often word them otherwise ("last year" for "2015", "the United States" for
    "Washington"); on news and files, names and figures graded 28 and 8 right answers down for 7
    and 0 wrong ones."""
    numbers = identifier_numbers(question)
    if not numbers:
        return ()
    words = [set(WORD.findall(f"{ranked[p].title} {ranked[p].text}")) for p in passages]
    return tuple(n for n in numbers if any(n not in seen for seen in words))


def unmatched_gaps(names: Sequence[str]) -> tuple[str, ...]:
    """The gaps said of an answer graded down for ``unmatched`` names."""
    return tuple(f"“{n}” is not in the quoted passage." for n in dict.fromkeys(names))


def sentence_scores(
    question: str, question_vec: np.ndarray, ranked: Sequence[Candidate], idf: dict[str, float]
) -> tuple[list[features.SentenceRef], np.ndarray]:
    """The sentences of all of ``ranked`` and the sentence scorer's scores of them."""
    pscores = [c.score for c in ranked]
    refs, matrix = features.sentence_features(question, question_vec, ranked, pscores, idf, len(ranked))
    if not refs:
        return refs, np.zeros(0)
    extras = signals.sentence_extras(question, question_vec, ranked, refs, idf)
    return refs, np.hstack([matrix, extras]) @ features.SENTENCE_WEIGHTS + features.SENTENCE_BIAS


def competing_sentences(
    question: str, question_vec: np.ndarray, candidates: Sequence[Candidate], idf: dict[str, float]
) -> tuple[list[Candidate], list[features.SentenceRef], np.ndarray]:
    """The passages whose sentences compete for the answer, the sentences and their scores: the
    ``ANSWER_PASSAGES`` best, or one more when its sentence scores best with theirs (a paraphrased
    question whose answer's passage ranks just below them)."""
    n = features.ANSWER_PASSAGES
    if len(candidates) > n:
        wide = list(candidates[: n + 1])
        refs, scores = sentence_scores(question, question_vec, wide, idf)
        if refs and refs[int(np.argmax(scores))].passage == n:
            return wide, refs, scores
    ranked = list(candidates[:n])
    return (ranked, *sentence_scores(question, question_vec, ranked, idf))


def _passage(candidate: Candidate) -> Passage:
    return Passage.of_chunk(candidate.chunk, candidate.score)
