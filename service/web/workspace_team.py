"""An organisation's team, for its admins and the network's coordinators: the members and
their roles, the invitations waiting for an answer, and inviting someone by e-mail.

Every change goes through the accounts functions the API uses (`service.accounts`), with
their rules: an organisation keeps at least one admin; an invitation link goes by e-mail only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from schemas.accounts import InvitationIn
from service.accounts import invitations, memberships
from service.accounts.identity import Identity
from service.db.queries import load
from service.errors import Conflict, InvalidInput, NotFound
from service.i18n import N_, language_of
from service.web.workspace_common import (
    MEMBERS_ONLY,
    Member,
    PageRefused,
    field_errors,
    message_page,
    page,
    read_form,
)
from service.web_common import Conn

Q = load(__file__)
ROLES = (N_("member"), N_("editor"), N_("admin"))
"""The roles of a team, codes that pages show translated (`_(role)`)."""
MAIL_LANGUAGES = ("fr", "nl", "en")
NOT_AN_ADMIN = N_("Only the organisation's admins and the network coordinators manage its team.")
NOT_AN_EMAIL = N_("Enter an e-mail address such as info@example.org.")
ALREADY_A_MEMBER = N_("This person is already a member of the organisation.")
ADMINS_ONLY = N_(
    "Its admins invite the members and give the roles: as a coordinator, you name only the"
    " first admin of an organisation that has none."
)
LAST_ADMIN = N_("An organisation keeps at least one admin: name another admin first.")
DONE = {
    "invited": N_("The invitation is on its way."),
    "role": N_("The role is changed."),
    "removed": N_("The member was removed."),
    "withdrawn": N_("The invitation was withdrawn."),
}


def _team_url(organisation_id: UUID, done: str, anchor: str) -> str:
    return f"/workspace/organisations/{organisation_id}/team/?done={done}#{anchor}"


class WorkspaceTeamController(Controller):
    """Members, roles and invitations of one organisation."""

    path = "/workspace/organisations/{organisation_id:uuid}/team"
    tags = ["workspace"]
    include_in_schema = False
    dependencies = MEMBERS_ONLY

    @get("/", operation_id="teamPage")
    async def team(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        organisation_id: FromPath[UUID],
    ) -> Response[Any]:
        """Who is in the team, with which role; who is invited; a form to invite."""
        manager = _manager(identity, organisation_id)
        try:
            context = await _context(conn, manager, organisation_id, request)
        except NotFound:
            return message_page(N_("Page not found"), N_("This organisation does not exist."), 404)
        context["done"] = DONE.get(str(request.query_params.get("done")))
        return page("team.html", context)

    @post("/invite", operation_id="inviteFromWorkspace")
    async def invite(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        organisation_id: FromPath[UUID],
    ) -> Response[Any]:
        """Send an invitation; a wrong address or a member already there is said by the field."""
        manager = _manager(identity, organisation_id)
        form = await read_form(request)
        typed = {
            "email": form.get("email", "").strip(),
            "role": form.get("role", "member"),
            "language": form.get("language", "fr"),
        }
        if not await memberships.may_manage_team(conn, manager, organisation_id):
            return await _problem(conn, manager, organisation_id, request, ADMINS_ONLY, 403)
        status, errors = 201, {}
        try:
            data = msgspec.convert(typed, InvitationIn)
            async with conn.transaction():
                await invitations.invite(
                    conn,
                    manager,
                    organisation_id,
                    data,
                    public_url=request.app.state.settings.public_url,
                )
        except msgspec.ValidationError as error:
            field = "email" if "email" in str(error) else "role"
            status, errors = (
                422,
                {field: NOT_AN_EMAIL if field == "email" else N_("Choose a role.")},
            )
        except InvalidInput as error:
            status, errors = 422, field_errors(error.errors or [])
        except Conflict:
            status, errors = 409, {"email": ALREADY_A_MEMBER}
        except NotFound:
            return message_page(N_("Page not found"), N_("This organisation does not exist."), 404)
        if errors:
            context = await _context(conn, manager, organisation_id, request)
            context.update(errors=errors, typed=typed)
            return page("team.html", context, status)
        return Redirect(_team_url(organisation_id, "invited", "invitations"), status_code=303)

    @post("/members/{user_id:uuid}/role", operation_id="changeRoleFromWorkspace")
    async def change_role(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        organisation_id: FromPath[UUID],
        user_id: FromPath[UUID],
    ) -> Response[Any]:
        """Give a member another role; the last admin stays one."""
        manager = _manager(identity, organisation_id)
        role = (await read_form(request)).get("role", "")
        if role not in ROLES:
            return message_page(N_("There is a problem"), N_("Choose a role."), 422)
        if not await memberships.may_manage_team(conn, manager, organisation_id):
            return await _problem(conn, manager, organisation_id, request, ADMINS_ONLY, 403)
        return await _member_change(
            conn,
            request,
            manager,
            organisation_id,
            lambda: memberships.change_role(conn, manager, organisation_id, user_id, role),
            Redirect(_team_url(organisation_id, "role", f"member-{user_id}"), status_code=303),
        )

    @post("/members/{user_id:uuid}/remove", operation_id="removeFromWorkspace")
    async def remove(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        organisation_id: FromPath[UUID],
        user_id: FromPath[UUID],
    ) -> Response[Any]:
        """Take someone out of the team (never the last admin)."""
        manager = _manager(identity, organisation_id)
        leaving = user_id == manager.user_id and not manager.is_coordinator
        return await _member_change(
            conn,
            request,
            manager,
            organisation_id,
            lambda: memberships.remove(conn, manager, organisation_id, user_id),
            Redirect(
                "/workspace/" if leaving else _team_url(organisation_id, "removed", "members"),
                status_code=303,
            ),
        )

    @post("/invitations/{invitation_id:uuid}/withdraw", operation_id="withdrawFromWorkspace")
    async def withdraw(
        self,
        conn: Conn,
        identity: Member,
        organisation_id: FromPath[UUID],
        invitation_id: FromPath[UUID],
    ) -> Response[Any]:
        """Withdraw an invitation: its link stops working."""
        manager = _manager(identity, organisation_id)
        try:
            await invitations.revoke(conn, manager, organisation_id, invitation_id)
        except NotFound:
            return message_page(
                N_("Page not found"), N_("This invitation was already accepted or withdrawn."), 404
            )
        return Redirect(_team_url(organisation_id, "withdrawn", "invitations"), status_code=303)


def _manager(identity: Identity, organisation_id: UUID) -> Identity:
    """The caller, if they manage this team; otherwise the page says why."""
    if not identity.can_administer(organisation_id):
        raise PageRefused(N_("Not allowed"), NOT_AN_ADMIN, 403)
    return identity


async def _member_change(
    conn: Conn,
    request: Request[Any, Any, Any],
    manager: Identity,
    organisation_id: UUID,
    change: Callable[[], Awaitable[Any]],
    done: Response[Any],
) -> Response[Any]:
    """Apply a change to a member (in its own savepoint); the page saying why not, else `done`."""
    try:
        async with conn.transaction():
            await change()
    except NotFound:
        return message_page(N_("Page not found"), N_("This person is not in the team."), 404)
    except Conflict:
        return await _problem(conn, manager, organisation_id, request, LAST_ADMIN)
    return done


async def _context(
    conn: Conn, identity: Identity, organisation_id: UUID, request: Request[Any, Any, Any]
) -> dict[str, Any]:
    organisation = await conn.fetchrow(Q.organisation_for_team, organisation_id)
    if organisation is None:
        raise NotFound(f"organisation {organisation_id}")
    language = organisation["language"]
    if language not in MAIL_LANGUAGES:
        language = language_of(request)
    members = await memberships.list_members(conn, identity, organisation_id)
    admins = [m.user_id for m in members if m.role == "admin"]
    # A coordinator names the first admin only (`invitations.invite`).
    invite_roles = ROLES if identity.role_in(organisation_id) == "admin" else (N_("admin"),)
    return {
        "organisation": organisation,
        "members": members,
        # Removing the last admin is refused: not offered.
        "only_admin": admins[0] if len(admins) == 1 else None,
        "invitations": await invitations.pending(conn, identity, organisation_id),
        "roles": ROLES,
        "invite_roles": invite_roles,
        "may_manage": await memberships.may_manage_team(conn, identity, organisation_id),
        "admins_only": ADMINS_ONLY,
        "me_id": identity.user_id,
        "errors": {},
        "typed": {"email": "", "role": invite_roles[0], "language": language},
        "done": None,
        "problem": None,
    }


async def _problem(
    conn: Conn,
    identity: Identity,
    organisation_id: UUID,
    request: Request[Any, Any, Any],
    message: str,
    status: int = 409,
) -> Response[Any]:
    context = await _context(conn, identity, organisation_id, request)
    context["problem"] = message
    return page("team.html", context, status)


CONTROLLERS = [WorkspaceTeamController]
