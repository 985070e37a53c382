"""The referral rules an operator may change: delays, reminders, retention, consent text.

They come from the settings (read once from the environment); tests and jobs may pass a
`Policy` of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from service.settings import Settings


@dataclass(frozen=True)
class Policy:
    """How long a referral waits for an answer, when reminders go, how long data is kept."""

    expiry: timedelta = timedelta(days=30)
    """A referral nobody answered expires after this."""
    urgent_expiry: timedelta = timedelta(days=3)
    """An urgent one, after this: its sender must know in time to look elsewhere."""
    reminder_days: tuple[int, ...] = (7, 2)
    """Reminders to the receiving side, days before expiry, latest first; only those that
    fall after the referral was sent (an urgent one gets the 2 days' only)."""
    retention: timedelta = timedelta(days=365)
    """Personal data is erased this long after a referral became final."""
    consent_version: str = "2026-12"
    """Version of the consent text workers read to the person."""

    def expiry_for(self, urgency: str) -> timedelta:
        """How long a referral of this urgency waits for an answer."""
        return self.urgent_expiry if urgency == "urgent" else self.expiry

    def erasure_date(
        self, status: str, answered_at: datetime | None, final_at: datetime | None
    ) -> datetime | None:
        """When the retention job erases a referral's personal data: the retention time after
        it became final, or after it was accepted while nobody closes it; None while it waits
        for an answer."""
        since = final_at or (answered_at if status == "accepted" else None)
        return since + self.retention if since is not None else None

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            expiry=timedelta(days=settings.referral_expiry_days),
            urgent_expiry=timedelta(days=settings.referral_urgent_expiry_days),
            reminder_days=tuple(sorted(set(settings.referral_reminder_days), reverse=True)),
            retention=timedelta(days=settings.referral_retention_days),
            consent_version=settings.consent_version,
        )
