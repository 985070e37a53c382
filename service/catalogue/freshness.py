"""Keeping the network's information right: which services need verifying, and reminders.

A service is to verify when nobody confirmed its information for six months ("Still up to
date" on the workspace, or any edit of its details), or ever. Coordinators see this for
every organisation and may mail an organisation's admins and editors the list of its
services to verify, at most once a week (`verification_reminder`, migration 012).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import asyncpg

from schemas.catalogue import (
    Freshness,
    OrganisationFreshness,
    OrganisationWithoutServices,
    ReminderSent,
    ServiceToVerify,
)
from service.accounts import memberships
from service.accounts.identity import Identity
from service.db.queries import load
from service.errors import Conflict, NotFound, invalid
from service.hours import local
from service.mail import queue_mails

Q = load(__file__, "freshness.sql")

VERIFY_AGAIN_AFTER_MONTHS = 6
REMIND_AGAIN_AFTER = timedelta(days=7)


class RemindedRecently(Conflict):
    """409: a reminder went to this organisation less than REMIND_AGAIN_AFTER ago."""


class NothingToVerify(Conflict):
    """409: every service of the organisation was verified recently."""


def today_in_brussels() -> date:
    """The calendar day in Belgium now (not the server's, which may run in UTC)."""
    return local(datetime.now(UTC)).date()


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier, or that month's last day when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def verify_before(today: date) -> date:
    """Services last verified before this day (or never) are to verify."""
    return months_before(today, VERIFY_AGAIN_AFTER_MONTHS)


def needs_verifying(last_verified_on: date | None, today: date) -> bool:
    """Never verified, or last verified more than six months before today."""
    return last_verified_on is None or last_verified_on < verify_before(today)


def _may_remind_from(last: datetime | None, to_verify: int, now: datetime) -> datetime | None:
    if last is None or to_verify == 0 or now >= last + REMIND_AGAIN_AFTER:
        return None
    return last + REMIND_AGAIN_AFTER


async def network_freshness(
    conn: asyncpg.Connection, identity: Identity, today: date, now: datetime
) -> Freshness:
    """Every organisation with services, most services to verify first, then those without
    any (and who could add them); coordinators only."""
    identity.require_coordinator("see the freshness of the whole network")
    cutoff = verify_before(today)
    rows = await conn.fetch(Q.organisations_freshness, cutoff)
    to_verify: dict[UUID, list[ServiceToVerify]] = defaultdict(list)
    for row in await conn.fetch(
        Q.services_to_verify, [r["organisation_id"] for r in rows if r["to_verify"]], cutoff
    ):
        to_verify[row["organisation_id"]].append(
            ServiceToVerify(
                service_id=row["service_id"],
                name=row["name"],
                last_verified_on=row["last_verified_on"],
            )
        )
    return Freshness(
        verify_before=cutoff,
        organisations=[
            OrganisationFreshness(
                organisation_id=row["organisation_id"],
                name=row["name"],
                services=row["services"],
                to_verify=row["to_verify"],
                never_verified=row["never_verified"],
                oldest_verified_on=row["oldest_verified_on"],
                editors=row["editors"],
                last_reminded_at=row["last_reminded_at"],
                may_remind_from=_may_remind_from(row["last_reminded_at"], row["to_verify"], now),
                open_reports=row["open_reports"],
                services_to_verify=to_verify[row["organisation_id"]],
            )
            for row in rows
        ],
        organisations_without_services=[
            OrganisationWithoutServices(
                organisation_id=row["organisation_id"],
                name=row["name"],
                admins=row["admins"],
                admin_invited=row["admin_invited"],
            )
            for row in await conn.fetch(Q.organisations_without_services, now)
        ],
    )


async def remind(
    conn: asyncpg.Connection,
    identity: Identity,
    organisation_id: UUID,
    *,
    today: date,
    now: datetime,
    public_url: str,
) -> ReminderSent:
    """Mail the organisation's admins and editors the list of its services to verify.

    One transaction: the mails are queued and the reminder recorded together, or neither.
    409 when there is nothing to verify or a reminder went less than a week ago; 422 when
    the organisation has nobody who could verify (invite an editor first).
    """
    identity.require_coordinator("remind organisations to verify their services")
    async with conn.transaction():
        organisation = await conn.fetchrow(Q.lock_organisation, organisation_id)
        if organisation is None:
            raise NotFound(f"organisation {organisation_id}")
        last = await conn.fetchval(Q.last_reminder, organisation_id)
        again = _may_remind_from(last, 1, now)
        if again is not None:
            raise RemindedRecently(
                f"a reminder was sent on {local(last):%Y-%m-%d %H:%M}; "
                f"the next one may go from {local(again):%Y-%m-%d %H:%M}"
            )
        services = await conn.fetch(Q.services_to_verify, [organisation_id], verify_before(today))
        if not services:
            raise NothingToVerify("every service of this organisation was verified recently")
        recipients = await memberships.editor_emails(conn, organisation_id)
        if not recipients:
            raise invalid(
                "organisation_id",
                "nobody can verify these services: invite an admin or an editor first",
            )
        base = public_url.rstrip("/")
        context = {
            "organisation": organisation["name"],
            "services": [
                {
                    "name": row["name"],
                    "last_verified_on": row["last_verified_on"],
                    "edit_url": f"{base}/workspace/services/{row['service_id']}/edit",
                }
                for row in services
            ],
            "months": VERIFY_AGAIN_AFTER_MONTHS,
            "workspace_url": f"{base}/workspace/",
        }
        await queue_mails(
            conn,
            recipients,
            template="verification_reminder",
            language=organisation["language"],
            context=context,
        )
        counts = (len(services), len(recipients))
        await conn.execute(Q.record_reminder, organisation_id, identity.user_id, now, *counts)
    return ReminderSent(
        organisation_id=organisation_id,
        sent_at=now,
        services=len(services),
        recipients=len(recipients),
    )
