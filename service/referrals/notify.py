"""Telling people about a referral: mails and signed webhooks, queued in the change's transaction.

Mails carry no personal data: only the reference code, the service, the organisations and
a link. Reading the person's data always goes through the API, where it is logged.

Who gets what:
- a new referral: the receiving organisation (its address, or without one its admins
  and editors, or without any its members);
- an answer (accepted, declined, redirected, closed) or an expiry: the worker who sent the
  referral, and the sending organisation's address when it has one;
- a cancellation, a message from the sender: the receiving organisation, and its people who
  answered the referral or wrote on it;
- a reminder before expiry: the same (someone who wrote on it, not yet an answer).
Every status change (a new referral received is one, from none to `sent`; so is an expiry)
and every message is also POSTed to the webhooks of both organisations, with ids, statuses and
times only: never the person, a note or a message's text. Mails are in the language the
organisation chose (`organisation.language`; German falls back to French).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from service.mail import queue_mails
from service.referrals.queries import Q


async def organisation_recipients(conn: asyncpg.Connection, organisation_id: UUID) -> list[str]:
    """Where mails for an organisation go: its address, else its admins and editors, else
    its members; none when it has neither an address nor anyone who can sign in."""
    emails: list[str] = await conn.fetchval(Q.organisation_recipients, organisation_id)
    return list(emails)


async def receiver_recipients(conn: asyncpg.Connection, referral: dict[str, Any]) -> list[str]:
    """The receiving organisation (as `organisation_recipients`) and the people of it who
    answered the referral or wrote on it: the worker who asked "can she come on Tuesday?"
    is told the answer is there, not only the organisation's shared address."""
    receiver = referral["to_organisation_id"]
    found = await organisation_recipients(conn, receiver)
    found += await conn.fetchval(Q.receiving_participants, referral["id"], receiver) or []
    return _unique(found)


async def sender_recipients(conn: asyncpg.Connection, referral: dict[str, Any]) -> list[str]:
    """The worker who sent the referral, and the sending organisation's own address.

    A worker who left the organisation (or whose account is closed) is told nothing more of
    its referrals: its admins are, in their place, who follow the person now."""
    found: list[str] = []
    sender = referral["from_organisation_id"]
    if referral["created_by"] is not None:
        email = await conn.fetchval(Q.member_email, referral["created_by"], sender)
        if email:
            found.append(email)
        else:
            found += [r["email"] for r in await conn.fetch(Q.admin_emails, sender)]
    organisation = await conn.fetchval(
        "SELECT email FROM organisation WHERE id = $1", referral["from_organisation_id"]
    )
    if organisation:
        found.append(organisation)
    return _unique(found)


def _unique(addresses: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            result.append(address)
    return result


def mail_context(referral: dict[str, Any], public_url: str, **extra: Any) -> dict[str, Any]:
    """What every referral mail may show: anonymous facts and a link, never the person."""
    base = public_url.rstrip("/")
    return {
        "reference": referral["reference"],
        "service_name": referral["service_name"],
        "from_organisation": referral["from_organisation"]["name"],
        "to_organisation": referral["to_organisation"]["name"],
        "status": referral["status"],
        "urgent": referral["urgency"] == "urgent",
        # The workspace's page: the answers, the messages, in the reader's language (the
        # read-only `/referrals/{id}` is for callers of the API).
        "referral_url": f"{base}/workspace/referrals/{referral['id']}",
        "slip_url": f"{base}/referrals/{referral['id']}/slip",
        **extra,
    }


async def queue_to(
    conn: asyncpg.Connection,
    recipients: list[str],
    template: str,
    organisation_id: UUID,
    context: dict[str, Any],
) -> int:
    """Queue one mail per recipient, in the language of the organisation they read it for;
    an invalid stored address is skipped, not fatal."""
    language = await conn.fetchval(Q.organisation_language, organisation_id) or "fr"
    return await queue_mails(
        conn, recipients, template=template, language=language, context=context
    )


def _webhook_facts(referral: dict[str, Any], event: str, at: datetime) -> dict[str, Any]:
    """What every webhook call says of the referral: anonymous facts, as lists show them."""
    return {
        "event": event,
        "referral_id": str(referral["id"]),
        "reference": referral["reference"],
        "status": referral["status"],
        "at": at.isoformat(),
        "from_organisation_id": str(referral["from_organisation_id"]),
        "to_organisation_id": str(referral["to_organisation_id"]),
        "service_id": str(referral["service_id"]) if referral["service_id"] else None,
    }


async def _to_both_webhooks(
    conn: asyncpg.Connection, referral: dict[str, Any], payload: dict[str, Any], at: datetime
) -> None:
    """Queue a call to the webhook of each of the two organisations (once when they are one)."""
    organisations = list({referral["from_organisation_id"], referral["to_organisation_id"]})
    await conn.execute(Q.enqueue_webhooks, organisations, payload, at)


async def status_changed(
    conn: asyncpg.Connection,
    referral: dict[str, Any],
    previous_status: str | None,
    at: datetime,
) -> None:
    """Queue the webhook deliveries of a status change for both organisations; a referral
    just received is one (`previous_status` null), an expiry another (`expired`)."""
    payload = {
        **_webhook_facts(referral, "referral.status_changed", at),
        "previous_status": previous_status,
        "decline_reason": referral["decline_reason"],
        "outcome": referral["outcome"],
        "redirected_to_id": (
            str(referral["redirected_to_id"]) if referral["redirected_to_id"] else None
        ),
    }
    await _to_both_webhooks(conn, referral, payload, at)


async def message_added(
    conn: asyncpg.Connection, referral: dict[str, Any], author_organisation_id: UUID, at: datetime
) -> None:
    """Queue the webhook deliveries of a message for both organisations: that one is
    waiting, and which side wrote it; never its text, which may speak of the person."""
    payload = {
        **_webhook_facts(referral, "referral.message_added", at),
        "author_organisation_id": str(author_organisation_id),
    }
    await _to_both_webhooks(conn, referral, payload, at)
