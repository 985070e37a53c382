"""Real TCP servers on loopback for tests that need the other side of a connection (a
webhook receiver, a proxy, a server that never answers): a subclass says how to `handle`."""

from __future__ import annotations

import asyncio


class LoopbackServer:
    """`async with` starts it on a free port of 127.0.0.1 and gives its `url`; leaving the
    block closes it and every connection it still holds."""

    path = ""
    """What `url` ends with."""

    def __init__(self) -> None:
        self.server: asyncio.Server | None = None
        self.held: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer one connection."""
        raise NotImplementedError

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.held.append(writer)
        await self.handle(reader, writer)

    @property
    def port(self) -> int:
        assert self.server is not None, "not started"
        return int(self.server.sockets[0].getsockname()[1])

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        for writer in self.held:
            writer.close()
        self.server.close()
        await self.server.wait_closed()
