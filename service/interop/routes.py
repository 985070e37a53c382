"""The Open Referral HSDS 3.0 API under /hsds: public, read only, no personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery

from service.errors import NotFound, invalid
from service.interop.hsds_export import HSDS_VERSION, Exporter, paged, taxonomies
from service.web_common import Conn, iso_moment

PROFILE = "https://docs.openreferral.org/en/latest/hsds/"
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
"""Beyond any catalogue: past it, the offset would not fit the database's integers."""


def _paging(page: int, per_page: int) -> tuple[int, int]:
    if not 1 <= page <= MAX_PAGE:
        raise invalid("page", f"must be between 1 and {MAX_PAGE}")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise invalid("per_page", f"must be between 1 and {MAX_PER_PAGE}")
    return page, per_page


def _uuid(value: str | None, field: str) -> UUID | None:
    if value is None or value == "":
        return None
    try:
        return UUID(value)
    except ValueError:
        raise invalid(field, "must be a UUID") from None


def _moment(value: str | None, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    return iso_moment(value, field, "2026-11-23T10:00:00Z")


def _id_or_404(value: str, what: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(f"{what} {value}") from None


async def _themes(exporter: Exporter, term: str | None) -> list[str] | None:
    if term is None or term == "":
        return None
    codes = await exporter.theme_codes(term)
    if codes is None:
        raise invalid("taxonomy_term_id", "is not a term of the boussole:themes taxonomy")
    return codes


class HsdsController(Controller):
    path = "/hsds"
    tags = ["hsds"]

    @get("/", operation_id="hsdsMeta")
    async def meta(self, request: Request) -> dict[str, Any]:
        """Which HSDS version and profile this API follows, and where its OpenAPI is."""
        return {
            "version": HSDS_VERSION,
            "profile": PROFILE,
            "openapi_url": str(request.base_url).rstrip("/") + "/schema/openapi.json",
        }

    @get("/services", operation_id="hsdsListServices")
    async def list_services(
        self,
        conn: Conn,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 50,
        search: FromQuery[str | None] = None,
        taxonomy_term_id: FromQuery[str | None] = None,
        organization_id: FromQuery[str | None] = None,
        modified_after: FromQuery[str | None] = None,
        full_service: FromQuery[bool] = False,
        full: FromQuery[bool] = False,
    ) -> dict[str, Any]:
        """Services by name: one-to-one fields, or full services with `full_service=true`."""
        page, per_page = _paging(page, per_page)
        exporter = Exporter(conn)
        return await exporter.service_page(
            page=page,
            per_page=per_page,
            search=search or None,
            themes=await _themes(exporter, taxonomy_term_id),
            organisation_id=_uuid(organization_id, "organization_id"),
            modified_after=_moment(modified_after, "modified_after"),
            full=full_service or full,
        )

    @get("/services/{service_id:str}", operation_id="hsdsGetService")
    async def get_service(self, conn: Conn, service_id: FromPath[str]) -> dict[str, Any]:
        """A full service with its organisation, locations and schedules."""
        found = await Exporter(conn).services([_id_or_404(service_id, "service")])
        if not found:
            raise NotFound(f"service {service_id}")
        return found[0]

    @get("/organizations", operation_id="hsdsListOrganizations")
    async def list_organizations(
        self,
        conn: Conn,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 50,
        search: FromQuery[str | None] = None,
        full: FromQuery[bool] = False,
        full_service: FromQuery[bool] = False,
    ) -> dict[str, Any]:
        """Organisations by name; `full=true` nests their services, `full_service=true` fully."""
        page, per_page = _paging(page, per_page)
        return await Exporter(conn).organization_page(
            page=page,
            per_page=per_page,
            search=search or None,
            full=full,
            full_service=full_service,
        )

    @get("/organizations/{organization_id:str}", operation_id="hsdsGetOrganization")
    async def get_organization(
        self, conn: Conn, organization_id: FromPath[str], full_service: FromQuery[bool] = False
    ) -> dict[str, Any]:
        """An organisation with its services (their own fields, or full with full_service)."""
        org_id = _id_or_404(organization_id, "organization")
        found = await Exporter(conn).organizations_with_services([org_id], full_service)
        if not found:
            raise NotFound(f"organization {organization_id}")
        return found[0]

    @get("/service_at_locations", operation_id="hsdsListServiceAtLocations")
    async def list_service_at_locations(
        self,
        conn: Conn,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 50,
        search: FromQuery[str | None] = None,
        taxonomy_term_id: FromQuery[str | None] = None,
        organization_id: FromQuery[str | None] = None,
        modified_after: FromQuery[str | None] = None,
        postcode: FromQuery[str | None] = None,
        full: FromQuery[bool] = False,
    ) -> dict[str, Any]:
        """Each service at each of its places."""
        page, per_page = _paging(page, per_page)
        exporter = Exporter(conn)
        return await exporter.service_at_location_page(
            page=page,
            per_page=per_page,
            search=search or None,
            themes=await _themes(exporter, taxonomy_term_id),
            organisation_id=_uuid(organization_id, "organization_id"),
            modified_after=_moment(modified_after, "modified_after"),
            postcode=postcode or None,
            full=full,
        )

    @get("/service_at_locations/{at_location_id:str}", operation_id="hsdsGetServiceAtLocation")
    async def get_service_at_location(
        self, conn: Conn, at_location_id: FromPath[str]
    ) -> dict[str, Any]:
        """A service at a place, with its schedules, its location and the service."""
        at_id = _id_or_404(at_location_id, "service_at_location")
        found = await Exporter(conn).service_at_locations([at_id], full=True)
        if not found:
            raise NotFound(f"service_at_location {at_location_id}")
        return found[0]

    @get("/taxonomies", operation_id="hsdsListTaxonomies", sync_to_thread=False)
    def list_taxonomies(
        self, page: FromQuery[int] = 1, per_page: FromQuery[int] = 50
    ) -> dict[str, Any]:
        """Boussole's taxonomies: the themes and the codes of its own fields."""
        page, per_page = _paging(page, per_page)
        items = taxonomies()
        start = (page - 1) * per_page
        return paged(items[start : start + per_page], len(items), page, per_page)

    @get("/taxonomies/{taxonomy_id:str}", operation_id="hsdsGetTaxonomy", sync_to_thread=False)
    def get_taxonomy(self, taxonomy_id: FromPath[str]) -> dict[str, Any]:
        for taxonomy in taxonomies():
            if taxonomy["id"] == taxonomy_id:
                return taxonomy
        raise NotFound(f"taxonomy {taxonomy_id}")

    @get("/taxonomy_terms", operation_id="hsdsListTaxonomyTerms")
    async def list_taxonomy_terms(
        self,
        conn: Conn,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 50,
        search: FromQuery[str | None] = None,
        taxonomy_id: FromQuery[str | None] = None,
        parent_id: FromQuery[str | None] = None,
        top_only: FromQuery[bool] = False,
    ) -> dict[str, Any]:
        """Terms in French (`language` fr): the themes with their parents, then the codes."""
        page, per_page = _paging(page, per_page)
        terms = await Exporter(conn).taxonomy_terms()
        if taxonomy_id:
            terms = [t for t in terms if t.get("taxonomy_id") == taxonomy_id]
        if parent_id:
            terms = [t for t in terms if t.get("parent_id") == parent_id]
        if top_only:
            terms = [t for t in terms if "parent_id" not in t]
        if search:
            needle = search.casefold()
            terms = [t for t in terms if needle in f"{t['name']} {t['code']}".casefold()]
        start = (page - 1) * per_page
        return paged(terms[start : start + per_page], len(terms), page, per_page)

    @get("/taxonomy_terms/{term_id:str}", operation_id="hsdsGetTaxonomyTerm")
    async def get_taxonomy_term(self, conn: Conn, term_id: FromPath[str]) -> dict[str, Any]:
        for term in await Exporter(conn).taxonomy_terms():
            if term["id"] == term_id:
                return term
        raise NotFound(f"taxonomy_term {term_id}")


CONTROLLERS = [HsdsController]
