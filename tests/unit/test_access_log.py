"""What the access log keeps of a URL."""

from __future__ import annotations

import logging

import pytest

from service.access_log import RedactingFilter, redact


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


def test_uvicorn_access_records_are_rewritten() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/?q=hepatite", "1.1", 200), None,
    )  # fmt: skip
    assert RedactingFilter().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /?… HTTP/1.1" 200'
