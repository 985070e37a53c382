"""The order of `GET /api/v1/referrals`: newest first by default; with `sort=attention`, what
waits for the receiving organisation first, as the workspace's inbox shows it."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.referrals.conftest import Network, referral_body

pytestmark = pytest.mark.asyncio


async def _send(client: httpx.AsyncClient, network: Network, **extra: object) -> str:
    response = await client.post(
        "/api/v1/referrals", json=referral_body(network, **extra), headers=network.worker.headers
    )
    assert response.status_code == 201, response.text
    reference: str = response.json()["reference"]
    return reference


async def _ids_by_reference(client: httpx.AsyncClient, network: Network) -> dict[str, str]:
    listed = await client.get("/api/v1/referrals", headers=network.worker.headers)
    return {item["reference"]: item["id"] for item in listed.json()["items"]}


async def _listed(client: httpx.AsyncClient, network: Network, **params: object) -> list[str]:
    response = await client.get(
        "/api/v1/referrals", params={"box": "inbox", **params}, headers=network.receiver.headers
    )
    assert response.status_code == 200, response.text
    return [item["reference"] for item in response.json()["items"]]


async def test_attention_puts_the_urgent_then_those_closest_to_expiry_then_the_answered(
    client: httpx.AsyncClient, network: Network
) -> None:
    # Sent in this order: declined last, urgent, accepted first, waiting, urgent, waiting.
    declined, urgent, accepted, waiting, urgent_later, newest = [
        await _send(client, network, urgency=urgency)
        for urgency in ("normal", "urgent", "normal", "normal", "urgent", "normal")
    ]
    ids = await _ids_by_reference(client, network)
    answered = await client.post(
        f"/api/v1/referrals/{ids[accepted]}/accept", headers=network.receiver.headers
    )
    assert answered.status_code == 200, answered.text
    answered = await client.post(
        f"/api/v1/referrals/{ids[declined]}/decline",
        json={"reason_code": "no_capacity"},
        headers=network.receiver.headers,
    )
    assert answered.status_code == 200, answered.text

    assert await _listed(client, network, sort="attention") == [
        urgent,  # urgent, expiring first
        urgent_later,
        waiting,  # then the others waiting, the one closest to its expiry first
        newest,
        declined,  # then the answered, the last answered first
        accepted,
    ]
    # The default, and `newest`, stay the order of sending, the newest first.
    newest_first = [newest, urgent_later, waiting, accepted, urgent, declined]
    assert await _listed(client, network) == newest_first
    assert await _listed(client, network, sort="newest") == newest_first

    # Pages follow the same order without overlapping, and a status keeps it too.
    first = await _listed(client, network, sort="attention", limit=4)
    second = await _listed(client, network, sort="attention", limit=4, offset=4)
    assert first + second == [urgent, urgent_later, waiting, newest, declined, accepted]
    assert await _listed(client, network, sort="attention", status="sent") == first


async def test_an_unknown_sort_is_refused_naming_it(
    client: httpx.AsyncClient, network: Network
) -> None:
    refused = await client.get(
        "/api/v1/referrals", params={"sort": "urgent"}, headers=network.receiver.headers
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["sort"]


async def test_the_api_documents_the_orders(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    parameters = schema["paths"]["/api/v1/referrals"]["get"]["parameters"]
    sort = next(p for p in parameters if p["name"] == "sort")
    assert "attention" in sort["description"] and "newest" in sort["description"]
