"""An organisation's own entry, kept right by its editors from the workspace: its name, what it
is, its enterprise number, how to reach it, the language of the mails it receives; and who is
told when a referral is sent to it.

Every write goes through `organisations.update`, as the API's, with the version the page was
built from: the same rules (admins and editors of the organisation, the network's
coordinators; where it sits in the network, its parent and networks, only coordinators), the
same change history, the services' search documents rebuilt with the new name.

Its admins also set or remove its webhook here, through `webhooks` as the API's: the same
checks of the address, its secret shown once, on the answer that set it, never after.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

import asyncpg
import msgspec
import msgspec.inspect
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from schemas.catalogue import Organisation, OrganisationIn
from schemas.referrals import WebhookIn
from service.accounts.identity import Identity
from service.catalogue import organisations
from service.catalogue.records import VersionMismatch
from service.catalogue.validation import enterprise_number_error, phone_national
from service.db.queries import load
from service.errors import NUL, InvalidInput, NotFound, is_blank
from service.i18n import N_
from service.referrals import notify, webhooks
from service.web.workspace_common import (
    MEMBERS_ONLY,
    REQUIRED,
    SHORT,
    Member,
    PageRefused,
    decoding_errors,
    field_errors,
    form_version,
    message_id,
    page,
    read_form,
    read_form_lists,
    too_long,
)
from service.web.workspace_edit import email_from, phones_from, website_from
from service.web_common import Conn

Q = load(__file__)


def _text_limits() -> dict[str, int]:
    """What the API takes of each text, optional ones included (`alternate_name`)."""
    limits: dict[str, int] = {}
    info = cast(msgspec.inspect.StructType, msgspec.inspect.type_info(OrganisationIn))
    for field in info.fields:
        kinds = (
            field.type.types if isinstance(field.type, msgspec.inspect.UnionType) else [field.type]
        )
        for kind in kinds:
            if isinstance(kind, msgspec.inspect.StrType) and kind.max_length is not None:
                limits[field.name] = kind.max_length
    return limits


MAX_LENGTHS = _text_limits()
"""What the API takes of each text (a name: 300 characters, a website: 2000), so that the form
says what is too long rather than passing it on to be refused."""
TEXTS = ("name", "alternate_name", "description", "enterprise_number", "email", "website")
KINDS = {
    "association": N_("Association (non-profit)"),
    "cpas": N_("CPAS (public social welfare centre)"),
    "commune": N_("Municipal administration"),
    "public_body": N_("Public body"),
    "health": N_("Health care"),
    "school": N_("School or training centre"),
    "cooperative": N_("Cooperative"),
    "other": N_("Other"),
}
"""What an organisation is (`OrganisationKind`), as people read it."""
MAIL_LANGUAGES = {"fr": "Français", "nl": "Nederlands", "en": "English", "de": "Deutsch"}
"""The languages the mails an organisation receives can be in, each named in itself."""
NOT_A_KIND = N_("Choose one of the values offered.")
ENTERPRISE_NUMBER_TAKEN = N_("Another organisation of the directory has this enterprise number.")
FIELD_LABELS = {
    "name": N_("Name"),
    "alternate_name": N_("Other name or acronym"),
    "kind": N_("Kind of organisation"),
    "description": N_("Description"),
    "enterprise_number": N_("Enterprise number (BCE/KBO)"),
    "email": N_("E-mail address"),
    "website": N_("Website"),
    "phones": N_("Phone numbers"),
    "language": N_("Language of the mails it receives"),
    "parent_id": N_("Part of"),
    "networks": N_("Networks"),
}
"""The form's fields, for the list of problems above it and the changes made."""
CHANGES_SHOWN = 5
WEBHOOK_LABELS = {
    "webhook_url": N_("Address of its system"),
    "webhook_secret": N_("Secret"),
}
"""The webhook form's fields, for the list of problems above the page's forms."""
WEBHOOK_FIELDS = {"url": "webhook_url", "secret": "webhook_secret"}
"""The API's webhook fields by the form's names."""
SECRET_LENGTHS = (16, 200)
"""The shortest and longest secret the API takes (`WebhookIn.secret`)."""
SECRET_TOO_SHORT = N_("A secret has 16 characters at least; leave it empty to have one made.")
NOT_ITS_ADMIN = N_(
    "Only the organisation's admins may set where the changes of its referrals are sent."
)


def form_of(organisation: Organisation) -> dict[str, Any]:
    """The form's values from the stored organisation."""
    values: dict[str, Any] = {name: getattr(organisation, name) or "" for name in TEXTS}
    values.update(
        kind=organisation.kind,
        language=organisation.language,
        phones="\n".join(phone_national(phone.number) for phone in organisation.phones),
        parent_id=str(organisation.parent_id or ""),
        networks=list(organisation.networks),
    )
    return values


def changes_from(
    organisation: Organisation, sent: dict[str, list[str]], places_it: bool
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """The form's values as typed, the organisation's fields from them, and what is wrong.

    `places_it`: whether the caller may say where it sits in the network (parent, networks);
    otherwise those stay as stored, whatever the form sends."""

    def text(name: str) -> str:
        return (sent.get(name) or [""])[-1].strip()

    values: dict[str, Any] = {name: text(name) for name in (*TEXTS, "kind", "language", "phones")}
    errors: dict[str, str] = {}
    for name, value in values.items():
        if "\x00" in value:
            # PostgreSQL cannot keep it; shown as � so that the person sees where it was.
            errors[name] = message_id(NUL)
            values[name] = value.replace("\x00", "\ufffd")
    for name in TEXTS:
        limit = MAX_LENGTHS.get(name, SHORT)
        if name not in errors and len(values[name]) > limit:
            errors[name] = too_long(values[name], limit)
    if "name" not in errors and is_blank(values["name"]):
        errors["name"] = REQUIRED
    if values["kind"] not in KINDS:
        errors["kind"] = NOT_A_KIND
    if values["language"] not in MAIL_LANGUAGES:
        values["language"] = organisation.language
    number = values["enterprise_number"]
    if number and "enterprise_number" not in errors:
        problem = enterprise_number_error(number)
        if problem:
            errors["enterprise_number"] = message_id(problem)
    changes: dict[str, Any] = {
        "name": values["name"],
        "alternate_name": values["alternate_name"] or None,
        "kind": values["kind"],
        "description": values["description"],
        "enterprise_number": number or None,
        "language": values["language"],
    }
    if "email" not in errors:
        changes["email"] = email_from(values["email"], errors)
    if "website" not in errors:
        changes["website"] = website_from(values["website"], errors)
    if "phones" not in errors:
        changes["phones"], _ = phones_from(organisation, values["phones"], errors)
    if places_it:
        values["parent_id"] = text("parent_id")
        values["networks"] = sorted(set(sent.get("networks", [])))
        try:
            changes["parent_id"] = UUID(values["parent_id"]) if values["parent_id"] else None
        except ValueError:
            errors["parent_id"] = NOT_A_KIND
        changes["networks"] = values["networks"]
    else:
        values["parent_id"] = str(organisation.parent_id or "")
        values["networks"] = list(organisation.networks)
    return values, changes, errors


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The form's fields a change of the history touched (labels, in the form's order)."""
    before, after = before or {}, after or {}
    return [name for name in FIELD_LABELS if before.get(name) != after.get(name)]


class WorkspaceOrganisationController(Controller):
    """The page of an organisation's own entry."""

    path = "/workspace/organisations"
    tags = ["workspace"]
    include_in_schema = False
    dependencies = MEMBERS_ONLY

    @get("/{organisation_id:uuid}/edit", operation_id="organisationEditPage")
    async def edit_page(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        organisation_id: FromPath[UUID],
    ) -> Response[Any]:
        """The organisation's entry to edit, who is told of its referrals, its last changes."""
        organisation = await _editable(conn, identity, organisation_id)
        context = await _context(conn, identity, organisation, form_of(organisation), {})
        context["saved"] = request.query_params.get("saved") == "1"
        context["webhook_removed"] = request.query_params.get("webhook") == "removed"
        return page("organisation_edit.html", context)

    @post("/{organisation_id:uuid}/edit", operation_id="saveOrganisationFromWorkspace")
    async def save(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        organisation_id: FromPath[UUID],
    ) -> Response[Any]:
        """Save; errors come back next to their field, a stale version with the fresh data."""
        organisation = await _editable(conn, identity, organisation_id)
        sent = await read_form_lists(request)
        values, changes, errors = changes_from(organisation, sent, identity.is_coordinator)

        async def refused(errors: dict[str, str]) -> Response[Any]:
            context = await _context(conn, identity, organisation, values, errors)
            return page("organisation_edit.html", context, 422)

        if errors:
            return await refused(errors)
        try:
            data = msgspec.convert(
                {**organisations.as_input(organisation), **changes}, OrganisationIn
            )
            # A savepoint: a number another organisation has is refused by the database, and
            # the page is still to be drawn in this transaction.
            async with conn.transaction():
                await organisations.update(
                    conn,
                    organisation_id,
                    data,
                    identity,
                    form_version((sent.get("version") or [""])[-1]),
                )
        except msgspec.ValidationError as error:
            return await refused(field_errors(decoding_errors(error), typed=values))
        except InvalidInput as error:
            return await refused(field_errors(error.errors))
        except asyncpg.UniqueViolationError:
            return await refused({"enterprise_number": ENTERPRISE_NUMBER_TAKEN})
        except VersionMismatch:
            fresh = await organisations.get(conn, organisation_id)
            context = await _context(conn, identity, fresh, form_of(fresh), {})
            context["stale"] = True
            return page("organisation_edit.html", context, 409)
        return Redirect(f"/workspace/organisations/{organisation_id}/edit?saved=1", status_code=303)

    @post("/{organisation_id:uuid}/webhook", operation_id="setWebhookFromWorkspace")
    async def set_webhook(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        organisation_id: FromPath[UUID],
    ) -> Response[Any]:
        """Set (or replace) the webhook; its secret is shown on the page this answers with,
        once, as the API returns it once: never in an address, never again."""
        organisation = await _administered(conn, identity, organisation_id)
        form = await read_form(request)
        url, secret = form.get("url", "").strip(), form.get("secret", "").strip()
        errors: dict[str, str] = {}
        if not url:
            errors["webhook_url"] = REQUIRED
        shortest, longest = SECRET_LENGTHS
        if secret and len(secret) < shortest:
            errors["webhook_secret"] = SECRET_TOO_SHORT
        elif len(secret) > longest:
            errors["webhook_secret"] = too_long(secret, longest)
        typed = {"webhook_url": url}
        if not errors:
            try:
                set_as = await webhooks.set_webhook(
                    conn,
                    identity,
                    organisation_id,
                    msgspec.convert({"url": url, "secret": secret or None}, WebhookIn),
                    allow_private=request.app.state.settings.webhook_allow_private,
                )
            except msgspec.ValidationError as error:
                errors = field_errors(decoding_errors(error), WEBHOOK_FIELDS, typed=typed)
            except InvalidInput as error:
                errors = field_errors(error.errors, WEBHOOK_FIELDS, typed=typed)
        context = await _context(conn, identity, organisation, form_of(organisation), errors)
        if errors:
            # The secret typed is not written back into the page.
            context["webhook_typed"] = url
            return page("organisation_edit.html", context, 422)
        context["webhook_secret"] = set_as.secret
        return page("organisation_edit.html", context)

    @post("/{organisation_id:uuid}/webhook/remove", operation_id="removeWebhookFromWorkspace")
    async def remove_webhook(
        self, conn: Conn, identity: Member, organisation_id: FromPath[UUID]
    ) -> Response[Any]:
        """Stop the calls to its system; those still waiting are dropped."""
        await _administered(conn, identity, organisation_id)
        await webhooks.remove(conn, identity, organisation_id)
        return Redirect(
            f"/workspace/organisations/{organisation_id}/edit?webhook=removed#webhook",
            status_code=303,
        )


async def _administered(conn: Conn, identity: Identity, organisation_id: UUID) -> Organisation:
    """The organisation, if this member is one of its admins, who alone manage its webhook
    (as the API says); otherwise the page says why."""
    organisation = await _editable(conn, identity, organisation_id)
    if identity.role_in(organisation_id) != "admin":
        raise PageRefused(N_("Not allowed"), NOT_ITS_ADMIN, 403)
    return organisation


async def _editable(conn: Conn, identity: Identity, organisation_id: UUID) -> Organisation:
    """The organisation, if this member may change it (as the API says); otherwise the page
    says why."""
    try:
        organisation = await organisations.get(conn, organisation_id)
    except NotFound:
        raise PageRefused(
            N_("Page not found"), N_("This organisation does not exist."), 404
        ) from None
    if not identity.can_edit(organisation_id):
        raise PageRefused(
            N_("Not allowed"),
            N_("Only the organisation's admins and editors may change its entry."),
            403,
        )
    return organisation


async def _context(
    conn: Conn,
    identity: Identity,
    organisation: Organisation,
    values: dict[str, Any],
    errors: dict[str, str],
) -> dict[str, Any]:
    parent = None
    if organisation.parent_id is not None:
        parent = await conn.fetchrow(
            "SELECT id, name FROM organisation WHERE id = $1", organisation.parent_id
        )
    networks = await conn.fetch("SELECT id, name FROM network ORDER BY id")
    changes = await conn.fetch(Q.organisation_changes, organisation.id, CHANGES_SHOWN)
    admin = identity.role_in(organisation.id) == "admin"
    webhook = await webhooks.current(conn, identity, organisation.id) if admin else None
    return {
        "organisation": organisation,
        "values": values,
        "errors": errors,
        "field_labels": {**FIELD_LABELS, **WEBHOOK_LABELS},
        "kinds": KINDS,
        "mail_languages": MAIL_LANGUAGES,
        "parent": parent,
        "networks": networks,
        "places_it": identity.is_coordinator,
        "parent_choices": (
            await conn.fetch(Q.parent_choices, organisation.id) if identity.is_coordinator else []
        ),
        # Where a new referral's mail goes, as `referrals.notify` chooses it.
        "told": await notify.organisation_recipients(conn, organisation.id),
        # Its admins alone manage it, as the API lets them; its secret is never read here.
        "may_set_webhook": admin,
        "webhook": webhook,
        "webhook_typed": webhook.url if webhook else "",
        "webhook_secret": None,
        "webhook_removed": False,
        "may_manage_team": identity.can_administer(organisation.id),
        "changes": [
            {
                "at": c["at"],
                "actor": c["actor"],
                "created": c["action"] == "create",
                "fields": changed_fields(c["before"], c["after"]),
            }
            for c in changes
        ],
    }


CONTROLLERS = [WorkspaceOrganisationController]
