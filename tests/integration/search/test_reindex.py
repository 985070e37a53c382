"""`boussole search reindex`: every document rebuilt from the catalogue, and what the outbox
consumer wrote meanwhile queued again, so that an older batch does not have the last word."""

from __future__ import annotations

import argparse

import asyncpg
import pytest

from search.backend import EngineQuery
from search.documents import DocumentBuilder
from search.outbox import requeue_written_since
from search.postgres import PostgresEngine
from service.search.commands import reindex
from service.settings import Settings
from tests.integration.search.conftest import Catalogue, sync

pytestmark = pytest.mark.asyncio


async def test_the_command_rebuilds_every_document(
    pool: asyncpg.Pool, catalogue: Catalogue, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await catalogue.service("Colis alimentaires")
    await catalogue.service("Douches")
    await pool.execute("DELETE FROM search_outbox")  # never indexed: only the rebuild will
    args = argparse.Namespace(engine="postgres", batch_size=1, quiet=True)
    assert await reindex(args, settings) == 0
    assert "postgres: 2 documents indexed" in capsys.readouterr().out
    found = await PostgresEngine(pool).search(EngineQuery(text="douches"))
    assert [hit.document["name"] for hit in found.hits] == ["Douches"]


async def test_a_service_that_cannot_be_built_stops_the_rebuild_and_is_named(
    pool: asyncpg.Pool, catalogue: Catalogue, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rebuild without it would drop its documents: the command names it and fails, and
    the index keeps every document it had."""
    await catalogue.organisation()
    place = await catalogue.place()
    shelter = await catalogue.service("Abri de nuit", places=[(place, "Mo-Su 20:00-08:00")])
    await catalogue.service("Douches", places=[(place, "Tu 09:00-12:00")])
    args = argparse.Namespace(engine="postgres", batch_size=10, quiet=True)
    assert await reindex(args, settings) == 0
    await pool.execute(
        """INSERT INTO hours_exception (service_place_id, starts_on, ends_on)
           SELECT id, '2026-12-01', '9999-12-31' FROM service_place WHERE service_id = $1""",
        shelter,
    )
    capsys.readouterr()
    assert await reindex(args, settings) == 1
    error = capsys.readouterr().err
    assert f"the document of service {shelter} cannot be built (OverflowError" in error
    found = await PostgresEngine(pool).search(EngineQuery(limit=10))
    assert sorted(hit.document["name"] for hit in found.hits) == ["Abri de nuit", "Douches"]


async def test_what_the_consumer_wrote_during_a_rebuild_is_written_again(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    before = await catalogue.service("Colis alimentaires")
    await sync(pool, [PostgresEngine(pool)], builder)
    await pool.execute("UPDATE search_outbox SET done_at = now() - interval '1 hour'")
    since = await pool.fetchval("SELECT clock_timestamp()")
    during = await catalogue.service("Douches")
    await sync(pool, [PostgresEngine(pool)], builder)
    assert await requeue_written_since(pool, since) == 1
    pending = await pool.fetch("SELECT service_id FROM search_outbox WHERE done_at IS NULL")
    assert [str(row["service_id"]) for row in pending] == [during]
    assert before != during
