"""The catalogue's API contract: organisations, places, services, themes, territories."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from schemas.common import Email, Input, LongText, Phone, ShortText, Url

OrganisationKind = Literal[
    "cpas", "commune", "association", "health", "public_body", "school", "cooperative", "other"
]
OrganisationLanguage = Literal["fr", "nl", "de", "en"]
ServiceType = Literal[
    "information",
    "accompaniment",
    "financial_aid",
    "material_aid",
    "workshop",
    "accommodation",
    "care",
    "legal_aid",
    "orientation",
]
Gender = Literal["female", "male", "x"]
Situation = Literal[
    "undocumented",
    "asylum_seeker",
    "homeless",
    "families",
    "single_parent",
    "ris_beneficiary",
    "student",
    "elderly",
    "disability",
    "victim_of_violence",
    "youth",
]
CapacityStatus = Literal["available", "limited", "full"]
ServiceStatus = Literal["active", "temporarily_closed", "inactive"]
Wheelchair = Literal["yes", "limited", "no", "unknown"]
LanguageCode = Annotated[str, Meta(pattern=r"^[a-z]{2,3}$", description="ISO 639 code, e.g. fr")]
Age = Annotated[int, Meta(ge=0, le=130)]
PostalCode = Annotated[str, Meta(pattern=r"^[1-9][0-9]{3}$", description="Belgian postal code")]
OpeningHoursText = Annotated[
    str,
    Meta(
        max_length=1000,
        description="OpenStreetMap opening_hours in Brussels time, "
        "e.g. 'Mo-Fr 09:00-12:00; PH off'",
    ),
]


class OrganisationIn(Input):
    """An organisation as written by an editor."""

    name: Annotated[str, Meta(min_length=1, max_length=300)]
    kind: OrganisationKind
    alternate_name: ShortText | None = None
    description: LongText = ""
    enterprise_number: Annotated[
        str | None, Meta(description="BCE/KBO number, e.g. 0212.345.678 (check digits verified)")
    ] = None
    website: Url | None = None
    email: Email | None = None
    phones: list[Phone] = []
    parent_id: UUID | None = None
    networks: list[Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]*$")]] = []
    language: Annotated[
        OrganisationLanguage,
        Meta(description="Language of the mails the organisation receives (de: French for now)"),
    ] = "fr"


class Organisation(OrganisationIn, kw_only=True):
    """An organisation as stored."""

    id: UUID
    version: int
    created_at: datetime
    updated_at: datetime


class PlaceIn(Input):
    """A place where services are held."""

    name: Annotated[str, Meta(min_length=1, max_length=300)]
    street: Annotated[str, Meta(min_length=1, max_length=300)]
    postal_code: PostalCode
    commune: Annotated[str, Meta(min_length=1, max_length=100)]
    organisation_id: UUID | None = None
    description: LongText = ""
    territory_id: Annotated[str | None, Meta(description="Section or quartier id")] = None
    latitude: Annotated[float, Meta(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Meta(ge=-180, le=180)] | None = None
    wheelchair: Wheelchair = "unknown"
    accessibility_notes: LongText = ""
    transport_notes: LongText = ""
    phones: list[Phone] = []


class Place(PlaceIn, kw_only=True):
    """A place as stored."""

    id: UUID
    version: int
    created_at: datetime
    updated_at: datetime


class HoursException(Input):
    """Dated exception to the regular hours: a closure, or replacement hours."""

    starts_on: date
    ends_on: date
    opening_hours: Annotated[
        OpeningHoursText | None, Meta(description="Replacement hours; null means closed")
    ] = None
    message: ShortText = ""


class ServicePlaceIn(Input):
    """The service held at a place, with its hours there."""

    place_id: UUID
    opening_hours: OpeningHoursText | None = None
    hours_note: ShortText = ""
    exceptions: list[HoursException] = []


class OpenState(msgspec.Struct, kw_only=True):
    """Whether it is open at a moment, and when that changes."""

    now: bool
    at: datetime
    next_change: datetime | None
    message: str = ""
    """The message of the exception in force: for a service temporarily closed, its dated
    closure's (why it is closed)."""
    reopens_on: date | None = None
    """For a service temporarily closed, the day it opens again after the dated closure in
    force, when one is (the status says it is closed until its editors reopen it)."""


class ServicePlace(ServicePlaceIn, kw_only=True):
    """The service at a place, as stored, with its opening state when it was read."""

    id: UUID
    place_name: str
    address: str
    open: OpenState | None


class ServiceIn(Input):
    """A service as written by an editor."""

    organisation_id: UUID
    name: Annotated[str, Meta(min_length=1, max_length=300)]
    type: ServiceType
    themes: Annotated[list[str], Meta(max_length=10)] = []
    alternate_name: ShortText | None = None
    description: LongText = ""
    age_min: Age | None = None
    age_max: Age | None = None
    genders: list[Gender] = []
    situations: list[Situation] = []
    eligibility_notes: LongText = ""
    free: Annotated[
        bool, Meta(description="Free of charge; must be false when `price` is given")
    ] = True
    price: Annotated[
        ShortText, Meta(description="What it costs (a price note): only for a service not free")
    ] = ""
    appointment_required: bool = False
    walk_in: bool = False
    unconditional: bool = False
    referral_only: bool = False
    documents: list[ShortText] = []
    languages: list[LanguageCode] = []
    how_to_access: LongText = ""
    email: Email | None = None
    website: Url | None = None
    phones: list[Phone] = []
    capacity_status: CapacityStatus = "available"
    status: ServiceStatus = "active"
    last_verified_on: date | None = None
    places: list[ServicePlaceIn] = []


class Service(ServiceIn, kw_only=True):
    """A service as stored, with its places and their hours."""

    id: UUID
    places: list[ServicePlace] = []  # type: ignore[assignment]
    capacity_updated_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class Theme(msgspec.Struct, kw_only=True):
    """A theme of the two-level taxonomy."""

    id: str
    parent_id: str | None
    position: int
    label_fr: str
    label_nl: str
    label_en: str


class Territory(msgspec.Struct, kw_only=True):
    """A commune, a section or a quartier."""

    id: str
    kind: Literal["commune", "section", "quartier"]
    name: str
    parent_id: str | None
    postal_codes: list[str]
    latitude: float | None
    longitude: float | None


class Network(msgspec.Struct, kw_only=True):
    """A network or platform organisations belong to (RSULL, PCS...)."""

    id: str
    name: str
    description: str


class Change(msgspec.Struct, kw_only=True):
    """One recorded change of a public record."""

    id: int
    entity: str
    entity_id: UUID
    action: Literal["create", "update", "delete"]
    actor: str
    at: datetime
    before: dict | None
    after: dict | None


class ServiceToVerify(msgspec.Struct, kw_only=True):
    """A service whose information was never verified, or not for too long."""

    service_id: UUID
    name: str
    last_verified_on: date | None


class OrganisationFreshness(msgspec.Struct, kw_only=True):
    """How up to date an organisation's services are, for the network's coordinators."""

    organisation_id: UUID
    name: str
    services: int
    to_verify: int
    never_verified: int
    oldest_verified_on: date | None
    editors: int
    """Admins and editors who can sign in and verify."""
    last_reminded_at: datetime | None
    may_remind_from: datetime | None
    """When a reminder may be sent again; None: now (or nothing to remind of)."""
    open_reports: int
    """Problems reported about its services and not yet handled."""
    services_to_verify: list[ServiceToVerify]


class OrganisationWithoutServices(msgspec.Struct, kw_only=True):
    """An organisation with no service in the directory yet (a new one, say): who could
    add them, for the network's coordinators."""

    organisation_id: UUID
    name: str
    admins: int
    """Admins who can sign in (and invite editors, add services)."""
    admin_invited: bool
    """An invitation as admin waits, its link still valid."""


class Freshness(msgspec.Struct, kw_only=True):
    """The network's services to verify, by organisation, most to verify first."""

    verify_before: date
    """Services last verified before this day (or never) are to verify."""
    organisations: list[OrganisationFreshness]
    """Every organisation with services."""
    organisations_without_services: list[OrganisationWithoutServices]
    """The others, by name."""


class ReminderSent(msgspec.Struct, kw_only=True):
    """A reminder mailed to an organisation's admins and editors."""

    organisation_id: UUID
    sent_at: datetime
    services: int
    recipients: int


ReportKind = Literal["closed", "hours", "place", "contact", "conditions", "other"]


class ReportIn(Input):
    """A problem someone noticed in a service's information (no sign-in needed)."""

    kind: ReportKind
    details: Annotated[str, Meta(max_length=1000)] = ""
    """What is wrong, in a few words; never personal information about anyone."""


class ReportReceived(msgspec.Struct, kw_only=True):
    """A report was recorded and the organisation told."""

    id: UUID


class Report(msgspec.Struct, kw_only=True):
    """A reported problem not yet handled."""

    id: UUID
    service_id: UUID
    service_name: str
    organisation_id: UUID
    kind: ReportKind
    details: str
    created_at: datetime
