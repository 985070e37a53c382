"""The outbox consumer: wakes on NOTIFY, loses nothing when an engine fails, refreshes on dates."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time

import asyncpg
import pytest

from search.backend import EngineQuery
from search.documents import DocumentBuilder
from search.meilisearch import MeilisearchEngine
from search.outbox import OutboxConsumer
from search.postgres import PostgresEngine
from tests.integration.search.conftest import Catalogue, sync

pytestmark = pytest.mark.asyncio


async def pending(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch(
            "SELECT service_id::text, attempts, engines_done, last_error FROM search_outbox "
            "WHERE done_at IS NULL ORDER BY id"
        )


async def retry_now(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("UPDATE search_outbox SET next_attempt_at = now()")


async def test_postgres_engine_outage_loses_nothing(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    engine = PostgresEngine(pool)
    consumer = OutboxConsumer(pool, [engine], builder)
    first = await catalogue.service("Colis alimentaires")
    await consumer.drain()
    # The engine breaks: its table is gone. Writes keep coming.
    async with pool.acquire() as conn:
        await conn.execute("ALTER TABLE search_document RENAME TO search_document_away")
    second = await catalogue.service("Épicerie sociale")
    await consumer.drain()
    [row] = await pending(pool)
    assert row["service_id"] == second and row["attempts"] == 1
    assert "UndefinedTable" in row["last_error"]
    await retry_now(pool)
    await consumer.drain()  # still down: another attempt, still waiting
    assert (await pending(pool))[0]["attempts"] == 2
    # The engine comes back: the waiting change goes through, the older one is still there.
    async with pool.acquire() as conn:
        await conn.execute("ALTER TABLE search_document_away RENAME TO search_document")
    await retry_now(pool)
    await consumer.drain()
    assert await pending(pool) == []
    found = await engine.search(EngineQuery(limit=10))
    assert {hit.document["service_id"] for hit in found.hits} == {first, second}


async def test_a_service_whose_document_cannot_be_built_holds_up_no_other(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    """Data the builder cannot read (a closure to 9999-12-31, as written before the catalogue
    refused it): that service's row waits with backoff and says why, the rest of its batch
    is searchable, and what the engine had of it stays. The batch used to be claimed again
    and again, holding every later change back."""
    engine = PostgresEngine(pool)
    consumer = OutboxConsumer(pool, [engine], builder)
    await catalogue.organisation()
    place = await catalogue.place()
    shelter = await catalogue.service("Abri de nuit", places=[(place, "Mo-Su 20:00-08:00")])
    await consumer.drain()
    async with pool.acquire() as conn:
        await conn.execute(
            """INSERT INTO hours_exception (service_place_id, starts_on, ends_on)
               SELECT id, '2026-12-01', '9999-12-31' FROM service_place WHERE service_id = $1""",
            shelter,
        )
        await conn.execute("SELECT enqueue_search($1::uuid[])", [shelter])
    parcels = await catalogue.service("Colis alimentaires", places=[(place, "Tu 09:00-12:00")])
    await consumer.drain()
    [row] = await pending(pool)
    assert row["service_id"] == shelter and row["attempts"] == 1
    assert row["last_error"].startswith("document not built: OverflowError")
    found = await engine.search(EngineQuery(limit=10))
    assert {hit.document["service_id"] for hit in found.hits} == {shelter, parcels}
    # Put right, it goes through at its next attempt.
    async with pool.acquire() as conn:
        await conn.execute("UPDATE hours_exception SET ends_on = '2026-12-31'")
    await retry_now(pool)
    await consumer.drain()
    assert await pending(pool) == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # nothing listens there once the socket is closed


async def test_meilisearch_down_holds_its_rows_without_holding_postgres_back(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    postgres = PostgresEngine(pool)
    meili = MeilisearchEngine(f"http://127.0.0.1:{_closed_port()}", index="services", timeout=1)
    consumer = OutboxConsumer(pool, [postgres, meili], builder)
    service_id = await catalogue.service("Colis alimentaires")
    await consumer.drain()
    [row] = await pending(pool)
    assert row["engines_done"] == ["postgres"] and row["attempts"] == 1
    assert "meilisearch" in row["last_error"]
    assert (await postgres.search(EngineQuery(text="colis"))).total == 1
    # Meilisearch is dropped from the configuration: the row completes with what is left.
    await retry_now(pool)
    await OutboxConsumer(pool, [postgres], builder).drain()
    assert await pending(pool) == []
    await meili.close()
    assert service_id


async def test_worker_wakes_on_notify_and_change_is_visible_within_a_second(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    engine = PostgresEngine(pool)
    # A long poll interval: only the notification can wake the worker in time.
    consumer = OutboxConsumer(pool, [engine], builder, poll_interval=30)
    task = asyncio.create_task(consumer.run())
    try:
        await asyncio.sleep(0.3)  # let it start listening
        started = time.monotonic()
        await catalogue.service("Vestiaire solidaire", themes=["clothing"])
        while (await engine.search(EngineQuery(text="vestiaire"))).total == 0:
            assert time.monotonic() - started < 1.0, "the change was not searchable within 1 s"
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_service_no_longer_offered_leaves_the_index(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    engine = PostgresEngine(pool)
    place = await catalogue.place()
    service_id = await catalogue.service("Vestiaire solidaire", places=[(place, None)])
    await sync(pool, [engine], builder)
    assert (await engine.search(EngineQuery(text="vestiaire"))).total == 1
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("UPDATE service SET status = 'inactive' WHERE id = $1", service_id)
        await conn.execute("SELECT enqueue_search(ARRAY[$1::uuid])", service_id)
    await sync(pool, [engine], builder)
    assert (await engine.search(EngineQuery(text="vestiaire"))).total == 0
    assert await pending(pool) == []


async def test_documents_are_refreshed_when_their_date_comes(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    place = await catalogue.place()
    service_id = await catalogue.service("Permanence", places=[(place, "Mo 09:00-11:00")])
    consumer = OutboxConsumer(pool, [PostgresEngine(pool)], builder)
    await consumer.drain()
    async with pool.acquire() as conn:
        due = await conn.fetchval(
            "SELECT due_at FROM search_refresh WHERE service_id = $1", service_id
        )
        assert due is not None
        await conn.execute("UPDATE search_refresh SET due_at = now() - interval '1 second'")
    assert await consumer.enqueue_due_refreshes() == 1
    assert [r["service_id"] for r in await pending(pool)] == [service_id]
    await consumer.drain()
    assert await pending(pool) == []


async def test_two_workers_never_write_one_service_at_once(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    """While another worker holds a service (its lock), a second one waits for it, so the
    newer document is always written last."""
    engine = PostgresEngine(pool)
    consumer = OutboxConsumer(pool, [engine], builder)
    service_id = await catalogue.service("Colis alimentaires")
    async with pool.acquire() as other_worker, other_worker.transaction():
        await other_worker.execute("SELECT pg_advisory_xact_lock(service_lock_key($1))", service_id)
        waiting = asyncio.create_task(consumer.run_once())
        await asyncio.sleep(0.5)
        assert not waiting.done()
    claimed, done = await asyncio.wait_for(waiting, 5)
    assert (claimed, done) == (1, 1)
    assert (await engine.search(EngineQuery(text="colis"))).total == 1
