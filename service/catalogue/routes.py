"""HTTP routes of the catalogue under /api/v1."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from schemas.catalogue import (
    Change,
    Freshness,
    Network,
    Organisation,
    OrganisationIn,
    Place,
    PlaceIn,
    ReminderSent,
    Report,
    ReportIn,
    ReportReceived,
    Service,
    ServiceIn,
    Territory,
    Theme,
)
from schemas.common import Page
from service.accounts.identity import EDIT_ROLES, require
from service.catalogue import freshness, organisations, places, reports, services
from service.catalogue.records import Q, etag, merge_patch
from service.errors import InvalidInput, NotFound, decoding_error
from service.web_common import (
    Caller,
    Conn,
    IfMatch,
    Limit,
    Offset,
    expected_version,
    parse_moment,
)

MERGE_PATCH = "application/merge-patch+json"


def _with_etag(
    record: Any, status: int = 200, location: FromQuery[str | None] = None
) -> Response[Any]:
    headers = {"ETag": etag(record.version)}
    if location:
        headers["Location"] = location
    return Response(record, status_code=status, headers=headers)


def _decode(data: JSONBody[dict[str, Any]], type_: type[Any]) -> Any:
    """A merged patch decoded like a full body: same checks, same field names in errors."""
    try:
        return msgspec.convert(data, type_)
    except msgspec.ValidationError as error:
        raise InvalidInput([decoding_error(str(error))]) from None


class OrganisationController(Controller):
    path = "/api/v1/organisations"
    tags = ["catalogue"]

    @get(operation_id="listOrganisations")
    async def list_organisations(
        self,
        conn: Conn,
        limit: Limit = 50,
        offset: Offset = 0,
        q: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        network: FromQuery[str | None] = None,
        parent_id: FromQuery[UUID | None] = None,
    ) -> Page[Organisation]:
        """Organisations of the network, by name."""
        return await organisations.list_page(
            conn, limit=limit, offset=offset, q=q, kind=kind, network=network, parent_id=parent_id
        )

    @get("/{organisation_id:uuid}", operation_id="getOrganisation")
    async def get_organisation(
        self, conn: Conn, organisation_id: FromPath[UUID]
    ) -> Response[Organisation]:
        return _with_etag(await organisations.get(conn, organisation_id))

    @post(operation_id="createOrganisation")
    async def create_organisation(
        self, conn: Conn, identity: Caller, data: JSONBody[OrganisationIn]
    ) -> Response[Organisation]:
        """Add an organisation (network coordinators)."""
        created = await organisations.create(conn, data, require(identity))
        return _with_etag(created, 201, f"{self.path}/{created.id}")

    @put("/{organisation_id:uuid}", operation_id="replaceOrganisation")
    async def replace_organisation(
        self,
        conn: Conn,
        identity: Caller,
        organisation_id: FromPath[UUID],
        data: JSONBody[OrganisationIn],
        if_match: IfMatch = None,
    ) -> Response[Organisation]:
        version = expected_version(if_match)
        updated = await organisations.update(
            conn, organisation_id, data, require(identity), version
        )
        return _with_etag(updated)

    @patch("/{organisation_id:uuid}", operation_id="patchOrganisation")
    async def patch_organisation(
        self,
        conn: Conn,
        identity: Caller,
        organisation_id: FromPath[UUID],
        data: JSONBody[dict[str, Any]],
        if_match: IfMatch = None,
    ) -> Response[Organisation]:
        """Change some fields (JSON Merge Patch, RFC 7396)."""
        actor = require(identity)
        version = expected_version(if_match)
        current = organisations.as_input(await organisations.get(conn, organisation_id))
        merged = _decode(_merge(current, data), OrganisationIn)
        return _with_etag(await organisations.update(conn, organisation_id, merged, actor, version))

    @delete("/{organisation_id:uuid}", operation_id="deleteOrganisation", status_code=204)
    async def delete_organisation(
        self,
        conn: Conn,
        identity: Caller,
        organisation_id: FromPath[UUID],
        if_match: IfMatch = None,
    ) -> None:
        await organisations.delete(
            conn, organisation_id, require(identity), expected_version(if_match)
        )

    @get("/{organisation_id:uuid}/history", operation_id="organisationHistory")
    async def organisation_history(
        self,
        conn: Conn,
        identity: Caller,
        organisation_id: FromPath[UUID],
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[Change]:
        """Who changed this organisation, when, and what it was before and after."""
        require(identity)
        return await _history(conn, "organisation", organisation_id, limit, offset)


class PlaceController(Controller):
    path = "/api/v1/places"
    tags = ["catalogue"]

    @get(operation_id="listPlaces")
    async def list_places(
        self,
        conn: Conn,
        limit: Limit = 50,
        offset: Offset = 0,
        q: FromQuery[str | None] = None,
        organisation_id: FromQuery[UUID | None] = None,
        territory: FromQuery[str | None] = None,
        postal_code: FromQuery[str | None] = None,
    ) -> Page[Place]:
        return await places.list_page(
            conn,
            limit=limit,
            offset=offset,
            q=q,
            organisation_id=organisation_id,
            territory_id=territory,
            postal_code=postal_code,
        )

    @get("/{place_id:uuid}", operation_id="getPlace")
    async def get_place(self, conn: Conn, place_id: FromPath[UUID]) -> Response[Place]:
        return _with_etag(await places.get(conn, place_id))

    @post(operation_id="createPlace")
    async def create_place(
        self, conn: Conn, identity: Caller, data: JSONBody[PlaceIn]
    ) -> Response[Place]:
        created = await places.create(conn, data, require(identity))
        return _with_etag(created, 201, f"{self.path}/{created.id}")

    @put("/{place_id:uuid}", operation_id="replacePlace")
    async def replace_place(
        self,
        conn: Conn,
        identity: Caller,
        place_id: FromPath[UUID],
        data: JSONBody[PlaceIn],
        if_match: IfMatch = None,
    ) -> Response[Place]:
        version = expected_version(if_match)
        return _with_etag(await places.update(conn, place_id, data, require(identity), version))

    @patch("/{place_id:uuid}", operation_id="patchPlace")
    async def patch_place(
        self,
        conn: Conn,
        identity: Caller,
        place_id: FromPath[UUID],
        data: JSONBody[dict[str, Any]],
        if_match: IfMatch = None,
    ) -> Response[Place]:
        """Change some fields (JSON Merge Patch, RFC 7396)."""
        actor = require(identity)
        version = expected_version(if_match)
        current = places.as_input(await places.get(conn, place_id))
        merged = _decode(_merge(current, data), PlaceIn)
        return _with_etag(await places.update(conn, place_id, merged, actor, version))

    @delete("/{place_id:uuid}", operation_id="deletePlace", status_code=204)
    async def delete_place(
        self,
        conn: Conn,
        identity: Caller,
        place_id: FromPath[UUID],
        if_match: IfMatch = None,
    ) -> None:
        await places.delete(conn, place_id, require(identity), expected_version(if_match))

    @get("/{place_id:uuid}/history", operation_id="placeHistory")
    async def place_history(
        self,
        conn: Conn,
        identity: Caller,
        place_id: FromPath[UUID],
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[Change]:
        require(identity)
        return await _history(conn, "place", place_id, limit, offset)


class ServiceController(Controller):
    path = "/api/v1/services"
    tags = ["catalogue"]

    @get(operation_id="listServices")
    async def list_services(
        self,
        conn: Conn,
        limit: Limit = 50,
        offset: Offset = 0,
        q: FromQuery[str | None] = None,
        organisation_id: FromQuery[UUID | None] = None,
        theme: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        place_id: FromQuery[UUID | None] = None,
        at: Annotated[
            str | None,
            QueryParameter(description="ISO 8601 moment to evaluate opening at (default now)"),
        ] = None,
    ) -> Page[Service]:
        """Services with their places and whether each is open now (or at `at`)."""
        return await services.list_page(
            conn,
            limit=limit,
            offset=offset,
            at=parse_moment(at, "at"),
            q=q,
            organisation_id=organisation_id,
            theme=theme,
            status=status,
            place_id=place_id,
        )

    @get("/{service_id:uuid}", operation_id="getService")
    async def get_service(
        self,
        conn: Conn,
        service_id: FromPath[UUID],
        at: Annotated[
            str | None,
            QueryParameter(description="ISO 8601 moment to evaluate opening at (default now)"),
        ] = None,
    ) -> Response[Service]:
        return _with_etag(await services.get(conn, service_id, parse_moment(at, "at")))

    @post(operation_id="createService")
    async def create_service(
        self, conn: Conn, identity: Caller, data: JSONBody[ServiceIn]
    ) -> Response[Service]:
        created = await services.create(conn, data, require(identity))
        return _with_etag(created, 201, f"{self.path}/{created.id}")

    @put("/{service_id:uuid}", operation_id="replaceService")
    async def replace_service(
        self,
        conn: Conn,
        identity: Caller,
        service_id: FromPath[UUID],
        data: JSONBody[ServiceIn],
        if_match: IfMatch = None,
    ) -> Response[Service]:
        version = expected_version(if_match)
        updated = await services.update(conn, service_id, data, require(identity), version)
        return _with_etag(updated)

    @patch("/{service_id:uuid}", operation_id="patchService")
    async def patch_service(
        self,
        conn: Conn,
        identity: Caller,
        service_id: FromPath[UUID],
        data: JSONBody[dict[str, Any]],
        if_match: IfMatch = None,
    ) -> Response[Service]:
        """Change some fields (JSON Merge Patch, RFC 7396); `places` is replaced as a whole."""
        actor = require(identity)
        version = expected_version(if_match)
        current = services.as_input(await services.get(conn, service_id))
        merged = _decode(_merge(current, data), ServiceIn)
        return _with_etag(await services.update(conn, service_id, merged, actor, version))

    @delete("/{service_id:uuid}", operation_id="deleteService", status_code=204)
    async def delete_service(
        self,
        conn: Conn,
        identity: Caller,
        service_id: FromPath[UUID],
        if_match: IfMatch = None,
    ) -> None:
        await services.delete(conn, service_id, require(identity), expected_version(if_match))

    @get("/{service_id:uuid}/history", operation_id="serviceHistory")
    async def service_history(
        self,
        conn: Conn,
        identity: Caller,
        service_id: FromPath[UUID],
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[Change]:
        require(identity)
        return await _history(conn, "service", service_id, limit, offset)


class ReferenceController(Controller):
    """The shared vocabularies: themes, territories, networks."""

    path = "/api/v1"
    tags = ["reference"]

    @get("/themes", operation_id="listThemes")
    async def list_themes(self, conn: Conn) -> Page[Theme]:
        """The two-level theme taxonomy with French, Dutch and English labels."""
        rows = await conn.fetch(Q.list_themes)
        items = [msgspec.convert(dict(r), Theme) for r in rows]
        return Page(items=items, total=len(items), limit=len(items), offset=0)

    @get("/themes/{theme_id:str}", operation_id="getTheme")
    async def get_theme(self, conn: Conn, theme_id: FromPath[str]) -> Theme:
        for row in await conn.fetch(Q.list_themes):
            if row["id"] == theme_id:
                return msgspec.convert(dict(row), Theme)
        raise NotFound(f"theme {theme_id}")

    @get("/territories", operation_id="listTerritories")
    async def list_territories(self, conn: Conn) -> Page[Territory]:
        """Communes, their sections and quartiers."""
        rows = await conn.fetch(Q.list_territories)
        items = [msgspec.convert(dict(r), Territory) for r in rows]
        return Page(items=items, total=len(items), limit=len(items), offset=0)

    @get("/networks", operation_id="listNetworks")
    async def list_networks(
        self, conn: Conn, limit: Limit = 50, offset: Offset = 0
    ) -> Page[Network]:
        """Networks and platforms organisations belong to, paged as every list: an HSDS
        import adds the networks it names, so they are not a fixed vocabulary."""
        total = await conn.fetchval("SELECT count(*) FROM network")
        rows = await conn.fetch(Q.list_networks, limit, offset)
        items = [msgspec.convert(dict(r), Network) for r in rows]
        return Page(items=items, total=total, limit=limit, offset=offset)


def _merge(current: dict[str, Any], patch_body: dict[str, Any]) -> dict[str, Any]:
    merged = merge_patch(current, patch_body)
    assert isinstance(merged, dict)
    return merged


async def _history(
    conn: Conn, entity: str, entity_id: UUID, limit: int, offset: int
) -> Page[Change]:
    total = await conn.fetchval(
        "SELECT count(*) FROM change_log WHERE entity = $1 AND entity_id = $2", entity, entity_id
    )
    rows = await conn.fetch(Q.history, entity, entity_id, limit, offset)
    items = [msgspec.convert(dict(r), Change) for r in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


class FreshnessController(Controller):
    """Whether the network's information is kept up to date; for coordinators."""

    path = "/api/v1"
    tags = ["catalogue"]

    @get("/network/freshness", operation_id="networkFreshness")
    async def network_freshness(self, conn: Conn, identity: Caller) -> Freshness:
        """Services never verified, or not for six months, by organisation (most first)."""
        return await freshness.network_freshness(
            conn, require(identity), freshness.today_in_brussels(), datetime.now(UTC)
        )

    @post(
        "/organisations/{organisation_id:uuid}/verification-reminders",
        operation_id="remindToVerify",
        status_code=201,
    )
    async def remind_to_verify(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Caller,
        organisation_id: FromPath[UUID],
    ) -> ReminderSent:
        """Mail the organisation's admins and editors its services to verify (once a week)."""
        return await freshness.remind(
            conn,
            require(identity),
            organisation_id,
            today=freshness.today_in_brussels(),
            now=datetime.now(UTC),
            public_url=request.app.state.settings.public_url,
        )


class ReportController(Controller):
    """Problems people report about services' information, and their handling."""

    path = "/api/v1"
    tags = ["catalogue"]

    @post("/services/{service_id:uuid}/reports", operation_id="reportProblem", status_code=201)
    async def report_problem(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        service_id: FromPath[UUID],
        data: JSONBody[ReportIn],
    ) -> ReportReceived:
        """Report wrong information (no sign-in); mailed to the organisation's editors."""
        report_id = await reports.report(
            conn,
            service_id,
            data,
            address=request.client.host if request.client else "unknown",
            public_url=request.app.state.settings.public_url,
        )
        return ReportReceived(id=report_id)

    @get("/reports", operation_id="listReports")
    async def list_reports(self, conn: Conn, identity: Caller) -> list[Report]:
        """Open reports about the services the caller edits (coordinators: all of them)."""
        caller = require(identity)
        if caller.is_coordinator:
            return await reports.open_reports(conn, None)
        editable = [o for o, role in caller.roles.items() if role in EDIT_ROLES]
        return await reports.open_reports(conn, editable)

    @post("/reports/{report_id:uuid}/handled", operation_id="markReportHandled", status_code=204)
    async def mark_handled(self, conn: Conn, identity: Caller, report_id: FromPath[UUID]) -> None:
        """The service was checked: the report leaves the list (editors of its organisation)."""
        await reports.mark_handled(conn, require(identity), report_id)


CONTROLLERS = [
    ReportController,
    OrganisationController,
    PlaceController,
    ServiceController,
    ReferenceController,
    FreshnessController,
]
