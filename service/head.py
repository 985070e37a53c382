"""HEAD answered as GET without the body (RFC 9110, 9.3.2).

Uptime monitors, link checkers and `curl -I` ask HEAD; Litestar routes a request only to
the methods its handler declares, so every page would answer 405. The GET handler runs, its
status and headers (Content-Length included) go out, its body does not.
"""

from __future__ import annotations

from typing import cast

from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send


def answer_head(app: ASGIApp) -> ASGIApp:
    """`app`, answering HEAD requests with what GET would, minus the body."""

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or cast("HTTPScope", scope)["method"] != "HEAD":
            await app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await app(cast("HTTPScope", {**scope, "method": "GET"}), receive, without_body)

    return serve
