"""Throttling of failed logins and of login-link requests, per account and per address.

Attempts are rows in `login_attempt` (a hash of the e-mail or address, and a time), so every
process of the service sees the same counts. Past a limit within the window, the caller
waits until the oldest counted attempt leaves the window.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from service.accounts.identity import Q

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Limit:
    kind: str
    most: int
    """Attempts allowed within WINDOW."""


ACCOUNT_FAILURES = Limit("account", 5)
ADDRESS_FAILURES = Limit("address", 30)
ACCOUNT_LINKS = Limit("link_account", 3)
ADDRESS_LINKS = Limit("link_address", 10)


def subject(kind: str, value: str) -> bytes:
    """What is counted, hashed: the table holds no e-mail address or IP address in clear."""
    return hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).digest()


def lock_key(kind: str, value: str) -> int:
    """The advisory lock of a subject: 32 bits of its hash, as a signed int."""
    return int.from_bytes(subject(kind, value)[:4], "big", signed=True)


async def retry_after(
    conn: asyncpg.Connection, checks: list[tuple[Limit, str]], now: datetime | None = None
) -> int | None:
    """Seconds to wait when one of the limits is reached, else None.

    The subjects stay locked until the caller's transaction ends, so that an attempt made
    at the same moment as another counts it (`record` comes in the same transaction):
    without that, forty guesses sent at once all found fewer than five failures counted.
    They are locked in one order, so two requests never wait on each other crosswise.
    """
    now = now or datetime.now(UTC)
    for key in sorted({lock_key(limit.kind, value) for limit, value in checks}):
        await conn.execute(Q.lock_attempts, key)
    longest: int | None = None
    for limit, value in checks:
        row = await conn.fetchrow(
            Q.count_attempts, limit.kind, subject(limit.kind, value), now - WINDOW
        )
        if row["failures"] >= limit.most:
            wait = math.ceil((row["oldest"] + WINDOW - now).total_seconds())
            longest = max(longest or 1, wait, 1)
    return longest


async def record(
    conn: asyncpg.Connection, checks: list[tuple[Limit, str]], now: datetime | None = None
) -> None:
    """Count one attempt against each limit."""
    now = now or datetime.now(UTC)
    for limit, value in checks:
        await conn.execute(Q.record_attempt, limit.kind, subject(limit.kind, value), now)


async def clear(conn: asyncpg.Connection, limit: Limit, value: str) -> None:
    """Forget the attempts counted against one subject (after a successful login)."""
    await conn.execute(Q.clear_attempts, limit.kind, subject(limit.kind, value))


async def purge(conn: asyncpg.Connection, now: datetime | None = None) -> None:
    """Delete attempts that no longer count."""
    await conn.execute(Q.purge_attempts, (now or datetime.now(UTC)) - WINDOW)
