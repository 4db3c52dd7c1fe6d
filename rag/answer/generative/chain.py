"""The generative chain: condense -> retrieve -> prompt with numbered passages -> chat model -> verify.

Built with LCEL: ``GenerativeAnswerer.prepare`` (condense, retrieve, prompt) and
``GenerativeAnswerer.chain`` (prepare, then the model, then verification) are runnables. The
model's reply is checked by ``rag.answer.generative.verify``; a reply with no supported claim falls
back to the extractive answer (or abstains), and so does a backend that fails, with a note.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from rag.answer.conversation import needs_context, standalone_question, user_turns
from rag.answer.generative.backends import LLMUnavailableError, describe_model, load_chat_model
from rag.answer.generative.verify import verify
from rag.prompts import ABSTAIN_TEXT, ANSWER_PROMPT, PROMPTS_DIR, load_prompt
from rag.settings import Settings
from rag.types import Answer, Candidate

if TYPE_CHECKING:
    from rag.answer.extractive import ExtractiveAnswerer
    from rag.answer.retrieve import HybridRetriever
    from rag.index import Index

log = logging.getLogger(__name__)

#: How many earlier messages the condense prompt sees.
HISTORY_MESSAGES = 6

_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)


def chat_prompt(name: str, folder: Path = PROMPTS_DIR, **partials: str) -> ChatPromptTemplate:
    """The prompt file ``<folder>/<name>.txt`` (``[system]`` and ``[user]`` sections) as a template."""
    parts = _SECTION.split(load_prompt(name, folder))
    messages = [
        ("human" if role == "user" else "system", body.strip())
        for role, body in zip(parts[1::2], parts[2::2])
    ]
    if not messages:
        raise ValueError(f"prompt {name!r} has no [system] or [user] section")
    return ChatPromptTemplate.from_messages(messages).partial(**partials)


def passage_block(number: int, source: str, text: str) -> str:
    """One numbered passage for a prompt, fenced as data (a passage tag inside is defused)."""
    text = re.sub(r"</?\s*passage[^>]*>", "", text, flags=re.IGNORECASE)
    return f'<passage number="{number}" report="{source}">\n{text.strip()}\n</passage>'


def format_passages(candidates: Sequence[Candidate]) -> str:
    """Numbered passages for the prompt, fenced as data (a closing tag inside is defused)."""
    blocks = [passage_block(n, c.chunk.source, c.chunk.text) for n, c in enumerate(candidates, 1)]
    return "\n\n".join(blocks)


def format_history(history: Sequence[Any]) -> str:
    """The conversation as 'User: ...' / 'Assistant: ...' lines (the last few messages)."""
    lines: list[str] = []
    for item in history:
        if isinstance(item, str):
            lines.append(f"User: {item}")
        elif isinstance(item, dict) and item.get("content"):
            who = "User" if item.get("role") == "user" else "Assistant"
            lines.append(f"{who}: {item['content']}")
        elif isinstance(item, (list, tuple)):
            lines.extend(f"{who}: {text}" for who, text in zip(("User", "Assistant"), item) if text)
    return "\n".join(" ".join(str(line).split()) for line in lines[-HISTORY_MESSAGES:])


def message_text(content: Any) -> str:
    """The text of a message or chunk content (a string or a list of content blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b if isinstance(b, str) else str(b.get("text", "")) for b in content if b)
    return ""


class GenerativeAnswerer:
    """Answers with a chat model, citing numbered passages, verified before they are returned."""

    def __init__(
        self,
        index: Index,
        retriever: HybridRetriever,
        extractive: ExtractiveAnswerer,
        llm: BaseChatModel | str,
        settings: Settings,
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.extractive = extractive
        self.settings = settings
        self.name = llm if isinstance(llm, str) else describe_model(llm)
        self.error: str | None = None
        self.model: BaseChatModel | None = None
        try:
            self.model = load_chat_model(llm, settings=settings) if isinstance(llm, str) else llm
        except LLMUnavailableError as err:
            self.error = f"{err}; answering extractively"
            log.warning("generative mode unavailable: %s", self.error)
        self.answer_prompt = chat_prompt(ANSWER_PROMPT, settings.prompts_dir, abstain=ABSTAIN_TEXT)
        self.condense_prompt = chat_prompt("condense", settings.prompts_dir)
        self.prepare: Runnable[Any, Any] = (
            RunnablePassthrough.assign(query=RunnableLambda(self._condense))
            | RunnableLambda(self._retrieve)
            | RunnablePassthrough.assign(messages=RunnableLambda(self._prompt_vars) | self.answer_prompt)
        )
        self.chain: Runnable[Any, Any] = (
            self.prepare | RunnableLambda(self._generate) | RunnableLambda(self._finish)
        )

    @property
    def available(self) -> bool:
        """True when a chat model was built (it may still fail to answer)."""
        return self.model is not None

    def ask(
        self,
        question: str,
        history: Sequence[Any] = (),
        top_k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Answer:
        """The verified generative answer to a checked question (extractive on failure)."""
        return self.chain.invoke(_inputs(question, history, top_k, sources))

    def stream(
        self,
        question: str,
        history: Sequence[Any] = (),
        top_k: int | None = None,
        sources: Sequence[str] | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the reply's text pieces as they arrive, then the verified ``Answer``."""
        state = self.prepare.invoke(_inputs(question, history, top_k, sources))
        pieces: list[str] = []
        try:
            if self.model is None:
                raise LLMUnavailableError(self.error or "no chat model")
            for piece in self.stream_reply(state["messages"]):
                pieces.append(piece)
                yield piece
            state = {**state, "reply": "".join(pieces), "error": None}
        except Exception as err:
            state = {**state, "reply": "", "error": self.failure(err)}
        yield self._finish(state)

    # Steps ---------------------------------------------------------------------------------

    def condense(self, question: str, history: Sequence[Any]) -> str:
        """A stand-alone version of a follow-up; a stand-alone question or greeting is unchanged."""
        if not user_turns(history) or not needs_context(question):
            return question
        rule = standalone_question(question, history)
        if self.model is None:
            return rule
        try:
            chain = self.condense_prompt | self.model | StrOutputParser()
            text = chain.invoke({"history": format_history(history), "question": question})
        except Exception as err:
            log.warning("condensing with %s failed (%s); using the rule", self.name, err)
            return rule
        return _clean_question(text, self.settings.max_question_chars) or rule

    def _condense(self, state: dict[str, Any]) -> str:
        return self.condense(state["question"], state["history"])

    def _retrieve(self, state: dict[str, Any]) -> dict[str, Any]:
        query = self.retriever.query(state["question"], state["query"])
        candidates = self.retriever.run(query, state["top_k"], state.get("sources"))
        return {**state, "candidates": candidates, "q": query}

    def _prompt_vars(self, state: dict[str, Any]) -> dict[str, str]:
        return {
            "passages": format_passages(state["candidates"][: self.settings.generative.prompt_passages]),
            "question": state["query"],
        }

    def _generate(self, state: dict[str, Any]) -> dict[str, Any]:
        try:
            if self.model is None:
                raise LLMUnavailableError(self.error or "no chat model")
            reply = "".join(self.stream_reply(state["messages"]))
            return {**state, "reply": reply, "error": None}
        except Exception as err:
            return {**state, "reply": "", "error": self.failure(err)}

    def stream_reply(self, messages: Sequence[BaseMessage] | Any) -> Iterator[str]:
        """Non-empty text pieces of the reply; servers that stream only empty chunks are re-asked."""
        assert self.model is not None
        got = False
        for chunk in self.model.stream(messages):
            text = message_text(chunk.content)
            if text:
                got = True
                yield text
        if not got:
            text = message_text(self.model.invoke(messages).content)
            if text:
                yield text

    def failure(self, err: Exception) -> str:
        """The note of an answer whose chat model failed with ``err`` (logged)."""
        if isinstance(err, LLMUnavailableError):
            return str(err) if self.error else f"{err}; answering extractively"
        message = f"chat model {self.name} failed ({type(err).__name__}: {err}); answering extractively"
        log.warning("%s", message)
        return message

    def _finish(self, state: dict[str, Any]) -> Answer:
        """Verify the reply; fall back to the extractive answer when nothing in it is supported."""
        fallback = self.extractive.answer(state["q"], state["candidates"])
        if state["error"]:
            return fallback.model_copy(update={"note": state["error"]})
        chunks = [c.chunk for c in state["candidates"][: self.settings.generative.prompt_passages]]
        vectors = self.index.store.sentence_vectors([c.passage_id for c in chunks])
        checked = verify(
            state["query"],
            state["reply"],
            chunks,
            vectors,
            self.index.embedder.encode,
            self.index.document_text,
            self.settings.generative.support_threshold,
        )
        if checked.abstained:
            return fallback.model_copy(
                update={
                    "text": ABSTAIN_TEXT,
                    "abstained": True,
                    "support": "abstained",  # a copy is not validated: keep the two in step
                    "citations": (),
                    "note": "the model abstained",
                }
            )
        if not checked.has_support:
            note = "no claim of the model's answer was supported by the passages it cited; extractive answer"
            return fallback.model_copy(update={"note": note})
        sure = fallback.support == "answered" and not checked.unsupported
        return fallback.model_copy(
            update={
                "text": checked.text,
                "abstained": False,
                "support": "answered" if sure else "uncertain",  # the evidence's grade, or lower
                "citations": checked.citations,
                "confidence": checked.confidence,
                "unsupported": checked.unsupported,
                "note": "",
            }
        )


def _inputs(
    question: str, history: Sequence[Any], top_k: int | None, sources: Sequence[str] | None
) -> dict[str, Any]:
    """The chain's input state."""
    return {"question": question, "history": list(history), "top_k": top_k, "sources": sources}


def _clean_question(text: str, limit: int) -> str:
    """The first line of a condense reply, without labels or quotes; empty if unusable."""
    line = next((ln for ln in text.strip().splitlines() if ln.strip()), "")
    line = re.sub(r"^\s*(stand-?alone question|question|rewritten question)\s*:\s*", "", line, flags=re.I)
    line = " ".join(line.strip().strip("\"'“”").split())
    if not line or len(line) > limit or ABSTAIN_TEXT.lower() in line.lower():
        return ""
    return line
