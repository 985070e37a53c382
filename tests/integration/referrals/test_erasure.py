"""Erasure on request (GDPR art. 17): who may, what goes, what stays, and doing it twice."""

from __future__ import annotations

import json

import asyncpg
import httpx
import pytest

from tests.integration.referrals.conftest import BENEFICIARY, Network, referral_body

pytestmark = pytest.mark.asyncio


async def _send(client: httpx.AsyncClient, network: Network) -> str:
    response = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    assert response.status_code == 201, response.text
    url: str = f"/api/v1/referrals/{response.json()['id']}"
    return url


async def test_the_referring_worker_erases_the_person_now(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    url = await _send(client, network)
    accepted = await client.post(
        f"{url}/accept",
        json={"note": "Madame Quackenbush vient mardi"},
        headers=network.receiver.headers,
    )
    assert accepted.status_code == 200

    erased = await client.delete(f"{url}/person", headers=network.worker.headers)
    assert erased.status_code == 204, erased.text

    read = (await client.get(url, headers=network.receiver.headers)).json()
    assert read["person"] is None and read["personal_data_erased_at"] is not None
    # The referral stays, with its anonymous facts, for the statistics.
    assert read["status"] == "accepted" and read["themes"] == ["food.social-grocery"]
    assert [e["action"] for e in read["events"]] == ["send", "accept", "erase"]
    erase = read["events"][-1]
    assert erase["actor"] == network.worker.email
    assert erase["organisation_id"] == str(network.sender_org)
    assert erase["note"] is None and erase["code"] is None
    assert all(e["note"] is None for e in read["events"])

    # Once more: nothing left to erase, the same answer, no second event.
    again = await client.delete(f"{url}/person", headers=network.worker.headers)
    assert again.status_code == 204
    events = (await client.get(url, headers=network.worker.headers)).json()["events"]
    assert [e["action"] for e in events] == ["send", "accept", "erase"]

    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM referral_person") == 0
        rows = await conn.fetch("SELECT * FROM referral")
        rows += await conn.fetch("SELECT * FROM referral_event")
        everything = json.dumps([[str(v) for v in r.values()] for r in rows])
    assert BENEFICIARY["last_name"] not in everything and BENEFICIARY["phone"] not in everything

    # The statistics still count it.
    stats = await client.get(
        "/api/v1/referrals/stats",
        params={"organisation_id": str(network.sender_org)},
        headers=network.sender_admin.headers,
    )
    assert stats.status_code == 200
    statuses = {c["key"]: c for c in stats.json()["statuses"]}
    assert "accepted" in statuses


async def test_who_may_erase(client: httpx.AsyncClient, network: Network) -> None:
    url = await _send(client, network)
    assert (await client.delete(f"{url}/person")).status_code == 401
    # Outside the two organisations, the referral does not exist.
    for outsider in (network.outsider, network.housing):
        assert (await client.delete(f"{url}/person", headers=outsider.headers)).status_code == 404
    # Inside them, only the referring worker and the admins.
    refused = await client.delete(f"{url}/person", headers=network.receiver.headers)
    assert refused.status_code == 403
    assert "admins" in refused.json()["detail"]
    still = (await client.get(url, headers=network.receiver.headers)).json()
    assert still["person"] is not None

    for admin, organisation in (
        (network.receiver_admin, network.receiver_org),
        (network.sender_admin, network.sender_org),
    ):
        other = await _send(client, network)
        done = await client.delete(f"{other}/person", headers=admin.headers)
        assert done.status_code == 204, done.text
        read = (await client.get(other, headers=admin.headers)).json()
        assert read["person"] is None
        assert read["events"][-1]["organisation_id"] == str(organisation)

    missing = "/api/v1/referrals/00000000-0000-0000-0000-000000000000/person"
    assert (await client.delete(missing, headers=network.worker.headers)).status_code == 404


async def test_erasure_reaches_the_copy_a_redirect_made(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    url = await _send(client, network)
    redirected = await client.post(
        f"{url}/redirect",
        json={"service_id": str(network.housing_service_id), "note": "Besoin de logement"},
        headers=network.receiver.headers,
    )
    assert redirected.status_code == 200, redirected.text
    new_url = f"/api/v1/referrals/{redirected.json()['redirected_to_id']}"

    erased = await client.delete(f"{url}/person", headers=network.worker.headers)
    assert erased.status_code == 204, erased.text
    for each in (url, new_url):
        read = (await client.get(each, headers=network.worker.headers)).json()
        assert read["person"] is None and read["personal_data_erased_at"] is not None
        assert read["events"][-1]["action"] == "erase"
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM referral_person")
    assert BENEFICIARY["first_name"] not in json.dumps([dict(r) for r in rows], default=str)


async def test_no_note_is_written_about_the_person_once_their_data_was_erased(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """A note may speak of the person, as a message does: after the erasure an answer with
    one is refused naming its field, nothing written; without one it is given."""
    url = await _send(client, network)
    accepted = await client.post(f"{url}/accept", headers=network.receiver.headers)
    assert accepted.status_code == 200
    assert (await client.delete(f"{url}/person", headers=network.worker.headers)).status_code == 204

    closed = await client.post(
        f"{url}/close",
        json={"outcome": "served", "note": "Madame Quackenbush est venue mardi"},
        headers=network.receiver.headers,
    )
    assert closed.status_code == 422, closed.text
    assert [e["field"] for e in closed.json()["errors"]] == ["note"]
    read = (await client.get(url, headers=network.receiver.headers)).json()
    assert read["status"] == "accepted"
    assert [e["action"] for e in read["events"]] == ["send", "accept", "erase"]

    closed = await client.post(
        f"{url}/close", json={"outcome": "served"}, headers=network.receiver.headers
    )
    assert closed.status_code == 200, closed.text

    other = await _send(client, network)
    assert (
        await client.delete(f"{other}/person", headers=network.worker.headers)
    ).status_code == 204
    declined = await client.post(
        f"{other}/decline",
        json={"reason_code": "unreachable", "message": "Madame Quackenbush ne répond pas"},
        headers=network.receiver.headers,
    )
    assert declined.status_code == 422, declined.text
    assert [e["field"] for e in declined.json()["errors"]] == ["message"]
    async with pool.acquire() as conn:
        notes = await conn.fetchval("SELECT count(*) FROM referral_event WHERE note IS NOT NULL")
    assert notes == 0
