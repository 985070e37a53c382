"""What a page says of a service's opening: the day it closes, when that is not today."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from babel.dates import format_date

from schemas.search import OpenInfo
from service.catalogue.services import open_state
from service.hours import TZ, DatedException, Hours
from service.web.templating import opening_text

MONDAY_NINE_PM = datetime(2026, 12, 7, 21, 0, tzinfo=TZ)


def said(language: str, closes: datetime | None, then: bool = False) -> str:
    """The line as a page in that language writes it (its template's context has `language`)."""
    state = OpenInfo(now=True, at=MONDAY_NINE_PM, next_change=closes)
    return str(opening_text({"language": language}, state, then=then))


@pytest.mark.parametrize(
    ("language", "closes", "then", "expected"),
    [
        ("fr", datetime(2026, 12, 7, 22, 30, tzinfo=TZ), False, "Ouvert maintenant jusqu'à 22:30"),
        # A night shelter at 21:00: it closes tomorrow morning, not at 08:00 tonight.
        (
            "fr",
            datetime(2026, 12, 8, 8, 0, tzinfo=TZ),
            False,
            "Ouvert maintenant jusqu'à demain à 08:00",
        ),
        ("nl", datetime(2026, 12, 8, 8, 0, tzinfo=TZ), False, "Nu open tot morgen om 08:00"),
        ("en", datetime(2026, 12, 8, 8, 0, tzinfo=TZ), False, "Open now until tomorrow at 08:00"),
        # Open until midnight closes today, as the week's table says it (24:00).
        ("fr", datetime(2026, 12, 8, 0, 0, tzinfo=TZ), False, "Ouvert maintenant jusqu'à 24:00"),
        # Open around the clock until Friday evening: not "until 18:00".
        (
            "nl",
            datetime(2026, 12, 11, 18, 0, tzinfo=TZ),
            False,
            "Nu open tot vrijdag 11/12 om 18:00",
        ),
        (
            "fr",
            datetime(2026, 12, 11, 18, 0, tzinfo=TZ),
            False,
            "Ouvert maintenant jusqu'au vendredi 11/12 à 18:00",
        ),
        # At a moment the person chose: the day after that moment.
        (
            "fr",
            datetime(2026, 12, 8, 8, 0, tzinfo=TZ),
            True,
            "Ouvert à ce moment-là, jusqu'au lendemain à 08:00",
        ),
        (
            "nl",
            datetime(2026, 12, 8, 8, 0, tzinfo=TZ),
            True,
            "Open op dat moment, tot de volgende dag om 08:00",
        ),
        (
            "en",
            datetime(2026, 12, 11, 18, 0, tzinfo=TZ),
            True,
            "Open then, until Friday 11/12 at 18:00",
        ),
        (
            "fr",
            datetime(2026, 12, 7, 23, 0, tzinfo=TZ),
            True,
            "Ouvert à ce moment-là, jusqu'à 23:00",
        ),
    ],
)
def test_open_until_says_the_day_when_it_is_not_today(
    language: str, closes: datetime, then: bool, expected: str
) -> None:
    assert said(language, closes, then) == expected


SATURDAY = date(2026, 12, 12)


def _at(hour: int, minute: int = 0, day: int = 12) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("language", "stretches", "expected"),
    [
        (
            "en",
            [(_at(9), _at(12)), (_at(13, 30), _at(16))],
            "Open 09:00–12:00, 13:30–16:00 that day",
        ),
        # A night shelter: the night that ends in the morning, and the one that begins.
        (
            "fr",
            [(_at(0), _at(8)), (_at(20), _at(0, day=13))],
            "Ouvert 00:00–08:00, 20:00–24:00 ce jour-là",
        ),
        ("nl", [(_at(0), _at(0, day=13))], "De hele dag open"),
        ("en", [], "Closed that day"),
    ],
)
def test_a_day_chosen_without_a_time_says_when_it_is_open_that_day(
    language: str, stretches: list[tuple[datetime, datetime]], expected: str
) -> None:
    state = OpenInfo(now=False, at=_at(0), next_change=None, intervals=stretches)
    assert opening_text({"language": language}, state, day=SATURDAY) == expected


TODAY = datetime.now(TZ).date()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Temporairement fermé, réouverture le {day}"),
        ("nl", "Tijdelijk gesloten, weer open op {day}"),
        ("en", "Temporarily closed, reopens on {day}"),
    ],
)
def test_a_service_closed_for_now_says_the_day_it_reopens(language: str, expected: str) -> None:
    """The day in words, as a sentence says it ("lundi 12 janvier"), with its year only when
    that is not this year's."""
    locale = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}[language]
    for reopens_on in (TODAY + timedelta(days=1), date(TODAY.year + 1, 1, 11)):
        state = OpenInfo(
            now=False, at=MONDAY_NINE_PM, next_change=None, message="", reopens_on=reopens_on
        )
        day = format_date(reopens_on, "EEEE d MMMM", locale=locale)
        if reopens_on.year != TODAY.year:
            day += f" {reopens_on.year}"
        line = opening_text({"language": language}, state, status="temporarily_closed")
        assert line == expected.format(day=day)
    closed = OpenInfo(now=False, at=MONDAY_NINE_PM, next_change=None)
    assert opening_text({"language": "en"}, closed, status="temporarily_closed") == (
        "Temporarily closed"
    )


def test_a_service_closed_for_now_says_why_and_until_when_from_its_closure() -> None:
    """The status says it is closed; the dated closure in force says why, and its first
    opening after it is the day it reopens (a Monday, after a closure ending on a Friday)."""
    friday = TODAY + timedelta(days=(4 - TODAY.weekday()) % 7 + 7)
    works = DatedException(TODAY - timedelta(days=3), friday, None, "Fermé pour travaux")
    now = datetime.combine(TODAY, time(10, 0), tzinfo=TZ)
    state = open_state("temporarily_closed", Hours("Mo-Fr 09:00-12:00", [works]), now)
    assert state is not None and not state.now and state.next_change is None
    assert state.message == "Fermé pour travaux"
    assert state.reopens_on == friday + timedelta(days=3)
    # Without hours, the day after the closure; without a closure in force, nothing.
    unknown = open_state("temporarily_closed", Hours(None, [works]), now)
    assert unknown is not None and unknown.reopens_on == friday + timedelta(days=1)
    ended = DatedException(TODAY - timedelta(days=9), TODAY - timedelta(days=1), None, "Fini")
    past = open_state("temporarily_closed", Hours("Mo-Fr 09:00-12:00", [ended]), now)
    assert past is not None and past.message == "" and past.reopens_on is None
    # An active service under the same closure says when it opens, as before.
    active = open_state("active", Hours("Mo-Fr 09:00-12:00", [works]), now)
    assert active is not None and active.reopens_on is None
    assert active.next_change == datetime.combine(friday + timedelta(days=3), time(9), tzinfo=TZ)
