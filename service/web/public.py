"""Public pages, no sign-in: search (the same code path as /api/v1/search), a service, an
organisation, the themes. For citizens at a guichet and for social workers."""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlencode
from uuid import UUID

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import CacheControlHeader, State
from litestar.params import FromPath
from litestar.response import Template
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from schemas.catalogue import Service
from schemas.search import SearchAnswer, SearchItem
from search.postgres import corrections
from search.text import meaningful_words, without_free_words
from service.catalogue import organisations, places, services
from service.catalogue.records import Q as CATALOGUE
from service.catalogue.services import hours_of
from service.catalogue.validation import phone_national
from service.db.queries import load
from service.errors import InvalidInput, NotFound
from service.hours import TZ, YEARS, local
from service.i18n import N_, SPOKEN_LANGUAGES, language_of
from service.referrals.slip import usual_hours
from service.search.routes import NO_FILTERS, answer_search, day_span, filters_from
from service.web.templating import SITUATIONS
from service.web_common import Caller, Conn

Q = load(__file__)

PAGE_SIZE = 20
DAYS_SHOWN = 7
CHECKBOXES = ("open_now", "walk_in", "free", "wheelchair")

LEFT_OUT = {
    "theme": N_("The theme asked for is not one of the directory's themes; it was left out."),
    "language": N_("The language asked for is not one of the list; it was left out."),
    "situation": N_("The situation asked for is not one of the list; it was left out."),
    "age": N_("The age was not understood (a number of years, up to 130); it was left out."),
    "open_on": N_(
        "The day was not understood (a date from 2000 to 2099); the day and time were left out."
    ),
    "open_time": N_("The time was not understood (e.g. 20:00); the day and time were left out."),
}
"""What the search page says of a field it left out, not understood, by the field's name."""
SOME_LEFT_OUT = N_("Some search fields were not understood; they were left out.")


def not_found_page(status: int = 404) -> Template:
    """The page for an id that does not exist (the API answers a problem instead)."""
    return Template(template_name="public/not_found.html", status_code=status)


async def themes_tree(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Top-level themes, each with its sub-themes under `children`, in taxonomy order."""
    rows = [dict(r) for r in await conn.fetch(CATALOGUE.list_themes)]
    tops = [dict(r, children=[]) for r in rows if r["parent_id"] is None]
    by_id = {t["id"]: t for t in tops}
    for row in rows:
        if row["parent_id"] in by_id:
            by_id[row["parent_id"]]["children"].append(row)
    return tops


async def areas(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Communes, each with its sections, for the "where" select."""
    rows = [dict(r) for r in await conn.fetch(CATALOGUE.list_territories)]
    communes = [dict(r, sections=[]) for r in rows if r["kind"] == "commune"]
    by_id = {c["id"]: c for c in communes}
    for row in rows:
        if row["kind"] == "section" and row["parent_id"] in by_id:
            by_id[row["parent_id"]]["sections"].append(row)
    return communes


@dataclass
class SearchForm:
    """What the search form sent, kept as typed so the form shows it again."""

    q: str = ""
    theme: str = ""
    area: str = ""
    language: str = ""
    lat: str = ""
    lon: str = ""
    open_on: str = ""
    open_time: str = ""
    age: str = ""
    situation: str = ""
    page: int = 1
    checked: set[str] = field(default_factory=set)
    position_unread: bool = field(default=False, compare=False)
    """A position was sent that is not one (`lat=95`, `lat=abc`, a lone `lon`): left out."""

    @classmethod
    def from_query(cls, request: Request[Any, Any, Any]) -> SearchForm:
        params = request.query_params
        try:
            page = max(1, min(500, int(params.get("page") or 1)))
        except ValueError:
            page = 1
        lat, lon = str(params.get("lat") or ""), str(params.get("lon") or "")
        # A position not understood is said once and dropped, so that the form and the links
        # to other pages do not carry it on.
        unread = bool(lat or lon) and _position(lat, lon) is None
        return cls(
            q=str(params.get("q") or "").strip()[:200],
            theme=str(params.get("theme") or ""),
            area=str(params.get("area") or ""),
            language=str(params.get("language") or ""),
            lat="" if unread else lat,
            lon="" if unread else lon,
            open_on=str(params.get("open_on") or "").strip()[:10],
            open_time=str(params.get("open_time") or "").strip()[:5],
            age=str(params.get("age") or "").strip()[:3],
            situation=str(params.get("situation") or ""),
            page=page,
            checked={name for name in CHECKBOXES if params.get(name) in ("1", "on", "true")},
            position_unread=unread,
        )

    def position(self) -> tuple[float, float] | None:
        """Where to sort the results from, when a position was sent."""
        return _position(self.lat, self.lon)

    @property
    def asked(self) -> bool:
        """Whether the person searched (else the home page shows only the form)."""
        return bool(
            self.q
            or self.theme
            or self.area
            or self.language
            or self.checked
            or self.open_on
            or self.open_time
            or self.age
            or self.situation
        )

    def active(self, left_out: Collection[str] = ()) -> int:
        """How many filters narrow the search (a day and a time count once); those left out,
        not understood, narrow nothing."""
        chosen = {
            "theme": self.theme,
            "area": self.area,
            "language": self.language,
            "age": self.age,
            "situation": self.situation,
        }
        moment = (self.open_on or self.open_time) and not {"open_on", "open_time"} & {*left_out}
        return (
            sum(1 for name, value in chosen.items() if value and name not in left_out)
            + len(self.checked)
            + (1 if moment else 0)
        )

    def left_out(self, fields: list[str]) -> list[str]:
        """What to say of the fields left out, once each."""
        said: list[str] = []
        for name in fields:
            if name == "area":  # said with the name typed (`unknown_area`)
                continue
            message = LEFT_OUT.get(name, SOME_LEFT_OUT)
            if message not in said:
                said.append(message)
        return said

    def person(self) -> tuple[int | None, str | None, list[str]]:
        """The person's age and situation, to keep only services open to them; the fields
        not understood, to leave out."""
        wrong = []
        age = None
        if self.age:
            # isdecimal, not isdigit: "²" is a digit that int() refuses.
            if self.age.isdecimal() and int(self.age) <= 130:
                age = int(self.age)
            else:
                wrong.append("age")
        situation = self.situation if self.situation in SITUATIONS else None
        if self.situation and situation is None:
            wrong.append("situation")
        return age, situation, wrong

    def opening(self, now: datetime) -> tuple[datetime | None, date | None, list[str]]:
        """When services must be open, from "open on this day at this time": a moment (the
        day defaults to today in Brussels), or a day without a time (open at some moment of
        it); the fields not understood, to leave out."""
        if not (self.open_on or self.open_time):
            return None, None, []
        try:
            day = date.fromisoformat(self.open_on) if self.open_on else local(now).date()
        except ValueError:
            return None, None, ["open_on"]
        if not YEARS[0] <= day.year <= YEARS[1]:
            return None, None, ["open_on"]
        if not self.open_time:
            return None, day, []
        try:
            at = time.fromisoformat(self.open_time)
        except ValueError:
            return None, None, ["open_time"]
        # Through UTC and back: a wall time that a DST change skips becomes a real moment.
        wall = datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=TZ)
        return wall.astimezone(UTC).astimezone(TZ), None, []

    def without_filters(self) -> SearchForm:
        """The same need (words and theme) and place to sort from, every other filter off."""
        return SearchForm(q=self.q, theme=self.theme, lat=self.lat, lon=self.lon)

    def narrowed(self, name: str, value: str) -> SearchForm:
        """This search with a theme, an area or a language chosen, from its first page."""
        chosen = replace(self, page=1)
        setattr(chosen, name, value)
        return chosen

    def query_string(self, page: int) -> str:
        """This search's URL parameters, at another page."""
        params: list[tuple[str, str]] = [
            (name, value)
            for name, value in (
                ("q", self.q),
                ("theme", self.theme),
                ("area", self.area),
                ("language", self.language),
                ("lat", self.lat),
                ("lon", self.lon),
                ("open_on", self.open_on),
                ("open_time", self.open_time),
                ("age", self.age),
                ("situation", self.situation),
            )
            if value
        ]
        params += [(name, "1") for name in CHECKBOXES if name in self.checked]
        if page > 1:
            params.append(("page", str(page)))
        return urlencode(params)


@dataclass(frozen=True)
class AreaNotUnderstood:
    """An area typed (a hand-written `?area=`) that the search left out, and the names of
    the places it is part of when it is part of several (none when it names no place)."""

    typed: str
    names: list[str] = field(default_factory=list)


AREA_NAMES_SAID = 6
"""How many of the places an ambiguous area may mean the page names."""


async def understood_area(
    state: State, form: SearchForm
) -> tuple[SearchForm, AreaNotUnderstood | None]:
    """The form with its area as the id of the territory it names, as the API's `commune`
    and `section` understand it ("La Louvière", "7100": the select shows it chosen, links
    carry the id), or as the one place whose name it is part of ("louviere", "LOUV"); an area
    that names none, or is part of several names ("haine"), taken out, and given back to say
    so."""
    if not form.area:
        return form, None
    territories = await state.search.territories(state.pool)
    named = form.area
    area = territories.area(named)
    if area is None:
        names = territories.names_with_words(named)
        if len(names) == 1:
            named = names[0]
            area = territories.area(named)
        if area is None:
            return replace(form, area=""), AreaNotUnderstood(form.area, names)
    _, ids = area
    return replace(form, area=ids[0] if len(ids) == 1 else named), None


def understood_free(form: SearchForm) -> tuple[SearchForm, bool]:
    """The form with the words that ask for free services ("avocat gratuit", "gratis") taken
    as its Free box, ticked, and whether they were: the form then shows them so, and
    unticking the box is heard (the API takes them so too: `free_from_words`)."""
    if "free" in form.checked or (rest := without_free_words(form.q)) is None:
        return form, False
    return replace(form, q=rest, checked={*form.checked, "free"}), True


def _position(lat: str, lon: str) -> tuple[float, float] | None:
    """A latitude and a longitude that make a point on Earth, else None."""
    try:
        point = float(lat), float(lon)
    except ValueError:
        return None
    if not all(math.isfinite(c) for c in point):
        return None
    return point if -90 <= point[0] <= 90 and -180 <= point[1] <= 180 else None


def still_open(day: date, now: datetime) -> tuple[datetime, datetime]:
    """The moments of a day asked without a time: all of it, or what is left of today (at the
    guichet, "today" means somewhere one can still go)."""
    start, end = day_span(day)
    return (now, end) if start <= now < end else (start, end)


async def run_search(
    state: State, form: SearchForm, known_themes: set[str], now: datetime
) -> tuple[SearchAnswer | None, list[str]]:
    """Search as /api/v1/search does; wrong fields become messages instead of a 422 (a day or
    time not understood is left out, the rest is searched)."""
    moment, day, wrong = form.opening(now)
    age, situation, wrong_person = form.person()
    wrong += wrong_person
    span = None if day is None else still_open(day, now)
    at = moment or (span[0] if span else now)
    wants_open = moment is not None or span is not None or "open_now" in form.checked
    places = await state.search.territories(state.pool)
    commune = section = None
    area = places.area(form.area) if form.area else None
    if area is not None:
        parameter, ids = area
        commune, section = (ids, None) if parameter == "commune" else (None, ids)
    elif form.area:
        wrong.append("area")
    lat, lon = form.position() or (None, None)
    theme = [form.theme] if form.theme in known_themes else None
    language = form.language if form.language in SPOKEN_LANGUAGES else None
    if form.theme and theme is None:
        wrong.append("theme")
    if form.language and language is None:
        wrong.append("language")
    try:
        filters = filters_from(
            theme=theme,
            type_=None,
            commune=commune,
            section=section,
            age=age,
            gender=None,
            situation=situation,
            free=True if "free" in form.checked else None,
            walk_in=True if "walk_in" in form.checked else None,
            unconditional=None,
            language=[language] if language else None,
            wheelchair=True if "wheelchair" in form.checked else None,
            open_at=at if wants_open else None,
            lat=lat,
            lon=lon,
            radius_km=None,
            territories=places,
            open_until=span[1] if span else None,
        )
        answer = await answer_search(
            state,
            form.q,
            filters,
            at=at,
            wants_open=wants_open,
            limit=PAGE_SIZE,
            offset=(form.page - 1) * PAGE_SIZE,
        )
    except InvalidInput as error:
        return None, [e.field for e in error.errors]
    return answer, wrong


async def _without_filters(
    state: State,
    form: SearchForm,
    answer: SearchAnswer | None,
    known_themes: set[str],
    now: datetime,
) -> tuple[SearchForm, int] | None:
    """When filters left nothing, or only services with some of the words, the same need
    without them and how many it finds: the page then offers those instead of a dead end
    ("dokter zonder papieren", open now at night: the two services that have every word are
    closed, and the open ones have only some of the words)."""
    if answer is None or (answer.total and answer.all_words) or not (form.q or form.theme):
        return None
    relaxed = form.without_filters()
    if relaxed == form:
        return None
    found, _ = await run_search(state, relaxed, known_themes, now)
    if found is None or not found.total or (answer.total and not found.all_words):
        return None
    return relaxed, found.total


REFINE_LINKS = 5
"""How many ways to narrow the results a line offers, those that keep the most first."""


@dataclass
class RefineLink:
    """A way to narrow the results: the search with one more filter, and what it keeps."""

    query: str
    label: Any
    """A theme (labelled in the page's language), or a text."""
    count: int | None
    """How many results it keeps; None when the engine counted only the best matches."""
    lang: str | None = None


@dataclass
class Refinement:
    """One line of ways to narrow the results: by theme, by place or by language."""

    title: str
    links: list[RefineLink]


def refinements(
    form: SearchForm,
    answer: SearchAnswer,
    themes: list[dict[str, Any]],
    communes: list[dict[str, Any]],
) -> list[Refinement]:
    """What the facet counts of an answer offer to narrow it, one step at a time: the themes
    under the chosen one (the top-level themes when none is), the communes (the sections of
    the chosen commune), the languages spoken. A value every result has narrows nothing."""
    if answer.total < 2:
        return []

    def line(title: str, facet: str, field_name: str, labels: dict[str, Any]) -> Refinement:
        counts = answer.facets.get(facet, {})
        kept = sorted(
            (value for value, n in counts.items() if value in labels and 0 < n < answer.total),
            key=lambda value: (-counts[value], value),
        )
        links = [
            RefineLink(
                query=form.narrowed(field_name, value).query_string(1),
                label=labels[value],
                count=counts[value] if answer.facets_exact else None,
                lang=value if facet == "languages" else None,
            )
            for value in kept[:REFINE_LINKS]
        ]
        return Refinement(title, links)

    if not form.theme:
        theme_labels = {top["id"]: top for top in themes}
    else:
        chosen = next((top for top in themes if top["id"] == form.theme), None)
        theme_labels = {child["id"]: child for child in chosen["children"]} if chosen else {}
    if not form.area:
        area_facet, area_labels = "commune", {c["id"]: c["name"] for c in communes}
    else:
        commune = next((c for c in communes if c["id"] == form.area), None)
        sections = commune["sections"] if commune else []
        area_facet, area_labels = "section", {s["id"]: s["name"] for s in sections}
    language_labels = {} if form.language else dict(SPOKEN_LANGUAGES)
    lines = [
        line("Theme", "themes", "theme", theme_labels),
        line("Where", area_facet, "area", area_labels),
        line("Language spoken", "languages", "language", language_labels),
    ]
    return [each for each in lines if each.links]


SERVICES_AT_A_PLACE = 200
"""More than any real address holds; the page lists them all."""
ALTERNATIVES = 4
"""How many other services for the same need a service page suggests."""


async def alternatives(
    state: State, service: Service, held_at: list[dict[str, Any]], now: datetime
) -> list[SearchItem]:
    """Other active services for the same need (the service's most precise theme), nearest
    to its first place first: where to send someone when this one is full, closed or not
    the right fit. The directory's own search, so the same as searching that theme there."""
    theme = next((t for t in service.themes if "." in t), None) or next(iter(service.themes), None)
    if theme is None:
        return []
    point = next(
        (
            (entry["place"].latitude, entry["place"].longitude)
            for entry in held_at
            if entry["place"].latitude is not None and entry["place"].longitude is not None
        ),
        (None, None),
    )
    filters = filters_from(**{**NO_FILTERS, "theme": [theme], "lat": point[0], "lon": point[1]})
    try:
        answer = await answer_search(
            state, "", filters, at=now, wants_open=False, limit=3 * ALTERNATIVES, offset=0
        )
    except InvalidInput:
        return []  # a theme the taxonomy no longer has: no suggestion rather than no page
    chosen: list[SearchItem] = []
    seen = {str(service.id)}
    for item in answer.items:
        if item.service_id not in seen and item.status == "active":
            seen.add(item.service_id)
            chosen.append(item)
    return chosen[:ALTERNATIVES]


def _share_lines(
    service: Service, organisation: str, held_at: list[dict[str, Any]], page_url: str
) -> list[str]:
    """What someone needs to go there: the service, where, how to call, and this page."""
    lines = [service.name, organisation, ""]
    for entry in held_at:
        place = entry["place"]
        lines.append(f"{place.name} — {place.street}, {place.postal_code} {place.commune}")
    lines += [phone_national(phone.number) for phone in service.phones]
    return [*lines, "", page_url]


def share_by_mail(
    service: Service, organisation: str, held_at: list[dict[str, Any]], page_url: str
) -> str:
    """A `mailto:` link with what someone needs to go there, written by the person's own mail
    program: Boussole keeps nothing."""
    body = "\n".join(_share_lines(service, organisation, held_at, page_url))
    return "mailto:?" + urlencode({"subject": service.name, "body": body}, quote_via=quote)


def share_by_sms(
    service: Service, organisation: str, held_at: list[dict[str, Any]], page_url: str
) -> str:
    """An `sms:` link with the same lines, for a person who has a phone and no e-mail: the
    worker's or the person's own phone writes it (`sms:?&body=`, which Android and iOS both
    read); Boussole keeps nothing."""
    body = "\n".join(_share_lines(service, organisation, held_at, page_url))
    return "sms:?&" + urlencode({"body": body}, quote_via=quote)


@dataclass
class DayHours:
    """One day of the coming week at a place: the openings that start that day (an overnight
    one ends the next day), whether it is open all day, and the exception's message."""

    day: date
    intervals: list[tuple[datetime, datetime]]
    message: str = ""
    closed_by_exception: bool = False
    all_day: bool = False


def coming_days(place: Any, now: datetime, days: int = DAYS_SHOWN) -> list[DayHours] | None:
    """The openings of the next `days` days, from today; None when hours are unknown."""
    hours = hours_of(place)
    if not hours.known:
        return None
    today = local(now).date()

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=TZ)

    # From yesterday, so a night that began yesterday is not shown as a new opening today;
    # one day past the end, so the last night's closing time is known.
    intervals = list(
        hours.open_intervals(
            midnight(today - timedelta(days=1)), midnight(today + timedelta(days=days + 1))
        )
    )
    week = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        start, end = midnight(day), midnight(day + timedelta(days=1))
        exception = hours.exception_on(day)
        week.append(
            DayHours(
                day,
                [
                    (o, c)
                    for o, c in intervals
                    if start <= o < end and not (o == start and c >= end)
                ],
                exception.message if exception else "",
                exception is not None and exception.opening_hours is None,
                all_day=any(o <= start and c >= end for o, c in intervals),
            )
        )
    return week


def map_link(place: Any) -> str:
    """OpenStreetMap at the place's coordinates, else a search for its address."""
    if place.latitude is not None and place.longitude is not None:
        lat, lon = place.latitude, place.longitude
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
    address = f"{place.street}, {place.postal_code} {place.commune}"
    return f"https://www.openstreetmap.org/search?query={quote_plus(address)}"


async def theme_labels(conn: asyncpg.Connection, ids: list[str]) -> list[dict[str, Any]]:
    rows = await conn.fetch(CATALOGUE.list_themes)
    return [dict(r) for r in rows if r["id"] in ids]


def may_refer(identity: Any) -> bool:
    """Whether the caller works for an organisation of the network, and so refers people."""
    return identity is not None and bool(identity.roles)


def visible(service: Service) -> bool:
    return service.status != "inactive"


class PublicController(Controller):
    """Search, services, organisations and themes for everyone."""

    path = "/"
    tags = ["public pages"]
    include_in_schema = False

    @get("/", operation_id="homePage")
    async def home(
        self, request: Request[Any, Any, Any], state: State, conn: Conn, identity: Caller
    ) -> Template:
        """The search form; with a query or a filter, the results below it."""
        form, not_understood = await understood_area(state, SearchForm.from_query(request))
        form, free_from_words = understood_free(form)
        themes = await themes_tree(conn)
        known = {t["id"] for t in themes} | {c["id"] for t in themes for c in t["children"]}
        now = datetime.now(UTC).astimezone(TZ)
        answer: SearchAnswer | None = None
        wrong: list[str] = ["area"] if not_understood else []
        relaxed: tuple[SearchForm, int] | None = None
        corrected: list[tuple[str, str]] = []
        if form.asked:
            answer, wrong_now = await run_search(state, form, known, now)
            wrong += wrong_now
            relaxed = await _without_filters(state, form, answer, known, now)
            # What typo correction did: synonyms for either engine, the documents' words for
            # PostgreSQL's own (Meilisearch's typo tolerance is its own).
            if answer is not None and answer.total and form.q:
                lexicon = answer.engine == "postgres"
                corrected = await corrections(state.pool, form.q, lexicon=lexicon)
        pages = 0
        communes = await areas(conn)
        refine: list[Refinement] = []
        # A page past the results (an old link, a hand-typed page=999): where to go instead,
        # the last page, or the first when the total was an estimate that reached further.
        back_to: int | None = None
        if answer is not None:
            pages = (answer.total + PAGE_SIZE - 1) // PAGE_SIZE
            refine = refinements(form, answer, themes, communes)
            if answer.total and not answer.items and form.page > 1:
                back_to = pages if form.page > pages else 1
        moment, day, _ = form.opening(now)
        chosen = day or (local(moment).date() if moment else None)
        context = {
            "form": form,
            "themes": themes,
            "areas": communes,
            "refine": refine,
            "spoken_languages": SPOKEN_LANGUAGES,
            "answer": answer,
            "moment": moment,
            "open_day": day,
            "open_today": day == local(now).date(),
            "open_past": chosen is not None and chosen < local(now).date(),
            "wrong_fields": wrong,
            "left_out": form.left_out(wrong),
            "active": form.active(wrong),
            "unknown_area": not_understood,
            "area_names_said": AREA_NAMES_SAID,
            "free_from_words": free_from_words,
            "relaxed": relaxed,
            "corrected": corrected,
            # Words typed, none that says a need ("help", "j'ai besoin de"): say what to type.
            "meaningful": bool(meaningful_words(form.q)),
            "pages": pages,
            "back_to": back_to,
            "can_refer": may_refer(identity),
            "language": language_of(request),
        }
        return Template(template_name="public/home.html", context=context)

    @get("/services/{service_id:uuid}", operation_id="servicePage")
    async def service_page(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Caller,
        service_id: FromPath[UUID],
    ) -> Response[Any]:
        """Everything about a service: who it is for, conditions, places, the coming week."""
        now = datetime.now(UTC).astimezone(TZ)
        try:
            service = await services.get(conn, service_id, now)
            organisation = await organisations.get(conn, service.organisation_id)
        except NotFound:
            return not_found_page()
        held_at = []
        language = language_of(request)
        # A closed service has no coming openings to show: at most its usual week, for when
        # it opens again.
        running = service.status == "active"
        held = [await places.get(conn, at.place_id) for at in service.places]
        # A place's name and notes are written by the organisation that keeps it, in its
        # language, which may not be the service's.
        owners = {place.organisation_id for place in held} - {None}
        named = {row["id"]: row for row in await conn.fetch(Q.organisations_named, owners)}
        for service_place, place in zip(service.places, held, strict=True):
            owner = named.get(place.organisation_id)
            held_at.append(
                {
                    "at": service_place,
                    "place": place,
                    "written": owner["language"] if owner else None,
                    "map": map_link(place),
                    "week": coming_days(msgspec.to_builtins(service_place), now)
                    if running
                    else None,
                    "usual": None
                    if running
                    else usual_hours(service_place.opening_hours, language),
                }
            )
        page_url = f"{request.app.state.settings.public_url.rstrip('/')}/services/{service.id}"
        # Why a service closed for now is, and until when, said at the top when every place
        # says the same (each place says its own under it).
        closures = {
            (at.open.message, at.open.reopens_on) for at in service.places if at.open is not None
        }
        closure = next(iter(closures)) if len(closures) == 1 else None
        context = {
            "closure": {"message": closure[0], "reopens_on": closure[1]} if closure else None,
            "alternatives": await alternatives(request.app.state, service, held_at, now),
            "moment": None,
            "service": service,
            "organisation": organisation,
            "held_at": held_at,
            "share": share_by_mail(service, organisation.name, held_at, page_url),
            "share_sms": share_by_sms(service, organisation.name, held_at, page_url),
            "themes": await theme_labels(conn, service.themes),
            "can_refer": may_refer(identity),
            "can_edit": identity is not None and identity.can_edit(service.organisation_id),
            "language": language,
        }
        return Template(template_name="public/service.html", context=context)

    @get("/places/{place_id:uuid}", operation_id="placePage")
    async def place_page(
        self, request: Request[Any, Any, Any], conn: Conn, place_id: FromPath[UUID]
    ) -> Template:
        """A place and every service held there, open or not now: what else is at this
        address, for a person who is going there anyway."""
        now = datetime.now(UTC).astimezone(TZ)
        try:
            place = await places.get(conn, place_id)
        except NotFound:
            return not_found_page()
        held = await services.list_page(
            conn, limit=SERVICES_AT_A_PLACE, offset=0, at=now, place_id=place_id
        )
        shown = [service for service in held.items if visible(service)]
        owners = {service.organisation_id for service in shown} | {place.organisation_id}
        named = {row["id"]: row for row in await conn.fetch(Q.organisations_named, owners)}
        entries = [
            {
                "service": service,
                "organisation": named[service.organisation_id],
                "at": next(p for p in service.places if p.place_id == place_id),
            }
            for service in shown
        ]
        owner = named.get(place.organisation_id)
        context = {
            "place": place,
            "written": owner["language"] if owner else None,
            "map": map_link(place),
            "entries": entries,
            "language": language_of(request),
        }
        return Template(template_name="public/place.html", context=context)

    @get("/organisations/{organisation_id:uuid}", operation_id="organisationPage")
    async def organisation_page(
        self, request: Request[Any, Any, Any], conn: Conn, organisation_id: FromPath[UUID]
    ) -> Response[Any]:
        """An organisation and the services it offers."""
        now = datetime.now(UTC).astimezone(TZ)
        try:
            organisation = await organisations.get(conn, organisation_id)
        except NotFound:
            return not_found_page()
        offered = await services.list_page(
            conn, limit=200, offset=0, at=now, organisation_id=organisation_id
        )
        addresses = await places.list_page(
            conn, limit=SERVICES_AT_A_PLACE, offset=0, organisation_id=organisation_id
        )
        parent = None
        if organisation.parent_id is not None:
            parent = await organisations.get(conn, organisation.parent_id)
        context = {
            "organisation": organisation,
            "parent": parent,
            "services": [s for s in offered.items if visible(s)],
            "places": addresses.items,
            "language": language_of(request),
        }
        return Template(template_name="public/organisation.html", context=context)

    @get("/robots.txt", operation_id="robots", media_type="text/plain")
    async def robots(self, state: State) -> str:
        """Search engines may list the directory, never the workspace or the API."""
        base = state.settings.public_url.rstrip("/")
        return (
            "User-agent: *\nDisallow: /workspace/\nDisallow: /referrals/\nDisallow: /api/\n"
            f"Disallow: /hsds/\nDisallow: /dev/\nSitemap: {base}/sitemap.xml\n"
        )

    @get("/sitemap.xml", operation_id="sitemap", media_type="application/xml")
    async def sitemap(self, state: State, conn: Conn) -> str:
        """Every public page of a service, organisation or place, for search engines: people
        look for help with Google first, and should land on the directory's page."""
        base = escape(state.settings.public_url.rstrip("/"))
        entries = [f"<url><loc>{base}{path}</loc></url>" for path in ("/", "/themes", "/privacy")]
        for row in await conn.fetch(Q.sitemap_pages):
            modified = row["updated_at"].astimezone(UTC).date().isoformat()
            entries.append(
                f"<url><loc>{base}/{row['kind']}/{row['id']}</loc>"
                f"<lastmod>{modified}</lastmod></url>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(entries)
            + "</urlset>\n"
        )

    @get("/privacy", operation_id="privacyPage")
    async def privacy(self, request: Request[Any, Any, Any], state: State) -> Template:
        """What Boussole keeps about the people who search, are referred or work with it,
        for how long, who sees it, and how to exercise one's rights (GDPR art. 13 and 14)."""
        settings = state.settings
        language = language_of(request)
        retention = settings.referral_retention_days
        context = {
            "operator": settings.operator,
            "contact": settings.privacy_contact,
            "retention_months": round(retention / 30.44) if retention >= 60 else None,
            "retention_days": retention,
            "expiry_days": settings.referral_expiry_days,
            "urgent_expiry_days": settings.referral_urgent_expiry_days,
            "language": language,
        }
        return Template(template_name=f"public/privacy.{language}.html", context=context)

    @get("/themes", operation_id="themesPage")
    async def themes_page(self, request: Request[Any, Any, Any], conn: Conn) -> Template:
        """Browse the themes; each links to the search filtered on it."""
        counts = {r["id"]: r["services"] for r in await conn.fetch(Q.theme_service_counts)}
        context = {
            "themes": await themes_tree(conn),
            "counts": counts,
            "language": language_of(request),
        }
        return Template(template_name="public/themes.html", context=context)


STATIC_DIR = Path(__file__).with_name("static")
STATIC = create_static_files_router(
    path="/static",
    directories=[STATIC_DIR],
    cache_control=CacheControlHeader(max_age=3600, public=True),
)
"""The pages' scripts, as files: the Content-Security-Policy allows no inline script."""

CONTROLLERS: list[ControllerRouterHandler] = [PublicController, STATIC]
