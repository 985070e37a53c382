"""Problems people notice in a service's information ("the hours are wrong", "it closed").

Anyone may report, without signing in: the report is kept (`service_report`, migration 013)
and mailed to the organisation's admins and editors (its own address when it has none), who
fix the service and mark the report handled. Reports are throttled per address, carry no
reporter's identity, and are deleted 30 days after being handled (180 days at the latest),
since their text is free.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import msgspec

from schemas.catalogue import Report, ReportIn
from service.accounts import memberships, throttle
from service.accounts.identity import Identity
from service.db.queries import load
from service.errors import Conflict, NotFound, ProblemError, invalid
from service.mail import queue_mails
from service.settings import Settings

logger = logging.getLogger(__name__)
Q = load(__file__, "reports.sql")

REPORTS_PER_ADDRESS = throttle.Limit("report_address", 10)
"""Reports one address may make within `throttle.WINDOW` (15 minutes)."""
KEEP_HANDLED = timedelta(days=30)
KEEP_AT_MOST = timedelta(days=180)
PURGE_INTERVAL = 3600.0


class TooManyReports(ProblemError):
    """429: this address reported too much lately."""

    def __init__(self, seconds: int) -> None:
        super().__init__(
            429,
            "Too many requests",
            f"too many reports from this address: try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


async def report(
    conn: asyncpg.Connection,
    service_id: UUID,
    data: ReportIn,
    *,
    address: str,
    public_url: str,
    now: datetime | None = None,
) -> UUID:
    """Record a report and mail it to those who can fix the service, in one transaction."""
    now = now or datetime.now(UTC)
    details = data.details.strip()
    if data.kind == "other" and not details:
        raise invalid("details", "say what is wrong")
    if "\x00" in details:
        raise invalid("details", "must not contain NUL characters")
    async with conn.transaction():
        service = await conn.fetchrow(Q.service_for_report, service_id)
        if service is None:
            raise NotFound(f"service {service_id}")
        wait = await throttle.retry_after(conn, [(REPORTS_PER_ADDRESS, address)], now)
        if wait is not None:
            raise TooManyReports(wait)
        await throttle.record(conn, [(REPORTS_PER_ADDRESS, address)], now)
        report_id: UUID = await conn.fetchval(Q.insert_report, service_id, data.kind, details, now)
        recipients = await memberships.editor_emails(conn, service["organisation_id"])
        if not recipients and service["organisation_email"]:
            recipients = [service["organisation_email"]]
        base = public_url.rstrip("/")
        context = {
            "service_name": service["name"],
            "organisation": service["organisation"],
            "kind": data.kind,
            "details": details,
            "service_url": f"{base}/services/{service_id}",
            "edit_url": f"{base}/workspace/services/{service_id}/edit",
            "workspace_url": f"{base}/workspace/",
        }
        await queue_mails(
            conn,
            recipients,
            template="service_report",
            language=service["language"],
            context=context,
        )
    return report_id


async def open_reports(
    conn: asyncpg.Connection, organisation_ids: list[UUID] | None
) -> list[Report]:
    """Reports not yet handled about these organisations' services (None: every
    organisation's), the oldest first."""
    rows = await conn.fetch(Q.open_reports, organisation_ids)
    return [msgspec.convert(dict(r), Report) for r in rows]


async def mark_handled(
    conn: asyncpg.Connection, identity: Identity, report_id: UUID, now: datetime | None = None
) -> UUID:
    """The service was checked (and fixed if need be): the report leaves the list. The
    organisation whose service it was about."""
    async with conn.transaction():
        row = await conn.fetchrow(Q.report_organisation, report_id)
        if row is None:
            raise NotFound(f"report {report_id}")
        identity.require_editor(row["organisation_id"], "the reports about this service")
        if row["handled_at"] is not None:
            raise Conflict("this report was already handled")
        await conn.execute(Q.mark_handled, report_id, now or datetime.now(UTC), identity.user_id)
    organisation_id: UUID = row["organisation_id"]
    return organisation_id


async def purge_reports(pool: asyncpg.Pool, now: datetime | None = None) -> int:
    """Delete reports handled 30 days ago, and any made 180 days ago; how many went."""
    now = now or datetime.now(UTC)
    async with pool.acquire() as conn:
        status = await conn.execute(Q.purge_reports, now - KEEP_HANDLED, now - KEEP_AT_MOST)
    return int(status.split()[-1])


async def run_report_purge(pool: asyncpg.Pool, settings: Settings) -> None:
    """Worker task: purge old reports every PURGE_INTERVAL seconds."""
    while True:
        try:
            await purge_reports(pool)
        except (OSError, asyncpg.PostgresError) as error:
            logger.error("report purge failed: %s", type(error).__name__)
        await asyncio.sleep(PURGE_INTERVAL)
