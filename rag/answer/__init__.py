"""Answer stage: takes a question and the index, gives a cited ``Answer`` or the abstention.

``rag.answer.extractive.ExtractiveAnswerer`` quotes the sentences that answer the question;
``rag.answer.generative.GenerativeAnswerer`` has a chat model write the answer and verifies
every citation in it (falling back to the extractive answer). Both depend on the index and the
retriever only, never on ``ReportQA``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from rag.types import Answer


class Answerer(Protocol):
    """Answers a checked question from the index, optionally in the context of a conversation."""

    def ask(
        self,
        question: str,
        history: Sequence[Any] = (),
        top_k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer:
        """The cited answer (or the abstention) to ``question``, from ``sources`` only if given."""
        ...

    def stream(
        self,
        question: str,
        history: Sequence[Any] = (),
        top_k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Text pieces as they are produced, then the final ``Answer``."""
        ...


__all__ = ["Answerer"]
