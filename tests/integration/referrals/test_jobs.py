"""Expiry, reminders, erasure and webhooks, driven by a controllable clock."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from service.referrals.jobs import (
    deliver_webhooks,
    erase_expired_personal_data,
    expire_overdue,
    send_reminders,
    signature,
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


class Receiver:
    """A real HTTP server on loopback that records webhook calls; fails the first `failures`."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        self.calls.append((headers, body))
        status = "500 Internal Server Error" if self.failures > 0 else "204 No Content"
        self.failures -= 1
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        writer.close()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hooks/boussole"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


async def test_signed_webhooks_are_delivered_with_retries(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    receiver = Receiver(failures=1)
    async with receiver as url:
        secret = "s3cret-for-the-epicerie-system"
        configured = await client.put(
            f"/api/v1/organisations/{network.receiver_org}/referral-webhook",
            json={"url": url, "secret": secret},
            headers=network.receiver_admin.headers,
        )
        assert configured.status_code == 200, configured.text
        assert configured.json()["secret"] == secret
        shown = await client.get(
            f"/api/v1/organisations/{network.receiver_org}/referral-webhook",
            headers=network.receiver_admin.headers,
        )
        assert shown.json()["url"] == url and shown.json()["secret"] is None
        refused = await client.put(
            f"/api/v1/organisations/{network.receiver_org}/referral-webhook",
            json={"url": url},
            headers=network.receiver.headers,
        )
        assert refused.status_code == 403

        referral = await _send(client, network)
        await client.post(
            f"/api/v1/referrals/{referral['id']}/accept", headers=network.receiver.headers
        )
        now = datetime.now(UTC)
        # The first call fails (500): nothing lost, tried again after the backoff.
        assert await deliver_webhooks(pool, now) == 1
        assert len(receiver.calls) == 2
        assert await deliver_webhooks(pool, now) == 0
        assert await deliver_webhooks(pool, now + timedelta(minutes=2)) == 1
        assert len(receiver.calls) == 3

    bodies = [json.loads(body) for _, body in receiver.calls]
    for headers, body in receiver.calls:
        assert headers["x-boussole-signature"] == signature(secret, body)
        assert headers["content-type"] == "application/json"
    assert sorted(b["status"] for b in bodies[1:]) == ["accepted", "sent"]
    assert all(b["reference"] == referral["reference"] for b in bodies)
    assert BENEFICIARY["last_name"].encode() not in b"".join(body for _, body in receiver.calls)
    async with pool.acquire() as conn:
        states = await conn.fetch(
            "SELECT attempts, delivered_at IS NOT NULL AS ok FROM referral_webhook_delivery"
        )
    assert sorted((r["attempts"], r["ok"]) for r in states) == [(1, True), (2, True)]
