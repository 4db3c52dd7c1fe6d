"""Chat model backends: a spec string such as ``ollama:llama3.2`` becomes a LangChain chat model.

Specs (``provider:[base-url#]model``):

* ``ollama:llama3.2`` or ``ollama:http://host:11434#llama3.2`` (``OLLAMA_HOST`` is honoured);
* ``openai:gpt-4o-mini`` (needs ``OPENAI_API_KEY``; ``OPENAI_BASE_URL`` is honoured);
* ``openai-compatible:http://127.0.0.1:8080/v1#model-name`` for llama.cpp's server, vLLM,
  LM Studio and the like (key from ``RAG_LLM_API_KEY`` or ``OPENAI_API_KEY``, else a dummy).

The integrations (``langchain-ollama``, ``langchain-openai``) are imported only when chosen.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models.chat_models import BaseChatModel

from rag.settings import Settings

#: The providers a spec may name.
PROVIDERS = ("ollama", "openai", "openai-compatible")

#: Longest answer a chat model may write, in tokens.
MAX_ANSWER_TOKENS = 400

_OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"


class LLMUnavailableError(RuntimeError):
    """The chat model cannot be used: a bad spec, a missing package, key or server."""


@dataclass(frozen=True)
class LLMSpec:
    """A parsed chat model spec."""

    provider: str
    model: str
    base_url: str | None = None

    def describe(self) -> str:
        """What was tried, for messages: ``ollama:llama3.2 at http://127.0.0.1:11434``."""
        where = f" at {self.base_url}" if self.base_url else ""
        return f"{self.provider}:{self.model}{where}"


def parse_spec(spec: str) -> LLMSpec:
    """Parse ``provider:[base-url#]model``; ``LLMUnavailableError`` if it is malformed."""
    provider, sep, rest = spec.strip().partition(":")
    provider = provider.lower()
    if not sep or provider not in PROVIDERS or not rest.strip():
        raise LLMUnavailableError(
            f"chat model spec {spec!r} is not understood: use one of "
            "'ollama:MODEL', 'openai:MODEL', 'openai-compatible:http://HOST:PORT/v1#MODEL'"
        )
    found, hashed, model = rest.rpartition("#") if "#" in rest else ("", "", rest)
    url, model = found.strip() or None, model.strip()
    if provider == "openai-compatible" and not (hashed and url and model):
        raise LLMUnavailableError(
            f"chat model spec {spec!r}: openai-compatible needs a URL and a model name, "
            "e.g. 'openai-compatible:http://127.0.0.1:8080/v1#model-name'"
        )
    if not model:
        raise LLMUnavailableError(f"chat model spec {spec!r} names no model")
    if provider == "ollama" and url is None:
        url = _ollama_url()
    return LLMSpec(provider=provider, model=model, base_url=url)


def load_chat_model(
    spec: str, max_tokens: int = MAX_ANSWER_TOKENS, settings: Settings | None = None
) -> BaseChatModel:
    """The LangChain chat model a spec names, or ``LLMUnavailableError`` naming what was tried.

    ``settings`` (default: from the environment) gives the request timeout and the key of an
    openai-compatible server. Nothing is contacted here: a server that is down is found out at
    the first call.
    """
    parsed = parse_spec(spec)
    settings = settings or Settings()
    builders = {"ollama": _ollama, "openai": _openai, "openai-compatible": _openai_compatible}
    try:
        return builders[parsed.provider](parsed, max_tokens, settings)
    except ImportError as err:
        raise LLMUnavailableError(
            f"chat model {parsed.describe()}: {err.name or err} is not installed (pip install -e '.[llm]')"
        ) from err


def describe_model(model: BaseChatModel) -> str:
    """A short label for a chat model instance, e.g. ``ChatOllama(llama3.2)``."""
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    return f"{type(model).__name__}({name})" if name else type(model).__name__


def _ollama_url() -> str:
    host = os.environ.get("OLLAMA_HOST", "").strip()
    if not host:
        return _OLLAMA_DEFAULT_URL
    return host if "://" in host else f"http://{host}"


def _ollama(spec: LLMSpec, max_tokens: int, settings: Settings) -> BaseChatModel:
    from langchain_ollama import ChatOllama

    return ChatOllama(
        model=spec.model,
        base_url=spec.base_url,
        temperature=0.0,
        num_predict=max_tokens,
        client_kwargs={"timeout": settings.generative.request_timeout},
    )


def _openai(spec: LLMSpec, max_tokens: int, settings: Settings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    if not os.environ.get("OPENAI_API_KEY"):
        raise LLMUnavailableError(f"chat model {spec.describe()}: OPENAI_API_KEY is not set")
    kwargs: dict[str, Any] = {"base_url": spec.base_url} if spec.base_url else {}
    return ChatOpenAI(
        model=spec.model,
        temperature=0.0,
        max_tokens=max_tokens,
        timeout=settings.generative.request_timeout,
        **kwargs,
    )


def _openai_compatible(spec: LLMSpec, max_tokens: int, settings: Settings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    own = settings.llm_api_key.get_secret_value() if settings.llm_api_key else ""
    key = own or os.environ.get("OPENAI_API_KEY") or "not-needed"
    # langchain-openai sends max_completion_tokens, which llama.cpp's server ignores: send the
    # classic max_tokens as well. stream_usage stays off (not every server knows it).
    return ChatOpenAI(
        model=spec.model,
        base_url=spec.base_url,
        api_key=key,
        temperature=0.0,
        max_tokens=max_tokens,
        extra_body={"max_tokens": max_tokens},
        timeout=settings.generative.request_timeout,
        max_retries=1,
        stream_usage=False,
    )
