"""Expiry, reminders and erasure, driven by a controllable clock (webhooks: test_webhooks)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from service.referrals.jobs import (
    erase_expired_personal_data,
    expire_overdue,
    send_reminders,
)
from service.referrals.policy import Policy
from tests.integration.referrals.conftest import BENEFICIARY, Network, queued_mails, referral_body

pytestmark = pytest.mark.asyncio

POLICY = Policy()
PUBLIC = "https://boussole.example.org"


async def _send(client: httpx.AsyncClient, network: Network) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def _at(referral: dict[str, Any], field: str) -> datetime:
    return datetime.fromisoformat(referral[field])


async def test_reminders_then_expiry(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    referral = await _send(client, network)
    expires = _at(referral, "expires_at")
    assert expires - _at(referral, "created_at") == timedelta(days=30)

    async def reminders() -> list[dict[str, Any]]:
        return [m for m in await queued_mails(pool) if m["template"] == "referral_reminder"]

    assert await send_reminders(pool, expires - timedelta(days=10), POLICY, PUBLIC) == 0
    assert await send_reminders(pool, expires - timedelta(days=7), POLICY, PUBLIC) == 1
    first = await reminders()
    assert {m["recipient"] for m in first} == {network.receiver.email, network.receiver_admin.email}
    assert "7" in first[0]["subject"]
    # Each reminder goes once, however often the job runs.
    assert await send_reminders(pool, expires - timedelta(days=6), POLICY, PUBLIC) == 0
    assert await send_reminders(pool, expires - timedelta(days=2), POLICY, PUBLIC) == 1
    assert await send_reminders(pool, expires - timedelta(days=1), POLICY, PUBLIC) == 0
    assert len(await reminders()) == 4

    assert await expire_overdue(pool, expires - timedelta(seconds=1), POLICY, PUBLIC) == 0
    assert await expire_overdue(pool, expires, POLICY, PUBLIC) == 1
    read = (
        await client.get(f"/api/v1/referrals/{referral['id']}", headers=network.worker.headers)
    ).json()
    assert read["status"] == "expired"
    assert read["events"][-1]["action"] == "expire" and read["events"][-1]["actor"] == "system"
    expired_mails = [m for m in await queued_mails(pool) if m["template"] == "referral_expired"]
    assert {m["recipient"] for m in expired_mails} == {
        network.worker.email,
        "social@cpas.example.org",
    }
    # Expired is final: the receiver can no longer accept.
    late = await client.post(
        f"/api/v1/referrals/{referral['id']}/accept", headers=network.receiver.headers
    )
    assert late.status_code == 409


async def test_an_urgent_referral_expires_in_days_and_is_reminded_once_half_way(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """ "Somewhere to sleep tonight" unanswered for 30 days is no answer: an urgent referral
    waits 3 days, is reminded 2 days before (the 7 days' reminder would have gone as it was
    sent), and its sender is told when it expires, to look elsewhere."""
    response = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, urgency="urgent"),
        headers=network.worker.headers,
    )
    assert response.status_code == 201, response.text
    urgent = response.json()
    normal = await _send(client, network)
    expires, sent = _at(urgent, "expires_at"), _at(urgent, "created_at")
    assert expires - sent == timedelta(days=3)
    assert _at(normal, "expires_at") - _at(normal, "created_at") == timedelta(days=30)

    async def reminded() -> set[str]:
        mails = [m for m in await queued_mails(pool) if m["template"] == "referral_reminder"]
        return {m["subject"] for m in mails}

    assert await send_reminders(pool, sent + timedelta(minutes=1), POLICY, PUBLIC) == 0
    assert await send_reminders(pool, expires - timedelta(days=2), POLICY, PUBLIC) == 1
    assert await reminded() and all(
        subject.startswith("[Urgent] Rappel") and "2 jours" in subject
        for subject in await reminded()
    )
    assert await send_reminders(pool, expires - timedelta(hours=1), POLICY, PUBLIC) == 0
    assert await expire_overdue(pool, expires, POLICY, PUBLIC) == 1
    told = [m for m in await queued_mails(pool) if m["template"] == "referral_expired"]
    assert network.worker.email in {m["recipient"] for m in told}
    still = (
        await client.get(f"/api/v1/referrals/{normal['id']}", headers=network.worker.headers)
    ).json()
    assert still["status"] == "sent"
    # The operator sets the wait: BOUSSOLE_REFERRAL_URGENT_EXPIRY_DAYS.
    assert Policy(urgent_expiry=timedelta(days=1)).expiry_for("urgent") == timedelta(days=1)
    assert POLICY.expiry_for("normal") == timedelta(days=30)


async def test_the_reminder_gives_the_day_of_expiry_in_brussels(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    referral = await _send(client, network)
    # 23:30 UTC on 8 December is 00:30 on 9 December in Brussels: the day people live.
    expires = datetime(2026, 12, 8, 23, 30, tzinfo=UTC)
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE referral SET created_at = $2::timestamptz - interval '30 days', "
            "expires_at = $2 WHERE id = $1",
            UUID(referral["id"]),
            expires,
        )
    assert await send_reminders(pool, expires - timedelta(days=2), POLICY, PUBLIC) == 1
    mails = [m for m in await queued_mails(pool) if m["template"] == "referral_reminder"]
    assert mails and all(m["language"] == "fr" for m in mails)
    for mail in mails:
        assert "expirera le 09/12/2026" in mail["body_text"]  # was "le 2026-12-08", in UTC
        assert "expirera le 09/12/2026" in mail["body_html"]


async def test_accepted_referrals_neither_remind_nor_expire(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    referral = await _send(client, network)
    await client.post(
        f"/api/v1/referrals/{referral['id']}/accept", headers=network.receiver.headers
    )
    expires = _at(referral, "expires_at")
    assert await send_reminders(pool, expires - timedelta(days=1), POLICY, PUBLIC) == 0
    assert await expire_overdue(pool, expires + timedelta(days=1), POLICY, PUBLIC) == 0


async def test_personal_data_is_erased_after_retention(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    referral = await _send(client, network)
    url = f"/api/v1/referrals/{referral['id']}"
    declined = await client.post(
        f"{url}/decline",
        json={"reason_code": "not_eligible", "message": "Madame Quackenbush habite Mons"},
        headers=network.receiver.headers,
    )
    assert declined.status_code == 200
    final_at = _at(declined.json(), "final_at")
    open_one = await _send(client, network)

    assert await erase_expired_personal_data(pool, final_at + timedelta(days=364), POLICY) == 0
    assert await erase_expired_personal_data(pool, final_at + timedelta(days=365), POLICY) == 1

    read = (await client.get(url, headers=network.receiver.headers)).json()
    assert read["person"] is None
    assert read["personal_data_erased_at"] is not None
    # The anonymous facts stay for the statistics.
    assert read["status"] == "declined" and read["decline_reason"] == "not_eligible"
    assert read["themes"] == ["food.social-grocery"]
    assert [e["action"] for e in read["events"]] == ["send", "decline", "erase"]
    assert all(e["note"] is None for e in read["events"])
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM referral_person")
        everything = json.dumps(
            [[str(v) for v in r.values()] for r in await conn.fetch("SELECT * FROM referral")]
            + [
                [str(v) for v in r.values()]
                for r in await conn.fetch("SELECT * FROM referral_event")
            ]
        )
    # Only the open referral still has a person.
    assert [str(r["referral_id"]) for r in rows] == [open_one["id"]]
    assert BENEFICIARY["last_name"] not in everything


async def test_an_accepted_referral_nobody_closed_keeps_the_person_no_longer(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    referral = await _send(client, network)
    url = f"/api/v1/referrals/{referral['id']}"
    accepted = await client.post(f"{url}/accept", headers=network.receiver.headers)
    assert accepted.status_code == 200
    accepted_at = _at(accepted.json(), "answered_at")  # accepting is the answer
    waiting = await _send(client, network)  # still waiting for an answer: not due

    assert await erase_expired_personal_data(pool, accepted_at + timedelta(days=364), POLICY) == 0
    assert await erase_expired_personal_data(pool, accepted_at + timedelta(days=365), POLICY) == 1
    read = (await client.get(url, headers=network.worker.headers)).json()
    assert read["person"] is None and read["status"] == "accepted"
    still = await client.get(f"/api/v1/referrals/{waiting['id']}", headers=network.worker.headers)
    assert still.json()["person"] is not None
    # Once erased, it is not erased again.
    assert await erase_expired_personal_data(pool, accepted_at + timedelta(days=800), POLICY) == 0


async def test_a_referral_that_fails_holds_back_no_other(
    client: httpx.AsyncClient,
    network: Network,
    pool: asyncpg.Pool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A referral whose step fails (here the database refuses to change it) is logged by its
    id, never by its person, and tried again at the next round; the others are expired and
    erased all the same (one failure used to undo the whole round, every round)."""
    stuck, other = await _send(client, network), await _send(client, network)
    refuse = f"""
        CREATE OR REPLACE FUNCTION refuse_stuck() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.id = '{stuck["id"]}' THEN RAISE EXCEPTION 'refused'; END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_stuck BEFORE UPDATE ON referral
            FOR EACH ROW EXECUTE FUNCTION refuse_stuck();
    """
    allow = "DROP TRIGGER refuse_stuck ON referral"

    async def status(referral: dict[str, Any]) -> tuple[str, bool]:
        url = f"/api/v1/referrals/{referral['id']}"
        read = (await client.get(url, headers=network.worker.headers)).json()
        return read["status"], read["person"] is not None

    expires = max(_at(stuck, "expires_at"), _at(other, "expires_at"))
    async with pool.acquire() as conn:
        await conn.execute(refuse)
    assert await expire_overdue(pool, expires, POLICY, PUBLIC) == 1
    assert (await status(stuck), await status(other)) == (("sent", True), ("expired", True))
    assert f"expiry of referral {stuck['id']} failed: RaiseError" in caplog.text
    assert BENEFICIARY["last_name"] not in caplog.text
    async with pool.acquire() as conn:
        await conn.execute(allow)
    assert await expire_overdue(pool, expires, POLICY, PUBLIC) == 1

    later = expires + POLICY.retention + timedelta(days=1)
    async with pool.acquire() as conn:
        await conn.execute(refuse)
    assert await erase_expired_personal_data(pool, later, POLICY) == 1
    assert (await status(stuck), await status(other)) == (("expired", True), ("expired", False))
    async with pool.acquire() as conn:
        await conn.execute(allow)
    assert await erase_expired_personal_data(pool, later, POLICY) == 1
    assert await status(stuck) == ("expired", False)
