"""``--auth``: after 5 failed logins a client waits longer at every further attempt (logged); a
success clears its count. The app is served with a login, as ``app.py --auth`` serves it."""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from tests.ui.conftest import free_port

DELAY = 0.2  # the first wait (1 s in the app), doubled per further failure


@pytest.fixture(scope="module")
def login_url(seeded_qa) -> Iterator[str]:
    from rag.ui.app import build_app, launch_options

    demo = build_app(seeded_qa)
    port = free_port()
    demo.queue().launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        auth=("inspector", "right-password"),
        **launch_options(seeded_qa.settings.max_file_mb, login_delay=DELAY),
    )
    try:
        yield f"http://127.0.0.1:{port}/login"
    finally:
        demo.close()


def _login(url: str, password: str) -> tuple[int, float]:
    """(HTTP status, seconds) of one login attempt."""
    data = urllib.parse.urlencode({"username": "inspector", "password": password}).encode()
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=60) as response:
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    return status, time.perf_counter() - started


def test_repeated_failed_logins_wait_longer_and_are_logged(login_url: str, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="rag.ui.throttle")
    attempts = [_login(login_url, f"guess-{n}") for n in range(8)]
    assert [status for status, _ in attempts] == [400] * 8
    assert all(seconds < DELAY for _, seconds in attempts[:5]), attempts
    for (_, seconds), wait in zip(attempts[5:], (DELAY, 2 * DELAY, 4 * DELAY), strict=True):
        assert seconds >= wait, attempts
    assert sum("failed login from 127.0.0.1" in r.getMessage() for r in caplog.records) == 8
    status, seconds = _login(login_url, "right-password")  # waits too, then gets in
    assert status == 200 and seconds >= 8 * DELAY
    assert _login(login_url, "guess-again")[1] < DELAY  # the count starts afresh
