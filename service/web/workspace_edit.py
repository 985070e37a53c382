"""What people check before going to a service, kept right by its organisation's editors.

The edit form covers who the service is for, its conditions, documents, languages, how to
access it, its contact and its status; "Still up to date" sets the day it was last verified.
Both write through `services.update` with the version the page was built from, and keep every
field the form does not show (name, themes, places, hours...) as it is.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from schemas.catalogue import Organisation, Place, Service, ServiceIn
from service.accounts.identity import EDIT_ROLES
from service.catalogue import services
from service.catalogue.freshness import needs_verifying, today_in_brussels
from service.catalogue.records import VersionMismatch
from service.catalogue.stored import with_changes
from service.catalogue.validation import phone_e164, phone_national
from service.errors import InvalidInput
from service.i18n import N_, SPOKEN_LANGUAGES
from service.web.public import themes_tree
from service.web.templating import SITUATIONS
from service.web.workspace_common import (
    LINE_TOO_LONG,
    MEMBERS_ONLY,
    SHORT,
    TOO_LONG,
    Member,
    decoding_errors,
    editable_service,
    field_errors,
    form_version,
    line_too_long,
    page,
    read_form_lists,
    too_long,
)
from service.web.workspace_services import dashboard_context
from service.web_common import Conn

GENDERS = {"female": N_("Women"), "male": N_("Men"), "x": N_("People of gender X")}
"""The genders a service may be limited to (English message ids)."""
SERVICE_STATUSES = {
    "active": N_("Active"),
    "temporarily_closed": N_("Temporarily closed"),
    "inactive": N_("No longer offered"),
}
"""The status of a service, as its editors choose it."""
FIELD_LABELS = {
    "name": N_("Name"),
    "description": N_("Description"),
    "themes": N_("Themes"),
    "age_min": N_("Minimum age"),
    "age_max": N_("Maximum age"),
    "genders": N_("Genders"),
    "situations": N_("Situations"),
    "eligibility_notes": N_("Other conditions to be eligible"),
    "free": N_("Free"),
    "price": N_("Price"),
    "appointment_required": N_("On appointment"),
    "walk_in": N_("Without appointment"),
    "unconditional": N_("Unconditional welcome"),
    "referral_only": N_("Only when referred by a social worker"),
    "documents": N_("Documents to bring"),
    "languages": N_("Languages spoken"),
    "how_to_access": N_("How to access"),
    "email": N_("E-mail address"),
    "website": N_("Website"),
    "phones": N_("Phone numbers"),
    "status": N_("Status"),
}
"""The form's fields, in order, for the "what you typed" list of a stale save."""
CHECKBOXES = ("free", "appointment_required", "walk_in", "unconditional", "referral_only")
TEXTS = ("description", "eligibility_notes", "price", "how_to_access", "email", "website")
NOT_AN_AGE = N_("Enter an age in years, between 0 and 130.")
AGES_REVERSED = N_("The maximum age must not be below the minimum age.")
NOT_A_PHONE = N_("Not a phone number. Write it as 064 27 78 11 or +32 470 12 34 56.")
NOT_AN_EMAIL = N_("Enter an e-mail address such as info@example.org.")
NOT_A_WEBSITE = N_("Enter a web address such as https://www.example.org.")
PHONE_LABEL_TOO_LONG = N_(
    "The label saved with this number is over 300 characters, which this form cannot change: "
    "remove the number, save, then add it again."
)
NAME_REQUIRED = N_("Enter the name of the service, as people know it.")
NO_THEME = N_("Choose at least one theme: people find services by what they need.")
TOO_MANY_THEMES = N_("Choose at most 10 themes.")
FREE_WITH_A_PRICE = N_(
    "A service with a price is not free: untick “Free”, or leave the price empty."
)
FORM_MESSAGES = (
    NOT_AN_AGE,
    AGES_REVERSED,
    NOT_A_PHONE,
    PHONE_LABEL_TOO_LONG,
    NOT_AN_EMAIL,
    NOT_A_WEBSITE,
    TOO_LONG,
    LINE_TOO_LONG,
    NAME_REQUIRED,
    NO_THEME,
    TOO_MANY_THEMES,
    FREE_WITH_A_PRICE,
)
"""The errors this form shows next to a field (translated in `i18n`)."""
MAX_THEMES = 10
LONG = 10_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def form_of(service: Service) -> dict[str, Any]:
    """The form's values from the stored service."""
    values: dict[str, Any] = {
        name: (getattr(service, name) or "").replace("\r\n", "\n") for name in TEXTS
    }
    values.update({name: getattr(service, name) for name in CHECKBOXES})
    values.update(
        name=service.name,
        themes=list(service.themes),
        age_min="" if service.age_min is None else str(service.age_min),
        age_max="" if service.age_max is None else str(service.age_max),
        genders=list(service.genders),
        situations=list(service.situations),
        documents="\n".join(service.documents),
        languages=list(service.languages),
        phones="\n".join(phone_national(phone.number) for phone in service.phones),
        status=service.status,
    )
    return values


def language_choices(service: Service) -> dict[str, str]:
    """The search form's languages, and any other the service already has (imported data)."""
    extra = {code: code for code in service.languages if code not in SPOKEN_LANGUAGES}
    return {**SPOKEN_LANGUAGES, **extra}


def form_from(
    sent: dict[str, list[str]], service: Service, known_themes: set[str]
) -> dict[str, Any]:
    """The form's values as sent (a checkbox is there or not; lists keep the known codes)."""

    def text(name: str) -> str:
        # Browsers send a textarea's lines with CRLF: kept with LF, as typed elsewhere.
        return (sent.get(name) or [""])[-1].replace("\r\n", "\n").strip()

    values: dict[str, Any] = {name: text(name) for name in TEXTS}
    values.update({name: name in sent for name in CHECKBOXES})
    values.update(
        name=text("name"),
        # Themes the taxonomy no longer has (imported data) are kept as they were.
        themes=[t for t in sent.get("themes", []) if t in known_themes]
        + [t for t in service.themes if t not in known_themes],
        age_min=text("age_min"),
        age_max=text("age_max"),
        genders=[g for g in GENDERS if g in sent.get("genders", [])],
        situations=[s for s in SITUATIONS if s in sent.get("situations", [])],
        documents="\n".join(_lines(text("documents"))),
        languages=[c for c in language_choices(service) if c in sent.get("languages", [])],
        phones=text("phones"),
        status=text("status"),
    )
    return values


def _age(values: dict[str, Any], name: str, errors: dict[str, str]) -> int | None:
    typed = values[name]
    if not typed:
        return None
    # isdecimal, not isdigit: "²" is a digit that int() refuses.
    if not typed.isdecimal() or int(typed) > 130:
        errors[name] = NOT_AN_AGE
        return None
    return int(typed)


def email_from(typed: str, errors: dict[str, str]) -> str | None:
    """The e-mail address to store (None for none); a wrong one is said in `errors`."""
    if typed and (not _EMAIL.match(typed) or len(typed) > 254):
        errors["email"] = NOT_AN_EMAIL
    return typed or None


def website_from(typed: str, errors: dict[str, str]) -> str | None:
    """The website to store, https:// added to what people type (www.example.org); a wrong
    one is said in `errors`."""
    website = typed
    if website and not re.match(r"^https?://", website, re.IGNORECASE):
        website = "https://" + website
    if website and (not re.match(r"^https?://[^\s]+\.[^\s]+$", website) or len(website) > 2000):
        errors["website"] = NOT_A_WEBSITE
    return website or None


BELGIAN_MOBILE = "+324"
"""Belgian mobile numbers are the 04xx ones: +32 4…"""


def new_phone(number: str) -> dict[str, Any]:
    """A phone typed on a page (E.164): a Belgian mobile is one (texts reach it), any other
    number a voice line, as the API takes it by default."""
    return {"number": number, "kind": "mobile" if number.startswith(BELGIAN_MOBILE) else "voice"}


def phones_from(
    record: Service | Place | Organisation | None, typed: str, errors: dict[str, str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The phones to store (a number the record already has keeps its kind and label; None
    for a new record), and the lines that are not numbers (else those whose label, saved
    before today's limit, is too long)."""
    phones = record.phones if record is not None else []
    known = {phone.number: msgspec.to_builtins(phone) for phone in phones}
    kept: list[dict[str, Any]] = []
    wrong: list[str] = []
    long_labels: list[str] = []
    for line in _lines(typed):
        number = phone_e164(line)
        if number is None:
            wrong.append(line)
        elif number not in (p["number"] for p in kept):
            kept.append(known.get(number) or new_phone(number))
            if len(kept[-1].get("label", "")) > SHORT:
                long_labels.append(line)
    if wrong:
        errors["phones"] = NOT_A_PHONE
    elif long_labels:
        errors["phones"] = PHONE_LABEL_TOO_LONG
        wrong = long_labels
    return kept, wrong


def name_and_themes(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The name and themes from the form; what is wrong with them added to `errors`."""
    if not values["name"]:
        errors["name"] = NAME_REQUIRED
    elif len(values["name"]) > SHORT:
        errors["name"] = too_long(values["name"], SHORT)
    if not values["themes"]:
        errors["themes"] = NO_THEME
    elif len(values["themes"]) > MAX_THEMES:
        errors["themes"] = TOO_MANY_THEMES
    return {"name": values["name"], "themes": values["themes"]}


def changes_from(
    service: Service, values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The service's fields from the form, the errors found, the phone lines that are wrong."""
    errors: dict[str, str] = {}
    changes: dict[str, Any] = {name: values[name] for name in CHECKBOXES}
    changes.update(name_and_themes(values, errors))
    for name in ("description", "eligibility_notes", "how_to_access"):
        if len(values[name]) > LONG:
            errors[name] = too_long(values[name], LONG)
        changes[name] = values[name]
    if len(values["price"]) > SHORT:
        errors["price"] = too_long(values["price"], SHORT)
    elif values["free"] and values["price"]:
        # Said, not decided for the editor: the note or the tick may be the mistake.
        errors["price"] = FREE_WITH_A_PRICE
    changes["price"] = values["price"]
    changes["age_min"] = _age(values, "age_min", errors)
    changes["age_max"] = _age(values, "age_max", errors)
    if (
        changes["age_min"] is not None
        and changes["age_max"] is not None
        and changes["age_min"] > changes["age_max"]
    ):
        errors["age_max"] = AGES_REVERSED
    changes["genders"] = values["genders"]
    changes["situations"] = values["situations"]
    changes["languages"] = values["languages"]
    documents = _lines(values["documents"])
    if any(len(document) > SHORT for document in documents):
        errors["documents"] = line_too_long(documents, SHORT)
    changes["documents"] = documents
    changes["email"] = email_from(values["email"], errors)
    changes["website"] = website_from(values["website"], errors)
    changes["phones"], wrong_phones = phones_from(service, values["phones"], errors)
    if values["status"] not in SERVICE_STATUSES:
        errors["status"] = N_("This field is required.")
    changes["status"] = values["status"]
    return changes, errors, wrong_phones


def _service_in(service: Service, changes: dict[str, Any]) -> ServiceIn:
    return with_changes(services.as_input(service), changes, ServiceIn)


def typed_differences(shown: dict[str, Any], mine: dict[str, Any]) -> list[tuple[str, Any]]:
    """The fields where what the person typed differs from what their page showed."""
    return [(name, mine[name]) for name in FIELD_LABELS if mine.get(name) != shown.get(name)]


class WorkspaceEditController(Controller):
    """The edit page of a service, and "still up to date"."""

    path = "/workspace/services"
    tags = ["workspace"]
    include_in_schema = False
    dependencies = MEMBERS_ONLY

    @get("/{service_id:uuid}/edit", operation_id="serviceEditPage")
    async def edit_page(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        service_id: FromPath[UUID],
    ) -> Response[Any]:
        """The service's description, audience, conditions, contact and status, to edit."""
        service = await editable_service(conn, identity, service_id)
        values = form_of(service)
        # Saved before today's limits (or by a migration): said now, not at the first save.
        _, errors, wrong_phones = changes_from(service, values)
        context = await _context(conn, service, values, errors)
        context.update(wrong_phones=wrong_phones, stored=bool(errors))
        context["verified"] = request.query_params.get("verified") == "1"
        context["created"] = request.query_params.get("created") == "1"
        context["saved"] = request.query_params.get("saved") == "1"
        return page("service_edit.html", context)

    @post("/{service_id:uuid}/edit", operation_id="saveServiceFromWorkspace")
    async def save(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        service_id: FromPath[UUID],
    ) -> Response[Any]:
        """Save; errors come back next to their field, a stale version with the fresh data."""
        service = await editable_service(conn, identity, service_id)
        sent = await read_form_lists(request)
        tree = await themes_tree(conn)
        values = form_from(sent, service, set(themes_by_id(tree)))
        changes, errors, wrong_phones = changes_from(service, values)
        context = await _context(conn, service, values, errors, tree)
        context["wrong_phones"] = wrong_phones
        if errors:
            return page("service_edit.html", context, 422)
        try:
            data = _service_in(service, changes)
            await services.update(
                conn, service_id, data, identity, form_version((sent.get("version") or [""])[-1])
            )
        except msgspec.ValidationError as error:
            context["errors"] = field_errors(decoding_errors(error), typed=values)
            return page("service_edit.html", context, 422)
        except InvalidInput as error:
            context["errors"] = field_errors(error.errors)
            return page("service_edit.html", context, 422)
        except VersionMismatch:
            fresh = await services.get(conn, service_id)
            fresh_values = form_of(fresh)
            # What the person changed on their page, not what someone else changed since.
            version = form_version((sent.get("version") or [""])[-1])
            shown = version is not None and await services.as_saved_at(conn, service_id, version)
            context = await _context(conn, fresh, fresh_values)
            mine = typed_differences(form_of(shown) if shown else fresh_values, values)
            context.update(stale=True, mine=mine)
            return page("service_edit.html", context, 409)
        if identity.role_in(service.organisation_id) not in EDIT_ROLES:
            # A coordinator's dashboard does not list the service: they stay on it.
            return Redirect(f"/workspace/services/{service_id}/edit?saved=1", status_code=303)
        return Redirect(f"/workspace/?updated={service_id}#service-{service_id}", status_code=303)

    @post("/{service_id:uuid}/verify", operation_id="verifyServiceFromWorkspace")
    async def verify(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        service_id: FromPath[UUID],
    ) -> Response[Any]:
        """One click: the information is still right today."""
        service = await editable_service(conn, identity, service_id)
        sent = await read_form_lists(request)
        from_edit_page = (sent.get("back") or [""])[-1] == "edit"
        try:
            await services.update(
                conn,
                service_id,
                _service_in(service, {"last_verified_on": today_in_brussels()}),
                identity,
                form_version((sent.get("version") or [""])[-1]),
            )
        except VersionMismatch:
            if from_edit_page:
                fresh = await services.get(conn, service_id)
                context = await _context(conn, fresh, form_of(fresh))
                context["stale"] = True
                return page("service_edit.html", context, 409)
            context = await dashboard_context(conn, identity)
            context["stale"] = service_id
            return page("dashboard.html", context, 409)
        if from_edit_page:
            return Redirect(f"/workspace/services/{service_id}/edit?verified=1", status_code=303)
        return Redirect(f"/workspace/?verified={service_id}#service-{service_id}", status_code=303)


def themes_by_id(tree: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every theme of the tree, top and sub-themes, by id."""
    return {theme["id"]: theme for top in tree for theme in (top, *top["children"])}


async def _context(
    conn: Conn,
    service: Service,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    tree: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    if tree is None:
        tree = await themes_tree(conn)
    return {
        "service": service,
        "values": values,
        "errors": errors or {},
        "wrong_phones": [],
        "genders": GENDERS,
        "statuses": SERVICE_STATUSES,
        "spoken_languages": language_choices(service),
        "field_labels": FIELD_LABELS,
        "theme_tree": tree,
        "theme_names": themes_by_id(tree),
        "needs_verifying": needs_verifying(service.last_verified_on, today_in_brussels()),
    }


CONTROLLERS = [WorkspaceEditController]
