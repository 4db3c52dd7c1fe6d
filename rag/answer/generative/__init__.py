"""Generative answers: a chat model writes the answer, every citation in it is verified.

``ReportQA(llm="ollama:llama3.2")`` (or a LangChain ``BaseChatModel`` instance) turns it on;
see ``backends`` for the spec strings, ``chain`` for the LCEL chain and streaming, and
``verify`` for how claims are checked against the passages they cite.
"""

from __future__ import annotations

from rag.answer.generative.backends import LLMSpec, LLMUnavailableError, load_chat_model, parse_spec
from rag.answer.generative.chain import GenerativeAnswerer
from rag.answer.generative.verify import Verified, parse_reply, split_sentences, verify

__all__ = [
    "GenerativeAnswerer",
    "LLMSpec",
    "LLMUnavailableError",
    "Verified",
    "load_chat_model",
    "parse_reply",
    "parse_spec",
    "split_sentences",
    "verify",
]
