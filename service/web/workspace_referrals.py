"""Referrals in the workspace: refer someone, the inbox and outbox, a referral and its answers.

The pages call the referrals logic directly (not the HTTP API): the same rules, the same
timeline, the same mails.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, get_args
from urllib.parse import urlencode
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from schemas.referrals import DeclineReason, Event, Outcome, Referral, ReferralIn
from service.accounts import memberships
from service.catalogue import organisations, services
from service.catalogue.records import VersionMismatch
from service.catalogue.validation import phone_e164
from service.errors import Conflict, Forbidden, InvalidInput, NotFound, is_blank
from service.i18n import N_, SPOKEN_LANGUAGES
from service.referrals import notify, referrals
from service.referrals.labels import STATUS
from service.referrals.policy import Policy
from service.referrals.workflow import TRANSITIONS
from service.search.routes import NO_FILTERS, answer_search, filters_from
from service.web.workspace_common import (
    MEMBERS_ONLY,
    Member,
    decoding_errors,
    field_errors,
    form_version,
    message_page,
    page,
    read_form,
    read_form_lists,
    too_long,
)
from service.web_common import Conn

ACTIONS = ("accept", "decline", "close", "cancel")
"""The answers of the referral page's own forms; redirecting has its page (a service picker)."""
PICKER_SIZE = 20
DECLINE_REASONS = get_args(DeclineReason)
OUTCOMES = get_args(Outcome)
CONTACT_PREFERENCES = ("phone", "email", "through_referrer", "do_not_contact")
LIST_SIZE = 50


MESSAGE_MAX = 2000
NOTE_MAX = 1000
"""As the API's `Note`: the note given with an answer."""
WRITE_A_MESSAGE = N_("Write the message.")
ERASED_MEANWHILE = N_(
    "The person's data was erased meanwhile: give the answer again, without a note."
)
NOT_POSSIBLE_ANY_MORE = N_("This answer is not possible any more.")
MESSAGES_CLOSED = N_("The person's data was erased: no more messages on this referral.")


def _submission_key() -> str:
    """A new one-time key for the refer form: the form posted again with it (twice in a
    row, or after the browser's back button) finds the referral it made, not a second one."""
    return secrets.token_urlsafe(16)


def _now() -> datetime:
    return datetime.now(UTC)


def _policy(request: Request[Any, Any, Any]) -> Policy:
    return Policy.from_settings(request.app.state.settings)


def _public_url(request: Request[Any, Any, Any]) -> str:
    url: str = request.app.state.settings.public_url
    return url


_ERASE_NOT_ALLOWED = N_(
    "Only the worker who sent the referral and the admins of the two organisations "
    "may erase the person's data."
)


def allowed_actions(referral: Referral, identity: Any) -> list[str]:
    """The answers the signed-in person may give now, by side and status."""
    sides = referrals.sides_of(
        identity,
        {
            "from_organisation_id": referral.from_organisation.id,
            "to_organisation_id": referral.to_organisation.id,
        },
    )
    return [
        action
        for action in (*ACTIONS, "redirect")
        if TRANSITIONS[action].side in sides and referral.status in TRANSITIONS[action].sources
    ]


ANSWER_NOTES = {
    "accept": N_("Message with the answer"),
    "decline": N_("Message with the answer"),
    "redirect": N_("Message with the answer"),
    "close": N_("Note on closing"),
    "cancel": N_("Message with the cancellation"),
}
"""What the note of the answer that gave the referral its status is called on its page."""


def answer_note(referral: Referral) -> Event | None:
    """The answer that gave the referral its status, when it came with a note ("come on
    Tuesday at 10"): shown by the status, where the other side looks, and not only at the
    bottom of the timeline, below "No message yet"."""
    answers = [event for event in referral.events if event.action in ANSWER_NOTES]
    if not answers or not answers[-1].note or answers[-1].status != referral.status:
        return None
    return answers[-1]


def _list_link(box: str, status: str | None, page: int = 1) -> str:
    """The referral list's URL for a box, a status (None: all) and a page."""
    values = {"box": box, "status": status, "page": page if page > 1 else None}
    query = urlencode({k: v for k, v in values.items() if v is not None})
    return f"/workspace/referrals?{query}"


class WorkspaceReferralsController(Controller):
    """Refer someone, follow the organisation's referrals, answer them."""

    path = "/workspace"
    tags = ["workspace"]
    include_in_schema = False
    dependencies = MEMBERS_ONLY

    @get("/referrals", operation_id="referralsPage")
    async def referral_list(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Member
    ) -> Response[Any]:
        """Received (inbox) or sent (outbox) by the person's organisations. The inbox puts
        first what waits for the reader: the referrals to answer, urgent ones first, then
        those closest to expiry; the outbox lists the newest first."""
        params = request.query_params
        box = "outbox" if params.get("box") == "outbox" else "inbox"
        status = params.get("status") if params.get("status") in STATUS else None
        try:
            number = max(1, min(1000, int(params.get("page") or 1)))
        except ValueError:
            number = 1
        reference = str(params.get("reference") or "").strip()[:20]
        if reference:
            # A code read out on the phone: straight to the referral when it is one of ours.
            found = await referrals.list_page(
                conn,
                identity,
                box=None,
                status=None,
                organisation_id=None,
                limit=1,
                offset=0,
                reference=reference,
            )
            if found.items:
                return Redirect(f"/workspace/referrals/{found.items[0].id}", status_code=303)
        listed = await referrals.list_page(
            conn,
            identity,
            box=box,  # type: ignore[arg-type]
            status=status,  # type: ignore[arg-type]
            organisation_id=None,
            limit=LIST_SIZE,
            offset=(number - 1) * LIST_SIZE,
            sort="attention" if box == "inbox" else "newest",
        )
        pages = max(1, -(-listed.total // LIST_SIZE))
        if number > pages:
            # Past the last page (an old link, fewer referrals now): show the last one.
            return Redirect(_list_link(box, status, pages), status_code=303)
        return page(
            "referrals.html",
            {
                "box": box,
                "status": status,
                "reference": reference,
                "referrals": listed,
                "page_number": number,
                "pages": pages,
                "link": lambda **change: _list_link(**{"box": box, "status": status, **change}),
            },
        )

    @get("/referrals/{referral_id:uuid}", operation_id="referralWorkspacePage")
    async def referral_page(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        referral_id: FromPath[UUID],
    ) -> Response[Any]:
        """A referral, its person, its timeline and the answers allowed; the read is logged."""
        return await self._detail(
            request,
            conn,
            identity,
            referral_id,
            {
                "sent": request.query_params.get("sent") == "1",
                "already": request.query_params.get("already") == "1",
                "done": request.query_params.get("done"),
            },
        )

    @get("/referrals/{referral_id:uuid}/erase", operation_id="eraseReferralPersonConfirmPage")
    async def erase_confirm(
        self,
        conn: Conn,
        identity: Member,
        referral_id: FromPath[UUID],
    ) -> Response[Any]:
        """Ask to confirm before erasing the person's data: it cannot be undone."""
        try:
            row = await referrals.visible_summary(conn, referral_id, identity)
        except NotFound:
            return message_page(N_("Page not found"), N_("This referral does not exist."), 404)
        if not referrals.may_erase(identity, row):
            return message_page(N_("Not allowed"), _ERASE_NOT_ALLOWED, 403)
        if row["personal_data_erased_at"] is not None:
            # Nothing left to erase: the referral's page says it was.
            return Redirect(f"/workspace/referrals/{referral_id}", status_code=303)
        return page("erase.html", {"referral": row})

    @post("/referrals/{referral_id:uuid}/erase", operation_id="eraseReferralPersonFromWorkspace")
    async def erase(
        self,
        conn: Conn,
        identity: Member,
        referral_id: FromPath[UUID],
    ) -> Response[Any]:
        """Erase the person's data now, as the API's DELETE …/person does."""
        try:
            await referrals.erase_on_request(conn, referral_id, identity, _now())
        except NotFound:
            return message_page(N_("Page not found"), N_("This referral does not exist."), 404)
        except Forbidden:
            return message_page(N_("Not allowed"), _ERASE_NOT_ALLOWED, 403)
        return Redirect(f"/workspace/referrals/{referral_id}?done=erase", status_code=303)

    @get("/referrals/{referral_id:uuid}/redirect", operation_id="redirectReferralPage")
    async def redirect_page(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        referral_id: FromPath[UUID],
    ) -> Response[Any]:
        """Pick the service to send the person on to: the directory's search, as on `/`."""
        q = request.query_params.get("q", "")
        return await self._picker(request, conn, identity, referral_id, q, {})

    @post("/referrals/{referral_id:uuid}/redirect", operation_id="redirectReferralFromWorkspace")
    async def redirect(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        referral_id: FromPath[UUID],
    ) -> Response[Any]:
        """Send the person on to the service picked: a new referral from the same sender."""
        form = await read_form(request)
        q = form.get("q", "")
        service_id, _, place = form.get("target", "").partition(":")
        try:
            target = (UUID(service_id), UUID(place) if place else None)
        except ValueError:
            return await self._picker(
                request, conn, identity, referral_id, q, {"target": N_("Choose a service.")}, 422
            )
        try:
            return await self._act(
                request, conn, identity, referral_id, "redirect", form, redirect_to=target
            )
        except InvalidInput:
            return await self._picker(
                request,
                conn,
                identity,
                referral_id,
                q,
                {"target": N_("This service cannot receive referrals. Choose another one.")},
                422,
            )

    async def _picker(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Any,
        referral_id: UUID,
        q: str,
        errors: dict[str, str],
        status: int = 200,
        typed_note: str = "",
    ) -> Response[Any]:
        """The service picker: a search by words, its results to choose from."""
        try:
            referral = await referrals.visible_summary(conn, referral_id, identity)
        except NotFound:
            return message_page(N_("Page not found"), N_("This referral does not exist."), 404)
        rule = TRANSITIONS["redirect"]
        if rule.side not in referrals.sides_of(identity, referral):
            return message_page(
                N_("Not allowed"), N_("Only the receiving organisation may redirect."), 403
            )
        if referral["status"] not in rule.sources:
            return await self._detail(
                request,
                conn,
                identity,
                referral_id,
                {"problem": NOT_POSSIBLE_ANY_MORE},
                409,
            )
        q = q.strip()[:200]
        found = None
        if q:
            answer = await answer_search(
                request.app.state,
                q,
                filters_from(**NO_FILTERS),
                at=_now(),
                wants_open=False,
                limit=PICKER_SIZE,
                offset=0,
            )
            found = [
                item
                for item in answer.items
                if item.status != "inactive" and item.service_id != str(referral["service_id"])
            ]
        context = {
            "referral": referral,
            "q": q,
            "found": found,
            "errors": errors,
            "typed_note": typed_note,
        }
        return page("redirect.html", context, status)

    @post("/referrals/{referral_id:uuid}/messages", operation_id="referralMessageFromWorkspace")
    async def message(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        referral_id: FromPath[UUID],
    ) -> Response[Any]:
        """Write to the other organisation; the message joins the timeline."""
        form = await read_form(request)
        text = form.get("text", "").strip()
        if is_blank(text) or len(text) > MESSAGE_MAX:
            problem = WRITE_A_MESSAGE if is_blank(text) else too_long(text, MESSAGE_MAX)
            # Kept whole, as the note is: the count said is of the text shown.
            errors = {"errors": {"text": problem}, "typed_message": text}
            return await self._detail(request, conn, identity, referral_id, errors, 422)
        try:
            async with conn.transaction():
                await referrals.add_message(
                    conn, referral_id, identity, text, now=_now(), public_url=_public_url(request)
                )
        except NotFound:
            return message_page(N_("Page not found"), N_("This referral does not exist."), 404)
        except InvalidInput as error:
            # A NUL character: shown where it was (the mark browsers show), the text kept.
            typed = text.replace("\x00", "\ufffd")
            errors = {"errors": field_errors(error.errors), "typed_message": typed}
            return await self._detail(request, conn, identity, referral_id, errors, 422)
        except Conflict:
            return await self._detail(
                request, conn, identity, referral_id, {"problem": MESSAGES_CLOSED}, 409
            )
        return Redirect(
            f"/workspace/referrals/{referral_id}?done=message#messages", status_code=303
        )

    @post("/referrals/{referral_id:uuid}/{action:str}", operation_id="answerReferralFromWorkspace")
    async def answer(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        referral_id: FromPath[UUID],
        action: FromPath[str],
    ) -> Response[Any]:
        """Accept, decline (with a reason code), close (with the outcome) or cancel."""
        if action not in ACTIONS:
            return message_page(N_("Page not found"), N_("This action does not exist."), 404)
        form = await read_form(request)
        # The note typed is shown again with the problem, not lost with it.
        typed = {action: form.get("note", "").strip().replace("\x00", "\ufffd")}
        code = None
        if action == "decline":
            code = form.get("reason_code", "")
            if code not in DECLINE_REASONS:
                return await self._detail(
                    request,
                    conn,
                    identity,
                    referral_id,
                    {"errors": {"reason_code": N_("Choose a reason.")}, "typed_notes": typed},
                    422,
                )
        if action == "close":
            code = form.get("outcome", "")
            if code not in OUTCOMES:
                return await self._detail(
                    request,
                    conn,
                    identity,
                    referral_id,
                    {"errors": {"outcome": N_("Choose the outcome.")}, "typed_notes": typed},
                    422,
                )
        return await self._act(request, conn, identity, referral_id, action, form, code=code)

    async def _act(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Any,
        referral_id: UUID,
        action: str,
        form: dict[str, str],
        **details: Any,
    ) -> Response[Any]:
        """Give an answer through the referrals logic, then show the referral, or why not."""
        note = form.get("note", "").strip()

        async def note_refused(message: str) -> Response[Any]:
            # Said next to the note of the form it came from, the text kept whole (a NUL
            # character with the mark browsers show in its place).
            errors = {f"{action}-note": message}
            typed = note.replace("\x00", "\ufffd")
            if action == "redirect":
                q = form.get("q", "")
                return await self._picker(
                    request, conn, identity, referral_id, q, errors, 422, typed
                )
            extra = {"errors": errors, "typed_notes": {action: typed}}
            return await self._detail(request, conn, identity, referral_id, extra, 422)

        if len(note) > NOTE_MAX:
            # Refused, not cut: the sender would read half a sentence.
            return await note_refused(too_long(note, NOTE_MAX))
        try:
            await referrals.act(
                conn,
                referral_id,
                action,
                identity,
                now=_now(),
                policy=_policy(request),
                public_url=_public_url(request),
                expected_version=form_version(form.get("version")),
                note=note or None,
                **details,
            )
        except InvalidInput as error:
            if not any(e.field == "note" for e in error.errors):
                raise
            if any(e.message == referrals.NOTE_AFTER_ERASURE for e in error.errors):
                # Erased since the page was shown: it has no note field any more.
                return await self._detail(
                    request, conn, identity, referral_id, {"problem": ERASED_MEANWHILE}, 422
                )
            return await note_refused(field_errors(error.errors)["note"])
        except NotFound:
            return message_page(N_("Page not found"), N_("This referral does not exist."), 404)
        except (VersionMismatch, Conflict, Forbidden) as error:
            if await referrals.just_answered(
                conn,
                referral_id,
                identity,
                action,
                code=details.get("code"),
                note=note,
                now=_now(),
                redirect_to=details.get("redirect_to"),
            ):
                # The form sent twice (a double click): the first copy gave the answer.
                return Redirect(
                    f"/workspace/referrals/{referral_id}?done={action}", status_code=303
                )
            if not isinstance(error, VersionMismatch):
                return await self._detail(
                    request,
                    conn,
                    identity,
                    referral_id,
                    {"problem": NOT_POSSIBLE_ANY_MORE},
                    409,
                )
            return await self._detail(
                request,
                conn,
                identity,
                referral_id,
                {
                    "problem": N_(
                        "Someone changed this meanwhile. Here is the referral as it is now."
                    )
                },
                409,
            )
        return Redirect(f"/workspace/referrals/{referral_id}?done={action}", status_code=303)

    async def _detail(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Any,
        referral_id: UUID,
        extra: dict[str, Any],
        status: int = 200,
    ) -> Response[Any]:
        try:
            referral = await referrals.get(conn, referral_id, identity, _now())
        except NotFound:
            return message_page(N_("Page not found"), N_("This referral does not exist."), 404)
        facts = await referrals.visible_summary(conn, referral_id, identity)
        onward = earlier = None
        if referral.redirected_to_id is not None:
            onward = await referrals.onward(conn, referral.redirected_to_id, identity)
        if referral.redirected_from_id is not None:
            # Who sent the person on here: the service that redirected them, and its reference.
            earlier = await referrals.onward(conn, referral.redirected_from_id, identity)
        context = {
            "onward": onward,
            "earlier": earlier,
            "referral": referral,
            "actions": allowed_actions(referral, identity),
            "answer_note": answer_note(referral),
            "answer_notes": ANSWER_NOTES,
            "may_erase": referral.person is not None and referrals.may_erase(identity, facts),
            "erasure_on": _policy(request).erasure_date(
                referral.status, referral.answered_at, referral.final_at
            ),
            "decline_reasons": DECLINE_REASONS,
            "outcomes": OUTCOMES,
            "errors": {},
            "typed_message": "",
            "typed_notes": {},
            **extra,
        }
        return page("referral.html", context, status)

    @get("/refer", operation_id="referPage")
    async def refer_page(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Member
    ) -> Response[Any]:
        """The form to refer someone to a service (from the service's page)."""
        try:
            service_id = UUID(str(request.query_params.get("service_id", "")))
        except ValueError:
            return message_page(N_("Page not found"), N_("Choose a service first."), 404)
        return await self._refer_form(
            request,
            conn,
            identity,
            service_id,
            {"place_id": request.query_params.get("place_id", "")},
        )

    @post("/refer", operation_id="referFromWorkspace")
    async def refer(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Member
    ) -> Response[Any]:
        """Send the referral; with the person's data only when they consented."""
        form = await read_form(request)
        lists = await read_form_lists(request)
        try:
            service_id = UUID(form.get("service_id", ""))
        except ValueError:
            return message_page(N_("Page not found"), N_("Choose a service first."), 404)
        values = {**form, "languages": lists.get("languages", [])}
        anonymous = form.get("anonymous") == "1"
        body: dict[str, Any] = {
            "service_id": str(service_id),
            "reason": form.get("reason", "").strip(),
            "urgency": "urgent" if form.get("urgency") == "urgent" else "normal",
            "consent": form.get("consent") == "1" and not anonymous,
            "languages": [c for c in values["languages"] if c in SPOKEN_LANGUAGES],
            "availability": form.get("availability", "").strip(),
        }
        if form.get("place_id"):
            body["place_id"] = form["place_id"]
        if form.get("from_organisation_id"):
            body["from_organisation_id"] = form["from_organisation_id"]
        if form.get("contact_preference") in CONTACT_PREFERENCES:
            body["contact_preference"] = form["contact_preference"]
        if not anonymous:
            person: dict[str, Any] = {
                "first_name": form.get("first_name", "").strip(),
                "last_name": form.get("last_name", "").strip(),
            }
            if form.get("phone", "").strip():
                person["phone"] = phone_e164(form["phone"]) or form["phone"]
            if form.get("email", "").strip():
                person["email"] = form["email"].strip()
            body["beneficiary"] = person
        try:
            data = msgspec.convert(body, ReferralIn)
            sent = await referrals.send(
                conn,
                data,
                identity,
                now=_now(),
                policy=_policy(request),
                public_url=_public_url(request),
                # Without one (a form shown before keys were), it is sent as it comes.
                idempotency_key=form.get("submission_key") or None,
            )
        except referrals.KeyReused as error:
            # The form was sent already, then changed (the back button): say so, and let
            # the worker send it again, as another referral, with a new key.
            earlier = await referrals.visible_summary(conn, error.referral_id, identity)
            values["submission_key"] = _submission_key()
            return await self._refer_form(
                request, conn, identity, service_id, values, status=409, sent_before=earlier
            )
        except msgspec.ValidationError as error:
            errors = field_errors(decoding_errors(error), _REFER_FIELDS, typed=values)
            return await self._refer_form(request, conn, identity, service_id, values, errors, 422)
        except InvalidInput as error:
            errors = field_errors(error.errors, _REFER_FIELDS)
            # A NUL character is shown where it was, as browsers show it, the text kept.
            typed = {
                k: v.replace("\x00", "\ufffd") if isinstance(v, str) else v
                for k, v in values.items()
            }
            return await self._refer_form(request, conn, identity, service_id, typed, errors, 422)
        except Forbidden:
            return message_page(
                N_("Not allowed"), N_("You must belong to an organisation to refer someone."), 403
            )
        already = "&already=1" if sent.replayed else ""
        return Redirect(f"/workspace/referrals/{sent.referral.id}?sent=1{already}", status_code=303)

    async def _refer_form(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Any,
        service_id: UUID,
        values: dict[str, Any],
        errors: dict[str, str] | None = None,
        status: int = 200,
        sent_before: dict[str, Any] | None = None,
    ) -> Response[Any]:
        """The refer form, with its one-time key: a new one when first shown, the one it was
        posted with when shown again with its errors (nothing was sent with it)."""
        try:
            service = await services.get(conn, service_id)
        except NotFound:
            return message_page(N_("Page not found"), N_("This service does not exist."), 404)
        me = await memberships.me(conn, identity)
        if not me.organisations:
            return message_page(
                N_("Not allowed"), N_("You must belong to an organisation to refer someone."), 403
            )
        context = {
            "service": service,
            # Several partners name a service alike ("Épicerie sociale"): the worker sees
            # whose it is, and where, before sending the person there.
            "receiver": await organisations.get(conn, service.organisation_id),
            "organisations": me.organisations,
            "values": {
                **values,
                "submission_key": values.get("submission_key") or _submission_key(),
            },
            "sent_before": sent_before,
            "errors": errors or {},
            "consent_version": _policy(request).consent_version,
            "urgent_days": _policy(request).urgent_expiry.days,
            # No address and nobody who can sign in: the referral would wait unseen.
            "nobody_told": not await notify.organisation_recipients(conn, service.organisation_id),
            "spoken_languages": SPOKEN_LANGUAGES,
            "contact_preferences": CONTACT_PREFERENCES,
            "field_labels": REFER_LABELS,
        }
        return page("refer.html", context, status)


REFER_LABELS = {
    "place_id": N_("Place"),
    "from_organisation_id": N_("Sent by"),
    "reason": N_("Why is the person referred?"),
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "phone": N_("Phone"),
    "email": N_("E-mail address"),
    "contact_preference": N_("How to contact the person"),
    "languages": N_("Languages spoken"),
    "availability": N_("When is the person available?"),
    "consent": N_("Consent"),
}
"""The refer form's fields, for the list of problems above it."""

# The API's field names -> the form's.
_REFER_FIELDS = {
    "beneficiary.first_name": "first_name",
    "beneficiary.last_name": "last_name",
    "beneficiary.phone": "phone",
    "beneficiary.email": "email",
    "beneficiary": "first_name",
}

CONTROLLERS = [WorkspaceReferralsController]
