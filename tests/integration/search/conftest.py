"""Search fixtures: real engines on a fresh database, catalogue rows written as the catalogue does.

The PostgreSQL engine always runs; Meilisearch runs when MEILI_URL points at a live server,
each test on an index of its own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from search.backend import TZ, SearchEngine
from search.documents import DocumentBuilder
from search.meilisearch import MeilisearchEngine
from search.outbox import OutboxConsumer
from search.postgres import PostgresEngine
from service.search.engines import document_builder
from tests.conftest import create_database, drop_database

MEILI_URL = os.environ.get("MEILI_URL")


def next_tuesday_at_14() -> datetime:
    """A Tuesday afternoon within the weeks the documents carry opening slots for: a date
    fixed in the code would one day be past them, and every service a candidate."""
    today = datetime.now(TZ).replace(hour=14, minute=0, second=0, microsecond=0)
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


ENGINES = ["postgres", "postgres-tiers", "meilisearch"]


@pytest.fixture(params=ENGINES)
async def engine(request: pytest.FixtureRequest, pool: asyncpg.Pool) -> AsyncIterator[SearchEngine]:
    """Each engine in turn; Meilisearch only when MEILI_URL is set. "postgres-tiers" is
    PostgreSQL ordering every tier by document number, as it does a large catalogue's tier
    of thousands of matches (`search.bitmaps.EXACT_BUCKET`)."""
    if request.param == "postgres":
        yield PostgresEngine(pool)
        return
    if request.param == "postgres-tiers":
        # Searches read the bitmaps into the server as they would at that size; the copy is
        # of the generation the test starts with, then read again after its writes.
        tiers = PostgresEngine(pool, bitmaps_from=0, exact_bucket=0)
        yield tiers
        await tiers.close()
        return
    if not MEILI_URL:
        pytest.skip("Meilisearch contract tests need MEILI_URL=http://host:7700 (a live server)")
    meili = MeilisearchEngine(
        MEILI_URL, os.environ.get("MEILI_API_KEY"), index=f"test_{uuid.uuid4().hex[:10]}"
    )
    await meili.prepare()
    yield meili
    await meili._client.delete_index_if_exists(meili.index_uid)
    await meili.close()


@pytest.fixture
def builder() -> DocumentBuilder:
    return document_builder()


@dataclass
class Catalogue:
    """Writes catalogue rows directly, queuing them for search as the catalogue does."""

    pool: asyncpg.Pool
    organisation_id: uuid.UUID | None = None

    async def organisation(self, name: str = "CPAS de La Louvière", kind: str = "cpas") -> Any:
        async with self.pool.acquire() as conn:
            self.organisation_id = await conn.fetchval(
                "INSERT INTO organisation (name, kind) VALUES ($1, $2) RETURNING id", name, kind
            )
        return self.organisation_id

    async def place(
        self,
        name: str = "Maison de quartier",
        *,
        territory: str | None = "la-louviere.la-louviere",
        commune: str = "La Louvière",
        lat: float | None = 50.48,
        lon: float | None = 4.19,
        wheelchair: str = "unknown",
    ) -> Any:
        async with self.pool.acquire() as conn:
            return await conn.fetchval(
                """INSERT INTO place (organisation_id, name, street, postal_code, commune,
                                      territory_id, latitude, longitude, wheelchair)
                   VALUES ($1, $2, 'Rue Haute 1', '7100', $3, $4, $5, $6, $7) RETURNING id""",
                self.organisation_id,
                name,
                commune,
                territory,
                lat,
                lon,
                wheelchair,
            )

    async def service(
        self,
        name: str,
        *,
        themes: list[str] = ["food.food-parcels"],  # noqa: B006 - never mutated
        places: list[tuple[Any, str | None]] = (),  # type: ignore[assignment]
        exceptions: list[tuple[date, date, str | None]] = (),  # type: ignore[assignment]
        enqueue: bool = True,
        **columns: Any,
    ) -> str:
        """Insert a service held at `places` ([(place_id, opening_hours)]); return its id."""
        if self.organisation_id is None:
            await self.organisation()
        columns.setdefault("type", "material_aid")
        names = ["organisation_id", "name", *columns]
        values = [self.organisation_id, name, *columns.values()]
        placeholders = ", ".join(f"${i + 1}" for i in range(len(values)))
        async with self.pool.acquire() as conn, conn.transaction():
            service_id = await conn.fetchval(
                f"INSERT INTO service ({', '.join(names)}) VALUES ({placeholders}) RETURNING id",
                *values,
            )
            await conn.executemany(
                "INSERT INTO service_theme (service_id, theme_id) VALUES ($1, $2)",
                [(service_id, theme) for theme in themes],
            )
            for position, (place_id, hours) in enumerate(places):
                service_place = await conn.fetchval(
                    """INSERT INTO service_place (service_id, place_id, opening_hours, position)
                       VALUES ($1, $2, $3, $4) RETURNING id""",
                    service_id,
                    place_id,
                    hours,
                    position,
                )
                for starts, ends, replacement in exceptions:
                    await conn.execute(
                        """INSERT INTO hours_exception
                               (service_place_id, starts_on, ends_on, opening_hours)
                           VALUES ($1, $2, $3, $4)""",
                        service_place,
                        starts,
                        ends,
                        replacement,
                    )
            if enqueue:
                await conn.execute("SELECT enqueue_search($1::uuid[])", [service_id])
        return str(service_id)


@pytest.fixture
def catalogue(pool: asyncpg.Pool) -> Catalogue:
    return Catalogue(pool)


async def sync(
    pool: asyncpg.Pool, engines: list[SearchEngine], builder: DocumentBuilder
) -> OutboxConsumer:
    """Apply the pending outbox rows to the engines, as the worker would."""
    consumer = OutboxConsumer(pool, engines, builder)
    await consumer.drain()
    return consumer


# The demo data, indexed, in a database of its own for the session (a copy of the demo
# template): the relevance suite only reads it.
DEMO_DATABASE = "search_demo"


@pytest.fixture(scope="session")
async def demo_url(server_url: str, demo_template: str) -> AsyncIterator[str]:
    yield await create_database(server_url, DEMO_DATABASE, demo_template)
    await drop_database(server_url, DEMO_DATABASE)
