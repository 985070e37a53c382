"""Queueing mails in the caller's transaction."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from service.db.queries import load
from service.mail.rendering import render_mail

Q = load(__file__)
logger = logging.getLogger(__name__)

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


async def queue_mail(
    conn: asyncpg.Connection,
    *,
    to: str,
    template: str,
    language: str,
    context: dict[str, Any],
    not_before: datetime | None = None,
) -> UUID:
    """Render a mail now and store it for sending once the caller's transaction commits."""
    address = to.strip()
    if not _ADDRESS.match(address):
        raise ValueError("the recipient is not a single e-mail address")
    mail = render_mail(template, language, context)
    mail_id: UUID = await conn.fetchval(
        Q.insert_mail,
        address,
        template,
        mail.language,
        mail.subject,
        mail.text,
        mail.html,
        not_before,
    )
    # Delivered at commit: the sender wakes only for mails that really exist.
    await conn.execute(Q.notify_mail)
    return mail_id


async def queue_mails(
    conn: asyncpg.Connection,
    recipients: list[str],
    *,
    template: str,
    language: str,
    context: dict[str, Any],
) -> int:
    """The same mail to each recipient; a stored address that is not valid is skipped (and
    logged without it), not fatal. How many were queued."""
    queued = 0
    for address in recipients:
        try:
            await queue_mail(
                conn, to=address, template=template, language=language, context=context
            )
        except ValueError:
            logger.warning("skipped a %s mail to an invalid address", template)
            continue
        queued += 1
    return queued
