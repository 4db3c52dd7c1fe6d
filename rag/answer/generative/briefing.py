"""Generative briefings: a chat model writes the brief, overview, topic overview, timeline,
comparison or "which reports" answer from the extractive one's sentences, then every sentence
of its reply is verified as a generative answer's is (``rag.answer.generative.verify``).

The chat model sees the extractive briefing's cited sentences as numbered passages (prompt
``prompts/briefing.txt``, its task by request kind from ``rag.prompts.BRIEFING_TASKS``), so it
can only reword, order and connect what the extractive briefing quotes. A reply with no verified
sentence, a failing model, or a "which reports" reply that leaves out a report (that answer must
be exhaustive) falls back to the extractive briefing, with a note saying why.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from rag.answer.generative.backends import LLMUnavailableError
from rag.answer.generative.chain import chat_prompt, passage_block
from rag.answer.generative.verify import Verified, verify
from rag.prompts import ABSTAIN_TEXT, BRIEFING_PROMPT, BRIEFING_TASKS
from rag.types import Answer, Brief, Chunk, Citation, Sentence

if TYPE_CHECKING:
    from rag.answer.generative.chain import GenerativeAnswerer

BriefingKind = Literal["brief", "overview", "topic", "timeline", "compare", "mention"]

#: The note of a briefing whose chat model reply could not be verified.
UNVERIFIED_NOTE = (
    "no sentence of the model's briefing was supported by the sentences it cited; extractive briefing"
)

#: The note of a "which reports" reply that left out reports the extractive answer lists.
INCOMPLETE_NOTE = "the model's reply left out reports that mention it; extractive answer"


@dataclass(frozen=True)
class Rewritten:
    """The outcome of one generative briefing: the verified reply, or None and why not."""

    verified: Verified | None
    note: str = ""


def sentence_chunks(citations: Sequence[Citation]) -> list[Chunk]:
    """One numbered passage per cited sentence: a chunk of that sentence alone (its id made
    unique by its number, so that two sentences of one passage keep their own vectors)."""
    return [
        Chunk.model_construct(
            passage_id=f"{c.passage_id}#{n}",
            source=c.source,
            text=c.quote,
            start=c.start,
            end=c.end,
            ordinal=0,
            sentences=(Sentence.model_construct(start=c.start, end=c.end, text=c.quote),),
        )
        for n, c in enumerate(citations, 1)
    ]


class GenerativeBriefings:
    """Rewrites extractive briefings with the chat model of a ``GenerativeAnswerer``."""

    def __init__(self, answerer: GenerativeAnswerer) -> None:
        self.answerer = answerer
        self.prompt = chat_prompt(BRIEFING_PROMPT, answerer.settings.prompts_dir, abstain=ABSTAIN_TEXT)

    def rewrite(
        self, kind: BriefingKind, request: str, citations: Sequence[Citation]
    ) -> Iterator[str | Rewritten]:
        """Yield the reply's text pieces as they arrive, then its ``Rewritten`` outcome."""
        passages = "\n\n".join(passage_block(n, c.source, c.quote) for n, c in enumerate(citations, 1))
        messages = self.prompt.invoke(
            {"task": BRIEFING_TASKS[kind], "passages": passages, "request": request}
        )
        pieces: list[str] = []
        try:
            if self.answerer.model is None:
                raise LLMUnavailableError(self.answerer.error or "no chat model")
            for piece in self.answerer.stream_reply(messages):
                pieces.append(piece)
                yield piece
        except Exception as err:
            yield Rewritten(None, self.answerer.failure(err))
            return
        yield self.check(request, "".join(pieces), citations)

    def check(self, request: str, reply: str, citations: Sequence[Citation]) -> Rewritten:
        """Verify every sentence of ``reply`` against the cited sentences it was given."""
        chunks = sentence_chunks(citations)
        encode = self.answerer.index.embedder.encode
        vectors = np.asarray(encode([c.quote for c in citations]), dtype=np.float32)
        by_id = {chunk.passage_id: vectors[n : n + 1] for n, chunk in enumerate(chunks)}
        threshold = self.answerer.settings.generative.support_threshold
        checked = verify(request, reply, chunks, by_id, encode, self.answerer.index.document_text, threshold)
        if checked.abstained or not checked.has_support:
            return Rewritten(None, UNVERIFIED_NOTE)
        real = {chunk.passage_id: c.passage_id for chunk, c in zip(chunks, citations, strict=True)}
        restored = tuple(c.model_copy(update={"passage_id": real[c.passage_id]}) for c in checked.citations)
        return Rewritten(Verified(checked.text, restored, checked.unsupported, False, checked.confidence), "")

    def stream_answer(self, kind: BriefingKind, extractive: Answer) -> Iterator[str | Answer]:
        """Yield the reply's pieces, then the briefing ``Answer``: the model's, verified, or
        ``extractive`` with a note (see the module's docstring)."""
        if extractive.abstained or not extractive.citations:
            yield extractive.text
            yield extractive
            return
        outcome = Rewritten(None)
        for item in self.rewrite(kind, extractive.question, extractive.citations):
            if isinstance(item, Rewritten):
                outcome = item
            else:
                yield item
        yield self.merge(kind, extractive, outcome)

    def answer(self, kind: BriefingKind, extractive: Answer) -> Answer:
        """The briefing ``Answer`` (``stream_answer`` without the pieces)."""
        *_, last = self.stream_answer(kind, extractive)
        assert isinstance(last, Answer)
        return last

    @staticmethod
    def merge(kind: BriefingKind, extractive: Answer, outcome: Rewritten) -> Answer:
        """The model's verified briefing in place of ``extractive``'s text, else ``extractive``."""
        found = outcome.verified
        if found is None:
            return extractive.model_copy(update={"note": outcome.note})
        if kind == "mention" and {c.source for c in found.citations} != {
            c.source for c in extractive.citations
        }:
            return extractive.model_copy(update={"note": INCOMPLETE_NOTE})
        return extractive.model_copy(
            update={
                "text": found.text,
                "citations": found.citations,
                "unsupported": found.unsupported,
                "support": "uncertain" if found.unsupported else "answered",
                "confidence": found.confidence,
                "note": "",
            }
        )

    def brief(self, brief: Brief) -> Brief:
        """The model's verified rewording of ``brief``, else ``brief`` with a note saying why not."""
        if not brief.citations:
            return brief
        request = f"Summarize the report {brief.title or brief.source}."
        *_, outcome = self.rewrite("brief", request, brief.citations)
        assert isinstance(outcome, Rewritten)
        if outcome.verified is None:
            return brief.model_copy(update={"note": outcome.note})
        found = outcome.verified
        return brief.model_copy(update={"text": found.text, "citations": found.citations})
