"""The referral rules an operator may change: delays, reminders, retention, consent text.

Read from the environment once; tests and jobs pass a `Policy` of their own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import cache


@dataclass(frozen=True)
class Policy:
    """How long a referral waits for an answer, when reminders go, how long data is kept."""

    expiry: timedelta = timedelta(days=30)
    """A referral nobody answered expires after this (BOUSSOLE_REFERRAL_EXPIRY_DAYS)."""
    reminder_days: tuple[int, ...] = (7, 2)
    """Reminders to the receiving side, days before expiry (BOUSSOLE_REFERRAL_REMINDER_DAYS)."""
    retention: timedelta = timedelta(days=365)
    """Personal data is erased this long after a referral became final
    (BOUSSOLE_REFERRAL_RETENTION_DAYS)."""
    consent_version: str = "2026-01"
    """Version of the consent text workers read to the person (BOUSSOLE_CONSENT_VERSION)."""
    mail_language: str = "fr"
    """Language of mails to organisations, which have no language of their own
    (BOUSSOLE_MAIL_LANGUAGE)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Policy:
        env = os.environ if env is None else env
        default = cls()
        reminders = env.get("BOUSSOLE_REFERRAL_REMINDER_DAYS")
        return cls(
            expiry=_days(env.get("BOUSSOLE_REFERRAL_EXPIRY_DAYS"), default.expiry),
            reminder_days=(
                tuple(sorted({int(d) for d in reminders.split(",") if d.strip()}, reverse=True))
                if reminders
                else default.reminder_days
            ),
            retention=_days(env.get("BOUSSOLE_REFERRAL_RETENTION_DAYS"), default.retention),
            consent_version=env.get("BOUSSOLE_CONSENT_VERSION") or default.consent_version,
            mail_language=env.get("BOUSSOLE_MAIL_LANGUAGE") or default.mail_language,
        )


def _days(value: str | None, default: timedelta) -> timedelta:
    return timedelta(days=int(value)) if value else default


@cache
def current() -> Policy:
    """The policy of this process, read from its environment on first use."""
    return Policy.from_env()
