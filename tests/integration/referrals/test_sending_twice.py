"""Sending a referral again with the same `Idempotency-Key`: the referral made the first time,
never a second copy of the person, even when both requests arrive at the same instant."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest

from schemas.referrals import ReferralIn
from service.accounts.identity import Identity, identity_from_token
from service.referrals import referrals
from service.referrals.policy import Policy
from tests.integration.referrals.conftest import Member, Network, queued_mails, referral_body

pytestmark = pytest.mark.asyncio

URL = "/api/v1/referrals"


def _with_key(member: Member, key: str) -> dict[str, str]:
    return {**member.headers, "Idempotency-Key": key}


async def _count(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM referral")
        return count


async def test_a_repeat_gives_the_referral_made_the_first_time(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    key = str(uuid.uuid4())
    body = referral_body(network)
    first = await client.post(URL, json=body, headers=_with_key(network.worker, key))
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    mails = len(await queued_mails(pool))

    # Retried after a timeout; written with its defaults this time; the key as the draft
    # writes it, a structured-field string in quotes.
    for again_body, again_key in ((body, key), ({**body, "urgency": "normal"}, f'"{key}"')):
        again = await client.post(
            URL, json=again_body, headers=_with_key(network.worker, again_key)
        )
        assert again.status_code == 200, again.text
        assert again.headers["idempotent-replayed"] == "true"
        assert again.headers["location"] == f"{URL}/{first.json()['id']}"
        assert again.json() == first.json()
    assert await _count(pool) == 1
    assert len(await queued_mails(pool)) == mails  # the receiver is told once

    # The same key with other details is refused, naming the key; nothing is sent.
    other = await client.post(
        URL,
        json=referral_body(network, reason="Une autre demande"),
        headers=_with_key(network.worker, key),
    )
    assert other.status_code == 422, other.text
    assert [e["field"] for e in other.json()["errors"]] == ["Idempotency-Key"]
    assert await _count(pool) == 1

    # Keys are the user's: a colleague's request with the same key is another referral.
    colleague = await client.post(URL, json=body, headers=_with_key(network.sender_admin, key))
    assert colleague.status_code == 201, colleague.text
    # Without a key, each request is a referral, as before.
    for _ in range(2):
        plain = await client.post(URL, json=body, headers=network.worker.headers)
        assert plain.status_code == 201
    assert await _count(pool) == 4


async def test_two_repeats_at_the_same_instant_make_one_referral(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    headers = _with_key(network.worker, "retry-" + uuid.uuid4().hex)
    body = referral_body(network)
    answers = await asyncio.gather(
        *(client.post(URL, json=body, headers=headers) for _ in range(4))
    )
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert await _count(pool) == 1
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM referral_person") == 1


async def test_the_second_of_two_racing_requests_waits_for_the_first_and_gives_its_referral(
    network: Network, pool: asyncpg.Pool
) -> None:
    """Both find no referral with the key; the unique index, not that read, decides: the
    second waits on it while the first is not committed, then answers the first's referral."""
    data = msgspec.convert(referral_body(network), ReferralIn)
    now = datetime.now(UTC)
    options: dict[str, Any] = {
        "now": now,
        "policy": Policy(),
        "public_url": "http://test",
        "idempotency_key": "k",
    }
    async with pool.acquire() as first, pool.acquire() as second:
        identity = await identity_from_token(first, network.worker.token)
        assert identity is not None
        async with first.transaction():
            made = await referrals.send(first, data, identity, **options)  # not committed yet
            racing = asyncio.create_task(_send_in_transaction(second, data, identity, options))
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            for _ in range(500):
                if await pool.fetchval(waiting) or racing.done():
                    break
                await asyncio.sleep(0.01)
            assert not racing.done(), "the second request did not wait on the index"
        answered = await racing
    assert not made.replayed and answered.replayed
    assert answered.referral.id == made.referral.id
    assert await _count(pool) == 1


async def _send_in_transaction(
    conn: asyncpg.Connection, data: ReferralIn, identity: Identity, options: dict[str, Any]
) -> referrals.Sent:
    async with conn.transaction():
        return await referrals.send(conn, data, identity, **options)


async def test_a_repeat_after_the_erasure_does_not_bring_the_person_back(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    headers = _with_key(network.worker, str(uuid.uuid4()))
    body = referral_body(network)
    first = await client.post(URL, json=body, headers=headers)
    assert first.status_code == 201
    erased = await client.delete(f"{URL}/{first.json()['id']}/person", headers=headers)
    assert erased.status_code == 204
    async with pool.acquire() as conn:
        # The print of the request was made from the person's data: it went with it.
        assert await conn.fetchval("SELECT request_fingerprint FROM referral") is None
    again = await client.post(URL, json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"] and again.json()["person"] is None
    assert await _count(pool) == 1
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM referral_person") == 0


@pytest.mark.parametrize("key", ["", "a" * 256, "clé".encode(), "two words", '""'])
async def test_a_key_that_cannot_be_one_is_refused(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool, key: str | bytes
) -> None:
    headers: dict[str, str | bytes] = {**network.worker.headers, "Idempotency-Key": key}
    refused = await client.post(URL, json=referral_body(network), headers=headers)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["Idempotency-Key"]
    assert await _count(pool) == 0
