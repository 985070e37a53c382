"""Meilisearch configured but unreachable: PostgreSQL answers, /healthz says so, never a 500."""

from __future__ import annotations

import socket

import asyncpg
import httpx
import pytest

from search.postgres import PostgresEngine
from service.settings import Settings
from tests.integration.search.conftest import Catalogue, sync

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
