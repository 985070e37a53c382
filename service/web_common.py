"""Request plumbing shared by every domain: the transaction, the caller, paging, preconditions."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from datetime import UTC, date, datetime
from typing import Annotated

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import HeaderParameter, QueryParameter

from service.accounts.identity import Identity, bearer_token, identity_from_token
from service.errors import ProblemError, Unauthorized, invalid
from service.hours import YEARS, local

Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=1_000_000, description="Items to skip")]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        description='ETag of the version you read, e.g. "3"; required (428 without it)',
    ),
]
Conn = NamedDependency[asyncpg.Connection]
"""The request's connection, inside its transaction."""
Caller = NamedDependency[Identity | None]
"""Who is calling, or None when anonymous."""


async def provide_connection(state: State) -> AsyncGenerator[asyncpg.Connection, None]:
    """One connection and one transaction per request, rolled back if the handler fails."""
    pool: asyncpg.Pool = state.pool
    async with pool.acquire() as conn, conn.transaction():
        yield conn


async def provide_identity(request: Request, conn: Conn) -> Identity | None:
    """The caller, from a bearer token or a session; None when anonymous."""
    token = bearer_token(request.headers.get("authorization"))
    if token is not None:
        identity = await identity_from_token(conn, token)
        if identity is None:
            raise Unauthorized("the token is unknown, revoked or expired")
        return identity
    resolver = request.app.state.get("session_identity")
    if resolver is not None:
        identity_or_none: Identity | None = await resolver(request, conn)
        return identity_or_none
    return None


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d+)"?\s*$')


def optional_version(header: str | None) -> int | None:
    """The version named by an If-Match header, None without one; 400 when malformed."""
    if header is None or not header.strip():
        return None
    match = _ETAG.match(header)
    if match is None:
        raise ProblemError(400, "Malformed request", 'If-Match must be an ETag such as "3"')
    return int(match[1])


def expected_version(header: str | None) -> int:
    """The version named by If-Match: writes must say which version they change."""
    version = optional_version(header)
    if version is None:
        raise ProblemError(
            428,
            "Precondition required",
            "send If-Match with the ETag of the record you read, so that no change is lost",
        )
    return version


def parse_moment(value: str | None, field: str) -> datetime:
    """An ISO 8601 moment from a query string, Brussels time when it has no offset; now if None."""
    if value is None or value == "":
        return local(datetime.now(UTC))
    moment = _iso(value, field, "2026-11-23T10:00")
    first, last = YEARS
    if not first <= moment.year <= last:
        raise invalid(field, f"must be in the years {first} to {last}")
    return local(moment)


def parse_day(value: str | None, field: str) -> date | None:
    """An ISO 8601 day (2026-12-12) from a query string; None if not given."""
    if value is None or value == "":
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise invalid(field, "must be an ISO 8601 date, e.g. 2026-12-12") from None
    first, last = YEARS
    if not first <= day.year <= last:
        raise invalid(field, f"must be in the years {first} to {last}")
    return day


def iso_moment(value: str, field: str, example: str) -> datetime:
    """An ISO 8601 moment, in Brussels time (as Brussels time when it has no offset)."""
    try:
        return local(_iso(value, field, example))
    except OverflowError:  # 0001-01-01T00:00 in Brussels is still year 0 in UTC
        raise invalid(field, "is out of the calendar's range") from None


def _iso(value: str, field: str, example: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(field, f"must be an ISO 8601 date-time, e.g. {example}") from None
