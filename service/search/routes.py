"""GET /api/v1/search: what a social worker types, narrowed by filters, exact about opening."""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal, get_args

import asyncpg
import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import MultiDict, State
from litestar.params import QueryParameter

from schemas.catalogue import Gender, OpenState, ServiceType, Situation
from schemas.search import OpenInfo, SearchAnswer, SearchFilters, SearchItem, Suggestions
from search.backend import TZ, EngineQuery, free_in_words
from search.results import render_highlight
from service.catalogue.services import (
    hours_of,
    is_open_at,
    is_open_between,
    open_between,
    open_state,
)
from service.errors import invalid
from service.hours import Hours
from service.search import suggestions
from service.search.cache import minute_of
from service.search.territories import Parameter, Territories
from service.web_common import Conn, parse_day, parse_moment

SERVICE_TYPES = set(get_args(ServiceType))
GENDERS = set(get_args(Gender))
SITUATIONS = set(get_args(Situation))
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_THEME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")


REPEATABLE = frozenset({"theme", "type", "commune", "section", "language"})
"""Parameters that may be given several times: a service with any of the values is kept."""


def given_once(params: MultiDict[Any]) -> None:
    """A 422 for a parameter given twice that is not `REPEATABLE`: which value was meant
    cannot be told (one of them was kept silently)."""
    for name in params:
        if name not in REPEATABLE and len(params.getall(name)) > 1:
            raise invalid(name, "may be given only once")


def _q(description: str, **kwargs: Any) -> Any:
    return QueryParameter(description=description, **kwargs)


# Opening states by (minute, status, hours, exceptions), shared by requests: hours have minute
# resolution, so a state holds for the whole minute (the moment asked is given back as is).
# Whether open, apart: filtering many documents needs no next change.
_STATES: dict[Any, OpenState | None] = {}
_OPEN: dict[Any, bool] = {}
_STRETCHES: dict[Any, list[tuple[datetime, datetime]]] = {}
_KEPT = 20_000
_decode_exceptions = msgspec.json.Decoder(list[dict[str, Any]]).decode


class OpeningCheck:
    """Exact opening state of documents at one moment, with the catalogue's evaluation; with
    a `span` (from, until excluded), whether open is asked of any moment of it instead.

    Places often share hours: each distinct (status, hours, exceptions) is evaluated once a
    minute, for every request.
    """

    def __init__(self, at: datetime, span: tuple[datetime, datetime] | None = None) -> None:
        self.at = _brussels(at)
        self.span = None if span is None else (_brussels(span[0]), _brussels(span[1]))
        self._minute = minute_of(at)
        self._asked = self._minute if span is None else tuple(map(minute_of, span))

    def state(self, document: Mapping[str, Any]) -> OpenState | None:
        """The opening state of the document's service at `at`; None when hours are unknown.
        Its exceptions may be a list or their JSON text (`search.backend.Candidates`)."""
        key = self._key(document, self._minute)
        try:
            return _STATES[key]
        except KeyError:
            state = open_state(str(document.get("status")), _hours(document), self.at)
            _keep(_STATES, key, state)
            return state

    def is_open(self, document: Mapping[str, Any]) -> bool:
        """Open at `at`, or at some moment of the span: a closed or inactive service never is."""
        key = self._key(document, self._asked)
        try:
            return _OPEN[key]
        except KeyError:
            status, hours = str(document.get("status")), _hours(document)
            if self.span is None:
                is_open = is_open_at(status, hours, self.at)
            else:
                is_open = is_open_between(status, hours, *self.span)
            _keep(_OPEN, key, is_open)
            return is_open

    def stretches(self, document: Mapping[str, Any]) -> list[tuple[datetime, datetime]] | None:
        """When it is open during the span, clipped to it; None without a span."""
        if self.span is None:
            return None
        key = self._key(document, self._asked)
        try:
            return _STRETCHES[key]
        except KeyError:
            found = open_between(str(document.get("status")), _hours(document), *self.span)
            _keep(_STRETCHES, key, found)
            return found

    def _key(self, document: Mapping[str, Any], asked: Any) -> tuple[Any, ...]:
        exceptions = document.get("exceptions") or ()
        return (
            asked,
            document.get("status"),
            document.get("opening_hours"),
            exceptions
            if isinstance(exceptions, str)
            else tuple(
                (e["starts_on"], e["ends_on"], e.get("opening_hours"), e.get("message"))
                for e in exceptions
            ),
        )


def _brussels(moment: datetime) -> datetime:
    return moment.astimezone(TZ) if moment.tzinfo else moment.replace(tzinfo=TZ)


def _hours(document: Mapping[str, Any]) -> Hours:
    exceptions = document.get("exceptions") or []
    if isinstance(exceptions, str):
        exceptions = _decode_exceptions(exceptions)
    return hours_of({"opening_hours": document.get("opening_hours"), "exceptions": exceptions})


def _keep(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) >= _KEPT:
        cache.clear()
    cache[key] = value


def filters_from(
    *,
    theme: list[str] | None,
    type_: list[str] | None,
    commune: list[str] | None,
    section: list[str] | None,
    age: int | None,
    gender: str | None,
    situation: str | None,
    free: bool | None,
    walk_in: bool | None,
    unconditional: bool | None,
    language: list[str] | None,
    wheelchair: bool | None,
    open_at: datetime | None,
    lat: float | None,
    lon: float | None,
    radius_km: float | None,
    territories: Territories | None = None,
    open_until: datetime | None = None,
) -> SearchFilters:
    """Check the parameters and turn them into engine filters; a 422 names the wrong one.
    `commune` and `section` are what was typed, resolved with `territories` (needed then)."""
    for value in theme or []:
        if not _THEME.match(value):
            raise invalid("theme", f"{value!r} is not a theme id (e.g. food.food-parcels)")
    for value in type_ or []:
        if value not in SERVICE_TYPES:
            raise invalid("type", f"must be one of {', '.join(sorted(SERVICE_TYPES))}")
    if age is not None and not 0 <= age <= 130:
        raise invalid("age", "must be between 0 and 130")
    if gender is not None and gender not in GENDERS:
        raise invalid("gender", f"must be one of {', '.join(sorted(GENDERS))}")
    if situation is not None and situation not in SITUATIONS:
        raise invalid("situation", f"must be one of {', '.join(sorted(SITUATIONS))}")
    languages = [value.strip().lower() for value in language or []]
    for value in languages:
        if not _LANGUAGE.match(value):
            raise invalid("language", "must be an ISO 639 code such as fr")
    if (lat is None) != (lon is None):
        raise invalid("lon" if lon is None else "lat", "lat and lon go together")
    if lat is not None and not -90 <= lat <= 90:
        raise invalid("lat", "must be between -90 and 90")
    if lon is not None and not -180 <= lon <= 180:
        raise invalid("lon", "must be between -180 and 180")
    if radius_km is not None:
        if lat is None:
            raise invalid("radius_km", "needs lat and lon")
        if not 0 < radius_km <= 500:
            raise invalid("radius_km", "must be more than 0 and at most 500")
    return SearchFilters(
        themes=list(theme or []),
        types=list(type_ or []),
        communes=_places(territories, "commune", commune),
        sections=_places(territories, "section", section),
        age=age,
        gender=gender,
        situation=situation,
        free=free,
        walk_in=walk_in,
        unconditional=unconditional,
        languages=list(dict.fromkeys(languages)),
        wheelchair=wheelchair,
        open_at=open_at,
        open_until=open_until if open_at is not None else None,
        lat=lat,
        lon=lon,
        radius_km=radius_km,
    )


def day_span(day: date) -> tuple[datetime, datetime]:
    """A Brussels day as the moments from its midnight until the next one (23 or 25 hours
    on the days the clocks change)."""
    return datetime.combine(day, time(0), tzinfo=TZ), datetime.combine(
        day + timedelta(days=1), time(0), tzinfo=TZ
    )


def _places(
    territories: Territories | None, parameter: Parameter, typed: list[str] | None
) -> list[str]:
    """The territory ids of what was typed for `parameter`, each value resolved."""
    if not typed:
        return []
    if territories is None:
        raise TypeError(f"{parameter} given without the territories to resolve it with")
    return list(dict.fromkeys(i for value in typed for i in territories.resolve(parameter, value)))


NO_FILTERS: dict[str, Any] = dict.fromkeys(inspect.signature(filters_from).parameters)
"""Every filter off: `filters_from(**{**NO_FILTERS, "theme": [...]})` sets only a few."""


def item_from(
    document: dict[str, Any],
    highlight: dict[str, str],
    distance_km: float | None,
    opening: OpeningCheck,
) -> SearchItem:
    """One result of the answer, from an engine hit."""
    state = opening.state(document)
    return SearchItem(
        service_id=document["service_id"],
        location_id=document.get("location_id"),
        name=document["name"],
        organisation=document["organisation"],
        organisation_id=document["organisation_id"],
        themes=document.get("themes", []),
        type=document["type"],
        description=document.get("description", ""),
        address=document.get("address", ""),
        place_name=document.get("place_name", ""),
        commune=document.get("commune"),
        section=document.get("section"),
        distance_km=distance_km,
        open=None
        if state is None
        else OpenInfo(
            now=state.now,
            at=opening.at,
            next_change=state.next_change,
            message=state.message,
            intervals=opening.stretches(document),
            reopens_on=state.reopens_on,
        ),
        hours_note=document.get("hours_note", ""),
        status=document.get("status", "active"),
        capacity_status=document.get("capacity_status", "available"),
        wheelchair=document.get("wheelchair", "unknown"),
        free=bool(document.get("free", True)),
        walk_in=bool(document.get("walk_in", False)),
        languages=document.get("languages", []),
        last_verified_on=document.get("last_verified_on"),
        highlight={name: render_highlight(text) for name, text in highlight.items()},
        phone=document.get("phone"),
        content_language=document.get("content_language", "fr"),
    )


async def _check_themes(pool: asyncpg.Pool, themes: list[str]) -> None:
    async with pool.acquire() as conn:
        known = set(
            await conn.fetchval("SELECT array_agg(id) FROM theme WHERE id = ANY($1)", themes) or []
        )
    unknown = [t for t in themes if t not in known]
    if unknown:
        raise invalid("theme", f"unknown theme {unknown[0]!r}")


class SearchController(Controller):
    path = "/api/v1/search"
    tags = ["search"]

    @get(operation_id="search")
    async def search(
        self,
        request: Request[Any, Any, Any],
        state: State,
        q: Annotated[
            str,
            _q(
                "What is needed, in everyday words; words that ask for free services "
                "(gratuit, gratis, free) are taken as free=true when free is not given",
                max_length=200,
            ),
        ] = "",
        theme: Annotated[list[str] | None, _q("Theme ids (repeatable; any of them)")] = None,
        type_: Annotated[
            list[str] | None,
            QueryParameter(name="type", description="Service types (repeatable; any of them)"),
        ] = None,
        commune: Annotated[
            list[str] | None,
            _q(
                "Commune: its id, its name (any case, with or without accents) or one of its "
                "postal codes, e.g. la-louviere, La Louvière, 7100 (repeatable; any of them)"
            ),
        ] = None,
        section: Annotated[
            list[str] | None,
            _q(
                "Section (or quartier): its id, its name or its postal code, e.g. "
                "la-louviere.haine-saint-pierre, Haine-Saint-Pierre, 1348; a postal code "
                "shared by several sections means their commune (repeatable; any of them)"
            ),
        ] = None,
        age: Annotated[int | None, _q("Age of the person")] = None,
        gender: Annotated[str | None, _q("female, male or x")] = None,
        situation: Annotated[str | None, _q("Situation of the person, e.g. homeless")] = None,
        free: Annotated[bool | None, _q("Free of charge")] = None,
        walk_in: Annotated[bool | None, _q("Without appointment")] = None,
        unconditional: Annotated[bool | None, _q("Without conditions")] = None,
        language: Annotated[
            list[str] | None,
            _q("Language spoken, ISO 639, any case (fr, nl, ar...; repeatable; any of them)"),
        ] = None,
        wheelchair: Annotated[bool | None, _q("Wheelchair accessible")] = None,
        open_now: Annotated[bool, _q("Only services open now")] = False,
        open_at: Annotated[
            str | None, _q("Only services open at this ISO 8601 moment (Brussels if no offset)")
        ] = None,
        open_on: Annotated[
            str | None,
            _q(
                "Only services open at some moment of this day, e.g. 2026-12-12 (Brussels; "
                "not with open_now or open_at); their opening is then told at the day's start, "
                "or now for today, and open.intervals says when they are open that day"
            ),
        ] = None,
        lat: Annotated[float | None, _q("Latitude: sort by distance from here")] = None,
        lon: Annotated[float | None, _q("Longitude")] = None,
        radius_km: Annotated[float | None, _q("Only within this distance of lat/lon")] = None,
        limit: Annotated[int, _q("Page size", ge=1, le=100)] = 20,
        offset: Annotated[int, _q("Results to skip", ge=0, le=10_000)] = 0,
    ) -> SearchAnswer:
        """Search services at places; an empty `q` browses by filters. `theme`, `type`,
        `commune`, `section` and `language` may be repeated (any of the values); the other
        parameters are given once."""
        given_once(request.query_params)
        # Through UTC and back: a wall time that a DST change skips (02:30 on the last
        # Sunday of March) becomes the real moment it names (03:30 summer time).
        at = parse_moment(open_at, "open_at").astimezone(UTC).astimezone(TZ)
        wants_open = open_now or open_at not in (None, "")
        day = parse_day(open_on, "open_on")
        span = None
        if day is not None:
            if wants_open:
                raise invalid("open_on", "give a day or a moment (open_now, open_at), not both")
            span = day_span(day)
            at = at if span[0] <= at < span[1] else span[0]
            wants_open = True
        filters = filters_from(
            theme=theme,
            type_=type_,
            commune=commune,
            section=section,
            age=age,
            gender=gender,
            situation=situation,
            free=free,
            walk_in=walk_in,
            unconditional=unconditional,
            language=language,
            wheelchair=wheelchair,
            open_at=span[0] if span else at if wants_open else None,
            lat=lat,
            lon=lon,
            radius_km=radius_km,
            territories=await state.search.territories(state.pool),
            open_until=span[1] if span else None,
        )
        return await answer_search(
            state, q, filters, at=at, wants_open=wants_open, limit=limit, offset=offset
        )

    @get("/suggestions", operation_id="searchSuggestions")
    async def search_suggestions(
        self,
        conn: Conn,
        q: Annotated[str, _q("The words typed so far", max_length=100)] = "",
        language: Annotated[
            Literal["fr", "nl", "en"], _q("The language of the themes' labels")
        ] = "fr",
        limit: Annotated[int, _q("How many suggestions at most", ge=1, le=20)] = 8,
    ) -> Response[Suggestions]:
        """What to search for, as the words are typed: themes, everyday words, names of
        services and organisations (two letters at least)."""
        found = await suggestions.suggest(conn, q, language, limit)
        return Response(
            Suggestions(suggestions=found), headers={"Cache-Control": "public, max-age=300"}
        )


async def answer_search(
    state: State,
    q: str,
    filters: SearchFilters,
    *,
    at: datetime,
    wants_open: bool,
    limit: int,
    offset: int,
) -> SearchAnswer:
    """Run a search with checked filters; the API and the public pages both answer with this.

    Answers are cached per search generation and Brussels minute (see service.search.cache).
    """
    pool: asyncpg.Pool = state.pool
    runtime = state.search
    free_from_words = False
    if (meant := free_in_words(q, filters)) is not None:
        (q, filters), free_from_words = meant, True
    generation = await runtime.generation()
    key = None
    if generation is not None:
        key = _cache_key(q, filters, at, wants_open, limit, offset)
        cached = runtime.cache.get(generation, key)
        if cached is not None:
            return _at_moment(cached, at, free_from_words)
    # Facet counts do not depend on the page or, without a radius, on the point: other pages
    # and other places of the same search reuse them (counting is most of a broad search).
    facets_key = _facets_key(q, filters) if key is not None and not wants_open else None
    facets: tuple[dict[str, dict[str, int]], bool] | None = None  # counts, exact
    if facets_key is not None and generation is not None:
        facets = runtime.cache.get(generation, facets_key)
    span = None
    if filters.open_at is not None and filters.open_until is not None:
        span = (filters.open_at, filters.open_until)
    opening = OpeningCheck(at, span)
    answer, engine = await runtime.search(
        pool,
        EngineQuery(
            text=q.strip(), filters=filters, limit=limit, offset=offset, facets=facets is None
        ),
        opening.is_open if wants_open else None,
    )
    if answer.total == 0 and filters.themes:
        # Only an empty answer can come from a theme that does not exist: say which.
        await _check_themes(pool, filters.themes)
    cacheable = generation is not None and engine == runtime.preferred_engine
    if facets is None:
        facets = (answer.facets, answer.facets_exact)
        if facets_key is not None and cacheable:
            runtime.cache.put(generation, facets_key, facets)
    result = SearchAnswer(
        items=[
            item_from(hit.document, hit.highlight, hit.distance_km, opening) for hit in answer.hits
        ],
        total=answer.total,
        total_exact=answer.total_exact,
        limit=limit,
        offset=offset,
        facets=facets[0],
        facets_exact=facets[1],
        engine=engine,
        all_words=answer.all_words,
    )
    if key is not None and cacheable:
        runtime.cache.put(generation, key, result)
    if free_from_words:
        result = msgspec.structs.replace(result, free_from_words=True)
    return result


_encode_filters = msgspec.json.Encoder().encode


def _cache_key(
    q: str, filters: SearchFilters, at: datetime, wants_open: bool, limit: int, offset: int
) -> tuple[Any, ...]:
    """The request, normalised; moments to the minute, since opening states keep for one."""
    moment = filters.open_at
    plain = msgspec.structs.replace(filters, open_at=None)
    return (
        q.strip(),
        _encode_filters(plain),
        minute_of(moment) if moment is not None else None,
        wants_open,
        minute_of(at),
        limit,
        offset,
    )


def _facets_key(q: str, filters: SearchFilters) -> tuple[Any, ...]:
    """What facet counts depend on: the words and the filters, not the page nor a bare point."""
    plain = filters
    if filters.radius_km is None:
        plain = msgspec.structs.replace(filters, lat=None, lon=None)
    return ("facets", q.strip(), _encode_filters(plain))


def _at_moment(answer: SearchAnswer, at: datetime, free_from_words: bool) -> SearchAnswer:
    """A cached answer as asked at `at`: the same states, the moment given back as asked;
    with whether this request's words asked for free services (the cached one's may not
    have: "gratuit" and `free=true` share an answer)."""
    items = [
        item
        if item.open is None or item.open.at == at
        else msgspec.structs.replace(item, open=msgspec.structs.replace(item.open, at=at))
        for item in answer.items
    ]
    return msgspec.structs.replace(answer, items=items, free_from_words=free_from_words)


CONTROLLERS = [SearchController]
