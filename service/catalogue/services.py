"""Services: what partners offer, to whom, on which conditions, and where and when."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from schemas.catalogue import OpenState, Service, ServiceIn, ServicePlace
from schemas.common import Page
from service.catalogue.records import (
    Actor,
    Q,
    check_version,
    enqueue_search,
    record_change,
    snapshot,
)
from service.catalogue.stored import as_stored
from service.catalogue.validation import Errors, check_hours, check_phones, check_references
from service.errors import NotFound, about_field, blank_fields
from service.hours import TZ, YEARS, DatedException, Hours, local

_CLOSED_STATUSES = {"temporarily_closed", "inactive"}
REOPENING_LOOKAHEAD = timedelta(days=62)
"""How far after a closure its first opening is looked for (a monthly permanence's next)."""
OUT_OF_YEARS = (
    f"must be in the years {YEARS[0]} to {YEARS[1]}; a closure until further notice is "
    "the status temporarily_closed"
)


def hours_of(place: ServicePlace | dict[str, Any]) -> Hours:
    """The hours of a service at a place: regular expression plus dated exceptions."""
    data = place if isinstance(place, dict) else msgspec.to_builtins(place)
    exceptions = [
        DatedException(
            msgspec.convert(e["starts_on"], date),
            msgspec.convert(e["ends_on"], date),
            e.get("opening_hours"),
            e.get("message", ""),
        )
        for e in data.get("exceptions", [])
    ]
    return Hours(data.get("opening_hours"), exceptions)


def open_state(status: str, hours: Hours, at: datetime) -> OpenState | None:
    """Open now or not; a closed or inactive service is never open. None when hours are unknown.

    A service temporarily closed says why and until when if a dated closure at the place is
    in force that day (its message, and the first day it opens after it): that is how its
    editors say "closed for renovation until 11 January"."""
    if status == "temporarily_closed":
        closure = hours.closure_on(local(at).date())
        if closure is None:
            return OpenState(now=False, at=at, next_change=None)
        exception, after = closure
        return OpenState(
            now=False,
            at=at,
            next_change=None,
            message=exception.message,
            reopens_on=first_open_day(hours, after),
        )
    if status in _CLOSED_STATUSES:
        return OpenState(now=False, at=at, next_change=None)
    state = hours.state_at(at)
    if not state.known:
        return None
    return OpenState(
        now=state.is_open, at=state.at, next_change=state.next_change, message=state.message
    )


def first_open_day(hours: Hours, day: date) -> date | None:
    """The first day from `day` on which the hours open (within `REOPENING_LOOKAHEAD`), else
    `day` itself, the day the closure ends; None past the years hours are kept in."""
    if day.year > YEARS[1]:
        return None
    start = datetime.combine(day, time(0), tzinfo=TZ)
    first = next(iter(hours.open_intervals(start, start + REOPENING_LOOKAHEAD)), None)
    return day if first is None else local(first[0]).date()


def is_open_at(status: str, hours: Hours, at: datetime) -> bool:
    """`open_state(...).now` without the next change: a closed or inactive service never is."""
    return status not in _CLOSED_STATUSES and hours.is_open(at)


def is_open_between(status: str, hours: Hours, start: datetime, end: datetime) -> bool:
    """Open at some moment from `start` until `end` (excluded), such as some time of a day;
    a closed or inactive service never is."""
    if status in _CLOSED_STATUSES:
        return False
    return next(iter(hours.open_intervals(start, end)), None) is not None


def open_between(
    status: str, hours: Hours, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """When it is open from `start` until `end` (excluded), each stretch clipped to them; a
    closed or inactive service never is."""
    if status in _CLOSED_STATUSES:
        return []
    return list(hours.open_intervals(start, end))


def _from_row(row: asyncpg.Record, at: datetime | None) -> Service:
    data = dict(row)
    places = []
    for place in data["places"]:
        place["open"] = None if at is None else open_state(data["status"], hours_of(place), at)
        places.append(place)
    data["places"] = places
    return as_stored(data, Service)


async def get(conn: asyncpg.Connection, service_id: UUID, at: datetime | None = None) -> Service:
    """One service with its places; their opening state at `at` when given."""
    row = await conn.fetchrow(Q.service_select + " WHERE s.id = $1", service_id)
    if row is None:
        raise NotFound(f"service {service_id}")
    return _from_row(row, at)


async def as_saved_at(conn: asyncpg.Connection, service_id: UUID, version: int) -> Service | None:
    """The service as it was saved at `version`, from the change log; None if not kept."""
    after = await conn.fetchval(Q.record_at_version, "service", service_id, version)
    if after is None:
        return None
    try:
        return as_stored({**after, "places": []}, Service)
    except msgspec.ValidationError:  # a log line of an older shape
        return None


async def list_page(
    conn: asyncpg.Connection,
    *,
    limit: int,
    offset: int,
    at: datetime | None = None,
    q: str | None = None,
    organisation_id: UUID | None = None,
    theme: str | None = None,
    status: str | None = None,
    place_id: UUID | None = None,
) -> Page[Service]:
    where = """
        WHERE ($1::text IS NULL OR unaccent(s.name || ' ' || coalesce(s.alternate_name, ''))
                                   ILIKE '%' || unaccent($1) || '%')
          AND ($2::uuid IS NULL OR s.organisation_id = $2)
          AND ($3::text IS NULL OR EXISTS (
                SELECT 1 FROM service_theme t
                WHERE t.service_id = s.id AND (t.theme_id = $3 OR t.theme_id LIKE $3 || '.%')))
          AND ($4::text IS NULL OR s.status = $4)
          AND ($5::uuid IS NULL OR EXISTS (
                SELECT 1 FROM service_place sp WHERE sp.service_id = s.id AND sp.place_id = $5))"""
    args = (q, organisation_id, theme, status, place_id)
    total = await conn.fetchval("SELECT count(*) FROM service s" + where, *args)
    rows = await conn.fetch(
        Q.service_select + where + " ORDER BY lower(s.name), s.id LIMIT $6 OFFSET $7",
        *args,
        limit,
        offset,
    )
    items = [_from_row(r, at) for r in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


FREE_WITH_A_PRICE = (
    "must be empty when free is true: a service with a price is not free "
    "(set free to false to keep the price)"
)
"""A price note says what the service costs: the service cannot be free as well (a 422, not
the note or the flag silently dropped: the editor decides which is right)."""


async def _validate(conn: asyncpg.Connection, data: ServiceIn) -> None:
    errors = Errors()
    errors.extend(blank_fields({"name": data.name}))
    check_phones(errors, "phones", (phone.number for phone in data.phones))
    if data.age_min is not None and data.age_max is not None and data.age_min > data.age_max:
        errors.add("age_max", "must not be below age_min")
    if data.free and data.price:
        errors.add("price", FREE_WITH_A_PRICE)
    if len(set(data.themes)) != len(data.themes):
        errors.add("themes", "lists a theme twice")
    verified = data.last_verified_on
    if verified is not None and verified > local(datetime.now(UTC)).date():
        errors.add("last_verified_on", "must not be after today")
    await check_references(
        conn,
        errors,
        Q.themes_exist,
        "themes",
        [(f"themes[{i}]", t) for i, t in enumerate(data.themes)],
        "theme",
    )
    await check_references(
        conn,
        errors,
        Q.organisations_exist,
        "organisation_id",
        [("organisation_id", data.organisation_id)],
        "organisation",
    )
    seen: set[UUID] = set()
    for i, place in enumerate(data.places):
        path = f"places[{i}]"
        if place.place_id in seen:
            errors.add(f"{path}.place_id", "the service is already held at this place")
        seen.add(place.place_id)
        check_hours(errors, f"{path}.opening_hours", place.opening_hours)
        for j, exception in enumerate(place.exceptions):
            epath = f"{path}.exceptions[{j}]"
            if exception.ends_on < exception.starts_on:
                errors.add(f"{epath}.ends_on", "must not be before starts_on")
            for name in ("starts_on", "ends_on"):
                if not YEARS[0] <= getattr(exception, name).year <= YEARS[1]:
                    errors.add(f"{epath}.{name}", OUT_OF_YEARS)
            check_hours(errors, f"{epath}.opening_hours", exception.opening_hours)
    await check_references(
        conn,
        errors,
        Q.places_exist,
        "places",
        [(f"places[{i}].place_id", p.place_id) for i, p in enumerate(data.places)],
        "place",
    )
    errors.raise_if_any()


def _values(data: ServiceIn, capacity_set_at: datetime | None) -> tuple[Any, ...]:
    return (
        data.organisation_id,
        data.name,
        data.alternate_name,
        data.description,
        data.type,
        data.age_min,
        data.age_max,
        list(data.genders),
        list(data.situations),
        data.eligibility_notes,
        data.free,
        data.price,
        data.appointment_required,
        data.walk_in,
        data.unconditional,
        data.referral_only,
        list(data.documents),
        list(data.languages),
        data.how_to_access,
        data.email,
        data.website,
        msgspec.to_builtins(data.phones),
        data.capacity_status,
        capacity_set_at,
        data.status,
        data.last_verified_on,
    )


async def _write_places(conn: asyncpg.Connection, service_id: UUID, data: ServiceIn) -> None:
    # Keep the ids of places that stay, so search documents and referrals keep pointing at them.
    await conn.execute(
        Q.remove_service_places_except, service_id, [p.place_id for p in data.places]
    )
    for position, place in enumerate(data.places):
        try:
            service_place_id = await conn.fetchval(
                Q.upsert_service_place,
                service_id,
                place.place_id,
                place.opening_hours,
                place.hours_note,
                position,
            )
        except asyncpg.ForeignKeyViolationError as error:
            # The place was removed after `_validate` found it (someone else, meanwhile):
            # the 422 names it as `_validate` would. Told apart here, where it failed, at no
            # cost to the writes that go through (a savepoint per place would slow imports).
            if "(place_id)" in (error.detail or ""):
                about_field(error, f"places[{position}].place_id")
            raise
        exceptions = place.exceptions
        await conn.execute(
            Q.replace_hours_exceptions,
            service_place_id,
            [e.starts_on for e in exceptions],
            [e.ends_on for e in exceptions],
            [e.opening_hours for e in exceptions],
            [e.message for e in exceptions],
        )


async def create(
    conn: asyncpg.Connection,
    data: ServiceIn,
    actor: Actor,
    *,
    id: UUID | None = None,
    capacity_set_at: datetime | None = None,
) -> Service:
    """Add a service of an organisation the actor edits, with its places and hours."""
    actor.require_editor(data.organisation_id, "this organisation's services")
    await _validate(conn, data)
    new_id = await conn.fetchval(Q.insert_service, id, *_values(data, capacity_set_at))
    await conn.execute(Q.replace_service_themes, new_id, list(data.themes))
    await _write_places(conn, new_id, data)
    created = await get(conn, new_id)
    await record_change(conn, "service", new_id, "create", actor, None, snapshot(created))
    await enqueue_search(conn, [new_id])
    return created


async def update(
    conn: asyncpg.Connection,
    service_id: UUID,
    data: ServiceIn,
    actor: Actor,
    expected_version: int | None,
    *,
    capacity_set_at: datetime | None = None,
) -> Service:
    """Replace a service's fields, places and hours, if still at the version the caller read."""
    row = check_version(
        await conn.fetchrow(Q.lock_service, service_id), expected_version, f"service {service_id}"
    )
    actor.require_editor(row["organisation_id"], "this service")
    if data.organisation_id != row["organisation_id"]:
        actor.require_editor(data.organisation_id, "services of the new organisation")
    await _validate(conn, data)
    before = await get(conn, service_id)
    await conn.execute(Q.update_service, service_id, *_values(data, capacity_set_at))
    await conn.execute(Q.replace_service_themes, service_id, list(data.themes))
    await _write_places(conn, service_id, data)
    after = await get(conn, service_id)
    await record_change(
        conn, "service", service_id, "update", actor, snapshot(before), snapshot(after)
    )
    await enqueue_search(conn, [service_id])
    return after


async def delete(
    conn: asyncpg.Connection, service_id: UUID, actor: Actor, expected_version: int | None
) -> None:
    """Remove a service and its hours."""
    row = check_version(
        await conn.fetchrow(Q.lock_service, service_id), expected_version, f"service {service_id}"
    )
    actor.require_editor(row["organisation_id"], "this service")
    before = await get(conn, service_id)
    await conn.execute(Q.delete_service, service_id)
    await record_change(conn, "service", service_id, "delete", actor, snapshot(before), None)
    await enqueue_search(conn, [service_id])


def as_input(record: Service) -> dict[str, Any]:
    """The writable fields of a stored service, the base a merge patch applies to."""
    data = snapshot(record)
    writable = {k: v for k, v in data.items() if k in ServiceIn.__struct_fields__}
    place_fields = {"place_id", "opening_hours", "hours_note", "exceptions"}
    writable["places"] = [
        {k: v for k, v in p.items() if k in place_fields} for p in data.get("places", [])
    ]
    return writable
