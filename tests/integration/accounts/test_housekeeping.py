"""Purging what no longer lets anyone in, and setting a password from the command line."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from service.accounts import throttle
from service.accounts.housekeeping import purge_accounts
from service.accounts.sessions import ABSOLUTE_TIMEOUT, start_session
from tests.integration.accounts.conftest import add_person, sign_in


async def test_ended_sessions_and_old_attempts_are_purged(pool: asyncpg.Pool) -> None:
    person = await add_person(pool)
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        await start_session(conn, person.user_id, now)
        await throttle.record(conn, [(throttle.ACCOUNT_FAILURES, person.email)], now)
    await purge_accounts(pool, now)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM user_session") == 1
        assert await conn.fetchval("SELECT count(*) FROM login_attempt") == 1
    await purge_accounts(pool, now + ABSOLUTE_TIMEOUT + timedelta(seconds=1))
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM user_session") == 0
        assert await conn.fetchval("SELECT count(*) FROM login_attempt") == 0


async def test_the_cli_sets_a_password(
    client: httpx.AsyncClient, pool: asyncpg.Pool, db_url: str
) -> None:
    person = await add_person(pool, password=None, coordinator=True)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "service.cli",
        "user",
        "password",
        "--email",
        person.email,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "DATABASE_URL": db_url},
    )
    out, _ = await process.communicate(b"a long enough passphrase\n")
    assert process.returncode == 0, out
    assert (await sign_in(client, person.email, "a long enough passphrase")).status_code == 303
