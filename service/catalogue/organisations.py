"""Organisations: the partners of the network and their place in it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from schemas.catalogue import Organisation, OrganisationIn
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
from service.catalogue.validation import (
    Errors,
    check_phones,
    check_references,
    enterprise_number_error,
    format_enterprise_number,
    normalise_enterprise_number,
)
from service.errors import Conflict, NotFound, blank_fields


def _from_row(row: asyncpg.Record) -> Organisation:
    data = dict(row)
    data["enterprise_number"] = format_enterprise_number(data["enterprise_number"])
    return as_stored(data, Organisation)


async def get(conn: asyncpg.Connection, organisation_id: UUID) -> Organisation:
    row = await conn.fetchrow(Q.organisation_select + " WHERE o.id = $1", organisation_id)
    if row is None:
        raise NotFound(f"organisation {organisation_id}")
    return _from_row(row)


async def list_page(
    conn: asyncpg.Connection,
    *,
    limit: int,
    offset: int,
    q: str | None = None,
    kind: str | None = None,
    network: str | None = None,
    parent_id: UUID | None = None,
) -> Page[Organisation]:
    where = """
        WHERE ($1::text IS NULL OR unaccent(o.name || ' ' || coalesce(o.alternate_name, ''))
                                   ILIKE '%' || unaccent($1) || '%')
          AND ($2::text IS NULL OR o.kind = $2)
          AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM organisation_network n
                                          WHERE n.organisation_id = o.id AND n.network_id = $3))
          AND ($4::uuid IS NULL OR o.parent_id = $4)"""
    args = (q, kind, network, parent_id)
    total = await conn.fetchval("SELECT count(*) FROM organisation o" + where, *args)
    rows = await conn.fetch(
        Q.organisation_select + where + " ORDER BY lower(o.name), o.id LIMIT $5 OFFSET $6",
        *args,
        limit,
        offset,
    )
    return Page(items=[_from_row(r) for r in rows], total=total, limit=limit, offset=offset)


async def _validate(
    conn: asyncpg.Connection, data: OrganisationIn, organisation_id: UUID | None
) -> None:
    errors = Errors()
    errors.extend(blank_fields({"name": data.name}))
    check_phones(errors, "phones", (phone.number for phone in data.phones))
    if data.enterprise_number is not None:
        problem = enterprise_number_error(data.enterprise_number)
        if problem:
            errors.add("enterprise_number", problem)
    if data.parent_id is not None:
        await check_references(
            conn,
            errors,
            Q.organisations_exist,
            "parent_id",
            [("parent_id", data.parent_id)],
            "organisation",
        )
        if organisation_id is not None and await conn.fetchval(
            Q.organisation_descendant_of, organisation_id, data.parent_id
        ):
            errors.add("parent_id", "would make the organisation its own ancestor")
    await check_references(
        conn,
        errors,
        Q.networks_exist,
        "networks",
        [(f"networks[{i}]", n) for i, n in enumerate(data.networks)],
        "network",
    )
    errors.raise_if_any()


def _values(data: OrganisationIn) -> tuple[Any, ...]:
    number = data.enterprise_number
    return (
        data.name,
        data.alternate_name,
        data.kind,
        data.description,
        normalise_enterprise_number(number) if number else None,
        data.website,
        data.email,
        msgspec.to_builtins(data.phones),
        data.parent_id,
        data.language,
    )


async def create(
    conn: asyncpg.Connection, data: OrganisationIn, actor: Actor, *, id: UUID | None = None
) -> Organisation:
    """Add an organisation; only coordinators (or the system) may."""
    actor.require_coordinator("create organisations")
    await _validate(conn, data, None)
    new_id = await conn.fetchval(Q.insert_organisation, id, *_values(data))
    await conn.execute(Q.replace_organisation_networks, new_id, sorted(set(data.networks)))
    created = await get(conn, new_id)
    await record_change(conn, "organisation", new_id, "create", actor, None, snapshot(created))
    return created


async def update(
    conn: asyncpg.Connection,
    organisation_id: UUID,
    data: OrganisationIn,
    actor: Actor,
    expected_version: int | None,
) -> Organisation:
    """Replace an organisation's fields, if it is still at the version the caller read."""
    row = await conn.fetchrow(Q.lock_organisation, organisation_id)
    check_version(row, expected_version, f"organisation {organisation_id}")
    actor.require_editor(organisation_id, "this organisation")
    before = await get(conn, organisation_id)
    if data.parent_id != before.parent_id or data.networks != before.networks:
        # Where an organisation sits in the network is the coordinators' call.
        actor.require_coordinator("change an organisation's parent or networks")
    if data.parent_id is not None and data.parent_id != before.parent_id:
        await conn.execute(Q.lock_organisation_tree)
    await _validate(conn, data, organisation_id)
    await conn.execute(Q.update_organisation, organisation_id, *_values(data))
    await conn.execute(Q.replace_organisation_networks, organisation_id, sorted(set(data.networks)))
    after = await get(conn, organisation_id)
    await record_change(
        conn, "organisation", organisation_id, "update", actor, snapshot(before), snapshot(after)
    )
    await enqueue_search(conn, await conn.fetchval(Q.organisation_service_ids, organisation_id))
    return after


async def delete(
    conn: asyncpg.Connection, organisation_id: UUID, actor: Actor, expected_version: int | None
) -> None:
    """Remove an organisation with its places and services; coordinators only."""
    row = await conn.fetchrow(Q.lock_organisation, organisation_id)
    check_version(row, expected_version, f"organisation {organisation_id}")
    actor.require_coordinator("delete organisations")
    if await conn.fetchval(Q.organisation_has_referrals, organisation_id):
        raise Conflict(
            "the organisation has referrals, kept for the network's statistics: "
            "mark its services inactive instead of deleting it"
        )
    before = await get(conn, organisation_id)
    service_ids = await conn.fetchval(Q.organisation_service_ids, organisation_id)
    await conn.execute(Q.delete_organisation, organisation_id)
    await record_change(
        conn, "organisation", organisation_id, "delete", actor, snapshot(before), None
    )
    await enqueue_search(conn, service_ids)


def as_input(record: Organisation) -> dict[str, Any]:
    """The writable fields of a stored organisation, the base a merge patch applies to."""
    data = snapshot(record)
    return {k: v for k, v in data.items() if k in OrganisationIn.__struct_fields__}
