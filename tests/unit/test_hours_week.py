"""Regular hours as a plain week: what is recognised, what is written, and that it means the
same to the catalogue's own evaluation."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from service.hours import TZ, Hours
from service.hours.week import (
    DAYS,
    SLOTS,
    Week,
    read_week,
    read_week_partly,
    valid_day,
    week_text,
)

CLOSED = ((),) * 7


def week(*days: tuple[tuple[str, str], ...], holidays_closed: bool = False) -> Week:
    return Week(days=tuple(days), holidays_closed=holidays_closed)


def test_a_common_week_is_read_day_by_day() -> None:
    read = read_week("Mo-Fr 09:00-12:00,13:30-16:00; Sa 09:00-12:00; PH off")
    office = (("09:00", "12:00"), ("13:30", "16:00"))
    assert read == week(*[office] * 5, (("09:00", "12:00"),), (), holidays_closed=True)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("Mo,We,Fr 10:00-12:00", ["10:00-12:00", "", "10:00-12:00", "", "10:00-12:00", "", ""]),
        ("Mo-Fr 08:30-12:00, 13:00-16:30; Sa off", ["08:30-12:00,13:00-16:30"] * 5 + ["", ""]),
        ("Su 20:00-24:00", ["", "", "", "", "", "", "20:00-24:00"]),
        ("Tu 09:00-11:00;", ["", "09:00-11:00", "", "", "", "", ""]),
        (
            "Tu,Th 09:00-12:00, Fr 13:00-16:30",
            ["", "09:00-12:00", "", "09:00-12:00", "13:00-16:30", "", ""],
        ),
        ("Mo 09:00-12:00, Sa 10:00-11:00", ["09:00-12:00", "", "", "", "", "10:00-11:00", ""]),
        ("Mo-Su 19:30-08:30", ["19:30-08:30"] * 7),  # a night shelter: until the next morning
        ("Fr 20:00-08:00, Sa 10:00-12:00", ["", "", "", "", "20:00-08:00", "10:00-12:00", ""]),
        (
            "Mo-Fr 08:30-12:30, Mo,Tu,Th 13:00-16:00",
            ["08:30-12:30,13:00-16:00"] * 2
            + ["08:30-12:30", "08:30-12:30,13:00-16:00"]
            + ["08:30-12:30", "", ""],
        ),
        ("We 13:00-16:00, We 09:00-11:30", ["", "", "09:00-11:30,13:00-16:00", "", "", "", ""]),
    ],
)
def test_variants_of_the_plain_week(expression: str, expected: list[str]) -> None:
    read = read_week(expression)
    assert read is not None
    assert [",".join(f"{a}-{b}" for a, b in day) for day in read.days] == expected


def test_no_hours_is_an_empty_week_that_writes_back_as_no_hours() -> None:
    for nothing in (None, "", "  "):
        assert read_week(nothing) == Week(days=CLOSED)
    assert Week(days=CLOSED).empty and week_text(Week(days=CLOSED, holidays_closed=True)) == ""


@pytest.mark.parametrize(
    "expression",
    [
        "24/7",
        "Mo 20:00-08:00,21:00-22:00",  # an opening within the night's: overlapping
        "Fr 20:00-08:00; Sa 10:00-12:00",  # Saturday's rule closes the night's morning
        "Mo[1] 09:00-12:00",  # the first Monday of the month
        "Jan-Jun Mo 09:00-12:00",  # seasons
        "Sa-Mo 10:00-12:00",  # a range that wraps the week
        "Mo 09:00-12:00; Mo 14:00-16:00",  # a later rule overriding an earlier one
        "Mo 08:00-09:00,10:00-11:00,12:00-13:00",  # more ranges than the form has
        "PH off; Mo 09:00-12:00",
        "Mo 09:00-12:00,11:00-13:00",  # overlapping
        "Mo-Fr 09:00-12:00, Mo 10:00-13:00",  # an additional rule overlapping a range
        "Mo-Fr 09:00-12:00, We 13:00-14:00, We 15:00-16:00",  # more ranges than the form has
        "Mo-Fr 09:00-12:00, Tu off",
        "mo 09:00-12:00",
        "Mo 9:00-12:00",
    ],
)
def test_richer_expressions_are_left_as_they_are(expression: str) -> None:
    assert read_week(expression) is None


def test_consecutive_days_with_the_same_hours_are_grouped() -> None:
    morning = (("09:00", "12:00"),)
    assert week_text(week(*[morning] * 5, (), ())) == "Mo-Fr 09:00-12:00"
    assert (
        week_text(week(morning, morning, (), morning, (), (), morning, holidays_closed=True))
        == "Mo-Tu 09:00-12:00; Th 09:00-12:00; Su 09:00-12:00; PH off"
    )


def test_a_day_is_valid_when_its_ranges_are_in_order() -> None:
    assert valid_day((("09:00", "12:00"), ("12:00", "16:00")))
    assert not valid_day((("09:00", "12:00"), ("11:59", "16:00")))
    assert not valid_day((("24:00", "24:00"),))
    assert not valid_day((("08:00", "08:00"),))
    # The last opening of a day may close the next morning; an earlier one may not.
    assert valid_day((("19:30", "08:30"),)) and valid_day((("09:00", "12:00"), ("20:00", "07:00")))
    assert not valid_day((("20:00", "07:00"), ("09:00", "12:00")))
    assert not valid_day((("08:00", "09:00"),) * (SLOTS + 1))


def _random_day(rng: random.Random) -> tuple[tuple[str, str], ...]:
    """Up to SLOTS ranges in order; now and then the last one ends the next morning."""
    cuts = sorted(rng.sample(range(0, 24 * 4 + 1), 2 * rng.randint(0, SLOTS)))
    if cuts and rng.random() < 0.25 and cuts[-2] > 0:
        cuts[-1] = rng.randrange(0, cuts[-2])  # closes before it opens: the next morning
    times = [f"{c // 4:02d}:{c % 4 * 15:02d}" for c in cuts]
    return tuple(zip(times[::2], times[1::2], strict=True))


def _open_in(
    ranges: tuple[tuple[str, str], ...], before: tuple[tuple[str, str], ...], clock: str
) -> bool:
    """Whether a day with `ranges`, after a day with `before`, is open at `clock`."""
    today = any(start <= clock < end if start < end else clock >= start for start, end in ranges)
    spilled = bool(before) and before[-1][1] < before[-1][0] and clock < before[-1][1]
    return today or spilled


def test_a_written_week_is_read_back_and_means_the_same_hours() -> None:
    rng = random.Random(11)
    monday = datetime(2026, 3, 9, tzinfo=TZ)  # a week without public holidays
    christmas = datetime(2026, 12, 25, tzinfo=TZ)  # a Friday
    for _ in range(200):
        written = Week(
            days=tuple(_random_day(rng) for _ in DAYS), holidays_closed=rng.random() < 0.5
        )
        text = week_text(written)
        if written.empty:
            assert text == ""
            continue
        assert read_week(text) == written, text
        hours = Hours(text, [])
        for day, ranges in enumerate(written.days):
            for minute in range(0, 24 * 60, 15):
                moment = monday + timedelta(days=day, minutes=minute)
                clock = f"{minute // 60:02d}:{minute % 60:02d}"
                expected = _open_in(ranges, written.days[day - 1], clock)
                assert hours.is_open(moment) is expected, (text, moment)
        friday = written.days[4]
        if friday and written.holidays_closed:
            start = datetime.combine(christmas.date(), datetime.min.time(), tzinfo=TZ)
            opening = start + timedelta(hours=int(friday[0][0][:2]), minutes=int(friday[0][0][3:]))
            assert not hours.is_open(opening), text


def test_additional_rules_mean_the_same_hours_once_written_as_a_week() -> None:
    """Hours converted from HSDS schedules ("Mo-Fr 09:00-12:00, Tu,Th 13:30-16:00"), edited
    day by day and saved, open at the same minutes as before."""
    start = datetime(2026, 12, 21, tzinfo=TZ)  # Christmas and the days around it
    for original, expected in (
        (
            "Tu,Th 09:00-12:00, Fr 13:00-16:30; PH off",
            "Tu 09:00-12:00; Th 09:00-12:00; Fr 13:00-16:30; PH off",
        ),
        (
            "Mo,Tu,We,Th,Fr 09:00-12:00, Tu,Th 13:30-16:00; PH off",
            "Mo 09:00-12:00; Tu 09:00-12:00,13:30-16:00; We 09:00-12:00; "
            "Th 09:00-12:00,13:30-16:00; Fr 09:00-12:00; PH off",
        ),
        (
            "Mo-Fr 09:00-17:00, We 17:00-19:00",
            "Mo-Tu 09:00-17:00; We 09:00-17:00,17:00-19:00; Th-Fr 09:00-17:00",
        ),
    ):
        read = read_week(original)
        assert read is not None
        written = week_text(read)
        assert written == expected
        before, after = Hours(original, []), Hours(written, [])
        for quarter in range(0, 14 * 24 * 4):
            moment = start + timedelta(minutes=15 * quarter)
            assert before.is_open(moment) is after.is_open(moment), (original, moment)


def test_a_night_is_written_so_that_its_morning_stays_open() -> None:
    night = week((), (), (), (), (("20:00", "08:00"),), (("10:00", "12:00"),), ())
    text = week_text(night)
    assert text == "Fr 20:00-08:00, Sa 10:00-12:00"
    assert read_week(text) == night
    saturday = datetime(2026, 3, 14, tzinfo=TZ)
    assert Hours(text, []).is_open(saturday + timedelta(hours=7, minutes=59))
    assert not Hours(text, []).is_open(saturday + timedelta(hours=8))
    shelter = read_week("Mo-Su 19:30-08:30; PH off")
    assert shelter is not None and week_text(shelter) == "Mo-Su 19:30-08:30; PH off"


def test_what_a_week_cannot_show_is_named_and_the_rest_kept() -> None:
    week, left = read_week_partly("Mo[1] 09:00-12:00; Tu-Th 10:00-12:00; PH off")
    assert left == ("Mo[1] 09:00-12:00",)
    assert week.holidays_closed
    assert week.days[1:4] == ((("10:00", "12:00"),),) * 3 and not week.days[0]
    assert week_text(week) == "Tu-Th 10:00-12:00; PH off"
    # Public holidays closed is kept beside rules the week cannot show at all.
    week, left = read_week_partly('Mo-Fr 09:00-12:00 || "sur rendez-vous"; PH off')
    assert left == ('Mo-Fr 09:00-12:00 || "sur rendez-vous"',) and week.holidays_closed
    assert week.empty
    # Of two rules setting one day, the later is named; a plain week names nothing.
    assert read_week_partly("Mo-Fr 09:00-17:00; We 10:00-12:00")[1] == ("We 10:00-12:00",)
    plain = "Mo-Fr 09:00-12:00; PH off"
    assert read_week_partly(plain) == (read_week(plain), ())
    assert read_week_partly(None) == (read_week(None), ())
