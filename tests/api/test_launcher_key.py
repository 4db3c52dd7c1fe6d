"""``python app.py`` refuses to serve the API with ``--auth`` or beyond 127.0.0.1 without a key:
one plain line, no traceback, before the index is opened."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.api.openai import ApiKeyMissingError, required_key
from tests.conftest import REPO
from tests.ui.conftest import free_port


def _app(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RAG_API_KEY"}
    return subprocess.run(
        [sys.executable, "app.py", *args], capture_output=True, text=True, cwd=REPO, timeout=120, env=env
    )


@pytest.mark.parametrize(
    ("flags", "where"),
    [(["--auth", "inspector:pw"], "with --auth"), (["--host", "0.0.0.0"], "on 0.0.0.0 (beyond 127.0.0.1)")],
)
def test_app_refuses_to_serve_the_api_without_a_key(tmp_path: Path, flags: list[str], where: str) -> None:
    run = _app(*flags, "--port", str(free_port()), "--index-dir", str(tmp_path / "index"))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line == (
        f"error: the OpenAI-compatible API served {where} needs a key: set RAG_API_KEY (or --api-key KEY), "
        "or serve the page alone with --no-api"
    )
    assert not (tmp_path / "index").exists()  # refused before the index was opened


def test_the_key_comes_from_the_flag_or_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAG_API_KEY", raising=False)
    assert required_key(None, "127.0.0.1", auth=False) is None
    assert required_key(None, "0.0.0.0", auth=True, enabled=False) is None
    assert required_key(" k1 ", "0.0.0.0", auth=True) == "k1"
    with pytest.raises(ApiKeyMissingError):
        required_key("", "192.0.2.1", auth=False)
    monkeypatch.setenv("RAG_API_KEY", "from-env")
    assert required_key(None, "0.0.0.0", auth=True) == "from-env"
    assert required_key("flag", "127.0.0.1", auth=False) == "flag"
