"""Evaluate a place's hours: the regular OpenStreetMap expression, overridden on dated exceptions.

Opening hours are local time in Europe/Brussels; Belgian national holidays count as `PH`.
27 September and other community holidays are not in the national list: they are dated
exceptions like any closure.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, ParserError, State  # type: ignore[attr-defined]

TZ = ZoneInfo("Europe/Brussels")
COUNTRY = "BE"
# How far `next_change` looks ahead before answering "no change known".
HORIZON = timedelta(days=400)
# The years hours are kept and asked for: any planning, and far from the calendar's ends,
# where moving a moment between time zones (or to the day after) overflows.
YEARS = (2000, 2099)


def local(moment: datetime) -> datetime:
    """The moment in Brussels time; a naive datetime is taken as Brussels time already.

    A wall time the spring clock change skips (02:30 on the last Sunday of March) does not
    exist: going through UTC turns it into the moment it names (03:30).
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    return moment.astimezone(UTC).astimezone(TZ)


@lru_cache(maxsize=4096)
def _parse(expression: str) -> OpeningHours:
    return OpeningHours(expression, country=COUNTRY, timezone=TZ)


_CLOSED = "off"

# What the library parses but cannot evaluate here: it knows no Belgian school holidays (the
# three communities have their own) and takes sunrise and sunset as fixed 07:00 and 19:00.
_COMMENT = re.compile(r'"[^"]*"')
_SCHOOL_HOLIDAYS = re.compile(r"\bSH\b")
_SUN = re.compile(r"\b(?:sunrise|sunset|dawn|dusk)\b", re.IGNORECASE)
SCHOOL_HOLIDAYS_ERROR = (
    "uses school holidays (SH), which differ between Belgium's communities and are not "
    "known here: give them as dated exceptions"
)
SUN_ERROR = "uses sunrise, sunset, dawn or dusk, which are not evaluated here: give times"


def hours_error(expression: str) -> str | None:
    """Why an opening-hours expression is invalid, or None when it is valid."""
    if not expression.strip():
        return "is empty"
    try:
        _parse(expression)
    except ParserError as error:
        # The parser's message spans lines with a caret; the last says what it expected.
        lines = [line.strip(" |=") for line in str(error).splitlines() if line.strip(" |")]
        hint = lines[-1] if lines else "syntax error"
        return f"is not a valid OpenStreetMap opening_hours expression ({hint})"
    code = _COMMENT.sub("", expression)
    if _SCHOOL_HOLIDAYS.search(code):
        return SCHOOL_HOLIDAYS_ERROR
    if _SUN.search(code):
        return SUN_ERROR
    return None


@dataclass(frozen=True)
class DatedException:
    """From `starts_on` to `ends_on` (inclusive), other hours apply: `None` means closed."""

    starts_on: date
    ends_on: date
    opening_hours: str | None = None
    message: str = ""

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class HoursState:
    """Whether it is open at `at`, until when, and the message of the exception in force."""

    is_open: bool
    at: datetime
    next_change: datetime | None
    message: str = ""
    known: bool = True


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TZ)


@lru_cache(maxsize=65536)
def _carried_over(expression: str, day: date) -> datetime | None:
    """Until when an opening that began on the day before `day` goes on into it, under
    `expression` (a night shelter's morning): None when nothing runs past that midnight.

    An opening belongs to the day it starts on: open without a break from the evening before
    (not from its midnight: open all day is each day's own), it ends at its first closing,
    and at the end of `day` at the latest.
    """
    midnight, next_midnight = _midnight(day), _midnight(day + timedelta(days=1))
    hours = _parse(expression)
    if not hours.is_open(midnight):
        return None
    for opens, closes, state, _comment in hours.intervals(
        _midnight(day - timedelta(days=1)), next_midnight
    ):
        closes = local(closes) if closes else next_midnight
        if state == State.OPEN and local(opens) <= midnight < closes:
            began = local(opens)
            if _midnight(day - timedelta(days=1)) < began < midnight:
                return min(closes, next_midnight)
            return None
    return None


class Hours:
    """Regular hours plus dated exceptions, evaluated exactly in Brussels time.

    A day is governed by the exception that covers it, or by the regular hours, and each
    governs the openings that start on it, their part after midnight included: a closure on
    Friday cancels Friday's 22:00-02:00 until 02:00 on Saturday; replacement hours on Saturday
    leave the night begun on Friday open until it ends, and their own last night goes on into
    the day after them. Nobody is sent out at midnight by an exception that starts then.
    """

    def __init__(
        self, opening_hours: str | None, exceptions: Sequence[DatedException] = ()
    ) -> None:
        self.opening_hours = opening_hours
        self.exceptions = list(exceptions)
        # By first day, for lookups; each with its place in the list, which breaks ties.
        self._by_start = sorted(enumerate(self.exceptions), key=lambda p: p[1].starts_on)
        # The days on which the exception in force may change.
        self._boundaries = sorted(
            {e.starts_on for e in self.exceptions}
            | {e.ends_on + timedelta(days=1) for e in self.exceptions}
        )

    @property
    def known(self) -> bool:
        return bool(self.opening_hours and self.opening_hours.strip()) or bool(self.exceptions)

    def exception_on(self, day: date) -> DatedException | None:
        """The exception in force on `day`: of those that cover it, the one with the fewest
        days (a day's replacement within a holiday closure), the later in the list if two
        are as long, whatever their order; None when the regular hours apply."""
        found, best = None, (0, 0)
        for position, exception in self._by_start:
            if exception.starts_on > day:
                break
            if exception.covers(day):
                rank = ((exception.starts_on - exception.ends_on).days, position)
                if found is None or rank > best:
                    found, best = exception, rank
        return found

    def closure_on(self, day: date) -> tuple[DatedException, date] | None:
        """The closure in force on `day` and the first day after it that no closure governs
        (closures that follow it without a gap lengthen it); None when `day` is not closed
        by an exception. A closure that ended before `day` is not in force: nothing past."""
        closure = self.exception_on(day)
        if closure is None or closure.opening_hours is not None:
            return None
        after = closure.ends_on + timedelta(days=1)
        while (following := self.exception_on(after)) is not None and (
            following.opening_hours is None
        ):
            after = following.ends_on + timedelta(days=1)
        return closure, after

    def _rule_of(self, day: date) -> tuple[str, str]:
        """The expression governing the openings that start on `day`, and its message."""
        exception = self.exception_on(day)
        if exception is not None:
            return exception.opening_hours or _CLOSED, exception.message
        return self.opening_hours or _CLOSED, ""

    def _runs(self, first: date, last: date) -> Iterator[tuple[date, date, str]]:
        """From `first` to `last`, the runs of days governed by one expression (first day,
        last day, expression)."""
        day = first
        while day <= last:
            expression, _message = self._rule_of(day)
            end = day
            while end < last:
                following = bisect_right(self._boundaries, end)
                if following == len(self._boundaries):
                    end = last
                    break
                boundary = self._boundaries[following]
                if boundary > last:
                    end = last
                    break
                if self._rule_of(boundary)[0] != expression:
                    end = boundary - timedelta(days=1)
                    break
                end = boundary
            yield day, end, expression
            day = end + timedelta(days=1)

    def _decide(self, moment: datetime) -> tuple[bool, str]:
        """Open or not at `moment` (Brussels time), and the message of the day that decides."""
        day = moment.date()
        expression, message = self._rule_of(day)
        before, before_message = self._rule_of(day - timedelta(days=1))
        if before != expression:
            carried = _carried_over(before, day)
            if carried is not None and moment < carried:
                return True, before_message  # the night begun the day before
            own_morning = _carried_over(expression, day)
            if own_morning is not None and moment < own_morning:
                return False, message  # the day before's under `expression`, not in force
        return bool(_parse(expression).is_open(moment)), message

    def state_at(self, moment: datetime) -> HoursState:
        """Open or closed at `moment` (Brussels time if naive), and the next change."""
        moment = local(moment)
        if not self.known:
            return HoursState(False, moment, None, known=False)
        is_open, message = self._decide(moment)
        return HoursState(is_open, moment, self._next_change(moment, is_open), message)

    def is_open(self, moment: datetime) -> bool:
        """Whether it is open at `moment`, without looking for the next change."""
        moment = local(moment)
        if not self.known:
            return False
        return self._decide(moment)[0]

    def _next_change(self, moment: datetime, is_open: bool) -> datetime | None:
        # Bounded intervals, not the library's `next_change`: that one looks as far as the
        # year 9999 when a state never ends, seconds for "Mo-Su 00:00-24:00" (HSDS imports).
        limit = local(moment + HORIZON)  # a wall time in the spring gap does not exist
        for opens, closes in self._open_stretches(moment, limit):
            if is_open:
                return closes if closes < limit else None
            return opens
        return None

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals between `start` and `end`, clipped to them and merged."""
        return self._open_stretches(local(start), local(end))

    def _open_stretches(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, datetime]]:
        pending: tuple[datetime, datetime] | None = None
        for opens, closes in self._pieces(start, end):
            if closes <= start or opens >= end:
                continue
            opens, closes = max(opens, start), min(closes, end)
            if pending and pending[1] >= opens:
                pending = (pending[0], max(pending[1], closes))
            else:
                if pending:
                    yield pending
                pending = (opens, closes)
        if pending:
            yield pending

    def _pieces(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals in order of opening, from the day before `start` (its night may
        still run) to `end`, each run of days under its own expression."""
        first = start.date() - timedelta(days=1)
        for first_day, last_day, expression in self._runs(first, end.date()):
            run_start, run_end = _midnight(first_day), _midnight(last_day + timedelta(days=1))
            # The morning of the first day belongs to the day before, under its own rule.
            morning = _carried_over(expression, first_day) or run_start
            low, high = max(run_start, start), min(run_end, end)
            if low < high:
                for opens, closes, state, _comment in _parse(expression).intervals(low, high):
                    if state != State.OPEN:
                        continue
                    opens, closes = local(opens), local(closes) if closes else high
                    if closes <= morning or closes <= opens:
                        continue  # the day before's, or wholly in the spring gap: no opening
                    yield max(opens, morning), closes
            # The last night goes on into the day after the run.
            if run_end < end:
                carried = _carried_over(expression, last_day + timedelta(days=1))
                if carried is not None and carried > start:
                    yield run_end, carried
