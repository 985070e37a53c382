"""Statistics read while referrals are being sent: every figure is of one moment, so the
counts that must add up (the basis of hiding small counts, see `Group`) do."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest

from tests.conftest import TokenFactory, bearer
from tests.integration.referrals.conftest import Network, referral_body
from tests.locks import until_waiting

pytestmark = pytest.mark.asyncio

# A referral sent meanwhile: a copy of one already there, with its own reference.
ANOTHER = """
    INSERT INTO referral (reference, from_organisation_id, to_organisation_id, service_name,
                          themes, anonymous, expires_at)
    SELECT 'RACE-001', from_organisation_id, to_organisation_id, service_name, themes, true,
           expires_at
    FROM referral LIMIT 1"""


async def test_statistics_read_while_a_referral_is_sent_add_up(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool, make_token: TokenFactory
) -> None:
    for _ in range(5):
        sent = await client.post(
            "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
        )
        assert sent.status_code == 201, sent.text
    coordinator = bearer(await make_token(coordinator=True))
    # A token's first use records it: done now, so that the request below reads only.
    assert (await client.get("/api/v1/referrals/stats", headers=coordinator)).json()["total"] == 5
    async with pool.acquire() as sending:
        async with sending.transaction():
            # The statistics stop at the themes (someone edits the taxonomy) while a sixth
            # referral is on its way: it commits with the edit. Read in several statements,
            # the total was of five referrals and the figures read after the themes of six.
            await sending.execute("LOCK TABLE theme IN ACCESS EXCLUSIVE MODE")
            await sending.execute(ANOTHER)
            reading = asyncio.create_task(
                client.get("/api/v1/referrals/stats", headers=coordinator), name="statistics"
            )
            await until_waiting(pool, 1, reading)
        answer = await reading
    assert answer.status_code == 200, answer.text
    stats = answer.json()
    total = stats["total"]
    assert total in (5, 6)  # with or without the sixth: of one moment, either way
    assert sum(o["sent"] for o in stats["per_organisation"]) == total
    assert sum(o["received"] for o in stats["per_organisation"]) == total
    assert sum(m["sent"] for m in stats["per_month"]) == total
    assert sum(s["count"] for s in stats["statuses"]) == total
