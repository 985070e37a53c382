"""The referrals' API contract: sending a person to a partner's service and following it up."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from schemas.common import E164, Email, Input, Url

ReferralStatus = Literal[
    "sent", "accepted", "declined", "redirected", "closed", "cancelled", "expired"
]
Urgency = Literal["normal", "urgent"]
ContactPreference = Literal["phone", "email", "through_referrer", "do_not_contact"]
DeclineReason = Literal["no_capacity", "not_eligible", "unreachable", "duplicate", "other"]
Outcome = Literal["served", "no_show", "withdrawn", "other"]
Box = Literal["inbox", "outbox"]
ReferralSort = Literal["newest", "attention"]
"""The order of a list of referrals: `newest` sent first; or `attention`, what waits for the
receiving organisation first (those waiting for an answer, urgent ones first, then those
closest to expiry), then the others, most recently changed first."""
LanguageCode = Annotated[str, Meta(pattern=r"^[a-z]{2,3}$", description="ISO 639 code, e.g. fr")]
Name = Annotated[str, Meta(min_length=1, max_length=100)]
Note = Annotated[str, Meta(max_length=1000)]

REASON_MAX = 1000
Reason = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=REASON_MAX,
        description="Why the person is referred, in a few sentences. Do NOT write health "
        "details, diagnoses or other sensitive data here: the receiving organisation only "
        "needs to know what help is asked for.",
    ),
]


class Beneficiary(Input):
    """The person referred; only kept with their consent, and erased after the retention time."""

    first_name: Name
    last_name: Name
    phone: E164 | None = None
    email: Email | None = None


class ReferralIn(Input):
    """A referral as sent by a worker of the sending organisation."""

    service_id: UUID
    reason: Reason
    place_id: UUID | None = None
    from_organisation_id: Annotated[
        UUID | None,
        Meta(description="The sending organisation; needed when the caller belongs to several"),
    ] = None
    beneficiary: Annotated[
        Beneficiary | None,
        Meta(description="Omit for an anonymous referral: the person brings the reference code"),
    ] = None
    consent: Annotated[
        bool,
        Meta(
            description="The person agreed that their data is shared with the receiving "
            "organisation; required (true) whenever `beneficiary` is given"
        ),
    ] = False
    urgency: Urgency = "normal"
    contact_preference: ContactPreference | None = None
    languages: Annotated[list[LanguageCode], Meta(max_length=10)] = []
    availability: Annotated[str, Meta(max_length=300)] = ""
    eligibility_checked: Annotated[
        list[Annotated[str, Meta(min_length=1, max_length=100)]], Meta(max_length=20)
    ] = []


class AcceptIn(Input):
    note: Note = ""


class DeclineIn(Input):
    reason_code: DeclineReason
    message: Note = ""
    note: Annotated[
        Note, Meta(description="The same as `message`, as the other answers name it: give one")
    ] = ""


class RedirectIn(Input):
    """Send the person on to another service; creates a new referral linked to this one."""

    service_id: UUID
    place_id: UUID | None = None
    note: Note = ""


class CloseIn(Input):
    outcome: Outcome
    note: Note = ""


class CancelIn(Input):
    note: Note = ""


class Event(msgspec.Struct, kw_only=True):
    """One step of a referral's timeline."""

    action: Literal[
        "send", "accept", "decline", "redirect", "close", "cancel", "expire", "erase", "message"
    ]
    status: ReferralStatus
    at: datetime
    actor: str | None
    organisation_id: UUID | None
    code: str | None = None
    note: str | None = None


class OrganisationRef(msgspec.Struct, kw_only=True):
    id: UUID
    name: str


class ReferralSummary(msgspec.Struct, kw_only=True):
    """A referral in a list: the anonymous facts only, never the person."""

    id: UUID
    reference: str
    status: ReferralStatus
    urgency: Urgency
    anonymous: bool
    from_organisation: OrganisationRef
    to_organisation: OrganisationRef
    service_id: UUID | None
    service_name: str
    place_id: UUID | None
    themes: list[str]
    decline_reason: DeclineReason | None
    outcome: Outcome | None
    redirected_from_id: UUID | None
    redirected_to_id: UUID | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    final_at: datetime | None
    personal_data_erased_at: datetime | None
    version: int
    messages: int = 0
    """Messages the two organisations wrote each other about it."""
    last_message_at: datetime | None = None


class PersonData(msgspec.Struct, kw_only=True):
    """What was recorded about the person; each read of it is logged."""

    reason: str
    beneficiary: Beneficiary | None
    contact_preference: ContactPreference | None
    languages: list[str]
    availability: str
    eligibility_checked: list[str]


class Referral(ReferralSummary, kw_only=True):
    """A referral with the person's data (null once erased) and its timeline."""

    person: PersonData | None
    consent_version: str | None
    consent_at: datetime | None
    events: list[Event]


class AccessEntry(msgspec.Struct, kw_only=True):
    """Someone read the personal data of a referral."""

    referral_id: UUID
    reference: str
    user_id: UUID | None
    user_email: str
    at: datetime


class WebhookIn(Input):
    """Where to POST the referrals' status changes and messages (ids, statuses and times, never
    the person); without a secret, one is generated and shown once."""

    url: Url
    secret: Annotated[str, Meta(min_length=16, max_length=200)] | None = None


class Webhook(msgspec.Struct, kw_only=True):
    organisation_id: UUID
    url: str
    secret: str | None = None
    created_at: datetime
    updated_at: datetime


class Count(msgspec.Struct, kw_only=True):
    """A figure of the statistics; null when hidden: between 1 and 4, so nobody can be singled
    out, or a count that would give such a one back by subtraction."""

    key: str
    count: int | None


class MonthCounts(msgspec.Struct, kw_only=True):
    month: str
    sent: int | None
    received: int | None


class OrganisationCounts(msgspec.Struct, kw_only=True):
    organisation_id: UUID
    name: str
    sent: int | None
    received: int | None


class ThemeCounts(msgspec.Struct, kw_only=True):
    theme: str
    referrals: int | None
    no_capacity: int | None = None
    not_eligible: int | None = None


class Stats(msgspec.Struct, kw_only=True):
    """Referral statistics over a period; counts 1–4 are hidden (null), and so are the counts
    that would give them back; rates need 5 cases and every count they are made of shown."""

    from_date: str | None
    to_date: str | None
    organisation_id: UUID | None
    total: int | None
    per_month: list[MonthCounts]
    per_theme: list[ThemeCounts]
    per_organisation: list[OrganisationCounts]
    statuses: list[Count]
    outcomes: list[Count]
    decline_reasons: list[Count]
    acceptance_rate: float | None
    median_hours_to_answer: float | None
    closed_loop_rate: float | None
    unmet_needs: list[ThemeCounts]


class MessageIn(Input):
    """A message to the other organisation about the referral (it may speak of the person:
    it is protected like the person's data, and erased with it)."""

    text: Annotated[str, Meta(min_length=1, max_length=2000)]
