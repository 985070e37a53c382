"""Erasing a person's data while someone else acts on the same redirect chain: the erasure
reaches every copy of the person, and two erasures at once never fail each other."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from service.accounts.identity import Identity, identity_from_token
from service.referrals import referrals
from service.referrals.policy import Policy
from tests.integration.referrals.conftest import Member, Network, referral_body
from tests.locks import until_waiting

pytestmark = pytest.mark.asyncio

URL = "/api/v1/referrals"
OPTIONS: dict[str, Any] = {"policy": Policy(), "public_url": "http://test"}


async def _redirected(client: httpx.AsyncClient, network: Network) -> tuple[UUID, UUID]:
    """A referral to the épicerie, redirected to the housing service: the person is copied."""
    sent = await client.post(URL, json=referral_body(network), headers=network.worker.headers)
    assert sent.status_code == 201, sent.text
    first = sent.json()["id"]
    redirected = await client.post(
        f"{URL}/{first}/redirect",
        json={"service_id": str(network.housing_service_id)},
        headers=network.receiver.headers,
    )
    assert redirected.status_code == 200, redirected.text
    return UUID(first), UUID(redirected.json()["redirected_to_id"])


async def _identity(pool: asyncpg.Pool, member: Member) -> Identity:
    async with pool.acquire() as conn:
        identity = await identity_from_token(conn, member.token)
    assert identity is not None
    return identity


async def _erase(pool: asyncpg.Pool, referral_id: UUID, identity: Identity) -> bool:
    async with pool.acquire() as conn, conn.transaction():
        return await referrals.erase_on_request(conn, referral_id, identity, datetime.now(UTC))


async def _nothing_left(pool: asyncpg.Pool, chain: int) -> None:
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM referral_person") == 0
        erased = await conn.fetch("SELECT personal_data_erased_at FROM referral")
    assert len(erased) == chain
    assert all(row["personal_data_erased_at"] is not None for row in erased)


async def test_two_erasures_of_one_chain_at_once_both_answer(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """The sender erases from the first referral, an admin from the second, while the
    second is busy: each used to lock its own referral and wait for the other's (a
    deadlock, a 500 for one of them)."""
    first, second = await _redirected(client, network)
    worker = await _identity(pool, network.worker)
    admin = await _identity(pool, network.sender_admin)
    housing = await _identity(pool, network.housing)
    async with pool.acquire() as busy:
        async with busy.transaction():
            # Someone writes on the second referral: it is locked until they commit.
            await referrals.add_message(
                busy,
                second,
                housing,
                "Elle peut venir mardi",
                now=datetime.now(UTC),
                public_url="http://test",
            )
            from_second = asyncio.create_task(_erase(pool, second, admin), name="from second")
            await until_waiting(pool, 1, from_second)
            from_first = asyncio.create_task(_erase(pool, first, worker), name="from first")
            await until_waiting(pool, 2, from_first)
        done = await asyncio.gather(from_second, from_first)
    assert sorted(done) == [False, True]  # the one that came second found nothing left
    await _nothing_left(pool, 2)


async def test_an_erasure_reaches_the_copy_a_redirect_made_meanwhile(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """The housing service redirects the second referral while the person asks the sender
    to erase them: the erasure waits for the redirect and erases its copy too."""
    first, second = await _redirected(client, network)
    worker = await _identity(pool, network.worker)
    housing = await _identity(pool, network.housing)
    async with pool.acquire() as redirecting:
        async with redirecting.transaction():
            await referrals.act(
                redirecting,
                second,
                "redirect",
                housing,
                now=datetime.now(UTC),
                redirect_to=(network.service_id, None),
                **OPTIONS,
            )
            erasing = asyncio.create_task(_erase(pool, first, worker), name="erasure")
            await until_waiting(pool, 1, erasing)
        assert await erasing
    await _nothing_left(pool, 3)
    third = (await client.get(f"{URL}/{second}", headers=network.worker.headers)).json()
    events = (
        await client.get(f"{URL}/{third['redirected_to_id']}", headers=network.worker.headers)
    ).json()["events"]
    assert [e["action"] for e in events] == ["send", "erase"]


async def test_a_redirect_that_waited_for_an_erasure_makes_an_erased_referral(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """The other way round: the redirect waits for the erasure; there is no person left to
    copy, and the new referral is erased as the one it continues (no messages on it)."""
    first, second = await _redirected(client, network)
    worker = await _identity(pool, network.worker)
    housing = await _identity(pool, network.housing)

    async def redirect() -> UUID:
        async with pool.acquire() as conn, conn.transaction():
            return await referrals.act(
                conn,
                second,
                "redirect",
                housing,
                now=datetime.now(UTC),
                redirect_to=(network.service_id, None),
                **OPTIONS,
            )

    async with pool.acquire() as erasing:
        async with erasing.transaction():
            assert await referrals.erase_on_request(erasing, first, worker, datetime.now(UTC))
            redirecting = asyncio.create_task(redirect(), name="redirect")
            await until_waiting(pool, 1, redirecting)
        await redirecting
    await _nothing_left(pool, 3)
    third = (await client.get(f"{URL}/{second}", headers=network.worker.headers)).json()
    message = await client.post(
        f"{URL}/{third['redirected_to_id']}/messages",
        json={"text": "Elle vient mardi"},
        headers=network.receiver.headers,
    )
    assert message.status_code == 409, message.text
