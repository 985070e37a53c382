"""Whether the background work keeps up: the outboxes drain, expiry and erasure run.

Each job works on its own (`service.jobs`); a job that stops or an outside party that fails
(the SMTP relay, Meilisearch, a partner's webhook) shows only as work piling up. The limits
below say when that needs someone: the search is a minute behind the catalogue, a mail waits
a quarter of an hour (a referral's receiver is not told), a call or a mail was given up, a
referral or a person's data outlives its date by an hour (the jobs run every 15 minutes).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from schemas.operations import OperationsStatus, Queue
from search.meilisearch import MeilisearchEngine
from service.db.queries import load
from service.settings import Settings

Q = load(__file__)

SEARCH_BEHIND_S = 60.0
MAIL_WAITING_S = 15 * 60.0
WEBHOOK_WAITING_S = 60 * 60.0


def _queue(row: asyncpg.Record, name: str) -> Queue:
    oldest = row[f"{name}_oldest_s"]
    return Queue(
        waiting=row[f"{name}_waiting"],
        retrying=row[f"{name}_retrying"],
        oldest_waiting_s=round(float(oldest), 1) if oldest is not None else None,
        given_up_last_day=row.get(f"{name}_given_up", 0) or 0,
        last_error=row[f"{name}_error"],
    )


def needs_attention(status: OperationsStatus, *, mail_server: bool = True) -> dict[str, str]:
    """What an operator should look at: a code each (`meilisearch_down`, `search_behind`,
    `mail_off`, `mail_late`, `mail_given_up`, `webhooks_late`, `webhooks_given_up`,
    `expiry_late`, `erasure_late`) with a sentence; empty when all is well. Without a mail
    server, mails are kept (shown at /dev/mails), never sent: that is said once, not as mails
    running late."""
    found = {}
    search, mail, webhooks = status.search, status.mail, status.webhooks
    if status.search_engine == "unreachable":
        found["meilisearch_down"] = (
            "Meilisearch does not answer (MEILI_URL): PostgreSQL answers the searches meanwhile."
        )
    if not mail_server:
        found["mail_off"] = "No mail server is configured (SMTP_URL): mails are kept, never sent."
    if (search.oldest_waiting_s or 0) > SEARCH_BEHIND_S:
        found["search_behind"] = (
            f"Search is {search.oldest_waiting_s:.0f} s behind the catalogue "
            f"({search.waiting} change(s) waiting; last error: {search.last_error})."
        )
    if mail_server and (mail.oldest_waiting_s or 0) > MAIL_WAITING_S:
        found["mail_late"] = (
            f"A mail has waited {(mail.oldest_waiting_s or 0) / 60:.0f} min "
            f"({mail.waiting} waiting; last error: {mail.last_error})."
        )
    if mail.given_up_last_day:
        found["mail_given_up"] = f"{mail.given_up_last_day} mail(s) given up in the past day."
    if (webhooks.oldest_waiting_s or 0) > WEBHOOK_WAITING_S:
        found["webhooks_late"] = (
            f"A webhook call has waited {(webhooks.oldest_waiting_s or 0) / 3600:.1f} h "
            f"({webhooks.waiting} waiting)."
        )
    if webhooks.given_up_last_day:
        found["webhooks_given_up"] = (
            f"{webhooks.given_up_last_day} webhook call(s) given up in the past day."
        )
    if status.referrals_past_expiry:
        found["expiry_late"] = (
            f"{status.referrals_past_expiry} referral(s) past their expiry still wait "
            "for an answer: is the worker running?"
        )
    if status.personal_data_past_retention:
        found["erasure_late"] = (
            f"{status.personal_data_past_retention} referral(s) keep the person's data past "
            "its erasure date: is the worker running?"
        )
    return found


async def operations_status(
    conn: asyncpg.Connection,
    now: datetime,
    retention: timedelta,
    *,
    mail_server: bool = True,
    meilisearch: bool | None = None,
) -> OperationsStatus:
    """The queues and the late jobs, now, with what needs attention (`mail_server`: whether
    mails are sent at all; `meilisearch`: whether it answers, None when not configured)."""
    row = await conn.fetchrow(Q.queues, now, now - retention)
    status = OperationsStatus(
        status="ok",
        attention=[],
        attention_codes=[],
        search_engine=(
            "postgres" if meilisearch is None else "meilisearch" if meilisearch else "unreachable"
        ),
        search=_queue(row, "search"),
        mail=_queue(row, "mail"),
        webhooks=_queue(row, "webhooks"),
        referrals_past_expiry=row["referrals_past_expiry"],
        personal_data_past_retention=row["personal_data_past_retention"],
        checked_at=now,
    )
    found = needs_attention(status, mail_server=mail_server)
    if found:
        status.status = "attention"
        status.attention, status.attention_codes = list(found.values()), list(found)
    return status


async def meilisearch_answers(settings: Settings) -> bool | None:
    """Whether the configured Meilisearch answers now; None when none is configured."""
    if not settings.meili_url:
        return None
    engine = MeilisearchEngine(
        settings.meili_url, settings.meili_api_key, index=settings.meili_index, timeout=3
    )
    try:
        return await engine.healthy()
    finally:
        await engine.close()


async def status_for(
    conn: asyncpg.Connection, settings: Settings, *, meilisearch_up: bool | None = None
) -> OperationsStatus:
    """The status as this deployment is configured: its retention, whether it has a mail
    server, whether its Meilisearch answers (asked now, unless `meilisearch_up` says it)."""
    if settings.meili_url and meilisearch_up is None:
        meilisearch_up = await meilisearch_answers(settings)
    return await operations_status(
        conn,
        datetime.now(UTC),
        timedelta(days=settings.referral_retention_days),
        mail_server=bool(settings.smtp_url),
        meilisearch=meilisearch_up if settings.meili_url else None,
    )
