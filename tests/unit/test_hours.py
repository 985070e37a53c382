"""Opening-hours evaluation: Belgian holidays, overnight hours, monthly rules, dated exceptions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.hours import TZ, DatedException, Hours, hours_error


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


OFFICE = "Mo-Fr 09:00-12:00,13:30-16:00; PH off"


def test_open_and_next_change_on_a_weekday() -> None:
    state = Hours(OFFICE).state_at(at(2026, 11, 23, 10, 0))  # Monday
    assert state.is_open and state.next_change == at(2026, 11, 23, 12, 0)
    lunch = Hours(OFFICE).state_at(at(2026, 11, 23, 12, 30))
    assert not lunch.is_open and lunch.next_change == at(2026, 11, 23, 13, 30)


@pytest.mark.parametrize(
    "holiday",
    [date(2026, 12, 25), date(2027, 1, 1), date(2027, 3, 29), date(2027, 5, 6), date(2027, 7, 21)],
    ids=["christmas", "new-year", "easter-monday", "ascension", "national-day"],
)
def test_closed_on_belgian_public_holidays(holiday: date) -> None:
    moment = datetime(holiday.year, holiday.month, holiday.day, 10, 0, tzinfo=TZ)
    assert moment.weekday() < 5
    state = Hours(OFFICE).state_at(moment)
    assert not state.is_open
    assert state.next_change is not None and state.next_change.date() > holiday


def test_holidays_do_not_close_what_does_not_say_so() -> None:
    assert Hours("Mo-Fr 09:00-12:00").is_open(at(2026, 12, 25, 10, 0))


def test_overnight_hours_span_midnight() -> None:
    shelter = Hours("Mo-Su 20:00-08:00")
    night = shelter.state_at(at(2026, 11, 22, 3, 0))
    assert night.is_open and night.next_change == at(2026, 11, 22, 8, 0)
    day = shelter.state_at(at(2026, 11, 22, 12, 0))
    assert not day.is_open and day.next_change == at(2026, 11, 22, 20, 0)
    # Friday night into Saturday, with Friday-only hours.
    friday = Hours("Fr 22:00-04:00")
    assert friday.is_open(at(2026, 11, 28, 2, 0))  # Saturday 02:00
    assert not friday.is_open(at(2026, 11, 29, 2, 0))  # Sunday 02:00


def test_overnight_across_the_spring_clock_change() -> None:
    shelter = Hours("Mo-Su 20:00-08:00")
    # 28 March 2027: clocks go from 02:00 to 03:00 in Brussels.
    assert shelter.is_open(at(2027, 3, 28, 3, 30))
    assert shelter.state_at(at(2027, 3, 28, 3, 30)).next_change == at(2027, 3, 28, 8, 0)


def test_a_wall_time_the_clock_change_skips() -> None:
    office = Hours("Su 02:00-04:00")
    skipped = datetime(2027, 3, 28, 2, 30)  # does not exist in Brussels: it is 03:30 CEST
    state = office.state_at(skipped)
    assert state.is_open
    assert state.at == at(2027, 3, 28, 3, 30)
    assert state.next_change == at(2027, 3, 28, 4, 0)


def test_an_opening_the_clock_change_skips_is_no_next_change() -> None:
    """Sunday 02:00-03:00 does not exist on 28 March 2027 (02:00 is 03:00): at 01:30 it
    next opens a week later, not at 03:00, when it is closed."""
    night = Hours("Su 02:00-03:00")
    state = night.state_at(at(2027, 3, 28, 1, 30))
    assert not state.is_open and state.next_change == at(2027, 4, 4, 2, 0)
    assert not night.is_open(at(2027, 3, 28, 3, 0))
    assert list(night.open_intervals(at(2027, 3, 28), at(2027, 3, 29))) == []


def test_monthly_rules() -> None:
    first_wednesday = Hours("We[1] 14:00-16:00")
    assert first_wednesday.is_open(at(2026, 12, 2, 15, 0))
    assert not first_wednesday.is_open(at(2026, 12, 9, 15, 0))
    assert first_wednesday.state_at(at(2026, 12, 2, 17, 0)).next_change == at(2027, 1, 6, 14, 0)
    last_friday = Hours("Fr[-1] 10:00-12:00")
    assert last_friday.is_open(at(2026, 11, 27, 11, 0))
    assert not last_friday.is_open(at(2026, 11, 20, 11, 0))


def test_dated_closure_with_its_message() -> None:
    fwb = DatedException(date(2027, 9, 27), date(2027, 9, 27), None, "Fête de la FWB")
    hours = Hours(OFFICE, [fwb])
    state = hours.state_at(at(2027, 9, 27, 10, 0))  # a Monday, not a national holiday
    assert not state.is_open
    assert state.message == "Fête de la FWB"
    assert state.next_change == at(2027, 9, 28, 9, 0)
    # The day before, the closing change is the usual one, and the next opening skips the 27th.
    friday = hours.state_at(at(2027, 9, 24, 16, 30))
    assert friday.next_change == at(2027, 9, 28, 9, 0)


def test_replacement_hours_and_their_boundaries() -> None:
    summer = DatedException(date(2027, 7, 19), date(2027, 8, 15), "We 10:00-12:00", "Horaire d'été")
    hours = Hours(OFFICE, [summer])
    assert not hours.is_open(at(2027, 7, 19, 10, 0))  # Monday, summer hours
    assert hours.state_at(at(2027, 7, 19, 10, 0)).next_change == at(2027, 7, 21, 10, 0)
    assert hours.is_open(at(2027, 7, 21, 11, 0))
    # Friday 16 July after closing: the next opening is the summer Wednesday.
    assert hours.state_at(at(2027, 7, 16, 17, 0)).next_change == at(2027, 7, 21, 10, 0)
    # After the summer, the regular hours come back on Monday 16 August.
    assert hours.state_at(at(2027, 8, 11, 13, 0)).next_change == at(2027, 8, 16, 9, 0)


def test_a_closure_inside_a_season_wins() -> None:
    winter = DatedException(
        date(2026, 11, 15), date(2027, 3, 31), "Mo-Su 20:00-08:00", "Grand froid"
    )
    christmas = DatedException(date(2026, 12, 24), date(2026, 12, 25), None, "Fermé")
    hours = Hours(None, [winter, christmas])
    assert hours.is_open(at(2026, 12, 23, 22, 0))
    assert not hours.is_open(at(2026, 12, 24, 22, 0))
    assert hours.is_open(at(2026, 12, 26, 22, 0))
    assert not hours.is_open(at(2027, 4, 2, 22, 0))


def test_a_closed_day_cancels_its_night_after_midnight_too() -> None:
    """Closed on Friday 11 December: no Friday 22:00-02:00, so not open at 01:00 on
    Saturday, and from Thursday the next opening is the Friday after."""
    closed = DatedException(date(2026, 12, 11), date(2026, 12, 11), None, "Fermé")
    hours = Hours("Fr 22:00-02:00", [closed])
    saturday = hours.state_at(at(2026, 12, 12, 1, 0))
    assert not saturday.is_open and saturday.next_change == at(2026, 12, 18, 22, 0)
    assert not hours.is_open(at(2026, 12, 12, 1, 0))
    assert hours.state_at(at(2026, 12, 10, 12, 0)).next_change == at(2026, 12, 18, 22, 0)
    assert list(hours.open_intervals(at(2026, 12, 10), at(2026, 12, 20))) == [
        (at(2026, 12, 18, 22, 0), at(2026, 12, 19, 2, 0))
    ]


def test_an_exception_keeps_the_night_begun_before_it_and_ends_with_its_own() -> None:
    """A day governs the openings that start on it: the night begun the evening before an
    exception goes on until morning, and the exception's last night into the day after."""
    shelter = Hours(
        "Mo-Su 20:00-08:00",
        [DatedException(date(2026, 12, 24), date(2026, 12, 24), None, "Réveillon")],
    )
    assert shelter.is_open(at(2026, 12, 24, 3, 0))  # the night of the 23rd
    state = shelter.state_at(at(2026, 12, 24, 3, 0))
    assert state.next_change == at(2026, 12, 24, 8, 0) and state.message == ""
    assert not shelter.is_open(at(2026, 12, 24, 22, 0))
    assert not shelter.is_open(at(2026, 12, 25, 3, 0))  # the night of the 24th: closed
    assert shelter.state_at(at(2026, 12, 24, 9, 0)).next_change == at(2026, 12, 25, 20, 0)
    # Replacement hours on Saturday leave Friday's night open until it ends.
    late = Hours(
        "Fr 22:00-02:00", [DatedException(date(2026, 12, 12), date(2026, 12, 12), "10:00-12:00")]
    )
    assert late.is_open(at(2026, 12, 12, 1, 0)) and late.is_open(at(2026, 12, 12, 11, 0))
    assert late.state_at(at(2026, 12, 12, 1, 0)).next_change == at(2026, 12, 12, 2, 0)
    # New Year's Eve until 04:00, though 1 January is a holiday the regular hours close.
    eve = Hours(OFFICE, [DatedException(date(2026, 12, 31), date(2026, 12, 31), "20:00-04:00")])
    assert eve.is_open(at(2027, 1, 1, 3, 0))
    assert eve.state_at(at(2027, 1, 1, 3, 0)).next_change == at(2027, 1, 1, 4, 0)
    assert not eve.is_open(at(2026, 12, 31, 10, 0))


@pytest.mark.parametrize("reverse", [False, True], ids=["day-first", "closure-first"])
def test_the_narrower_exception_wins_whatever_their_order(reverse: bool) -> None:
    """A Christmas Eve morning inside the Christmas closure: the exception with fewer days
    is in force on the days it covers, in either order; the closure on the others."""
    eve = DatedException(date(2026, 12, 24), date(2026, 12, 24), "Th 09:00-12:00", "Matinée")
    holidays = DatedException(date(2026, 12, 24), date(2026, 12, 31), None, "Congé")
    hours = Hours("Mo-Fr 09:00-17:00", [holidays, eve][:: -1 if reverse else 1])
    assert hours.is_open(at(2026, 12, 24, 10, 0))
    assert hours.state_at(at(2026, 12, 24, 10, 0)).message == "Matinée"
    assert not hours.is_open(at(2026, 12, 24, 14, 0))
    assert not hours.is_open(at(2026, 12, 28, 10, 0))
    assert hours.state_at(at(2026, 12, 24, 10, 0)).next_change == at(2026, 12, 24, 12, 0)
    assert hours.state_at(at(2026, 12, 24, 12, 0)).next_change == at(
        2027, 1, 1, 9, 0
    )  # no "PH off"
    # Inside a season too: the closure of a few days within months of winter hours.
    winter = DatedException(date(2026, 11, 15), date(2027, 3, 31), "Mo-Su 20:00-08:00")
    christmas = DatedException(date(2026, 12, 24), date(2026, 12, 25))
    for order in ([winter, christmas], [christmas, winter]):
        assert not Hours(None, order).is_open(at(2026, 12, 24, 22, 0))


def test_of_two_exceptions_as_long_the_later_in_the_list_wins() -> None:
    first = DatedException(date(2026, 12, 24), date(2026, 12, 24), "10:00-12:00")
    second = DatedException(date(2026, 12, 24), date(2026, 12, 24), None)
    assert not Hours(OFFICE, [first, second]).is_open(at(2026, 12, 24, 11, 0))
    assert Hours(OFFICE, [second, first]).is_open(at(2026, 12, 24, 11, 0))


def test_open_day_and_night_has_no_change_but_its_closures() -> None:
    """Every day 00:00-24:00, as HSDS schedules are imported: no change within the horizon
    (the library's own `next_change` looks for one until the year 9999), and a dated closure
    is the next change, then the end of the closure."""
    always = "Mo,Tu,We,Th,Fr,Sa,Su 00:00-24:00"
    state = Hours(always).state_at(at(2026, 12, 25, 21, 0))
    assert state.is_open and state.next_change is None
    # Looking 400 days ahead lands at 02:30 on 26 March 2028, a time the clocks skip.
    assert Hours(always).state_at(at(2027, 2, 20, 2, 30)).next_change is None
    inventory = DatedException(date(2027, 1, 10), date(2027, 1, 10), None, "Inventaire")
    hours = Hours(always, [inventory])
    assert hours.state_at(at(2026, 12, 25, 21, 0)).next_change == at(2027, 1, 10, 0, 0)
    closed = hours.state_at(at(2027, 1, 10, 12, 0))
    assert not closed.is_open and closed.next_change == at(2027, 1, 11, 0, 0)


@pytest.mark.parametrize(
    "expression",
    [
        OFFICE,
        "Mo-Su 20:00-08:00",
        "Th[1] 18:00-20:00; PH off",
        "Tu,Th 09:30-16:30, We[2] 18:30-20:30",
    ],
)
@pytest.mark.parametrize(
    "moment",
    [at(2026, 11, 23, 10, 30), at(2026, 12, 24, 23, 45), at(2027, 3, 27, 22, 0)],
    ids=["monday-morning", "christmas-eve", "before-the-clock-change"],
)
def test_the_next_change_is_where_a_walk_by_quarter_hours_finds_it(
    expression: str, moment: datetime
) -> None:
    """The state changes at `next_change` and not before: walking a quarter of an hour at a
    time (every expression here changes on quarter hours) meets the same moment."""
    hours = Hours(expression)
    state = hours.state_at(moment)
    assert state.is_open == hours.is_open(moment)
    walked = moment
    while hours.is_open(walked) == state.is_open:
        walked += timedelta(minutes=15 - walked.minute % 15)
    assert state.next_change == walked


WITH_EXCEPTIONS = [
    Hours("Fr 22:00-02:00", [DatedException(date(2026, 12, 11), date(2026, 12, 11))]),
    Hours(
        "Mo-Su 20:00-08:00", [DatedException(date(2026, 12, 9), date(2026, 12, 9), "08:00-10:00")]
    ),
    Hours(
        "Mo-Su 00:00-24:00",
        [
            DatedException(date(2026, 12, 8), date(2026, 12, 8)),
            DatedException(date(2026, 12, 10), date(2026, 12, 11), "Th-Fr 21:00-03:00"),
        ],
    ),
    Hours(OFFICE, [DatedException(date(2026, 12, 12), date(2026, 12, 12), "Sa 23:00-01:00")]),
]


@pytest.mark.parametrize("hours", WITH_EXCEPTIONS)
def test_every_evaluation_agrees_with_a_walk_by_quarter_hours(hours: Hours) -> None:
    """Around exceptions and overnight hours, `is_open` at each quarter hour, the open
    intervals and the next change found from each of them say the same thing."""
    start, end = at(2026, 12, 7), at(2026, 12, 15)
    intervals = list(hours.open_intervals(start, end))
    quarters = [start + timedelta(minutes=15 * i) for i in range(8 * 24 * 4)]
    states = [hours.is_open(moment) for moment in quarters]
    for index, moment in enumerate(quarters):
        assert states[index] == any(o <= moment < c for o, c in intervals), moment
        state = hours.state_at(moment)
        assert state.is_open == states[index]
        changes = [
            q for q, s in zip(quarters[index:], states[index:], strict=True) if s != states[index]
        ]
        if changes:
            assert state.next_change == changes[0], moment


def test_naive_and_utc_moments() -> None:
    hours = Hours(OFFICE)
    assert hours.is_open(datetime(2026, 11, 23, 10, 0))  # naive: Brussels time
    assert hours.is_open(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))  # 10:30 in Brussels


def test_unknown_hours() -> None:
    state = Hours(None).state_at(at(2026, 11, 23, 10, 0))
    assert not state.known and not state.is_open and state.next_change is None


def test_open_intervals_merge_and_clip() -> None:
    winter = DatedException(date(2026, 11, 15), date(2027, 3, 31), "Mo-Su 20:00-08:00")
    intervals = list(Hours(None, [winter]).open_intervals(at(2026, 11, 20), at(2026, 11, 22)))
    assert intervals == [
        (at(2026, 11, 20, 0, 0), at(2026, 11, 20, 8, 0)),
        (at(2026, 11, 20, 20, 0), at(2026, 11, 21, 8, 0)),
        (at(2026, 11, 21, 20, 0), at(2026, 11, 22, 0, 0)),
    ]


def test_invalid_expressions_say_why() -> None:
    assert hours_error("Mo-Fr 09:00-12:00") is None
    problem = hours_error("Mo-Fr 9h-12h")
    assert problem is not None and problem.startswith("is not a valid OpenStreetMap")
    assert hours_error("  ") == "is empty"


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("Mo-Fr 09:00-17:00; SH off", "school holidays (SH)"),
        ("SH Mo-Fr 10:00-12:00", "school holidays (SH)"),
        ("Mo-Su sunrise-sunset", "sunrise, sunset"),
        ("Sa (sunrise+01:00)-18:00", "sunrise, sunset"),
        ("Mo-Fr 08:00-dusk", "sunrise, sunset"),
    ],
)
def test_what_cannot_be_evaluated_here_is_refused(expression: str, says: str) -> None:
    """School holidays differ between Belgium's communities, and the library takes sunrise
    and sunset as 07:00 and 19:00: both would be answered wrongly, so neither is accepted."""
    problem = hours_error(expression)
    assert problem is not None and says in problem
    assert hours_error('Mo-Fr 09:00-17:00 "closed in SH, see sunset"') is None


def test_the_closure_in_force_and_the_day_after_it() -> None:
    """A service closed for renovation until 11 January: the closure in force on a day of it,
    and the first day after it, past the closures that follow it without a gap; none before
    it starts, after it ended, or on a day of replacement hours."""
    works = DatedException(date(2026, 12, 1), date(2027, 1, 3), None, "Fermé pour travaux")
    longer = DatedException(date(2027, 1, 4), date(2027, 1, 11), None, "Travaux prolongés")
    morning = DatedException(date(2026, 12, 24), date(2026, 12, 24), "09:00-12:00", "Matinée")
    hours = Hours(OFFICE, [works, longer, morning])
    assert hours.closure_on(date(2026, 12, 10)) == (works, date(2027, 1, 12))
    assert hours.closure_on(date(2027, 1, 11)) == (longer, date(2027, 1, 12))
    assert hours.closure_on(date(2026, 12, 24)) is None  # open that morning
    assert hours.closure_on(date(2026, 11, 30)) is None
    assert hours.closure_on(date(2027, 1, 12)) is None  # over: nothing is said of the past
    assert Hours(OFFICE).closure_on(date(2026, 12, 10)) is None
