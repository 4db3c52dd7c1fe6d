"""The LangChain doors (``rag.langchain``) over a real index: the retriever returns what ``ask``
retrieves, the tool hands over the citations as its artifact, the runnable answers through
invoke / batch / stream, and each drops into LCEL chains and LangGraph."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any, TypedDict

import pytest
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough
from langchain_core.tools import BaseTool

from rag import Answer
from rag.reply import SOURCES_HEADING
from tests.answer.generative.conftest import SEED_ANSWER, SEED_QUESTION, scripted
from tests.conftest import SEED_SOURCE, TINY_REPORTS

HARBOUR_QUESTION = "How many dock workers were sent home?"


@pytest.fixture(scope="module")
def qa(seeded_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A ``ReportQA`` over the seed report and the two tiny reports (real Chroma, real model)."""
    from rag.qa import ReportQA

    folder = tmp_path_factory.mktemp("langchain") / "index"
    shutil.copytree(seeded_index_dir, folder)
    reports = tmp_path_factory.mktemp("langchain-reports")
    for name, text in TINY_REPORTS.items():
        (reports / name).write_text(text, encoding="utf-8")
    qa = ReportQA(index_dir=folder)
    qa.ingest([reports])
    return qa


def _assert_documents_are_passages(qa: Any, documents: list[Document], answer: Answer) -> None:
    assert [d.id for d in documents] == [p.passage_id for p in answer.passages]
    for document, passage in zip(documents, answer.passages, strict=True):
        meta = document.metadata
        assert document.page_content == passage.text
        assert qa.document_text(meta["source"])[meta["start"] : meta["end"]] == passage.text
        assert (meta["source"], meta["start"], meta["end"], meta["passage_id"]) == (
            passage.source,
            passage.start,
            passage.end,
            passage.passage_id,
        )
        assert meta["score"] == pytest.approx(passage.score)
        assert meta["title"] == qa.report(passage.source).title and "date" in meta


def test_the_retriever_returns_the_passages_ask_retrieves(qa: Any) -> None:
    retriever = qa.as_retriever()
    assert isinstance(retriever, BaseRetriever)
    documents = retriever.invoke(SEED_QUESTION)
    assert len(documents) == qa.settings.top_k
    _assert_documents_are_passages(qa, documents, qa.ask(SEED_QUESTION))
    assert documents[0].metadata["title"].startswith("Assad troops abandon")


def test_the_retriever_keeps_to_its_sources_and_k(qa: Any) -> None:
    retriever = qa.as_retriever(k=5, sources=["harbour.txt"])
    documents = retriever.invoke(HARBOUR_QUESTION)
    assert documents and {d.metadata["source"] for d in documents} == {"harbour.txt"}
    assert len(documents) <= 5
    answer = qa.ask(HARBOUR_QUESTION, top_k=5, sources=["harbour.txt"])
    _assert_documents_are_passages(qa, documents, answer)
    everywhere = qa.as_retriever(k=3).invoke(HARBOUR_QUESTION)
    assert len(everywhere) == 3 and {d.metadata["source"] for d in everywhere} != {"harbour.txt"}
    with pytest.raises(ValueError, match=r"no report named .nope\.txt."):
        qa.as_retriever(sources=["nope.txt"])


def test_the_retriever_answers_ainvoke_as_invoke(qa: Any) -> None:
    retriever = qa.as_retriever(k=4)
    documents = asyncio.run(retriever.ainvoke(SEED_QUESTION))
    assert documents == retriever.invoke(SEED_QUESTION)
    assert SEED_ANSWER in documents[0].page_content


def test_the_retriever_feeds_a_chat_model_in_an_lcel_chain(qa: Any) -> None:
    model = scripted("About 400 men withdrew to Ariha.")
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from these passages:\n{context}"), ("human", "{question}")]
    )
    chain = (
        {
            "context": qa.as_retriever(k=3)
            | RunnableLambda(lambda docs: "\n\n".join(d.page_content for d in docs)),
            "question": RunnablePassthrough(),
        }
        | prompt
        | model
        | StrOutputParser()
    )
    assert chain.invoke(SEED_QUESTION) == "About 400 men withdrew to Ariha."
    (messages,) = model.calls
    assert SEED_ANSWER in messages[0].content and messages[1].content == SEED_QUESTION


def test_the_tool_answers_with_cited_text_and_the_citations_as_artifact(qa: Any) -> None:
    tool = qa.as_tool()
    assert isinstance(tool, BaseTool) and tool.name == "ask_reports" and tool.description
    assert set(tool.args) == {"question", "sources"} and tool.response_format == "content_and_artifact"
    call = {"type": "tool_call", "id": "call-1", "name": tool.name, "args": {"question": SEED_QUESTION}}
    message = tool.invoke(call)
    assert isinstance(message, ToolMessage) and message.status == "success"
    text, sources = message.content.split(f"\n\n{SOURCES_HEADING}\n")
    assert text == qa.ask(SEED_QUESTION).text and "[1]" in text
    assert sources.startswith("[1] Assad troops abandon") and f'"{SEED_ANSWER}"' in sources
    (citation,) = message.artifact
    assert citation["quote"] == SEED_ANSWER and citation["source"] == SEED_SOURCE
    assert qa.document_text(citation["source"])[citation["start"] : citation["end"]] == citation["quote"]


def test_the_tool_keeps_to_sources_and_reports_errors_as_messages(qa: Any) -> None:
    tool = qa.as_tool()
    scoped = tool.invoke(
        {
            "type": "tool_call",
            "id": "c",
            "name": tool.name,
            "args": {"question": HARBOUR_QUESTION, "sources": ["harbour.txt"]},
        }
    )
    assert scoped.artifact and {c["source"] for c in scoped.artifact} == {"harbour.txt"}
    assert "1,200" in scoped.content
    bad = tool.invoke(
        {
            "type": "tool_call",
            "id": "c",
            "name": tool.name,
            "args": {"question": "x", "sources": ["nope.txt"]},
        }
    )
    assert bad.status == "error" and bad.content == "no report named 'nope.txt' in the index"


def test_the_tool_runs_in_a_langgraph_tool_node(qa: Any) -> None:
    from langgraph.graph import END, START, MessagesState, StateGraph
    from langgraph.prebuilt import ToolNode

    graph = StateGraph(MessagesState)
    graph.add_node("tools", ToolNode([qa.as_tool()]))
    graph.add_edge(START, "tools")
    graph.add_edge("tools", END)
    call = {"name": "ask_reports", "args": {"question": SEED_QUESTION}, "id": "call-7"}
    out = graph.compile().invoke({"messages": [AIMessage(content="", tool_calls=[call])]})
    _, message = out["messages"]
    assert message.tool_call_id == "call-7" and SEED_ANSWER in message.content
    assert message.artifact[0]["quote"] == SEED_ANSWER


def test_the_runnable_answers_through_invoke_batch_and_stream(qa: Any) -> None:
    runnable = qa.as_runnable()
    assert isinstance(runnable, Runnable)
    answer = runnable.invoke(SEED_QUESTION)
    assert answer == qa.ask(SEED_QUESTION)
    follow = {"question": "And how many tanks did they have?", "history": ["What did the rebels capture?"]}
    scoped = {"question": HARBOUR_QUESTION, "sources": ["bridge.txt"]}
    batch = runnable.batch([SEED_QUESTION, follow, scoped])
    assert batch[0] == answer
    assert batch[1].retrieval_query == "What did the rebels capture? And how many tanks did they have?"
    assert {c.source for c in batch[2].citations} <= {"bridge.txt"}
    *pieces, last = list(runnable.stream(SEED_QUESTION))
    assert last == answer and "".join(pieces) == answer.text

    async def astream() -> list[Any]:
        return [piece async for piece in runnable.astream(SEED_QUESTION)]

    assert asyncio.run(astream()) == [*pieces, last]
    assert asyncio.run(runnable.ainvoke(SEED_QUESTION)) == answer
    with pytest.raises(TypeError, match="a question"):
        runnable.invoke(42)


def test_the_runnable_takes_chat_messages_and_streams_a_chat_models_pieces(qa: Any) -> None:
    runnable = qa.as_runnable(llm=scripted("Roughly 400 soldiers withdrew to the nearby town of Ariha [1]."))
    messages = [HumanMessage("Hello"), AIMessage("Hi. Ask about the reports."), HumanMessage(SEED_QUESTION)]
    *pieces, answer = list(runnable.stream(messages))
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces)
    assert answer.text == "Roughly 400 soldiers withdrew to the nearby town of Ariha. [1]"
    assert answer.citations[0].quote == SEED_ANSWER
    extractive = qa.as_runnable(llm="extractive").invoke({"messages": messages})
    assert extractive == qa.ask(SEED_QUESTION)


def test_the_runnable_drops_into_lcel_and_a_langgraph_node(qa: Any) -> None:
    from langgraph.graph import END, START, StateGraph

    chain = qa.as_runnable() | RunnableLambda(lambda answer: answer.citations[0].quote)
    assert chain.invoke(SEED_QUESTION) == SEED_ANSWER
    assert list(chain.stream(SEED_QUESTION)) == [SEED_ANSWER]

    class State(TypedDict):
        question: str
        answer: Answer

    answering = qa.as_runnable()
    graph = StateGraph(State)
    graph.add_node("answer", RunnableLambda(lambda state: {"answer": answering.invoke(state["question"])}))
    graph.add_edge(START, "answer")
    graph.add_edge("answer", END)
    result = graph.compile().invoke({"question": SEED_QUESTION})
    assert result["answer"].citations[0].quote == SEED_ANSWER
