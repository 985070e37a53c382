"""Accounts in the API: the caller, memberships and invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from schemas.common import Email, Input

Role = Literal["admin", "editor", "member"]
Language = Literal["fr", "nl", "en"]


class MyOrganisation(msgspec.Struct, kw_only=True):
    """An organisation the caller belongs to, with their role in it."""

    id: UUID
    name: str
    role: Role


class Me(msgspec.Struct, kw_only=True):
    """The caller."""

    id: UUID
    email: str
    name: str
    is_coordinator: bool
    organisations: list[MyOrganisation]


class InvitationIn(Input):
    """Invite someone to an organisation; they receive a link by e-mail."""

    email: Email
    role: Role = "member"
    language: Language = "fr"
    """Language of the invitation e-mail."""


class Invitation(msgspec.Struct, kw_only=True):
    """A pending invitation (its token is only ever in the e-mail)."""

    id: UUID
    organisation_id: UUID
    email: str
    role: Role
    language: Language
    created_at: datetime
    expires_at: datetime


class Membership(msgspec.Struct, kw_only=True):
    """A person's role in an organisation."""

    user_id: UUID
    email: str
    name: str
    role: Role
    created_at: datetime


class MembershipChange(Input):
    """A new role for a member."""

    role: Role
