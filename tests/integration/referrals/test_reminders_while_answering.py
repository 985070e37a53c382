"""A round of reminders locks the referrals it reminds until it commits, and those only: a
referral already reminded stays free for the organisation answering it meanwhile."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from service.referrals.jobs import send_reminders
from service.referrals.policy import Policy
from tests.integration.referrals.conftest import Network, referral_body
from tests.locks import until_waiting

pytestmark = pytest.mark.asyncio

POLICY = Policy()  # reminders 7 and 2 days before expiry
PUBLIC = "https://boussole.example.org"
EXPIRES = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)
TAKE = "SELECT id FROM referral WHERE id = $1 FOR UPDATE NOWAIT"


async def _sent(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool, expires: Any
) -> UUID:
    response = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    assert response.status_code == 201, response.text
    referral_id = UUID(response.json()["id"])
    await pool.execute("UPDATE referral SET expires_at = $2 WHERE id = $1", referral_id, expires)
    return referral_id


async def test_a_round_of_reminders_leaves_the_referrals_already_reminded_free(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    reminded = await _sent(client, network, pool, EXPIRES)
    due = await _sent(client, network, pool, EXPIRES + timedelta(days=1, hours=12))
    # Six days before: the first gets its 7-day reminder, the second is not yet due.
    assert await send_reminders(pool, EXPIRES - timedelta(days=6), POLICY, PUBLIC) == 1
    async with pool.acquire() as mails, pool.acquire() as answering:
        async with mails.transaction():
            # The round stops at its first mail, with what it locked still locked.
            await mails.execute("LOCK TABLE mail_outbox IN EXCLUSIVE MODE")
            round_ = asyncio.create_task(
                send_reminders(pool, EXPIRES - timedelta(days=5), POLICY, PUBLIC), name="round"
            )
            await until_waiting(pool, 1, round_)
            async with answering.transaction():
                # Five days before, the first has had its 7-day reminder and the 2-day one
                # is not due: it used to be locked all the same, its answer waiting for the
                # round; the second, due, is the round's.
                assert await answering.fetchval(TAKE, reminded) == reminded
            with pytest.raises(asyncpg.LockNotAvailableError):
                await answering.fetchval(TAKE, due)
        assert await round_ == 1
    async with pool.acquire() as conn:
        sent = await conn.fetch("SELECT id, reminders_sent FROM referral ORDER BY expires_at")
    assert [(r["id"], r["reminders_sent"]) for r in sent] == [(reminded, [7]), (due, [7])]
