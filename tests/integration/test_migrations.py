"""The migrations build, on an empty database, exactly the schema the code's SQL expects."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg
import pytest

from service.db import migrations
from service.db.queries import Queries
from tests.conftest import create_database

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def empty_database(server_url: str) -> str:
    return await create_database(server_url, f"empty_{uuid.uuid4().hex[:12]}")


async def test_migrations_apply_to_an_empty_database_once(empty_database: str) -> None:
    conn = await asyncpg.connect(empty_database)
    try:
        applied = await migrations.upgrade(conn)
        assert [m.version for m in applied] == [m.version for m in migrations.available()]
        assert await migrations.upgrade(conn) == []
        recorded = await conn.fetchval("SELECT count(*) FROM schema_migration")
        assert recorded == len(applied)
    finally:
        await conn.close()


async def test_every_named_query_fits_the_schema(empty_database: str) -> None:
    """Each query of every `.sql` file is prepared by PostgreSQL: a column or table the
    migrations do not create fails here, not in front of a user."""
    conn = await asyncpg.connect(empty_database)
    try:
        await migrations.upgrade(conn)
        files = sorted(
            p for p in (ROOT / "service").rglob("*.sql") if "migrations" not in p.parts
        ) + sorted((ROOT / "search").rglob("*.sql"))
        assert files
        for path in files:
            queries = Queries(path)
            for name in queries.names():
                try:
                    await conn.prepare(getattr(queries, name))
                except asyncpg.PostgresError as error:
                    pytest.fail(f"{path.relative_to(ROOT)}: query {name}: {error}")
    finally:
        await conn.close()
