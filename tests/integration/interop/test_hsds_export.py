"""HSDS 3.0 export: every service validates against the official schema, and importing the
export into an empty database gives the same catalogue, hours and exceptions included."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
import pytest

from service.catalogue import organisations, places, services
from service.catalogue.services import hours_of
from service.interop.demo import load_demo
from service.interop.hsds_export import export_all, write_file
from service.interop.hsds_import import import_file

pytestmark = pytest.mark.asyncio

HSDS = Path(__file__).resolve().parents[4] / "shared" / "hsds" / "3.0"
STORED = {"version", "created_at", "updated_at"}


def _validator() -> Any:
    if not HSDS.is_dir():
        pytest.skip(f"HSDS 3.0 schemas not found at {HSDS} (shared/ folder absent)")
    from jsonschema import Draft202012Validator, FormatChecker

    schema = json.loads((HSDS / "schema" / "compiled" / "service.json").read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _problems(validator: Any, items: list[dict[str, Any]]) -> list[str]:
    return [
        f"{item.get('name')}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for item in items
        for e in validator.iter_errors(item)
    ]


def _plain(record: Any) -> dict[str, Any]:
    data = {k: v for k, v in msgspec.to_builtins(record).items() if k not in STORED}
    for place in data.get("places", []):
        place.pop("id", None)  # the id of the service at a place is the database's own
        place.pop("open", None)
    return data


async def _catalogue(pool: asyncpg.Pool) -> dict[str, dict[str, Any]]:
    async with pool.acquire() as conn:
        ids = {
            table: [r["id"] for r in await conn.fetch(f"SELECT id FROM {table} ORDER BY id")]
            for table in ("organisation", "place", "service")
        }
        result = {
            "organisation": {
                i: _plain(await organisations.get(conn, i)) for i in ids["organisation"]
            },
            "place": {i: _plain(await places.get(conn, i)) for i in ids["place"]},
            "service": {i: _plain(await services.get(conn, i)) for i in ids["service"]},
        }
        result["network"] = {
            r["id"]: dict(r) for r in await conn.fetch("SELECT id, name FROM network")
        }
    return result


def _moments(start: datetime) -> list[datetime]:
    # Every 97 minutes over two years: each weekday and time of day, clock changes, holidays.
    return [start + timedelta(minutes=97 * n) for n in range(0, 2 * 365 * 24 * 60 // 97, 7)]


async def _round_trip(pool: asyncpg.Pool, other: asyncpg.Pool, tmp_path: Path) -> list[dict]:
    exported = await export_all(pool)
    path = tmp_path / "export.hsds.json"
    write_file(exported, path)
    report = await import_file(other, path)
    assert report.ok(), report.summary()
    assert not report.warnings, report.summary()
    return exported


async def test_demo_exports_valid_hsds_and_imports_back_identical(
    pool: asyncpg.Pool, other_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await load_demo(pool)
    exported = await _round_trip(pool, other_pool, tmp_path)
    assert len(exported) >= 80
    problems = _problems(_validator(), exported)
    assert not problems, "\n".join(problems[:20])

    before, after = await _catalogue(pool), await _catalogue(other_pool)
    for entity in ("network", "organisation", "place", "service"):
        assert before[entity].keys() == after[entity].keys(), entity
        for key, record in before[entity].items():
            assert after[entity][key] == record, (entity, key)

    # Exporting again gives the same file, byte for byte.
    assert msgspec.json.encode(await export_all(pool)) == msgspec.json.encode(exported)

    sample = next(s for s in exported if s["service_at_locations"])
    assert sample["organization"]["organization_identifiers"][0]["identifier_scheme"] == (
        "BE-BCE_KBO"
    )
    address = sample["service_at_locations"][0]["location"]["addresses"][0]
    assert address["country"] == "BE" and address["state_province"] in {
        "Hainaut",
        "Brabant wallon",
    }
    assert any(s["status"] == "temporarily closed" for s in exported)


async def test_hours_an_editor_wrote_travel_faithfully(
    pool: asyncpg.Pool, other_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await load_demo(pool)
    today = datetime.now(UTC).date()
    written = {
        "Mo-Fr 09:00-12:00,13:30-16:00; PH off": [
            (today + timedelta(days=30), today + timedelta(days=60), "Mo-Fr 10:00-12:00; PH off"),
            (today + timedelta(days=90), today + timedelta(days=92), None),
        ],
        "Mo-Fr 08:00-18:00; Sa 10:00-12:00": [],
        "Tu,Th 09:30-12:00, We[2] 14:00-16:00": [
            (today + timedelta(days=10), today + timedelta(days=40),
             "Tu,Th 09:30-12:00, We[2] 14:00-16:00, Mo-Su 20:00-08:00"),
        ],
    }  # fmt: skip
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT id FROM service_place ORDER BY id LIMIT $1", len(written))
        for row, (expression, exceptions) in zip(rows, written.items(), strict=True):
            await conn.execute(
                "UPDATE service_place SET opening_hours = $2 WHERE id = $1", row["id"], expression
            )
            await conn.execute("DELETE FROM hours_exception WHERE service_place_id = $1", row["id"])
            for starts, ends, hours in exceptions:
                await conn.execute(
                    "INSERT INTO hours_exception (service_place_id, starts_on, ends_on, "
                    "opening_hours, message) VALUES ($1, $2, $3, $4, 'Horaire adapté')",
                    row["id"], starts, ends, hours,
                )  # fmt: skip
        changed = await conn.fetch(
            "SELECT service_id, place_id FROM service_place WHERE id = ANY($1::uuid[])",
            [r["id"] for r in rows],
        )
    await _round_trip(pool, other_pool, tmp_path)
    start = datetime.now(UTC)
    for row in changed:
        async with pool.acquire() as conn:
            one = await services.get(conn, row["service_id"])
        async with other_pool.acquire() as conn:
            other = await services.get(conn, row["service_id"])
        a = next(p for p in one.places if p.place_id == row["place_id"])
        b = next(p for p in other.places if p.place_id == row["place_id"])
        assert [(e.starts_on, e.ends_on, e.message) for e in a.exceptions] == [
            (e.starts_on, e.ends_on, e.message) for e in b.exceptions
        ]
        hours_a, hours_b = hours_of(a), hours_of(b)
        for moment in _moments(start):
            assert hours_a.state_at(moment).is_open == hours_b.state_at(moment).is_open, (
                a.opening_hours,
                b.opening_hours,
                moment,
            )


async def test_export_then_import_into_the_same_catalogue_changes_nothing(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """Hours of every kind an editor can write come back as written: no version, no history."""
    await load_demo(pool)
    today = datetime.now(UTC).date()
    summer = (today + timedelta(days=30), today + timedelta(days=60))
    written = {
        "Mo-Fr 09:00-17:00; Jul,Aug off": [(*summer, "Mo-Fr 10:00-12:00", "Horaire d'été")],
        "week 1-53/2 Mo 09:00-12:00": [],
        "Mo-Fr 08:00-12:00; PH 10:00-12:00": [(*summer, None, "Fermeture estivale")],
        "Mo[1] 09:00-12:00": [(*summer, "Mo-Fr 10:00-12:00; PH off", "")],
        "Mo-Fr 09:00-12:00; Dec 24-31 off": [],
        'Mo 10:00-12:00 "sur rendez-vous"': [],
        "Mo-Fr 09:00-12:00": [(*summer, "Mo-Fr 10:00-12:00; PH 10:00-11:00", "Réduit")],
        "Mo-Fr 09:00-12:00,13:30-16:00; PH off": [(*summer, "Mo-Fr 10:00-12:00", "")],
        "24/7": [],
    }
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT id FROM service_place ORDER BY id LIMIT $1", len(written))
        for row, (expression, exceptions) in zip(rows, written.items(), strict=True):
            await conn.execute(
                "UPDATE service_place SET opening_hours = $2 WHERE id = $1", row["id"], expression
            )
            await conn.execute("DELETE FROM hours_exception WHERE service_place_id = $1", row["id"])
            for starts, ends, hours, message in exceptions:
                await conn.execute(
                    "INSERT INTO hours_exception (service_place_id, starts_on, ends_on, "
                    "opening_hours, message) VALUES ($1, $2, $3, $4, $5)",
                    row["id"], starts, ends, hours, message,
                )  # fmt: skip
    query = """SELECT (SELECT array_agg((id, version) ORDER BY id) FROM service)::text AS s,
                      (SELECT count(*) FROM change_log) AS history,
                      (SELECT array_agg((service_place_id, starts_on, ends_on, opening_hours,
                                         message) ORDER BY 1, 2) FROM hours_exception)::text AS e,
                      (SELECT array_agg((id, opening_hours) ORDER BY id)
                       FROM service_place)::text AS h"""
    async with pool.acquire() as conn:
        before = dict(await conn.fetchrow(query))

    path = tmp_path / "export.hsds.json"
    write_file(await export_all(pool), path)
    report = await import_file(pool, path)
    assert report.ok(), report.summary()
    assert not report.warnings and not report.updated, report.summary()
    async with pool.acquire() as conn:
        assert dict(await conn.fetchrow(query)) == before


async def test_cli_exports_a_paged_body_and_ndjson(
    pool: asyncpg.Pool, db_url: str, tmp_path: Path
) -> None:
    await load_demo(pool)
    env = {**os.environ, "DATABASE_URL": db_url}
    for extra, name in (([], "page.json"), (["--ndjson"], "lines.ndjson")):
        target = tmp_path / name
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "service.cli", "export", "hsds", str(target), *extra,
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await process.communicate()
        assert process.returncode == 0, err.decode()
        text = target.read_text()
        if extra:
            lines = text.splitlines()
            assert len(lines) >= 80 and all(json.loads(line)["id"] for line in lines)
        else:
            body = json.loads(text)
            assert body["total_items"] == body["size"] == len(body["contents"]) >= 80
            assert body["total_pages"] == 1 and body["first_page"] and body["last_page"]
            UUID(body["contents"][0]["id"])


async def test_the_language_of_an_organisations_mails_travels(
    pool: asyncpg.Pool, other_pool: asyncpg.Pool, tmp_path: Path
) -> None:
    await load_demo(pool)
    async with pool.acquire() as conn:
        chosen = await conn.fetch("SELECT id FROM organisation ORDER BY id LIMIT 3")
        for row, language in zip(chosen, ("nl", "de", "en"), strict=True):
            await conn.execute(
                "UPDATE organisation SET language = $2 WHERE id = $1", row["id"], language
            )
    exported = await _round_trip(pool, other_pool, tmp_path)
    attributes = [
        a["taxonomy_term"]["code"]
        for s in exported
        for a in s["organization"]["attributes"]
        if a["taxonomy_term"]["taxonomy"] == "boussole:language"
    ]
    assert attributes and set(attributes) <= {"fr", "nl", "de", "en"}
    query = "SELECT id, language FROM organisation ORDER BY id"
    async with pool.acquire() as conn:
        before = [tuple(r) for r in await conn.fetch(query)]
    async with other_pool.acquire() as conn:
        after = [tuple(r) for r in await conn.fetch(query)]
    assert after == before
    assert {language for _, language in before} == {"fr", "nl", "de", "en"}
