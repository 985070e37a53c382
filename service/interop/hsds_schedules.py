"""Open Referral HSDS schedules → OpenStreetMap opening_hours plus dated exceptions.

HSDS schedules are additive recurrence rules: weekly (`byday` MO,TU), monthly (`byday` 1WE or
-1FR, or `bymonthday`), overnight when `closes_at` is before `opens_at`. A schedule with
`valid_from`/`valid_to` applies only in that period (a winter plan adds night hours); one with
a period and no times is a closure (summer closure), its `description` the message shown. A
closure and timed schedules with the same period replace the regular hours in that period
("closed, but open at these times instead"): that is how Boussole's export writes replacement
hours that do not contain every regular rule.

A schedule without times whose `notes` begin with `OSM_NOTE` carries an OpenStreetMap
expression in its `description`: Boussole's export writes one for hours that schedules cannot
give exactly (seasons, `PH 10:00-12:00`, comments, `sunrise-sunset`…) or give only in another
form (`Mo-Fr` read back as `Mo,Tu,We,Th,Fr`). When present, that expression is the hours,
taken as written, and the timed schedules beside it are only its rendering for other readers.
Any other schedule without times or period says nothing that can be computed: it is ignored
and reported in `ConvertedHours.ignored`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from service.hours import YEARS, hours_error

OSM_NOTE = (
    "OpenStreetMap opening_hours expression (https://wiki.openstreetmap.org/wiki/Key:opening_hours)"
)
_MESSAGE_MARK = " — "

_DAYS = {"MO": "Mo", "TU": "Tu", "WE": "We", "TH": "Th", "FR": "Fr", "SA": "Sa", "SU": "Su"}
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_BYDAY = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
_TIME = re.compile(
    r"^([01]?[0-9]|2[0-4]):([0-5][0-9])(?::[0-5][0-9](?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?$"
)
# An open-ended period (only valid_from) lasts this long.
_OPEN_ENDED = timedelta(days=366 * 3)
_FIRST_DAY, _LAST_DAY = date(YEARS[0], 1, 1), date(YEARS[1], 12, 31)


class ScheduleError(ValueError):
    """A schedule that cannot be expressed exactly: the record is reported, not guessed."""


@dataclass
class ConvertedHours:
    """The regular expression and the dated exceptions of one service at one place."""

    opening_hours: str | None
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # ids of schedules nothing was read from


def osm_schedule(expression: str, message: str = "") -> dict[str, Any]:
    """A schedule (without id or period) carrying an OpenStreetMap expression as written."""
    notes = f"{OSM_NOTE}{_MESSAGE_MARK}{message}" if message else OSM_NOTE
    return {"description": expression, "notes": notes}


def osm_expression(schedule: dict[str, Any]) -> tuple[str, str] | None:
    """The OpenStreetMap expression a schedule carries and its message, or None (see module).

    The expression is checked: a wrong one is a ScheduleError, not hours dropped.
    """
    notes = schedule.get("notes")
    if not isinstance(notes, str) or not notes.startswith(OSM_NOTE):
        return None
    if schedule.get("opens_at") is not None or schedule.get("closes_at") is not None:
        return None
    expression = str(schedule.get("description") or "").strip()
    problem = hours_error(expression) if expression else "it is empty"
    if problem:
        raise ScheduleError(
            f"schedule {schedule.get('id', '?')}: description is not an OpenStreetMap "
            f"opening_hours expression ({problem})"
        )
    return expression, notes[len(OSM_NOTE) :].removeprefix(_MESSAGE_MARK)


def _time(value: Any, what: str, schedule_id: str) -> str:
    match = _TIME.match(str(value).strip()) if value is not None else None
    if match is None:
        raise ScheduleError(f"schedule {schedule_id}: {what} {value!r} is not a time (HH:MM)")
    return f"{int(match[1]):02d}:{match[2]}"


def _days(schedule: dict[str, Any], schedule_id: str) -> str:
    """The OSM day selector of one schedule: 'Mo,We', 'We[1]', 'Jan 15,Feb 15…', 'Mo-Su'."""
    freq = (schedule.get("freq") or "WEEKLY").upper()
    byday = [d.strip().upper() for d in str(schedule.get("byday") or "").split(",") if d.strip()]
    if freq == "MONTHLY" and not byday and schedule.get("bymonthday"):
        days = [int(d) for d in str(schedule["bymonthday"]).split(",") if d.strip()]
        if any(not 1 <= d <= 31 for d in days):
            raise ScheduleError(f"schedule {schedule_id}: bymonthday must be 1 to 31")
        return ",".join(f"{month} {d:02d}" for month in _MONTHS for d in days)
    selectors = []
    for item in byday:
        match = _BYDAY.match(item)
        if match is None:
            raise ScheduleError(f"schedule {schedule_id}: byday {item!r} is not a weekday")
        nth, day = match[1], _DAYS[match[2]]
        if nth and freq == "MONTHLY":
            selectors.append(f"{day}[{int(nth)}]")
        else:
            selectors.append(day)
    # An explicit selector: after ',' a bare time span would extend the previous rule.
    return ",".join(selectors) or "Mo-Su"


def _week_filter(schedule: dict[str, Any], schedule_id: str) -> str:
    interval = int(schedule.get("interval") or 1)
    if interval <= 1 or (schedule.get("freq") or "WEEKLY").upper() != "WEEKLY":
        return ""
    start = schedule.get("dtstart")
    if not start:
        raise ScheduleError(f"schedule {schedule_id}: interval {interval} needs dtstart")
    first_week = date.fromisoformat(str(start)[:10]).isocalendar().week
    # ISO weeks restart each year; a fortnightly rule may shift by one week at new year.
    return f"week {((first_week - 1) % interval) + 1:02d}-53/{interval} "


def rule_of(schedule: dict[str, Any]) -> str | None:
    """One schedule as an OSM rule ('Mo,Tu 09:00-12:00'), or None when it has no times."""
    schedule_id = str(schedule.get("id", "?"))
    opens, closes = schedule.get("opens_at"), schedule.get("closes_at")
    if opens is None and closes is None:
        return None
    start = _time(opens, "opens_at", schedule_id)
    end = _time(closes, "closes_at", schedule_id)
    if end == "00:00":
        end = "24:00"
    if start == end:
        raise ScheduleError(f"schedule {schedule_id}: opens_at and closes_at are equal")
    days = _days(schedule, schedule_id)
    rule = f"{_week_filter(schedule, schedule_id)}{days} {start}-{end}".strip()
    problem = hours_error(rule)
    if problem:
        raise ScheduleError(f"schedule {schedule_id}: cannot be expressed ({problem})")
    return rule


def _period(schedule: dict[str, Any], today: date) -> tuple[date, date] | None:
    start, end = schedule.get("valid_from"), schedule.get("valid_to") or schedule.get("until")
    if not start and not end:
        return None
    schedule_id = schedule.get("id", "?")
    try:
        first = date.fromisoformat(str(start)[:10]) if start else today
        last = date.fromisoformat(str(end)[:10]) if end else None
    except ValueError as error:
        raise ScheduleError(f"schedule {schedule_id}: {error}") from None
    if last is not None and last < first:
        raise ScheduleError(f"schedule {schedule_id}: valid_to is before valid_from")
    if first > _LAST_DAY or (last is not None and last < _FIRST_DAY):
        raise ScheduleError(
            f"schedule {schedule_id}: its period is outside the years {YEARS[0]} to {YEARS[1]}"
        )
    # Valid "until 9999-12-31" is valid without end: to the last year hours are kept for.
    first = max(first, _FIRST_DAY)
    return first, min(last or first + _OPEN_ENDED, _LAST_DAY)


def _join(rules: Iterable[str], holidays: str | None) -> str | None:
    rules = list(dict.fromkeys(rules))  # keep order, drop repeats
    if not rules:
        return None
    expression = ", ".join(rules)  # ',' adds rules in OSM; ';' would override earlier ones
    if holidays == "closed":
        expression += "; PH off"
    problem = hours_error(expression)
    if problem:
        raise ScheduleError(f"the schedules cannot be combined ({problem})")
    return expression


def convert(
    schedules: list[dict[str, Any]], *, today: date, public_holidays: str | None = None
) -> ConvertedHours:
    """The hours of a service at a place from its HSDS schedules.

    `public_holidays` is 'closed' when the service closes on Belgian public holidays.
    """
    regular: list[str] = []
    written: list[str] = []  # OpenStreetMap expressions of the regular hours, as written
    ignored: list[str] = []
    periods: dict[tuple[date, date], list[dict[str, Any]]] = defaultdict(list)
    for schedule in schedules:
        period = _period(schedule, today)
        if period is not None:
            periods[period].append(schedule)
        elif (carried := osm_expression(schedule)) is not None:
            written.append(carried[0])
        elif (rule := rule_of(schedule)) is not None:
            regular.append(rule)
        else:
            ignored.append(str(schedule.get("id", "?")))
    if len(set(written)) > 1:
        raise ScheduleError("several OpenStreetMap expressions are given for the regular hours")

    exceptions = []
    for (first, last), group in sorted(periods.items()):
        carried_here = [c for c in map(osm_expression, group) if c is not None]
        timed = [s for s in group if osm_expression(s) is None]
        rules = [rule for rule in (rule_of(s) for s in timed) if rule is not None]
        message = "; ".join(
            dict.fromkeys(
                [str(s["description"]) for s in timed if s.get("description")]
                + [m for _, m in carried_here if m]
            )
        )[:300]
        # Period rules add to the regular ones; a period without any time is a closure. A
        # closure with rules in the same period replaces the regular hours by those rules.
        closed = any(rule_of(s) is None for s in timed)
        hours: str | None
        if len({e for e, _ in carried_here}) > 1:
            raise ScheduleError(f"several OpenStreetMap expressions are given from {first}")
        if carried_here:
            hours = carried_here[0][0]
        elif not rules:
            hours = None
        elif closed:
            hours = _join(rules, public_holidays)
        else:
            hours = _join([*regular, *rules], public_holidays)
        exceptions.append(
            {"starts_on": first, "ends_on": last, "opening_hours": hours, "message": message}
        )
    opening_hours = written[0] if written else _join(regular, public_holidays)
    return ConvertedHours(opening_hours, exceptions, ignored)
