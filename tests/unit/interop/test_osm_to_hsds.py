"""OpenStreetMap opening_hours → HSDS schedules: Boussole's grammar parsed exactly, anything
else kept only when faithful, and the importer rebuilds the same hours."""

from __future__ import annotations

from datetime import date

import pytest

from service.interop.hsds_schedules import OSM_NOTE, convert
from service.interop.osm_to_hsds import parse, same_hours, to_schedules

TODAY = date(2026, 11, 22)
MONTHS = "Jan 15,Feb 15,Mar 15,Apr 15,May 15,Jun 15,Jul 15,Aug 15,Sep 15,Oct 15,Nov 15,Dec 15"


def _times(schedules: list[dict]) -> list[tuple]:
    return [
        (s.get("freq"), s.get("byday") or s.get("bymonthday"), s["opens_at"], s["closes_at"])
        for s in schedules
        if "opens_at" in s  # not the expression, beside them when it reads otherwise
    ]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Mo,Tu 09:00-12:00", [("WEEKLY", "MO,TU", "09:00", "12:00")]),
        ("We[1] 14:00-16:00", [("MONTHLY", "1WE", "14:00", "16:00")]),
        ("Fr[-1] 10:00-12:00", [("MONTHLY", "-1FR", "10:00", "12:00")]),
        ("Mo-Su 20:00-08:00", [("WEEKLY", "MO,TU,WE,TH,FR,SA,SU", "20:00", "08:00")]),
        (f"{MONTHS} 10:00-12:00", [("MONTHLY", "15", "10:00", "12:00")]),
        ("Sa 18:00-24:00", [("WEEKLY", "SA", "18:00", "24:00")]),
        (
            "Mo-Fr 09:00-12:00,13:30-16:00",
            [("WEEKLY", "MO,TU,WE,TH,FR", "09:00", "12:00"),
             ("WEEKLY", "MO,TU,WE,TH,FR", "13:30", "16:00")],
        ),
        (
            "Mo,Tu 09:00-12:00, We[1] 14:00-16:00",
            [("WEEKLY", "MO,TU", "09:00", "12:00"), ("MONTHLY", "1WE", "14:00", "16:00")],
        ),
    ],
)  # fmt: skip
def test_the_grammar_becomes_one_schedule_per_time_range(
    expression: str, expected: list[tuple]
) -> None:
    converted = to_schedules(expression, [], today=TODAY)
    assert converted.faithful and converted.public_holidays is None
    assert _times(converted.schedules) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "Mo,Tu 09:00-12:00; PH off",
        "We[1] 14:00-16:00, Fr[-1] 10:00-12:00",
        "Mo,Tu,We,Th,Fr,Sa,Su 20:00-08:00",
        "week 02-53/2 Tu 10:00-12:00",
        f"{MONTHS} 10:00-12:00",
        "Mo 09:00-12:00, Mo 14:00-16:00; PH off",
    ],
)
def test_the_importer_rebuilds_its_own_expressions_exactly(expression: str) -> None:
    converted = to_schedules(expression, [], today=TODAY)
    back = convert(converted.schedules, today=TODAY, public_holidays=converted.public_holidays)
    assert back.opening_hours == expression and back.exceptions == []


@pytest.mark.parametrize(
    "expression",
    [
        "Mo-Fr 09:00-17:00; Jul,Aug off",
        "week 1-53/2 Mo 09:00-12:00",
        "Mo-Fr 08:00-12:00; PH 10:00-12:00",
        "Mo[1] 09:00-12:00",
        "Mo-Fr 09:00-12:00; Dec 24-31 off",
        'Mo 10:00-12:00 "sur rendez-vous"',
        'Mo-Fr 09:00-12:00 || "sur rendez-vous"',
        "Mo-Fr 09:00-12:00,13:30-16:00; PH off",
        "24/7",
    ],
)
def test_any_expression_comes_back_as_written(expression: str) -> None:
    """Weekly schedules may give the same open times in another form, or only part of them;
    the expression travels beside them and the importer takes it as written."""
    exceptions = [
        {"starts_on": date(2027, 7, 1), "ends_on": date(2027, 7, 31),
         "opening_hours": "Mo-Fr 10:00-12:00", "message": "Horaire d'été"},
        {"starts_on": date(2027, 8, 2), "ends_on": date(2027, 8, 6),
         "opening_hours": "Mo-Fr 10:00-12:00; PH 11:00-12:00", "message": "Semaine réduite"},
        {"starts_on": date(2027, 12, 24), "ends_on": date(2027, 12, 31), "opening_hours": None,
         "message": "Congé d'hiver"},
    ]  # fmt: skip
    converted = to_schedules(expression, exceptions, today=TODAY)
    back = convert(converted.schedules, today=TODAY, public_holidays=converted.public_holidays)
    assert back.opening_hours == expression
    assert back.exceptions == exceptions
    assert back.ignored == []


def test_fortnightly_rule_has_interval_and_start() -> None:
    (schedule,) = to_schedules("week 02-53/2 Tu 10:00-12:00", [], today=TODAY).schedules
    assert schedule["interval"] == 2
    assert date.fromisoformat(schedule["dtstart"]).isocalendar().week == 2


def test_public_holidays_off_is_kept_apart() -> None:
    converted = to_schedules("Mo-Fr 09:00-12:00; PH off", [], today=TODAY)
    assert converted.public_holidays == "closed"


def test_outside_the_grammar() -> None:
    assert parse("Mo-Fr 08:00-18:00; Sa 10:00-12:00") is None
    assert parse('Mo 10:00-12:00 || "sur rendez-vous"') is None
    assert parse("week 05-20 Mo 10:00-12:00") is None


def test_other_expressions_become_weekly_schedules_when_faithful() -> None:
    expression = "Mo-Fr 08:00-18:00; Sa 10:00-12:00"
    converted = to_schedules(expression, [], today=TODAY)
    assert converted.faithful
    back = convert(converted.schedules, today=TODAY, public_holidays=converted.public_holidays)
    assert same_hours(back.opening_hours, expression, TODAY, date(2027, 12, 31))


def test_other_expressions_travel_as_a_description_when_not_weekly() -> None:
    expression = "Jan-Mar Mo 10:00-12:00"
    converted = to_schedules(expression, [], today=TODAY)
    assert not converted.faithful
    assert converted.schedules == [{"description": expression, "notes": OSM_NOTE}]


def test_closures_and_extra_hours_add_to_the_regular_ones() -> None:
    regular = "Mo,Tu 09:00-12:00; PH off"
    exceptions = [
        {"starts_on": date(2026, 12, 1), "ends_on": date(2027, 3, 31),
         "opening_hours": "Mo,Tu 09:00-12:00, Mo-Su 20:00-08:00; PH off",
         "message": "Plan grand froid"},
        {"starts_on": date(2026, 12, 24), "ends_on": date(2027, 1, 2), "opening_hours": None,
         "message": "Congé d'hiver"},
    ]  # fmt: skip
    converted = to_schedules(regular, exceptions, today=TODAY)
    periods = [s for s in converted.schedules if "valid_from" in s]
    closure = next(s for s in periods if "opens_at" not in s and "notes" not in s)
    assert closure["description"] == "Congé d'hiver"
    extra = [s for s in periods if "opens_at" in s]
    assert _times(extra) == [("WEEKLY", "MO,TU,WE,TH,FR,SA,SU", "20:00", "08:00")]
    back = convert(converted.schedules, today=TODAY, public_holidays=converted.public_holidays)
    assert back.opening_hours == regular
    assert sorted(e["message"] for e in back.exceptions) == ["Congé d'hiver", "Plan grand froid"]


def test_replacement_hours_are_a_closure_plus_the_new_hours() -> None:
    exceptions = [
        {"starts_on": date(2027, 7, 1), "ends_on": date(2027, 7, 31),
         "opening_hours": "Mo,Tu,We,Th,Fr 10:00-12:00", "message": "Horaire d'été"},
    ]  # fmt: skip
    converted = to_schedules("Mo-Fr 09:00-12:00,13:30-16:00", exceptions, today=TODAY)
    back = convert(converted.schedules, today=TODAY)
    assert back.exceptions == [
        {
            "starts_on": date(2027, 7, 1),
            "ends_on": date(2027, 7, 31),
            "opening_hours": "Mo,Tu,We,Th,Fr 10:00-12:00",
            "message": "Horaire d'été",
        }
    ]


def test_ids_come_from_the_owner() -> None:
    converted = to_schedules("Mo 09:00-12:00", [], today=TODAY, new_id=lambda p: f"x-{p}")
    assert converted.schedules[0]["id"] == "x-schedule:0"
