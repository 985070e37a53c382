"""The pool's connections: their settings, and what going back to the pool undoes."""

from __future__ import annotations

import pytest

from service.db.pool import SERVER_SETTINGS, create_pool

pytestmark = pytest.mark.asyncio


async def test_connections_start_with_the_service_settings(db_url: str) -> None:
    pool = await create_pool(db_url, max_size=1)
    try:
        async with pool.acquire() as conn:
            for name, value in SERVER_SETTINGS.items():
                assert await conn.fetchval(f"SHOW {name}") == value
    finally:
        await pool.close()


async def test_a_transaction_left_open_is_rolled_back_on_release(db_url: str) -> None:
    pool = await create_pool(db_url, max_size=1)
    try:
        async with pool.acquire() as conn:
            await conn.execute("CREATE TABLE released (n int)")
            await conn.execute("BEGIN")
            await conn.execute("INSERT INTO released VALUES (1)")
            # Released without COMMIT or ROLLBACK, as a bug or a cancelled task would.
        async with pool.acquire() as conn:
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT count(*) FROM released") == 0
            # LOCAL settings ended with that transaction; the connection's own are intact.
            assert await conn.fetchval("SHOW jit") == "off"
    finally:
        await pool.close()
