"""The printable slip the person takes along: where to go, when, what to bring, the reference.

It names the service and the reference code, never the person, so a lost slip tells a
finder nothing about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import asyncpg
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.catalogue import services
from service.catalogue.validation import phone_national
from service.errors import NotFound
from service.hours import local
from service.hours.week import open_days, read_week
from service.i18n import N_, translate

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "referrals"
LANGUAGES = ("fr", "nl", "en")
# How far ahead the slip lists the next openings, and how many.
LOOKAHEAD = timedelta(days=21)
NEXT_OPENINGS = 6

PAGES = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",)),
    undefined=StrictUndefined,
    auto_reload=False,
)
PAGES.filters["phone"] = phone_national

PRINTABLE = frozenset({"sent", "accepted"})
"""The statuses in which the person may still go: a slip of any other sends them to a service
that said no, or no longer expects them."""

# English message ids, translated by the UI catalogue (service/i18n.py).
LABELS_EN: dict[str, str] = {
    "not_valid": N_(
        "This referral is no longer valid: there is no slip to print. See the referral for"
        " where the person can go now."
    ),
    "title": N_("Referral"),
    "intro": N_("You are referred to this service. Show this paper at the reception."),
    "reference": N_("Reference"),
    "where": N_("Where"),
    "map": N_("See on the map"),
    "when": N_("Next openings"),
    "hours": N_("Usual hours"),
    "no_hours": N_("Hours not known: call before you go."),
    "bring": N_("Documents to bring"),
    "how": N_("How to get there"),
    "contact": N_("Contact"),
    "sent_by": N_("Referred by"),
    "date": N_("Date"),
    "print": N_("Print"),
    "closed": N_("The service is closed for now: call it before you go."),
    "appointment": N_("By appointment."),
    "walk_in": N_("No appointment needed."),
}


def labels(language: str) -> dict[str, str]:
    """The page's labels in `language`."""
    return {key: translate(english, language) for key, english in LABELS_EN.items()}


_DAYS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "nl": ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}


@dataclass(frozen=True)
class SlipPlace:
    name: str
    address: str
    map_url: str
    openings: list[str]
    usual_hours: str | None
    """The regular week in words, when the hours are a plain week."""
    notes: list[str]


def usual_hours(expression: str | None, language: str) -> str | None:
    """The regular week in words ("lundi–vendredi 09:00–12:00 · samedi 10:00–12:00"), for
    people who do not read the OpenStreetMap syntax; None when it is more than a plain week
    (the next openings, listed above it, say it then)."""
    week = read_week(expression)
    if week is None or week.empty:
        return None
    names = _DAYS[language]
    parts = [
        f"{names[first] if last == first else f'{names[first]}–{names[last]}'} "
        + ", ".join(f"{start}–{end}" for start, end in ranges)
        for first, last, ranges in open_days(week)
    ]
    if week.holidays_closed:
        parts.append(translate("Closed on public holidays", language).lower())
    return " · ".join(parts)


def map_url(latitude: float | None, longitude: float | None, address: str) -> str:
    """An OpenStreetMap link: the exact point when known, else a search for the address."""
    if latitude is not None and longitude is not None:
        return (
            f"https://www.openstreetmap.org/?mlat={latitude:.6f}&mlon={longitude:.6f}"
            f"#map=18/{latitude:.6f}/{longitude:.6f}"
        )
    return f"https://www.openstreetmap.org/search?query={quote_plus(address)}"


def format_opening(start: datetime, end: datetime, language: str) -> str:
    """`lundi 28/09 09:00–11:00`, in Brussels time."""
    start, end = local(start), local(end)
    day = _DAYS[language][start.weekday()]
    if end.date() != start.date() and not (end.hour == 0 and end.minute == 0):
        return f"{day} {start:%d/%m %H:%M} – {end:%d/%m %H:%M}"
    return f"{day} {start:%d/%m %H:%M}–{end:%H:%M}".replace("–00:00", "–24:00")


def choose_language(requested: str | None, spoken: list[str]) -> str:
    """The requested language, else the first language the person speaks among ours, else fr."""
    if requested in LANGUAGES:
        assert requested is not None
        return requested
    return next((lang for lang in spoken if lang in LANGUAGES), "fr")


async def render_slip(
    conn: asyncpg.Connection, referral: dict[str, Any], language: str, now: datetime
) -> str:
    """The slip as an HTML page, ready to print; for a referral no longer valid (`PRINTABLE`),
    a page that says so and no more."""
    if referral["status"] not in PRINTABLE:
        return PAGES.get_template("slip.html").render(
            lang=language,
            t=labels(language),
            valid=False,
            reference=referral["reference"],
            service_name=referral["service_name"],
        )
    places: list[SlipPlace] = []
    documents: list[str] = []
    how_to_access = ""
    phones: list[str] = []
    appointment = walk_in = closed = False
    if referral["service_id"] is not None:
        try:
            service = await services.get(conn, referral["service_id"])
        except NotFound:
            service = None
        if service is not None:
            documents = list(service.documents)
            how_to_access = service.how_to_access
            phones = [p.number for p in service.phones]
            appointment, walk_in = service.appointment_required, service.walk_in
            closed = service.status != "active"
            coordinates = {
                r["id"]: (r["latitude"], r["longitude"])
                for r in await conn.fetch(
                    "SELECT id, latitude, longitude FROM place WHERE id = ANY($1::uuid[])",
                    [p.place_id for p in service.places],
                )
            }
            for place in service.places:
                if referral["place_id"] is not None and place.place_id != referral["place_id"]:
                    continue
                hours = services.hours_of(place)
                openings = (
                    [
                        format_opening(start, end, language)
                        for start, end in _first(hours.open_intervals(now, now + LOOKAHEAD))
                    ]
                    if hours.known and service.status == "active"
                    else []
                )
                notes = [e.message for e in place.exceptions if e.ends_on >= local(now).date()]
                latitude, longitude = coordinates.get(place.place_id, (None, None))
                places.append(
                    SlipPlace(
                        name=place.place_name,
                        address=place.address,
                        map_url=map_url(latitude, longitude, place.address),
                        openings=openings,
                        usual_hours=usual_hours(place.opening_hours, language),
                        notes=[n for n in [place.hours_note, *notes] if n],
                    )
                )
    return PAGES.get_template("slip.html").render(
        lang=language,
        t=labels(language),
        valid=True,
        colon="\u202f:" if language == "fr" else ":",
        reference=referral["reference"],
        service_name=referral["service_name"],
        organisation=referral["to_organisation"]["name"],
        sent_by=referral["from_organisation"]["name"],
        date=local(referral["created_at"]).strftime("%d/%m/%Y"),
        places=places,
        documents=documents,
        how_to_access=how_to_access,
        phones=phones,
        appointment=appointment,
        walk_in=walk_in,
        closed=closed,
    )


def _first(intervals: Any) -> list[tuple[datetime, datetime]]:
    found = []
    for interval in intervals:
        found.append(interval)
        if len(found) >= NEXT_OPENINGS:
            break
    return found
