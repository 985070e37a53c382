"""What the background work looks like: queues, and the jobs that must keep up."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec


class Queue(msgspec.Struct, kw_only=True):
    """Work waiting in one outbox: search documents, mails or webhook calls."""

    waiting: int
    """Rows not done yet."""
    retrying: int
    """Of those, rows that failed at least once and wait for their next try."""
    oldest_waiting_s: float | None
    """Age of the oldest row waiting, in seconds."""
    given_up_last_day: int
    """Rows abandoned after their last try in the past 24 hours (mails, webhooks)."""
    last_error: str | None
    """The kind of the latest failure (no address, no content)."""


class OperationsStatus(msgspec.Struct, kw_only=True):
    """Whether the background work keeps up, and what to look at when it does not."""

    status: Literal["ok", "attention"]
    attention: list[str]
    """What needs looking at, one sentence each; empty when all is well."""
    attention_codes: list[str]
    """The same as codes, in the same order: `meilisearch_down`, `search_behind`, `mail_off`,
    `mail_late`, `mail_given_up`, `webhooks_late`, `webhooks_given_up`, `expiry_late`,
    `erasure_late`."""
    search_engine: Literal["postgres", "meilisearch", "unreachable"]
    """What answers searches: PostgreSQL (no Meilisearch configured), Meilisearch, or
    PostgreSQL because the configured Meilisearch does not answer."""
    search: Queue
    mail: Queue
    webhooks: Queue
    referrals_past_expiry: int
    """Referrals still waiting for an answer more than an hour after they should have expired."""
    personal_data_past_retention: int
    """Referrals whose person's data is still kept more than an hour after its erasure date."""
    checked_at: datetime
