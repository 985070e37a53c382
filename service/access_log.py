"""The server's access log, without what a URL may carry about a person or a secret.

A search's words ("/?q=...") can say what someone needs (an illness, a situation) and sit
next to their address in the log; a sign-in link or an invitation carries its secret in the
path. The log keeps the method, the path, the status and the client: enough to run the
service, nothing that a search or a link says.

Lines have uvicorn's shape (`INFO:     127.0.0.1:5000 - "GET /?… HTTP/1.1" 200 OK`) and go
to standard output in batches, as nginx's `access_log ... buffer= flush=` does: at most a
second late, or as soon as 32 KB wait, and at shutdown. Through `logging`, a line cost about
a third of the server's CPU for a `/healthz` (0.22 ms to 0.15: a record, a filter, a
formatter that copies the record, a write and a flush each time).
"""

from __future__ import annotations

import asyncio
import re
import sys
from http import HTTPStatus
from typing import TextIO, cast
from urllib.parse import quote

from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

# Paths whose last segment is a secret: one-time sign-in links and invitations.
_SECRET_PATH = re.compile(r"^(/workspace/login/link/|/workspace/invitations/)[^/?]+")

FLUSH_EVERY = 1.0
"""Seconds a line may wait before it is written."""
BUFFER_SIZE = 32 * 1024
"""Characters waiting that are written at once."""

_PHRASES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def redact(full_path: str) -> str:
    """The path as the access log shows it: no query string, no secret segment."""
    path, has_query, _ = full_path.partition("?")
    path = _SECRET_PATH.sub(r"\1…", path)
    return f"{path}?…" if has_query else path


def line(scope: HTTPScope, status: int) -> str:
    """The log line of a response to the request of `scope`."""
    client = scope.get("client")
    address = f"{client[0]}:{client[1]}" if client else ""
    path = redact(quote(scope["path"]) + ("?" if scope.get("query_string") else ""))
    status_text = _PHRASES.get(status) or f"{status} "
    return (
        f'INFO:     {address} - "{scope["method"]} {path} HTTP/{scope["http_version"]}" '
        f"{status_text}\n"
    )


class AccessLog:
    """An ASGI app that logs each response of the app it wraps (its status line sent)."""

    def __init__(self, app: ASGIApp, stream: TextIO | None = None) -> None:
        self.app = app
        self._stream = stream
        self._waiting: list[str] = []
        self._size = 0
        self._timer: asyncio.TimerHandle | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request = cast("HTTPScope", scope)

        async def logged(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.add(line(request, message["status"]))
            await send(message)

        await self.app(scope, receive, logged)

    def add(self, text: str) -> None:
        """Keep a line for the next write."""
        self._waiting.append(text)
        self._size += len(text)
        if self._size >= BUFFER_SIZE:
            self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_EVERY, self.flush)

    def flush(self) -> None:
        """Write what waits (also at shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._waiting:
            stream = self._stream or sys.stdout
            stream.write("".join(self._waiting))
            stream.flush()
            self._waiting.clear()
            self._size = 0
