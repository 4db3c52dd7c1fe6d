"""``python app.py`` refuses plainly: a port in use, a bad setting (one line each, no traceback)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def _app(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "app.py", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_port_in_use_is_one_plain_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = _app("--port", str(port), "--index-dir", str(tmp_path / "index"))
    assert run.returncode == 2 and "Traceback" not in run.stderr
    (line,) = run.stderr.strip().splitlines()
    assert line == (
        f"error: port {port} on 127.0.0.1 is in use: stop what uses it, or choose another with --port"
    )


def test_bad_setting_names_the_setting_and_allowed_values(tmp_path: Path) -> None:
    run = _app("--index-dir", str(tmp_path / "index"), "--port", "1", env={"RAG_TOP_K": "0"})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "RAG_TOP_K" in run.stderr and "allowed: 1 to 100" in run.stderr
