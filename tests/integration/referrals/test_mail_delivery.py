"""Referral mails reach a real SMTP server (aiosmtpd on loopback) through the mail worker."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from aiosmtpd.controller import Controller

from service.mail import send_due
from service.settings import Settings
from tests.integration.referrals.conftest import BENEFICIARY, Network, referral_body

pytestmark = pytest.mark.asyncio


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_new_referral_and_answer_arrive_by_mail(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool, settings: Settings
) -> None:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = msgspec.structs.replace(settings, smtp_url=f"smtp://127.0.0.1:{port}")
        created = await client.post(
            "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
        )
        reference = created.json()["reference"]
        await client.post(
            f"/api/v1/referrals/{created.json()['id']}/decline",
            json={"reason_code": "no_capacity"},
            headers=network.receiver.headers,
        )
        assert await send_due(pool, smtp) == 4
    finally:
        controller.stop()

    by_recipient = {rcpt[0]: message for rcpt, message in inbox.messages}
    assert set(by_recipient) == {
        network.receiver.email,
        network.receiver_admin.email,
        network.worker.email,
        "social@cpas.example.org",
    }
    received = by_recipient[network.receiver.email]
    assert reference in received["Subject"]
    answered = by_recipient[network.worker.email]
    assert "refusé" in answered["Subject"]
    html = answered.get_body(("html",))
    text = answered.get_body(("plain",))
    assert html is not None and text is not None
    assert reference in text.get_content()
    raw = b"".join(m.as_bytes() for _, m in inbox.messages)
    assert BENEFICIARY["last_name"].encode() not in raw


async def test_a_mail_that_cannot_be_written_holds_back_no_other(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    """A stored mail that is no valid message (a subject of two lines, as a row written by
    hand could hold) is given up with the kind of error; the mails of its batch are sent,
    once (the batch used to fail whole and be sent again at every round)."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        async with pool.acquire() as conn:
            for subject in ["Premier", "Deux\nlignes", "Troisième"]:
                await conn.execute(
                    """INSERT INTO mail_outbox (recipient, template, language, subject,
                                                body_text, body_html)
                       VALUES ('worker@example.org', 'test', 'fr', $1, 'Texte', '<p>Texte</p>')""",
                    subject,
                )
        smtp = msgspec.structs.replace(settings, smtp_url=f"smtp://127.0.0.1:{port}")
        assert await send_due(pool, smtp) == 2
        assert await send_due(pool, smtp) == 0
    finally:
        controller.stop()
    assert [message["Subject"] for _, message in inbox.messages] == ["Premier", "Troisième"]
    async with pool.acquire() as conn:
        failed = await conn.fetchrow(
            "SELECT last_error, failed_at FROM mail_outbox WHERE subject LIKE 'Deux%'"
        )
    assert failed["last_error"] == "ValueError" and failed["failed_at"] is not None
