"""What the workspace pages share: sign-in first, private pages, forms, field errors."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote
from uuid import UUID

import msgspec
from litestar import Request, Response
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Template

from schemas.catalogue import Service
from schemas.common import FieldError
from service.accounts.csrf import FIELD as CSRF_FIELD
from service.accounts.identity import Identity
from service.catalogue import services
from service.errors import NotFound, decoding_error
from service.i18n import N_, Message, translate
from service.web.workspace import PRIVATE
from service.web_common import Conn, provide_identity

BAD_DATE = N_("Enter a date such as 2026-12-24.")
REQUIRED = N_("This field is required.")
TOO_LONG = N_("Keep it to %(limit)s characters; this text has %(length)s.")
LONGER_THAN_LIMIT = N_("Keep it to %(limit)s characters.")
LINE_TOO_LONG = N_("Keep each line to %(limit)s characters; one has %(length)s.")
SHORT = 300
"""The longest short text (a name, a price, a label, a note about the hours), as the API takes."""
NOT_A_PHONE = N_("Not a phone number. Write it as 064 27 78 11 or +32 470 12 34 56.")
NOT_AN_EMAIL = N_("Enter an e-mail address such as info@example.org.")
LAST_BEFORE_FIRST = N_("The last day must not be before the first day.")
NOT_AN_ENTERPRISE_NUMBER = N_(
    "Enter the enterprise number (BCE/KBO) as 0212.345.678: ten digits, starting with 0 or 1."
)
WRONG_CHECK_DIGITS = N_(
    "This enterprise number does not exist (its last two digits do not match): check it."
)

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
    ("of length >= 1", REQUIRED),
    ("must not be blank", REQUIRED),
    ("Invalid RFC 3339 encoded date", BAD_DATE),
    ("matching regex `^\\+[1-9]", NOT_A_PHONE),
    ("matching regex `^[^@", NOT_AN_EMAIL),
    ("matching regex `^https?:", N_("Enter a web address such as https://www.example.org.")),
    ("matching regex", N_("This is not in the expected form.")),
    ("is not a Belgian phone number", NOT_A_PHONE),
    ("must be 10 digits starting with 0 or 1", NOT_AN_ENTERPRISE_NUMBER),
    ("has wrong check digits", WRONG_CHECK_DIGITS),
    (
        "would make the organisation its own ancestor",
        N_("An organisation cannot be part of itself or of one of its own parts."),
    ),
    ("must not be below age_min", N_("The maximum age must not be below the minimum age.")),
    ("lists a theme twice", N_("A theme is chosen twice.")),
    ("unknown theme", N_("This theme does not exist.")),
    ("unknown place", N_("This place does not exist.")),
    ("unknown organisation", N_("This organisation does not exist.")),
    ("unknown service", N_("This service does not exist.")),
    ("this service no longer exists", N_("This service is no longer offered: choose another.")),
    ("the service is not held at this place", N_("The service is not held at this place.")),
    ("the service is already held at this place", N_("This place is listed twice.")),
    ("must not be after today", N_("This date must not be after today.")),
    (
        "a coordinator names only the first admin",
        N_(
            "As a coordinator, you name only the organisation's first admin: its admin invites"
            " the others."
        ),
    ),
    (
        "a coordinator names the organisation's admin, not themselves",
        N_(
            "As a coordinator, you name the organisation's admin, not yourself: its members read"
            " its referrals, the people's data included."
        ),
    ),
    (
        "you belong to several organisations",
        N_("Choose the organisation that sends the referral."),
    ),
    # Where a webhook may not go (`referrals.webhooks`).
    (
        "must use https",
        N_("Give an address starting with https://: the changes are sent to it encrypted."),
    ),
    (
        "points to a loopback, private, link-local",
        N_(
            "This address is not on the internet (a local or private network): give the public"
            " address of the organisation's system."
        ),
    ),
    (
        "has a host name that does not resolve",
        N_("No server has this name on the internet: check the address."),
    ),
    (
        "must not carry a user name or password",
        N_("Leave the user name and password out of the address: the secret signs each call."),
    ),
    ("has no host", N_("Enter a web address such as https://www.example.org.")),
    ("has an invalid port", N_("Enter a web address such as https://www.example.org.")),
)

# msgspec's own messages ("Expected `int` <= 130 - at `$.age_max`"), English and quoting
# types, when a form's value reaches the schema unchecked: by their shape.
DECODING_MESSAGES = (
    (re.compile(r"^Expected `(array|object)` of length <= \d+"), N_("Too many are chosen.")),
    (re.compile(r"^Expected `(int|float)` [<>]=? -?\d"), N_("This number is out of range.")),
    (re.compile(r"^Expected `(int|float)( \| null)?`, got"), N_("Enter a number.")),
    (re.compile(r"^Expected `(date|datetime)( \| null)?`, got"), BAD_DATE),
    (re.compile(r"^Invalid enumeration value"), N_("Choose one of the values offered.")),
    (re.compile(r"^Invalid UUID"), N_("Choose one of the values offered.")),
    (re.compile(r"^Object missing required field"), REQUIRED),
)
NOT_ACCEPTED = N_("This value is not accepted: check it.")
"""What a field is told when no message above fits: never the API's English."""


def login_redirect(request: Request[Any, Any, Any]) -> Redirect:
    """To the sign-in page, coming back here (with the query) afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/workspace/login?next={quote(target, safe='/')}", status_code=303)


class SignInRequired(Exception):
    """A workspace page asked for by someone not signed in; `typed`: the fields of a form
    sent after the session ended, to keep through signing in again."""

    def __init__(self, typed: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.typed = typed


async def provide_member(request: Request[Any, Any, Any], conn: Conn) -> Identity:
    """The signed-in caller of a workspace page; anyone else is sent to sign in first."""
    identity = await provide_identity(request, conn)
    if identity is None:
        if request.method == "POST":
            # The session ended while a form was being filled in: what was typed is not lost.
            form = await request.form()
            raise SignInRequired(
                [(k, v) for k, v in form.multi_items() if isinstance(v, str) and k != CSRF_FIELD]
            )
        raise SignInRequired
    return identity


Member = NamedDependency[Identity]
"""Who is signed in, on the pages of a controller whose dependencies are `MEMBERS_ONLY`."""

MEMBERS_ONLY = {"identity": Provide(provide_member)}
"""The dependencies of a workspace controller whose every page is for signed-in members."""


def sign_in_first(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    """Someone not signed in asked for a members' page: to the sign-in page, then back; a
    form sent after the session ended is carried through the sign-in page, to send again."""
    if exc.typed is None:
        return login_redirect(request)
    context = {
        "next": request.url.path,
        "email": "",
        "resume_action": request.url.path,
        "resume": exc.typed,
    }
    return page("login.html", context, 401)


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


NOTHING_SAVED = N_("Nothing was saved")
CHANGED_MEANWHILE = N_(
    "Something this page changes was changed or removed by someone else at the same moment. "
    "Go back, reload the page and try again."
)


def nothing_saved_page(status: int) -> Template:
    """The page of a form the database refused because of a simultaneous change (a record
    it refers to removed meanwhile, the same one written twice): its transaction was rolled
    back whole."""
    return message_page(NOTHING_SAVED, CHANGED_MEANWHILE, status)


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


def too_long(text: str, limit: int) -> str:
    """What a text longer than `limit` is told: the limit, and how long it is."""
    return Message(TOO_LONG, limit=limit, length=len(text))


def line_too_long(lines: Iterable[str], limit: int) -> str:
    """What a list typed one per line is told when a line is longer than `limit`."""
    return Message(LINE_TOO_LONG, limit=limit, length=max(len(line) for line in lines))


_LONGER_THAN = re.compile(r"^Expected `str` of length <= (\d+)")
_QUOTED_PATTERN = re.compile(r"matching regex '(.*)'")


def message_id(message: str, typed: Any = None) -> str:
    """The UI message (a message id of the catalogues) for an API or msgspec field message;
    a general one when none fits, so that a page never shows the API's English. `typed`: the
    form's value of the field, when the message is about it (how long a text is)."""
    # msgspec quotes a pattern with backticks or, in later versions, with apostrophes.
    message = _QUOTED_PATTERN.sub(r"matching regex `\1`", message)
    longer = _LONGER_THAN.search(message)
    if longer:
        limit = int(longer[1])
        return (
            too_long(typed, limit)
            if isinstance(typed, str)
            else Message(LONGER_THAN_LIMIT, limit=limit)
        )
    for start, ui in FIELD_MESSAGES:
        if message.startswith(start) or start in message:
            return ui
    for shape, ui in DECODING_MESSAGES:
        if shape.search(message):
            return ui
    if translate(message, "fr") != message:
        return message  # already a UI message
    return NOT_ACCEPTED


_TOP_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*")


def field_errors(
    errors: Iterable[FieldError],
    rename: dict[str, str] | None = None,
    typed: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Errors by form field name, with UI messages; `rename` maps API fields to form fields,
    and any other path is the top field it is in (`phones[1].number`: `phones`). `typed`: the
    form's values by field, for the length of a text too long."""
    found: dict[str, str] = {}
    for error in errors:
        name = (rename or {}).get(error.field)
        whole = name is not None or _TOP_FIELD.fullmatch(error.field) is not None
        if name is None:
            top = _TOP_FIELD.match(error.field)
            name = top[0] if top else error.field
        # A text within a list (phones[1].label) is not the form field's whole value.
        value = (typed or {}).get(name) if whole else None
        found.setdefault(name, message_id(error.message, value))
    return found


def decoding_errors(error: msgspec.ValidationError) -> list[FieldError]:
    """A msgspec decoding error as the field it names (`beneficiary.phone`)."""
    return [decoding_error(str(error), "form")]
