"""A place as its organisation's editors keep it right: the address people read, how to get
in (wheelchair, steps, doorbell), how to get there, its phones; and a new place, added by
them with the same form (and its section or neighbourhood), and its services held there.

The map position is not edited here: nothing on this side can geocode an address, and a
wrong point is worse than none (distances, "near me"). When a place moves, the network's
coordinators set the new position with the API.

Every write goes through `places.create` and `places.update`, as the API's: the same rules
(the organisation's admins and editors, coordinators), checks and change history; a service
is held at the new place through `services.update`, with the version it was read at.
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

from schemas.catalogue import Place, PlaceIn, ServiceIn, Wheelchair
from service.accounts.identity import Identity
from service.catalogue import places, services
from service.catalogue.records import VersionMismatch
from service.catalogue.stored import with_changes
from service.catalogue.validation import phone_national
from service.db.queries import load
from service.errors import InvalidInput, NotFound
from service.i18n import N_
from service.web.workspace_common import (
    CHANGED_MEANWHILE,
    MEMBERS_ONLY,
    NOTHING_SAVED,
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
from service.web.workspace_new_service import organisation_chosen
from service.web_common import Conn

Q = load(__file__)
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
    "territory_id": N_("Section or neighbourhood"),
    "services": N_("Services held here"),
}
"""The form's fields, for the list of problems above it."""
NOT_AN_EDITOR = N_("Only the editors and admins of an organisation may add its places.")
NOT_A_TERRITORY = N_("Choose one of the values offered.")
TERRITORY_ELSEWHERE = N_(
    "This section or neighbourhood does not have the postal code typed: choose another, or"
    " let it be found from the address."
)
SERVICES_SHOWN = 200


def form_of(place: Place) -> dict[str, Any]:
    """The form's values from the stored place."""
    values: dict[str, Any] = {name: getattr(place, name) or "" for name in (*TEXTS, *NOTES)}
    values["wheelchair"] = place.wheelchair
    values["phones"] = "\n".join(phone_national(phone.number) for phone in place.phones)
    return values


def changes_from(
    place: Place | None, sent: dict[str, list[str]]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The form's values as typed, the place's fields from them, and what is wrong (`place`:
    the stored one, None for a new place)."""

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
        values["wheelchair"] = place.wheelchair if place is not None else "unknown"
    changes = {name: values[name] for name in (*TEXTS, *NOTES, "wheelchair")}
    changes["phones"], _ = phones_from(place, values["phones"], errors)
    return values, changes, errors


def territory_from(
    sent: dict[str, list[str]], territories: list[Any], values: dict[str, Any], errors: dict
) -> str | None:
    """The section or neighbourhood chosen for a new place (None: found from its address, as
    the API does); one without the postal code typed is said in `errors`."""
    chosen = (sent.get("territory_id") or [""])[-1].strip()
    values["territory_id"] = chosen
    if not chosen:
        return None
    found = next((t for t in territories if t["id"] == chosen), None)
    if found is None:
        errors["territory_id"] = NOT_A_TERRITORY
    elif "postal_code" not in errors and values["postal_code"] not in found["postal_codes"]:
        errors["territory_id"] = TERRITORY_ELSEWHERE
    return chosen


class WorkspacePlacesController(Controller):
    """The page to add a place, and the edit page of a place."""

    path = "/workspace/places"
    tags = ["workspace"]
    include_in_schema = False
    dependencies = MEMBERS_ONLY

    @get("/new", operation_id="newPlacePage")
    async def new_page(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Member
    ) -> Response[Any]:
        """The form, for the organisation chosen (asked first when one edits several); a
        service named (`service_id`, from its edit page) is ticked to be held there."""
        chosen = await organisation_chosen(
            conn,
            identity,
            request.query_params.get("organisation_id"),
            template="place_new.html",
            refusal=NOT_AN_EDITOR,
        )
        if not isinstance(chosen, dict):
            return chosen
        values: dict[str, Any] = {name: "" for name in (*TEXTS, *NOTES, "phones")}
        values.update(
            wheelchair="unknown",
            territory_id="",
            services=[request.query_params.get("service_id", "")],
        )
        return page("place_new.html", await _new_context(conn, chosen, values, {}))

    @post("/new", operation_id="addPlaceFromWorkspace")
    async def add(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Member
    ) -> Response[Any]:
        """Add the place, and hold the services ticked there; errors come back next to their
        field, nothing written."""
        sent = await read_form_lists(request)
        chosen = await organisation_chosen(
            conn,
            identity,
            (sent.get("organisation_id") or [""])[-1],
            ask=False,
            refusal=NOT_AN_EDITOR,
        )
        if not isinstance(chosen, dict):
            return chosen
        values, changes, errors = changes_from(None, sent)
        context = await _new_context(conn, chosen, values, errors)
        changes["territory_id"] = territory_from(sent, context["territories"], values, errors)
        # Only the organisation's own services are held here from this page.
        offered = {str(service["id"]): service for service in context["services"]}
        values["services"] = [s for s in sent.get("services", []) if s in offered]
        if errors:
            return page("place_new.html", context, 422)
        try:
            data = msgspec.convert({**changes, "organisation_id": chosen["id"]}, PlaceIn)
            # A savepoint: the place and its services are written together, or nothing.
            async with conn.transaction():
                created = await places.create(conn, data, identity)
                for service_id in values["services"]:
                    await _hold_there(conn, identity, offered[service_id], created.id)
        except msgspec.ValidationError as error:
            context["errors"] = field_errors(decoding_errors(error), typed=values)
            return page("place_new.html", context, 422)
        except InvalidInput as error:
            context["errors"] = field_errors(error.errors, typed=values)
            return page("place_new.html", context, 422)
        return Redirect(f"/workspace/places/{created.id}/edit?created=1", status_code=303)

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
        context["created"] = request.query_params.get("created") == "1"
        context["held"] = [
            {**held, "editable": identity.can_edit(held["organisation_id"])}
            for held in await conn.fetch(Q.services_at_place, place_id)
        ]
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
    return {
        "place": place,
        "values": values,
        "errors": errors,
        "field_labels": FIELD_LABELS,
        "held": [],
    }


async def _new_context(
    conn: Conn, organisation: dict[str, Any], values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "values": values,
        "errors": errors,
        "field_labels": FIELD_LABELS,
        "territories": await conn.fetch(Q.place_territories),
        "services": await conn.fetch(Q.organisation_services, organisation["id"], SERVICES_SHOWN),
    }


async def _hold_there(conn: Conn, identity: Identity, offered: Any, place_id: UUID) -> None:
    """Hold the service at the new place too (no hours yet: they are set on its hours page),
    at the version it was read at; changed meanwhile, nothing is saved."""
    service = await services.get(conn, offered["id"])
    held = services.as_input(service)["places"] + [{"place_id": place_id}]
    try:
        await services.update(
            conn,
            service.id,
            with_changes(services.as_input(service), {"places": held}, ServiceIn),
            identity,
            offered["version"],
        )
    except VersionMismatch:
        raise PageRefused(NOTHING_SAVED, CHANGED_MEANWHILE, 409) from None


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
