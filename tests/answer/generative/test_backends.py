"""Spec strings to LangChain chat models, and clear errors for what cannot be used."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rag.answer.generative.backends import LLMUnavailableError, load_chat_model, parse_spec


@pytest.mark.parametrize(
    ("spec", "provider", "model", "url"),
    [
        ("ollama:llama3.2", "ollama", "llama3.2", "http://127.0.0.1:11434"),
        ("ollama:http://gpu-box:11434#qwen2.5:7b", "ollama", "qwen2.5:7b", "http://gpu-box:11434"),
        ("openai:gpt-4o-mini", "openai", "gpt-4o-mini", None),
        ("openai-compatible:http://127.0.0.1:8080/v1#model-name", "openai-compatible", "model-name",
         "http://127.0.0.1:8080/v1"),
    ],
)  # fmt: skip
def test_specs_parse(spec: str, provider: str, model: str, url: str | None, monkeypatch) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    parsed = parse_spec(spec)
    assert (parsed.provider, parsed.model, parsed.base_url) == (provider, model, url)


@pytest.mark.parametrize(
    "spec",
    ["llama3.2", "mystery:model", "ollama:", "openai-compatible:gpt-4o", "openai-compatible:http://x/v1#"],
)
def test_bad_specs_say_what_was_given(spec: str) -> None:
    with pytest.raises(LLMUnavailableError, match="spec"):
        parse_spec(spec)


def test_ollama_model_points_at_its_server(monkeypatch) -> None:
    monkeypatch.setenv("OLLAMA_HOST", "10.0.0.5:11434")
    model = load_chat_model("ollama:llama3.2")
    assert type(model).__name__ == "ChatOllama"
    assert model.base_url == "http://10.0.0.5:11434" and model.model == "llama3.2"


def test_openai_compatible_also_sends_classic_max_tokens() -> None:
    model = load_chat_model("openai-compatible:http://127.0.0.1:8080/v1#gemma", max_tokens=64)
    assert type(model).__name__ == "ChatOpenAI"
    assert model.model_name == "gemma" and model.openai_api_base == "http://127.0.0.1:8080/v1"
    assert model.extra_body == {"max_tokens": 64}


def test_openai_without_a_key_names_the_variable(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMUnavailableError, match=r"openai:gpt-4o-mini.*OPENAI_API_KEY"):
        load_chat_model("openai:gpt-4o-mini")


def test_a_missing_integration_package_is_named(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain_ollama", None)
    with pytest.raises(LLMUnavailableError, match=r"ollama:llama3.2 at .*langchain_ollama is not installed"):
        load_chat_model("ollama:llama3.2")


def test_extractive_start_up_does_not_import_the_integrations() -> None:
    code = (
        "import sys, rag, rag.qa, rag.cli, rag.answer.generative; "
        "print([m for m in ('langchain_openai', 'langchain_ollama', 'openai', 'ollama') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
