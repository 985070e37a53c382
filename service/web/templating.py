"""The Jinja2 configuration of the pages: translations and CSRF helpers in every template."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from babel.dates import format_date
from jinja2 import pass_context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup, escape

from service import i18n
from service.accounts.csrf import FIELD, csrf_token
from service.accounts.sessions import session_id_of
from service.catalogue.validation import phone_national
from service.hours import local
from service.i18n import N_, SPOKEN_LANGUAGES, day_month_year
from service.referrals.labels import (
    CONTACTS,
    CONTACTS_READ,
    DECLINE_REASONS,
    DONE,
    EVENTS,
    OUTCOMES,
    STATUS,
)

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


@pass_context
def _csrf_token(context: dict[str, Any]) -> str:
    return csrf_token(context["request"])


@pass_context
def _csrf_field(context: dict[str, Any]) -> Markup:
    token = csrf_token(context["request"])
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token)}">')  # noqa: S704


@pass_context
def _signed_in(context: dict[str, Any]) -> bool:
    """Whether the browser holds a session cookie (the navigation offers the workspace)."""
    request = context.get("request")
    return request is not None and session_id_of(request) is not None


CAPACITY = {
    "available": N_("Places available"),
    "limited": N_("Few places left"),
    "full": N_("Full"),
}
"""The capacity of a service, as people read it (English message ids), from the most room to
none: the order of the workspace's buttons."""
WHEELCHAIR = {
    "yes": N_("Wheelchair accessible"),
    "limited": N_("Partly wheelchair accessible"),
    "no": N_("Not wheelchair accessible"),
    "unknown": N_("Wheelchair access not known"),
}

SITUATIONS = {
    "undocumented": N_("People without residence papers"),
    "asylum_seeker": N_("Asylum seekers"),
    "homeless": N_("Homeless people"),
    "families": N_("Families"),
    "single_parent": N_("Single parents"),
    "ris_beneficiary": N_("People receiving the integration income (RIS)"),
    "student": N_("Students"),
    "elderly": N_("Elderly people"),
    "disability": N_("People with a disability"),
    "victim_of_violence": N_("Victims of violence"),
    "youth": N_("Young people"),
}
WRITTEN_IN = {"fr": N_("French"), "nl": N_("Dutch"), "de": N_("German"), "en": N_("English")}
"""The languages organisations write in, as a sentence names them (translated)."""

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def _t(context: Any, message: str) -> str:
    return i18n.translate(message, i18n.current_language(context))


def hour_minute(moment: datetime) -> str:
    """A moment as Brussels wall-clock time, e.g. 13:30."""
    return local(moment).strftime("%H:%M")


@pass_context
def day_name(context: Any, day: date) -> str:
    """The weekday and date in the page's language, e.g. "lundi 23/11"."""
    return f"{_t(context, WEEKDAYS[day.weekday()])} {day.strftime('%d/%m')}"


BABEL_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}
"""The locale whose names of days and months a page in that language writes."""


@pass_context
def day_in_words(context: Any, day: date) -> str:
    """A day as a sentence says it in the page's language, "lundi 12 janvier" (with its year
    when that is not this one, "lundi 11 janvier 2027")."""
    pattern = "EEEE d MMMM" if day.year == local(datetime.now(UTC)).year else "EEEE d MMMM y"
    return format_date(day, pattern, locale=BABEL_LOCALES[i18n.current_language(context)])


@pass_context
def opening_text(
    context: Any, state: Any, status: str = "active", then: bool = False, day: date | None = None
) -> str:
    """ "Open now until 12:00", "Closed now, opens tomorrow at 09:00"… in Brussels time.

    `state` is an OpenInfo/OpenState (or None when the hours are unknown); `then` when it was
    evaluated at a moment the person chose, not now ("Open then, until 22:00"); `day` when
    the person chose a day without a time: when it is open that day, from the answer's
    `intervals` ("Open 09:00–12:00 that day").
    """
    if status == "temporarily_closed":
        reopens_on = getattr(state, "reopens_on", None)
        if reopens_on is not None:
            return _t(context, "Temporarily closed, reopens on %(day)s") % {
                "day": day_in_words(context, reopens_on)
            }
        return _t(context, "Temporarily closed")
    if status == "inactive":
        return _t(context, "No longer offered")
    if state is None:
        return _t(context, "Hours not known: call before going")
    change = state.next_change
    if day is not None:
        return _open_that_day(context, day, getattr(state, "intervals", None) or [])
    today = local(state.at).date()
    if state.now:
        if change is None:
            return _t(context, "Open then") if then else _t(context, "Open now")
        return _t(context, _open_until(today, local(change), then)) % {
            "time": "24:00" if _at_midnight_after(today, local(change)) else hour_minute(change),
            "day": day_name(context, local(change).date()),
        }
    if change is None:
        return _t(context, "Closed now")
    when = local(change)
    values = {"time": hour_minute(when), "day": day_name(context, when.date())}
    if when.date() == today:
        return _t(context, "Closed now, opens today at %(time)s") % values
    if when.date() == today + timedelta(days=1):
        return _t(context, "Closed now, opens tomorrow at %(time)s") % values
    return _t(context, "Closed now, opens on %(day)s at %(time)s") % values


def _open_that_day(context: Any, day: date, stretches: list[tuple[datetime, datetime]]) -> str:
    """ "Open 09:00–12:00, 13:30–16:00" on a day chosen without a time; a night shelter's
    night on both ends of it ("Open 00:00–08:00, 20:00–24:00")."""
    if not stretches:
        return _t(context, "Closed that day")
    said = [f"{hour_minute(opens)}–{_closing(day, closes)}" for opens, closes in stretches]
    if said == ["00:00–24:00"]:
        return _t(context, "Open all day")
    return _t(context, "Open %(hours)s that day") % {"hours": ", ".join(said)}


def _closing(day: date, closes: datetime) -> str:
    """When a stretch of `day` ends: the midnight that ends the day is 24:00."""
    return "24:00" if _at_midnight_after(day, local(closes)) else hour_minute(closes)


def _at_midnight_after(day: date, moment: datetime) -> bool:
    """Whether the moment is the midnight that ends the day: it closes "at 24:00" that day."""
    return moment.date() == day + timedelta(days=1) and moment.time() == time(0)


def _open_until(day: date, closes: datetime, then: bool) -> str:
    """How to say until when it is open, from a moment of `day`: the day it closes when that is
    not the same one (a night shelter at 21:00 is open until tomorrow at 08:00, not "until
    08:00"; a line open around the clock until Friday, until Friday)."""
    if closes.date() == day or _at_midnight_after(day, closes):
        return N_("Open then, until %(time)s") if then else N_("Open now until %(time)s")
    if closes.date() == day + timedelta(days=1):
        if then:
            return N_("Open then, until the next day at %(time)s")
        return N_("Open now until tomorrow at %(time)s")
    return (
        N_("Open then, until %(day)s at %(time)s")
        if then
        else N_("Open now until %(day)s at %(time)s")
    )


@pass_context
def label_of(context: Any, record: Any) -> str:
    """A theme's label (label_fr, label_nl, label_en) in the page's language."""
    language = i18n.current_language(context)
    value = record.get(f"label_{language}") if isinstance(record, dict) else None
    if value is None and not isinstance(record, dict):
        value = getattr(record, f"label_{language}", None)
    return str(value or "")


@pass_context
def kilometres(context: Any, value: float) -> str:
    """A distance to one decimal as the page's language writes it: 1,5 in French and Dutch,
    1.5 in English."""
    return one_decimal(context, value)


@pass_context
def one_decimal(context: Any, value: float) -> str:
    """A number to one decimal as the page's language writes it: 2,5 in French and Dutch,
    2.5 in English."""
    text = f"{value:.1f}"
    return text if i18n.current_language(context) == "en" else text.replace(".", ",")


_LINKABLE = re.compile(
    r"(?P<url>\bhttps?://\w[^\s<>\"'\x00-\x1f\x7f]*)"
    r"|(?P<www>\bwww\.[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s<>\"'\x00-\x1f\x7f]*)"
    r"|(?P<email>\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b)",
    re.IGNORECASE,
)
"""A web address (http or https, or one that begins with www.) or an e-mail address in a
text; nothing else becomes a link (no javascript: or data: address can)."""
_AFTER_ADDRESS = ".,;:!?)]}»"


def _address_and_after(found: str) -> tuple[str, str]:
    """A web address found in a sentence, without the punctuation that ends the sentence
    ("see https://example.be/aide." links to /aide); a closing bracket is the address's when
    it opened one (a Wikipedia page's)."""
    end = len(found)
    while end and found[end - 1] in _AFTER_ADDRESS:
        if found[end - 1] == ")" and found[:end].count("(") >= found[:end].count(")"):
            break
        end -= 1
    return found[:end], found[end:]


def linked(text: str | None) -> Markup:
    """Text written by an organisation with its web and e-mail addresses as links, the rest
    escaped: each link shows the address as written, goes only to http, https or mailto, and
    tells search engines nothing about the site (`nofollow`)."""
    if not text:
        return Markup("")
    parts: list[Markup] = []
    position = 0
    for found in _LINKABLE.finditer(text):
        if found["email"]:
            shown, after, href = found["email"], "", f"mailto:{found['email']}"
        else:
            shown, after = _address_and_after(found[0])
            href = shown if found["url"] else f"https://{shown}"
        parts += [
            escape(text[position : found.start()]),
            Markup('<a href="{}" rel="nofollow noopener">{}</a>').format(href, shown),
            escape(after),
        ]
        position = found.end()
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


API_FIELD_LABELS = {
    "places": N_("Places and opening hours"),
    "organisation_id": N_("Organisation"),
    "service_id": N_("Service"),
    "place_id": N_("Place"),
    "from_organisation_id": N_("Sent by"),
    "themes": N_("Themes"),
}
"""Fields of the API that a form may not show, named in the list of problems above it."""


def configure(engine: JinjaTemplateEngine) -> None:
    """Install translations; replace Litestar's CSRF helpers by ours (see accounts.csrf)."""
    env = engine.engine
    i18n.install(env)
    env.globals["csrf_token"] = _csrf_token
    env.globals["csrf_field"] = _csrf_field
    env.globals["signed_in"] = _signed_in
    env.globals["opening_text"] = opening_text
    env.globals["API_FIELD_LABELS"] = API_FIELD_LABELS
    env.globals["CAPACITY"] = CAPACITY
    env.globals["SITUATIONS"] = SITUATIONS
    env.globals["STATUS"] = STATUS
    env.globals["EVENTS"] = EVENTS
    env.globals["DONE"] = DONE
    env.globals["DECLINE_REASONS"] = DECLINE_REASONS
    env.globals["OUTCOMES"] = OUTCOMES
    env.globals["CONTACTS"] = CONTACTS
    env.globals["CONTACTS_READ"] = CONTACTS_READ
    env.globals["SPOKEN"] = SPOKEN_LANGUAGES
    env.globals["WRITTEN_IN"] = WRITTEN_IN
    env.globals["WHEELCHAIR"] = WHEELCHAIR
    env.globals["label_of"] = label_of
    env.globals["day_name"] = day_name
    env.filters["day_in_words"] = day_in_words
    env.filters["hour_minute"] = hour_minute
    env.filters["day_month_year"] = day_month_year
    env.filters["phone"] = phone_national
    env.filters["kilometres"] = kilometres
    env.filters["one_decimal"] = one_decimal
    env.filters["linked"] = linked


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Templates from `templates/`, named by audience: `workspace/login.html`…"""
    return TemplateConfig(
        directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=configure
    )
