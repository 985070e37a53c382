"""HSDS schedules become OpenStreetMap expressions and dated exceptions."""

from __future__ import annotations

from datetime import date

import pytest

from service.interop.hsds_schedules import OSM_NOTE, ScheduleError, convert, rule_of

TODAY = date(2026, 11, 22)


def test_weekly_monthly_and_overnight_rules() -> None:
    assert rule_of({"freq": "WEEKLY", "byday": "MO,TU", "opens_at": "09:00:00",
                    "closes_at": "12:00:00"}) == "Mo,Tu 09:00-12:00"  # fmt: skip
    assert rule_of({"freq": "MONTHLY", "byday": "1WE", "opens_at": "14:00",
                    "closes_at": "16:00"}) == "We[1] 14:00-16:00"  # fmt: skip
    assert rule_of({"freq": "MONTHLY", "byday": "-1FR", "opens_at": "10:00",
                    "closes_at": "12:00"}) == "Fr[-1] 10:00-12:00"  # fmt: skip
    assert rule_of({"opens_at": "20:00", "closes_at": "08:00"}) == "Mo-Su 20:00-08:00"
    assert rule_of({"byday": "SA", "opens_at": "18:00", "closes_at": "00:00"}) == "Sa 18:00-24:00"
    assert rule_of({"description": "no times"}) is None


def test_fortnightly_rule_follows_its_start() -> None:
    rule = rule_of({"freq": "WEEKLY", "interval": 2, "dtstart": "2026-01-06", "byday": "TU",
                    "opens_at": "10:00", "closes_at": "12:00"})  # fmt: skip
    assert rule == "week 02-53/2 Tu 10:00-12:00"


def test_rules_add_up_and_periods_become_exceptions() -> None:
    hours = convert(
        [
            {"id": "a", "byday": "MO", "opens_at": "09:00", "closes_at": "12:00"},
            {"id": "b", "byday": "MO", "opens_at": "14:00", "closes_at": "16:00"},
            {
                "id": "c",
                "opens_at": "20:00",
                "closes_at": "08:00",
                "valid_from": "2026-11-15",
                "valid_to": "2027-03-31",
                "description": "Plan grand froid",
            },
            {
                "id": "d",
                "valid_from": "2027-07-20",
                "valid_to": "2027-08-15",
                "description": "Fermeture estivale",
            },
        ],
        today=TODAY,
        public_holidays="closed",
    )
    assert hours.opening_hours == "Mo 09:00-12:00, Mo 14:00-16:00; PH off"
    assert hours.exceptions == [
        {
            "starts_on": date(2026, 11, 15),
            "ends_on": date(2027, 3, 31),
            "opening_hours": "Mo 09:00-12:00, Mo 14:00-16:00, Mo-Su 20:00-08:00; PH off",
            "message": "Plan grand froid",
        },
        {
            "starts_on": date(2027, 7, 20),
            "ends_on": date(2027, 8, 15),
            "opening_hours": None,
            "message": "Fermeture estivale",
        },
    ]


def test_a_period_without_end_lasts_to_the_last_year_hours_are_kept_for() -> None:
    """'Until 9999-12-31', as feeds write a closure without end, ends with 2099; a start
    before 2000 starts with it (date arithmetic at the calendar's ends overflows)."""
    closure = {"id": "c", "valid_from": "1999-06-01", "valid_to": "9999-12-31"}
    hours = convert([{"id": "a", "byday": "MO", "opens_at": "09:00", "closes_at": "12:00"},
                     {**closure, "description": "Fermé"}], today=TODAY)  # fmt: skip
    assert [(e["starts_on"], e["ends_on"]) for e in hours.exceptions] == [
        (date(2000, 1, 1), date(2099, 12, 31))
    ]


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({"id": "x", "opens_at": "9h", "closes_at": "12:00"}, "opens_at '9h' is not a time"),
        ({"id": "x", "byday": "XX", "opens_at": "09:00", "closes_at": "12:00"}, "not a weekday"),
        ({"id": "x", "opens_at": "09:00", "closes_at": "09:00"}, "are equal"),
        ({"id": "x", "interval": 2, "opens_at": "09:00", "closes_at": "10:00"}, "needs dtstart"),
        ({"id": "x", "valid_from": "2027-01-02", "valid_to": "2027-01-01"}, "before valid_from"),
        ({"id": "x", "valid_from": "2150-01-01"}, "outside the years 2000 to 2099"),
        ({"id": "x", "valid_from": "1990-01-01", "valid_to": "1990-12-31"}, "outside the years"),
    ],
)
def test_what_cannot_be_expressed_is_an_error(schedule: dict[str, str], message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        convert([schedule], today=TODAY)


def test_an_openstreetmap_expression_is_the_hours_as_written() -> None:
    """Boussole's export carries hours schedules cannot give exactly as an expression; the
    timed schedules beside it are its rendering for other readers and are not added to it."""
    note = {"notes": OSM_NOTE}
    hours = convert(
        [
            {"id": "a", "byday": "MO,TU,WE,TH,FR", "opens_at": "09:00", "closes_at": "17:00"},
            {"id": "b", "description": "Mo-Fr 09:00-17:00; Jul,Aug off", **note},
            {"id": "c", "valid_from": "2027-01-04", "valid_to": "2027-01-08",
             "description": "Mo[1] 10:00-12:00", "notes": f"{OSM_NOTE} — Horaire d'hiver"},
        ],
        today=TODAY,
        public_holidays="closed",
    )  # fmt: skip
    assert hours.opening_hours == "Mo-Fr 09:00-17:00; Jul,Aug off"
    assert hours.exceptions == [
        {
            "starts_on": date(2027, 1, 4),
            "ends_on": date(2027, 1, 8),
            "opening_hours": "Mo[1] 10:00-12:00",
            "message": "Horaire d'hiver",
        }
    ]
    assert hours.ignored == []
    with pytest.raises(ScheduleError, match="not an OpenStreetMap opening_hours expression"):
        convert([{"id": "x", "description": "Mo-Fr 9h à 17h", **note}], today=TODAY)


def test_schedules_that_say_nothing_computable_are_reported() -> None:
    hours = convert([{"id": "x", "description": "Mo-Fr 09:00-17:00"}], today=TODAY)
    assert hours.opening_hours is None and hours.ignored == ["x"]
