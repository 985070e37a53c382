"""HTTP routes of accounts under /api/v1: the caller, invitations, memberships."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, JSONBody

from schemas.accounts import Invitation, InvitationIn, Me, Membership, MembershipChange
from service.accounts import invitations, memberships
from service.accounts.identity import require
from service.settings import Settings
from service.web_common import Caller, Conn


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["accounts"]

    @get(operation_id="getMe")
    async def get_me(self, conn: Conn, identity: Caller) -> Me:
        """The caller, their organisations and roles."""
        return await memberships.me(conn, require(identity))


class InvitationController(Controller):
    path = "/api/v1/organisations/{organisation_id:uuid}/invitations"
    tags = ["accounts"]

    @post(operation_id="inviteMember")
    async def invite(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Caller,
        organisation_id: FromPath[UUID],
        data: JSONBody[InvitationIn],
    ) -> Response[Invitation]:
        """Invite someone by e-mail (organisation admins and coordinators)."""
        settings: Settings = request.app.state.settings
        created = await invitations.invite(
            conn, require(identity), organisation_id, data, public_url=settings.public_url
        )
        return Response(created, status_code=201)

    @get(operation_id="listInvitations")
    async def list_invitations(
        self, conn: Conn, identity: Caller, organisation_id: FromPath[UUID]
    ) -> list[Invitation]:
        """Invitations still waiting for an answer."""
        return await invitations.pending(conn, require(identity), organisation_id)

    @delete("/{invitation_id:uuid}", operation_id="revokeInvitation")
    async def revoke_invitation(
        self,
        conn: Conn,
        identity: Caller,
        organisation_id: FromPath[UUID],
        invitation_id: FromPath[UUID],
    ) -> None:
        """Withdraw an invitation; its link stops working."""
        await invitations.revoke(conn, require(identity), organisation_id, invitation_id)


class MembershipController(Controller):
    path = "/api/v1/organisations/{organisation_id:uuid}/memberships"
    tags = ["accounts"]

    @get(operation_id="listMemberships")
    async def list_memberships(
        self, conn: Conn, identity: Caller, organisation_id: FromPath[UUID]
    ) -> list[Membership]:
        """Members and their roles (organisation admins and coordinators)."""
        return await memberships.list_members(conn, require(identity), organisation_id)

    @put("/{user_id:uuid}", operation_id="changeMembership")
    async def change_membership(
        self,
        conn: Conn,
        identity: Caller,
        organisation_id: FromPath[UUID],
        user_id: FromPath[UUID],
        data: JSONBody[MembershipChange],
    ) -> Membership:
        """Give a member another role; an organisation keeps at least one admin."""
        return await memberships.change_role(
            conn, require(identity), organisation_id, user_id, data.role
        )

    @delete("/{user_id:uuid}", operation_id="removeMembership")
    async def remove_membership(
        self,
        conn: Conn,
        identity: Caller,
        organisation_id: FromPath[UUID],
        user_id: FromPath[UUID],
    ) -> None:
        """Remove a member (or leave, for oneself); never the last admin."""
        await memberships.remove(conn, require(identity), organisation_id, user_id)


CONTROLLERS = [MeController, InvitationController, MembershipController]
