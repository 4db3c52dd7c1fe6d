"""Doors for LangChain and LangGraph: a retriever, a tool and a runnable over a ``ReportQA``.

``qa.as_retriever(k, sources)`` (``ReportRetriever``) returns the passages ``ask`` retrieves for
the same question and scope as ``Document``s; ``qa.as_tool()`` (``report_tool``) answers with the
cited text and hands the citations over as the tool message's artifact; ``qa.as_runnable()``
(``AnswerRunnable``) answers through ``invoke`` / ``batch`` / ``stream``. None holds retrieval or
answering logic of its own: each calls ``ReportQA``. See docs/ecosystem.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.messages import BaseMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, ConfigDict, Field

from rag.reply import ReportHeaders, citation_records, cited_text
from rag.types import Answer

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

    from rag.qa import ReportQA

#: The tool's name, as a chat model sees it.
TOOL_NAME = "ask_reports"

#: The tool's description, as a chat model sees it.
TOOL_DESCRIPTION = (
    "Answer a question from the indexed reports. Returns a short answer whose [n] markers cite "
    "the quoted sentences listed under 'Sources', or says the reports do not answer it. Give "
    "'sources' (report names) to search only those reports."
)


class ReportRetriever(BaseRetriever):
    """The passages ``ReportQA.ask`` retrieves for a question, as LangChain ``Document``s.

    Each ``Document`` holds the passage as ``page_content`` and, as metadata, its report
    (``source``, ``title``, ``date``), its offsets into the report's text (``start``, ``end``),
    the reranker's ``score`` and its ``passage_id``. Best first; ``k`` of them (default
    ``settings.top_k``), from ``sources`` only when given.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    qa: Any = Field(description="The ReportQA searched.")
    k: int | None = Field(default=None, description="Passages returned (None: settings.top_k).")
    sources: list[str] | None = Field(default=None, description="Report names searched (None: all).")
    headers: Any = Field(default=None, description="Report titles and dates, read once per version.")

    def model_post_init(self, context: Any, /) -> None:
        """Start the cache of report headers."""
        if self.headers is None:
            self.headers = ReportHeaders(self.qa)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        """The best passages for ``query`` (checked as ``ask`` checks a question)."""
        question = self.qa.check_question(query)
        candidates, _ = self.qa.retrieve(question, self.k, self.sources)
        k = self.k or self.qa.settings.top_k
        documents = []
        for candidate in candidates[:k]:
            chunk = candidate.chunk
            title, date = self.headers.get(chunk.source)
            documents.append(
                Document(
                    id=chunk.passage_id,
                    page_content=chunk.text,
                    metadata={
                        "source": chunk.source,
                        "start": chunk.start,
                        "end": chunk.end,
                        "score": float(candidate.score),
                        "title": title,
                        "date": date,
                        "passage_id": chunk.passage_id,
                    },
                )
            )
        return documents


class ToolArgs(BaseModel):
    """What the tool takes: the question and, optionally, the reports to search."""

    question: str = Field(description="The question, in full (it is answered from the reports alone).")
    sources: list[str] | None = Field(
        default=None, description="Names of the reports to search; omit to search them all."
    )


def report_tool(qa: ReportQA, llm: str | BaseChatModel | None = None) -> BaseTool:
    """A LangChain tool over ``qa`` (see ``ReportQA.as_tool``): content, the cited answer as text
    (``rag.reply.cited_text``); artifact, its citations (``rag.reply.citation_records``).
    A bad question or an unknown report comes back as the tool's error message."""
    headers = ReportHeaders(qa)

    def ask_reports(question: str, sources: list[str] | None = None) -> tuple[str, list[dict[str, Any]]]:
        try:
            answer = qa.ask(question, llm=llm, sources=sources)
        except ValueError as err:
            raise ToolException(str(err)) from None
        return cited_text(answer, headers), citation_records(answer, headers)

    return StructuredTool.from_function(
        func=ask_reports,
        name=TOOL_NAME,
        description=TOOL_DESCRIPTION,
        args_schema=ToolArgs,
        response_format="content_and_artifact",
        handle_tool_error=True,
    )


class AnswerRunnable(Runnable[Any, Answer]):
    """``ReportQA`` as a LangChain ``Runnable``: a question in, its ``Answer`` out.

    The input is a question (``str``); a mapping with ``question`` and optionally ``history``,
    ``sources`` and ``top_k``; or a list of chat messages (the last one is the question, the
    earlier ones the history), as a LangGraph ``MessagesState`` holds them. ``invoke`` and
    ``batch`` return ``Answer``s; ``stream`` (and ``astream``) yields the text pieces as they
    arrive, then the ``Answer`` (as ``ReportQA.stream`` does). ``llm`` chooses the chat model (None: the
    configured answers; ``"extractive"``: extractive answers).
    """

    def __init__(self, qa: ReportQA, llm: str | BaseChatModel | None = None) -> None:
        self.qa = qa
        self.llm = llm

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        """The ``Answer`` to ``input`` (see the class docstring for the input's forms)."""
        return self._call_with_config(self._answer, input, config)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any | None) -> Iterator[Any]:
        """The answer's text pieces (``str``) as they arrive, then the ``Answer``."""
        yield from self._transform_stream_with_config(iter([input]), self._pieces, config)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any | None
    ) -> AsyncIterator[Any]:
        """``stream`` for asyncio: each piece is produced in a worker thread, the loop kept free."""
        pieces = self.stream(input, config, **kwargs)
        end = object()
        while (piece := await asyncio.to_thread(next, pieces, end)) is not end:
            yield piece

    def _answer(self, input: Any) -> Answer:
        question, history, sources, top_k = question_of(input)
        return self.qa.ask(question, history, top_k=top_k, llm=self.llm, sources=sources)

    def _pieces(self, inputs: Iterator[Any]) -> Iterator[Any]:
        for input in inputs:
            question, history, sources, top_k = question_of(input)
            yield from self.qa.stream(question, history, top_k=top_k, llm=self.llm, sources=sources)


def question_of(value: Any) -> tuple[str, list[Any], list[str] | None, int | None]:
    """(question, history, sources, top_k) of a runnable's input; TypeError for another kind."""
    if isinstance(value, str):
        return value, [], None, None
    if isinstance(value, Mapping) and "question" in value:
        sources = value.get("sources")
        return str(value["question"]), list(value.get("history") or []), sources, value.get("top_k")
    if isinstance(value, Mapping) and "messages" in value:
        value = value["messages"]
    if isinstance(value, Sequence) and value and all(isinstance(m, BaseMessage) for m in value):
        history = [{"role": _role(m), "content": m.text} for m in value[:-1]]
        return value[-1].text, history, None, None
    raise TypeError(
        "the input is a question (str), a dict with 'question' (and 'history', 'sources', 'top_k'), "
        f"or a list of chat messages, not {type(value).__name__}"
    )


def _role(message: BaseMessage) -> str:
    """The OpenAI-style role of a LangChain message ('user' for a human one)."""
    return "user" if message.type == "human" else "assistant" if message.type == "ai" else message.type
