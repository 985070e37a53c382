"""The server's access log without what a URL may carry about a person or a secret.

A search's words ("/?q=...") can say what someone needs (an illness, a situation) and sit
next to their address in the log; a sign-in link or an invitation carries its secret in the
path. The log keeps the method, the path, the status and the client: enough to run the
service, nothing that a search or a link says.
"""

from __future__ import annotations

import logging
import re

# Paths whose last segment is a secret: one-time sign-in links and invitations.
_SECRET_PATH = re.compile(r"^(/workspace/login/link/|/workspace/invitations/)[^/?]+")


def redact(full_path: str) -> str:
    """The path as the access log shows it: no query string, no secret segment."""
    path, has_query, _ = full_path.partition("?")
    path = _SECRET_PATH.sub(r"\1…", path)
    return f"{path}?…" if has_query else path


class RedactingFilter(logging.Filter):
    """Rewrites uvicorn's access records (client, method, path, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], redact(args[2]), args[3], args[4])
        return True


def install() -> None:
    """Filter uvicorn's access log (call once uvicorn has configured logging)."""
    logging.getLogger("uvicorn.access").addFilter(RedactingFilter())
