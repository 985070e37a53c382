"""Whether the background work keeps up: what piles up in the outboxes, what outlives its
date, said to coordinators (`GET /api/v1/operations`) and by `boussole status`."""

from __future__ import annotations

import argparse
import socket
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import msgspec
import pytest

from service.operations.commands import status as status_command
from service.settings import Settings
from tests.conftest import TokenFactory

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings(db_url: str) -> Settings:
    # A mail server is configured (the worker is off: nothing is sent in these tests).
    return Settings(database_url=db_url, run_worker=False, smtp_url="smtp://127.0.0.1:2525")


async def _referral(pool: asyncpg.Pool, **dates: datetime) -> uuid.UUID:
    """A referral between two new organisations, with the given dates and status columns."""
    async with pool.acquire() as conn:
        sender, receiver = [
            await conn.fetchval(
                "INSERT INTO organisation (name, kind) VALUES ($1, 'association') RETURNING id",
                name,
            )
            for name in (f"Sender {uuid.uuid4().hex[:6]}", f"Receiver {uuid.uuid4().hex[:6]}")
        ]
        referral_id: uuid.UUID = await conn.fetchval(
            """INSERT INTO referral (reference, from_organisation_id, to_organisation_id,
                                     service_name, anonymous, expires_at)
               VALUES ($1, $2, $3, 'Colis alimentaires', true, $4) RETURNING id""",
            uuid.uuid4().hex[:8],
            sender,
            receiver,
            dates.pop("expires_at", datetime.now(UTC) + timedelta(days=14)),
        )
        for column, value in dates.items():
            await conn.execute(
                f"UPDATE referral SET {column} = $2 WHERE id = $1", referral_id, value
            )
    return referral_id


async def test_all_is_well_on_a_quiet_service(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    token = await make_token(coordinator=True)
    response = await client.get("/api/v1/operations", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and body["attention"] == []
    assert body["search_engine"] == "postgres"  # no Meilisearch configured
    assert body["mail"] == {
        "waiting": 0, "retrying": 0, "oldest_waiting_s": None, "given_up_last_day": 0,
        "last_error": None,
    }  # fmt: skip


async def test_what_piles_up_or_outlives_its_date_is_said(
    client: httpx.AsyncClient, make_token: TokenFactory, pool: asyncpg.Pool
) -> None:
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        # A search change waiting for 5 minutes (Meilisearch down, say).
        await conn.execute(
            "INSERT INTO search_outbox (service_id, created_at, attempts, last_error) "
            "VALUES (gen_random_uuid(), $1, 3, 'meilisearch: ConnectError')",
            now - timedelta(minutes=5),
        )
        # A mail given up this morning, another waiting for 20 minutes.
        for created, failed in ((now - timedelta(hours=3), now - timedelta(hours=2)),
                                (now - timedelta(minutes=20), None)):  # fmt: skip
            await conn.execute(
                """INSERT INTO mail_outbox (recipient, template, language, subject, body_text,
                                            body_html, created_at, attempts, failed_at, last_error)
                   VALUES ('someone@example.org', 'referral_received', 'fr', 's', 't', 'h',
                           $1, 2, $2, 'SMTPRecipientsRefused')""",
                created,
                failed,
            )
    # A referral nobody answered, two hours past its expiry; one closed 366 days ago whose
    # person's data is still there (retention: 365 days).
    await _referral(pool, expires_at=now - timedelta(hours=2))
    await _referral(pool, status="closed", final_at=now - timedelta(days=366))
    await _referral(pool, status="closed", final_at=now - timedelta(days=10))  # not yet due

    token = await make_token(coordinator=True)
    body = (
        await client.get("/api/v1/operations", headers={"Authorization": f"Bearer {token}"})
    ).json()
    assert body["status"] == "attention"
    assert body["attention_codes"] == [
        "search_behind", "mail_late", "mail_given_up", "expiry_late", "erasure_late"
    ]  # fmt: skip
    assert body["search"]["waiting"] == body["search"]["retrying"] == 1
    assert 290 < body["search"]["oldest_waiting_s"] < 400
    assert body["search"]["last_error"] == "meilisearch: ConnectError"
    assert body["mail"]["waiting"] == 1 and body["mail"]["given_up_last_day"] == 1
    assert body["referrals_past_expiry"] == 1
    assert body["personal_data_past_retention"] == 1
    said = " ".join(body["attention"])
    for expected in ("Search is", "A mail has waited 20 min", "1 mail(s) given up",
                     "past their expiry", "past its erasure date"):  # fmt: skip
        assert expected in said, expected
    assert "someone@example.org" not in str(body)  # no address, no content


async def test_only_coordinators_see_it(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    assert (await client.get("/api/v1/operations")).status_code == 401
    editor = await make_token(role="editor")
    response = await client.get("/api/v1/operations", headers={"Authorization": f"Bearer {editor}"})
    assert response.status_code == 403


async def test_the_command_exits_1_when_something_needs_attention(
    pool: asyncpg.Pool, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(json=False)
    assert await status_command(args, settings) == 0
    assert capsys.readouterr().out.startswith("status: ok\n")
    await _referral(pool, status="accepted", accepted_at=datetime.now(UTC) - timedelta(days=400))
    assert await status_command(args, settings) == 1
    out = capsys.readouterr().out
    assert "personal data past retention: 1" in out
    assert "! 1 referral(s) keep the person's data past its erasure date" in out


async def test_without_a_mail_server_mails_are_said_kept_not_late(
    pool: asyncpg.Pool, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    await pool.execute(
        """INSERT INTO mail_outbox (recipient, template, language, subject, body_text,
                                    body_html, created_at)
           VALUES ('someone@example.org', 'referral_received', 'fr', 's', 't', 'h',
                   now() - interval '2 hours')"""
    )
    args = argparse.Namespace(json=True)
    assert await status_command(args, msgspec.structs.replace(settings, smtp_url=None)) == 1
    found = msgspec.json.decode(capsys.readouterr().out)
    assert found["attention_codes"] == ["mail_off"]  # kept on purpose: not "late"
    assert await status_command(args, settings) == 1
    assert msgspec.json.decode(capsys.readouterr().out)["attention_codes"] == ["mail_late"]


async def test_a_meilisearch_that_does_not_answer_is_said(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port once the socket is closed.
    down = msgspec.structs.replace(settings, meili_url=f"http://127.0.0.1:{port}")
    assert await status_command(argparse.Namespace(json=True), down) == 1
    found = msgspec.json.decode(capsys.readouterr().out)
    assert found["search_engine"] == "unreachable"
    assert found["attention_codes"] == ["meilisearch_down"]
