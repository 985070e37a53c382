"""Who is told of a new referral when the receiving organisation has no address of its own."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from tests.integration.referrals.conftest import Network, queued_mails, referral_body

pytestmark = pytest.mark.asyncio


async def test_an_organisation_of_members_only_is_told_through_its_members(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    # No address, no admin or editor (the admin's account was closed, the editor made a
    # member): the members answer its referrals, so they are the ones told.
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE membership SET role = 'member' WHERE organisation_id = $1 AND user_id = $2",
            network.receiver_org,
            network.receiver.user_id,
        )
        await conn.execute(
            "UPDATE app_user SET disabled_at = now() WHERE id = $1", network.receiver_admin.user_id
        )
    sent = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    assert sent.status_code == 201, sent.text
    mails = await queued_mails(pool)
    assert [(m["recipient"], m["template"]) for m in mails] == [
        (network.receiver.email, "referral_received")
    ]


async def test_admins_and_editors_before_members_and_the_address_before_all(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        member = await conn.fetchval(
            "INSERT INTO app_user (email) VALUES ('benevole@example.org') RETURNING id"
        )
        await conn.execute(
            "INSERT INTO membership (user_id, organisation_id, role) VALUES ($1, $2, 'member')",
            member,
            network.receiver_org,
        )
    first = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    assert first.status_code == 201, first.text
    told = {m["recipient"] for m in await queued_mails(pool)}
    assert told == {network.receiver.email, network.receiver_admin.email}
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM mail_outbox")
        await conn.execute(
            "UPDATE organisation SET email = 'accueil@epicerie.example.org' WHERE id = $1",
            network.receiver_org,
        )
    second = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, reason="Une autre demande."),
        headers=network.worker.headers,
    )
    assert second.status_code == 201, second.text
    assert [m["recipient"] for m in await queued_mails(pool)] == ["accueil@epicerie.example.org"]
