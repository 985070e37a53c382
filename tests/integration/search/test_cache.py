"""The exact answer cache: a write is searchable within a second, in every process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import asyncpg
import httpx
import pytest
import uvicorn

from search.backend import READ_GENERATION
from search.documents import DocumentBuilder
from search.postgres import PostgresEngine
from service.db.pool import create_pool
from service.settings import Settings
from tests.conftest import free_port
from tests.integration.search.conftest import Catalogue, sync

pytestmark = pytest.mark.asyncio


async def serve(stack: AsyncExitStack, db_url: str, **settings: object) -> httpx.AsyncClient:
    """Another app process, as far as the cache knows: its own pool, runtime and listener."""
    from service.app import create_app

    pool = await create_pool(db_url, max_size=4)
    stack.push_async_callback(pool.close)
    app = create_app(Settings(database_url=db_url, run_worker=False, **settings), pool=pool)  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())

    async def stop() -> None:
        server.should_exit = True
        await task

    stack.push_async_callback(stop)
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10)
    stack.push_async_callback(client.aclose)
    return client


@pytest.fixture
async def stack() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as stack:
        yield stack


async def names(client: httpx.AsyncClient, q: str) -> list[str]:
    response = await client.get("/api/v1/search", params={"q": q})
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


async def visible_within(client: httpx.AsyncClient, q: str, expected: list[str]) -> float:
    """Seconds until the search answers `expected`; fails after one second."""
    started = time.perf_counter()
    while (found := await names(client, q)) != expected:
        assert time.perf_counter() - started < 1.0, f"{q!r} still answers {found}"
        await asyncio.sleep(0.01)
    return time.perf_counter() - started


async def rename(pool: asyncpg.Pool, service_id: str, name: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("UPDATE service SET name = $2 WHERE id = $1::uuid", service_id, name)
        await conn.execute("SELECT enqueue_search($1::uuid[])", [service_id])


async def test_a_write_invalidates_cached_answers_of_two_processes(
    db_url: str,
    pool: asyncpg.Pool,
    catalogue: Catalogue,
    builder: DocumentBuilder,
    stack: AsyncExitStack,
) -> None:
    service_id = await catalogue.service("Colis alimentaires")
    await sync(pool, [PostgresEngine(pool)], builder)
    first, second = await serve(stack, db_url), await serve(stack, db_url)
    for client in (first, second):
        assert await names(client, "colis") == ["Colis alimentaires"]
        assert await names(client, "colis") == ["Colis alimentaires"]  # now from the cache
    # The outbox consumer of a third process (`boussole worker`) applies a rename.
    await rename(pool, service_id, "Colis solidaires")
    await sync(pool, [PostgresEngine(pool)], builder)
    for client in (first, second):
        await visible_within(client, "colis", ["Colis solidaires"])
    # The listening connections are lost: each process falls back to reading the
    # generation per request, and stays exact.
    async with pool.acquire() as conn:
        killed = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE pid <> pg_backend_pid() AND state = 'idle' AND query IN ($1, $2)",
            'LISTEN "search_generation"',
            READ_GENERATION,
        )
    assert killed >= 2
    await rename(pool, service_id, "Colis du quartier")
    await sync(pool, [PostgresEngine(pool)], builder)
    for client in (first, second):
        assert await names(client, "colis") == ["Colis du quartier"]
    # They listen again soon, and invalidate on notifications as before.
    await asyncio.sleep(1.5)
    for client in (first, second):
        assert await names(client, "colis") == ["Colis du quartier"]
    await rename(pool, service_id, "Colis de Noël")
    await sync(pool, [PostgresEngine(pool)], builder)
    for client in (first, second):
        await visible_within(client, "colis", ["Colis de Noël"])


async def test_the_cache_can_be_turned_off(
    db_url: str,
    pool: asyncpg.Pool,
    catalogue: Catalogue,
    builder: DocumentBuilder,
    stack: AsyncExitStack,
) -> None:
    assert Settings.from_env({"BOUSSOLE_SEARCH_CACHE": "0"}).search_cache is False
    service_id = await catalogue.service("Épicerie sociale")
    await sync(pool, [PostgresEngine(pool)], builder)
    client = await serve(stack, db_url, search_cache=False)
    assert await names(client, "epicerie") == ["Épicerie sociale"]
    await rename(pool, service_id, "Épicerie solidaire")
    await sync(pool, [PostgresEngine(pool)], builder)
    assert await names(client, "epicerie") == ["Épicerie solidaire"]


async def test_other_pages_and_points_share_exact_facets(
    db_url: str,
    pool: asyncpg.Pool,
    catalogue: Catalogue,
    builder: DocumentBuilder,
    stack: AsyncExitStack,
) -> None:
    place = await catalogue.place()
    for name, theme in (("Colis du lundi", "food.food-parcels"), ("Colis du jeudi", "food")):
        await catalogue.service(name, themes=[theme], places=[(place, None)])
    await sync(pool, [PostgresEngine(pool)], builder)
    cached, plain = await serve(stack, db_url), await serve(stack, db_url, search_cache=False)
    requests = [
        {"q": "colis", "limit": 1},
        {"q": "colis", "limit": 1, "offset": 1},
        {"q": "colis", "limit": 1, "lat": 50.4, "lon": 4.1},
        {"q": "colis", "limit": 1, "lat": 50.48, "lon": 4.19, "radius_km": 1},
    ]
    for params in requests:
        expected = (await plain.get("/api/v1/search", params=params)).json()
        found = (await cached.get("/api/v1/search", params=params)).json()
        assert found["facets"] == expected["facets"] and found["total"] == expected["total"]
        assert [i["name"] for i in found["items"]] == [i["name"] for i in expected["items"]]
    assert found["facets"]["themes"] == {"food": 2, "food.food-parcels": 1}
