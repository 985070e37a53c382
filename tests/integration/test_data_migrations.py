"""Migrations that correct stored data, each run on rows written the old way.

The pattern: apply every migration before the one under test, write rows as the code of
that time wrote them (raw SQL: today's code refuses them), apply that migration alone, and
check what it left. Migrations are named by the end of their file name (without the number
or a branch's prefix such as `left_`), so that renumbering them when branches are merged
does not touch these tests.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import msgspec
import pytest

from service.db import migrations
from tests.conftest import create_database, drop_database

pytestmark = pytest.mark.asyncio


async def apply_until(conn: asyncpg.Connection, name: str, *, including: bool) -> None:
    """Apply the migrations before the one named `name` (e.g. 'phones_without_trunk_zero'),
    and that one too when `including`; later ones are left out."""
    everything = migrations.available()
    target = next((m for m in everything if m.name.endswith(name)), None)
    assert target is not None, f"no migration named {name}"
    with tempfile.TemporaryDirectory() as directory:
        for migration in everything:
            if migration.version < target.version or (
                including and migration.version == target.version
            ):
                (Path(directory) / migration.path.name).symlink_to(migration.path)
        await migrations.upgrade(conn, Path(directory))


@pytest.fixture
async def conn(server_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a new empty database, dropped after the test."""
    name = f"data_{uuid.uuid4().hex[:12]}"
    url = await create_database(server_url, name)
    connection = await asyncpg.connect(url)
    yield connection
    await connection.close()
    await drop_database(server_url, name)


def _phones(*numbers: str) -> str:
    return msgspec.json.encode(
        [{"number": n, "kind": "voice", "label": f"n{i}"} for i, n in enumerate(numbers)]
    ).decode()


async def _queued(conn: asyncpg.Connection) -> set[uuid.UUID]:
    rows = await conn.fetch("SELECT service_id FROM search_outbox WHERE done_at IS NULL")
    return {row["service_id"] for row in rows}


async def test_phones_stored_with_the_trunk_zero_lose_it(conn: asyncpg.Connection) -> None:
    await apply_until(conn, "phones_without_trunk_zero", including=False)
    org = await conn.fetchval(
        "INSERT INTO organisation (name, kind, phones) VALUES ('CPAS', 'cpas', $1::jsonb)"
        " RETURNING id",
        # A mobile and a fixed line with the trunk 0; a foreign number; one already right.
        _phones("+320470123456", "+32064511904", "+33123456789", "+3222223344"),
    )
    other_org = await conn.fetchval(
        "INSERT INTO organisation (name, kind, phones) VALUES ('ASBL', 'association', $1::jsonb)"
        " RETURNING id",
        _phones("+3264511904"),
    )
    place = await conn.fetchval(
        "INSERT INTO place (organisation_id, name, street, postal_code, commune, phones)"
        " VALUES ($1, 'Maison', 'Rue 1', '7100', 'La Louvière', $2::jsonb) RETURNING id",
        other_org,
        # The same number twice once corrected: the first entry stays, with its label.
        _phones("+32071234567", "+3271234567"),
    )
    untouched_place = await conn.fetchval(
        "INSERT INTO place (organisation_id, name, street, postal_code, commune, phones)"
        " VALUES ($1, 'Annexe', 'Rue 2', '7100', 'La Louvière', $2::jsonb) RETURNING id",
        other_org,
        # '+3200…' cannot become a Belgian number: left as it is, nothing guessed.
        _phones("+32001234567"),
    )
    service_of_org = await conn.fetchval(
        "INSERT INTO service (organisation_id, name, type) VALUES ($1, 'Colis', 'material_aid')"
        " RETURNING id",
        org,
    )
    service_at_place = await conn.fetchval(
        "INSERT INTO service (organisation_id, name, type) VALUES ($1, 'Douches', 'care')"
        " RETURNING id",
        other_org,
    )
    await conn.execute(
        "INSERT INTO service_place (service_id, place_id, position) VALUES ($1, $2, 0)",
        service_at_place,
        place,
    )
    own_phone = await conn.fetchval(
        "INSERT INTO service (organisation_id, name, type, phones)"
        " VALUES ($1, 'Écoute', 'information', $2::jsonb) RETURNING id",
        other_org,
        _phones("+32080012345"),  # a free number: 0800 12 345
    )
    unrelated = await conn.fetchval(
        "INSERT INTO service (organisation_id, name, type, phones)"
        " VALUES ($1, 'Conseil', 'information', $2::jsonb) RETURNING id",
        other_org,
        _phones("+3280012345"),
    )
    referral = await conn.fetchval(
        "INSERT INTO referral (reference, from_organisation_id, to_organisation_id,"
        " service_id, service_name, anonymous, consent_version, consent_at, expires_at)"
        " VALUES ('KX7-M4PQ', $1, $2, $3, 'Colis', false, '2026-01', now(),"
        " now() + interval '30 days') RETURNING id",
        other_org,
        org,
        service_of_org,
    )
    await conn.execute(
        "INSERT INTO referral_person (referral_id, reason, phone) VALUES ($1, 'colis', $2)",
        referral,
        "+320499887766",
    )
    await conn.execute("DELETE FROM search_outbox")

    await apply_until(conn, "phones_without_trunk_zero", including=True)

    async def numbers(table: str, id: uuid.UUID) -> list[tuple[str, str]]:
        phones = msgspec.json.decode(
            await conn.fetchval(f"SELECT phones::text FROM {table} WHERE id = $1", id)
        )
        return [(p["number"], p["label"]) for p in phones]

    assert await numbers("organisation", org) == [
        ("+32470123456", "n0"),
        ("+3264511904", "n1"),
        ("+33123456789", "n2"),
        ("+3222223344", "n3"),
    ]
    assert await numbers("place", place) == [("+3271234567", "n0")]
    assert await numbers("place", untouched_place) == [("+32001234567", "n0")]
    assert await numbers("service", own_phone) == [("+3280012345", "n0")]
    person_phone = "SELECT phone FROM referral_person WHERE referral_id = $1"
    assert await conn.fetchval(person_phone, referral) == "+32499887766"
    # What changed has a new version; what did not keeps its own.
    versions = {
        row["id"]: row["version"]
        for row in await conn.fetch(
            "SELECT id, version FROM organisation UNION ALL SELECT id, version FROM place"
            " UNION ALL SELECT id, version FROM service"
        )
    }
    assert versions[org] == versions[place] == versions[own_phone] == 2
    assert versions[other_org] == versions[untouched_place] == versions[unrelated] == 1
    # The search documents that carry a corrected number are rebuilt: the service's own,
    # its place's, its organisation's.
    assert await _queued(conn) == {service_of_org, service_at_place, own_phone}


async def test_anonymous_referrals_lose_the_consent_they_recorded(
    conn: asyncpg.Connection,
) -> None:
    await apply_until(conn, "anonymous_referrals_without_consent", including=False)
    sender = await conn.fetchval(
        "INSERT INTO organisation (name, kind) VALUES ('CPAS', 'cpas') RETURNING id"
    )
    receiver = await conn.fetchval(
        "INSERT INTO organisation (name, kind) VALUES ('ASBL', 'association') RETURNING id"
    )

    async def referral(reference: str, anonymous: bool, consent: bool) -> uuid.UUID:
        id: uuid.UUID = await conn.fetchval(
            "INSERT INTO referral (reference, from_organisation_id, to_organisation_id,"
            " service_name, anonymous, consent_version, consent_at, expires_at)"
            " VALUES ($1, $2, $3, 'Colis', $4, $5, $6, now() + interval '30 days')"
            " RETURNING id",
            reference,
            sender,
            receiver,
            anonymous,
            "2026-01" if consent else None,
            await conn.fetchval("SELECT now()") if consent else None,
        )
        return id

    # Written the old way: sent anonymously through the API with "consent": true.
    old_anonymous = await referral("AAA-0001", anonymous=True, consent=True)
    anonymous = await referral("AAA-0002", anonymous=True, consent=False)
    named = await referral("AAA-0003", anonymous=False, consent=True)
    before = await conn.fetchrow("SELECT * FROM referral WHERE id = $1", named)

    await apply_until(conn, "anonymous_referrals_without_consent", including=True)

    consent = "SELECT consent_version, consent_at FROM referral WHERE id = $1"
    assert tuple(await conn.fetchrow(consent, old_anonymous)) == (None, None)
    assert tuple(await conn.fetchrow(consent, anonymous)) == (None, None)
    # A referral that names a person keeps its consent, and everything else.
    assert await conn.fetchrow("SELECT * FROM referral WHERE id = $1", named) == before
    # From now on, the database itself refuses a consent on an anonymous referral.
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute(
            "UPDATE referral SET consent_version = '2026-12', consent_at = now() WHERE id = $1",
            anonymous,
        )


async def test_free_services_with_a_price_note_are_corrected(conn: asyncpg.Connection) -> None:
    await apply_until(conn, "free_services_without_price", including=False)
    org = await conn.fetchval(
        "INSERT INTO organisation (name, kind) VALUES ('ASBL', 'association') RETURNING id"
    )

    async def service(name: str, free: bool, price: str) -> uuid.UUID:
        id: uuid.UUID = await conn.fetchval(
            "INSERT INTO service (organisation_id, name, type, free, price)"
            " VALUES ($1, $2, 'material_aid', $3, $4) RETURNING id",
            org,
            name,
            free,
            price,
        )
        return id

    # Written the old way: imported "free" beside what it costs, or "free" and "Gratuit.".
    grocery = await service("Épicerie", True, "Produits vendus à prix réduit.")
    members = await service("Formation", True, "Gratuit pour les membres, 25 € pour les autres")
    said_free = await service("Colis", True, " Gratuit. ")
    said_free_nl = await service("Voedselpakketten", True, "Gratis!")
    spaces = await service("Douches", True, "  ")
    paid = await service("Repas", False, "2 € le repas")
    free = await service("Vestiaire", True, "")
    await conn.execute("DELETE FROM search_outbox")

    await apply_until(conn, "free_services_without_price", including=True)

    rows = await conn.fetch("SELECT id, free, price, version FROM service")
    stored = {r["id"]: (r["free"], r["price"], r["version"]) for r in rows}
    assert stored == {
        grocery: (False, "Produits vendus à prix réduit.", 2),
        members: (False, "Gratuit pour les membres, 25 € pour les autres", 2),
        said_free: (True, "", 2),
        said_free_nl: (True, "", 2),
        spaces: (True, "", 2),
        paid: (False, "2 € le repas", 1),
        free: (True, "", 1),
    }
    # Their search documents are rebuilt: the "Free" badge and filter read them.
    assert await _queued(conn) == {grocery, members, said_free, said_free_nl, spaces}
    with pytest.raises(asyncpg.CheckViolationError):
        await conn.execute("UPDATE service SET free = true WHERE id = $1", grocery)
