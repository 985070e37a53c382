"""Inviting people into an organisation by e-mail; accepting sets their password."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

import asyncpg
import msgspec

from schemas.accounts import Invitation, InvitationIn
from schemas.common import FieldError
from service.accounts import memberships, throttle
from service.accounts.identity import Identity, Q, token_hash
from service.accounts.login import password_login
from service.accounts.passwords import hash_password, password_problem
from service.errors import Conflict, InvalidInput, NotFound
from service.i18n import day_month_year
from service.mail import queue_mail

INVITATION_LIFETIME = timedelta(days=7)
SENT_TWICE_WITHIN = timedelta(minutes=1)
"""The same invitation sent again by the same person within this time is a repeat (a double
click, a retry): the one already out is kept, and mailed once."""

ROLE_LABELS = {
    "fr": {"admin": "administrateur", "editor": "éditeur", "member": "membre"},
    "nl": {"admin": "beheerder", "editor": "redacteur", "member": "lid"},
    "en": {"admin": "administrator", "editor": "editor", "member": "member"},
}


COORDINATORS_NAME_AN_ADMIN = (
    "a coordinator names only the first admin of an organisation: its admin invites the others"
)
NOT_YOURSELF = (
    "a coordinator names the organisation's admin, not themselves: its members read its"
    " referrals, the people's data included"
)


def _check_first_admin(identity: Identity, data: InvitationIn) -> None:
    """A coordinator lets in only the organisation's first admin, and never themselves: a
    member reads the referrals of the organisation, and the network does not choose who."""
    errors = []
    if data.role != "admin":
        errors.append(FieldError(field="role", message=COORDINATORS_NAME_AN_ADMIN))
    if data.email.strip().lower() == identity.email.lower():
        errors.append(FieldError(field="email", message=NOT_YOURSELF))
    if errors:
        raise InvalidInput(errors)


async def invite(
    conn: asyncpg.Connection,
    identity: Identity,
    organisation_id: UUID,
    data: InvitationIn,
    *,
    public_url: str,
    now: datetime | None = None,
) -> Invitation:
    """Invite an e-mail address with a role; the link goes by e-mail only, and replaces any
    earlier link still out for that address (but the same invitation sent again by the same
    person within `SENT_TWICE_WITHIN` is the one already out, not a second mail)."""
    now = now or datetime.now(UTC)
    organisation = await conn.fetchval(Q.organisation_name, organisation_id)
    if organisation is None:
        raise NotFound(f"organisation {organisation_id}")
    await memberships.require_team_manager(conn, identity, organisation_id, "invite members")
    if identity.role_in(organisation_id) != "admin":
        _check_first_admin(identity, data)
    # Two invitations of one address at once (a double click) would each revoke the links
    # out before the other's was written, and leave both working.
    await conn.execute(Q.lock_invitations_of, organisation_id, data.email.strip())
    existing = await conn.fetchrow(Q.user_by_email, data.email)
    if existing is not None:
        role = await conn.fetchval(Q.membership_role, organisation_id, existing["id"])
        if role is not None:
            raise Conflict(f"{data.email} is already a member of this organisation")
    again = await conn.fetchrow(
        Q.invitation_just_sent,
        organisation_id,
        data.email.strip(),
        data.role,
        data.language,
        identity.user_id,
        now - SENT_TWICE_WITHIN,
    )
    if again is not None:
        return msgspec.convert(dict(again), Invitation)
    await conn.execute(Q.revoke_invitations_of, organisation_id, data.email.strip(), now)
    token = secrets.token_urlsafe(32)
    row = await conn.fetchrow(
        Q.insert_invitation,
        organisation_id,
        data.email.strip(),
        data.role,
        data.language,
        identity.user_id,
        token_hash(token),
        now,
        now + INVITATION_LIFETIME,
    )
    inviter = await conn.fetchrow(Q.user_by_email, identity.email)
    await queue_mail(
        conn,
        to=data.email,
        template="invitation",
        language=data.language,
        context={
            "inviter_name": (inviter["name"] if inviter else "") or identity.email,
            "organisation_name": organisation,
            "role_label": ROLE_LABELS[data.language][data.role],
            "accept_url": f"{public_url.rstrip('/')}/workspace/invitations/{token}",
            "expires_on": day_month_year(now + INVITATION_LIFETIME),
        },
    )
    return msgspec.convert(dict(row), Invitation)


async def pending(
    conn: asyncpg.Connection, identity: Identity, organisation_id: UUID, now: datetime | None = None
) -> list[Invitation]:
    """Invitations not yet accepted, revoked or expired."""
    identity.require_admin(organisation_id, "see invitations")
    rows = await conn.fetch(Q.pending_invitations, organisation_id, now or datetime.now(UTC))
    return [msgspec.convert(dict(r), Invitation) for r in rows]


async def revoke(
    conn: asyncpg.Connection,
    identity: Identity,
    organisation_id: UUID,
    invitation_id: UUID,
    now: datetime | None = None,
) -> None:
    """Withdraw an invitation: its link stops working."""
    identity.require_admin(organisation_id, "revoke invitations")
    found = await conn.fetchval(
        Q.revoke_invitation, invitation_id, organisation_id, now or datetime.now(UTC)
    )
    if found is None:
        raise NotFound(f"pending invitation {invitation_id}")


@dataclass(frozen=True)
class PendingInvitation:
    """What the acceptance page shows."""

    id: UUID
    email: str
    role: str
    language: str
    organisation_name: str
    has_account: bool


async def find(
    conn: asyncpg.Connection, token: str, now: datetime | None = None
) -> PendingInvitation | None:
    """The invitation a link stands for, if it can still be accepted."""
    row = await conn.fetchrow(Q.invitation_by_token, token_hash(token), now or datetime.now(UTC))
    if row is None:
        return None
    return PendingInvitation(
        row["id"],
        row["email"],
        row["role"],
        row["language"],
        row["organisation_name"],
        bool(row["has_password"]),
    )


@dataclass(frozen=True)
class Acceptance:
    """The outcome of accepting; `problem` names what to fix, `retry_after` when throttled."""

    outcome: Literal["ok", "invalid", "problem", "throttled"]
    user_id: UUID | None = None
    problem: str | None = None
    retry_after: int | None = None


async def accept(
    conn: asyncpg.Connection,
    token: str,
    *,
    password: str,
    name: str,
    address: str,
    now: datetime | None = None,
) -> Acceptance:
    """Accept: a new person chooses a password; someone with an account confirms theirs."""
    now = now or datetime.now(UTC)
    seen = await conn.fetchrow(Q.invitation_by_token, token_hash(token), now)
    if seen is None:
        return Acceptance("invalid")
    # The lock `invite` takes for this address, taken first as there: an invitation sent
    # meanwhile waits, then finds a member (409) rather than leaving a live link for them;
    # or it went first, and this link is one it replaced.
    await conn.execute(Q.lock_invitations_of, seen["organisation_id"], seen["email"])
    # Locked: the same form sent twice at once would create the account twice (a unique
    # violation, answered as a bare 409) instead of finding the invitation used.
    row = await conn.fetchrow(Q.lock_invitation_by_token, token_hash(token), now)
    if row is None:
        return Acceptance("invalid")
    user_id, has_password = row["user_id"], row["has_password"]
    if user_id is None:
        problem = password_problem(password, row["email"])
        if problem is not None:
            return Acceptance("problem", problem=problem)
        hashed = await hash_password(password)
        user_id = await conn.fetchval(
            Q.insert_user_if_new, row["email"], name.strip(), False, hashed
        )
        if user_id is not None:
            await throttle.clear(conn, throttle.ACCOUNT_FAILURES, row["email"])
            return await _join(conn, row, user_id, now)
        # As `boussole user create`: the same person accepting another organisation's
        # invitation at the same moment (two tabs) made the account; this waited for it,
        # and goes on as if it came after: the password is the one chosen there.
        made = await conn.fetchrow(Q.user_for_login, row["email"])
        assert made is not None
        user_id, has_password = made["id"], made["password_hash"] is not None
    if has_password:
        login = await password_login(conn, row["email"], password, address, now)
        if login.outcome == "throttled":
            return Acceptance("throttled", retry_after=login.retry_after)
        if login.outcome != "ok":
            return Acceptance("problem", problem="wrong_password")
    else:
        problem = password_problem(password, row["email"])
        if problem is not None:
            return Acceptance("problem", problem=problem)
        await conn.execute(Q.set_password, user_id, await hash_password(password))
        if name.strip():
            await conn.execute(Q.set_name_if_empty, user_id, name.strip())
        await throttle.clear(conn, throttle.ACCOUNT_FAILURES, row["email"])
    return await _join(conn, row, user_id, now)


async def _join(
    conn: asyncpg.Connection, row: asyncpg.Record, user_id: UUID, now: datetime
) -> Acceptance:
    """The invitation `row` used by `user_id`: they join its organisation with its role."""
    if await conn.fetchval(Q.accept_invitation, row["id"], now, user_id) is None:
        return Acceptance("invalid")
    await conn.execute(Q.revoke_invitations_of, row["organisation_id"], row["email"], now)
    await conn.execute(Q.join_organisation, user_id, row["organisation_id"], row["role"])
    if row["role"] == "admin":
        # The organisation has its admin now: the links coordinators sent are no longer theirs
        # to send, and would let in someone its admin did not choose.
        await conn.execute(Q.revoke_coordinators_invitations, row["organisation_id"], now)
    return Acceptance("ok", user_id=user_id)
