"""The asyncpg pool, with JSON columns decoded by msgspec."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import msgspec

from service.db import migrations
from service.db.embedded import start_embedded
from service.settings import Settings

_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode


def _encode_json(value: Any) -> str:
    return _json_encode(value).decode()


async def _init_connection(conn: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(
            name, encoder=_encode_json, decoder=_json_decode, schema="pg_catalog"
        )


def resolve_url(settings: Settings) -> tuple[str, Any]:
    """The database URL to use, starting the embedded server when none is configured."""
    if settings.database_url:
        return settings.database_url, None
    return start_embedded(settings.data_dir)


# Every statement of the service is short: JIT compilation costs more than it saves. A broad
# search keeps tens of thousands of matches in memory to rank them (search/postgres.py).
SERVER_SETTINGS = {"jit": "off", "work_mem": "32MB"}


async def _after_release(conn: asyncpg.Connection) -> None:
    """Nothing to undo when a connection goes back to the pool, so no round trip for it.

    asyncpg rolls back a transaction left open and forgets the connection's listeners on
    its own; its default reset would also send `RESET ALL; UNLISTEN *; CLOSE ALL;` and
    unlock advisory locks, but no code here leaves such state behind: settings are `SET
    LOCAL`, locks are taken for a transaction (the migrations' one is released in
    `finally`), whoever listens unlistens. A search then costs one round trip, not two.
    """


async def create_pool(url: str, *, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections decode json/jsonb with msgspec, with `SERVER_SETTINGS`."""
    pool = await asyncpg.create_pool(
        url,
        min_size=1,
        max_size=max_size,
        init=_init_connection,
        command_timeout=60,
        server_settings=SERVER_SETTINGS,
        reset=_after_release,
    )
    assert pool is not None
    return pool


@asynccontextmanager
async def open_database(settings: Settings, *, upgrade: bool = True) -> AsyncIterator[asyncpg.Pool]:
    """Resolve the database, apply pending migrations, and yield a pool; close it after."""
    url, server = resolve_url(settings)
    pool = await create_pool(url, max_size=settings.pool_size)
    try:
        if upgrade:
            async with pool.acquire() as conn:
                await migrations.upgrade(conn)
        yield pool
    finally:
        await pool.close()
        if server is not None:
            # Stops the embedded server unless another process (a CLI command) still uses it.
            server.cleanup()
