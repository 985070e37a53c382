"""Meilisearch configured but unreachable: PostgreSQL answers, /healthz says so, never a 500."""

from __future__ import annotations

import asyncio
import socket

import asyncpg
import httpx
import pytest

from search.backend import EngineQuery, EngineUnavailable
from search.meilisearch import MeilisearchEngine
from search.postgres import PostgresEngine
from service.settings import Settings
from tests.integration.search.conftest import Catalogue, sync
from tests.loopback import LoopbackServer

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings(db_url: str) -> Settings:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port once the socket is closed.
    return Settings(database_url=db_url, run_worker=False, meili_url=f"http://127.0.0.1:{port}")


async def test_search_falls_back_to_postgres_and_health_reports_it(
    client: httpx.AsyncClient, pool: asyncpg.Pool, catalogue: Catalogue
) -> None:
    await catalogue.service("Colis alimentaires")
    from service.search.engines import document_builder

    await sync(pool, [PostgresEngine(pool)], document_builder())
    for _ in range(3):
        response = await client.get("/api/v1/search", params={"q": "colis", "open_now": "true"})
        assert response.status_code == 200, response.text
        assert response.json()["engine"] == "postgres"
    response = await client.get("/api/v1/search", params={"q": "colis"})
    assert [i["name"] for i in response.json()["items"]] == ["Colis alimentaires"]
    health = (await client.get("/healthz")).json()
    assert health["status"] == "degraded"
    assert health["search"]["engine"] == "postgres"
    assert health["search"]["meilisearch"] == "unreachable"


async def test_a_server_that_never_answers_is_unavailable_not_an_error() -> None:
    """A hung server (it accepts the connection, then says nothing): every call of the engine
    gives up after its timeout as `EngineUnavailable`, which the API answers with PostgreSQL
    and the outbox retries; a read timeout is no 500."""
    silent = Silent()
    async with silent as url:
        engine = MeilisearchEngine(url, "key", timeout=1)
        try:
            for call in (
                engine.prepare(),
                engine.search(EngineQuery(text="colis")),
                engine.replace(["00000000-0000-0000-0000-000000000001"], []),
            ):
                with pytest.raises(EngineUnavailable):
                    await call
            assert await engine.healthy() is False
            assert silent.held  # the calls did reach the server
        finally:
            await engine.close()


class Silent(LoopbackServer):
    """Accepts connections and never says anything."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up
