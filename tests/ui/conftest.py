"""UI fixtures: the chat app served on a free local port over a private copy of the seed index."""

from __future__ import annotations

import contextlib
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class RunningApp:
    """A launched chat app: its URL, the ``ReportQA`` behind it and its index folder."""

    url: str
    qa: Any
    index_dir: Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(qa: Any, api: Any = None, **launch: Any) -> Iterator[RunningApp]:
    """The page over ``qa`` as ``app.py`` serves it, launched in this process on a free port
    (with the OpenAI-compatible ``api`` mounted at /v1 when given, and ``launch``'s options)."""
    from rag.api.openai import mount_api
    from rag.ui.app import build_app, launch_options

    demo = build_app(qa)
    port = free_port()
    options = launch_options(qa.settings.max_file_mb)
    demo.queue(default_concurrency_limit=1).launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        **launch,
        **(mount_api(options, api) if api is not None else options),
    )
    try:
        yield RunningApp(url=f"http://127.0.0.1:{port}/", qa=qa, index_dir=Path(qa.settings.index_dir))
    finally:
        demo.close()


@pytest.fixture(scope="session")
def ui_app(seeded_index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app over a writable copy of the seed index."""
    from rag.qa import ReportQA

    folder = tmp_path_factory.mktemp("ui") / "index"
    shutil.copytree(seeded_index_dir, folder)
    with serve(ReportQA(index_dir=folder)) as app:
        yield app
