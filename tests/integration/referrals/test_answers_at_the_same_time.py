"""Answers crossing other writes at the same moment: whatever PostgreSQL makes of it, the
caller gets a 4xx it can act on and nothing half-written, never a 500."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import msgspec
import pytest

from schemas.catalogue import ServiceIn
from tests.integration.referrals.conftest import Network, referral_body
from tests.locks import until_waiting

pytestmark = pytest.mark.asyncio

URL = "/api/v1/referrals"


async def test_a_request_that_gives_way_in_a_deadlock_is_a_409_to_send_again(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """A redirect locks its referral, then needs the service it goes to, which another
    transaction holds while it waits for the referral: PostgreSQL breaks the deadlock by
    failing the redirect, which used to be a 500."""
    sent = await client.post(URL, json=referral_body(network), headers=network.worker.headers)
    assert sent.status_code == 201, sent.text
    referral = sent.json()["id"]
    async with pool.acquire() as other, other.transaction():
        await other.execute(
            "SELECT 1 FROM service WHERE id = $1 FOR UPDATE", network.housing_service_id
        )
        redirect = asyncio.create_task(
            client.post(
                f"{URL}/{referral}/redirect",
                json={"service_id": str(network.housing_service_id)},
                headers=network.receiver.headers,
            ),
            name="redirect",
        )
        await until_waiting(pool, 1, redirect)
        # The redirect waited first: its own deadlock check, a second later, fails it.
        await other.execute("SELECT 1 FROM referral WHERE id = $1 FOR UPDATE", referral)
        answer = await redirect
    assert answer.status_code == 409, answer.text
    assert answer.headers["retry-after"] == "1"
    assert "send it again" in answer.json()["detail"]
    # Nothing of it stayed; sent again, it goes through.
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM referral") == 1
    again = await client.post(
        f"{URL}/{referral}/redirect",
        json={"service_id": str(network.housing_service_id)},
        headers=network.receiver.headers,
    )
    assert again.status_code == 200, again.text


async def test_a_referral_sent_while_its_service_closes_for_good_is_refused(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """The receiving organisation marks the service inactive while a worker sends someone
    there: the referral waits for the edit and is refused, naming the service; it used to
    go to the service that no longer exists."""
    from service.catalogue import services
    from service.catalogue.records import SystemActor

    async with pool.acquire() as editing, editing.transaction():
        service = await services.get(editing, network.service_id)
        data = services.as_input(service) | {"status": "inactive"}
        await services.update(
            editing, network.service_id, msgspec.convert(data, ServiceIn), SystemActor("t"), None
        )
        sending = asyncio.create_task(
            client.post(URL, json=referral_body(network), headers=network.worker.headers),
            name="sending",
        )
        await until_waiting(pool, 1, sending)
    answer = await sending
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["service_id"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM referral") == 0
