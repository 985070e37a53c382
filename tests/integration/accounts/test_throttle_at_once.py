"""Throttling holds when the attempts come at the same moment: each counts the others, so
sending forty guesses at once does not buy forty guesses."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg
import httpx
import pytest

from service.accounts import login
from tests.integration.accounts.conftest import PASSWORD, add_person, csrf_of
from tests.locks import until_waiting

pytestmark = pytest.mark.asyncio

ADDRESS = "192.0.2.7"


async def test_guesses_sent_at_once_get_five_tries_in_all(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    person = await add_person(pool)
    page = await client.get("/workspace/login")
    form = {"email": person.email, "csrf_token": csrf_of(page.text)}
    answers = await asyncio.gather(
        *(
            client.post("/workspace/login", data={**form, "password": f"guess number {n}"})
            for n in range(20)
        )
    )
    assert Counter(a.status_code for a in answers) == {401: 5, 429: 15}
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM login_attempt WHERE kind = 'account'") == 5


async def _login(pool: asyncpg.Pool, email: str, password: str) -> login.LoginResult:
    async with pool.acquire() as conn, conn.transaction():
        return await login.password_login(conn, email, password, ADDRESS)


async def test_an_attempt_waits_for_the_one_being_counted(pool: asyncpg.Pool) -> None:
    """The sixth guess arrives while the fifth is checked: it waits for the fifth to be
    counted, then is refused, even with the right password."""
    person = await add_person(pool)
    for n in range(4):
        assert (await _login(pool, person.email, f"guess number {n}")).outcome == "wrong"
    async with pool.acquire() as fifth:
        async with fifth.transaction():
            result = await login.password_login(fifth, person.email, "guess number 5", ADDRESS)
            assert result.outcome == "wrong"
            sixth = asyncio.create_task(_login(pool, person.email, PASSWORD), name="sixth")
            await until_waiting(pool, 1, sixth)
        assert (await sixth).outcome == "throttled"
