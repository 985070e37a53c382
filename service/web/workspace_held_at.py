"""Where a service is held, as its organisation's editors keep it right: also held at one of
the organisation's places that does not hold it yet, or no longer held at one (after a
confirmation, as the hours there go with it).

Every change goes through `services.update`, as the API's: the same rules, checks, version
(a form read before someone else's change saves nothing), change history and search outbox.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from schemas.catalogue import Service, ServiceIn, ServicePlace
from service.accounts.identity import Identity
from service.catalogue import services
from service.catalogue.records import VersionMismatch
from service.catalogue.stored import with_changes
from service.db.queries import load
from service.errors import InvalidInput
from service.i18n import N_
from service.web.workspace_common import (
    CHANGED_MEANWHILE,
    MEMBERS_ONLY,
    NOTHING_SAVED,
    Member,
    PageRefused,
    editable_service,
    field_errors,
    form_version,
    page,
    read_form_lists,
)
from service.web_common import Conn

Q = load(__file__)
CHOOSE_A_PLACE = N_("Choose one of the organisation's places that does not hold it yet.")
NOT_HELD_THERE = N_("This service is not held at this place.")
FIELD_LABELS = {"place_id": N_("Also held at")}


class WorkspaceHeldAtController(Controller):
    """The places of a service: hold it at another of its organisation's places, or stop."""

    path = "/workspace/services"
    tags = ["workspace"]
    include_in_schema = False
    dependencies = MEMBERS_ONLY

    @get("/{service_id:uuid}/places", operation_id="servicePlacesPage")
    async def places_page(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        service_id: FromPath[UUID],
    ) -> Response[Any]:
        """The places holding the service, and those of its organisation that could."""
        service = await editable_service(conn, identity, service_id)
        context = await _context(conn, service)
        added = request.query_params.get("added", "")
        context["added"] = next((p for p in service.places if str(p.place_id) == added), None)
        context["removed"] = request.query_params.get("removed") == "1"
        return page("service_places.html", context)

    @post("/{service_id:uuid}/places", operation_id="holdServiceAtPlaceFromWorkspace")
    async def hold_there(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        service_id: FromPath[UUID],
    ) -> Response[Any]:
        """Hold the service at the place chosen too, without hours yet (set on its hours
        page, linked from the page it comes back to)."""
        service = await editable_service(conn, identity, service_id)
        sent = await read_form_lists(request)
        chosen = (sent.get("place_id") or [""])[-1]
        context = await _context(conn, service)
        offered = {str(place["id"]) for place in context["offered"]}
        version = form_version((sent.get("version") or [""])[-1])
        if chosen not in offered:
            if version != service.version:
                # Held there by someone else meanwhile, or the place removed: said as stale.
                raise PageRefused(NOTHING_SAVED, CHANGED_MEANWHILE, 409)
            context["errors"] = {"place_id": CHOOSE_A_PLACE}
            return page("service_places.html", context, 422)
        held = services.as_input(service)["places"] + [{"place_id": UUID(chosen)}]
        try:
            await _save_places(conn, identity, service, held, version)
        except InvalidInput as error:
            # The place removed at the same moment is said by its field; what else the API
            # finds wrong in the saved service, in the list above the form.
            rename = {f"places[{len(held) - 1}].place_id": "place_id"}
            context["errors"] = field_errors(error.errors, rename)
            return page("service_places.html", context, 422)
        return Redirect(f"/workspace/services/{service_id}/places?added={chosen}", status_code=303)

    @get(
        "/{service_id:uuid}/places/{place_id:uuid}/remove",
        operation_id="stopHoldingServiceConfirmPage",
    )
    async def confirm_page(
        self, conn: Conn, identity: Member, service_id: FromPath[UUID], place_id: FromPath[UUID]
    ) -> Response[Any]:
        """Asks first: the service's hours at the place go with it."""
        service = await editable_service(conn, identity, service_id)
        place = _held_at(service, place_id)
        if place is None:
            raise PageRefused(N_("Page not found"), NOT_HELD_THERE, 404)
        return page("service_place_remove.html", {"service": service, "place": place})

    @post(
        "/{service_id:uuid}/places/{place_id:uuid}/remove",
        operation_id="stopHoldingServiceFromWorkspace",
    )
    async def stop_holding(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        service_id: FromPath[UUID],
        place_id: FromPath[UUID],
    ) -> Response[Any]:
        """No longer held at the place; its other places and their hours are kept."""
        service = await editable_service(conn, identity, service_id)
        sent = await read_form_lists(request)
        version = form_version((sent.get("version") or [""])[-1])
        if _held_at(service, place_id) is None:
            if version != service.version:
                raise PageRefused(NOTHING_SAVED, CHANGED_MEANWHILE, 409)
            raise PageRefused(N_("Page not found"), NOT_HELD_THERE, 404)
        kept = [
            p for p in services.as_input(service)["places"] if str(p["place_id"]) != str(place_id)
        ]
        await _save_places(conn, identity, service, kept, version)
        return Redirect(f"/workspace/services/{service_id}/places?removed=1", status_code=303)


def _held_at(service: Service, place_id: UUID) -> ServicePlace | None:
    return next((p for p in service.places if p.place_id == place_id), None)


async def _save_places(
    conn: Conn,
    identity: Identity,
    service: Service,
    held: list[dict[str, Any]],
    version: int | None,
) -> None:
    """The service's places replaced by `held`, at the version the form was read at; changed
    meanwhile, nothing is saved."""
    try:
        await services.update(
            conn,
            service.id,
            with_changes(services.as_input(service), {"places": held}, ServiceIn),
            identity,
            version,
        )
    except VersionMismatch:
        raise PageRefused(NOTHING_SAVED, CHANGED_MEANWHILE, 409) from None


async def _context(conn: Conn, service: Service) -> dict[str, Any]:
    return {
        "service": service,
        "offered": await conn.fetch(Q.places_not_holding, service.organisation_id, service.id),
        "errors": {},
        "field_labels": FIELD_LABELS,
        "added": None,
        "removed": False,
    }


CONTROLLERS = [WorkspaceHeldAtController]
