"""The worker side of the outbox: send due mails, retry with backoff, purge old ones."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

import asyncpg

from service.mail.outbox import Q
from service.mail.smtp import OutgoingMail, deliver, parse_smtp_url
from service.settings import Settings

logger = logging.getLogger(__name__)

BATCH = 50
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 25
"""About four days of retries at the longest delay before a mail is abandoned."""
KEEP_MAILS = timedelta(days=30)
"""How long sent, abandoned or (without SMTP) unsent mails are kept."""
LEASE = timedelta(minutes=15)
"""How long claimed mails are kept from other workers while they are sent: far longer than a
batch takes; after it, the mails of a worker that died are due again."""
POLL = 30.0
"""Seconds between two looks at the outbox when no notification arrives."""


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4… minutes, at most six hours."""
    if attempts < 1:
        return timedelta(0)
    seconds = FIRST_RETRY.total_seconds() * 2 ** min(attempts - 1, 20)
    return min(timedelta(seconds=seconds), LONGEST_RETRY)


async def send_due(pool: asyncpg.Pool, settings: Settings, now: datetime | None = None) -> int:
    """Send the mails due at `now` (default: the current time); return how many were sent."""
    if not settings.smtp_url:
        return 0
    server = parse_smtp_url(settings.smtp_url)
    now = now or datetime.now(UTC)
    sent = 0
    while True:
        claimed = await pool.fetch(Q.claim_due_mails, now, BATCH, now + LEASE)
        if not claimed:
            break
        rows = sorted(claimed, key=lambda row: row["created_at"])
        mails = [
            OutgoingMail(r["recipient"], r["subject"], r["body_text"], r["body_html"]) for r in rows
        ]
        results = await asyncio.to_thread(deliver, server, settings.mail_from, mails)
        async with pool.acquire() as conn, conn.transaction():
            for row, result in zip(rows, results, strict=True):
                attempts = row["attempts"] + 1
                if result.outcome == "sent":
                    await conn.execute(Q.mark_sent, row["id"], now)
                    sent += 1
                elif result.outcome == "fail" or attempts >= MAX_ATTEMPTS:
                    await conn.execute(Q.mark_failed, row["id"], now, result.error)
                    logger.warning("mail %s abandoned after %d attempts", row["id"], attempts)
                else:
                    retry_at = now + retry_delay(attempts)
                    await conn.execute(Q.mark_retry, row["id"], retry_at, result.error)
                    logger.info(
                        "mail %s not sent (%s); retry at %s",
                        row["id"],
                        result.error,
                        retry_at.isoformat(),
                    )
        if len(rows) < BATCH:
            break
    if sent:
        logger.info("sent %d mail(s)", sent)
    return sent


async def purge_old_mails(
    pool: asyncpg.Pool, settings: Settings, now: datetime | None = None
) -> int:
    """Delete mails kept longer than KEEP_MAILS; return how many were deleted."""
    limit = (now or datetime.now(UTC)) - KEEP_MAILS
    async with pool.acquire() as conn:
        status = await conn.execute(Q.purge_delivered, limit)
        deleted = int(status.split()[-1])
        if not settings.smtp_url:
            status = await conn.execute(Q.purge_unsent, limit)
            deleted += int(status.split()[-1])
    return deleted


async def run_mail_sender(pool: asyncpg.Pool, settings: Settings) -> None:
    """Worker task: send due mails when notified of a new one or every POLL seconds."""
    wake = asyncio.Event()

    def on_notify(*_: object) -> None:
        wake.set()

    async with contextlib.AsyncExitStack() as stack:
        if settings.smtp_url:
            listener: asyncpg.Connection = await stack.enter_async_context(pool.acquire())
            await listener.add_listener("mail_outbox", on_notify)
            stack.push_async_callback(listener.remove_listener, "mail_outbox", on_notify)
        while True:
            wake.clear()
            try:
                await send_due(pool, settings)
                await purge_old_mails(pool, settings)
            except (OSError, asyncpg.PostgresError, ValueError) as error:
                # The type only: messages may quote addresses.
                logger.error("mail sender round failed: %s", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), POLL)
