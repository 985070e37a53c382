"""What the workspace pages share: sign-in first, private pages, forms, field errors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote
from uuid import UUID

import msgspec
from litestar import Request, Response
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template

from schemas.catalogue import Service
from schemas.common import FieldError
from service.accounts.identity import Identity
from service.catalogue import services
from service.errors import NotFound, decoding_error
from service.i18n import N_
from service.web.workspace import PRIVATE
from service.web_common import Conn, provide_identity

BAD_DATE = N_("Enter a date such as 2026-12-24.")
LAST_BEFORE_FIRST = N_("The last day must not be before the first day.")

# Catalogue and referral messages (English, for the API) -> the message id people read.
FIELD_MESSAGES = (
    (
        "is not a valid OpenStreetMap opening_hours expression",
        N_("Not a valid opening hours expression. Example: Mo-Fr 09:00-12:00,13:30-16:00; PH off"),
    ),
    (
        "is empty",
        N_("Not a valid opening hours expression. Example: Mo-Fr 09:00-12:00,13:30-16:00; PH off"),
    ),
    (
        "uses school holidays (SH)",
        N_(
            "School holidays (SH) cannot be used: they differ between the French-, Dutch- and "
            "German-speaking communities. Add them as dated exceptions."
        ),
    ),
    (
        "uses sunrise, sunset",
        N_("Sunrise, sunset, dawn and dusk cannot be used. Give times, such as 08:00-18:00."),
    ),
    ("must not be before starts_on", LAST_BEFORE_FIRST),
    (
        "a closure until further notice is",
        N_(
            "Give a day of the years 2000 to 2099. A closure until further notice: mark the "
            "service as temporarily closed."
        ),
    ),
    ("must be true: the person's data", N_("Tick this box, or send an anonymous referral.")),
    (
        "is needed to contact the person by phone",
        N_("Give a phone number to be contacted by phone."),
    ),
    (
        "is needed to contact the person by e-mail",
        N_("Give an e-mail address to be contacted by e-mail."),
    ),
    ("say what is wrong", N_("Say in a few words what is wrong.")),
    (
        "must be empty when free is true",
        N_("A service with a price is not free: untick “Free”, or leave the price empty."),
    ),
    (
        "must not contain NUL characters",
        N_("This text holds a character that cannot be kept (NUL, shown as �): remove it."),
    ),
    ("of length >= 1", N_("This field is required.")),
    ("must not be blank", N_("This field is required.")),
    ("Invalid RFC 3339 encoded date", BAD_DATE),
    ("matching regex", N_("This is not in the expected form.")),
)


def login_redirect(request: Request[Any, Any, Any]) -> Redirect:
    """To the sign-in page, coming back here (with the query) afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/workspace/login?next={quote(target, safe='/')}", status_code=303)


class SignInRequired(Exception):
    """A workspace page asked for by someone not signed in."""


async def provide_member(request: Request[Any, Any, Any], conn: Conn) -> Identity:
    """The signed-in caller of a workspace page; anyone else is sent to sign in first."""
    identity = await provide_identity(request, conn)
    if identity is None:
        raise SignInRequired
    return identity


Member = NamedDependency[Identity]
"""Who is signed in, on the pages of a controller whose dependencies are `MEMBERS_ONLY`."""

MEMBERS_ONLY = {"identity": Provide(provide_member)}
"""The dependencies of a workspace controller whose every page is for signed-in members."""


def sign_in_first(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    """Someone not signed in asked for a members' page: to the sign-in page, then back."""
    return login_redirect(request)


def form_version(text: str | None) -> int | None:
    """The version a form was filled from (its hidden `version` field); None without one."""
    try:
        return int(text or "")
    except ValueError:
        return None


def page(name: str, context: dict[str, Any], status: int = 200) -> Template:
    """A workspace page: never cached, never sent as a referrer elsewhere."""
    return Template(
        template_name=f"workspace/{name}", context=context, status_code=status, headers=PRIVATE
    )


def message_page(title: str, text: str, status: int) -> Template:
    """A short page saying why something cannot be done (not allowed, not found)."""
    return page("message.html", {"title": title, "text": text}, status)


class PageRefused(Exception):
    """What a workspace page cannot show or do (not found, not allowed), said on a short page
    by `refused_page`; the request's transaction is rolled back."""

    def __init__(self, title: str, text: str, status: int) -> None:
        super().__init__(text)
        self.title, self.text, self.status = title, text, status


def refused_page(request: Request[Any, Any, Any], exc: PageRefused) -> Response[Any]:
    """The page that says why."""
    return message_page(exc.title, exc.text, exc.status)


NOT_AN_EDITOR_OF_IT = N_("Only the editors of the organisation may change this service.")


async def editable_service(conn: Conn, identity: Identity, service_id: UUID) -> Service:
    """The service, if this member may change it; otherwise the page says why."""
    try:
        service = await services.get(conn, service_id)
    except NotFound:
        raise PageRefused(N_("Page not found"), N_("This service does not exist."), 404) from None
    if not identity.can_edit(service.organisation_id):
        raise PageRefused(N_("Not allowed"), NOT_AN_EDITOR_OF_IT, 403)
    return service


async def read_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The form's text fields (the last value of repeated ones)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def read_form_lists(request: Request[Any, Any, Any]) -> dict[str, list[str]]:
    """Every value of each field, for repeated checkboxes."""
    form = await request.form()
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return values


def message_id(message: str) -> str:
    """The UI message for an API field message; the API's own text when none fits."""
    for start, ui in FIELD_MESSAGES:
        if message.startswith(start) or start in message:
            return ui
    return message


def field_errors(
    errors: Iterable[FieldError], rename: dict[str, str] | None = None
) -> dict[str, str]:
    """Errors by form field name, with UI messages; `rename` maps API fields to form fields."""
    found: dict[str, str] = {}
    for error in errors:
        name = (rename or {}).get(error.field, error.field)
        found.setdefault(name, message_id(error.message))
    return found


def decoding_errors(error: msgspec.ValidationError) -> list[FieldError]:
    """A msgspec decoding error as the field it names (`beneficiary.phone`)."""
    return [decoding_error(str(error), "form")]
