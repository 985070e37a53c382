"""Scheduled work on referrals: expiry, reminders, erasure of personal data, webhook delivery.

Each step takes `now`, so that tests drive the clock; the two tasks at the bottom run the
steps in a loop in the worker.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.client
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec

from service.i18n import day_month_year
from service.referrals import notify, referrals, webhooks
from service.referrals.policy import Policy
from service.referrals.queries import Q
from service.settings import Settings

logger = logging.getLogger(__name__)

HOUSEKEEPING_INTERVAL = 15 * 60.0
"""Seconds between two rounds of expiry, reminders and erasure."""
WEBHOOK_INTERVAL = 5.0
"""Seconds between two looks for due webhook deliveries."""
WEBHOOK_ATTEMPTS = 8
"""Deliveries are given up after this many failures (about a day of retries)."""
WEBHOOK_CALLS = 4
"""Organisations called at the same time in a round (each call waits in a thread)."""
WEBHOOK_LEASE = timedelta(minutes=15)
"""How long claimed deliveries are kept from other workers: far longer than a round of calls
(each step of a call times out after `webhooks.TIMEOUT`); after it, a delivery whose worker
died is due again."""


async def each_referral(
    conn: asyncpg.Connection,
    ids: list[Any],
    step: Callable[[Any], Awaitable[object]],
    what: str,
) -> int:
    """Run `step` on each referral in a savepoint of its own; return how many went through.

    One that fails is logged (its id and the kind of error, never a message that could
    quote the person) and left for the next round: it does not hold back the others, whose
    expiry or erasure is due all the same.
    """
    done = 0
    for referral_id in ids:
        try:
            async with conn.transaction():
                await step(referral_id)
        except Exception as error:
            if conn.is_closed():
                raise
            logger.error("%s of referral %s failed: %s", what, referral_id, type(error).__name__)
        else:
            done += 1
    return done


async def expire_overdue(pool: asyncpg.Pool, now: datetime, policy: Policy, public_url: str) -> int:
    """Expire the referrals nobody answered in time, telling their senders; return how many."""

    async def expire(referral_id: Any) -> None:
        await referrals.act(
            conn, referral_id, "expire", None, now=now, policy=policy, public_url=public_url
        )

    async with pool.acquire() as conn, conn.transaction():
        ids = [r["id"] for r in await conn.fetch(Q.due_for_expiry, now)]
        expired = await each_referral(conn, ids, expire, "expiry")
    if expired:
        logger.info("expired %d referral(s)", expired)
    return expired


async def send_reminders(pool: asyncpg.Pool, now: datetime, policy: Policy, public_url: str) -> int:
    """Remind receiving organisations of referrals about to expire; each reminder goes once."""
    if not policy.reminder_days:
        return 0

    def due_of(row: asyncpg.Record) -> list[int]:
        left = row["expires_at"] - now
        waits = row["expires_at"] - row["created_at"]
        return [
            d
            for d in policy.reminder_days
            if left <= timedelta(days=d) < waits and d not in row["reminders_sent"]
        ]

    async def remind(referral_id: Any) -> None:
        row = rows[referral_id]
        # After an outage several may be due: one mail, with the real time left.
        await conn.execute(Q.mark_reminders, row["id"], due_of(row))
        summary = await conn.fetchrow(Q.summary_select + " WHERE r.id = $1", row["id"])
        data = dict(summary)
        context = notify.mail_context(
            data,
            public_url,
            days_left=max(1, round((row["expires_at"] - now) / timedelta(days=1))),
            expires_on=day_month_year(row["expires_at"]),
        )
        receiver = data["to_organisation_id"]
        recipients = await notify.receiver_recipients(conn, data)
        await notify.queue_to(conn, recipients, "referral_reminder", receiver, context)

    async with pool.acquire() as conn, conn.transaction():
        found = await conn.fetch(Q.due_for_reminder, now, list(policy.reminder_days))
        rows = {row["id"]: row for row in found}
        return await each_referral(conn, list(rows), remind, "reminder")


async def erase_expired_personal_data(pool: asyncpg.Pool, now: datetime, policy: Policy) -> int:
    """Erase the person's data of referrals final for longer than the retention time, and of
    referrals accepted that long ago that nobody closed (the help was given, or not, long
    since: an open loop does not keep the person's data forever).

    What stays (service, organisations, themes, dates, statuses, codes) is anonymous and
    feeds the statistics.
    """

    async def erase(referral_id: Any) -> None:
        await referrals.erase_personal_data(conn, referral_id, now)

    async with pool.acquire() as conn, conn.transaction():
        ids = [r["id"] for r in await conn.fetch(Q.due_for_erasure, now - policy.retention)]
        erased = await each_referral(conn, ids, erase, "erasure")
    if erased:
        logger.info("erased the personal data of %d referral(s)", erased)
    return erased


def signature(secret: str, body: bytes) -> str:
    """The `X-Boussole-Signature` of a body: `sha256=` and the hex HMAC-SHA256 with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failures: 1 min, 2, 4… capped at 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


async def deliver_webhooks(
    pool: asyncpg.Pool,
    now: datetime,
    batch: int = 20,
    *,
    allow_private: bool = False,
    proxy: str | None = None,
) -> int:
    """POST the due webhook deliveries; failures are retried later. Return how many succeeded.

    The deliveries are claimed with a lease (`WEBHOOK_LEASE`) in one short statement, then
    called with no transaction open, each result written as it comes: a slow receiver holds
    neither a connection of the pool nor the others' deliveries. An organisation's deliveries
    go one after the other, in the order of the changes; different organisations' at the same
    time (`WEBHOOK_CALLS` at most). Each URL is checked again (see `webhooks`): a host that
    now resolves to an internal address is a failed delivery, not a call; `allow_private`
    lifts that, for development."""
    claimed = await pool.fetch(Q.claim_webhooks, now, batch, now + WEBHOOK_LEASE)
    by_organisation: dict[Any, list[asyncpg.Record]] = {}
    for row in sorted(claimed, key=lambda row: row["id"]):
        by_organisation.setdefault(row["organisation_id"], []).append(row)
    calls = asyncio.Semaphore(WEBHOOK_CALLS)

    async def deliver_in_order(rows: list[asyncpg.Record]) -> int:
        async with calls:
            return sum([await _deliver(pool, row, now, allow_private, proxy) for row in rows])

    outcomes = await asyncio.gather(
        *(deliver_in_order(rows) for rows in by_organisation.values()), return_exceptions=True
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome  # after every organisation's calls ended; the others are recorded
    return sum(outcome for outcome in outcomes if isinstance(outcome, int))


async def _deliver(
    pool: asyncpg.Pool,
    row: asyncpg.Record,
    now: datetime,
    allow_private: bool,
    proxy: str | None,
) -> bool:
    """Call the receiver of one delivery and record the result; True when it took it."""
    body = msgspec.json.encode(row["payload"])
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Boussole-Webhook/1",
        "X-Boussole-Delivery": str(row["id"]),
        "X-Boussole-Signature": signature(row["secret"], body),
    }
    error = await _attempt(row["url"], body, headers, allow_private, proxy)
    if error is None:
        await pool.execute(Q.webhook_delivered, row["id"], now)
        return True
    attempts = row["attempts"] + 1
    give_up = attempts >= WEBHOOK_ATTEMPTS
    await pool.execute(
        Q.webhook_failed, row["id"], error, now + retry_delay(attempts), give_up, now
    )
    logger.warning(
        "webhook delivery %s failed (%s), attempt %d%s",
        row["id"],
        error,
        attempts,
        ", given up" if give_up else "",
    )
    return False


async def _attempt(
    url: str, body: bytes, headers: dict[str, str], allow_private: bool, proxy: str | None
) -> str | None:
    """None when the receiver answered 2xx; otherwise the kind of failure (no content)."""
    try:
        target = await webhooks.resolve(url, allow_private=allow_private)
    except webhooks.UnsafeTarget as error:
        return f"refused: {error}"
    try:
        through = webhooks.proxy_for(target, proxy)
        status = await asyncio.to_thread(webhooks.post, target, body, headers, through)
    except (http.client.HTTPException, OSError, ValueError) as error:
        return type(error).__name__
    return None if 200 <= status < 300 else f"HTTP {status}"


async def run_referral_housekeeping(pool: asyncpg.Pool, settings: Settings) -> None:
    """Worker task: expiry, reminders and erasure, every quarter of an hour."""
    policy = Policy.from_settings(settings)
    while True:
        now = datetime.now(UTC)
        try:
            await send_reminders(pool, now, policy, settings.public_url)
            await expire_overdue(pool, now, policy, settings.public_url)
            await erase_expired_personal_data(pool, now, policy)
        except Exception as error:  # the loop must outlive one bad round
            # The type only: messages may quote the data of the row at fault.
            logger.error("referral housekeeping failed: %s", type(error).__name__)
        await asyncio.sleep(HOUSEKEEPING_INTERVAL)


async def run_webhook_sender(pool: asyncpg.Pool, settings: Settings) -> None:
    """Worker task: deliver status changes to organisations' webhooks, with retries."""
    while True:
        try:
            await deliver_webhooks(
                pool,
                datetime.now(UTC),
                allow_private=settings.webhook_allow_private,
                proxy=settings.webhook_proxy,
            )
        except Exception as error:  # the loop must outlive one bad round
            logger.error("webhook delivery round failed: %s", type(error).__name__)
        await asyncio.sleep(WEBHOOK_INTERVAL)


TASKS: list[Any] = [run_referral_housekeeping, run_webhook_sender]
