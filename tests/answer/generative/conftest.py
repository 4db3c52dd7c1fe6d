"""Fixtures for the generative tests: scripted LangChain chat models over the seeded index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import Field

SEED_QUESTION = "How many troops withdrew and to where?"
SEED_ANSWER = "The estimated 400 men withdrew with most of their equipment to nearby Ariha, a town of 70,000."


class ScriptedChatModel(GenericFakeChatModel):
    """``GenericFakeChatModel`` with scripted replies that records the messages it was sent."""

    calls: list[list[BaseMessage]] = Field(default_factory=list)

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.calls.append(list(messages))
        return super()._generate(messages, *args, **kwargs)


class EmptyStreamChatModel(ScriptedChatModel):
    """Streams only empty chunks (as some servers do) but answers a plain invoke."""

    def _stream(
        self, messages: list[BaseMessage], *args: Any, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        yield ChatGenerationChunk(message=AIMessageChunk(content=""))
        yield ChatGenerationChunk(message=AIMessageChunk(content=""))


class BrokenChatModel(BaseChatModel):
    """A backend that is down: every call raises ``ConnectionError``."""

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        raise ConnectionError("connection refused by 127.0.0.1:1")

    @property
    def _llm_type(self) -> str:
        return "broken"


def scripted(*replies: str) -> ScriptedChatModel:
    """A chat model that answers each call with the next of ``replies``."""
    return ScriptedChatModel(messages=iter(replies))


@pytest.fixture(scope="session")
def gen_qa(seeded_index_dir: Path):
    """A ``ReportQA`` of this package's own over the seeded index; tests swap its chat model."""
    from rag.qa import ReportQA

    return ReportQA(index_dir=seeded_index_dir, llm=None)
