"""What the access log keeps of a request, and when it writes it."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest

from service import access_log
from service.access_log import AccessLog, line, redact


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/?q=test+VIH+anonyme&open_now=1", "/?…"),
        ("/api/v1/search?q=sans+papiers", "/api/v1/search?…"),
        ("/workspace/login/link/Zx81-secret", "/workspace/login/link/…"),
        ("/workspace/invitations/inv-secret?next=/", "/workspace/invitations/…?…"),
        ("/services/3f1c/report", "/services/3f1c/report"),
        ("/healthz", "/healthz"),
    ],
)
def test_the_log_keeps_the_path_not_the_words_or_the_secret(path: str, logged: str) -> None:
    assert redact(path) == logged


def _scope(path: str, query: bytes = b"") -> Any:
    return {
        "type": "http", "method": "GET", "path": path, "query_string": query,
        "http_version": "1.1", "client": ("127.0.0.1", 5000),
    }  # fmt: skip


def test_a_line_has_uvicorns_shape_without_the_query_or_the_secret() -> None:
    assert line(_scope("/", b"q=hepatite"), 200) == (
        'INFO:     127.0.0.1:5000 - "GET /?… HTTP/1.1" 200 OK\n'
    )
    assert line(_scope("/workspace/login/link/s3cret"), 303) == (
        'INFO:     127.0.0.1:5000 - "GET /workspace/login/link/… HTTP/1.1" 303 See Other\n'
    )
    nowhere = _scope("/a b")
    nowhere["client"] = None
    unknown = line(nowhere, 599)
    assert unknown == 'INFO:      - "GET /a%20b HTTP/1.1" 599 \n'


async def _answer(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _receive() -> dict[str, Any]:
    return {"type": "http.request"}


_nothing: Any = _receive


async def test_lines_wait_at_most_a_moment_then_go_out_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(access_log, "FLUSH_EVERY", 0.05)
    stream = io.StringIO()
    logged = AccessLog(_answer, stream)
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    for path in ("/healthz", "/"):
        await logged(_scope(path), _nothing, send)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"] * 2
    assert stream.getvalue() == ""  # not yet
    await asyncio.sleep(0.1)
    assert stream.getvalue().splitlines() == [
        'INFO:     127.0.0.1:5000 - "GET /healthz HTTP/1.1" 204 No Content',
        'INFO:     127.0.0.1:5000 - "GET / HTTP/1.1" 204 No Content',
    ]


async def test_many_lines_or_a_shutdown_write_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access_log, "BUFFER_SIZE", 200)
    stream = io.StringIO()
    logged = AccessLog(_answer, stream)

    async def send(message: Any) -> None:
        return None

    await logged(_scope("/healthz"), _nothing, send)
    assert stream.getvalue() == ""
    for _ in range(3):
        await logged(_scope("/healthz"), _nothing, send)
    assert len(stream.getvalue().splitlines()) == 4  # past 200 characters
    await logged(_scope("/"), _nothing, send)
    logged.flush()  # as `serve` does when it stops
    assert len(stream.getvalue().splitlines()) == 5
