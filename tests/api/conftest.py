"""API fixtures: ``app.py`` started as a process with a key, and the page with the API mounted
in this process over a scripted chat model (generative answers whose words the test chooses)."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.answer.generative.conftest import ScriptedChatModel
from tests.conftest import REPO, stop_process
from tests.ui.conftest import free_port, serve

API_KEY = "test-key-0123456789"
GENERATIVE_REPLY = "Roughly 400 soldiers withdrew to the nearby town of Ariha [1]."


@dataclass
class Server:
    """A served app: the base URL of its API (``.../v1``), the key, and what answers behind it."""

    base_url: str
    key: str
    qa: Any
    api: Any = None


def wait_for(url: str, key: str, process: subprocess.Popen[str] | None = None, seconds: float = 180) -> None:
    """Return once ``url``/models answers (the server is up); fail if the process ended first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(
                f"app.py ended with {process.returncode}: {process.stderr.read() if process.stderr else ''}"
            )
        with contextlib.suppress(httpx.HTTPError):
            if (
                httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {key}"}, timeout=5).status_code
                == 200
            ):
                return
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


@pytest.fixture(scope="session")
def app_server(seeded_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``python app.py`` over a copy of the seed index, its API key from ``RAG_API_KEY``."""
    from rag.qa import ReportQA

    folder = tmp_path_factory.mktemp("api-app") / "index"
    shutil.copytree(seeded_index_dir, folder)
    port = free_port()
    env = {**os.environ, "RAG_API_KEY": API_KEY}
    process = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--index-dir", str(folder)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_for(url, API_KEY, process)
        yield Server(base_url=url, key=API_KEY, qa=ReportQA(index_dir=folder))
    finally:
        stop_process(process, 30)


@pytest.fixture(scope="session")
def generative_server(seeded_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The page launched with ``--auth`` as ``app.py`` launches it, the API mounted beside it, over
    a ``ReportQA`` whose chat model always replies ``GENERATIVE_REPLY``."""
    from rag.api.openai import OpenAIApi
    from rag.qa import ReportQA

    folder = tmp_path_factory.mktemp("api-gen") / "index"
    shutil.copytree(seeded_index_dir, folder)
    qa = ReportQA(index_dir=folder, llm=ScriptedChatModel(messages=itertools.cycle([GENERATIVE_REPLY])))
    api = OpenAIApi(qa, API_KEY)
    with serve(qa, api, auth=("inspector", "right-password")) as app:
        url = f"{app.url}v1"
        wait_for(url, API_KEY)
        yield Server(base_url=url, key=API_KEY, qa=qa, api=api)
