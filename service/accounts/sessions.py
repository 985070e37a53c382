"""Browser sessions kept in PostgreSQL: a random id in a cookie, only its hash in the table.

`session_identity(request, conn)` is the resolver the app puts in its state under
"session_identity"; `provide_identity` calls it when a request carries no bearer token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
from litestar import Request
from litestar.datastructures import Cookie

from service.accounts.identity import Identity, Q, token_hash
from service.settings import Settings

IDLE_TIMEOUT = timedelta(hours=8)
"""A session unused for this long ends."""
ABSOLUTE_TIMEOUT = timedelta(days=7)
"""No session lasts longer than this, used or not."""


@dataclass(frozen=True)
class CookieNames:
    session: str
    csrf: str
    secure: bool


def cookie_names(settings: Settings) -> CookieNames:
    """Cookie names and flags: `__Host-` names and Secure when the service is served over https."""
    secure = settings.public_url.lower().startswith("https://")
    prefix = "__Host-" if secure else ""
    return CookieNames(f"{prefix}boussole_session", f"{prefix}boussole_csrf", secure)


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def session_id_of(request: Request[Any, Any, Any]) -> str | None:
    """The session id of the request's cookie, if any (valid or not)."""
    return request.cookies.get(cookie_names(_settings(request)).session) or None


async def start_session(
    conn: asyncpg.Connection, user_id: UUID, now: datetime | None = None
) -> str:
    """Open a session for a user; returns the clear id, to be put in the cookie only."""
    now = now or datetime.now(UTC)
    session_id = secrets.token_urlsafe(32)
    await conn.execute(
        Q.insert_session,
        user_id,
        token_hash(session_id),
        now,
        now + IDLE_TIMEOUT,
        now + ABSOLUTE_TIMEOUT,
    )
    return session_id


async def identity_from_session(
    conn: asyncpg.Connection, session_id: str, now: datetime | None = None
) -> Identity | None:
    """The identity of a live session, extending its idle expiry; None when unknown or ended."""
    now = now or datetime.now(UTC)
    row = await conn.fetchrow(Q.identity_by_session, token_hash(session_id), now)
    if row is None:
        return None
    if row["stale"]:
        await conn.execute(Q.touch_session, row["session_id"], now, now + IDLE_TIMEOUT)
    roles = {UUID(org): role for org, role in row["roles"].items()}
    return Identity(row["id"], row["email"], row["is_coordinator"], roles)


async def session_identity(
    request: Request[Any, Any, Any], conn: asyncpg.Connection
) -> Identity | None:
    """The session resolver: the identity of the request's session cookie, or None."""
    session_id = session_id_of(request)
    if session_id is None:
        return None
    return await identity_from_session(conn, session_id)


async def end_session(conn: asyncpg.Connection, session_id: str) -> None:
    """Log out: the session row is deleted, so the cookie is worthless even if kept."""
    await conn.execute(Q.delete_session, token_hash(session_id))


async def end_all_sessions(conn: asyncpg.Connection, user_id: UUID) -> None:
    """Log a user out everywhere (after a password change or when disabling them)."""
    await conn.execute(Q.delete_user_sessions, user_id)


def session_cookie(settings: Settings, session_id: str) -> Cookie:
    """The cookie carrying a new session id."""
    names = cookie_names(settings)
    return Cookie(
        key=names.session,
        value=session_id,
        path="/",
        max_age=int(ABSOLUTE_TIMEOUT.total_seconds()),
        httponly=True,
        secure=names.secure,
        samesite="lax",
    )


def cleared_session_cookie(settings: Settings) -> Cookie:
    """A cookie that makes the browser forget its session id."""
    names = cookie_names(settings)
    return Cookie(
        key=names.session,
        value="",
        path="/",
        max_age=0,
        httponly=True,
        secure=names.secure,
        samesite="lax",
    )
