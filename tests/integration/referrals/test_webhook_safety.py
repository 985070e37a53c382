"""With the default settings, a webhook cannot make Boussole call an internal address: refused
when an admin sets it (422 on `url`), and refused again at delivery if the host moved there."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest

from service.referrals import webhooks
from service.referrals.jobs import deliver_webhooks
from service.settings import Settings
from tests.integration.referrals.conftest import Network, referral_body
from tests.integration.referrals.test_webhooks import Receiver

pytestmark = pytest.mark.asyncio

INTERNAL = (
    "https://127.0.0.1/hooks",
    "https://localhost:8443/hooks",
    "https://[::1]/hooks",
    "https://[::ffff:127.0.0.1]/hooks",
    "https://10.1.2.3/hooks",
    "https://192.168.1.10/hooks",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/hooks",
    "https://224.0.0.1/hooks",
    "https://0.0.0.0/hooks",
    "https://240.0.0.1/hooks",
    "https://[fe80::1]/hooks",
    "https://[fd00::1]/hooks",
)


async def test_the_default_refuses_private_webhooks() -> None:
    assert Settings().webhook_allow_private is False
    assert Settings.from_env({"BOUSSOLE_WEBHOOK_ALLOW_PRIVATE": "true"}).webhook_allow_private


async def test_internal_and_plain_http_urls_are_refused(
    client: httpx.AsyncClient, network: Network
) -> None:
    path = f"/api/v1/organisations/{network.receiver_org}/referral-webhook"
    headers = network.receiver_admin.headers
    for url in INTERNAL:
        refused = await client.put(path, json={"url": url}, headers=headers)
        assert refused.status_code == 422, url
        assert refused.json()["errors"][0]["field"] == "url", url
        assert "private" in refused.json()["errors"][0]["message"], url
    plain = await client.put(path, json={"url": "http://93.184.215.14/hooks"}, headers=headers)
    assert plain.status_code == 422
    assert plain.json()["errors"] == [
        {
            "field": "url",
            "message": "must use https: webhooks go to the organisation's public system",
        }
    ]
    for url in ("https://user:secret@93.184.215.14/hooks", "https://does-not-exist.invalid/"):
        assert (await client.put(path, json={"url": url}, headers=headers)).status_code == 422
    assert (await client.get(path, headers=headers)).status_code == 404
    # A public address over https is fine (checked, not called).
    accepted = await client.put(
        path, json={"url": "https://93.184.215.14/hooks/boussole"}, headers=headers
    )
    assert accepted.status_code == 200, accepted.text


async def test_a_url_that_turned_internal_is_not_called(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    receiver = Receiver()
    async with receiver as url:
        # As if the host's DNS had changed after the URL was accepted.
        async with pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO referral_webhook (organisation_id, url, secret) VALUES ($1, $2, $3)",
                network.receiver_org,
                url.replace("http://", "https://"),
                "s3cret-for-the-epicerie-system",
            )
        sent = await client.post(
            "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
        )
        assert sent.status_code == 201
        assert await deliver_webhooks(pool, datetime.now(UTC)) == 0
    assert receiver.calls == []
    async with pool.acquire() as conn:
        state = await conn.fetchrow(
            "SELECT attempts, last_error, delivered_at FROM referral_webhook_delivery"
        )
    assert state["attempts"] == 1 and state["delivered_at"] is None
    assert state["last_error"].startswith("refused: points to a loopback, private")


async def test_delivery_tries_each_checked_address_until_one_answers() -> None:
    """A host whose first address cannot be reached (IPv6 here) still gets its webhook."""
    receiver = Receiver()
    async with receiver as url:
        port = int(url.split(":")[2].split("/")[0])
        target = await webhooks.resolve(
            f"http://localhost:{port}/hooks/boussole", allow_private=True
        )
        assert "127.0.0.1" in target.addresses
        # The receiver listens on 127.0.0.1 only: ::1 is refused (or unreachable) first.
        unreachable = webhooks.Target(
            "http", "localhost", port, "/hooks/boussole", ("::1", "127.0.0.1")
        )
        status = await asyncio.to_thread(webhooks.post, unreachable, b"{}", {"X-Test": "1"})
    assert status == 204 and len(receiver.calls) == 1
    with pytest.raises(OSError):
        nowhere = webhooks.Target("http", "localhost", port, "/", ("::1", "127.0.0.1"))
        await asyncio.to_thread(webhooks.post, nowhere, b"{}", {})
