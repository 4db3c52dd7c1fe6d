"""An OpenAI-compatible chat API over a ``ReportQA``, served by ``app.py`` beside the page.

Routes (under ``/v1``): ``GET /v1/models`` lists one model per answer mode (``extractive``,
``generative``); ``POST /v1/chat/completions`` answers the last user message, the earlier
messages being the conversation (follow-ups are understood), with ``stream`` false (one
``chat.completion``) or true (``chat.completion.chunk`` events, then ``data: [DONE]``). The reply
is the answer with its ``[n]`` markers, then a "Sources" list (``rag.reply.cited_text``); the
structured citations come in the extra field ``citations`` (of the response, or of the last
chunk), with ``support`` ('answered', 'uncertain', 'abstained'). An extra ``sources`` field of
the request (report names) limits the search to those reports. Generative replies are sent
once verified: the text streamed is the checked answer, never a marker that was then dropped.

Guards: a bearer key (``Authorization: Bearer KEY``) when one is set; ``api_max_body_kb`` per
request (413); ``api_requests_per_minute`` per client address (429). Every error is OpenAI's
shape, ``{"error": {"message", "type", "code"}}``, never a stack trace. See docs/ecosystem.md.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from rag.qa import EXTRACTIVE
from rag.reply import SOURCES_HEADING, ReportHeaders, citation_records, cited_text
from rag.types import Answer

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel
    from starlette.middleware import Middleware

    from rag.qa import ReportQA

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: Where the API lives on the app's server.
PREFIX = "/v1"

#: The model ids, one per answer mode.
GENERATIVE = "generative"
MODELS = (EXTRACTIVE, GENERATIVE)

#: Addresses that serve this machine only: the API needs no key there unless ``--auth`` is set.
LOOPBACK = ("127.0.0.1", "localhost", "::1")

#: Who "owns" the models in ``/v1/models``.
OWNER = "dispatch-qa"

#: Clients whose request times are remembered at most (the oldest are forgotten first).
MAX_CLIENTS = 10_000


class ApiError(Exception):
    """An error answered in OpenAI's shape: HTTP ``status``, ``message``, ``type`` and ``code``."""

    def __init__(
        self, status: int, message: str, kind: str = "invalid_request_error", code: str = ""
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.code = status, message, kind, code

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        """The JSON response of this error."""
        body = {
            "error": {"message": self.message, "type": self.kind, "param": None, "code": self.code or None}
        }
        return JSONResponse(body, status_code=self.status, headers=headers)


class ApiKeyMissingError(ValueError):
    """The API would be served where a key is required, and none was given."""


def required_key(key: str | None, host: str, auth: bool, enabled: bool = True) -> str | None:
    """The API key to require (None: none), or ``ApiKeyMissingError`` when one is needed and missing.

    ``key`` (``--api-key``) wins over the ``api_key`` setting (``RAG_API_KEY``). A key is needed
    when the API is served (``enabled``) with ``--auth`` or beyond 127.0.0.1.
    """
    from rag.settings import Settings

    secret = Settings().api_key
    key = (key or (secret.get_secret_value() if secret else "")).strip() or None
    if enabled and key is None and (auth or host not in LOOPBACK):
        where = "with --auth" if auth else f"on {host} (beyond 127.0.0.1)"
        raise ApiKeyMissingError(
            f"the OpenAI-compatible API served {where} needs a key: set RAG_API_KEY (or --api-key KEY), "
            "or serve the page alone with --no-api"
        )
    return key


# Requests ------------------------------------------------------------------------------------


class ChatMessage(BaseModel):
    """One message of a chat request; ``content`` is text or a list of content parts."""

    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[Any] | None = None

    def text(self) -> str:
        """The message's text (the text parts of a list joined)."""
        if isinstance(self.content, str):
            return self.content
        parts = self.content or []
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in parts if p)


class ChatRequest(BaseModel):
    """A ``POST /v1/chat/completions`` body; fields of OpenAI's we do not use are accepted."""

    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[ChatMessage]
    stream: bool = False
    sources: list[str] | None = None


def conversation(messages: Sequence[ChatMessage]) -> tuple[str, list[dict[str, str]]]:
    """(question, history): the last message, which must be the user's, and the earlier user and
    assistant messages (an assistant's "Sources" list left out); system messages are ignored."""
    if not messages or messages[-1].role != "user":
        raise ApiError(400, "the last message must be the user's question", code="invalid_messages")
    history = []
    for message in messages[:-1]:
        if message.role in ("user", "assistant"):
            text = message.text().split(f"\n\n{SOURCES_HEADING}\n", 1)[0]
            history.append({"role": message.role, "content": text})
    return messages[-1].text(), history


# Guards --------------------------------------------------------------------------------------


class RateLimit:
    """At most ``per_minute`` requests per client in any 60 s (0: no limit)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """0 if ``client`` may make a request now (and count it), else seconds until it may."""
        if self.per_minute <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            times = self._seen.pop(client, None) or deque()
            while times and now - times[0] >= 60:
                times.popleft()
            self._seen[client] = times
            while len(self._seen) > MAX_CLIENTS:
                self._seen.popitem(last=False)
            if len(times) >= self.per_minute:
                return 60 - (now - times[0])
            times.append(now)
            return 0.0


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, or a 413 ``ApiError`` as soon as it is known to exceed ``limit`` bytes."""
    too_large = ApiError(
        413, f"the request body is over the limit of {limit:,} bytes", code="request_too_large"
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for piece in request.stream():
        body += piece
        if len(body) > limit:
            raise too_large
    return bytes(body)


def parse_request(body: bytes) -> ChatRequest:
    """The chat request in ``body``, or a 400 ``ApiError`` saying what is wrong with it."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "the request body is not valid JSON", code="invalid_json") from None
    try:
        return ChatRequest.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise ApiError(400, f"invalid request: {where}: {first.get('msg')}", code="invalid_request") from None


# Replies -------------------------------------------------------------------------------------


def completion_id() -> str:
    """A fresh ``chatcmpl-`` id."""
    return f"chatcmpl-{uuid.uuid4().hex}"


def completion(answer: Answer, model: str, text: str, citations: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``chat.completion`` object with the extra fields ``citations``, ``support`` and ``short``."""
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "citations": citations,
        "support": answer.support,
        "short": answer.short,
        "short_parts": list(answer.short_parts),
    }


def chunk(
    ident: str, created: int, model: str, delta: dict[str, Any], finish: str | None = None
) -> dict[str, Any]:
    """A ``chat.completion.chunk`` object carrying ``delta``."""
    return {
        "id": ident,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "system_fingerprint": None,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def sse(data: dict[str, Any] | str) -> bytes:
    """One server-sent event: ``data: <json>`` and a blank line."""
    payload = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"data: {payload}\n\n".encode()


#: Pieces a streamed reply is sent in: a word and the space after it.
_PIECE = re.compile(r"\S+\s*|\s+")


# The app -------------------------------------------------------------------------------------


class OpenAIApi:
    """The routes of the API over ``qa`` (see the module docstring); ``app`` is its FastAPI app.

    ``llm`` is the chat model of the ``generative`` model (a spec or ``BaseChatModel``; None: the
    one ``qa`` was configured with, if any). ``api_key`` None serves without a key.
    """

    def __init__(
        self, qa: ReportQA, api_key: str | None = None, llm: str | BaseChatModel | None = None
    ) -> None:
        self.qa = qa
        self.api_key = api_key
        generator = qa.generator
        self.llm = llm or qa.settings.llm or (generator.model if generator is not None else None)
        self.headers = ReportHeaders(qa)
        self.limit = RateLimit(qa.settings.api_requests_per_minute)
        self.max_body = int(qa.settings.api_max_body_kb * 1000)
        self.app = FastAPI(
            title="Dispatch QA OpenAI-compatible API", docs_url=None, redoc_url=None, openapi_url=None
        )
        self.app.add_api_route(f"{PREFIX}/models", self.models, methods=["GET"])
        self.app.add_api_route(f"{PREFIX}/models/{{model}}", self.model, methods=["GET"])
        self.app.add_api_route(f"{PREFIX}/chat/completions", self.chat, methods=["POST"])
        self.app.add_exception_handler(ApiError, _api_error)
        self.app.add_exception_handler(StarletteHTTPException, _http_error)
        self.app.add_exception_handler(Exception, _unexpected_error)

    def check(self, request: Request) -> None:
        """Raise the ``ApiError`` of a client over its rate or without the right key."""
        client = request.client.host if request.client else "unknown"
        wait = self.limit.wait(client)
        if wait:
            raise ApiError(
                429,
                f"too many requests: at most {self.limit.per_minute} a minute; retry in {wait:.0f} s",
                kind="rate_limit_error",
                code="rate_limit_exceeded",
            )
        if self.api_key is None:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), self.api_key.encode()
        ):
            log.warning("API request from %s without the right key", client)
            raise ApiError(
                401, "a valid API key is required: Authorization: Bearer KEY", code="invalid_api_key"
            )

    def describe(self, model: str) -> dict[str, Any]:
        """The ``model`` object of one answer mode."""
        return {"id": model, "object": "model", "created": 0, "owned_by": OWNER}

    async def models(self, request: Request) -> dict[str, Any]:
        """``GET /v1/models``: one model per answer mode."""
        self.check(request)
        return {"object": "list", "data": [self.describe(m) for m in MODELS]}

    async def model(self, request: Request, model: str) -> dict[str, Any]:
        """``GET /v1/models/{model}``: one answer mode, 404 for another name."""
        self.check(request)
        self.answer_llm(model)
        return self.describe(model)

    def answer_llm(self, model: str) -> str | BaseChatModel:
        """The ``llm`` argument of ``ReportQA.ask`` for ``model``, or the ``ApiError`` of a bad one."""
        if model == EXTRACTIVE:
            return EXTRACTIVE
        if model == GENERATIVE:
            if not self.llm:
                raise ApiError(
                    400,
                    "the generative model needs a chat model: start the app with RAG_LLM set "
                    "(e.g. RAG_LLM=ollama:llama3.2); the extractive model needs none",
                    code="model_not_available",
                )
            return self.llm
        raise ApiError(
            404, f"the model {model!r} does not exist; use one of {', '.join(MODELS)}", code="model_not_found"
        )

    async def chat(self, request: Request) -> Any:
        """``POST /v1/chat/completions`` (see the module docstring)."""
        self.check(request)
        chat = parse_request(await read_body(request, self.max_body))
        llm = self.answer_llm(chat.model)
        question, history = conversation(chat.messages)
        try:
            question = self.qa.check_question(question)
            sources = self.qa.check_sources(chat.sources)
        except ValueError as err:
            raise ApiError(400, str(err), code="invalid_question") from None

        def ask() -> tuple[Answer, float]:
            started = time.perf_counter()
            answer = self.qa.ask(question, history, llm=llm, sources=sources)
            return answer, time.perf_counter() - started

        if chat.stream:
            return StreamingResponse(
                self.events(chat.model, ask),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache"},
            )
        answer, seconds = await anyio.to_thread.run_sync(ask)
        text = cited_text(answer, self.headers)
        body = completion(answer, chat.model, text, citation_records(answer, self.headers))
        return JSONResponse(body, headers={"Server-Timing": f"ask;dur={seconds * 1000:.2f}"})

    async def events(self, model: str, ask: Callable[[], tuple[Answer, float]]) -> AsyncIterator[bytes]:
        """The server-sent events of a streamed reply: the role at once, the verified text word by
        word, a last chunk with ``finish_reason`` and the citations, then ``[DONE]``."""
        ident, created = completion_id(), int(time.time())
        yield sse(chunk(ident, created, model, {"role": "assistant", "content": ""}))
        try:
            answer, _ = await anyio.to_thread.run_sync(ask)
            text = cited_text(answer, self.headers)
            for piece in _PIECE.findall(text):
                yield sse(chunk(ident, created, model, {"content": piece}))
            last = chunk(ident, created, model, {}, finish="stop")
            last.update(
                citations=citation_records(answer, self.headers),
                support=answer.support,
                short=answer.short,
                short_parts=list(answer.short_parts),
            )
            yield sse(last)
        except Exception as err:  # the stream has begun: the error is an event, never a traceback
            log.exception("streamed answer failed")
            yield sse(
                {
                    "error": {
                        "message": f"the answer failed: {type(err).__name__}",
                        "type": "server_error",
                        "param": None,
                        "code": "internal_error",
                    }
                }
            )
        yield sse("[DONE]")


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    """An ``ApiError`` as its response (429 with ``Retry-After``)."""
    assert isinstance(exc, ApiError)
    return exc.response({"Retry-After": "60"} if exc.status == 429 else None)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    """Starlette's own errors (an unknown route, a wrong method) in OpenAI's shape."""
    assert isinstance(exc, StarletteHTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    return ApiError(
        exc.status_code, str(exc.detail), code=codes.get(exc.status_code, "http_error")
    ).response()


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Anything else: logged here, answered as a plain 500 without a traceback."""
    log.error("API request failed", exc_info=exc)
    return ApiError(
        500, f"internal error ({type(exc).__name__})", kind="server_error", code="internal_error"
    ).response()


# Serving beside the page ---------------------------------------------------------------------


class ApiMount:
    """ASGI middleware that hands requests under ``/v1`` to the API and the rest to the page."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], api: OpenAIApi) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route one request (or connection) by its path."""
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == PREFIX or path.startswith(f"{PREFIX}/")):
            await self.api.app(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def mount_api(launch_options: dict[str, Any], api: OpenAIApi) -> dict[str, Any]:
    """``launch_options`` (keyword arguments of ``Blocks.launch``) with the API mounted at ``/v1``
    of the page's own server: one process, one port."""
    from starlette.middleware import Middleware

    app_kwargs = dict(launch_options.get("app_kwargs") or {})
    middleware: list[Middleware] = [*app_kwargs.get("middleware", []), Middleware(ApiMount, api=api)]
    return {**launch_options, "app_kwargs": {**app_kwargs, "middleware": middleware}}


__all__ = [
    "GENERATIVE",
    "MODELS",
    "PREFIX",
    "ApiError",
    "ApiKeyMissingError",
    "ApiMount",
    "OpenAIApi",
    "mount_api",
    "required_key",
]
