"""HSDS 3.0 import: files from elsewhere import whole and twice without duplicates; a bad
record changes nothing and is named; the CLI works on the same database."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest

from service.interop.demo import DEMO_FILE
from service.interop.hsds_import import import_file
from tests.locks import until_waiting

pytestmark = pytest.mark.asyncio

DATA = Path(__file__).resolve().parents[1] / "data"
THIRD_PARTY = DATA / "third_party.hsds.json"
EXAMPLE = Path(__file__).resolve().parents[3] / "shared/hsds/3.0/examples/service_full.json"


async def _counts(pool: asyncpg.Pool) -> tuple[int, int, int, int]:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            """SELECT (SELECT count(*) FROM organisation) AS o, (SELECT count(*) FROM place) AS p,
                      (SELECT count(*) FROM service) AS s,
                      (SELECT count(*) FROM change_log) AS c"""
        )
    return row["o"], row["p"], row["s"], row["c"]


async def test_demo_imports_whole_and_again_without_duplicates(pool: asyncpg.Pool) -> None:
    first = await import_file(pool, DEMO_FILE)
    assert first.ok(), first.summary()
    assert first.created["service"] >= 80
    assert first.created["organisation"] >= 40
    counts = await _counts(pool)

    second = await import_file(pool, DEMO_FILE)
    assert second.ok(), second.summary()
    assert second.created["service"] == 0 and second.updated["service"] == 0
    assert second.unchanged["service"] == first.created["service"]
    assert await _counts(pool) == counts  # not even a change-log row

    async with pool.acquire() as conn:
        overnight = await conn.fetchval(
            "SELECT count(*) FROM service_place WHERE opening_hours LIKE '%20:00-08:00%'"
        )
        closures = await conn.fetchval(
            "SELECT count(*) FROM hours_exception WHERE opening_hours IS NULL"
        )
        closed = await conn.fetchval(
            "SELECT count(*) FROM service WHERE status = 'temporarily_closed'"
        )
    assert overnight >= 1 and closures >= 1 and closed >= 1


async def test_the_same_file_imported_twice_at_once_is_imported_once(pool: asyncpg.Pool) -> None:
    """A second import starts while the first is writing: it waits for the first, then
    finds every record unchanged; it used to refuse them as duplicates of rows the first
    had not committed yet, and write nothing."""
    async with pool.acquire() as conn, conn.transaction():
        # Someone edits the theme of the file's first service: the first import stops
        # there, its organisations and places written, not committed.
        await conn.execute("SELECT 1 FROM theme WHERE id = 'food.food-parcels' FOR UPDATE")
        first = asyncio.create_task(import_file(pool, THIRD_PARTY), name="first import")
        await until_waiting(pool, 1, first)
        second = asyncio.create_task(import_file(pool, THIRD_PARTY), name="second import")
        await until_waiting(pool, 2, second)
    done, again = await first, await second
    assert done.ok(), done.summary()
    assert done.created == {"organisation": 2, "place": 2, "service": 3}
    assert again.ok(), again.summary()
    assert again.created == {} and again.updated == {}
    assert again.unchanged == {"organisation": 2, "place": 2, "service": 3}
    assert await _counts(pool) == (2, 2, 3, 7)  # one change-log row per record


@pytest.mark.parametrize("name", ["third_party.hsds.json", "third_party.hsds.ndjson"])
async def test_a_file_written_elsewhere_imports(pool: asyncpg.Pool, name: str) -> None:
    report = await import_file(pool, DATA / name)
    assert report.ok(), report.summary()
    assert report.created == {"organisation": 2, "place": 2, "service": 3}

    async with pool.acquire() as conn:
        org = await conn.fetchrow("SELECT * FROM organisation WHERE name LIKE 'Les Restos%'")
        assert org["enterprise_number"] == "0412345614"
        assert org["phones"] == [{"number": "+3264223344", "kind": "voice", "label": ""}]
        assert org["parent_id"] is not None
        service = await conn.fetchrow("SELECT * FROM service WHERE name = 'Distribution de colis'")
        assert service["languages"] == ["fr", "ar"]
        assert service["documents"] == ["Composition de ménage"]
        themes = await conn.fetch(
            "SELECT theme_id FROM service_theme WHERE service_id = $1", service["id"]
        )
        assert [t["theme_id"] for t in themes] == [
            "food.food-parcels"
        ]  # matched by its Dutch label
        hours = await conn.fetch(
            """SELECT p.territory_id, sp.opening_hours, e.starts_on, e.opening_hours AS e_hours,
                      e.message
               FROM service_place sp JOIN place p ON p.id = sp.place_id
               LEFT JOIN hours_exception e ON e.service_place_id = sp.id
               WHERE sp.service_id = $1 ORDER BY sp.position""",
            service["id"],
        )
        assert [h["territory_id"] for h in hours] == [
            "la-louviere.la-louviere",
            "la-louviere.strepy-bracquegnies",
        ]
        assert hours[0]["opening_hours"] == "Tu,Th 09:30-12:00"
        assert hours[0]["e_hours"] is None and hours[0]["message"] == "Congé d'hiver"
        assert hours[1]["opening_hours"] == "Fr[-1] 14:00-16:00"
        meals = await conn.fetchrow(
            "SELECT status, free, price, age_min FROM service WHERE name = 'Repas chauds du soir'"
        )
        assert dict(meals) == {
            "status": "temporarily_closed",
            "free": False,
            "price": "2 € le repas",
            "age_min": 18,
        }

    again = await import_file(pool, DATA / name)
    assert again.unchanged == {"organisation": 2, "place": 2, "service": 3}


def _broken_copy(tmp_path: Path) -> tuple[Path, list[str]]:
    services = json.loads(THIRD_PARTY.read_text())
    services[0]["service_at_locations"][0]["schedules"][0]["opens_at"] = "9h30"
    services[1]["organization"] = dict(services[1]["organization"])
    services[1]["organization"]["organization_identifiers"] = [
        {"id": "x", "identifier_scheme": "BE-KBO", "identifier_type": "KBO",
         "identifier": "0412.345.615"}
    ]  # fmt: skip
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"contents": services}))
    return path, [services[0]["id"], services[1]["id"]]


async def test_a_bad_record_changes_nothing_and_is_named(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    path, bad_ids = _broken_copy(tmp_path)
    before = await _counts(pool)
    report = await import_file(pool, path)
    assert not report.ok() and not report.written
    reasons = dict(report.invalid)
    assert set(reasons) == set(bad_ids)
    assert "opens_at '9h30' is not a time" in reasons[bad_ids[0]]
    assert "check digits" in reasons[bad_ids[1]]
    assert await _counts(pool) == before

    skipping = await import_file(pool, path, skip_invalid=True)
    assert skipping.ok(skip_invalid=True)
    assert skipping.created["service"] == 1  # the third record alone


async def test_cli_import_reports_and_exits_non_zero(db_url: str, tmp_path: Path) -> None:
    path, bad_ids = _broken_copy(tmp_path)
    env = {**os.environ, "DATABASE_URL": db_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service.cli", "import", "hsds", str(path),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode == 1
    text = out.decode()
    assert all(record_id in text for record_id in bad_ids)
    assert "nothing was written" in text

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service.cli", "import", "hsds", str(THIRD_PARTY),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode == 0, out.decode()
    assert "services: 3 created" in out.decode()


async def test_the_official_example_is_refused_with_its_reason(pool: asyncpg.Pool) -> None:
    if not EXAMPLE.exists():
        pytest.skip(f"the HSDS examples are not beside the project ({EXAMPLE})")
    report = await import_file(pool, EXAMPLE)
    assert not report.written
    assert report.invalid[0][0] == "ac148810-d857-441c-9679-408f346de14b"
    assert "not in Belgium" in report.invalid[0][1]


def _capacity(code: str) -> list[dict[str, object]]:
    return [{"taxonomy_term": {"taxonomy": "boussole:capacity", "code": code}}]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"minimum_age": "five"}, "minimum_age"),
        ({"minimum_age": -5}, "minimum_age"),
        ({"email": ["a@b.be"]}, "email"),
        ({"name": 123}, "name"),
        ({"name": "x" * 5000}, "name"),
        ({"attributes": _capacity("plenty")}, "attributes"),
        ({"service_at_locations": [{"id": "a", "schedules": "Mo-Fr"}]},
         "service_at_locations[0].schedules"),
    ],
)  # fmt: skip
async def test_a_wrong_field_is_named_and_refuses_its_record(
    pool: asyncpg.Pool, tmp_path: Path, change: dict[str, object], field: str
) -> None:
    services = json.loads(THIRD_PARTY.read_text())
    services[0].update(change)
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(services))

    report = await import_file(pool, path)
    assert not report.written
    assert [record_id for record_id, _ in report.invalid] == [services[0]["id"]]
    assert field in report.invalid[0][1], report.summary()
    skipping = await import_file(pool, path, skip_invalid=True)
    assert skipping.written and skipping.created["service"] == 2, skipping.summary()


async def test_what_is_left_out_is_said(pool: asyncpg.Pool, tmp_path: Path) -> None:
    services = json.loads(THIRD_PARTY.read_text())
    services[0].update(email="guichet(at)restos.be", url="javascript:alert(1)", minimum_age=5.5)
    path = tmp_path / "dropped.json"
    path.write_text(json.dumps(services))
    report = await import_file(pool, path)
    assert report.ok(), report.summary()
    warnings = "\n".join(w for w in report.warnings if w.startswith(services[0]["id"]))
    assert "email 'guichet(at)restos.be' is not an e-mail address" in warnings
    assert "url 'javascript:alert(1)' is not an http(s) address" in warnings
    assert "minimum_age 5.5 is not in whole years; 5 kept" in warnings


async def test_places_are_removed_only_when_the_file_says_so(
    pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """`service_at_locations` absent or null leaves the places and hours as they are; a
    location without an address is refused, not dropped with the service's hours there."""
    assert (await import_file(pool, THIRD_PARTY)).ok()
    query = "SELECT place_id, opening_hours FROM service_place WHERE service_id = $1 ORDER BY 1"
    services = json.loads(THIRD_PARTY.read_text())
    service_id = UUID(services[0]["id"])
    async with pool.acquire() as conn:
        before = [tuple(r) for r in await conn.fetch(query, service_id)]
    assert len(before) == 2

    path = tmp_path / "partial.json"
    for partial in ({k: v for k, v in services[0].items() if k != "service_at_locations"},
                    {**services[0], "service_at_locations": None}):  # fmt: skip
        path.write_text(json.dumps([partial]))
        report = await import_file(pool, path)
        assert report.ok() and report.unchanged["service"] == 1, report.summary()

    no_address = json.loads(json.dumps(services[0]))
    del no_address["service_at_locations"][0]["location"]["addresses"]
    path.write_text(json.dumps([no_address]))
    report = await import_file(pool, path, skip_invalid=True)
    assert "addresses" in dict(report.invalid)[services[0]["id"]]
    async with pool.acquire() as conn:
        assert [tuple(r) for r in await conn.fetch(query, service_id)] == before

    path.write_text(json.dumps([{**services[0], "service_at_locations": []}]))
    assert (await import_file(pool, path)).updated["service"] == 1
    async with pool.acquire() as conn:
        assert await conn.fetch(query, service_id) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "holds no service record"),
        ('[{"id": "x", "name": "Caf\u00e9"}]'.encode("latin-1"), "not UTF-8"),
    ],
)
async def test_a_file_that_cannot_be_read_is_said_so_by_the_cli(
    db_url: str, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "file.json"
    path.write_bytes(content)
    env = {**os.environ, "DATABASE_URL": db_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service.cli", "import", "hsds", str(path), "--skip-invalid",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 1
    assert message in out.decode() and "nothing was written" in out.decode()
    assert b"Traceback" not in err


async def test_a_price_note_means_not_free(pool: asyncpg.Pool, tmp_path: Path) -> None:
    """A file that lists no costs but writes what the service costs was imported as free:
    the "Free" badge and filter showed it. A note that only says "free" is no price."""
    services = json.loads(THIRD_PARTY.read_text())
    parcels, meals, coordination = services
    parcels["fees_description"] = "3 € par colis"  # no cost options: it was taken as free
    meals.pop("cost_options")
    meals["fees_description"] = " Gratuit. "
    # Boussole's own attribute says free, the note says what is paid: the note wins, said.
    coordination["fees_description"] = "Participation de 2 €"
    coordination["attributes"] = [
        {
            "id": "3c8f8f0e-2f63-4c8e-9a57-0d0a7d9d4b11",
            "taxonomy_term": {
                "id": "2ccea0a1-b476-5e17-bcf5-60f98d2d5d8b",
                "code": "free",
                "name": "Gratuit",
                "taxonomy": "boussole:access",
            },
        }
    ]
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(services))
    report = await import_file(pool, path)
    assert report.ok(), report.summary()

    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT id, free, price FROM service")
    stored = {str(r["id"]): (r["free"], r["price"]) for r in rows}
    assert stored == {
        parcels["id"]: (False, "3 € par colis"),
        meals["id"]: (True, ""),
        coordination["id"]: (False, "Participation de 2 €"),
    }
    said = "'Participation de 2 €' says what the service costs: imported as not free"
    assert [w for w in report.warnings if said in w and w.startswith(coordination["id"])]
    # Imported again, nothing changes: the dropped "Gratuit." is not a difference.
    again = await import_file(pool, path)
    assert again.ok() and again.unchanged["service"] == 3, again.summary()
