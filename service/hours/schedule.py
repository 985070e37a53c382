"""Evaluate a place's hours: the regular OpenStreetMap expression, overridden on dated exceptions.

Opening hours are local time in Europe/Brussels; Belgian national holidays count as `PH`.
27 September and other community holidays are not in the national list: they are dated
exceptions like any closure.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class _Segment:
    """A stretch of time under one expression: the regular hours or one exception."""

    start: datetime
    end: datetime
    expression: str
    message: str


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TZ)


class Hours:
    """Regular hours plus dated exceptions, evaluated exactly in Brussels time."""

    def __init__(
        self, opening_hours: str | None, exceptions: Sequence[DatedException] = ()
    ) -> None:
        self.opening_hours = opening_hours
        # Later exceptions in the list win where two overlap; sorting keeps lookups simple.
        self.exceptions = sorted(exceptions, key=lambda e: (e.starts_on, e.ends_on))

    @property
    def known(self) -> bool:
        return bool(self.opening_hours and self.opening_hours.strip()) or bool(self.exceptions)

    def _exception_on(self, day: date) -> DatedException | None:
        found = None
        for exception in self.exceptions:
            if exception.starts_on > day:
                break
            if exception.covers(day):
                found = exception
        return found

    def _segment_at(self, moment: datetime) -> _Segment:
        """The expression in force at `moment` and the stretch of time it covers."""
        day = moment.date()
        exception = self._exception_on(day)
        if exception is not None:
            # The exception holds until its last day ends, or until a later one starts.
            end_day = exception.ends_on + timedelta(days=1)
            for other in self.exceptions:
                if day < other.starts_on < end_day and other is not exception:
                    end_day = other.starts_on
                    break
            return _Segment(
                _midnight(day),
                _midnight(end_day),
                exception.opening_hours or _CLOSED,
                exception.message,
            )
        next_start = next((e.starts_on for e in self.exceptions if e.starts_on > day), None)
        end = _midnight(next_start) if next_start else local(moment + HORIZON)
        return _Segment(_midnight(day), end, self.opening_hours or _CLOSED, "")

    def state_at(self, moment: datetime) -> HoursState:
        """Open or closed at `moment` (Brussels time if naive), and the next change."""
        moment = local(moment)
        if not self.known:
            return HoursState(False, moment, None, known=False)
        segment = self._segment_at(moment)
        is_open = _parse(segment.expression).is_open(moment)
        return HoursState(is_open, moment, self._next_change(moment, is_open), segment.message)

    def is_open(self, moment: datetime) -> bool:
        """Whether it is open at `moment`, without looking for the next change."""
        moment = local(moment)
        if not self.known:
            return False
        return bool(_parse(self._segment_at(moment).expression).is_open(moment))

    def _next_change(self, moment: datetime, is_open: bool) -> datetime | None:
        # Bounded intervals, not the library's `next_change`: that one looks as far as the
        # year 9999 when a state never ends, seconds for "Mo-Su 00:00-24:00" (HSDS imports).
        limit = local(moment + HORIZON)  # a wall time in the spring gap does not exist
        cursor = moment
        while cursor < limit:
            segment = self._segment_at(cursor)
            stop = min(segment.end, limit)
            for opens, _closes, state, _comment in _parse(segment.expression).intervals(
                cursor, stop
            ):
                if (state == State.OPEN) != is_open:
                    return local(opens)
            cursor = stop
        return None

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals between `start` and `end`, clipped to them and merged."""
        start, end = local(start), local(end)
        pending: tuple[datetime, datetime] | None = None
        cursor = start
        while cursor < end:
            segment = self._segment_at(cursor)
            stop = min(segment.end, end)
            for opens, closes, state, _comment in _parse(segment.expression).intervals(
                cursor, stop
            ):
                if state != State.OPEN:
                    continue
                opens, closes = local(opens), local(closes or stop)
                if pending and pending[1] >= opens:
                    pending = (pending[0], max(pending[1], closes))
                else:
                    if pending:
                        yield pending
                    pending = (opens, closes)
            cursor = stop
        if pending:
            yield pending
