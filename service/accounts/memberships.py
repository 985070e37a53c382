"""Members of an organisation and their roles, managed by its admins (coordinators name the
first admin of an organisation that has none)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import msgspec

from schemas.accounts import Me, Membership
from service.accounts.identity import Identity, Q
from service.errors import Conflict, Forbidden, NotFound


async def me(conn: asyncpg.Connection, identity: Identity) -> Me:
    """The caller, with their organisations and roles."""
    row = await conn.fetchrow(Q.me, identity.user_id)
    if row is None:
        raise NotFound(f"user {identity.user_id}")
    return msgspec.convert(dict(row), Me)


async def editor_emails(conn: asyncpg.Connection, organisation_id: UUID) -> list[str]:
    """The addresses of the organisation's admins and editors who can sign in."""
    return [r["email"] for r in await conn.fetch(Q.editor_emails, organisation_id)]


async def list_members(
    conn: asyncpg.Connection, identity: Identity, organisation_id: UUID
) -> list[Membership]:
    """The organisation's members, by name."""
    identity.require_admin(organisation_id, "see the members")
    if await conn.fetchval(Q.organisation_name, organisation_id) is None:
        raise NotFound(f"organisation {organisation_id}")
    rows = await conn.fetch(Q.memberships_of_organisation, organisation_id)
    return [msgspec.convert(dict(r), Membership) for r in rows]


async def may_manage_team(
    conn: asyncpg.Connection, identity: Identity, organisation_id: UUID
) -> bool:
    """Whether the caller may let people in or change roles: the organisation's admins, and a
    coordinator only while it has no admin who can sign in (naming its first admin, or a new
    one after the last left). Whoever is let in reads the organisation's referrals, the
    people's data included: the network does not choose them over the organisation's head."""
    if identity.role_in(organisation_id) == "admin":
        return True
    return identity.is_coordinator and not await conn.fetchval(Q.has_active_admin, organisation_id)


async def require_team_manager(
    conn: asyncpg.Connection, identity: Identity, organisation_id: UUID, what: str
) -> None:
    """A 403 unless `may_manage_team`, saying who may."""
    identity.require_admin(organisation_id, what)
    if not await may_manage_team(conn, identity, organisation_id):
        raise Forbidden(
            f"only the organisation's admins may {what}; coordinators only name the first"
            " admin of an organisation that has none"
        )


async def _current_role(conn: asyncpg.Connection, organisation_id: UUID, user_id: UUID) -> str:
    role: str | None = await conn.fetchval(Q.membership_role, organisation_id, user_id)
    if role is None:
        raise NotFound(f"member {user_id} of organisation {organisation_id}")
    return role


async def _keep_an_admin(conn: asyncpg.Connection, organisation_id: UUID, user_id: UUID) -> None:
    # Locking the admins' rows serialises two admins demoting each other at once.
    admins = {r["user_id"] for r in await conn.fetch(Q.lock_admins, organisation_id)}
    if admins == {user_id}:
        raise Conflict("an organisation keeps at least one admin: name another admin first")


async def change_role(
    conn: asyncpg.Connection, identity: Identity, organisation_id: UUID, user_id: UUID, role: str
) -> Membership:
    """Give a member another role; the last admin cannot be demoted."""
    await require_team_manager(conn, identity, organisation_id, "change roles")
    current = await _current_role(conn, organisation_id, user_id)
    if current == "admin" and role != "admin":
        await _keep_an_admin(conn, organisation_id, user_id)
    await conn.execute(Q.change_membership_role, organisation_id, user_id, role)
    for member in await conn.fetch(Q.memberships_of_organisation, organisation_id):
        if member["user_id"] == user_id:
            return msgspec.convert(dict(member), Membership)
    raise NotFound(f"member {user_id} of organisation {organisation_id}")


async def remove(
    conn: asyncpg.Connection, identity: Identity, organisation_id: UUID, user_id: UUID
) -> None:
    """Remove a member (admins, coordinators, or the member leaving); never the last admin."""
    if user_id != identity.user_id:
        identity.require_admin(organisation_id, "remove members")
    current = await _current_role(conn, organisation_id, user_id)
    if current == "admin":
        await _keep_an_admin(conn, organisation_id, user_id)
    await conn.execute(Q.delete_membership, organisation_id, user_id)
    # A link still out for them would let them back in.
    email = await conn.fetchval(Q.user_email_by_id, user_id)
    await conn.execute(Q.revoke_invitations_of, organisation_id, email, datetime.now(UTC))
