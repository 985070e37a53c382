"""The week of opening hours on a service page: each opening under the day it starts."""

from __future__ import annotations

from datetime import date, datetime

from service.hours import TZ
from service.web.public import coming_days

MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)


def _place(opening_hours: str | None, exceptions: list[dict[str, object]] | None = None) -> dict:
    return {"opening_hours": opening_hours, "exceptions": exceptions or []}


def test_an_overnight_shelter_opens_in_the_evening_and_closes_the_next_day() -> None:
    week = coming_days(_place("Mo-Su 20:00-08:00"), MONDAY)
    assert week is not None and len(week) == 7
    monday = week[0]
    assert [(o.hour, c.hour, c.date()) for o, c in monday.intervals] == [
        (20, 8, date(2026, 11, 24))
    ]
    assert not monday.all_day


def test_open_around_the_clock() -> None:
    week = coming_days(_place("24/7"), MONDAY)
    assert week is not None
    assert all(day.all_day and not day.intervals for day in week)


def test_office_hours_holidays_and_closures() -> None:
    place = _place(
        "Mo-Fr 09:00-12:00,13:30-16:00; PH off",
        [{"starts_on": "2026-11-26", "ends_on": "2026-11-26", "message": "Formation"}],
    )
    week = coming_days(place, MONDAY)
    assert week is not None
    assert [(o.strftime("%H:%M"), c.strftime("%H:%M")) for o, c in week[0].intervals] == [
        ("09:00", "12:00"),
        ("13:30", "16:00"),
    ]
    thursday = week[3]
    assert thursday.intervals == [] and thursday.closed_by_exception
    assert thursday.message == "Formation"
    assert week[5].intervals == [] and week[6].intervals == []  # the weekend
    assert coming_days(_place(None), MONDAY) is None
