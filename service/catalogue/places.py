"""Places: the addresses where services are held, with their access and coordinates."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from schemas.catalogue import Place, PlaceIn
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
from service.catalogue.validation import Errors, check_phones, check_references
from service.errors import Conflict, NotFound, blank_fields


async def get(conn: asyncpg.Connection, place_id: UUID) -> Place:
    row = await conn.fetchrow(Q.place_select + " WHERE p.id = $1", place_id)
    if row is None:
        raise NotFound(f"place {place_id}")
    return as_stored(dict(row), Place)


async def list_page(
    conn: asyncpg.Connection,
    *,
    limit: int,
    offset: int,
    q: str | None = None,
    organisation_id: UUID | None = None,
    territory_id: str | None = None,
    postal_code: str | None = None,
) -> Page[Place]:
    where = """
        WHERE ($1::text IS NULL OR unaccent(p.name || ' ' || p.street || ' ' || p.commune)
                                   ILIKE '%' || unaccent($1) || '%')
          AND ($2::uuid IS NULL OR p.organisation_id = $2)
          AND ($3::text IS NULL OR p.territory_id = $3 OR p.territory_id LIKE $3 || '.%')
          AND ($4::text IS NULL OR p.postal_code = $4)"""
    args = (q, organisation_id, territory_id, postal_code)
    total = await conn.fetchval("SELECT count(*) FROM place p" + where, *args)
    rows = await conn.fetch(
        Q.place_select + where + " ORDER BY lower(p.name), p.id LIMIT $5 OFFSET $6",
        *args,
        limit,
        offset,
    )
    items = [as_stored(dict(r), Place) for r in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


async def _validate(conn: asyncpg.Connection, data: PlaceIn) -> None:
    errors = Errors()
    errors.extend(blank_fields({"name": data.name, "street": data.street, "commune": data.commune}))
    check_phones(errors, "phones", (phone.number for phone in data.phones))
    if (data.latitude is None) != (data.longitude is None):
        errors.add(
            "latitude" if data.latitude is None else "longitude",
            "latitude and longitude go together",
        )
    if data.territory_id is not None and not await conn.fetchval(
        Q.territory_exists, data.territory_id
    ):
        errors.add("territory_id", f"unknown territory {data.territory_id}")
    if data.organisation_id is not None:
        await check_references(
            conn,
            errors,
            Q.organisations_exist,
            "organisation_id",
            [("organisation_id", data.organisation_id)],
            "organisation",
        )
    errors.raise_if_any()


def _values(data: PlaceIn) -> tuple[Any, ...]:
    return (
        data.organisation_id,
        data.name,
        data.description,
        data.street,
        data.postal_code,
        data.commune,
        data.territory_id,
        data.latitude,
        data.longitude,
        data.wheelchair,
        data.accessibility_notes,
        data.transport_notes,
        msgspec.to_builtins(data.phones),
    )


def _require_owner(actor: Actor, organisation_id: UUID | None) -> None:
    if organisation_id is None:
        actor.require_coordinator("manage places that belong to no organisation")
    else:
        actor.require_editor(organisation_id, "this place")


async def _located(conn: asyncpg.Connection, data: PlaceIn, before: Place | None) -> PlaceIn:
    """The place as it will be stored: a territory found from its address when none was said
    (search filters by commune and section on it), found again when the address moved to
    another postal code or commune; and there, coordinates left as they were are dropped,
    since they point at the old address (distances and the map would send people there)."""
    moved = before is not None and (
        (before.postal_code, before.commune.casefold())
        != (data.postal_code, data.commune.casefold())
    )
    changes: dict[str, Any] = {}
    if data.territory_id is None or (
        moved and before is not None and data.territory_id == before.territory_id
    ):
        changes["territory_id"] = await conn.fetchval(
            Q.territory_of_address, data.postal_code, data.commune
        )
    if (
        moved
        and before is not None
        and (data.latitude, data.longitude)
        == (
            before.latitude,
            before.longitude,
        )
    ):
        changes.update(latitude=None, longitude=None)
    return msgspec.structs.replace(data, **changes) if changes else data


async def create(
    conn: asyncpg.Connection, data: PlaceIn, actor: Actor, *, id: UUID | None = None
) -> Place:
    """Add a place owned by an organisation the actor edits."""
    _require_owner(actor, data.organisation_id)
    await _validate(conn, data)
    data = await _located(conn, data, None)
    new_id = await conn.fetchval(Q.insert_place, id, *_values(data))
    created = await get(conn, new_id)
    await record_change(conn, "place", new_id, "create", actor, None, snapshot(created))
    return created


async def update(
    conn: asyncpg.Connection,
    place_id: UUID,
    data: PlaceIn,
    actor: Actor,
    expected_version: int | None,
) -> Place:
    """Replace a place's fields, if it is still at the version the caller read."""
    row = check_version(
        await conn.fetchrow(Q.lock_place, place_id), expected_version, f"place {place_id}"
    )
    _require_owner(actor, row["organisation_id"])
    if data.organisation_id != row["organisation_id"]:
        _require_owner(actor, data.organisation_id)
    await _validate(conn, data)
    before = await get(conn, place_id)
    data = await _located(conn, data, before)
    await conn.execute(Q.update_place, place_id, *_values(data))
    after = await get(conn, place_id)
    await record_change(conn, "place", place_id, "update", actor, snapshot(before), snapshot(after))
    await enqueue_search(conn, await conn.fetchval(Q.place_service_ids, place_id))
    return after


async def delete(
    conn: asyncpg.Connection, place_id: UUID, actor: Actor, expected_version: int | None
) -> None:
    """Remove a place no service is held at any more (409 naming those that still are: their
    hours there would go with it, and some may be other organisations')."""
    row = check_version(
        await conn.fetchrow(Q.lock_place, place_id), expected_version, f"place {place_id}"
    )
    _require_owner(actor, row["organisation_id"])
    held = [r["name"] for r in await conn.fetch(Q.services_held_at_place, place_id)]
    if held:
        named = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
        raise Conflict(
            f"services are still held at this place, with their hours there: {named};"
            " take them out of it (or move them to another place) first"
        )
    before = await get(conn, place_id)
    await conn.execute(Q.delete_place, place_id)
    await record_change(conn, "place", place_id, "delete", actor, snapshot(before), None)


def as_input(record: Place) -> dict[str, Any]:
    """The writable fields of a stored place, the base a merge patch applies to."""
    data = snapshot(record)
    return {k: v for k, v in data.items() if k in PlaceIn.__struct_fields__}
