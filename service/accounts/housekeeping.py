"""Worker task of accounts: delete ended sessions, used or expired links, old attempts."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import asyncpg

from service.accounts import throttle
from service.accounts.identity import Q
from service.settings import Settings

logger = logging.getLogger(__name__)

INTERVAL = 3600.0
"""Seconds between two rounds."""
KEEP_LINKS = timedelta(days=1)


async def purge_accounts(pool: asyncpg.Pool, now: datetime | None = None) -> None:
    """One round: what no longer lets anyone in is deleted."""
    now = now or datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(Q.purge_sessions, now)
        await conn.execute(Q.purge_login_links, now - KEEP_LINKS)
        await throttle.purge(conn, now)


async def run_accounts_housekeeping(pool: asyncpg.Pool, settings: Settings) -> None:
    """Worker task: purge every INTERVAL seconds."""
    while True:
        try:
            await purge_accounts(pool)
        except (OSError, asyncpg.PostgresError) as error:
            logger.error("accounts housekeeping failed: %s", type(error).__name__)
        await asyncio.sleep(INTERVAL)
