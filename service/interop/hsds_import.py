"""Import Open Referral HSDS 3.0 services with their organisation, locations and schedules.

The file is a paged body (`{"contents": [...]}`), a JSON array, or NDJSON, each item a
`service_full`. HSDS ids are kept, so importing the same file again updates instead of
duplicating. All or nothing by default: every record is checked first, and if one is
invalid nothing is written and every invalid record is reported with its reason.

Fields HSDS lacks travel as `attributes` whose taxonomy term's `taxonomy` is one of
`boussole:themes`, `boussole:service-type`, `boussole:audience`, `boussole:access`,
`boussole:capacity`, `boussole:organisation-kind`, `boussole:network`, `boussole:territory`,
`boussole:wheelchair`, `boussole:public-holidays` and `boussole:language` (of the mails an
organisation receives), the value in the term's `code`.
Files from elsewhere import without them: themes are then matched by code or label.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from schemas.catalogue import OrganisationIn, PlaceIn, ServiceIn, ServicePlaceIn
from service.catalogue import organisations, places, services
from service.catalogue.records import SystemActor
from service.catalogue.validation import (
    enterprise_number_error,
    format_enterprise_number,
    normalise_enterprise_number,
    phone_e164,
)
from service.errors import ProblemError
from service.hours import TZ
from service.interop.hsds_export import TAXONOMIES
from service.interop.hsds_schedules import ScheduleError, convert
from service.interop.hsds_shapes import shape_error

ACTOR = SystemActor("import")
ONE_IMPORT_AT_A_TIME = "SELECT pg_advisory_xact_lock(1752392819, 0)"
"""Held by an import until it commits (the first key is 'hsds' in ASCII)."""

_decode_json = msgspec.json.Decoder().decode

_SERVICE_STATUS = {
    "active": "active",
    "temporarily closed": "temporarily_closed",
    "inactive": "inactive",
    "defunct": "inactive",
}
_LANGUAGE_NAMES = {
    "francais": "fr", "french": "fr", "frans": "fr",
    "nederlands": "nl", "dutch": "nl", "neerlandais": "nl", "flemish": "nl",
    "english": "en", "anglais": "en", "engels": "en",
    "deutsch": "de", "german": "de", "allemand": "de", "duits": "de",
    "arabe": "ar", "arabic": "ar", "turc": "tr", "turkish": "tr", "italien": "it",
    "italian": "it", "espagnol": "es", "spanish": "es", "russe": "ru", "russian": "ru",
    "ukrainien": "uk", "ukrainian": "uk", "polonais": "pl", "polish": "pl",
    "roumain": "ro", "romanian": "ro", "portugais": "pt", "portuguese": "pt",
}  # fmt: skip


class RecordError(Exception):
    """A record that cannot be imported, with every reason found."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class Plan:
    """What one HSDS service record becomes in the catalogue."""

    record_id: str
    organisation: tuple[UUID, OrganisationIn]
    places: list[tuple[UUID, PlaceIn]]
    service: tuple[UUID, ServiceIn]
    capacity_set_at: datetime | None
    networks: dict[str, str]
    keep_places: bool = False  # no `service_at_locations`: the places stay as they are


@dataclass
class ImportReport:
    """What an import did, or would have done, and why records were refused."""

    records: int = 0
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    invalid: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: bool = False

    def ok(self, *, skip_invalid: bool = False) -> bool:
        return self.written and (skip_invalid or not self.invalid)

    def summary(self) -> str:
        lines = [f"{self.records} service record(s) read"]
        for entity in ("organisation", "place", "service"):
            lines.append(
                f"  {entity}s: {self.created[entity]} created, {self.updated[entity]} updated, "
                f"{self.unchanged[entity]} unchanged"
            )
        if self.invalid:
            lines.append(f"{len(self.invalid)} invalid record(s):")
            lines.extend(f"  {record_id}: {reason}" for record_id, reason in self.invalid)
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning(s):")
            lines.extend(f"  {warning}" for warning in self.warnings)
        lines.append("written" if self.written else "nothing was written")
        return "\n".join(lines)


def read_records(path: Path) -> list[dict[str, Any]]:
    """The service records of a file: a paged body, a JSON array, NDJSON, or one service."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RecordError(
            [
                f"the file is not UTF-8 (byte {error.start}); JSON is UTF-8: convert it first, "
                "e.g. iconv -f latin1 -t utf-8"
            ]
        ) from None
    text = raw.lstrip()
    if text.startswith(b"{"):
        try:
            data = _decode_json(raw)
        except msgspec.DecodeError:
            data = None  # several objects: NDJSON
        if isinstance(data, dict):
            contents = data.get("contents")
            if isinstance(contents, list):
                return contents
            if "id" in data and "name" in data:
                return [data]  # a single service
            raise RecordError(["the JSON object is neither a page of services nor a service"])
    if text.startswith(b"["):
        data = _decode_json(raw)
        return list(data)
    records = []
    for number, line in enumerate(raw.splitlines(), start=1):
        if line.strip():
            try:
                records.append(_decode_json(line))
            except msgspec.DecodeError as error:
                raise RecordError([f"line {number} is not JSON ({error})"]) from None
    return records


def _fold(text: str) -> str:
    """Lower case without accents or punctuation, to compare labels."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


def _attributes(item: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """Attribute codes (and values) by taxonomy name."""
    found: dict[str, list[tuple[str, Any]]] = {}
    for attribute in item.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {}
        taxonomy = term.get("taxonomy") or (term.get("taxonomy_detail") or {}).get("name") or ""
        code = term.get("code") or term.get("name")
        if code:
            found.setdefault(str(taxonomy), []).append((str(code), attribute.get("value")))
    return found


def _unknown_codes(item: dict[str, Any], owner: str) -> list[str]:
    """Codes of Boussole's coded taxonomies that are not among their codes."""
    reasons = []
    for taxonomy, values in _attributes(item).items():
        codes = TAXONOMIES.get(taxonomy, ("", {}))[1]
        for code, _ in values:
            if codes and code not in codes:
                reasons.append(f"{owner}attributes: {code!r} is not a code of {taxonomy}")
    return reasons


def _one(attrs: dict[str, list[tuple[str, Any]]], taxonomy: str) -> str | None:
    values = attrs.get(taxonomy) or []
    return values[0][0] if values else None


def _text(value: Any) -> str:
    # Not cut to the catalogue's length: a longer text is refused with its field, not shortened.
    return str(value).strip() if value else ""


_URL = re.compile(r"https?://\S+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Translator:
    """Turns HSDS records into catalogue records, knowing the themes and territories."""

    def __init__(
        self,
        theme_labels: dict[str, list[str]],
        territories: list[asyncpg.Record],
        today: date,
    ) -> None:
        self.theme_ids = set(theme_labels)
        self.theme_by_label: dict[str, str] = {}
        for theme_id, labels in theme_labels.items():
            for label in [theme_id, *labels]:
                self.theme_by_label.setdefault(_fold(label), theme_id)
        self.territories = {t["id"]: t for t in territories}
        self.today = today
        self.warnings: list[str] = []

    def _warn(self, record_id: str, message: str) -> None:
        self.warnings.append(f"{record_id}: {message}")

    def _url(self, record_id: str, what: str, value: Any) -> str | None:
        text = str(value or "").strip()
        if text and not _URL.fullmatch(text):
            self._warn(record_id, f"{what} {text[:100]!r} is not an http(s) address; left empty")
        return text if _URL.fullmatch(text) else None

    def _email(self, record_id: str, what: str, value: Any) -> str | None:
        text = str(value or "").strip()
        if text and not _EMAIL.fullmatch(text):
            self._warn(record_id, f"{what} {text[:100]!r} is not an e-mail address; left empty")
        return text if _EMAIL.fullmatch(text) else None

    def _age(self, record_id: str, what: str, value: Any) -> int | None:
        if value is None or value == "":
            return None
        age = float(value)  # the shape check let only numbers from 0 to 130 through
        if not age.is_integer():
            self._warn(record_id, f"{what} {value} is not in whole years; {int(age)} kept")
        return int(age)

    def _phones(self, record_id: str, items: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
        phones = []
        for item in items:
            number = phone_e164(item.get("number"))
            if number is None:
                self._warn(record_id, f"phone {item.get('number')!r} skipped (not a number)")
                continue
            kind = str(item.get("type") or "voice").lower()
            phones.append(
                {
                    "number": number,
                    "kind": kind
                    if kind in {"voice", "mobile", "fax", "text", "helpline"}
                    else "voice",
                    "label": _text(item.get("description")),
                }
            )
        return phones

    def organisation(
        self, record_id: str, data: dict[str, Any], networks: dict[str, str]
    ) -> tuple[UUID, dict[str, Any]]:
        attrs = _attributes(data)
        kind = _one(attrs, "boussole:organisation-kind")
        if kind is None:
            kind = "cpas" if _fold(data.get("name", "")).startswith("cpas") else "other"
        number = None
        for identifier in data.get("organization_identifiers") or []:
            scheme = _fold(str(identifier.get("identifier_scheme") or ""))
            if (
                "bce" in scheme
                or "kbo" in scheme
                or "enterprise" in _fold(str(identifier.get("identifier_type") or ""))
            ):
                number = str(identifier.get("identifier") or "")
        if number:
            problem = enterprise_number_error(number)
            if problem:
                raise RecordError([f"organisation {data.get('id')}: enterprise number {problem}"])
            number = format_enterprise_number(normalise_enterprise_number(number))
        for code, _value in attrs.get("boussole:network", []):
            networks[code] = next(
                (
                    (a.get("taxonomy_term") or {}).get("name") or code
                    for a in data.get("attributes") or []
                    if (a.get("taxonomy_term") or {}).get("code") == code
                ),
                code,
            )
        return UUID(str(data["id"])), {
            "name": _text(data.get("name")),
            "kind": kind,
            "alternate_name": _text(data.get("alternate_name")) or None,
            "description": _text(data.get("description")),
            "enterprise_number": number,
            "website": self._url(
                record_id, "organization.website", data.get("website") or data.get("url")
            ),
            "email": self._email(record_id, "organization.email", data.get("email")),
            "phones": self._phones(record_id, data.get("phones") or []),
            "parent_id": data.get("parent_organization_id"),
            "networks": sorted({code for code, _ in attrs.get("boussole:network", [])}),
            "language": _one(attrs, "boussole:language") or "fr",
        }

    def _territory(self, attrs: dict[str, list[tuple[str, Any]]], address: dict[str, Any]) -> str:
        territory = _one(attrs, "boussole:territory")
        if territory is not None:
            if territory not in self.territories:
                raise RecordError([f"unknown territory {territory}"])
            return territory
        # Match the section (region) or commune (city) by name and postal code.
        postal = str(address.get("postal_code") or "")
        names = {_fold(str(address.get(k) or "")) for k in ("region", "city")} - {""}
        candidates = [
            t for t in self.territories.values()
            if _fold(t["name"]) in names and (not postal or postal in t["postal_codes"]
                                              or t["kind"] == "commune")
        ]  # fmt: skip
        candidates.sort(key=lambda t: {"quartier": 0, "section": 1, "commune": 2}[t["kind"]])
        return candidates[0]["id"] if candidates else ""

    def _commune_of(self, territory_id: str) -> str | None:
        territory = self.territories.get(territory_id)
        while territory is not None and territory["kind"] != "commune":
            territory = self.territories.get(territory["parent_id"])
        return territory["name"] if territory is not None else None

    def place(
        self, record_id: str, location: dict[str, Any], organisation_id: UUID
    ) -> tuple[UUID, dict[str, Any]] | None:
        addresses = [
            a for a in location.get("addresses") or [] if a.get("address_type") != "postal"
        ] or list(location.get("addresses") or [])
        if not addresses:
            if str(location.get("location_type") or "").lower() != "virtual":
                raise RecordError(
                    [f"location {location.get('id')}: addresses: none, and a place needs one"]
                )
            self._warn(record_id, f"location {location.get('id')} is virtual: not a place")
            return None
        address = addresses[0]
        attrs = _attributes(location)
        territory_id = self._territory(attrs, address)
        postal = str(address.get("postal_code") or "").strip()
        if str(address.get("country") or "BE").upper() not in {"BE", "BEL", "BELGIUM", "BELGIQUE"}:
            raise RecordError([f"location {location.get('id')}: address is not in Belgium"])
        access_notes = "; ".join(
            str(a.get("description") or a.get("details") or "")
            for a in location.get("accessibility") or []
            if a.get("description") or a.get("details")
        )
        street = ", ".join(
            str(address[k]).strip() for k in ("address_1", "address_2") if address.get(k)
        )
        return UUID(str(location["id"])), {
            "organisation_id": str(location.get("organization_id") or organisation_id),
            "name": _text(location.get("name") or street),
            "description": _text(location.get("description")),
            "street": street[:300],
            "postal_code": postal,
            "commune": self._commune_of(territory_id) or _text(address.get("city")),
            "territory_id": territory_id or None,
            "latitude": location.get("latitude"),
            "longitude": location.get("longitude"),
            "wheelchair": _one(attrs, "boussole:wheelchair") or "unknown",
            "accessibility_notes": access_notes[:10_000],
            "transport_notes": _text(location.get("transportation")),
            "phones": self._phones(record_id, location.get("phones") or []),
        }

    def _themes(self, record_id: str, attrs: dict[str, list[tuple[str, Any]]]) -> list[str]:
        themes: list[str] = []
        for code, _ in attrs.get("boussole:themes", []):
            if code not in self.theme_ids:
                raise RecordError([f"unknown theme {code}"])
            themes.append(code)
        for taxonomy, values in attrs.items():
            if taxonomy.startswith("boussole:"):
                continue
            for code, _ in values:
                theme = self.theme_by_label.get(_fold(code))
                if theme is not None:
                    themes.append(theme)
        return sorted(set(themes))[:10]

    def _languages(self, record_id: str, items: Iterable[dict[str, Any]]) -> list[str]:
        codes = []
        for item in items:
            code = str(item.get("code") or "").lower().strip()
            if not re.fullmatch(r"[a-z]{2,3}", code):
                code = _LANGUAGE_NAMES.get(_fold(str(item.get("name") or "")), "")
            if code:
                codes.append(code)
            else:
                self._warn(record_id, f"language {item.get('name')!r} not recognised")
        return list(dict.fromkeys(codes))

    def plan(self, record: dict[str, Any]) -> Plan:
        """The catalogue records of one HSDS service, or RecordError with every reason."""
        record_id = str(record.get("id") or "?")
        reasons: list[str] = []
        try:
            UUID(record_id)
        except ValueError:
            raise RecordError(["the service has no valid id"]) from None
        problem = shape_error(record)
        if problem is not None:
            raise RecordError([problem])
        org_data = record.get("organization")
        if not isinstance(org_data, dict) or not org_data.get("id"):
            raise RecordError(["the service has no embedded organization with an id"])
        reasons.extend(_unknown_codes(record, ""))
        reasons.extend(_unknown_codes(org_data, "organization."))
        networks: dict[str, str] = {}
        try:
            org_id, organisation = self.organisation(record_id, org_data, networks)
        except RecordError as error:
            reasons.extend(error.reasons)
            org_id, organisation = UUID(int=0), {}

        attrs = _attributes(record)
        access = {code for code, _ in attrs.get("boussole:access", [])}
        audience = [code for code, _ in attrs.get("boussole:audience", [])]
        capacities = attrs.get("boussole:capacity") or []
        capacity: tuple[str | None, Any] = capacities[0] if capacities else (None, None)
        costs = [c for c in record.get("cost_options") or [] if _costs_something(c)]
        price = _text(record.get("fees_description") or record.get("fees"))
        if says_only_free(price):
            price = ""  # "Gratuit.": what the flag says, not a price
        elif price and "free" in access:
            self._warn(
                record_id,
                f"fees_description {price[:100]!r} says what the service costs: imported as not "
                "free, with that price, despite the attribute boussole:access free",
            )
        holidays = None
        place_plans: list[tuple[UUID, dict[str, Any]]] = []
        service_places: list[dict[str, Any]] = []
        try:
            themes = self._themes(record_id, attrs)
        except RecordError as error:
            reasons.extend(error.reasons)
            themes = []

        for n, at_location in enumerate(record.get("service_at_locations") or []):
            reasons.extend(_unknown_codes(at_location, f"service_at_locations[{n}]."))
            reasons.extend(
                _unknown_codes(
                    at_location.get("location") or {}, f"service_at_locations[{n}].location."
                )
            )
            location = at_location.get("location")
            if not isinstance(location, dict) or not location.get("id"):
                reasons.append(f"service_at_location {at_location.get('id')}: no location")
                continue
            try:
                planned = self.place(record_id, location, org_id)
            except RecordError as error:
                reasons.extend(error.reasons)
                continue
            if planned is None:
                continue
            place_plans.append(planned)
            holidays = _one(_attributes(at_location), "boussole:public-holidays") or _one(
                attrs, "boussole:public-holidays"
            )
            schedules = at_location.get("schedules") or []
            if not schedules:
                # Schedules given for the service as a whole apply at each of its places.
                schedules = record.get("schedules") or []
            try:
                hours = convert(schedules, today=self.today, public_holidays=holidays)
            except ScheduleError as error:
                reasons.append(str(error))
                continue
            if hours.ignored:
                self._warn(
                    record_id,
                    f"service {record.get('name')!r} at location {location['id']}: schedule(s) "
                    f"{', '.join(hours.ignored)} give no times, no period and no OpenStreetMap "
                    "expression; their hours are not imported",
                )
            service_places.append(
                {
                    "place_id": str(planned[0]),
                    "opening_hours": hours.opening_hours,
                    "hours_note": _text(at_location.get("description")),
                    "exceptions": hours.exceptions,
                }
            )

        service = {
            "organisation_id": str(org_id),
            "name": _text(record.get("name")),
            "type": _one(attrs, "boussole:service-type") or "information",
            "themes": themes,
            "alternate_name": _text(record.get("alternate_name")) or None,
            "description": _text(record.get("description")),
            "age_min": self._age(record_id, "minimum_age", record.get("minimum_age")),
            "age_max": self._age(record_id, "maximum_age", record.get("maximum_age")),
            "genders": [a.split(":", 1)[1] for a in audience if a.startswith("gender:")],
            "situations": [a.split(":", 1)[1] for a in audience if a.startswith("situation:")],
            "eligibility_notes": _text(record.get("eligibility_description")),
            # A price note says what the service costs: it is not free, whatever else says so.
            "free": not price and ("free" in access or not costs),
            "price": price,
            "appointment_required": "appointment" in access,
            "walk_in": "walk_in" in access,
            "unconditional": "unconditional" in access,
            "referral_only": "referral_only" in access,
            "documents": [
                _text(d.get("document"))
                for d in record.get("required_documents") or []
                if d.get("document")
            ],
            "languages": self._languages(record_id, record.get("languages") or []),
            "how_to_access": _text(record.get("application_process")),
            "email": self._email(record_id, "email", record.get("email")),
            "website": self._url(record_id, "url", record.get("url")),
            "phones": self._phones(record_id, record.get("phones") or []),
            "capacity_status": capacity[0] or "available",
            "status": _SERVICE_STATUS.get(str(record.get("status") or "active").lower(), ""),
            "last_verified_on": _date(record.get("assured_date")),
            "places": service_places,
        }
        if service["status"] == "":
            reasons.append(f"status {record.get('status')!r} is not an HSDS status")

        decoded_org = _convert(organisation, OrganisationIn, "organization", reasons)
        decoded_places = [
            (place_id, _convert(data, PlaceIn, f"location {place_id}", reasons))
            for place_id, data in place_plans
        ]
        decoded_service = _convert(service, ServiceIn, "service", reasons)
        if reasons:
            raise RecordError(reasons)
        assert decoded_org is not None and decoded_service is not None
        return Plan(
            record_id=record_id,
            organisation=(org_id, decoded_org),
            places=[(pid, p) for pid, p in decoded_places if p is not None],
            service=(UUID(record_id), decoded_service),
            capacity_set_at=_datetime(capacity[1]),
            networks=networks,
            keep_places=record.get("service_at_locations") is None,
        )


def _convert(data: dict[str, Any], type_: type[Any], what: str, reasons: list[str]) -> Any:
    if not data:
        return None
    try:
        return msgspec.convert(data, type_)
    except msgspec.ValidationError as error:
        message, _, path = str(error).partition(" - at `$")
        where = path.rstrip("`").lstrip(".")
        reasons.append(f"{what}: {where + ' ' if where else ''}{message[0].lower()}{message[1:]}")
        return None


_ONLY_FREE = frozenset(
    {
        "gratuit",
        "gratuite",
        "gratuits",
        "gratuites",
        "gratis",
        "free",
        "free of charge",
        "kosteloos",
        "sans frais",
    }
)
"""Price notes that only say the service is free (case, accents and punctuation aside);
migration 028 knows the same words."""


def says_only_free(note: str) -> bool:
    """Whether a price note says nothing but "free" ('Gratuit.', 'gratis'): no price."""
    letters = "".join(
        c for c in unicodedata.normalize("NFKD", note) if not unicodedata.combining(c)
    )
    return re.sub(r"[\W_]+", " ", letters.lower()).strip() in _ONLY_FREE


def _costs_something(option: dict[str, Any]) -> bool:
    """A cost option with a positive amount, or with none: it still says it is not free."""
    amount = option.get("amount")
    if amount is None or amount == "":
        return True
    try:
        return float(amount) > 0
    except (TypeError, ValueError):
        return True


def _date(value: Any) -> str | None:
    text = str(value or "")[:10]
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


async def _translator(conn: asyncpg.Connection, today: date) -> Translator:
    themes = {
        r["id"]: [r["label_fr"], r["label_nl"], r["label_en"]]
        for r in await conn.fetch("SELECT id, label_fr, label_nl, label_en FROM theme")
    }
    territories = await conn.fetch("SELECT id, kind, name, parent_id, postal_codes FROM territory")
    return Translator(themes, list(territories), today)


def _parents_first(items: dict[UUID, OrganisationIn]) -> list[UUID]:
    """Organisation ids ordered so that a parent in the file is written before its children."""
    ordered: list[UUID] = []
    seen: set[UUID] = set()

    def visit(org_id: UUID, path: set[UUID]) -> None:
        if org_id in seen or org_id in path:
            return
        parent = items[org_id].parent_id
        if parent in items:
            visit(parent, path | {org_id})
        seen.add(org_id)
        ordered.append(org_id)

    for org_id in items:
        visit(org_id, set())
    return ordered


class _Writer:
    """Creates or updates catalogue records, counting what changed."""

    def __init__(self, conn: asyncpg.Connection, report: ImportReport) -> None:
        self.conn = conn
        self.report = report

    async def organisation(self, org_id: UUID, data: OrganisationIn) -> None:
        exists = await self.conn.fetchval("SELECT true FROM organisation WHERE id = $1", org_id)
        if not exists:
            await organisations.create(self.conn, data, ACTOR, id=org_id)
            self.report.created["organisation"] += 1
            return
        current = organisations.as_input(await organisations.get(self.conn, org_id))
        if current == msgspec.to_builtins(data):
            self.report.unchanged["organisation"] += 1
            return
        await organisations.update(self.conn, org_id, data, ACTOR, None)
        self.report.updated["organisation"] += 1

    async def place(self, place_id: UUID, data: PlaceIn) -> None:
        exists = await self.conn.fetchval("SELECT true FROM place WHERE id = $1", place_id)
        if not exists:
            await places.create(self.conn, data, ACTOR, id=place_id)
            self.report.created["place"] += 1
            return
        current = places.as_input(await places.get(self.conn, place_id))
        if current == msgspec.to_builtins(data):
            self.report.unchanged["place"] += 1
            return
        await places.update(self.conn, place_id, data, ACTOR, None)
        self.report.updated["place"] += 1

    async def service(
        self, service_id: UUID, data: ServiceIn, capacity_at: Any, keep_places: bool
    ) -> None:
        exists = await self.conn.fetchval("SELECT true FROM service WHERE id = $1", service_id)
        if not exists:
            await services.create(
                self.conn, data, ACTOR, id=service_id, capacity_set_at=capacity_at
            )
            self.report.created["service"] += 1
            return
        current = services.as_input(await services.get(self.conn, service_id))
        if keep_places:
            kept = msgspec.convert(current["places"], list[ServicePlaceIn])
            data = msgspec.structs.replace(data, places=kept)
        if current == msgspec.to_builtins(data):
            self.report.unchanged["service"] += 1
            return
        await services.update(self.conn, service_id, data, ACTOR, None, capacity_set_at=capacity_at)
        self.report.updated["service"] += 1


Progress = Callable[[int, int], None]


def _bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


async def import_records(
    pool: asyncpg.Pool,
    records: list[dict[str, Any]],
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportReport:
    """Check every record, then write the valid ones in one transaction (all, or none).

    Imports run one at a time (`ONE_IMPORT_AT_A_TIME`), checks included: the same file
    imported twice at once gives what one after the other gives (the second finds what the
    first wrote), not records refused as duplicates of rows the first had not committed.
    """
    report = ImportReport(records=len(records))
    today = today or datetime.now(TZ).date()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(ONE_IMPORT_AT_A_TIME)
        translator = await _translator(conn, today)
        plans: list[Plan] = []
        seen_ids: set[str] = set()
        for record in records:
            record_id = str(record.get("id") or "?") if isinstance(record, dict) else "?"
            if not isinstance(record, dict):
                report.invalid.append((record_id, "the record is not a JSON object"))
                continue
            if record_id in seen_ids:
                report.invalid.append((record_id, "the service appears twice in the file"))
                continue
            seen_ids.add(record_id)
            try:
                plans.append(translator.plan(record))
            except RecordError as error:
                report.invalid.append((record_id, "; ".join(error.reasons)))
        report.warnings.extend(translator.warnings)
        _check_references(plans, report, await _existing_organisations(conn, plans))
        if report.invalid and not skip_invalid:
            return report
        invalid_ids = {record_id for record_id, _ in report.invalid}
        plans = [p for p in plans if p.record_id not in invalid_ids]
        try:
            async with conn.transaction():  # a savepoint: undone whole when a record fails
                await _write(conn, plans, report, skip_invalid, progress)
                if report.invalid and not skip_invalid:
                    raise _Rollback
        except _Rollback:
            report.written = False
    return report


class _Rollback(Exception):
    """Raised inside the transaction to undo every write of an all-or-nothing import."""


async def _existing_organisations(conn: asyncpg.Connection, plans: list[Plan]) -> set[UUID]:
    wanted = {p.organisation[1].parent_id for p in plans if p.organisation[1].parent_id}
    rows = await conn.fetch("SELECT id FROM organisation WHERE id = ANY($1::uuid[])", wanted)
    return {r["id"] for r in rows}


def _check_references(plans: list[Plan], report: ImportReport, existing: set[UUID]) -> None:
    """Parents outside the file and the database are dropped with a warning."""
    in_file = {p.organisation[0] for p in plans}
    for plan in plans:
        org_id, data = plan.organisation
        parent = data.parent_id
        if parent is not None and parent not in in_file and parent not in existing:
            report.warnings.append(
                f"{plan.record_id}: parent organisation {parent} of {org_id} is unknown; dropped"
            )
            plan.organisation = (org_id, msgspec.structs.replace(data, parent_id=None))


async def _write(
    conn: asyncpg.Connection,
    plans: list[Plan],
    report: ImportReport,
    skip_invalid: bool,
    progress: Progress | None,
) -> None:
    writer = _Writer(conn, report)
    networks: dict[str, str] = {}
    for plan in plans:
        networks.update(plan.networks)
    for code, name in sorted(networks.items()):
        await conn.execute(
            "INSERT INTO network (id, name) VALUES ($1, $2) "
            "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name",
            code,
            name,
        )
    orgs: dict[UUID, OrganisationIn] = {}
    owners: dict[UUID, list[str]] = {}
    for plan in plans:
        orgs.setdefault(plan.organisation[0], plan.organisation[1])
        owners.setdefault(plan.organisation[0], []).append(plan.record_id)
    failed: set[str] = set()

    async def attempt(record_ids: list[str], step: Callable[[], Awaitable[None]]) -> None:
        if failed.issuperset(record_ids):
            return
        try:
            async with conn.transaction():  # a savepoint: one failure does not spoil the rest
                await step()
        except (ProblemError, asyncpg.PostgresError) as error:
            reason = getattr(error, "detail", None) or str(error)
            for record_id in record_ids:
                if record_id not in failed:
                    failed.add(record_id)
                    report.invalid.append((record_id, reason))

    for org_id in _parents_first(orgs):
        await attempt(owners[org_id], partial(writer.organisation, org_id, orgs[org_id]))
    done_places: set[UUID] = set()
    total = len(plans)
    for number, plan in enumerate(plans, start=1):
        for place_id, place in plan.places:
            if place_id not in done_places:
                done_places.add(place_id)
                await attempt([plan.record_id], partial(writer.place, place_id, place))
        service_id, service = plan.service
        await attempt(
            [plan.record_id],
            partial(writer.service, service_id, service, plan.capacity_set_at, plan.keep_places),
        )
        if progress is not None:
            progress(number, total)
    report.written = not failed or skip_invalid


async def import_file(
    pool: asyncpg.Pool, path: Path, *, skip_invalid: bool = False, progress: bool = False
) -> ImportReport:
    """Import an HSDS file; see the module docstring for the rules."""
    try:
        records = read_records(path)
    except (RecordError, msgspec.DecodeError, OSError) as error:
        report = ImportReport()
        report.invalid.append((str(path), str(error)))
        return report
    if not records:
        report = ImportReport()
        report.invalid.append((str(path), "the file holds no service record"))
        return report
    return await import_records(
        pool, records, skip_invalid=skip_invalid, progress=_bar if progress else None
    )
