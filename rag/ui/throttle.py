"""Login throttling for ``--auth``: a growing delay after repeated failures from one client.

An ASGI middleware in front of Gradio's ``POST /login``: each client (by its address) may fail
``free`` times in a row; every further attempt first waits ``base_seconds`` doubled per extra
failure, up to ``max_seconds``. An attempt counts as a failure until it succeeds, so attempts
sent all at once wait too. A success clears the count; so do ``forget_seconds`` without an
attempt. Every failure is logged with the client's address.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: Clients remembered at most (the oldest are forgotten first).
MAX_CLIENTS = 10_000


class LoginThrottle:
    """Slows repeated failed logins per client; see the module docstring."""

    def __init__(
        self,
        app: Callable[[Scope, Receive, Send], Awaitable[None]],
        free: int = 5,
        base_seconds: float = 1.0,
        max_seconds: float = 30.0,
        forget_seconds: float = 900.0,
    ) -> None:
        self.app = app
        self.free, self.base, self.most, self.forget = free, base_seconds, max_seconds, forget_seconds
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass every request on; a login attempt waits first if its client failed too often."""
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/")[-6:] != "/login":
            await self.app(scope, receive, send)
            return
        client = str((scope.get("client") or ("unknown",))[0])
        failures = self._attempt(client)
        if failures > self.free:
            delay = self.delay(failures)
            log.warning("login from %s: %d failures in a row, waiting %.1f s", client, failures - 1, delay)
            await asyncio.sleep(delay)
        status: list[int] = []

        async def watch(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] < 300:
            self._failures.pop(client, None)
        else:
            log.warning("failed login from %s (%d in a row)", client, failures)

    def delay(self, failures: int) -> float:
        """Seconds an attempt waits when it is the ``failures``-th without a success."""
        return min(self.most, self.base * 2 ** (failures - self.free - 1)) if failures > self.free else 0.0

    def _attempt(self, client: str) -> int:
        """Count an attempt of ``client`` as a failure (until it succeeds); its number in a row."""
        now = time.monotonic()
        count, last = self._failures.pop(client, (0, now))
        count = 0 if now - last > self.forget else count
        self._failures[client] = (count + 1, now)
        while len(self._failures) > MAX_CLIENTS:
            self._failures.popitem(last=False)
        return count + 1
