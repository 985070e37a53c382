"""Messages between the two organisations of a referral: who may write and read, the mail
that says one is waiting (without its text), and their erasure with the person's data."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from service.accounts.identity import identity_from_token
from service.referrals import referrals
from tests.integration.referrals.conftest import Network, queued_mails, referral_body
from tests.locks import until_waiting

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


async def _messages(pool: asyncpg.Pool) -> list[str]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT note FROM referral_event WHERE action = 'message' ORDER BY at, id"
        )
    return [row["note"] for row in rows]


async def test_a_message_sent_twice_at_once_is_written_once(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """A double click on "Send the message", or a retry: one message, one mail."""
    referral_id = await _referral(client, network)
    path = f"/api/v1/referrals/{referral_id}/messages"
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM mail_outbox")
    await client.get("/api/v1/me", headers=network.receiver.headers)  # the token's first use
    answers = await asyncio.gather(
        *(
            client.post(path, json={"text": QUESTION}, headers=network.receiver.headers)
            for _ in range(3)
        )
    )
    assert [a.status_code for a in answers] == [201] * 3, [a.text for a in answers]
    assert len({a.json()["at"] for a in answers}) == 1
    assert await _messages(pool) == [QUESTION]
    # One mail to each of the sender's recipients (the worker, the CPAS's own address).
    mails = [
        m["recipient"] for m in await queued_mails(pool) if m["template"] == "referral_message"
    ]
    assert sorted(mails) == sorted({network.worker.email, "social@cpas.example.org"})

    # Another text, or the same one from the other side, is another message.
    other = await client.post(path, json={"text": "Oui."}, headers=network.receiver.headers)
    same = await client.post(path, json={"text": QUESTION}, headers=network.worker.headers)
    assert other.status_code == same.status_code == 201
    assert await _messages(pool) == [QUESTION, "Oui.", QUESTION]


async def test_the_second_send_waits_for_the_first_and_finds_it(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    referral_id = UUID(await _referral(client, network))
    async with pool.acquire() as conn:
        identity = await identity_from_token(conn, network.receiver.token)
    assert identity is not None
    options: dict[str, Any] = {"public_url": "http://test"}

    async def send(at: datetime) -> Any:
        async with pool.acquire() as conn, conn.transaction():
            return await referrals.add_message(
                conn, referral_id, identity, QUESTION, now=at, **options
            )

    now = datetime.now(UTC)
    async with pool.acquire() as first:
        async with first.transaction():
            await referrals.add_message(first, referral_id, identity, QUESTION, now=now, **options)
            second = asyncio.create_task(send(now + timedelta(seconds=2)), name="second send")
            await until_waiting(pool, 1, second)
        assert (await second).at == now
    assert await _messages(pool) == [QUESTION]
    # Written again later, it is a new message.
    await send(now + referrals.SENT_TWICE_WITHIN + timedelta(seconds=1))
    assert await _messages(pool) == [QUESTION, QUESTION]


async def test_the_receiving_worker_who_asked_is_told_the_answer_is_there(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    """The épicerie has a shared address: its worker who asked "can she come on Tuesday?"
    hears of the reply (and of a cancellation) too, not only the shared mailbox; someone
    who left the organisation since does not, nor a colleague who took no part."""
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE organisation SET email = 'accueil@epicerie.example.org' WHERE id = $1",
            network.receiver_org,
        )
    referral_id = await _referral(client, network)
    path = f"/api/v1/referrals/{referral_id}/messages"
    asked = await client.post(path, json={"text": QUESTION}, headers=network.receiver.headers)
    assert asked.status_code == 201
    left = await client.post(
        path, json={"text": "Et le jeudi ?"}, headers=network.receiver_admin.headers
    )
    assert left.status_code == 201
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE membership SET organisation_id = $2"
            " WHERE user_id = $1 AND organisation_id = $3",
            network.receiver_admin.user_id,
            network.other_org,
            network.receiver_org,
        )
        await conn.execute("DELETE FROM mail_outbox")
    answered = await client.post(path, json={"text": "Oui, à 9 h."}, headers=network.worker.headers)
    assert answered.status_code == 201
    cancelled = await client.post(
        f"/api/v1/referrals/{referral_id}/cancel", headers=network.worker.headers
    )
    assert cancelled.status_code == 200
    told = {(m["template"], m["recipient"]) for m in await queued_mails(pool)}
    for template in ("referral_message", "referral_cancelled"):
        assert {r for t, r in told if t == template} == {
            "accueil@epicerie.example.org",
            network.receiver.email,
        }, template
