"""Races made deterministic: a test holds a transaction open, starts a second one, and waits
until PostgreSQL says the second is waiting on a lock, rather than sleeping and hoping."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg

_WAITING = """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock'"""


async def until_waiting(pool: asyncpg.Pool, count: int, *racing: asyncio.Task[Any]) -> None:
    """Return once `count` sessions of this database wait on a lock; fail if one of the
    `racing` tasks ended instead (it did not wait), or after half a minute."""
    for _ in range(3000):
        if await pool.fetchval(_WAITING) >= count:
            return
        for task in racing:
            if task.done():
                task.result()  # its error, if it failed
                raise AssertionError(f"{task.get_name()} did not wait on a lock")
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} sessions never waited on a lock")
