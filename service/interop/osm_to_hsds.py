"""OpenStreetMap opening_hours plus dated exceptions → Open Referral HSDS 3.0 schedules.

The inverse of `hsds_schedules.convert`. The rules it writes are parsed exactly:
comma-joined rules `[week NN-53/I ]DAYS HH:MM-HH:MM[,HH:MM-HH:MM…]`, where DAYS is weekdays
(`Mo,Tu`, ranges `Mo-Fr`, nth weekdays `We[1]`, `Fr[-1]`) or month days (`Jan 15,Feb 15,…`
for every month), with an optional `; PH off`. Each time range of each rule becomes one
WEEKLY or MONTHLY schedule (`week NN-53/I` becomes `interval` I with a `dtstart` in week NN).

Any other expression is not guessed at. Its open intervals over the coming 7 days (the first
week without a public holiday) are turned into weekly schedules, which are kept only if they
give exactly the same open intervals as the expression over the next 400 days (with or without
`; PH off`). Otherwise one schedule carries the expression in its `description`, its `notes`
saying it is an OpenStreetMap opening_hours expression; HSDS readers cannot compute from it.
Whenever the importer would not rebuild the expression as written (`Mo-Fr` comes back as
`Mo,Tu,We,Th,Fr`, `sunrise-sunset` as fixed times), that schedule is written beside the weekly
ones: Boussole's importer takes it as the hours, and export then import changes nothing.

Dated exceptions become schedules with `valid_from`/`valid_to`. HSDS period schedules add to
the regular ones (that is how the importer reads them), so:
- a closure is one period schedule without times, its `description` the message;
- replacement hours that contain every regular rule are the extra rules only;
- other replacement hours are a closure of the period plus the replacement rules: the importer
  reads "closed, and open at these times" as replacing the regular hours in that period.
Every choice is checked by running the importer's own conversion on the schedules produced:
what it rebuilds must be the same expression, or give the same open intervals; in the latter
case the expression travels too, as above (its message, if no timed schedule carries it, after
the `notes`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from service.hours import TZ, Hours, hours_error
from service.interop.hsds_schedules import ScheduleError, convert, osm_schedule

# How far ahead an expression and the schedules derived from it must agree.
CHECK_DAYS = 400

_WEEKDAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAY_ITEM = rf"{_DAY}(?:-{_DAY}|\[-?[1-5]\])?"
_MONTH_ITEM = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-3][0-9]"
_SPAN = r"[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]"
_RULE = (
    r"(?:week {week}-53/{interval} )?"
    rf"{{days}}(?:{_DAY_ITEM}(?:,{_DAY_ITEM})*|{_MONTH_ITEM}(?:,{_MONTH_ITEM})*)) "
    rf"{{spans}}{_SPAN}(?:,{_SPAN})*)"
)
_RULE_RE = re.compile(
    _RULE.format(
        week="(?P<week>[0-5][0-9])",
        interval="(?P<interval>[1-9][0-9]?)",
        days="(?P<days>",
        spans="(?P<spans>",
    )
)
_PLAIN_RULE = _RULE.format(week="[0-5][0-9]", interval="[1-9][0-9]?", days="(?:", spans="(?:")
_EXPRESSION_RE = re.compile(rf"{_PLAIN_RULE}(?:,\s*{_PLAIN_RULE})*")
_PH_OFF = re.compile(r";\s*PH off\s*$")
_NTH_DAY = re.compile(rf"^({_DAY})\[(-?[1-5])\]$")
_DAY_RANGE = re.compile(rf"^({_DAY})-({_DAY})$")


@dataclass(frozen=True)
class Rule:
    """One rule of the grammar: days, an optional fortnightly-style week filter, time spans."""

    byday: tuple[str, ...] = ()  # RRULE days: "MO", "1WE", "-1FR"
    bymonthday: tuple[int, ...] = ()
    week: int | None = None
    interval: int | None = None
    spans: tuple[tuple[str, str], ...] = ()

    @property
    def monthly(self) -> bool:
        return bool(self.bymonthday) or any(d[0] in "-123456789" for d in self.byday)


def split_public_holidays(expression: str) -> tuple[str, bool]:
    """The expression without a final `; PH off`, and whether it had one."""
    match = _PH_OFF.search(expression)
    if match is None:
        return expression.strip(), False
    return expression[: match.start()].strip(), True


def _weekdays(item: str) -> list[str] | None:
    nth = _NTH_DAY.match(item)
    if nth:
        return [f"{int(nth[2])}{nth[1].upper()}"]
    span = _DAY_RANGE.match(item)
    if span:
        first, last = _WEEKDAYS.index(span[1]), _WEEKDAYS.index(span[2])
        count = (last - first) % 7 + 1
        return [_WEEKDAYS[(first + i) % 7].upper() for i in range(count)]
    return [item.upper()] if item in _WEEKDAYS else None


def _month_days(items: list[str]) -> tuple[int, ...] | None:
    """`Jan 15,Feb 15,…` for every month with the same days, as the days (15,)."""
    by_month: dict[str, list[int]] = {}
    for item in items:
        month, day = item.split(" ")
        by_month.setdefault(month, []).append(int(day))
    days = by_month.get("Jan")
    if list(by_month) != _MONTHS or days is None or any(v != days for v in by_month.values()):
        return None
    if any(not 1 <= d <= 31 for d in days):
        return None
    return tuple(days)


def _span(text: str) -> tuple[str, str] | None:
    opens, closes = text.split("-")
    if opens >= "24:00" or closes > "24:00" or opens == closes:
        return None
    return opens, closes


def parse(core: str) -> list[Rule] | None:
    """The rules of an expression (without `; PH off`) in Boussole's grammar, else None."""
    if not core or _EXPRESSION_RE.fullmatch(core) is None:
        return None
    rules = []
    for match in _RULE_RE.finditer(core):
        items = match["days"].split(",")
        spans = [_span(s) for s in match["spans"].split(",")]
        if any(s is None for s in spans):
            return None
        rule = Rule(spans=tuple(s for s in spans if s is not None))
        if items[0][:3] in _MONTHS:
            days = _month_days(items)
            if days is None or match["week"]:
                return None
            rule = Rule(bymonthday=days, spans=rule.spans)
        else:
            byday: list[str] = []
            for item in items:
                expanded = _weekdays(item)
                if expanded is None:
                    return None
                byday.extend(expanded)
            rule = Rule(byday=tuple(byday), spans=rule.spans)
        if match["week"]:
            week, interval = int(match["week"]), int(match["interval"])
            if rule.monthly or interval < 2 or not 1 <= week <= interval:
                return None  # the importer can only write weeks 1..interval
            rule = Rule(byday=rule.byday, week=week, interval=interval, spans=rule.spans)
        rules.append(rule)
    return rules


def schedules_of_rule(rule: Rule, today: date) -> list[dict[str, Any]]:
    """One HSDS schedule (without ids) per time span of a rule."""
    base: dict[str, Any] = {"freq": "MONTHLY" if rule.monthly else "WEEKLY"}
    if rule.bymonthday:
        base["bymonthday"] = ",".join(str(d) for d in rule.bymonthday)
    else:
        base["byday"] = ",".join(rule.byday)
    if rule.week is not None and rule.interval is not None:
        base["interval"] = rule.interval
        # Any Monday of ISO week `week` gives the importer the same week filter back.
        base["dtstart"] = date.fromisocalendar(today.year, rule.week, 1).isoformat()
    return [{**base, "opens_at": opens, "closes_at": closes} for opens, closes in rule.spans]


def _public_holiday(day: date) -> bool:
    return Hours("PH").is_open(datetime.combine(day, time(12), tzinfo=TZ))


def _quiet_week(start: date, length: int) -> date:
    """The first day from `start` on that begins `length` days without a public holiday."""
    day = start
    for _ in range(60):
        if not any(_public_holiday(day + timedelta(days=i)) for i in range(length)):
            return day
        day += timedelta(days=1)
    return start


def derive_weekly(expression: str, first: date, days: int = 7) -> list[dict[str, Any]]:
    """Weekly schedules from the open intervals of `days` days from `first` (see the module)."""
    start = datetime.combine(first, time(0), tzinfo=TZ)
    pieces: dict[tuple[str, str], list[str]] = {}
    for opens, closes in Hours(expression).open_intervals(start, start + timedelta(days=days)):
        cursor = opens
        while cursor < closes:
            midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0), tzinfo=TZ)
            end = min(closes, midnight)
            span = (cursor.strftime("%H:%M"), "24:00" if end == midnight else end.strftime("%H:%M"))
            if span[0] != span[1]:
                pieces.setdefault(span, []).append(_WEEKDAYS[cursor.weekday()].upper())
            cursor = end
    order = {d.upper(): i for i, d in enumerate(_WEEKDAYS)}
    rules = sorted(
        ((sorted(set(d), key=order.__getitem__), span) for span, d in pieces.items()),
        key=lambda item: (order[item[0][0]], item[1]),
    )
    return [
        {"freq": "WEEKLY", "byday": ",".join(d), "opens_at": o, "closes_at": c}
        for d, (o, c) in rules
    ]


def same_hours(one: str | None, other: str | None, first: date, last: date) -> bool:
    """Whether two expressions are open at exactly the same times from `first` to `last`."""
    if one == other:
        return True
    if one is None or other is None:
        return False
    start = datetime.combine(first, time(0), tzinfo=TZ)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=TZ)
    return list(Hours(one).open_intervals(start, end)) == list(
        Hours(other).open_intervals(start, end)
    )


@dataclass
class Converted:
    """The schedules of one service at one place, and whether it closes on public holidays."""

    schedules: list[dict[str, Any]] = field(default_factory=list)
    public_holidays: str | None = None
    faithful: bool = True  # False when an expression travels only as a description


def _imported(
    schedules: list[dict[str, Any]], today: date, holidays: str | None
) -> tuple[str | None, list[dict[str, Any]]] | None:
    """What the importer rebuilds from these schedules, or None if it refuses them."""
    try:
        hours = convert(schedules, today=today, public_holidays=holidays)
    except ScheduleError:
        return None
    return hours.opening_hours, hours.exceptions


def _regular(
    core: str, holidays: str | None, expression: str, today: date
) -> tuple[list[dict[str, Any]], str | None] | None:
    """Regular schedules for an expression, with the holidays value that makes them exact."""
    rules = parse(core)
    if rules is not None:
        schedules = [s for rule in rules for s in schedules_of_rule(rule, today)]
        rebuilt = _imported(schedules, today, holidays)
        last = today + timedelta(days=CHECK_DAYS)
        if rebuilt is not None and same_hours(rebuilt[0], expression, today, last):
            return schedules, holidays
    derived = derive_weekly(expression, _quiet_week(today, 7))
    if not derived:
        return None
    last = today + timedelta(days=CHECK_DAYS)
    for option in (holidays, None, "closed"):
        rebuilt = _imported(derived, today, option)
        if rebuilt is not None and same_hours(rebuilt[0], expression, today, last):
            return derived, option
    return None


def _period(exception: dict[str, Any]) -> dict[str, Any]:
    return {
        "valid_from": _iso(exception["starts_on"]),
        "valid_to": _iso(exception["ends_on"]),
    }


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def _with_message(schedules: list[dict[str, Any]], message: str) -> list[dict[str, Any]]:
    return [{**s, "description": message} if message else s for s in schedules]


def _exception_candidates(
    exception: dict[str, Any],
    regular: list[dict[str, Any]],
    holidays: str | None,
    today: date,
) -> list[list[dict[str, Any]]]:
    """Ways to write one exception as period schedules, the most natural first."""
    expression = exception.get("opening_hours")
    message = str(exception.get("message") or "")
    period = _period(exception)
    closure = {**period, **({"description": message} if message else {})}
    if expression is None:
        return [[closure]]
    core, _ = split_public_holidays(expression)
    candidates = []
    rules = parse(core)
    if rules is not None:
        timed = [{**s, **period} for rule in rules for s in schedules_of_rule(rule, today)]
        regular_rules = [_rule_text(s) for s in regular]
        extra = [s for s in timed if _rule_text(s) not in regular_rules]
        if len(extra) < len(timed) or not regular:
            candidates.append(_with_message(extra or timed, message))
        candidates.append([closure, *_with_message(timed, message)])
    first = date.fromisoformat(period["valid_from"])
    last = date.fromisoformat(period["valid_to"])
    length = min(7, (last - first).days + 1)
    derived = derive_weekly(expression, first, length)
    if derived:
        candidates.append([closure, *_with_message([{**s, **period} for s in derived], message)])
    return candidates


def _rule_text(schedule: dict[str, Any]) -> str:
    from service.interop.hsds_schedules import rule_of

    bare = {k: v for k, v in schedule.items() if k not in {"valid_from", "valid_to"}}
    return rule_of(bare) or ""


def to_schedules(
    opening_hours: str | None,
    exceptions: list[dict[str, Any]],
    *,
    today: date,
    new_id: Callable[[str], str] | None = None,
) -> Converted:
    """HSDS schedules for regular hours and dated exceptions (see the module docstring)."""
    result = Converted()
    regular: list[dict[str, Any]] = []
    holidays: str | None = None
    if opening_hours is not None:
        core, closed_on_holidays = split_public_holidays(opening_hours)
        holidays = "closed" if closed_on_holidays else None
        found = (
            _regular(core, holidays, opening_hours, today)
            if not hours_error(opening_hours)
            else None
        )
        if found is None:
            result.schedules.append(osm_schedule(opening_hours))
            result.faithful = False
        else:
            regular, holidays = found
            result.schedules.extend(regular)
            rebuilt = _imported(regular, today, holidays)
            if rebuilt is None or rebuilt[0] != opening_hours:
                result.schedules.append(osm_schedule(opening_hours))
    elif any(split_public_holidays(e.get("opening_hours") or "")[1] for e in exceptions):
        holidays = "closed"
    result.public_holidays = holidays

    for exception in exceptions:
        wanted = exception.get("opening_hours")
        first = date.fromisoformat(_iso(exception["starts_on"]))
        last = date.fromisoformat(_iso(exception["ends_on"]))
        chosen = None
        for candidate in _exception_candidates(exception, regular, holidays, today):
            rebuilt = _imported([*regular, *candidate], today, holidays)
            if rebuilt is None or len(rebuilt[1]) != 1:
                continue
            got = rebuilt[1][0]
            if got["message"] != str(exception.get("message") or "")[:300]:
                continue
            if same_hours(got["opening_hours"], wanted, first, last):
                chosen = candidate
                break
        message = str(exception.get("message") or "")
        if chosen is None:
            chosen = [{**_period(exception), **osm_schedule(wanted or "", message)}]
            result.faithful = False
        elif wanted is not None:
            rebuilt = _imported([*result.schedules, *chosen], today, holidays)
            if rebuilt is None or rebuilt[1][0]["opening_hours"] != wanted:
                chosen.append({**_period(exception), **osm_schedule(wanted)})
        result.schedules.extend(chosen)

    if new_id is not None:
        result.schedules = [
            {"id": new_id(f"schedule:{n}"), **s} for n, s in enumerate(result.schedules)
        ]
    return result
