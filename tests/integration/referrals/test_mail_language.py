"""Referral mails are in the language each organisation chose; German falls back to French."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from tests.integration.referrals.conftest import Network, queued_mails, referral_body

pytestmark = pytest.mark.asyncio


async def _language(pool: asyncpg.Pool, organisation_id: uuid.UUID, language: str) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE organisation SET language = $2 WHERE id = $1", organisation_id, language
        )


async def test_each_organisation_reads_its_mails_in_its_language(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool, empty_outbox: None
) -> None:
    await _language(pool, network.receiver_org, "nl")
    await _language(pool, network.sender_org, "en")
    sent = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    assert sent.status_code == 201
    url = f"/api/v1/referrals/{sent.json()['id']}"
    declined = await client.post(
        f"{url}/decline", json={"reason_code": "no_capacity"}, headers=network.receiver.headers
    )
    assert declined.status_code == 200

    mails = await queued_mails(pool)
    languages = {(m["template"], m["language"]) for m in mails}
    assert languages == {("referral_received", "nl"), ("referral_answered", "en")}
    received = next(m for m in mails if m["template"] == "referral_received")
    assert "doorverwijzing" in (received["subject"] + received["body_text"]).lower()

    # German: French templates until German ones exist.
    await _language(pool, network.receiver_org, "de")
    again = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    assert again.status_code == 201
    latest = [m for m in await queued_mails(pool) if m["template"] == "referral_received"][-2:]
    assert {m["language"] for m in latest} == {"fr"}
