"""The mail outbox with a real SMTP server on loopback: delivery, retries, no loss."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from service.mail import purge_old_mails, queue_mail, send_due
from service.mail.sender import retry_delay
from service.settings import Settings
from tests.integration.accounts.conftest import Mailbox, SmtpServer, outbox

CONTEXT = {"link_url": "https://boussole.example/workspace/login/link/abc", "minutes": 15}


async def _queue(pool: asyncpg.Pool, to: str = "marie@example.org", language: str = "fr") -> None:
    async with pool.acquire() as conn, conn.transaction():
        await queue_mail(conn, to=to, template="login_link", language=language, context=CONTEXT)


async def test_a_queued_mail_reaches_the_smtp_server(
    pool: asyncpg.Pool, settings: Settings, smtp_server: SmtpServer
) -> None:
    smtp_server.start()
    await _queue(pool, language="nl")
    settings = Settings(database_url=settings.database_url, smtp_url=smtp_server.url)

    assert await send_due(pool, settings) == 1

    [message] = smtp_server.mailbox.messages
    assert smtp_server.mailbox.recipients == [["marie@example.org"]]
    assert message["Subject"] == "Uw aanmeldlink voor Boussole"
    assert message["Auto-Submitted"] == "auto-generated"
    parts = {part.get_content_type(): part for part in message.walk()}
    text = parts["text/plain"].get_payload(decode=True).decode()
    html = parts["text/html"].get_payload(decode=True).decode()
    assert CONTEXT["link_url"] in text
    assert f'href="{CONTEXT["link_url"]}"' in html
    [row] = await outbox(pool)
    assert row["sent_at"] is not None and row["attempts"] == 1
    # Nothing is sent twice.
    assert await send_due(pool, settings) == 0
    assert len(smtp_server.mailbox.messages) == 1


@dataclass
class SlowMailbox(Mailbox):
    """A relay that takes each message's data only once `answer` is set."""

    answer: threading.Event = field(default_factory=threading.Event)
    waiting: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.waiting.set()
        await asyncio.to_thread(self.answer.wait, 10)  # the SMTP server's loop goes on
        return await super().handle_DATA(server, session, envelope)


async def test_a_slow_relay_holds_no_transaction_and_no_mail_goes_twice(
    pool: asyncpg.Pool, settings: Settings, smtp_server: SmtpServer
) -> None:
    smtp_server.mailbox = mailbox = SlowMailbox()
    smtp_server.start()
    await _queue(pool)
    settings = Settings(database_url=settings.database_url, smtp_url=smtp_server.url)

    sending = asyncio.create_task(send_due(pool, settings))
    assert await asyncio.to_thread(mailbox.waiting.wait, 10)
    async with pool.acquire() as conn:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state LIKE 'idle in transaction%'"
        )
    assert waiting == 0
    # Another worker meanwhile finds nothing to send: the mail is claimed.
    assert await send_due(pool, settings) == 0
    mailbox.answer.set()
    assert await sending == 1
    assert len(mailbox.messages) == 1
    [row] = await outbox(pool)
    assert row["sent_at"] is not None and row["attempts"] == 1


async def test_an_smtp_outage_delays_mail_but_loses_none(
    pool: asyncpg.Pool, settings: Settings, smtp_server: SmtpServer
) -> None:
    settings = Settings(database_url=settings.database_url, smtp_url=smtp_server.url)
    await _queue(pool, to="first@example.org")
    await _queue(pool, to="second@example.org")
    start = datetime.now(UTC)

    # The server is down: its port is closed.
    assert await send_due(pool, settings, now=start) == 0
    rows = await outbox(pool)
    assert [r["attempts"] for r in rows] == [1, 1]
    assert all(r["sent_at"] is None and r["failed_at"] is None for r in rows)
    assert all(r["next_attempt_at"] == start + retry_delay(1) for r in rows)
    assert all(r["last_error"] == "ConnectionRefusedError" for r in rows)

    # Still down one retry later: the wait doubles.
    second = start + retry_delay(1)
    assert await send_due(pool, settings, now=second) == 0
    rows = await outbox(pool)
    assert all(r["attempts"] == 2 for r in rows)
    assert all(r["next_attempt_at"] == second + retry_delay(2) for r in rows)

    # The server is back, but the retry is not due yet.
    smtp_server.start()
    assert await send_due(pool, settings, now=second + timedelta(seconds=30)) == 0
    assert smtp_server.mailbox.messages == []

    assert await send_due(pool, settings, now=second + retry_delay(2)) == 2
    assert sorted(r[0] for r in smtp_server.mailbox.recipients) == [
        "first@example.org",
        "second@example.org",
    ]
    rows = await outbox(pool)
    assert all(r["sent_at"] is not None and r["last_error"] is None for r in rows)
    # The error kept never names a recipient.
    assert all("example.org" not in (r["last_error"] or "") for r in rows)


async def test_a_refused_recipient_is_abandoned_without_retry(
    pool: asyncpg.Pool, settings: Settings, smtp_server: SmtpServer
) -> None:
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, options):
            return "550 no such user"

    smtp_server.mailbox = Refusing()  # type: ignore[assignment]
    smtp_server.start()
    settings = Settings(database_url=settings.database_url, smtp_url=smtp_server.url)
    await _queue(pool, to="nobody@example.org")

    assert await send_due(pool, settings) == 0
    [row] = await outbox(pool)
    assert row["failed_at"] is not None
    assert row["last_error"] == "SMTPRecipientsRefused 550"


async def test_a_mail_queued_in_a_rolled_back_transaction_does_not_exist(
    pool: asyncpg.Pool,
) -> None:
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                await queue_mail(
                    conn, to="a@example.org", template="login_link", language="fr", context=CONTEXT
                )
                raise RuntimeError("the change failed")
    assert await outbox(pool) == []


async def test_a_language_without_templates_falls_back_to_french(pool: asyncpg.Pool) -> None:
    await _queue(pool, language="de")
    [row] = await outbox(pool)
    assert row["language"] == "fr"
    assert row["subject"] == "Votre lien de connexion à Boussole"


async def test_without_smtp_mails_stay_in_the_database(
    pool: asyncpg.Pool, settings: Settings
) -> None:
    await _queue(pool)
    assert settings.smtp_url is None
    assert await send_due(pool, settings) == 0
    [row] = await outbox(pool)
    assert row["attempts"] == 0 and row["sent_at"] is None


async def test_old_mails_are_purged(
    pool: asyncpg.Pool, settings: Settings, smtp_server: SmtpServer
) -> None:
    smtp_server.start()
    with_smtp = Settings(database_url=settings.database_url, smtp_url=smtp_server.url)
    await _queue(pool)
    assert await send_due(pool, with_smtp) == 1
    await _queue(pool)  # not sent: kept while SMTP is configured

    later = datetime.now(UTC) + timedelta(days=31)
    assert await purge_old_mails(pool, with_smtp, now=later) == 1
    assert len(await outbox(pool)) == 1
    # Without SMTP, unsent mails are only for reading on the development page.
    assert await purge_old_mails(pool, settings, now=later) == 1
    assert await outbox(pool) == []


async def test_the_worker_sends_a_mail_as_soon_as_its_transaction_commits(
    pool: asyncpg.Pool, settings: Settings, smtp_server: SmtpServer
) -> None:
    import asyncio

    from service.mail import run_mail_sender

    smtp_server.start()
    with_smtp = Settings(database_url=settings.database_url, smtp_url=smtp_server.url)
    worker = asyncio.create_task(run_mail_sender(pool, with_smtp))
    try:
        await asyncio.sleep(0.2)  # the worker listens; its poll is 30 s away
        await _queue(pool)
        for _ in range(100):
            if smtp_server.mailbox.messages:
                break
            await asyncio.sleep(0.05)
        assert len(smtp_server.mailbox.messages) == 1
    finally:
        worker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await worker
