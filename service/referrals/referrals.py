"""Sending a referral, answering it, reading it: the rules of who may do what, and the timeline."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

import asyncpg
import msgspec

from schemas.common import FieldError, Page
from schemas.referrals import (
    AccessEntry,
    Box,
    Event,
    PersonData,
    Referral,
    ReferralIn,
    ReferralSort,
    ReferralStatus,
    ReferralSummary,
)
from service.accounts.identity import Identity
from service.catalogue.records import VersionMismatch
from service.catalogue.validation import NOT_BELGIAN, phone_e164
from service.errors import (
    BLANK,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    blank_fields,
    invalid,
    is_blank,
    nul_fields,
)
from service.referrals import notify
from service.referrals.policy import Policy
from service.referrals.queries import Q
from service.referrals.reference import new_reference, normalise
from service.referrals.workflow import transition

_SUMMARY_FIELDS = frozenset(ReferralSummary.__struct_fields__)

IDEMPOTENCY_KEY = "Idempotency-Key"
"""The header that makes sending a referral safe to repeat, and the field its errors name."""
_KEY = re.compile(r"[\x21-\x7e]{1,255}")


SENT_TWICE_WITHIN = timedelta(minutes=1)
"""The same message by the same person on the same referral within this time is a repeat
(a double click, a retry), kept once and announced once."""


class Sent(NamedTuple):
    """What sending gave: the referral, and whether it was made by an earlier request with
    the same idempotency key (a repeat, answered with that referral, never a second one)."""

    referral: Referral
    replayed: bool


class KeyReused(InvalidInput):
    """422: the idempotency key was already used, by the same user, to send other details."""

    def __init__(self, referral_id: UUID) -> None:
        super().__init__(
            [
                FieldError(
                    IDEMPOTENCY_KEY,
                    "was already used for another referral, sent with other details: "
                    "a new referral needs a new key",
                )
            ]
        )
        self.referral_id = referral_id


def sides_of(identity: Identity, row: Any) -> set[str]:
    """Where the caller stands in a referral: sender, receiver, both, or neither."""
    sides = set()
    if identity.role_in(row["from_organisation_id"]) is not None:
        sides.add("sender")
    if identity.role_in(row["to_organisation_id"]) is not None:
        sides.add("receiver")
    return sides


async def _row(conn: asyncpg.Connection, referral_id: UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q.summary_select + " WHERE r.id = $1", referral_id)
    return dict(row) if row is not None else None


async def _visible_row(
    conn: asyncpg.Connection, referral_id: UUID, identity: Identity
) -> dict[str, Any]:
    """The referral if the caller belongs to one of its two organisations; 404 otherwise.

    Anyone else gets the same answer as for a referral that does not exist, so that
    nobody learns that a person was referred.
    """
    row = await _row(conn, referral_id)
    if row is None or not sides_of(identity, row):
        raise NotFound(f"referral {referral_id}")
    return row


def _summary(row: dict[str, Any]) -> ReferralSummary:
    return msgspec.convert({k: v for k, v in row.items() if k in _SUMMARY_FIELDS}, ReferralSummary)


def _person(record: asyncpg.Record | None) -> PersonData | None:
    if record is None:
        return None
    person = dict(record)
    beneficiary = None
    if person["first_name"] is not None:
        beneficiary = {
            "first_name": person["first_name"],
            "last_name": person["last_name"],
            "phone": person["phone"],
            "email": person["email"],
        }
    return msgspec.convert(
        {
            "reason": person["reason"],
            "beneficiary": beneficiary,
            "contact_preference": person["contact_preference"],
            "languages": person["languages"],
            "availability": person["availability"],
            "eligibility_checked": person["eligibility_checked"],
        },
        PersonData,
    )


async def events_of(conn: asyncpg.Connection, referral_id: UUID) -> list[Event]:
    """The timeline of a referral, oldest first."""
    rows = await conn.fetch(Q.events, referral_id)
    return [msgspec.convert(dict(r), Event) for r in rows]


async def get(
    conn: asyncpg.Connection, referral_id: UUID, identity: Identity, now: datetime
) -> Referral:
    """A referral with the person's data and timeline; the read of personal data is logged."""
    row = await _visible_row(conn, referral_id, identity)
    person = await conn.fetchrow(Q.person, referral_id)
    if person is not None:
        await conn.execute(Q.log_access, referral_id, identity.user_id, identity.email, now)
    data = {k: v for k, v in row.items() if k in _SUMMARY_FIELDS}
    data["person"] = msgspec.to_builtins(_person(person))
    data["consent_version"] = row["consent_version"]
    data["consent_at"] = row["consent_at"]
    data["events"] = msgspec.to_builtins(await events_of(conn, referral_id))
    return msgspec.convert(data, Referral)


_ORDER: dict[str, str] = {
    "newest": "r.created_at DESC, r.id",
    # What the receiving side must answer first: the referrals still waiting, urgent ones
    # first, each group by how soon it expires (then how long it waited, the expiry delay
    # having changed meanwhile); after them the answered and the ended, most recent first.
    "attention": """(r.status = 'sent') DESC,
                    (r.status = 'sent' AND r.urgency = 'urgent') DESC,
                    CASE WHEN r.status = 'sent' THEN r.expires_at END,
                    CASE WHEN r.status = 'sent' THEN r.created_at END,
                    r.updated_at DESC, r.id""",
}
"""The ORDER BY of each `ReferralSort`; the id last, so that pages never overlap."""


async def list_page(
    conn: asyncpg.Connection,
    identity: Identity,
    *,
    box: Box | None,
    status: ReferralStatus | None,
    organisation_id: UUID | None,
    limit: int,
    offset: int,
    reference: str | None = None,
    sort: ReferralSort = "newest",
) -> Page[ReferralSummary]:
    """The caller's organisations' referrals, in the `sort` order (newest first by default):
    received (inbox), sent (outbox); `reference` finds one by its code as a person reads it
    out (case and dashes tolerated)."""
    mine = list(identity.roles)
    where = """
        WHERE (($1::text = 'inbox' AND r.to_organisation_id = ANY($2::uuid[]))
            OR ($1::text = 'outbox' AND r.from_organisation_id = ANY($2::uuid[]))
            OR ($1::text IS NULL AND (r.to_organisation_id = ANY($2::uuid[])
                                      OR r.from_organisation_id = ANY($2::uuid[]))))
          AND ($3::text IS NULL OR r.status = $3)
          AND ($4::uuid IS NULL OR r.from_organisation_id = $4 OR r.to_organisation_id = $4)
          AND ($5::text IS NULL OR r.reference = $5)"""
    code = normalise(reference) if reference and reference.strip() else None
    args = (box, mine, status, organisation_id, code)
    total = await conn.fetchval("SELECT count(*) FROM referral r" + where, *args)
    rows = await conn.fetch(
        Q.summary_select + where + f" ORDER BY {_ORDER[sort]} LIMIT $6 OFFSET $7",
        *args,
        limit,
        offset,
    )
    return Page(items=[_summary(dict(r)) for r in rows], total=total, limit=limit, offset=offset)


async def answers_to_sent(
    conn: asyncpg.Connection, identity: Identity, since: datetime, limit: int
) -> list[asyncpg.Record]:
    """The answers given since `since` to the referrals the caller's organisations sent, the
    most recent first: service, receiving organisation, the answer (`accept`, `decline`,
    `redirect`) and when; nothing of the person."""
    rows: list[asyncpg.Record] = await conn.fetch(
        Q.answers_to_sent, list(identity.roles), since, limit
    )
    return rows


def _sending_organisation(identity: Identity, requested: UUID | None) -> UUID:
    if requested is not None:
        if identity.role_in(requested) is None:
            raise Forbidden("you can only send referrals for an organisation you belong to")
        return requested
    if not identity.roles:
        raise Forbidden("you must belong to an organisation to send a referral")
    if len(identity.roles) > 1:
        raise invalid(
            "from_organisation_id", "you belong to several organisations: say which one sends"
        )
    return next(iter(identity.roles))


async def _service(
    conn: asyncpg.Connection, service_id: UUID, place_id: UUID | None, prefix: str = ""
) -> asyncpg.Record:
    """The service a referral goes to, checked to be active and held at the place.

    Held first (`hold_service`): read before an edit made at the same moment committed, it
    was checked as it was, and a referral went to a service that had just become inactive,
    or to a place it had just left.
    """
    await conn.execute(Q.hold_service, service_id)
    service = await conn.fetchrow(Q.service_for_referral, service_id, place_id)
    if service is None:
        raise invalid(f"{prefix}service_id", f"unknown service {service_id}")
    if service["status"] == "inactive":
        raise invalid(f"{prefix}service_id", "this service no longer exists; choose another one")
    if not service["held_at_place"]:
        raise invalid(f"{prefix}place_id", "the service is not held at this place")
    return service


def _check_person(data: ReferralIn) -> None:
    errors = blank_fields({"reason": data.reason})
    texts: dict[str, str | None] = {"reason": data.reason, "availability": data.availability}
    texts |= {f"eligibility_checked[{i}]": c for i, c in enumerate(data.eligibility_checked)}
    if data.beneficiary is not None:
        names = {"first_name": data.beneficiary.first_name, "last_name": data.beneficiary.last_name}
        errors += blank_fields({f"beneficiary.{field}": name for field, name in names.items()})
        texts |= {f"beneficiary.{field}": name for field, name in names.items()}
        texts["beneficiary.email"] = data.beneficiary.email
    errors += nul_fields(texts)
    if data.beneficiary is not None and not data.consent:
        errors.append(
            FieldError(
                "consent",
                "must be true: the person's data is only recorded with their consent; "
                "without it, send an anonymous referral (no beneficiary)",
            )
        )
    person = data.beneficiary
    if person is not None and person.phone is not None and phone_e164(person.phone) is None:
        errors.append(FieldError("beneficiary.phone", NOT_BELGIAN))
    if data.contact_preference == "phone" and (person is None or person.phone is None):
        errors.append(FieldError("beneficiary.phone", "is needed to contact the person by phone"))
    if data.contact_preference == "email" and (person is None or person.email is None):
        errors.append(FieldError("beneficiary.email", "is needed to contact the person by e-mail"))
    if errors:
        raise InvalidInput(errors)


async def _insert(
    conn: asyncpg.Connection,
    *,
    from_organisation_id: UUID,
    service: asyncpg.Record,
    place_id: UUID | None,
    urgency: str,
    anonymous: bool,
    consent_version: str | None,
    consent_at: datetime | None,
    redirected_from_id: UUID | None,
    created_by: UUID | None,
    now: datetime,
    policy: Policy,
    idempotency_key: str | None = None,
    request_fingerprint: str | None = None,
) -> UUID | None:
    """The new referral's id; None when `created_by` already sent one with `idempotency_key`."""
    # A clash of random codes is rare; try again rather than fail the request.
    for _ in range(5):
        reference = new_reference()
        exists = await conn.fetchval("SELECT 1 FROM referral WHERE reference = $1", reference)
        if not exists:
            break
    referral_id: UUID | None = await conn.fetchval(
        Q.insert_referral,
        reference,
        from_organisation_id,
        service["organisation_id"],
        service["id"],
        place_id,
        service["name"],
        list(service["themes"]),
        urgency,
        anonymous,
        consent_version,
        consent_at,
        redirected_from_id,
        created_by,
        now,
        now + policy.expiry_for(urgency),
        idempotency_key,
        request_fingerprint,
    )
    return referral_id


def _checked_key(text: str | None) -> str | None:
    """The key of an `Idempotency-Key` header or a form's submission key, checked; None
    without one. The header is a structured-field string (`"8e03978e-…"`): quotes are
    dropped, so the bare key is the same key."""
    if text is None:
        return None
    key = text.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not _KEY.fullmatch(key):
        raise invalid(
            IDEMPOTENCY_KEY, "must be 1 to 255 visible ASCII characters, e.g. a random UUID"
        )
    return key


def _fingerprint(data: ReferralIn) -> str:
    """What was asked, to tell a repeat from another request with the same key: the same
    fields decoded the same way (a default left out or written) give the same print."""
    return hashlib.sha256(msgspec.json.encode(data)).hexdigest()


async def _sent_before(
    conn: asyncpg.Connection,
    identity: Identity,
    key: str,
    fingerprint: str,
    now: datetime,
) -> Referral | None:
    """The referral this user already sent with `key`, if any; the same key with other
    details is refused (422), as the IETF Idempotency-Key draft says."""
    earlier = await conn.fetchrow(Q.sent_with_key, identity.user_id, key)
    if earlier is None:
        return None
    # Erased with the person, the print cannot be compared: the key alone says it is a
    # repeat, and a repeat must not bring the person's data back.
    if earlier["request_fingerprint"] not in (None, fingerprint):
        raise KeyReused(earlier["id"])
    return await get(conn, earlier["id"], identity, now)


async def send(
    conn: asyncpg.Connection,
    data: ReferralIn,
    identity: Identity,
    *,
    now: datetime,
    policy: Policy,
    public_url: str,
    idempotency_key: str | None = None,
) -> Sent:
    """Send a person (or an anonymous reference) to a service of another organisation.

    With an `idempotency_key` (see `_checked_key`), a repeat of a request this user
    already sent gives the referral made then (`replayed`), whether it came long after or
    at the same instant (the unique index decides, not a read before the write).
    """
    key, fingerprint = _checked_key(idempotency_key), _fingerprint(data)
    if key is not None:
        earlier = await _sent_before(conn, identity, key, fingerprint, now)
        if earlier is not None:
            return Sent(earlier, replayed=True)
    from_organisation_id = _sending_organisation(identity, data.from_organisation_id)
    _check_person(data)
    service = await _service(conn, data.service_id, data.place_id)
    anonymous = data.beneficiary is None
    # Consent is about the person's data: with none (anonymous), none is recorded.
    consented = data.consent and not anonymous
    referral_id = await _insert(
        conn,
        from_organisation_id=from_organisation_id,
        service=service,
        place_id=data.place_id,
        urgency=data.urgency,
        anonymous=anonymous,
        consent_version=policy.consent_version if consented else None,
        consent_at=now if consented else None,
        redirected_from_id=None,
        created_by=identity.user_id,
        now=now,
        policy=policy,
        idempotency_key=key,
        request_fingerprint=fingerprint if key is not None else None,
    )
    if referral_id is None:
        # A request with the same key committed while this one waited on the index.
        assert key is not None
        earlier = await _sent_before(conn, identity, key, fingerprint, now)
        assert earlier is not None
        return Sent(earlier, replayed=True)
    person = data.beneficiary
    await conn.execute(
        Q.insert_person,
        referral_id,
        data.reason,
        person.first_name if person else None,
        person.last_name if person else None,
        person.phone if person else None,
        person.email if person else None,
        data.contact_preference,
        list(data.languages),
        data.availability,
        list(data.eligibility_checked),
    )
    await conn.execute(
        Q.insert_event,
        referral_id,
        "send",
        "sent",
        identity.user_id,
        from_organisation_id,
        now,
        None,
        None,
    )
    row = await _row(conn, referral_id)
    assert row is not None
    await _announce(conn, row, None, now, policy, public_url)
    return Sent(await get(conn, referral_id, identity, now), replayed=False)


NOTE_AFTER_ERASURE = "must be empty: the person's data was erased, and a note may speak of them"


async def _announce(
    conn: asyncpg.Connection,
    row: dict[str, Any],
    previous_status: str | None,
    now: datetime,
    policy: Policy,
    public_url: str,
    **extra: Any,
) -> None:
    """The mails and webhooks of a new status."""
    status = row["status"]
    context = notify.mail_context(row, public_url, **extra)
    receiver, sender = row["to_organisation_id"], row["from_organisation_id"]
    if status == "sent":
        recipients = await notify.organisation_recipients(conn, receiver)
        await notify.queue_to(conn, recipients, "referral_received", receiver, context)
    elif status == "cancelled":
        recipients = await notify.receiver_recipients(conn, row)
        await notify.queue_to(conn, recipients, "referral_cancelled", receiver, context)
    elif status == "expired":
        recipients = await notify.sender_recipients(conn, row)
        await notify.queue_to(conn, recipients, "referral_expired", sender, context)
    else:
        recipients = await notify.sender_recipients(conn, row)
        await notify.queue_to(conn, recipients, "referral_answered", sender, context)
    await notify.status_changed(conn, row, previous_status, now)


async def act(
    conn: asyncpg.Connection,
    referral_id: UUID,
    action: str,
    identity: Identity | None,
    *,
    now: datetime,
    policy: Policy,
    public_url: str,
    expected_version: int | None = None,
    code: str | None = None,
    note: str | None = None,
    note_field: str = "note",
    redirect_to: tuple[UUID, UUID | None] | None = None,
) -> UUID:
    """Apply `action` (accept, decline, redirect, close, cancel, expire) and announce it.

    `identity` None is the system (expiry). The caller's side is checked before the
    status, so a sender learns that accepting is not theirs to do (403), whatever the status.
    A note PostgreSQL cannot store is refused first, naming `note_field` (the decline's
    `message`).
    """
    errors = nul_fields({note_field: note})
    if errors:
        raise InvalidInput(errors)
    locked = await conn.fetchrow(Q.lock_referral, referral_id)
    if identity is None:
        sides = {"system"}
    else:
        sides = sides_of(identity, locked) if locked is not None else set()
    if locked is None or not sides:
        raise NotFound(f"referral {referral_id}")
    if expected_version is not None and locked["version"] != expected_version:
        raise VersionMismatch(locked["version"])
    rule = transition(action, locked["status"], sides)
    if note and locked["personal_data_erased_at"] is not None:
        # A note may speak of the person, as a message does: none is written once their data
        # was erased (the erasure blanked the notes before it; this one would stay forever).
        raise invalid(note_field, NOTE_AFTER_ERASURE)
    actor_organisation = None
    if identity is not None:
        actor_organisation = (
            locked["to_organisation_id"]
            if rule.side == "receiver"
            else locked["from_organisation_id"]
        )

    redirected_to_id = None
    extra: dict[str, Any] = {}
    if redirect_to is not None:
        redirected_to_id, new_row = await _redirect(
            conn, locked, redirect_to, identity, actor_organisation, now, policy, public_url
        )
        extra["new_reference"] = new_row["reference"]
        extra["new_service_name"] = new_row["service_name"]
        extra["new_organisation"] = new_row["to_organisation"]["name"]

    await conn.execute(
        Q.apply_transition,
        referral_id,
        rule.target,
        code if action == "decline" else None,
        code if action == "close" else None,
        redirected_to_id,
        now,
    )
    await conn.execute(
        Q.insert_event,
        referral_id,
        action,
        rule.target,
        identity.user_id if identity else None,
        actor_organisation,
        now,
        code,
        note or None,
    )
    row = await _row(conn, referral_id)
    assert row is not None
    await _announce(conn, row, locked["status"], now, policy, public_url, **extra)
    return referral_id


async def just_answered(
    conn: asyncpg.Connection,
    referral_id: UUID,
    identity: Identity,
    action: str,
    *,
    code: str | None,
    note: str | None,
    now: datetime,
    redirect_to: tuple[UUID, UUID | None] | None = None,
) -> bool:
    """Whether this very answer (action, code, note; for a redirect, the same service and
    place) is the referral's last, given by this person within `SENT_TWICE_WITHIN`: a form
    sent twice (a double click), whose second copy finds the referral already answered."""
    same = await conn.fetchval(
        Q.same_answer_just_given,
        referral_id,
        identity.user_id,
        action,
        code,
        note or None,
        now - SENT_TWICE_WITHIN,
    )
    if not same or redirect_to is None:
        return bool(same)
    onward = await conn.fetchrow(Q.redirected_to_target, referral_id)
    return onward is not None and (onward["service_id"], onward["place_id"]) == redirect_to


async def _redirect(
    conn: asyncpg.Connection,
    original: asyncpg.Record,
    target: tuple[UUID, UUID | None],
    identity: Identity | None,
    actor_organisation: UUID | None,
    now: datetime,
    policy: Policy,
    public_url: str,
) -> tuple[UUID, dict[str, Any]]:
    """The new referral a redirect creates: still from the original sender, who follows the
    person, to the new service; the person's data and consent go with it."""
    service_id, place_id = target
    if service_id == original["service_id"] and place_id in (None, original["place_id"]):
        # Back to itself would only restart the wait and copy the person once more.
        raise invalid("service_id", "a redirect goes to another service, or another place")
    service = await _service(conn, service_id, place_id)
    consent = await conn.fetchrow(
        "SELECT anonymous, consent_version, consent_at, urgency FROM referral WHERE id = $1",
        original["id"],
    )
    new_id = await _insert(
        conn,
        from_organisation_id=original["from_organisation_id"],
        service=service,
        place_id=place_id,
        urgency=consent["urgency"],
        anonymous=consent["anonymous"],
        consent_version=consent["consent_version"],
        consent_at=consent["consent_at"],
        redirected_from_id=original["id"],
        created_by=original["created_by"],
        now=now,
        policy=policy,
    )
    assert new_id is not None  # no idempotency key: nothing to conflict with
    await conn.execute(Q.copy_person, original["id"], new_id)
    if original["personal_data_erased_at"] is not None:
        # Nothing was copied: the new referral is as erased as the one it continues, so that
        # nobody writes about the person on it any more (a redirect that waited for an
        # erasure of the chain to commit lands here too).
        await conn.execute(Q.mark_erased, new_id, original["personal_data_erased_at"])
    await conn.execute(
        Q.insert_event,
        new_id,
        "send",
        "sent",
        identity.user_id if identity else None,
        actor_organisation,
        now,
        "redirected",
        None,
    )
    row = await _row(conn, new_id)
    assert row is not None
    await _announce(conn, row, None, now, policy, public_url)
    return new_id, row


async def add_message(
    conn: asyncpg.Connection,
    referral_id: UUID,
    identity: Identity,
    text: str,
    *,
    now: datetime,
    public_url: str,
) -> Event:
    """A message from one organisation to the other, on the referral's timeline.

    It may speak of the person, so it is kept like their data: only the two organisations
    see it, the mail to the other side says a message is waiting (never what it says), it is
    blanked when the data is erased, and none can be written once it was (409). The two
    organisations' webhooks are told a message was added, by which side, never its text. The
    same text sent again by the same person within `SENT_TWICE_WITHIN` gives the message
    already written, not a second one (nor a second mail or webhook call).
    """
    # Spaces only, or an invisible character (a zero-width space pasted in) shows nothing.
    if is_blank(text):
        raise invalid("text", BLANK)
    text = text.strip()
    if "\x00" in text:
        raise invalid("text", "must not contain NUL characters")
    locked = await conn.fetchrow(Q.lock_referral, referral_id)
    sides = sides_of(identity, locked) if locked is not None else set()
    if locked is None or not sides:
        raise NotFound(f"referral {referral_id}")
    if locked["personal_data_erased_at"] is not None:
        raise Conflict("the person's data was erased: no more messages on this referral")
    # After the lock, so that the second of two sends at once finds the first.
    again = await conn.fetchrow(
        Q.same_message_just_sent, referral_id, identity.user_id, text, now - SENT_TWICE_WITHIN
    )
    if again is not None:
        return Event(
            action="message",
            status=locked["status"],
            at=again["at"],
            actor=identity.email,
            organisation_id=again["actor_organisation_id"],
            note=text,
        )
    sender, receiver = locked["from_organisation_id"], locked["to_organisation_id"]
    organisation = sender if "sender" in sides else receiver
    await conn.execute(
        Q.insert_event,
        referral_id,
        "message",
        locked["status"],
        identity.user_id,
        organisation,
        now,
        None,
        text,
    )
    row = await _row(conn, referral_id)
    assert row is not None
    context = notify.mail_context(row, public_url)
    if sides == {"sender"}:
        recipients = await notify.receiver_recipients(conn, row)
        await notify.queue_to(conn, recipients, "referral_message", receiver, context)
    elif sides == {"receiver"}:
        recipients = await notify.sender_recipients(conn, row)
        await notify.queue_to(conn, recipients, "referral_message", sender, context)
    await notify.message_added(conn, row, organisation, now)
    return Event(
        action="message",
        status=locked["status"],
        at=now,
        actor=identity.email,
        organisation_id=organisation,
        note=text,
    )


def may_erase(identity: Identity, row: Any) -> bool:
    """Who may erase the person's data on request: the worker who referred them, and the
    admins of either organisation."""
    return (
        (row["created_by"] is not None and row["created_by"] == identity.user_id)
        or identity.role_in(row["from_organisation_id"]) == "admin"
        or identity.role_in(row["to_organisation_id"]) == "admin"
    )


async def erase_personal_data(
    conn: asyncpg.Connection,
    referral_id: UUID,
    now: datetime,
    identity: Identity | None = None,
    organisation_id: UUID | None = None,
) -> None:
    """Erase the person and every note written about them; the anonymous facts stay.

    The retention job (`identity` None, the system) and a request to erase (GDPR art. 17)
    both come here; the timeline records an `erase` event without any personal data.
    """
    await conn.execute(Q.erase_person, referral_id)
    await conn.execute(Q.erase_notes, referral_id)
    await conn.execute(Q.mark_erased, referral_id, now)
    status = await conn.fetchval("SELECT status FROM referral WHERE id = $1", referral_id)
    await conn.execute(
        Q.insert_event,
        referral_id,
        "erase",
        status,
        identity.user_id if identity else None,
        organisation_id,
        now,
        None,
        None,
    )


async def erase_on_request(
    conn: asyncpg.Connection, referral_id: UUID, identity: Identity, now: datetime
) -> bool:
    """Erase the person's data of a referral now, at their request; False when it already was.

    A redirect copied the person to the referral it created: the request reaches every copy
    along the chain, as the person asked for their data to go (GDPR art. 17 and 19).
    Members of the two organisations who may not erase get a 403, anyone else a 404.
    """
    # Who may erase never changes (organisations, sender): read without a lock; the whole
    # chain is then locked at once, in one order (`_lock_redirect_chain`).
    row = await _row(conn, referral_id)
    if row is None or not sides_of(identity, row):
        raise NotFound(f"referral {referral_id}")
    if not may_erase(identity, row):
        raise Forbidden(
            "only the worker who sent the referral and the admins of the two organisations "
            "may erase the person's data"
        )
    chain = [
        linked["id"]
        for linked in sorted(
            await _lock_redirect_chain(conn, referral_id), key=lambda r: (r["created_at"], r["id"])
        )
        if linked["personal_data_erased_at"] is None
    ]
    if not chain:
        return False
    # The organisation in whose name the caller erases: the sender's, unless their right
    # comes from being an admin of the receiving one only.
    organisation_id = row["from_organisation_id"]
    if row["created_by"] != identity.user_id and identity.role_in(organisation_id) != "admin":
        organisation_id = row["to_organisation_id"]
    for linked_id in chain:
        await erase_personal_data(conn, linked_id, now, identity, organisation_id)
    return True


async def _lock_redirect_chain(conn: asyncpg.Connection, referral_id: UUID) -> list[asyncpg.Record]:
    """Every referral of the redirect chain of `referral_id`, locked, with whether each was
    erased already.

    Locked in the order of their ids, so that two requests erasing one chain from two of its
    referrals wait for each other instead of each locking one and waiting for the other's
    (a deadlock, a 500). A redirect that commits while this waits adds a referral holding a
    copy of the person: the chain is looked up again until no new one came, so that the copy
    is erased too; once every referral is locked, no redirect can add one.
    """
    locked: set[UUID] = set()
    while True:
        rows = await conn.fetch(Q.lock_redirect_chain, referral_id)
        found = {r["id"] for r in rows}
        if found <= locked:
            return rows
        locked |= found


async def access_log(
    conn: asyncpg.Connection, organisation_id: UUID, identity: Identity, limit: int, offset: int
) -> Page[AccessEntry]:
    """Who read the personal data of the organisation's referrals (its admins only)."""
    if identity.role_in(organisation_id) != "admin":
        raise Forbidden("only the organisation's admins may read its referral access log")
    rows = await conn.fetch(Q.access_log, organisation_id, limit, offset)
    total = rows[0]["total"] if rows else 0
    if not rows and offset:
        total = await conn.fetchval(
            """SELECT count(*) FROM referral_access a JOIN referral r ON r.id = a.referral_id
               WHERE r.from_organisation_id = $1 OR r.to_organisation_id = $1""",
            organisation_id,
        )
    items = [
        msgspec.convert({k: v for k, v in dict(r).items() if k != "total"}, AccessEntry)
        for r in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)


async def onward(
    conn: asyncpg.Connection, redirected_to_id: UUID, identity: Identity
) -> dict[str, Any] | None:
    """Where a redirect sent the person: reference, service and organisation (anonymous facts,
    shown to both sides of the redirected referral), and whether the caller may open it."""
    row = await _row(conn, redirected_to_id)
    if row is None:
        return None
    return {
        "id": row["id"],
        "reference": row["reference"],
        "service_name": row["service_name"],
        "organisation": row["to_organisation"]["name"],
        "visible": bool(sides_of(identity, row)),
    }


async def visible_summary(
    conn: asyncpg.Connection, referral_id: UUID, identity: Identity
) -> dict[str, Any]:
    """The anonymous facts of a referral the caller may see (for the slip)."""
    return await _visible_row(conn, referral_id, identity)
