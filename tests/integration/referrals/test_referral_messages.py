"""Messages between the two organisations of a referral: who may write and read, the mail
that says one is waiting (without its text), and their erasure with the person's data."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from tests.integration.referrals.conftest import Network, queued_mails, referral_body

pytestmark = pytest.mark.asyncio

QUESTION = "Peut-elle venir mardi matin avec sa fille ?"


async def _referral(client: httpx.AsyncClient, network: Network) -> str:
    created = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_the_two_organisations_write_to_each_other(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    referral_id = await _referral(client, network)
    path = f"/api/v1/referrals/{referral_id}/messages"
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM mail_outbox")

    asked = await client.post(path, json={"text": QUESTION}, headers=network.receiver.headers)
    assert asked.status_code == 201, asked.text
    assert asked.json()["action"] == "message" and asked.json()["note"] == QUESTION
    answered = await client.post(path, json={"text": "Oui, à 9 h."}, headers=network.worker.headers)
    assert answered.status_code == 201

    seen = await client.get(f"/api/v1/referrals/{referral_id}", headers=network.worker.headers)
    messages = [e for e in seen.json()["events"] if e["action"] == "message"]
    assert [(m["note"], m["organisation_id"]) for m in messages] == [
        (QUESTION, str(network.receiver_org)),
        ("Oui, à 9 h.", str(network.sender_org)),
    ]
    assert seen.json()["status"] == "sent"  # a message answers nothing

    mails = [m for m in await queued_mails(pool) if m["template"] == "referral_message"]
    # The worker who sent the referral heard of the question, the épicerie of the answer;
    # neither mail carries the text.
    recipients = {m["recipient"] for m in mails}
    assert network.worker.email in recipients and len(mails) >= 2
    for mail in mails:
        assert QUESTION not in mail["body_text"] + mail["body_html"] + mail["subject"]
        assert "Oui, à 9 h." not in mail["body_text"] + mail["body_html"]

    for member in (network.outsider, network.housing):
        refused = await client.post(path, json={"text": "?"}, headers=member.headers)
        assert refused.status_code == 404
    for nothing in ("   ", "\u200b", " \u200b\ufeff "):  # spaces, a zero-width space, a BOM
        empty = await client.post(path, json={"text": nothing}, headers=network.worker.headers)
        assert empty.status_code == 422, repr(nothing)
        assert empty.json()["errors"] == [{"field": "text", "message": "must not be blank"}]
    long = await client.post(path, json={"text": "x" * 2001}, headers=network.worker.headers)
    assert long.status_code == 422
    assert (await client.post(path, json={"text": "?"})).status_code == 401


async def test_messages_are_erased_with_the_person_and_close_after(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    referral_id = await _referral(client, network)
    path = f"/api/v1/referrals/{referral_id}/messages"
    assert (
        await client.post(path, json={"text": QUESTION}, headers=network.receiver.headers)
    ).status_code == 201
    erased = await client.delete(
        f"/api/v1/referrals/{referral_id}/person", headers=network.worker.headers
    )
    assert erased.status_code == 204
    async with pool.acquire() as conn:
        notes = await conn.fetch(
            "SELECT note FROM referral_event WHERE referral_id = $1 AND action = 'message'",
            referral_id,
        )
    assert [n["note"] for n in notes] == [None]  # the message stays a fact, its text is gone
    closed = await client.post(path, json={"text": "Et alors ?"}, headers=network.worker.headers)
    assert closed.status_code == 409
