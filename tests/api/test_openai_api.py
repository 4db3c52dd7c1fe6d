"""The OpenAI-compatible API with real clients: the ``openai`` package and LangChain's
``ChatOpenAI`` against ``app.py`` started by the test (real index, real model), streamed and
not; errors in OpenAI's shape; and a scripted chat model behind the ``generative`` model."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from openai import OpenAI

from rag.reply import SOURCES_HEADING
from tests.answer.generative.conftest import SEED_ANSWER, SEED_QUESTION
from tests.api.conftest import GENERATIVE_REPLY, Server
from tests.conftest import SEED_SOURCE

FOLLOW_UP = "And how many tanks did they have?"
FIRST = "What did the rebels capture when they attacked the camp?"


def _client(server: Server, key: str | None = None) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key=key or server.key, max_retries=0)


def _post(server: Server, body: Any, key: str | None = None, raw: bytes | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key or server.key}", "Content-Type": "application/json"}
    content = raw if raw is not None else json.dumps(body).encode()
    return httpx.post(f"{server.base_url}/chat/completions", content=content, headers=headers, timeout=120)


def test_models_are_the_answer_modes_and_need_the_key(app_server: Server) -> None:
    assert [m.id for m in _client(app_server).models.list()] == ["extractive", "generative"]
    for key in ("wrong-key", ""):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = httpx.get(f"{app_server.base_url}/models", headers=headers)
        assert response.status_code == 401
        assert response.json() == {
            "error": {
                "message": "a valid API key is required: Authorization: Bearer KEY",
                "type": "invalid_request_error",
                "param": None,
                "code": "invalid_api_key",
            }
        }
    import openai

    with pytest.raises(openai.AuthenticationError):
        _client(app_server, key="wrong-key").models.list()


def test_a_completion_is_the_cited_answer_with_its_sources_and_citations(app_server: Server) -> None:
    completion = _client(app_server).chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": SEED_QUESTION}]
    )
    answer = app_server.qa.ask(SEED_QUESTION)
    (choice,) = completion.choices
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    text, sources = choice.message.content.split(f"\n\n{SOURCES_HEADING}\n")
    assert text == answer.text and "[1]" in text
    title = "Assad troops abandon their last military base in Syria’s Idlib province"
    assert sources == f'[1] {title} ({SEED_SOURCE}): "{SEED_ANSWER}"'
    (citation,) = completion.model_extra["citations"]
    assert citation["quote"] == SEED_ANSWER and citation["marker"] == 1
    assert app_server.qa.document_text(citation["source"])[citation["start"] : citation["end"]] == SEED_ANSWER
    assert completion.model_extra["support"] == answer.support and completion.object == "chat.completion"
    assert completion.model_extra["short"] == answer.short
    assert completion.model_extra["short_parts"] == list(answer.short_parts) == ["400", "nearby Ariha"]


def test_the_short_answer_comes_as_an_extra_field(app_server: Server) -> None:
    client = _client(app_server)
    question = "When did rebels seize Jisr al Shugour?"
    completion = client.chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": question}]
    )
    assert completion.model_extra["short"] == "April 25" in completion.choices[0].message.content


def test_a_stream_is_openais_chunks_ending_with_done(app_server: Server) -> None:
    whole = _client(app_server).chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": SEED_QUESTION}]
    )
    stream = _client(app_server).chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": SEED_QUESTION}], stream=True
    )
    chunks = list(stream)
    assert chunks[0].choices[0].delta.role == "assistant" and len(chunks) > 5
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole.choices[0].message.content
    assert (
        [c.choices[0].finish_reason for c in chunks].count("stop")
        == 1
        == (chunks[-1].choices[0].finish_reason == "stop")
    )
    assert chunks[-1].model_extra["citations"] == whole.model_extra["citations"]
    assert (
        chunks[-1].model_extra["short_parts"] == whole.model_extra["short_parts"] == ["400", "nearby Ariha"]
    )
    assert {c.id for c in chunks} == {chunks[0].id} and all(
        c.object == "chat.completion.chunk" for c in chunks
    )
    raw = _post(
        app_server,
        {"model": "extractive", "stream": True, "messages": [{"role": "user", "content": SEED_QUESTION}]},
    )
    assert raw.headers["content-type"].startswith("text/event-stream")
    events = raw.text.split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    assert all(e.startswith("data: {") and json.loads(e[6:]) for e in events[:-2])


def test_earlier_messages_are_the_conversation(app_server: Server) -> None:
    first = _client(app_server).chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": FIRST}]
    )
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": FOLLOW_UP},
    ]
    reply = _client(app_server).chat.completions.create(model="extractive", messages=messages)
    answer = app_server.qa.ask(FOLLOW_UP, history=[FIRST])
    assert answer.retrieval_query == f"{FIRST} {FOLLOW_UP}"
    assert reply.choices[0].message.content.startswith(answer.text)
    assert "tanks" in answer.text
    alone = _client(app_server).chat.completions.create(
        model="extractive", messages=[{"role": "user", "content": FOLLOW_UP}]
    )
    assert alone.choices[0].message.content != reply.choices[0].message.content


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        ({"model": "extractive"}, 400, "invalid_request"),
        ({"model": "extractive", "messages": []}, 400, "invalid_messages"),
        (
            {"model": "extractive", "messages": [{"role": "assistant", "content": "hi"}]},
            400,
            "invalid_messages",
        ),
        ({"model": "extractive", "messages": [{"role": "user", "content": "   "}]}, 400, "invalid_question"),
        (
            {"model": "extractive", "messages": [{"role": "user", "content": "x" * 2001}]},
            400,
            "invalid_question",
        ),
        (
            {
                "model": "extractive",
                "sources": ["nope.txt"],
                "messages": [{"role": "user", "content": "Who?"}],
            },
            400,
            "invalid_question",
        ),
        ({"model": "gpt-4o", "messages": [{"role": "user", "content": "Who?"}]}, 404, "model_not_found"),
        (
            {"model": "generative", "messages": [{"role": "user", "content": "Who?"}]},
            400,
            "model_not_available",
        ),
        (
            {"model": "extractive", "messages": [{"role": "user", "content": "y" * 300_000}]},
            413,
            "request_too_large",
        ),
    ],
)
def test_bad_requests_get_openai_shaped_errors(app_server: Server, body: Any, status: int, code: str) -> None:
    response = _post(app_server, None, raw=body) if isinstance(body, bytes) else _post(app_server, body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["type"] == "invalid_request_error" and error["message"]
    assert "Traceback" not in response.text


def test_an_unknown_route_is_an_openai_error_and_the_page_is_still_served(app_server: Server) -> None:
    response = httpx.get(
        f"{app_server.base_url}/embeddings", headers={"Authorization": f"Bearer {app_server.key}"}
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    page = httpx.get(app_server.base_url.removesuffix("/v1") + "/", timeout=30)
    assert page.status_code == 200 and "<html" in page.text.lower()


def test_langchain_chat_openai_talks_to_the_api(app_server: Server) -> None:
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(base_url=app_server.base_url, api_key=app_server.key, model="extractive", max_retries=0)
    message = chat.invoke(SEED_QUESTION)
    assert message.content.startswith(app_server.qa.ask(SEED_QUESTION).text)
    assert SEED_ANSWER in message.content
    streamed = "".join(str(piece.content) for piece in chat.stream(SEED_QUESTION))
    assert streamed == message.content


def test_the_generative_model_answers_with_the_chat_model_verified(generative_server: Server) -> None:
    client = _client(generative_server)
    messages = [{"role": "user", "content": SEED_QUESTION}]
    whole = client.chat.completions.create(model="generative", messages=messages)
    text = whole.choices[0].message.content
    assert text.startswith("Roughly 400 soldiers withdrew to the nearby town of Ariha. [1]\n\nSources:\n[1] ")
    assert whole.model_extra["citations"][0]["quote"] == SEED_ANSWER
    streamed = "".join(
        c.choices[0].delta.content or ""
        for c in client.chat.completions.create(model="generative", messages=messages, stream=True)
    )
    assert streamed == text and GENERATIVE_REPLY not in streamed  # the verified text, not the raw reply
    extractive = client.chat.completions.create(model="extractive", messages=messages)
    assert extractive.choices[0].message.content.startswith(
        generative_server.qa.ask(SEED_QUESTION, llm="extractive").text
    )


def test_the_api_is_beside_a_page_behind_auth_and_needs_only_its_key(generative_server: Server) -> None:
    base = generative_server.base_url.removesuffix("/v1")
    assert httpx.get(f"{base}/config", timeout=30).status_code == 401  # the page wants its login
    assert (
        httpx.get(
            f"{generative_server.base_url}/models",
            headers={"Authorization": f"Bearer {generative_server.key}"},
        ).status_code
        == 200
    )
    assert httpx.get(f"{generative_server.base_url}/models").status_code == 401


def test_too_many_requests_get_429(generative_server: Server) -> None:
    from rag.api.openai import RateLimit

    api = generative_server.api
    kept, api.limit = api.limit, RateLimit(3)
    try:
        statuses = [
            httpx.get(
                f"{generative_server.base_url}/models",
                headers={"Authorization": f"Bearer {generative_server.key}"},
            ).status_code
            for _ in range(5)
        ]
        response = httpx.get(
            f"{generative_server.base_url}/models",
            headers={"Authorization": f"Bearer {generative_server.key}"},
        )
    finally:
        api.limit = kept
    assert statuses == [200, 200, 200, 429, 429]
    assert response.status_code == 429 and response.headers["retry-after"] == "60"
    assert response.json()["error"]["code"] == "rate_limit_exceeded"
