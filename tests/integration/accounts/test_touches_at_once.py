"""Requests with the same token, or of the same session, at the moment it records its use
(once every 5 minutes): none waits for the one recording it, whose transaction lasts as long
as its request."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from service.accounts.identity import identity_from_token
from service.accounts.sessions import identity_from_session
from tests.integration.accounts.conftest import PASSWORD, add_person, sign_in
from tests.locks import until_waiting

pytestmark = pytest.mark.asyncio


async def _answers_without_waiting(pool: asyncpg.Pool, request: asyncio.Task[Any]) -> bool:
    """Whether `request` ends before PostgreSQL reports a session waiting on a lock."""
    waiting = asyncio.create_task(until_waiting(pool, 1), name="waiting")
    done, _ = await asyncio.wait({request, waiting}, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    return request in done


async def test_a_request_does_not_wait_for_another_recording_the_tokens_use(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    await pool.execute(
        "UPDATE api_token SET last_used_at = now() - interval '10 minutes' WHERE user_id = $1",
        admin.user_id,
    )
    async with pool.acquire() as first:
        async with first.transaction():
            # A first request resolved the token and recorded its use; it is still running.
            assert await identity_from_token(first, admin.token) is not None
            recorded = await first.fetchval("SELECT now()")
            second = asyncio.create_task(
                client.get(
                    f"/api/v1/organisations/{organisation}/invitations", headers=admin.bearer
                )
            )
            answered_first = await _answers_without_waiting(pool, second)
        assert (await second).status_code == 200
    assert answered_first, "the second request waited for the first to end"
    used = await pool.fetchval(
        "SELECT last_used_at FROM api_token WHERE user_id = $1", admin.user_id
    )
    assert used == recorded  # the first's record of the use, committed with it


async def test_a_page_does_not_wait_for_another_extending_the_session(
    base_url: str, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    person = await add_person(pool, organisation_id=organisation, role="editor")
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        assert (await sign_in(browser, person.email, PASSWORD)).status_code in (200, 303)
        await pool.execute(
            "UPDATE user_session SET last_seen_at = last_seen_at - interval '10 minutes'"
            " WHERE user_id = $1",
            person.user_id,
        )
        before = await pool.fetchval(
            "SELECT expires_at FROM user_session WHERE user_id = $1", person.user_id
        )
        session_id = browser.cookies["boussole_session"]
        async with pool.acquire() as first:
            async with first.transaction():
                assert await identity_from_session(first, session_id) is not None
                second = asyncio.create_task(browser.get("/workspace/account"))
                answered_first = await _answers_without_waiting(pool, second)
            assert (await second).status_code == 200
    assert answered_first, "the second page waited for the first to end"
    after = await pool.fetchval(
        "SELECT expires_at FROM user_session WHERE user_id = $1", person.user_id
    )
    assert after > before  # extended, by the first
