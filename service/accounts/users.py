"""Users and their memberships, as managed by operators and coordinators."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from service.accounts.identity import Q
from service.errors import NotFound


async def by_email(conn: asyncpg.Connection, email: str) -> asyncpg.Record:
    row = await conn.fetchrow(Q.user_by_email, email)
    if row is None:
        raise NotFound(f"user {email}")
    return row


async def create_or_update(
    conn: asyncpg.Connection,
    *,
    email: str,
    name: str = "",
    organisation_id: UUID | None = None,
    role: str = "member",
    coordinator: bool = False,
    password_hash: str | None = None,
) -> UUID:
    """Add a user, or find the existing one; give them `role` in `organisation_id`."""
    row = await conn.fetchrow(Q.user_by_email, email)
    if row is None:
        # The same address added twice at once: the second adds nothing, waits for the
        # first to commit, and finds its user, as if the first had come before.
        await conn.execute(Q.insert_user_if_new, email.strip(), name, coordinator, password_hash)
        row = await conn.fetchrow(Q.user_by_email, email)
        assert row is not None
    user_id: UUID = row["id"]
    if coordinator and not row["is_coordinator"]:
        await conn.execute("UPDATE app_user SET is_coordinator = true WHERE id = $1", user_id)
    if organisation_id is not None:
        await conn.execute(Q.upsert_membership, user_id, organisation_id, role)
    return user_id
