"""A place as its organisation's editors keep it right: the address people read, how to get
in (wheelchair, steps, doorbell), how to get there, its phones.

The map position is not edited here: nothing on this side can geocode an address, and a
wrong point is worse than none (distances, "near me"). When a place moves, the network's
coordinators set the new position with the API.
"""

from __future__ import annotations

import re
from typing import Any, cast, get_args
from uuid import UUID

import msgspec
import msgspec.inspect
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from schemas.catalogue import Place, PlaceIn, Wheelchair
from service.accounts.identity import Identity
from service.catalogue import places
from service.catalogue.records import VersionMismatch
from service.catalogue.stored import with_changes
from service.catalogue.validation import phone_national
from service.errors import InvalidInput, NotFound
from service.i18n import N_
from service.web.workspace_common import (
    MEMBERS_ONLY,
    Member,
    PageRefused,
    decoding_errors,
    field_errors,
    form_version,
    page,
    read_form_lists,
    too_long,
)
from service.web.workspace_edit import SHORT, phones_from
from service.web_common import Conn

_POSTAL_CODE = re.compile(r"^[1-9][0-9]{3}$")
TEXTS = ("name", "street", "postal_code", "commune", "description")
MAX_LENGTHS = {
    field.name: field.type.max_length
    for field in cast(msgspec.inspect.StructType, msgspec.inspect.type_info(PlaceIn)).fields
    if isinstance(field.type, msgspec.inspect.StrType) and field.type.max_length is not None
}
"""What the API takes of each text (a commune: 100 characters), so that the form says what
is too long rather than passing it on to be refused."""
NOTES = ("accessibility_notes", "transport_notes")
WHEELCHAIR_VALUES = get_args(Wheelchair)
REQUIRED = N_("This field is required.")
NOT_A_POSTAL_CODE = N_("Enter a Belgian postal code: four digits, such as 7100.")
FIELD_LABELS = {
    "name": N_("Name of the place"),
    "street": N_("Street and number"),
    "postal_code": N_("Postal code"),
    "commune": N_("Commune"),
    "description": N_("Description"),
    "wheelchair": N_("Wheelchair access"),
    "accessibility_notes": N_("How to get in"),
    "transport_notes": N_("Public transport"),
    "phones": N_("Phone numbers"),
}
"""The form's fields, for the list of problems above it."""


def form_of(place: Place) -> dict[str, Any]:
    """The form's values from the stored place."""
    values: dict[str, Any] = {name: getattr(place, name) or "" for name in (*TEXTS, *NOTES)}
    values["wheelchair"] = place.wheelchair
    values["phones"] = "\n".join(phone_national(phone.number) for phone in place.phones)
    return values


def changes_from(
    place: Place, sent: dict[str, list[str]]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The form's values as typed, the place's fields from them, and what is wrong."""

    def text(name: str) -> str:
        return (sent.get(name) or [""])[-1].strip()

    values: dict[str, Any] = {name: text(name) for name in (*TEXTS, *NOTES, "wheelchair")}
    values["phones"] = text("phones")
    errors: dict[str, str] = {}
    for name in TEXTS:
        limit = MAX_LENGTHS.get(name, SHORT)
        if name != "description" and not values[name]:
            errors[name] = REQUIRED
        elif len(values[name]) > limit:
            errors[name] = too_long(values[name], limit)
    if "postal_code" not in errors and not _POSTAL_CODE.match(values["postal_code"]):
        errors["postal_code"] = NOT_A_POSTAL_CODE
    for name in NOTES:
        if len(values[name]) > MAX_LENGTHS[name]:
            errors[name] = too_long(values[name], MAX_LENGTHS[name])
    if values["wheelchair"] not in WHEELCHAIR_VALUES:
        values["wheelchair"] = place.wheelchair
    changes = {name: values[name] for name in (*TEXTS, *NOTES, "wheelchair")}
    changes["phones"], _ = phones_from(place, values["phones"], errors)
    return values, changes, errors


class WorkspacePlacesController(Controller):
    """The edit page of a place."""

    path = "/workspace/places"
    tags = ["workspace"]
    include_in_schema = False
    dependencies = MEMBERS_ONLY

    @get("/{place_id:uuid}/edit", operation_id="placeEditPage")
    async def edit_page(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        place_id: FromPath[UUID],
    ) -> Response[Any]:
        """The place's address, access, transport and phones, to edit."""
        place = await _editable(conn, identity, place_id)
        values = form_of(place)
        # Saved before today's limits (or by a migration): said now, not at the first save.
        _, _, errors = changes_from(place, {name: [value] for name, value in values.items()})
        context = _context(place, values, errors)
        context["stored"] = bool(errors)
        context["saved"] = request.query_params.get("saved") == "1"
        return page("place_edit.html", context)

    @post("/{place_id:uuid}/edit", operation_id="savePlaceFromWorkspace")
    async def save(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        place_id: FromPath[UUID],
    ) -> Response[Any]:
        """Save; errors come back next to their field, a stale version with the fresh data."""
        place = await _editable(conn, identity, place_id)
        sent = await read_form_lists(request)
        values, changes, errors = changes_from(place, sent)
        if errors:
            return page("place_edit.html", _context(place, values, errors), 422)
        try:
            data = with_changes(places.as_input(place), changes, PlaceIn)
            await places.update(
                conn, place_id, data, identity, form_version((sent.get("version") or [""])[-1])
            )
        except msgspec.ValidationError as error:
            errors = field_errors(decoding_errors(error), typed=values)
            return page("place_edit.html", _context(place, values, errors), 422)
        except InvalidInput as error:
            errors = field_errors(error.errors)
            return page("place_edit.html", _context(place, values, errors), 422)
        except VersionMismatch:
            fresh = await places.get(conn, place_id)
            context = _context(fresh, form_of(fresh), {})
            context["stale"] = True
            return page("place_edit.html", context, 409)
        return Redirect(f"/workspace/places/{place_id}/edit?saved=1", status_code=303)


def _context(place: Place, values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {"place": place, "values": values, "errors": errors, "field_labels": FIELD_LABELS}


async def _editable(conn: Conn, identity: Identity, place_id: UUID) -> Place:
    """The place, if this member may change it; otherwise the page says why."""
    try:
        place = await places.get(conn, place_id)
    except NotFound:
        raise PageRefused(N_("Page not found"), N_("This place does not exist."), 404) from None
    if place.organisation_id is None or not identity.can_edit(place.organisation_id):
        raise PageRefused(
            N_("Not allowed"),
            N_("Only the editors of the organisation may change this place."),
            403,
        )
    return place


CONTROLLERS = [WorkspacePlacesController]
