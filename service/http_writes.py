"""A response's head and body in one write to the socket.

Uvicorn writes the status line and headers of a response when the app starts it, then the
body: two `send` calls on the socket per answer, each as dear as the other (on loopback the
kernel delivers the segment to the reader within the call). Here every write made during one
turn of the event loop goes out as one `send` at the end of that turn, or at once when
enough is waiting (a large streamed body stays under flow control). A 100 Continue still
goes out before the request's body is awaited: waiting for it ends the turn.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

WRITE_AT_ONCE = 64 * 1024
"""Bytes waiting that are written without waiting for the end of the turn."""


class CoalescingTransport:
    """The socket's transport, whose writes of one turn of the loop are joined."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._waiting: list[bytes] = []
        self._size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Write `data` at the end of this turn of the loop, with what else is written."""
        if not data:
            return
        if not self._waiting:
            asyncio.get_running_loop().call_soon(self.flush)
        self._waiting.append(bytes(data))
        self._size += len(data)
        if self._size >= WRITE_AT_ONCE:
            self.flush()

    def flush(self) -> None:
        """Hand what is waiting to the socket now."""
        if self._waiting:
            data = self._waiting[0] if len(self._waiting) == 1 else b"".join(self._waiting)
            self._waiting.clear()
            self._size = 0
            if not self._transport.is_closing():
                self._transport.write(data)

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def close(self) -> None:
        """Close once what is waiting is written (the transport writes its buffer first)."""
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol writing through a `CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport))  # type: ignore[arg-type]
