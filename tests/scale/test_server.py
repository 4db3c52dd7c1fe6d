"""ReportQA against a real Chroma server (``chroma run``), with two clients."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.qa import ReportQA
from tests.conftest import SEED_SOURCE, SEEDS
from tests.scale.helpers import REPO, write_reports

QUESTION = "How many troops withdrew and to where?"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Chroma server on a free port, stopped by its process id afterwards."""
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    server = subprocess.Popen(
        [
            str(REPO / ".venv/bin/chroma"),
            "run",
            "--path",
            str(path),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).read()
                break
            except OSError:
                assert server.poll() is None, "chroma run exited"
                time.sleep(0.1)
        yield url
    finally:
        os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()


def test_two_clients_of_a_server_see_the_same_reports_and_answers(chroma_url: str, tmp_path: Path) -> None:
    first = ReportQA(index_dir=tmp_path / "one", chroma_url=chroma_url, refresh_seconds=0)
    first.ingest([SEEDS])
    second = ReportQA(index_dir=tmp_path / "two", chroma_url=chroma_url, refresh_seconds=0)
    assert second.sources() == first.sources() == [SEED_SOURCE]
    assert second.document_text(SEED_SOURCE) == first.document_text(SEED_SOURCE)
    mine, theirs = first.ask(QUESTION), second.ask(QUESTION)
    assert not mine.abstained and mine == theirs
    assert not (tmp_path / "one" / "chroma.sqlite3").exists()  # nothing embedded


def test_second_client_catches_up_with_the_first_clients_ingest(chroma_url: str, tmp_path: Path) -> None:
    first = ReportQA(
        index_dir=tmp_path / "one", chroma_url=chroma_url, refresh_seconds=0, collection="catchup"
    )
    second = ReportQA(
        index_dir=tmp_path / "two", chroma_url=chroma_url, refresh_seconds=0, collection="catchup"
    )
    assert second.sources() == []
    write_reports(tmp_path / "reports", 1, limit=10)
    first.ingest([tmp_path / "reports"])
    question = "In what country is Normandy located?"
    second.ask(question)  # notices the new state token and catches up in the background
    second.sparse_cache.wait(60)
    mine, theirs = first.ask(question), second.ask(question)
    assert mine.citations and mine.citations[0].source == "Normans.txt" and mine == theirs
    first.remove("Normans.txt")
    after = second.ask(question)
    assert second.sources() == [] and not after.citations and not after.passages
