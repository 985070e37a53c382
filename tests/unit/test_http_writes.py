"""A response's head and body in one write: uvicorn with the coalescing protocol on
loopback, spoken to over a raw socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn

from service.http_writes import WRITE_AT_ONCE, CoalescingHttpToolsProtocol
from tests.conftest import free_port

pytestmark = pytest.mark.asyncio

STREAMED = 16 * 64 * 1024

# What the socket's own transport was given to write, connection by connection.
WRITES: list[list[bytes]] = []


class RecordingProtocol(CoalescingHttpToolsProtocol):
    """Notes each write that reaches the socket's transport, then makes it."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        writes: list[bytes] = []
        WRITES.append(writes)
        write = transport.write

        def recorded(data: Any) -> None:
            writes.append(bytes(data))
            write(data)

        transport.write = recorded  # type: ignore[method-assign]
        super().connection_made(transport)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    if scope["path"] == "/echo":
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send(
            {"type": "http.response.start", "status": 200,
             "headers": [(b"content-length", str(len(body)).encode())]}
        )  # fmt: skip
        await send({"type": "http.response.body", "body": body})
    elif scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for _ in range(STREAMED // (64 * 1024)):
            await send({"type": "http.response.body", "body": b"x" * 64 * 1024, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    else:
        await send(
            {"type": "http.response.start", "status": 200,
             "headers": [(b"content-length", b"5"), (b"content-type", b"text/plain")]}
        )  # fmt: skip
        await send({"type": "http.response.body", "body": b"hello"})


@pytest.fixture
async def port() -> AsyncIterator[int]:
    WRITES.clear()
    chosen = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=chosen, http=RecordingProtocol, lifespan="off",
        log_level="warning", access_log=False,
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    yield chosen
    server.should_exit = True
    await task


async def _response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """The head and the body of one answer with a content length or chunks."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = [line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")]
    if length:
        return head, await reader.readexactly(int(length[0].split(b":")[1]))
    chunks = []
    while size := int((await reader.readuntil(b"\r\n"))[:-2], 16):
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
    await reader.readexactly(2)
    return head, b"".join(chunks)


async def test_head_and_body_go_out_in_one_write_on_a_kept_alive_connection(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(2):
        writer.write(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        head, body = await _response(reader)
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert body == b"hello"
    writer.close()
    [writes] = WRITES
    assert len(writes) == 2  # one per answer
    for written in writes:
        assert written.startswith(b"HTTP/1.1 200 OK\r\n")
        assert written.endswith(b"\r\n\r\nhello")


async def test_100_continue_goes_out_before_the_body_is_awaited(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"
    )
    interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 2)
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
    writer.write(b"ping")
    head, body = await asyncio.wait_for(_response(reader), 2)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert body == b"ping"
    writer.close()


async def test_a_long_streamed_body_is_written_as_it_comes_and_arrives_whole(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
    head, body = await asyncio.wait_for(_response(reader), 5)
    assert b"transfer-encoding: chunked" in head
    assert body == b"x" * STREAMED
    writer.close()
    [writes] = WRITES
    assert len(writes) > 1  # not held until the end
    assert all(len(w) < 2 * WRITE_AT_ONCE for w in writes)


async def test_connection_close_writes_what_waits_before_closing(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    head, body = await asyncio.wait_for(_response(reader), 2)
    assert b"connection: close" in head.lower()
    assert body == b"hello"
    assert await asyncio.wait_for(reader.read(), 2) == b""  # then the server closed
    writer.close()
