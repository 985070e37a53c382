"""The search contract: the indexed document, the query, and the answer of GET /api/v1/search."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import msgspec


class GeoPoint(msgspec.Struct, frozen=True):
    """A WGS84 point, in the shape Meilisearch expects for `_geo`."""

    lat: float
    lng: float


class ExceptionDoc(msgspec.Struct, frozen=True, kw_only=True):
    """A dated exception to the hours, as carried by a document (ISO dates)."""

    starts_on: str
    ends_on: str
    opening_hours: str | None = None
    message: str = ""


class SearchDocument(msgspec.Struct, kw_only=True):
    """One service at one place, as indexed. Public catalogue data only: never a person's."""

    id: str
    """The service_place id; the service id for a service held nowhere in particular."""
    service_id: str
    location_id: str | None
    name: str
    alternate_name: str = ""
    description: str = ""
    organisation: str
    organisation_alternate_name: str = ""
    organisation_id: str
    themes: list[str]
    """Theme ids with their ancestors: filtering on `food` finds `food.food-parcels` too."""
    theme_labels: list[str]
    """Theme labels in French and Dutch, searchable."""
    type: str
    age_min: int = 0
    age_max: int = 130
    genders: list[str]
    """Who may come; every gender when the service does not restrict it."""
    situations: list[str]
    open_to_all: bool
    """True when the service is not restricted to some situations."""
    eligibility: str = ""
    conditions: str = ""
    free: bool = True
    walk_in: bool = False
    unconditional: bool = False
    appointment_required: bool = False
    referral_only: bool = False
    languages: list[str] = []
    commune: str | None = None
    """Commune id (territory), e.g. `la-louviere`."""
    commune_name: str = ""
    section: str | None = None
    """Section id, e.g. `la-louviere.haine-saint-paul`."""
    territories: list[str] = []
    """Ids of every territory the place lies in (commune, section, quartier)."""
    territory_names: list[str] = []
    place_name: str = ""
    address: str = ""
    postal_code: str = ""
    geo: GeoPoint | None = msgspec.field(default=None, name="_geo")
    wheelchair: str = "unknown"
    capacity_status: str = "available"
    status: str = "active"
    opening_hours: str | None = None
    exceptions: list[ExceptionDoc] = []
    hours_note: str = ""
    phone: str | None = None
    """The number to call first: the service's, else its place's, else its organisation's."""
    content_language: str = "fr"
    """The language the organisation writes its entries in (its `language`)."""
    has_hours: bool = False
    open_slots: list[int] = []
    """Hours of the week (0 = Monday 00h, Brussels time) when it may be open between
    `slots_from` and `slots_until`: a coarse pre-filter; exact evaluation comes after."""
    slots_from: int = 0
    slots_until: int = 0
    """Unix seconds bounding the window `open_slots` were computed on."""
    refresh_at: int | None = None
    """Unix seconds when the document must be rebuilt (a date its hours depend on)."""
    last_verified_on: str | None = None
    updated_at: int = 0


class SearchFilters(msgspec.Struct, kw_only=True):
    """Filters of a search, engine-neutral; the engines translate them."""

    themes: list[str] = []
    types: list[str] = []
    communes: list[str] = []
    """Territory ids (any of them), as `service.search.territories` resolves what was typed."""
    sections: list[str] = []
    """Territory ids (any of them); with `communes`, a document must be in one of each."""
    age: int | None = None
    gender: str | None = None
    situation: str | None = None
    free: bool | None = None
    walk_in: bool | None = None
    unconditional: bool | None = None
    languages: list[str] = []
    """Any of these languages spoken."""
    wheelchair: bool | None = None
    open_at: datetime | None = None
    """When set, only services that may be open then (coarse: the caller checks exactly)."""
    open_until: datetime | None = None
    """With `open_at`: services that may be open at some moment from `open_at` until this
    one (excluded), such as a whole day; as coarse as `open_at`."""
    lat: float | None = None
    lon: float | None = None
    radius_km: float | None = None


# The answer cache keeps thousands of answers: their structs (OpenInfo, SearchItem,
# SearchAnswer) hold only strings, numbers, lists and dicts of them, never a cycle, so the
# collector need not track them (its young passes took half as long under the benchmark).


class OpenInfo(msgspec.Struct, kw_only=True, gc=False):
    """Whether the service is open at the moment asked, and when that changes."""

    now: bool
    at: datetime
    next_change: datetime | None
    message: str = ""
    """The message of the exception in force: for a service temporarily closed, its dated
    closure's (why it is closed)."""
    intervals: list[tuple[datetime, datetime]] | None = None
    """With `open_on`: when it is open that day, each stretch [opens, closes) clipped to the
    day (a night shelter: from midnight to 08:00, and from 20:00 to the next midnight)."""
    reopens_on: date | None = None
    """For a service temporarily closed, the day it opens again after the dated closure in
    force, when one is."""


class SearchItem(msgspec.Struct, kw_only=True, gc=False):
    """One result: a service at a place."""

    service_id: str
    location_id: str | None
    name: str
    organisation: str
    organisation_id: str
    themes: list[str]
    type: str
    description: str
    address: str
    place_name: str
    commune: str | None
    section: str | None
    distance_km: float | None
    open: OpenInfo | None
    """None when the hours are unknown."""
    hours_note: str
    status: str
    capacity_status: str
    wheelchair: str
    free: bool
    walk_in: bool
    languages: list[str]
    last_verified_on: str | None
    highlight: dict[str, str]
    """Matched words wrapped in <mark>; the rest is HTML-escaped."""
    phone: str | None = None
    """The number to call first (the service's, else its place's, else its organisation's)."""
    content_language: str = "fr"
    """The language of the name and description, as the organisation writes them."""


class SearchAnswer(msgspec.Struct, kw_only=True, gc=False):
    """The answer of GET /api/v1/search."""

    items: list[SearchItem]
    total: int
    total_exact: bool
    """False when the total is an estimate: an open-at filter had too many candidates to
    check them all, or a radius held more matches than are counted one by one (500, on the
    PostgreSQL engine)."""
    limit: int
    offset: int
    facets: dict[str, dict[str, int]]
    facets_exact: bool = True
    """False when the facets are estimates, as the total (`total_exact`)."""
    engine: Literal["meilisearch", "postgres"]
    all_words: bool = True
    """False when no service had every word of `q` and the items have some of them (the
    page says so); true for one word, no words, and whenever every word was found."""
    free_from_words: bool = False
    """True when `q` asked for free services in words ("avocat gratuit", "gratis", "free")
    and `free` was not given: those words were taken as `free=true` and not searched."""


class Suggestion(msgspec.Struct, kw_only=True):
    """Something to search for."""

    text: str
    kind: Literal["theme", "word", "service", "organisation"]
    theme: str | None = None
    """The theme's id, for a theme (`theme=` of the search)."""


class Suggestions(msgspec.Struct, kw_only=True):
    """The answer of GET /api/v1/search/suggestions."""

    suggestions: list[Suggestion]
