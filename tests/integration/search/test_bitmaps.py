"""The PostgreSQL engine's bitmaps (`search/bitmaps.py`, migration 019): after every kind of
write they hold exactly what the documents say, and a search on them answers as the statement
that reads every match."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from itertools import product
from typing import Any

import asyncpg
import numpy as np
import pytest

from schemas.search import SearchFilters
from search import bitmaps, results
from search.backend import TZ, Candidates, EngineQuery
from search.documents import DocumentBuilder
from search.postgres import PostgresEngine
from service.db.pool import create_pool
from service.search.engines import document_builder
from service.search.routes import OpeningCheck
from tests.integration.search.conftest import Catalogue, next_tuesday_at_14, sync

pytestmark = pytest.mark.asyncio

# Every (document number, key) the documents have, against every bit the bitmaps have set.
_DIFFERENCES = """
WITH expected AS (
    SELECT d.ord, k.key COLLATE "C" AS key FROM search_document d, search_bit_keys(d) AS k(key)
),
actual AS (
    SELECT b.block * 8192 + p AS ord, b.key
    FROM search_bits b, unnest(search_bits_positions(b.bits, 0, 8192)) AS p
)
SELECT (SELECT count(*) FROM (SELECT * FROM expected EXCEPT SELECT * FROM actual) AS m)
           AS missing,
       (SELECT count(*) FROM (SELECT * FROM actual EXCEPT SELECT * FROM expected) AS e)
           AS extra
"""


async def differences(pool: asyncpg.Pool) -> tuple[int, int]:
    """Bits the documents call for and are not set, and bits set that none calls for."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(_DIFFERENCES)
    return row["missing"], row["extra"]


async def held_as_stored(pool: asyncpg.Pool, engine: PostgresEngine) -> bool:
    """Whether the engine's held copy, brought up to date, is every bitmap the database
    holds (a block of zeros held or stored counts as none) at the database's generation."""
    await engine.hold()
    held = engine._held
    assert held is not None
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT key, block, bits FROM search_bits")
        generation = await conn.fetchval("SELECT value FROM search_generation")
        places = await conn.fetch("SELECT ord, latitude, longitude FROM search_document")
    stored = {
        (row["key"], row["block"]): row["bits"].bytes for row in rows if any(row["bits"].bytes)
    }
    copied = {
        (key, int(block)): bits.tobytes()
        for key, found in held.rows.items()
        for block, bits in zip(found.blocks, found.bits, strict=True)
        if bits.any()
    }
    located = all(
        (row["latitude"], row["longitude"])
        == (
            None if np.isnan(held.latitudes[row["ord"]]) else held.latitudes[row["ord"]],
            None if np.isnan(held.longitudes[row["ord"]]) else held.longitudes[row["ord"]],
        )
        for row in places
    )
    same_keys = held.keys == sorted(held.rows)
    return copied == stored and located and held.generation == generation and same_keys


async def test_the_bitmaps_say_what_the_documents_say_after_every_kind_of_write(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    await catalogue.organisation()
    bouvy = await catalogue.place("Bouvy", territory="la-louviere.la-louviere.bouvy")
    haine = await catalogue.place("Haine", territory="la-louviere.haine-saint-paul")
    parcels = await catalogue.service(
        "Colis alimentaires", places=[(bouvy, "Mo 09:00-12:00"), (haine, None)], free=True
    )
    shelter = await catalogue.service(
        "Abri de nuit", themes=["homelessness.night-shelter"], places=[(bouvy, None)]
    )
    engine = PostgresEngine(pool, bitmaps_from=0)
    await sync(pool, [engine], builder)
    assert await differences(pool) == (0, 0)
    assert await held_as_stored(pool, engine)
    first_copy = engine._held

    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(DISTINCT ord) FROM search_document") == 3
        # A new name and another theme, a place left and the other moved, a service closed down.
        await conn.execute(
            "UPDATE service SET name = 'Colis du lundi', free = false WHERE id = $1", parcels
        )
        await conn.execute(
            "DELETE FROM service_place WHERE service_id = $1 AND place_id = $2", parcels, haine
        )
        await conn.execute("DELETE FROM service WHERE id = $1", shelter)
        await conn.execute(
            "UPDATE place SET latitude = 50.5, longitude = 4.21 WHERE id = $1", bouvy
        )
        await conn.execute("SELECT enqueue_search($1::uuid[])", [parcels, shelter])
    await sync(pool, [engine], builder)
    assert await differences(pool) == (0, 0)
    assert await held_as_stored(pool, engine)  # what changed only
    assert engine._held is not None and first_copy is not None
    assert engine._held.version > first_copy.version
    async with pool.acquire() as conn:
        freed = {row["ord"] for row in await conn.fetch("SELECT ord FROM search_free_ord")}
    assert len(freed) == 2

    # A new service takes a freed number: the bitmaps stay dense.
    await catalogue.service("Vestiaire", themes=["clothing"], places=[(haine, None)])
    await sync(pool, [engine], builder)
    assert await differences(pool) == (0, 0)
    assert await held_as_stored(pool, engine)
    async with pool.acquire() as conn:
        ords = {row["ord"] for row in await conn.fetch("SELECT ord FROM search_document")}
        assert len(ords & freed) == 1
        assert await conn.fetchval("SELECT count(*) FROM search_free_ord") == 1

    # A reindex changes nothing that is right, and leaves no block of zeros; a copy held
    # from before the blocks were dropped is read whole again.
    before_reindex = engine._held
    await engine.reindex(builder.build_all(pool))
    assert await differences(pool) == (0, 0)
    async with pool.acquire() as conn:
        assert await conn.fetchval(f"SELECT count(*) FROM search_bits WHERE bits = {ZERO}") == 0
        assert await conn.fetchval("SELECT bits_dropped FROM search_generation") > 0
    assert await held_as_stored(pool, engine)
    assert engine._held is not None and before_reindex is not None
    assert engine._held.dropped > before_reindex.version
    result = await engine.search(EngineQuery(text="colis lundi"))
    assert [hit.document["name"] for hit in result.hits] == ["Colis du lundi"]
    assert result.facets["themes"] == {"food": 1, "food.food-parcels": 1}

    # The next write is read as what changed, not the whole again.
    after_reindex = engine._held
    async with pool.acquire() as conn:
        await conn.execute("UPDATE service SET name = 'Colis du mardi' WHERE id = $1", parcels)
        await conn.execute("SELECT enqueue_search($1::uuid[])", [parcels])
    await sync(pool, [engine], builder)
    assert await held_as_stored(pool, engine)
    assert engine._held.rows["#type=material_aid"] is after_reindex.rows["#type=material_aid"]


ZERO = "B'0'::bit(8192)"


async def test_the_held_bitmaps_answer_only_at_their_generation(
    pool: asyncpg.Pool,
    catalogue: Catalogue,
    builder: DocumentBuilder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine hands its statement the matches computed from the bitmaps it holds, and
    counts their facets, only when the statement sees the copy's generation; after a write
    the statement combines the bitmaps itself, and the copy reads what changed."""
    await catalogue.organisation()
    bouvy = await catalogue.place("Bouvy", territory="la-louviere.la-louviere.bouvy")
    haine = await catalogue.place("Haine", territory="la-louviere.haine-saint-paul")
    parcels = await catalogue.service(
        "Colis alimentaires", places=[(bouvy, None), (haine, None)], free=True
    )
    await catalogue.service("Colis de Noël", themes=["family"], places=[(haine, None)])
    engine = PostgresEngine(pool, bitmaps_from=0)
    reference = PostgresEngine(pool, bitmaps_from=None)
    await sync(pool, [engine], builder)
    query = EngineQuery(text="colis")

    first = await engine.search(query)  # not held yet: the bitmaps are read meanwhile
    assert engine._holding is not None
    await engine._holding
    held = engine._held
    assert held is not None and held.generation > 0 and engine._facets.values
    on_held = await engine.search(query)
    assert held.terms, "the held copy answered"
    expected = {
        "commune": {"la-louviere": 3},
        "section": {"la-louviere.haine-saint-paul": 2, "la-louviere.la-louviere": 1},
        "themes": {"family": 1, "food": 2, "food.food-parcels": 2},
        "type": {"material_aid": 3},
        "wheelchair": {"unknown": 3},
    }
    assert first.facets == on_held.facets == (await reference.search(query)).facets
    assert {facet: on_held.facets[facet] for facet in expected} == expected
    browse = EngineQuery(text="", filters=SearchFilters(communes=["la-louviere"], free=True))
    assert (await engine.search(browse)).facets == (await reference.search(browse)).facets

    # A write: the copy is of an older generation, the statement combines the bitmaps.
    monkeypatch.setattr("search.postgres.HELD_REREAD", 3600.0)
    async with pool.acquire() as conn:
        await conn.execute(
            "DELETE FROM service_place WHERE service_id = $1 AND place_id = $2", parcels, haine
        )
        await conn.execute("SELECT enqueue_search($1::uuid[])", [parcels])
    await sync(pool, [engine], builder)
    after = await engine.search(query)
    assert engine._held is held  # not read again within HELD_REREAD
    assert after.facets["section"] == {
        "la-louviere.haine-saint-paul": 1,
        "la-louviere.la-louviere": 1,
    }
    assert after.facets == (await reference.search(query)).facets
    assert [hit.document["id"] for hit in after.hits] == [
        hit.document["id"] for hit in (await reference.search(query)).hits
    ]

    monkeypatch.setattr("search.postgres.HELD_REREAD", 0.0)
    await engine.search(query)
    assert engine._holding is not None
    await engine._holding
    assert engine._held is not None and engine._held.generation > held.generation
    assert (await engine.search(query)).facets == after.facets
    assert engine._held.terms, "the new copy answered"
    await engine.close()


async def test_writers_at_the_same_time_leave_the_bitmaps_right(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    """A reindex in small batches while the outbox consumer's writes change and delete
    services (each writer takes the bitmaps' lock first): nothing waits forever, nothing is
    left half-written."""
    await catalogue.organisation()
    place = await catalogue.place()
    ids = [
        await catalogue.service(f"Service {n}", places=[(place, None)], free=n % 2 == 0)
        for n in range(24)
    ]
    engine = PostgresEngine(pool, bitmaps_from=0)
    await sync(pool, [engine], builder)

    async def outbox_writes() -> None:
        for n, service_id in enumerate(ids[:12]):
            async with pool.acquire() as conn:
                if n % 3 == 0:
                    await conn.execute("DELETE FROM service WHERE id = $1", service_id)
                else:
                    await conn.execute(
                        "UPDATE service SET name = $2, free = NOT free WHERE id = $1",
                        service_id,
                        f"Renamed {n}",
                    )
                documents = await builder.build(conn, [service_id])
            await engine.replace([service_id], documents)

    await asyncio.gather(engine.reindex(builder.build_all(pool, batch_size=2)), outbox_writes())
    # (Which version of a service wins is the reindex command's business: it queues again
    # what the consumer wrote meanwhile. Here: the bitmaps say what the rows say.)
    assert await differences(pool) == (0, 0)
    async with pool.acquire() as conn:
        numbers = [row["ord"] for row in await conn.fetch("SELECT ord FROM search_document")]
        freed = [row["ord"] for row in await conn.fetch("SELECT ord FROM search_free_ord")]
    assert len(set(numbers)) == len(numbers) and not set(numbers) & set(freed)


@pytest.fixture(scope="module")
async def demo_pool(demo_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(demo_url, max_size=2)
    yield pool
    await pool.close()


TEXTS = [
    "",
    "colis",
    "colis alimentaire",
    "logemant",
    "sdf",
    "sans papiers",
    "aide",
    "epiceri",
    "cpas la louviere",
    "douche vetements",
    "dettes energie",
    "medecin gratuit",
    "permanence mousty",
    "article 27",
    "zzzqqq",
    "de la",
    "colis zzzqqq",
]
FILTERS = [
    SearchFilters(),
    SearchFilters(communes=["la-louviere"]),
    SearchFilters(themes=["food", "housing"]),
    SearchFilters(free=True, walk_in=True),
    SearchFilters(wheelchair=False),
    SearchFilters(age=17, situation="homeless"),
    SearchFilters(languages=["nl"]),
    SearchFilters(languages=["nl", "ar"], communes=["la-louviere", "ottignies-louvain-la-neuve"]),
    SearchFilters(types=["accommodation", "material_aid"], unconditional=False),
    SearchFilters(gender="female", sections=["ottignies-louvain-la-neuve.louvain-la-neuve"]),
    SearchFilters(open_at=datetime(2026, 11, 23, 10, 30, tzinfo=TZ)),  # a Monday morning
    SearchFilters(open_at=datetime(2026, 12, 25, 21, 0, tzinfo=TZ), free=True),  # Christmas
    SearchFilters(open_at=datetime(2027, 6, 1, 9, 0, tzinfo=TZ)),  # past every slot window
    SearchFilters(open_at=next_tuesday_at_14(), communes=["la-louviere"]),  # within them
    SearchFilters(lat=50.47, lon=4.19),  # Haine-Saint-Paul
    SearchFilters(lat=50.47, lon=4.19, radius_km=3, communes=["la-louviere"]),
    # Several sections: any of them, the walk nearest first not bounded by one's box.
    SearchFilters(
        lat=50.47,
        lon=4.19,
        sections=["la-louviere.haine-saint-paul", "ottignies-louvain-la-neuve.louvain-la-neuve"],
    ),
    SearchFilters(lat=50.67, lon=4.6, free=True, open_at=datetime(2026, 11, 24, 14, tzinfo=TZ)),
]


def _candidates(found: Candidates) -> list[dict[str, Any]]:
    """What an opening check reads of each candidate (the rows also carry the summary)."""
    fields = ("id", "name", "distance_km", "status", "opening_hours", "exceptions", "facet_codes")
    return [{field: row[field] for field in fields} for row in found.rows]


@pytest.mark.parametrize("hold", [True, False], ids=["held", "combined-in-sql"])
async def test_a_search_on_the_bitmaps_answers_as_the_statement_that_reads_every_match(
    demo_pool: asyncpg.Pool, hold: bool
) -> None:
    """On the demo data every tier is small, hence ranked exactly: the same page, total,
    facets and fallback to any word, for words, typos, synonyms and every kind of filter;
    whether the matches are computed from the bitmaps held in the server (`search.held`)
    or combined by the statement."""
    on_bitmaps = PostgresEngine(demo_pool, bitmaps_from=0, hold=hold)
    if hold:
        await on_bitmaps.hold()
    reading_rows = PostgresEngine(demo_pool, bitmaps_from=None)
    compared = 0
    for text, filters, (limit, offset) in product(TEXTS, FILTERS, [(5, 0), (7, 4)]):
        query = EngineQuery(text=text, filters=filters, limit=limit, offset=offset)
        expected = await reading_rows.search(query)
        found = await on_bitmaps.search(query)
        where = f"{text!r} {filters} {offset}"
        assert found.total == expected.total, where
        assert found.all_words == expected.all_words, where
        assert [h.document["id"] for h in found.hits] == [
            h.document["id"] for h in expected.hits
        ], where
        assert [h.highlight for h in found.hits] == [h.highlight for h in expected.hits], where
        assert expected.facets_exact and found.facets_exact
        assert found.facets == expected.facets, where
        compared += bool(found.hits)
        if filters.open_at is not None and hold:
            # Kept among the matches before the page is cut, from the held bitmaps.
            is_open = OpeningCheck(filters.open_at).is_open
            kept = await results.search_exact(on_bitmaps, query, is_open)
            checked = await results.search_exact(reading_rows, query, is_open)
            assert [h.document["id"] for h in kept.hits] == [
                h.document["id"] for h in checked.hits
            ], where
            assert [h.highlight for h in kept.hits] == [h.highlight for h in checked.hits]
            assert (kept.total, kept.facets, kept.all_words) == (
                checked.total,
                checked.facets,
                checked.all_words,
            ), where
        if filters.open_at is not None:
            # The candidates of an exact opening check: the same, in the same order.
            light, rows = await on_bitmaps.scan(query, 50), await reading_rows.scan(query, 50)
            assert (light.total, light.all_words) == (rows.total, rows.all_words), where
            assert _candidates(light) == _candidates(rows), where
    assert compared > 100
    if hold:
        assert on_bitmaps._held is not None and on_bitmaps._held.opening, "kept from the copy"


@pytest.mark.parametrize("hold", [True, False], ids=["held", "combined-in-sql"])
async def test_the_nearest_matches_by_the_geometric_index_are_the_nearest_of_all(
    demo_pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch, hold: bool
) -> None:
    """Past `FEW` matches the page comes from walking the index of places nearest first
    (here always): the same page, distances and ties as sorting every match."""
    monkeypatch.setattr(bitmaps, "FEW", 0)
    on_bitmaps = PostgresEngine(demo_pool, bitmaps_from=0, hold=hold)
    if hold:
        await on_bitmaps.hold()
    reading_rows = PostgresEngine(demo_pool, bitmaps_from=None)
    points = [(50.47, 4.19), (50.668, 4.612), (49.5, 5.9)]
    for text, (lat, lon), offset in product(["", "colis", "aide", "zzzqqq"], points, [0, 7]):
        query = EngineQuery(
            text=text, filters=SearchFilters(lat=lat, lon=lon), limit=10, offset=offset
        )
        expected, found = await reading_rows.search(query), await on_bitmaps.search(query)
        assert found.total == expected.total
        assert [(h.document["id"], h.distance_km) for h in found.hits] == [
            (h.document["id"], h.distance_km) for h in expected.hits
        ], (text, lat, lon, offset)


async def test_a_walk_from_one_commune_into_another_stays_in_the_territory_asked(
    demo_pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a commune or section asked, the walk nearest first keeps within its box
    (migration 020): from a point in the other commune, the same page, distances and totals
    as sorting every match, with and without a radius."""
    monkeypatch.setattr(bitmaps, "FEW", 0)
    on_bitmaps = PostgresEngine(demo_pool, bitmaps_from=0, hold=False)
    reading_rows = PostgresEngine(demo_pool, bitmaps_from=None)
    places = [
        {"communes": ["la-louviere"]},
        {"communes": ["ottignies-louvain-la-neuve"]},
        {"sections": ["ottignies-louvain-la-neuve.louvain-la-neuve"]},
        {"communes": ["ottignies-louvain-la-neuve"], "sections": ["la-louviere.haine-saint-paul"]},
    ]
    points = [(50.47, 4.19, None), (50.668, 4.612, None), (50.47, 4.19, 40.0), (50.6, 4.4, 30.0)]
    compared = 0
    for text, place, (lat, lon, radius), offset in product(
        ["", "colis", "aide"], places, points, [0, 4]
    ):
        filters = SearchFilters(lat=lat, lon=lon, radius_km=radius, **place)
        query = EngineQuery(text=text, filters=filters, limit=6, offset=offset)
        expected, found = await reading_rows.search(query), await on_bitmaps.search(query)
        where = (text, place, lat, lon, radius, offset)
        assert found.total == expected.total, where
        assert found.facets == expected.facets, where
        assert [(h.document["id"], h.distance_km) for h in found.hits] == [
            (h.document["id"], h.distance_km) for h in expected.hits
        ], where
        compared += bool(found.hits)
    assert compared > 30


async def test_the_territories_boxes_follow_the_documents(
    pool: asyncpg.Pool,
    catalogue: Catalogue,
    builder: DocumentBuilder,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A place that moves out of its commune's box grows it in the same transaction, so the
    walk still finds it; a reindex makes the boxes exact again."""
    monkeypatch.setattr(bitmaps, "FEW", 0)
    engine = PostgresEngine(pool, bitmaps_from=0)
    await catalogue.organisation()
    near = await catalogue.place("Bouvy", territory="la-louviere.la-louviere", lat=50.48, lon=4.19)
    far = await catalogue.place("Strépy", territory="la-louviere.la-louviere", lat=50.47, lon=4.2)
    await catalogue.service("Colis alimentaires", places=[(near, None)])
    moving = await catalogue.service("Colis du soir", places=[(far, None)])
    await sync(pool, [engine], builder)

    async def boxes() -> dict[str, str]:
        async with pool.acquire() as conn:
            rows = await conn.fetch("SELECT territory, box::text FROM search_extent")
        return {row["territory"]: row["box"] for row in rows}

    before = await boxes()
    assert set(before) == {"la-louviere", "la-louviere.la-louviere"}

    async with pool.acquire() as conn:  # 25 km north-east, still said to be in La Louvière
        await conn.execute("UPDATE place SET latitude = 50.65, longitude = 4.45 WHERE id = $1", far)
        await conn.execute("SELECT enqueue_search($1::uuid[])", [moving])
    await sync(pool, [engine], builder)
    grown = await boxes()
    assert grown["la-louviere"] != before["la-louviere"]

    from_there = EngineQuery(
        text="colis", filters=SearchFilters(lat=50.66, lon=4.46, communes=["la-louviere"]), limit=1
    )
    found = await engine.search(from_there)
    assert [hit.document["name"] for hit in found.hits] == ["Colis du soir"]
    assert found.total == 2

    async with pool.acquire() as conn:  # back home: the box stays grown until a reindex
        await conn.execute("UPDATE place SET latitude = 50.47, longitude = 4.2 WHERE id = $1", far)
        await conn.execute("SELECT enqueue_search($1::uuid[])", [moving])
    await sync(pool, [engine], builder)
    assert await boxes() == grown
    await engine.reindex(builder.build_all(pool))
    assert await boxes() == before
    both = replace(from_there, limit=2)
    found = await engine.search(both)
    expected = await PostgresEngine(pool, bitmaps_from=None).search(both)
    assert [(h.document["name"], h.distance_km) for h in found.hits] == [
        (h.document["name"], h.distance_km) for h in expected.hits
    ]
    assert len(found.hits) == 2


async def test_within_a_radius_many_matches_are_estimated_from_the_nearest(
    demo_pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past RADIUS_COUNT matches within a radius (here 5), the page stays exact and the
    total and facets are estimates that say so, never beyond what the words match; from
    the bitmaps held in the server, they are exact."""
    reading_rows = PostgresEngine(demo_pool, bitmaps_from=None)
    on_bitmaps = PostgresEngine(demo_pool, bitmaps_from=0, hold=False)
    near = SearchFilters(lat=50.479, lon=4.187, radius_km=8)
    for few in (2000, 0):  # every match listed, and the nearest walked in the index
        monkeypatch.setattr(bitmaps, "FEW", few)
        monkeypatch.setattr(bitmaps, "RADIUS_COUNT", 500)
        query = EngineQuery(filters=near, limit=6, offset=3)
        exact = await on_bitmaps.search(query)
        expected = await reading_rows.search(query)
        assert exact.total_exact and exact.total == expected.total > 10
        assert exact.facets == expected.facets
        monkeypatch.setattr(bitmaps, "RADIUS_COUNT", 5)
        estimated = await on_bitmaps.search(query)
        assert not estimated.total_exact and not estimated.facets_exact
        assert [h.document["id"] for h in estimated.hits] == [
            h.document["id"] for h in expected.hits
        ]
        everywhere = await on_bitmaps.search(EngineQuery(filters=SearchFilters()))
        assert 6 <= estimated.total <= everywhere.total
        assert set(estimated.facets) <= set(expected.facets)

    # The bitmaps held in the server know where every match is: all counted, exactly.
    held = PostgresEngine(demo_pool, bitmaps_from=0)
    await held.hold()
    for text in ("", "colis", "aide"):
        query = EngineQuery(text=text, filters=near, limit=6, offset=3)
        counted, expected = await held.search(query), await reading_rows.search(query)
        assert counted.total_exact and counted.facets_exact
        assert (counted.total, counted.facets) == (expected.total, expected.facets)
        assert [h.document["id"] for h in counted.hits] == [h.document["id"] for h in expected.hits]
    await held.close()


async def test_an_opening_search_lists_candidates_in_steps_and_estimates_past_them(
    demo_pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Few candidates listed at a time (as a large catalogue's broad word has it): the page is
    the exact check's, the total an estimate that says so; all are checked when few."""
    query = EngineQuery(
        filters=SearchFilters(open_at=datetime(2026, 11, 23, 10, 30, tzinfo=TZ)), limit=5
    )
    is_open = OpeningCheck(datetime(2026, 11, 23, 10, 30, tzinfo=TZ)).is_open
    whole = await results.search_exact(PostgresEngine(demo_pool, bitmaps_from=None), query, is_open)
    assert whole.total_exact and whole.total > 20
    monkeypatch.setattr(results, "SCAN_EXACT", 10)
    engine = PostgresEngine(demo_pool, bitmaps_from=0, hold=False)
    monkeypatch.setattr(engine, "scan_size", lambda query, scan_limit: 8)
    for offset in (0, 12):
        step = replace(query, offset=offset)
        expected = await results.search_exact(
            PostgresEngine(demo_pool, bitmaps_from=0, hold=False), step, is_open
        )
        found = await results.search_exact(engine, step, is_open)
        assert [h.document["id"] for h in found.hits] == [h.document["id"] for h in expected.hits]
        assert not found.total_exact and not found.facets_exact
        assert found.total >= offset + len(found.hits)
    monkeypatch.setattr(results, "SCAN_EXACT", 1000)
    exact = await results.search_exact(engine, query, is_open)
    assert exact.total_exact and exact.total == whole.total and exact.facets == whole.facets
    # The facets (counted from the candidates' codes) are those of every open document.
    every = await results.search_exact(engine, replace(query, limit=whole.total), is_open)
    assert len(every.hits) == whole.total
    assert whole.facets == results.count_facets(hit.document for hit in every.hits)


async def test_tiers_come_in_order_and_within_a_large_one_documents_by_number(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    await catalogue.organisation()
    place = await catalogue.place()
    for name, description in [
        ("Lavoir", "Une douche chaude."),
        ("Douche chaude", "Au centre."),
        ("Vestiaire et douche", "Douche chaude, douche chaude, douche chaude."),
        ("Bains publics", "Douche chaude et savon."),
        ("Douches chaudes du matin", "Pour tous."),
    ]:
        await catalogue.service(name, description=description, places=[(place, None)])
    await sync(pool, [PostgresEngine(pool)], document_builder())
    engine = PostgresEngine(pool, bitmaps_from=0, exact_bucket=0)  # every tier "large"
    async with pool.acquire() as conn:
        number = dict(await conn.fetch("SELECT name, ord FROM search_document"))
    result = await engine.search(EngineQuery(text="douche chaude", limit=10))
    found = [hit.document["name"] for hit in result.hits]
    # Both words in the name first (the same words as typed, "douches chaudes" too); each
    # tier by document number.
    assert set(found[:2]) == {"Douche chaude", "Douches chaudes du matin"}
    assert found[:2] == sorted(found[:2], key=number.__getitem__)
    assert found[2:] == sorted(found[2:], key=number.__getitem__)
    assert result.total == 5
    # A page is the same slice of the answer wherever it cuts the tiers.
    for offset in range(5):
        page = await engine.search(EngineQuery(text="douche chaude", limit=2, offset=offset))
        assert [hit.document["name"] for hit in page.hits] == found[offset : offset + 2]


async def test_the_bitmaps_answer_from_a_number_of_documents(demo_pool: asyncpg.Pool) -> None:
    """BOUSSOLE_SEARCH_BITMAPS_FROM: below it the statement that reads every match answers
    (it costs less on a small catalogue); from it, the bitmaps (here with every tier in
    document number order, to tell them apart)."""
    query = EngineQuery(text="aide", limit=10)

    async def ids(engine: PostgresEngine) -> list[str]:
        return [hit.document["id"] for hit in (await engine.search(query)).hits]

    reading_rows = await ids(PostgresEngine(demo_pool, bitmaps_from=None))
    on_bitmaps = await ids(PostgresEngine(demo_pool, bitmaps_from=0, exact_bucket=0, hold=False))
    assert reading_rows != on_bitmaps
    assert await ids(PostgresEngine(demo_pool, bitmaps_from=10**6, exact_bucket=0)) == (
        reading_rows
    )
    from_100 = PostgresEngine(demo_pool, bitmaps_from=100, exact_bucket=0, hold=False)
    assert await ids(from_100) == on_bitmaps
