"""What the webhooks are told, besides answers: a referral received, a message written on it,
its expiry; to the receiving and the sending organisation alike, signed, in the order of the
changes, and never with the person's data, a note or a message's text.

The receivers are real HTTP servers on loopback (see test_webhooks.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from service.referrals.jobs import deliver_webhooks, expire_overdue, signature
from service.referrals.policy import Policy
from tests.integration.referrals.conftest import BENEFICIARY, Network, referral_body
from tests.integration.referrals.test_webhooks import Receiver

pytestmark = [pytest.mark.asyncio, pytest.mark.webhooks_to_loopback]

FACTS = {
    "event",
    "referral_id",
    "reference",
    "status",
    "at",
    "from_organisation_id",
    "to_organisation_id",
    "service_id",
}
"""What every call carries: ids, statuses and a time."""
STATUS_CHANGED = FACTS | {"previous_status", "decline_reason", "outcome", "redirected_to_id"}
MESSAGE_ADDED = FACTS | {"author_organisation_id"}

QUESTION = "Zéphirine peut-elle venir mardi ? Elle sort de l'hôpital lundi."
ANSWER = "Oui, mardi à 10 h, avec sa carte d'identité."


async def _webhook(
    client: httpx.AsyncClient, organisation: Any, admin: Any, url: str, secret: str
) -> None:
    configured = await client.put(
        f"/api/v1/organisations/{organisation}/referral-webhook",
        json={"url": url, "secret": secret},
        headers=admin.headers,
    )
    assert configured.status_code == 200, configured.text


async def _send(client: httpx.AsyncClient, network: Network) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    assert response.status_code == 201, response.text
    sent: dict[str, Any] = response.json()
    return sent


async def _write(client: httpx.AsyncClient, referral_id: str, who: Any, text: str) -> None:
    written = await client.post(
        f"/api/v1/referrals/{referral_id}/messages", json={"text": text}, headers=who.headers
    )
    assert written.status_code in (200, 201), written.text


async def test_both_organisations_are_told_of_a_referral_received_a_message_and_an_expiry(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    receiving, sending = Receiver(), Receiver()
    secrets = {"receiving": "secret-of-the-epicerie-system", "sending": "secret-of-the-cpas-system"}
    async with receiving as receiving_url, sending as sending_url:
        await _webhook(
            client,
            network.receiver_org,
            network.receiver_admin,
            receiving_url,
            secrets["receiving"],
        )
        await _webhook(
            client, network.sender_org, network.sender_admin, sending_url, secrets["sending"]
        )
        forgotten = await _send(client, network)
        talked_about = await _send(client, network)
        await _write(client, talked_about["id"], network.worker, QUESTION)
        await _write(client, talked_about["id"], network.worker, QUESTION)  # a double click
        await _write(client, talked_about["id"], network.receiver, ANSWER)
        # The first expires, unanswered; the other, sent a moment later, not yet.
        expires = datetime.fromisoformat(forgotten["expires_at"])
        assert await expire_overdue(pool, expires, Policy(), "http://boussole.test") == 1
        assert await deliver_webhooks(pool, expires, allow_private=True) == 10

    called = {"receiving": receiving.calls, "sending": sending.calls}
    for side, calls in called.items():
        for headers, body in calls:
            assert headers["x-boussole-signature"] == signature(secrets[side], body), side
            assert headers["content-type"] == "application/json"
        # Neither the person, nor the reason, nor what was written: ids, statuses, times.
        everything = b"".join(body for _, body in calls).decode()
        for personal in (*BENEFICIARY.values(), "Zéphirine", "hôpital", "mardi", "Besoin"):
            assert personal not in everything, (side, personal)

        bodies = [json.loads(body) for _, body in calls]
        said = [
            (
                b["reference"],
                b["event"],
                b["status"],
                b.get("previous_status"),
                b.get("author_organisation_id"),
            )
            for b in bodies
        ]
        first, second = forgotten["reference"], talked_about["reference"]
        sender, receiver = str(network.sender_org), str(network.receiver_org)
        assert said == [
            (first, "referral.status_changed", "sent", None, None),  # received
            (second, "referral.status_changed", "sent", None, None),
            (second, "referral.message_added", "sent", None, sender),  # once, not twice
            (second, "referral.message_added", "sent", None, receiver),
            (first, "referral.status_changed", "expired", "sent", None),
        ], side
        for b in bodies:
            shape = STATUS_CHANGED if b["event"] == "referral.status_changed" else MESSAGE_ADDED
            assert set(b) == shape, b
            assert (b["from_organisation_id"], b["to_organisation_id"]) == (sender, receiver)
            assert b["service_id"] == str(network.service_id)
            assert datetime.fromisoformat(b["at"]).tzinfo is not None
        expired = bodies[-1]
        assert datetime.fromisoformat(expired["at"]) == expires
        assert expired["referral_id"] == forgotten["id"]


async def test_a_message_on_an_organisation_without_webhook_calls_only_the_other(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """Only the organisations that set a webhook are called; nothing waits for the others."""
    receiving = Receiver()
    async with receiving as url:
        await _webhook(client, network.receiver_org, network.receiver_admin, url, "x" * 20)
        referral = await _send(client, network)
        await _write(client, referral["id"], network.worker, QUESTION)
        later = datetime.now(UTC) + timedelta(seconds=1)
        assert await deliver_webhooks(pool, later, allow_private=True) == 2
    assert [json.loads(body)["event"] for _, body in receiving.calls] == [
        "referral.status_changed",
        "referral.message_added",
    ]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM referral_webhook_delivery") == 2
