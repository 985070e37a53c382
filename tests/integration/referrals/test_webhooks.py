"""Webhooks: signed deliveries with retries, and never a probe of internal networks.

The receivers here listen on loopback, which Boussole refuses by default: this module's app
runs with `webhook_allow_private` on (the `webhooks_to_loopback` mark, see conftest.py);
test_webhook_safety.py keeps the default.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from service.referrals.jobs import deliver_webhooks, signature
from tests.integration.referrals.conftest import BENEFICIARY, Network, referral_body
from tests.loopback import LoopbackServer

pytestmark = [pytest.mark.asyncio, pytest.mark.webhooks_to_loopback]


async def _send(client: httpx.AsyncClient, network: Network) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


class Receiver(LoopbackServer):
    """A real HTTP server on loopback that records webhook calls; fails the first `failures`."""

    path = "/hooks/boussole"

    def __init__(self, failures: int = 0, redirect_to: str | None = None) -> None:
        super().__init__()
        self.failures = failures
        self.redirect_to = redirect_to
        self.calls: list[tuple[dict[str, str], bytes]] = []

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
        location = ""
        if self.redirect_to:
            status, location = "307 Temporary Redirect", f"Location: {self.redirect_to}\r\n"
        answer = f"HTTP/1.1 {status}\r\n{location}Content-Length: 0\r\nConnection: close\r\n\r\n"
        writer.write(answer.encode())
        await writer.drain()
        writer.close()


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
        assert await deliver_webhooks(pool, now, allow_private=True) == 1
        assert len(receiver.calls) == 2
        assert await deliver_webhooks(pool, now, allow_private=True) == 0
        assert await deliver_webhooks(pool, now + timedelta(minutes=2), allow_private=True) == 1
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


class SlowReceiver(Receiver):
    """A receiver that answers only once `answer` is set, as a struggling system does."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        self.calls.append(({}, b""))
        await self.answer.wait()
        writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()


async def _called(receiver: Receiver, times: int) -> None:
    for _ in range(200):
        if len(receiver.calls) >= times:
            return
        await asyncio.sleep(0.025)
    raise AssertionError(f"{len(receiver.calls)} call(s), expected {times}")


async def test_a_slow_receiver_holds_no_transaction_nor_the_other_organisations(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    slow, quick = SlowReceiver(), Receiver()
    async with slow as slow_url, quick as quick_url:
        for organisation, admin, url in (
            (network.receiver_org, network.receiver_admin, slow_url),
            (network.sender_org, network.sender_admin, quick_url),
        ):
            configured = await client.put(
                f"/api/v1/organisations/{organisation}/referral-webhook",
                json={"url": url},
                headers=admin.headers,
            )
            assert configured.status_code == 200, configured.text
        await _send(client, network)  # one delivery to each organisation
        now = datetime.now(UTC)
        sending = asyncio.create_task(deliver_webhooks(pool, now, allow_private=True))
        await _called(slow, 1)
        await _called(quick, 1)
        async with pool.acquire() as conn:
            # The quick organisation's delivery is recorded while the slow one still waits,
            # and no transaction stays open across the call.
            delivered = await conn.fetchval(
                "SELECT count(*) FROM referral_webhook_delivery WHERE delivered_at IS NOT NULL"
            )
            waiting = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%'"
            )
        assert (delivered, waiting) == (1, 0)
        # Another round, or another worker, does not call the slow one a second time.
        assert await deliver_webhooks(pool, now, allow_private=True) == 0
        slow.answer.set()
        assert await sending == 2
    assert (len(slow.calls), len(quick.calls)) == (1, 1)


async def test_a_redirect_is_not_followed(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    inside = Receiver()
    async with inside as inside_url:
        redirecting = Receiver(redirect_to=inside_url)
        async with redirecting as url:
            configured = await client.put(
                f"/api/v1/organisations/{network.receiver_org}/referral-webhook",
                json={"url": url},
                headers=network.receiver_admin.headers,
            )
            assert configured.status_code == 200, configured.text
            await _send(client, network)
            assert await deliver_webhooks(pool, datetime.now(UTC), allow_private=True) == 0
    assert len(redirecting.calls) == 1
    assert inside.calls == []
    async with pool.acquire() as conn:
        state = await conn.fetchrow(
            "SELECT attempts, last_error, delivered_at FROM referral_webhook_delivery"
        )
    assert state["attempts"] == 1 and state["delivered_at"] is None
    assert state["last_error"] == "HTTP 307"


class ConnectProxy(LoopbackServer):
    """A real HTTP proxy on loopback that only tunnels (CONNECT), as city networks have;
    records what it was asked for, or refuses with `refuse` (e.g. 407)."""

    def __init__(self, refuse: str | None = None) -> None:
        super().__init__()
        self.refuse = refuse
        self.requests: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        self.requests.append(head)
        method, authority, _ = head.split("\r\n", 1)[0].split(" ", 2)
        if self.refuse or method != "CONNECT":
            writer.write(f"HTTP/1.1 {self.refuse or '405 Method Not Allowed'}\r\n\r\n".encode())
            await writer.drain()
            writer.close()
            return
        host, _, port = authority.rpartition(":")
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


async def test_webhooks_tunnel_through_the_proxy_to_the_address_checked(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    receiver, proxy = Receiver(), ConnectProxy()
    async with receiver as url, proxy as proxy_url:
        configured = await client.put(
            f"/api/v1/organisations/{network.receiver_org}/referral-webhook",
            json={"url": url.replace("127.0.0.1", "localhost")},
            headers=network.receiver_admin.headers,
        )
        assert configured.status_code == 200, configured.text
        await _send(client, network)
        delivered = await deliver_webhooks(
            pool, datetime.now(UTC), allow_private=True, proxy=proxy_url
        )
    assert delivered == 1 and len(receiver.calls) == 1
    # The tunnel goes to the address Boussole resolved and checked, not a name the proxy
    # would resolve again; the request inside still names the host.
    port = url.rsplit(":", 1)[1].split("/")[0]
    assert proxy.requests[0].startswith(("CONNECT 127.0.0.1:" + port, "CONNECT [::1]:" + port))
    assert receiver.calls[0][0]["host"] == f"localhost:{port}"


async def test_a_proxy_that_refuses_is_a_failed_delivery_tried_again(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    receiver = Receiver()
    async with receiver as url, ConnectProxy(refuse="407 Proxy Authentication Required") as proxy:
        configured = await client.put(
            f"/api/v1/organisations/{network.receiver_org}/referral-webhook",
            json={"url": url},
            headers=network.receiver_admin.headers,
        )
        assert configured.status_code == 200, configured.text
        await _send(client, network)
        now = datetime.now(UTC)
        assert await deliver_webhooks(pool, now, allow_private=True, proxy=proxy) == 0
    assert receiver.calls == []
    async with pool.acquire() as conn:
        state = await conn.fetchrow(
            "SELECT attempts, last_error, delivered_at, next_attempt_at"
            " FROM referral_webhook_delivery"
        )
    assert state["attempts"] == 1 and state["delivered_at"] is None
    assert state["last_error"] == "OSError" and state["next_attempt_at"] > now


async def test_a_webhook_removed_takes_its_waiting_calls_with_it(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """Removed while its system was down, then set again later (another system, another
    secret): the new one is not sent the old backlog, and nothing waits forever meanwhile."""
    webhook = f"/api/v1/organisations/{network.receiver_org}/referral-webhook"
    admin = network.receiver_admin.headers
    down = Receiver(failures=100)
    async with down as url:
        assert (await client.put(webhook, json={"url": url}, headers=admin)).status_code == 200
        old = await _send(client, network)
        assert await deliver_webhooks(pool, datetime.now(UTC), allow_private=True) == 0
        assert (await client.delete(webhook, headers=admin)).status_code == 204
    async with pool.acquire() as conn:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM referral_webhook_delivery WHERE delivered_at IS NULL"
        )
    assert waiting == 0

    later = Receiver()
    async with later as url:
        assert (await client.put(webhook, json={"url": url}, headers=admin)).status_code == 200
        new = await _send(client, network)
        soon = datetime.now(UTC) + timedelta(hours=7)
        assert await deliver_webhooks(pool, soon, allow_private=True) == 1
    assert [json.loads(body)["reference"] for _, body in later.calls] == [new["reference"]]
    assert old["reference"] != new["reference"]
