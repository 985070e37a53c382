"""What a page says of a service's opening: the day it closes, when that is not today."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from schemas.search import OpenInfo
from service.hours import TZ
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
