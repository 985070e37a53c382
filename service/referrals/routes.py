"""HTTP routes of referrals: /api/v1/referrals, the organisations' access log and webhook,
and the printable slip /referrals/{id}/slip."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import CacheControlHeader
from litestar.enums import MediaType
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Redirect

from schemas.common import Page
from schemas.referrals import (
    AcceptIn,
    AccessEntry,
    Box,
    CancelIn,
    CloseIn,
    DeclineIn,
    Event,
    MessageIn,
    RedirectIn,
    Referral,
    ReferralIn,
    ReferralSort,
    ReferralStatus,
    ReferralSummary,
    Webhook,
    WebhookIn,
)
from service.accounts.identity import Identity, require
from service.catalogue.records import etag
from service.errors import NotFound, invalid
from service.i18n import language_of
from service.referrals import page, referrals, slip, stats, webhooks
from service.referrals.policy import Policy
from service.web_common import Caller, Conn, Limit, Offset, optional_version

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        description="ETag of the referral as read; a stale one is refused (412)",
        required=False,
    ),
]


IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="A new random value (e.g. a UUID) for each referral: sending again with "
        "the same key (a retry after a timeout) gives the referral made the first time, "
        "never a second one; the same key with other details is refused (422)",
        required=False,
    ),
]

REPLAYED = "Idempotent-Replayed"
"""The header saying an answer is the referral an earlier request with the same key made."""


def _public_url(request: Request) -> str:
    url: str = request.app.state.settings.public_url
    return url


def _policy(request: Request) -> Policy:
    return Policy.from_settings(request.app.state.settings)


def _now() -> datetime:
    return datetime.now(UTC)


def _answer(
    referral: Referral, status: int = 200, location: str | None = None, replayed: bool = False
) -> Response[Any]:
    headers = {"ETag": etag(referral.version)}
    if location:
        headers["Location"] = location
    if replayed:
        headers[REPLAYED] = "true"
    return Response(referral, status_code=status, headers=headers)


PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
"""Headers of the referral pages: they show the person."""
NO_STORE = CacheControlHeader(no_store=True)


class ReferralController(Controller):
    """Referrals between organisations of the network."""

    path = "/api/v1/referrals"
    tags = ["referrals"]
    cache_control = NO_STORE  # answers carry the person's data

    @post(operation_id="sendReferral")
    async def send_referral(
        self,
        request: Request,
        conn: Conn,
        identity: Caller,
        data: JSONBody[ReferralIn],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Referral]:
        """Refer a person to a service of another organisation.

        With `beneficiary`, `consent` must be true: the person agreed that their data is
        shared with the receiving organisation. Without it, the referral is anonymous and
        the person brings the reference code. Keep `reason` short and factual: **no health
        details or diagnoses**.

        Safe to retry with an `Idempotency-Key` header (a new random value per referral):
        a repeat of a request you sent with the same key and the same body answers 200 with
        the referral made the first time and `Idempotent-Replayed: true`, instead of 201
        and a second referral (a second copy of the person, a second mail), even when both
        arrive together. The same key with another body is a 422 naming `Idempotency-Key`.
        Keys are per user and kept with the referral.
        """
        sent = await referrals.send(
            conn,
            data,
            require(identity),
            now=_now(),
            policy=_policy(request),
            public_url=_public_url(request),
            idempotency_key=idempotency_key,
        )
        location = f"{self.path}/{sent.referral.id}"
        return _answer(sent.referral, 200 if sent.replayed else 201, location, sent.replayed)

    @get(operation_id="listReferrals")
    async def list_referrals(
        self,
        conn: Conn,
        identity: Caller,
        box: Annotated[
            Box | None,
            QueryParameter(
                description="inbox: received by your organisations; outbox: sent by them"
            ),
        ] = None,
        status: FromQuery[ReferralStatus | None] = None,
        organisation_id: FromQuery[UUID | None] = None,
        reference: Annotated[
            str | None,
            QueryParameter(description="A reference code such as KX7-M4PQ", max_length=20),
        ] = None,
        sort: Annotated[
            ReferralSort,
            QueryParameter(
                description="newest: sent most recently first (the default); attention: "
                "those waiting for an answer first (urgent ones, then those closest to "
                "expiry), then the others, most recently changed first, as the workspace's "
                "inbox shows them"
            ),
        ] = "newest",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[ReferralSummary]:
        """Your organisations' referrals, newest first unless `sort` says otherwise; no
        personal data in lists."""
        return await referrals.list_page(
            conn,
            require(identity),
            box=box,
            status=status,
            organisation_id=organisation_id,
            limit=limit,
            offset=offset,
            reference=reference,
            sort=sort,
        )

    @get("/stats", operation_id="referralStats")
    async def referral_stats(
        self,
        conn: Conn,
        identity: Caller,
        start: Annotated[
            date | None, QueryParameter(name="from", description="First day (Brussels), inclusive")
        ] = None,
        end: Annotated[
            date | None, QueryParameter(name="to", description="Last day (Brussels), inclusive")
        ] = None,
        organisation_id: FromQuery[UUID | None] = None,
        output: Annotated[Literal["json", "csv"], QueryParameter(name="format")] = "json",
    ) -> Response[Any]:
        """Sent and received per month, theme and organisation, rates, outcomes, unmet needs.

        Counts from 1 to 4 are hidden (null, or `hidden` in CSV), and those that would give
        them back. Coordinators may report on the whole network; members on their own
        organisation.
        """
        stats.check_period(start, end)
        scope = stats.scope_of(require(identity), organisation_id)
        await stats.check_scope(conn, scope)
        result = await stats.compute(conn, start, end, scope)
        if output == "csv":
            return Response(
                stats.to_csv(result),
                # Litestar adds "; charset=utf-8" to a text type: written here, it came twice.
                media_type="text/csv",
                headers={"Content-Disposition": 'attachment; filename="referral-stats.csv"'},
            )
        return Response(result)

    @get("/{referral_id:uuid}", operation_id="getReferral")
    async def get_referral(
        self, conn: Conn, identity: Caller, referral_id: FromPath[UUID]
    ) -> Response[Referral]:
        """A referral with the person's data and its timeline (`events`).

        Only the members of the two organisations see it; every read of personal data is
        logged for the organisations' admins.
        """
        return _answer(await referrals.get(conn, referral_id, require(identity), _now()))

    async def _act(
        self,
        request: Request,
        conn: Conn,
        identity: Identity | None,
        referral_id: UUID,
        action: str,
        if_match: str | None,
        **kwargs: Any,
    ) -> Response[Referral]:
        caller = require(identity)
        now = _now()
        await referrals.act(
            conn,
            referral_id,
            action,
            caller,
            now=now,
            policy=_policy(request),
            public_url=_public_url(request),
            expected_version=optional_version(if_match),
            **kwargs,
        )
        return _answer(await referrals.get(conn, referral_id, caller, now))

    @post("/{referral_id:uuid}/accept", operation_id="acceptReferral", status_code=200)
    async def accept(
        self,
        request: Request,
        conn: Conn,
        identity: Caller,
        referral_id: FromPath[UUID],
        if_match: IfMatch = None,
        data: JSONBody[AcceptIn | None] = None,
    ) -> Response[Referral]:
        """The receiving organisation takes the person on."""
        note = data.note if data else None
        return await self._act(request, conn, identity, referral_id, "accept", if_match, note=note)

    @post("/{referral_id:uuid}/decline", operation_id="declineReferral", status_code=200)
    async def decline(
        self,
        request: Request,
        conn: Conn,
        identity: Caller,
        referral_id: FromPath[UUID],
        data: JSONBody[DeclineIn],
        if_match: IfMatch = None,
    ) -> Response[Referral]:
        """The receiving organisation cannot help: say why with a reason code, and a note as
        `message` (or `note`, as the other answers name it)."""
        if data.message and data.note:
            raise invalid("note", "give the note once: as note or as message")
        return await self._act(
            request,
            conn,
            identity,
            referral_id,
            "decline",
            if_match,
            code=data.reason_code,
            note=data.note or data.message,
            note_field="note" if data.note else "message",
        )

    @post("/{referral_id:uuid}/redirect", operation_id="redirectReferral", status_code=200)
    async def redirect(
        self,
        request: Request,
        conn: Conn,
        identity: Caller,
        referral_id: FromPath[UUID],
        data: JSONBody[RedirectIn],
        if_match: IfMatch = None,
    ) -> Response[Referral]:
        """Send the person on to another service: a new referral from the same sender, linked
        by `redirected_to_id`."""
        return await self._act(
            request,
            conn,
            identity,
            referral_id,
            "redirect",
            if_match,
            note=data.note,
            redirect_to=(data.service_id, data.place_id),
        )

    @post("/{referral_id:uuid}/close", operation_id="closeReferral", status_code=200)
    async def close(
        self,
        request: Request,
        conn: Conn,
        identity: Caller,
        referral_id: FromPath[UUID],
        data: JSONBody[CloseIn],
        if_match: IfMatch = None,
    ) -> Response[Referral]:
        """The receiving organisation closes an accepted referral with its outcome."""
        return await self._act(
            request,
            conn,
            identity,
            referral_id,
            "close",
            if_match,
            code=data.outcome,
            note=data.note,
        )

    @post("/{referral_id:uuid}/cancel", operation_id="cancelReferral", status_code=200)
    async def cancel(
        self,
        request: Request,
        conn: Conn,
        identity: Caller,
        referral_id: FromPath[UUID],
        if_match: IfMatch = None,
        data: JSONBody[CancelIn | None] = None,
    ) -> Response[Referral]:
        """The sending organisation withdraws a referral that is still open."""
        note = data.note if data else None
        return await self._act(request, conn, identity, referral_id, "cancel", if_match, note=note)

    @post("/{referral_id:uuid}/messages", operation_id="sendReferralMessage", status_code=201)
    async def send_message(
        self,
        request: Request,
        conn: Conn,
        identity: Caller,
        referral_id: FromPath[UUID],
        data: JSONBody[MessageIn],
    ) -> Event:
        """Write to the other organisation about the referral ("Can she come on Tuesday?").

        The message joins the timeline; the other side gets a mail saying a message is
        waiting, without its text. Like the person's data, it is erased with them."""
        return await referrals.add_message(
            conn,
            referral_id,
            require(identity),
            data.text,
            now=_now(),
            public_url=_public_url(request),
        )

    @delete(
        "/{referral_id:uuid}/person",
        operation_id="erasePersonOfReferral",
        status_code=204,
    )
    async def erase_person(self, conn: Conn, identity: Caller, referral_id: FromPath[UUID]) -> None:
        """Erase the person's data now, at their request (GDPR art. 17), as the retention job
        would; the anonymous facts stay for the statistics. Again: 204, nothing more happens.

        For the worker who sent the referral and the admins of the two organisations."""
        await referrals.erase_on_request(conn, referral_id, require(identity), _now())


class OrganisationReferralController(Controller):
    """What an organisation's admins manage about its referrals."""

    path = "/api/v1/organisations"
    tags = ["referrals"]
    cache_control = NO_STORE  # who read which referral; a webhook's secret, shown once

    @get("/{organisation_id:uuid}/referral-access-log", operation_id="referralAccessLog")
    async def access_log(
        self,
        conn: Conn,
        identity: Caller,
        organisation_id: FromPath[UUID],
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[AccessEntry]:
        """Who read the personal data of referrals sent or received by the organisation."""
        return await referrals.access_log(conn, organisation_id, require(identity), limit, offset)

    @get("/{organisation_id:uuid}/referral-webhook", operation_id="getReferralWebhook")
    async def get_webhook(
        self, conn: Conn, identity: Caller, organisation_id: FromPath[UUID]
    ) -> Webhook:
        """The organisation's webhook (its secret is never shown again)."""
        found = await webhooks.current(conn, require(identity), organisation_id)
        if found is None:
            raise NotFound(f"webhook of organisation {organisation_id}")
        return found

    @put("/{organisation_id:uuid}/referral-webhook", operation_id="setReferralWebhook")
    async def set_webhook(
        self,
        request: Request,
        conn: Conn,
        identity: Caller,
        organisation_id: FromPath[UUID],
        data: JSONBody[WebhookIn],
    ) -> Webhook:
        """POST each status change of the organisation's referrals, and each message written
        on them, to `url`, signed with HMAC-SHA256: header
        `X-Boussole-Signature: sha256=<hex of HMAC(secret, body)>`.

        The body is JSON with `event`, `referral_id`, `reference`, `status`, `at`,
        `from_organisation_id`, `to_organisation_id` and `service_id`, and never the person,
        a note or a message's text. `referral.status_changed` adds `previous_status` (null for
        a referral just received; `expired` is a status), `decline_reason`, `outcome` and
        `redirected_to_id`; `referral.message_added` adds `author_organisation_id`, the side
        that wrote it: read the message through the API. Both organisations are called.

        The secret is returned once; keep it. The URL must be https, on a host that resolves
        only to public addresses (checked again at each delivery); redirects are not followed.
        """
        allow_private: bool = request.app.state.settings.webhook_allow_private
        return await webhooks.set_webhook(
            conn, require(identity), organisation_id, data, allow_private=allow_private
        )

    @delete(
        "/{organisation_id:uuid}/referral-webhook",
        operation_id="deleteReferralWebhook",
        status_code=204,
    )
    async def delete_webhook(
        self, conn: Conn, identity: Caller, organisation_id: FromPath[UUID]
    ) -> None:
        """Stop the calls; those still waiting are dropped with the webhook."""
        await webhooks.remove(conn, require(identity), organisation_id)


class ReferralPageController(Controller):
    """Pages: the referral for the two organisations, the slip printed for the person."""

    path = "/referrals"
    tags = ["referrals"]

    @get(
        "/{referral_id:uuid}",
        operation_id="referralPage",
        media_type=MediaType.HTML,
    )
    async def referral_page(
        self,
        request: Request,
        conn: Conn,
        identity: Caller,
        referral_id: FromPath[UUID],
        lang: Annotated[
            Literal["fr", "nl", "en"] | None,
            QueryParameter(
                description="Language of the page; default: the reader's, as the other "
                "pages choose it (their language cookie, else Accept-Language, else fr)"
            ),
        ] = None,
    ) -> Response[Any]:
        """The referral, its person and timeline, as a page; the read is logged."""
        if identity is None:
            return _to_login(f"{self.path}/{referral_id}")
        referral = await referrals.get(conn, referral_id, identity, _now())
        return _html(page.render_page(referral, lang or language_of(request)))

    @get(
        "/{referral_id:uuid}/slip",
        operation_id="referralSlip",
        media_type=MediaType.HTML,
    )
    async def referral_slip(
        self,
        conn: Conn,
        identity: Caller,
        referral_id: FromPath[UUID],
        lang: Annotated[
            Literal["fr", "nl", "en"] | None,
            QueryParameter(description="Language of the slip; default: the person's language"),
        ] = None,
    ) -> Response[Any]:
        """Where to go, when, what to bring and the reference code; no personal data."""
        if identity is None:
            return _to_login(f"{self.path}/{referral_id}/slip")
        row = await referrals.visible_summary(conn, referral_id, identity)
        spoken = await conn.fetchval(
            "SELECT languages FROM referral_person WHERE referral_id = $1", referral_id
        )
        language = slip.choose_language(lang, list(spoken or []))
        status = 200 if row["status"] in slip.PRINTABLE else 409
        return _html(await slip.render_slip(conn, row, language, _now()), status)


def _html(content: str, status: int = 200) -> Response[Any]:
    # The referral's page shows the person: kept by no cache (shared computers at the
    # guichet), its address passed on to no other site.
    return Response(content, media_type=MediaType.HTML, status_code=status, headers=PRIVATE)


def _to_login(path: str) -> Redirect:
    """Pages send anonymous visitors to the login page, and back here after."""
    return Redirect(f"/workspace/login?next={path}", status_code=303)


CONTROLLERS = [ReferralController, OrganisationReferralController, ReferralPageController]
