"""Publish the catalogue as Open Referral HSDS 3.0: `service_full` objects and the lists of the
HSDS API, the inverse of `hsds_import` (export, then import elsewhere, gives the same catalogue).

Ids are the catalogue's: services, organisations, locations (places) and service_at_locations
(the service held at a place). What the catalogue has no id for (phones, addresses, attributes,
taxonomy terms, schedules…) gets a uuid5 of its owner's id and its purpose, so that exporting
twice gives the same file. Boussole's fields that HSDS lacks travel as `boussole:*` attributes
as described in `hsds_import`; hours become schedules as described in `osm_to_hsds`.
Public data only: nothing here reads accounts or referrals.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg
import msgspec

from service.catalogue.validation import format_enterprise_number
from service.db import queries
from service.hours import TZ
from service.interop.osm_to_hsds import to_schedules
from service.settings import Settings

Q = queries.load(__file__)

HSDS_VERSION = "3.0"
NAMESPACE = uuid5(NAMESPACE_URL, "https://boussole.invalid/hsds/3.0")
THEMES = "boussole:themes"
BATCH = 200

_STATUS = {"active": "active", "temporarily_closed": "temporarily closed", "inactive": "inactive"}
NETWORK = "boussole:network"
TERRITORY = "boussole:territory"
_NETWORK = "Réseau ou plateforme de coordination dont l'organisation est membre"
_TERRITORY = "Territoire (commune, section ou quartier) du lieu"
# Taxonomies of Boussole's own codes: name -> (description, {code: French label}); the terms of
# themes, networks and territories are the catalogue's rows, read when listed.
TAXONOMIES: dict[str, tuple[str, dict[str, str]]] = {
    THEMES: ("Thèmes Boussole (deux niveaux)", {}),
    NETWORK: (_NETWORK, {}),
    TERRITORY: (_TERRITORY, {}),
    "boussole:service-type": (
        "Type de service (Boussole)",
        {
            "information": "Information",
            "accompaniment": "Accompagnement",
            "financial_aid": "Aide financière",
            "material_aid": "Aide matérielle",
            "workshop": "Atelier ou activité collective",
            "accommodation": "Hébergement",
            "care": "Soins",
            "legal_aid": "Aide juridique",
            "orientation": "Orientation",
        },
    ),
    "boussole:audience": (
        "Public cible (Boussole)",
        {
            "gender:female": "Femmes",
            "gender:male": "Hommes",
            "gender:x": "Personnes non binaires",
            "situation:undocumented": "Personnes sans titre de séjour",
            "situation:asylum_seeker": "Demandeurs de protection internationale et primo-arrivants",
            "situation:homeless": "Personnes sans abri",
            "situation:families": "Familles",
            "situation:single_parent": "Familles monoparentales",
            "situation:ris_beneficiary": "Bénéficiaires du revenu d'intégration",
            "situation:student": "Étudiants",
            "situation:elderly": "Personnes âgées",
            "situation:disability": "Personnes en situation de handicap",
            "situation:victim_of_violence": "Victimes de violences",
            "situation:youth": "Jeunes",
        },
    ),
    "boussole:access": (
        "Modalité d'accès (Boussole)",
        {
            "free": "Gratuit",
            "appointment": "Sur rendez-vous",
            "walk_in": "Sans rendez-vous",
            "unconditional": "Accueil inconditionnel",
            "referral_only": "Sur orientation d'un service uniquement",
        },
    ),
    "boussole:capacity": (
        "Disponibilité déclarée par le service (Boussole)",
        {
            "available": "Places disponibles",
            "limited": "Places limitées",
            "full": "Complet / liste d'attente",
        },
    ),
    "boussole:public-holidays": (
        "Fermé les jours fériés légaux belges",
        {"closed": "Fermé les jours fériés"},
    ),
    "boussole:organisation-kind": (
        "Type d'organisation (Boussole)",
        {
            "cpas": "Centre public d'action sociale",
            "commune": "Administration communale",
            "association": "Association (ASBL)",
            "health": "Service de santé",
            "public_body": "Organisme public",
            "school": "Établissement d'enseignement",
            "cooperative": "Coopérative",
            "other": "Autre",
        },
    ),
    "boussole:language": (
        "Langue des courriels reçus par l'organisation (Boussole)",
        {"fr": "Français", "nl": "Néerlandais", "de": "Allemand", "en": "Anglais"},
    ),
    "boussole:wheelchair": (
        "Accessibilité en fauteuil roulant",
        {
            "yes": "Accessible en fauteuil roulant",
            "limited": "Accessibilité limitée",
            "no": "Non accessible en fauteuil roulant",
            "unknown": "Accessibilité inconnue",
        },
    ),
}
_LANGUAGES = {
    "fr": "français", "nl": "néerlandais", "de": "allemand", "en": "anglais", "ar": "arabe",
    "tr": "turc", "it": "italien", "es": "espagnol", "ru": "russe", "uk": "ukrainien",
    "pl": "polonais", "ro": "roumain", "pt": "portugais",
}  # fmt: skip
# Belgian provinces by postal code range (bpost), first code of each range.
_PROVINCES = [
    (1000, "Région de Bruxelles-Capitale"),
    (1300, "Brabant wallon"),
    (1500, "Brabant flamand"),
    (2000, "Anvers"),
    (3000, "Brabant flamand"),
    (3500, "Limbourg"),
    (4000, "Liège"),
    (5000, "Namur"),
    (6000, "Hainaut"),
    (6600, "Luxembourg"),
    (7000, "Hainaut"),
    (8000, "Flandre occidentale"),
    (9000, "Flandre orientale"),
]
_COMMUNE_PROVINCES = {"La Louvière": "Hainaut", "Ottignies-Louvain-la-Neuve": "Brabant wallon"}
# The fields of a service_list item (HSDS compiled/service_list.json).
_SERVICE_LIST_FIELDS = [
    "id",
    "organization_id",
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "status",
    "application_process",
    "fees_description",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "assured_date",
    "last_modified",
]
_ORGANIZATION_LIST_FIELDS = [
    "id",
    "name",
    "alternate_name",
    "description",
    "email",
    "website",
    "parent_organization_id",
]
_LOCATION_LIST_FIELDS = [
    "id",
    "location_type",
    "organization_id",
    "name",
    "description",
    "transportation",
    "latitude",
    "longitude",
]


def stable_id(owner: Any, purpose: str) -> str:
    """The id of something the catalogue does not number: uuid5 of its owner and purpose."""
    return str(uuid5(NAMESPACE, f"{owner}/{purpose}"))


def taxonomy_id(taxonomy: str) -> str:
    return stable_id("taxonomy", taxonomy)


def term_id(taxonomy: str, code: str) -> str:
    return stable_id(taxonomy, code)


def state_province(commune: str, postal_code: str) -> str | None:
    """The province of a Belgian address, from its commune or its postal code."""
    if commune in _COMMUNE_PROVINCES:
        return _COMMUNE_PROVINCES[commune]
    try:
        code = int(postal_code)
    except ValueError:
        return None
    found = None
    for first, province in _PROVINCES:
        if code >= first:
            found = province
    return found


def _utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """Without the fields that have no value: HSDS readers treat absent and empty alike."""
    return {k: v for k, v in data.items() if v is not None and v != "" and v != []}


def _term(taxonomy: str, code: str, name: str, description: str) -> dict[str, Any]:
    term = {
        "id": term_id(taxonomy, code),
        "code": code,
        "name": name,
        "description": description,
        "taxonomy": taxonomy,
    }
    if taxonomy in TAXONOMIES:
        term["taxonomy_id"] = taxonomy_id(taxonomy)
    return term


def _attribute(
    owner: Any,
    entity: str,
    term: dict[str, Any],
    value: str | None = None,
) -> dict[str, Any]:
    return _compact(
        {
            "id": stable_id(owner, f"attribute:{term['taxonomy']}:{term['code']}"),
            "link_id": str(owner),
            "link_type": entity,
            "link_entity": entity,
            "taxonomy_term_id": term["id"],
            "value": value,
            "taxonomy_term": term,
        }
    )


def _coded(owner: Any, entity: str, taxonomy: str, code: str, value: str | None = None) -> dict:
    description, labels = TAXONOMIES[taxonomy]
    return _attribute(
        owner, entity, _term(taxonomy, code, labels.get(code, code), description), value
    )


def _phones(owner: Any, owner_field: str, phones: Iterable[dict[str, Any]]) -> list[dict]:
    return [
        _compact(
            {
                "id": stable_id(owner, f"phone:{n}"),
                owner_field: str(owner),
                "number": phone["number"],
                "type": phone.get("kind") or "voice",
                "description": phone.get("label"),
            }
        )
        for n, phone in enumerate(phones)
    ]


@dataclass
class _Reference:
    """The themes, loaded once per export."""

    themes: dict[str, asyncpg.Record]

    def theme_term(self, code: str) -> dict[str, Any]:
        theme = self.themes[code]
        term = _term(THEMES, code, theme["label_fr"], "Thème Boussole")
        if theme["parent_id"]:
            term["parent_id"] = term_id(THEMES, theme["parent_id"])
        term["language"] = "fr"
        return term


class Exporter:
    """Builds HSDS objects from the catalogue, a batch of records per query."""

    def __init__(self, conn: asyncpg.Connection, today: date | None = None) -> None:
        self.conn = conn
        self.today = today or datetime.now(TZ).date()
        self._reference: _Reference | None = None

    async def reference(self) -> _Reference:
        if self._reference is None:
            rows = await self.conn.fetch(Q.all_themes)
            self._reference = _Reference({r["id"]: r for r in rows})
        return self._reference

    # ------------------------------------------------------------------ organisations

    async def organizations(self, ids: Sequence[UUID]) -> dict[UUID, dict[str, Any]]:
        """Full organisations (without their services) by id."""
        rows = await self.conn.fetch(Q.organisations_by_ids, list(ids))
        return {row["id"]: self._organization(row) for row in rows}

    def _organization(self, row: asyncpg.Record) -> dict[str, Any]:
        org_id = row["id"]
        identifiers = []
        if row["enterprise_number"]:
            identifiers.append(
                {
                    "id": stable_id(org_id, "identifier:BE-BCE_KBO"),
                    "organization_id": str(org_id),
                    "identifier_scheme": "BE-BCE_KBO",
                    "identifier_type": "enterprise_number",
                    "identifier": format_enterprise_number(row["enterprise_number"]),
                }
            )
        attributes = [
            _coded(org_id, "organization", "boussole:organisation-kind", row["kind"]),
            _coded(org_id, "organization", "boussole:language", row["language"]),
        ]
        for network in row["networks"]:
            term = _term(NETWORK, network["id"], network["name"], _NETWORK)
            attributes.append(_attribute(org_id, "organization", term))
        return _compact(
            {
                "id": str(org_id),
                "name": row["name"],
                "alternate_name": row["alternate_name"],
                "description": row["description"],
                "email": row["email"],
                "website": row["website"],
                "parent_organization_id": str(row["parent_id"]) if row["parent_id"] else None,
                "phones": _phones(org_id, "organization_id", row["phones"]),
                "organization_identifiers": identifiers,
                "attributes": attributes,
            }
        ) | {"description": row["description"]}  # required, even when empty

    # ------------------------------------------------------------------ places

    async def locations(self, ids: Sequence[UUID]) -> dict[UUID, dict[str, Any]]:
        rows = await self.conn.fetch(Q.places_by_ids, list(ids))
        return {row["id"]: self._location(row) for row in rows}

    def _location(self, row: asyncpg.Record) -> dict[str, Any]:
        place_id = row["id"]
        address = _compact(
            {
                "id": stable_id(place_id, "address:physical"),
                "location_id": str(place_id),
                "address_1": row["street"],
                "city": row["commune"],
                "region": row["section_name"],
                "state_province": state_province(row["commune"], row["postal_code"]) or "",
                "postal_code": row["postal_code"],
                "country": "BE",
                "address_type": "physical",
            }
        )
        address.setdefault("state_province", "")  # required by HSDS
        attributes = []
        if row["territory_id"]:
            term = _term(TERRITORY, row["territory_id"], row["territory_name"], _TERRITORY)
            attributes.append(_attribute(place_id, "location", term))
        if row["wheelchair"] != "unknown":
            attributes.append(
                _coded(place_id, "location", "boussole:wheelchair", row["wheelchair"])
            )
        accessibility = []
        if row["accessibility_notes"]:
            accessibility.append(
                {
                    "id": stable_id(place_id, "accessibility"),
                    "location_id": str(place_id),
                    "description": row["accessibility_notes"],
                }
            )
        return _compact(
            {
                "id": str(place_id),
                "location_type": "physical",
                "organization_id": str(row["organisation_id"]) if row["organisation_id"] else None,
                "name": row["name"],
                "description": row["description"],
                "transportation": row["transport_notes"],
                "latitude": row["latitude"],
                "longitude": row["longitude"],
                "addresses": [address],
                "accessibility": accessibility,
                "phones": _phones(place_id, "location_id", row["phones"]),
                "attributes": attributes,
            }
        )

    # ------------------------------------------------------------------ services

    async def services(self, ids: Sequence[UUID]) -> list[dict[str, Any]]:
        """Full services (`service_full`) in the order of `ids`; unknown ids are left out."""
        rows = await self.conn.fetch(Q.services_by_ids, list(ids))
        by_id = {row["id"]: row for row in rows}
        organizations = await self.organizations(list({r["organisation_id"] for r in rows}))
        place_ids = {p["place_id"] for r in rows for p in r["places"]}
        locations = await self.locations([UUID(str(p)) for p in place_ids])
        reference = await self.reference()
        return [
            self._service(by_id[i], organizations, locations, reference) for i in ids if i in by_id
        ]

    def _service(
        self,
        row: asyncpg.Record,
        organizations: dict[UUID, dict[str, Any]],
        locations: dict[UUID, dict[str, Any]],
        reference: _Reference,
    ) -> dict[str, Any]:
        service_id = row["id"]
        at_locations = []
        holidays_closed = []
        for place in row["places"]:
            at_location = self._at_location(service_id, place, locations)
            at_locations.append(at_location)
            if place["opening_hours"] is not None or place["exceptions"]:
                holidays_closed.append(
                    any(
                        a["taxonomy_term"]["taxonomy"] == "boussole:public-holidays"
                        for a in at_location.get("attributes", [])
                    )
                )
        attributes = [
            _attribute(service_id, "service", reference.theme_term(code)) for code in row["themes"]
        ]
        attributes.append(_coded(service_id, "service", "boussole:service-type", row["type"]))
        audience = [f"gender:{g}" for g in row["genders"]]
        audience += [f"situation:{s}" for s in row["situations"]]
        for code in audience:
            attributes.append(_coded(service_id, "service", "boussole:audience", code))
        for code, flag in (
            ("free", row["free"]),
            ("appointment", row["appointment_required"]),
            ("walk_in", row["walk_in"]),
            ("unconditional", row["unconditional"]),
            ("referral_only", row["referral_only"]),
        ):
            if flag:
                attributes.append(_coded(service_id, "service", "boussole:access", code))
        attributes.append(
            _coded(
                service_id,
                "service",
                "boussole:capacity",
                row["capacity_status"],
                _utc(row["capacity_updated_at"]),
            )
        )
        if holidays_closed and all(holidays_closed):
            attributes.append(_coded(service_id, "service", "boussole:public-holidays", "closed"))
        cost_options = []
        if not row["free"]:
            # The catalogue keeps no amount: an option without one says it is not free.
            cost_options.append(
                {
                    "id": stable_id(service_id, "cost:0"),
                    "service_id": str(service_id),
                    "option": row["price"] or "Payant",
                }
            )
        return _compact(
            {
                "id": str(service_id),
                "organization_id": str(row["organisation_id"]),
                "name": row["name"],
                "alternate_name": row["alternate_name"],
                "description": row["description"],
                "url": row["website"],
                "email": row["email"],
                "status": _STATUS[row["status"]],
                "application_process": row["how_to_access"],
                "fees_description": row["price"],
                "eligibility_description": row["eligibility_notes"],
                "minimum_age": row["age_min"],
                "maximum_age": row["age_max"],
                "assured_date": row["last_verified_on"].isoformat()
                if row["last_verified_on"]
                else None,
                "last_modified": _utc(row["updated_at"]),
                "phones": _phones(service_id, "service_id", row["phones"]),
                "languages": [
                    {
                        "id": stable_id(service_id, f"language:{code}"),
                        "service_id": str(service_id),
                        "name": _LANGUAGES.get(code, code),
                        "code": code,
                    }
                    for code in row["languages"]
                ],
                "required_documents": [
                    {
                        "id": stable_id(service_id, f"document:{n}"),
                        "service_id": str(service_id),
                        "document": document,
                    }
                    for n, document in enumerate(row["documents"])
                ],
                "cost_options": cost_options,
                "organization": organizations[row["organisation_id"]],
                "service_at_locations": at_locations,
                "attributes": attributes,
            }
        ) | {"service_at_locations": at_locations}  # even none: absent means "as they are"

    def _at_location(
        self, service_id: UUID, place: dict[str, Any], locations: dict[UUID, dict[str, Any]]
    ) -> dict[str, Any]:
        at_id = place["id"]
        location = locations[UUID(str(place["place_id"]))]
        converted = to_schedules(
            place["opening_hours"],
            place["exceptions"],
            today=self.today,
            new_id=lambda purpose: stable_id(at_id, purpose),
        )
        links = {
            "service_id": str(service_id),
            "location_id": location["id"],
            "service_at_location_id": str(at_id),
        }
        schedules = [{"id": s["id"], **links, **{k: v for k, v in s.items() if k != "id"}}
                     for s in converted.schedules]  # fmt: skip
        attributes = []
        if converted.public_holidays == "closed":
            attributes.append(
                _coded(at_id, "service_at_location", "boussole:public-holidays", "closed")
            )
        return _compact(
            {
                "id": str(at_id),
                "service_id": str(service_id),
                "location_id": location["id"],
                "description": place["hours_note"],
                "schedules": schedules,
                "location": location,
                "attributes": attributes,
            }
        )

    # ------------------------------------------------------------------ pages and lists

    async def service_page(
        self,
        *,
        page: int,
        per_page: int,
        search: str | None = None,
        themes: list[str] | None = None,
        organisation_id: UUID | None = None,
        modified_after: datetime | None = None,
        full: bool = False,
    ) -> dict[str, Any]:
        """One page of services, full or as service_list items."""
        row = await self.conn.fetchrow(
            Q.service_ids_page,
            search,
            themes,
            organisation_id,
            modified_after,
            per_page,
            (page - 1) * per_page,
        )
        items = await self.services(row["ids"])
        contents = items if full else [service_list_item(s) for s in items]
        return paged(contents, row["total"], page, per_page)

    async def organization_page(
        self, *, page: int, per_page: int, search: str | None, full: bool, full_service: bool
    ) -> dict[str, Any]:
        row = await self.conn.fetchrow(
            Q.organisation_ids_page, search, per_page, (page - 1) * per_page
        )
        if full or full_service:
            contents = await self.organizations_with_services(row["ids"], full_service)
        else:
            found = await self.organizations(row["ids"])
            contents = [_pick(found[i], _ORGANIZATION_LIST_FIELDS) for i in row["ids"]]
        return paged(contents, row["total"], page, per_page)

    async def organizations_with_services(
        self, ids: Sequence[UUID], full_service: bool
    ) -> list[dict[str, Any]]:
        """Organisations (compiled organization.json) with their services, full or basic."""
        found = await self.organizations(ids)
        links = await self.conn.fetch(Q.organisation_service_ids, list(ids))
        services = {s["id"]: s for s in await self.services([r["id"] for r in links])}
        by_org: dict[UUID, list[dict[str, Any]]] = {}
        for link in links:
            service = services[str(link["id"])]
            item = service if full_service else service_basic(service)
            if full_service:
                item = {k: v for k, v in item.items() if k != "organization"}
            by_org.setdefault(link["organisation_id"], []).append(item)
        return [found[i] | {"services": by_org.get(i, [])} for i in ids if i in found]

    async def service_at_locations(self, ids: Sequence[UUID], full: bool) -> list[dict]:
        """Services at locations by id: full (compiled service_at_location.json) or list items."""
        rows = await self.conn.fetch(Q.services_of_service_places, list(ids))
        service_of = {r["id"]: r["service_id"] for r in rows}
        services = {
            s["id"]: s for s in await self.services(list(dict.fromkeys(service_of.values())))
        }
        result = []
        for at_id in ids:
            if at_id not in service_of:
                continue
            service = services[str(service_of[at_id])]
            at_location = next(a for a in service["service_at_locations"] if a["id"] == str(at_id))
            if full:
                basic = _pick(service, [*_SERVICE_LIST_FIELDS, "phones"])
                result.append(at_location | {"service": basic})
            else:
                listed = _pick(at_location, ["id", "service_id", "location_id", "description"])
                listed["location"] = _pick(at_location["location"], _LOCATION_LIST_FIELDS)
                listed["service"] = service_list_item(service)
                result.append(listed)
        return result

    async def service_at_location_page(
        self,
        *,
        page: int,
        per_page: int,
        search: str | None = None,
        themes: list[str] | None = None,
        organisation_id: UUID | None = None,
        modified_after: datetime | None = None,
        postcode: str | None = None,
        full: bool = False,
    ) -> dict[str, Any]:
        row = await self.conn.fetchrow(
            Q.service_place_ids_page,
            search,
            themes,
            organisation_id,
            modified_after,
            postcode,
            per_page,
            (page - 1) * per_page,
        )
        contents = await self.service_at_locations(row["ids"], full)
        return paged(contents, row["total"], page, per_page)

    async def theme_terms(self) -> list[dict[str, Any]]:
        reference = await self.reference()
        return [reference.theme_term(code) for code in reference.themes]

    async def taxonomy_terms(self) -> list[dict[str, Any]]:
        """Every term of Boussole's taxonomies: the themes, the coded fields, the networks and
        the territories (every term an export's attributes refer to)."""
        terms = await self.theme_terms()
        for taxonomy, (description, labels) in TAXONOMIES.items():
            for code, label in labels.items():
                terms.append(_term(taxonomy, code, label, description) | {"language": "fr"})
        for taxonomy, query, description in (
            (NETWORK, Q.all_networks, _NETWORK),
            (TERRITORY, Q.all_territories, _TERRITORY),
        ):
            for row in await self.conn.fetch(query):
                terms.append(
                    _term(taxonomy, row["id"], row["name"], description) | {"language": "fr"}
                )
        return terms

    async def theme_codes(self, term: str) -> list[str] | None:
        """The theme codes a taxonomy term id (or theme code) selects, its sub-themes included."""
        reference = await self.reference()
        by_id = {term_id(THEMES, code): code for code in reference.themes}
        code = by_id.get(term, term if term in reference.themes else None)
        if code is None:
            return None
        return [c for c in reference.themes if c == code or c.startswith(code + ".")]


def taxonomies() -> list[dict[str, Any]]:
    """Boussole's taxonomies (themes and coded fields)."""
    return [
        {"id": taxonomy_id(name), "name": name, "description": description, "version": "1"}
        for name, (description, _labels) in TAXONOMIES.items()
    ]


def _pick(data: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {k: data[k] for k in fields if k in data}


def service_list_item(service: dict[str, Any]) -> dict[str, Any]:
    """A service_list item: the one-to-one fields and the organisation's own fields."""
    item = _pick(service, _SERVICE_LIST_FIELDS)
    item["organization"] = _pick(service["organization"], _ORGANIZATION_LIST_FIELDS)
    return item


def service_basic(service: dict[str, Any]) -> dict[str, Any]:
    return _pick(service, _SERVICE_LIST_FIELDS)


def paged(contents: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    """An HSDS page: total_items, total_pages, page_number, size, first/last page, empty."""
    total_pages = max(1, math.ceil(total / per_page))
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(contents),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


async def export_all(pool: asyncpg.Pool, *, today: date | None = None) -> list[dict[str, Any]]:
    """Every service of the catalogue as `service_full`, by name."""
    services: list[dict[str, Any]] = []
    async with pool.acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
        exporter = Exporter(conn, today)
        first = await conn.fetchrow(Q.service_ids_page, None, None, None, None, None, 0)
        ids = list(first["ids"])
        for start in range(0, len(ids), BATCH):
            services.extend(await exporter.services(ids[start : start + BATCH]))
    return services


_encode = msgspec.json.Encoder().encode


def write_file(services: list[dict[str, Any]], path: Path, *, ndjson: bool = False) -> None:
    """A paged body (`{"total_items": …, "contents": [...]}`) or one service per line."""
    if ndjson:
        path.write_bytes(b"".join(_encode(s) + b"\n" for s in services))
    else:
        path.write_bytes(_encode(paged(services, len(services), 1, max(1, len(services)))))


async def _export_hsds(args: argparse.Namespace, settings: Settings) -> int:
    from service.db.pool import open_database

    async with open_database(settings) as pool:
        services = await export_all(pool)
    write_file(services, Path(args.file), ndjson=args.ndjson)
    print(f"{len(services)} service(s) written to {args.file}", file=sys.stderr)
    return 0


def configure_command(parser: argparse.ArgumentParser) -> None:
    """`boussole export hsds FILE [--ndjson]`."""
    formats = parser.add_subparsers(dest="format", required=True)
    hsds = formats.add_parser("hsds", help="export every service as Open Referral HSDS 3.0")
    hsds.add_argument("file", help="where to write the services")
    hsds.add_argument(
        "--ndjson", action="store_true", help="one service per line instead of a paged body"
    )
    hsds.set_defaults(run=_export_hsds)


COMMAND = ("export data", configure_command)
