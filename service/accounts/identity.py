"""Who is calling: bearer tokens resolved to a user with roles per organisation."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import asyncpg

from service.db.queries import load
from service.errors import Forbidden, Unauthorized

Q = load(__file__)

TOKEN_PREFIX = "bsl_"  # noqa: S105 - a prefix, not a secret
EDIT_ROLES = frozenset({"admin", "editor"})


@dataclass(frozen=True)
class Identity:
    """An authenticated user: network coordinator or not, and a role in each organisation."""

    user_id: UUID
    email: str
    is_coordinator: bool = False
    roles: Mapping[UUID, str] = field(default_factory=dict)

    def role_in(self, organisation_id: UUID | None) -> str | None:
        return self.roles.get(organisation_id) if organisation_id else None

    def can_edit(self, organisation_id: UUID | None) -> bool:
        """Coordinators edit everything; admins and editors their own organisation's records."""
        return self.is_coordinator or self.role_in(organisation_id) in EDIT_ROLES

    def require_editor(self, organisation_id: UUID | None, what: str) -> None:
        if not self.can_edit(organisation_id):
            raise Forbidden(f"only editors of the owning organisation may change {what}")

    def can_administer(self, organisation_id: UUID | None) -> bool:
        """Coordinators and the organisation's admins manage its members and invitations."""
        return self.is_coordinator or self.role_in(organisation_id) == "admin"

    def require_admin(self, organisation_id: UUID | None, what: str) -> None:
        if not self.can_administer(organisation_id):
            raise Forbidden(f"only admins of the organisation or coordinators may {what}")

    def require_coordinator(self, what: str) -> None:
        if not self.is_coordinator:
            raise Forbidden(f"only network coordinators may {what}")


def new_token() -> str:
    """A fresh bearer token; only its hash is stored."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def identity_from_token(conn: asyncpg.Connection, token: str) -> Identity | None:
    """The identity a bearer token stands for, or None when unknown, revoked or expired."""
    row = await conn.fetchrow(Q.identity_by_token, token_hash(token))
    if row is None:
        return None
    if row["stale"]:
        await conn.execute(Q.touch_token, row["token_id"])
    roles = {UUID(org): role for org, role in row["roles"].items()}
    return Identity(row["id"], row["email"], row["is_coordinator"], roles)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    return value.strip()


def require(identity: Identity | None) -> Identity:
    """The identity, or a 401 when the caller is anonymous."""
    if identity is None:
        raise Unauthorized()
    return identity


async def create_token(
    conn: asyncpg.Connection, user_id: UUID, name: str = "", expires_at: datetime | None = None
) -> str:
    """Issue a token for a user; the clear token is returned once and never stored."""
    token = new_token()
    await conn.execute(Q.insert_token, user_id, token_hash(token), name, expires_at)
    return token
