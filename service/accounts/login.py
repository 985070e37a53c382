"""Logging in: by e-mail and password, or by a one-time link sent by e-mail."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

import asyncpg

from service.accounts import throttle
from service.accounts.identity import Q, token_hash
from service.accounts.passwords import hash_password, needs_rehash, verify_password
from service.mail import queue_mail

LINK_LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt; on `throttled`, how many seconds to wait."""

    outcome: Literal["ok", "wrong", "throttled"]
    user_id: UUID | None = None
    retry_after: int | None = None


async def password_login(
    conn: asyncpg.Connection,
    email: str,
    password: str,
    address: str,
    now: datetime | None = None,
) -> LoginResult:
    """Check an e-mail and password, counting failures; the caller must commit on failure too."""
    now = now or datetime.now(UTC)
    checks = [(throttle.ACCOUNT_FAILURES, email), (throttle.ADDRESS_FAILURES, address)]
    wait = await throttle.retry_after(conn, checks, now)
    if wait is not None:
        return LoginResult("throttled", retry_after=wait)
    row = await conn.fetchrow(Q.user_for_login, email.strip())
    stored = row["password_hash"] if row is not None and not row["disabled"] else None
    if not await verify_password(stored, password) or row is None:
        await throttle.record(conn, checks, now)
        return LoginResult("wrong")
    await throttle.clear(conn, throttle.ACCOUNT_FAILURES, email)
    if stored is not None and needs_rehash(stored):
        await conn.execute(Q.set_password, row["id"], await hash_password(password))
    return LoginResult("ok", user_id=row["id"])


async def send_login_link(
    conn: asyncpg.Connection,
    email: str,
    address: str,
    *,
    public_url: str,
    language: str,
    now: datetime | None = None,
) -> int | None:
    """Mail a one-time link when the account exists; seconds to wait when throttled, else None.

    The answer is the same whether the account exists or not, so nobody learns who has one.
    """
    now = now or datetime.now(UTC)
    checks = [(throttle.ACCOUNT_LINKS, email), (throttle.ADDRESS_LINKS, address)]
    wait = await throttle.retry_after(conn, checks, now)
    if wait is not None:
        return wait
    await throttle.record(conn, checks, now)
    row = await conn.fetchrow(Q.user_for_login, email.strip())
    if row is None or row["disabled"]:
        return None
    token = secrets.token_urlsafe(32)
    await conn.execute(Q.insert_login_link, row["id"], token_hash(token), now, now + LINK_LIFETIME)
    await queue_mail(
        conn,
        to=row["email"],
        template="login_link",
        language=language,
        context={
            "link_url": f"{public_url.rstrip('/')}/workspace/login/link/{token}",
            "minutes": int(LINK_LIFETIME.total_seconds() // 60),
        },
    )
    return None


async def login_link_is_valid(
    conn: asyncpg.Connection, token: str, now: datetime | None = None
) -> bool:
    """Whether a link can still be used (for the confirmation page; does not use it)."""
    found = await conn.fetchval(Q.valid_login_link, token_hash(token), now or datetime.now(UTC))
    return found is not None


async def use_login_link(
    conn: asyncpg.Connection, token: str, now: datetime | None = None
) -> UUID | None:
    """Use a one-time link: the user it logs in, or None when unknown, used or expired."""
    user_id: UUID | None = await conn.fetchval(
        Q.consume_login_link, token_hash(token), now or datetime.now(UTC)
    )
    return user_id
