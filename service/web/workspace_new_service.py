"""Add a service: what an association needs to be found (name, kind, themes, places); the rest
is completed on the edit page, the hours on the hours page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect

from schemas.catalogue import ServiceIn
from service.accounts import memberships
from service.accounts.identity import EDIT_ROLES, Identity
from service.catalogue import organisations, places, services
from service.errors import InvalidInput, NotFound
from service.i18n import N_
from service.web.public import themes_tree
from service.web.workspace_common import (
    MEMBERS_ONLY,
    Member,
    decoding_errors,
    field_errors,
    message_page,
    page,
    read_form_lists,
    too_long,
)
from service.web.workspace_edit import LONG, name_and_themes, themes_by_id
from service.web_common import Conn

SERVICE_TYPES = {
    "information": N_("Information"),
    "accompaniment": N_("Accompaniment"),
    "financial_aid": N_("Financial aid"),
    "material_aid": N_("Material aid"),
    "workshop": N_("Workshop or activity"),
    "accommodation": N_("Accommodation"),
    "care": N_("Care"),
    "legal_aid": N_("Legal aid"),
    "orientation": N_("Orientation"),
}
"""The kinds of service (English message ids), as `schemas.catalogue.ServiceType` names them."""
CHOOSE_A_TYPE = N_("Choose what kind of service it is.")
NOT_AN_EDITOR = N_("Only the editors and admins of an organisation may add its services.")
FIELD_LABELS = {
    "name": N_("Name"),
    "type": N_("Kind of service"),
    "themes": N_("Themes"),
    "description": N_("Description"),
    "places": N_("Where it is held"),
}
"""The form's fields, for the list of problems above it."""
PLACES_SHOWN = 200
COORDINATOR_CHOICES = 1000
"""Organisations a coordinator chooses from (a network has a few hundred)."""


class WorkspaceNewServiceController(Controller):
    """The page to add a service to one of one's organisations."""

    path = "/workspace/services/new"
    tags = ["workspace"]
    include_in_schema = False
    dependencies = MEMBERS_ONLY

    @get("/", operation_id="newServicePage")
    async def new_page(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Member
    ) -> Response[Any]:
        """The form, for the organisation chosen (asked first when one edits several)."""
        chosen = await organisation_chosen(
            conn, identity, request.query_params.get("organisation_id")
        )
        if not isinstance(chosen, dict):
            return chosen
        values = {"name": "", "type": "", "themes": [], "description": "", "places": []}
        context = _context(
            chosen, values, {}, await themes_tree(conn), await _places(conn, chosen["id"])
        )
        return page("service_new.html", context)

    @post("/", operation_id="addServiceFromWorkspace")
    async def add(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Member
    ) -> Response[Any]:
        """Add the service; errors come back next to their field."""
        sent = await read_form_lists(request)

        def text(name: str) -> str:
            return (sent.get(name) or [""])[-1].strip()

        chosen = await organisation_chosen(conn, identity, text("organisation_id"), ask=False)
        if not isinstance(chosen, dict):
            return chosen
        tree = await themes_tree(conn)
        offered = await _places(conn, chosen["id"])
        known = set(themes_by_id(tree))
        held = {str(place.id) for place in offered}
        values: dict[str, Any] = {
            "name": text("name"),
            "type": text("type"),
            "themes": [t for t in sent.get("themes", []) if t in known],
            "description": text("description"),
            "places": [p for p in sent.get("places", []) if p in held],
        }
        errors: dict[str, str] = {}
        fields = name_and_themes(values, errors)
        if values["type"] not in SERVICE_TYPES:
            errors["type"] = CHOOSE_A_TYPE
        if len(values["description"]) > LONG:
            errors["description"] = too_long(values["description"], LONG)
        if errors:
            return page("service_new.html", _context(chosen, values, errors, tree, offered), 422)
        try:
            data = msgspec.convert(
                {
                    **fields,
                    "organisation_id": chosen["id"],
                    "type": values["type"],
                    "description": values["description"],
                    "places": [{"place_id": place} for place in values["places"]],
                },
                ServiceIn,
            )
            created = await services.create(conn, data, identity)
        except msgspec.ValidationError as error:
            errors = field_errors(decoding_errors(error), typed=values)
            return page("service_new.html", _context(chosen, values, errors, tree, offered), 422)
        except InvalidInput as error:
            errors = field_errors(error.errors)
            return page("service_new.html", _context(chosen, values, errors, tree, offered), 422)
        return Redirect(f"/workspace/services/{created.id}/edit?created=1", status_code=303)


async def organisation_chosen(
    conn: Conn,
    identity: Identity,
    wanted: str | None,
    *,
    ask: bool = True,
    template: str = "service_new.html",
    refusal: str = NOT_AN_EDITOR,
) -> dict[str, Any] | Response[Any]:
    """The organisation a new record (a service, a place) is for: the one asked for among
    those the person edits, or their only one; else `template` asking which (or a page
    saying `refusal`)."""
    if identity.is_coordinator:
        # Coordinators add services for any organisation of the network (onboarding): the one
        # named is read alone; the whole list only to choose from.
        try:
            named = await organisations.get(conn, UUID(wanted)) if wanted else None
        except (ValueError, NotFound):
            named = None
        if named is not None:
            return {"id": named.id, "name": named.name}
        listed = await organisations.list_page(conn, limit=COORDINATOR_CHOICES, offset=0)
        editable = [{"id": o.id, "name": o.name} for o in listed.items]
    else:
        me = await memberships.me(conn, identity)
        editable = [{"id": o.id, "name": o.name} for o in me.organisations if o.role in EDIT_ROLES]
    if not editable:
        return message_page(N_("Not allowed"), refusal, 403)
    for organisation in editable:
        if str(organisation["id"]) == (wanted or ""):
            return organisation
    if len(editable) == 1 and not wanted:
        return editable[0]
    if not ask:
        return message_page(N_("Not allowed"), refusal, 403)
    return page(template, {"choose": editable, "errors": {}})


async def _places(conn: Conn, organisation_id: UUID) -> list[Any]:
    found = await places.list_page(
        conn, limit=PLACES_SHOWN, offset=0, organisation_id=organisation_id
    )
    return list(found.items)


def _context(
    organisation: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    tree: list[dict[str, Any]],
    offered: list[Any],
) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "values": values,
        "errors": errors,
        "types": SERVICE_TYPES,
        "field_labels": FIELD_LABELS,
        "theme_tree": tree,
        "places": offered,
    }


CONTROLLERS = [WorkspaceNewServiceController]
