"""Regular hours as a plain week, for people who do not write OpenStreetMap expressions.

Most places open the same hours every week: on each day, up to `SLOTS` time ranges, and
closed or not on public holidays. `read_week` recognises such an expression and `week_text`
writes one, consecutive days with the same ranges grouped ("Mo-Fr 09:00-12:00,13:30-16:00;
Sa 09:00-12:00; PH off"). A day's last range may close before it opens: it ends the next
morning ("Mo-Su 19:30-08:30", a night shelter), as in the OpenStreetMap syntax. Anything
richer (monthly rules, seasons, 24/7) is left to the expression itself: `read_week` returns
None for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
SLOTS = 2
"""Time ranges a day can have in the plain week (morning and afternoon)."""

Range = tuple[str, str]

_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
_RANGE = re.compile(r"^(\d\d:\d\d)-(\d\d:\d\d)$")
_RULE = re.compile(r"^([A-Za-z,-]+)\s+(.+)$")
# "Tu,Th 09:00-12:00, Fr 13:00-16:30": after a time, a comma then days start an additional
# rule (OpenStreetMap's ", " separator). Between times ("09:00-12:00, 13:00-16:30") it
# separates ranges of the same days.
_ADDITIONAL_RULE = re.compile(r"(?<=\d),\s+(?=(?:Mo|Tu|We|Th|Fr|Sa|Su)\b)")


@dataclass(frozen=True)
class Week:
    """Each day's opening ranges (Monday first), and whether public holidays are closed."""

    days: tuple[tuple[Range, ...], ...]
    holidays_closed: bool = False

    @property
    def empty(self) -> bool:
        """No opening on any day: hours not known, rather than closed all week."""
        return not any(self.days)


def is_time(text: str) -> bool:
    """Whether `text` is a time of day as HH:MM (24:00 for the end of the day)."""
    return bool(_TIME.match(text))


def overnight(time_range: Range) -> bool:
    """Whether the range closes the next morning (it closes before it opens)."""
    start, end = time_range
    return end < start


def valid_day(ranges: tuple[Range, ...]) -> bool:
    """Ranges in order, none overlapping the next, each closing after it opens, except the
    last, which may close the next morning."""
    previous_end = ""
    for index, (start, end) in enumerate(ranges):
        if not (is_time(start) and is_time(end)) or start == "24:00" or start == end:
            return False
        if overnight((start, end)) and index != len(ranges) - 1:
            return False
        if previous_end and start < previous_end:
            return False
        previous_end = end
    return len(ranges) <= SLOTS


def _days_of(spec: str) -> list[int] | None:
    chosen: list[int] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            return None
        start, stop = DAYS.index(first), DAYS.index(last or first)
        if stop < start:
            return None  # a week that wraps (Sa-Mo): left to the expression
        chosen.extend(range(start, stop + 1))
    return chosen


def _ranges_of(spec: str) -> tuple[Range, ...] | None:
    if spec == "off":
        return ()
    ranges = []
    for part in spec.split(","):
        found = _RANGE.match(part.strip())
        if found is None:
            return None
        ranges.append((found[1], found[2]))
    result = tuple(ranges)
    return result if valid_day(result) else None


def read_week(expression: str | None) -> Week | None:
    """The expression as a plain week, or None when it says more than one can show.

    Rules separated by ";" replace what earlier rules said of the same day: a day set twice
    is left to the expression. Additional rules (", ") add their ranges to the days instead,
    as HSDS schedules converted to the OpenStreetMap syntax say "Mo-Fr 09:00-12:00, Tu,Th
    13:30-16:00". The morning after an overnight opening belongs to the day after, unless a
    later ";" rule sets that day ("Fr 20:00-08:00; Sa 10:00-12:00" closes Saturday until
    10:00): a week cannot say that, so such an expression is left as it is.
    """
    if not expression or not expression.strip():
        return Week(days=((),) * len(DAYS))
    days: list[tuple[Range, ...] | None] = [None] * len(DAYS)
    rule_of: dict[int, int] = {}
    holidays_closed = False
    rules = [rule.strip() for rule in expression.strip().rstrip(";").split(";")]
    for index, rule in enumerate(rules):
        if rule == "PH off" and index == len(rules) - 1:
            holidays_closed = True
            continue
        parts = _ADDITIONAL_RULE.split(rule)
        set_here: set[int] = set()
        for part in parts:
            found = _RULE.match(part.strip())
            if found is None:
                return None
            chosen, ranges = _days_of(found[1]), _ranges_of(found[2])
            if chosen is None or ranges is None or (not ranges and len(parts) > 1):
                return None
            for day in chosen:
                if days[day] is not None and day not in set_here:
                    return None  # a later rule overriding an earlier one
                days[day] = tuple(sorted((*(days[day] or ()), *ranges)))
                set_here.add(day)
                rule_of[day] = index
    if not all(valid_day(day) for day in days if day):
        return None
    for day, ranges in enumerate(days):
        after = (day + 1) % len(DAYS)
        if ranges and overnight(ranges[-1]) and rule_of.get(after, rule_of[day]) != rule_of[day]:
            return None

    return Week(days=tuple(d or () for d in days), holidays_closed=holidays_closed)


def read_week_partly(expression: str | None) -> tuple[Week, tuple[str, ...]]:
    """What of the expression a plain week can show, and the rules (";") it cannot, as
    written: the day-by-day form starts from the first and names the second, rather than
    starting empty ("Mo[1] 09:00-12:00; Tu 10:00-12:00; PH off": Tuesday and the public
    holidays are kept, the first Monday of the month named).

    The rules are taken in order, each kept if the week still reads with it: of two rules
    setting the same day, the later is named."""
    week = read_week(expression)
    if week is not None:
        return week, ()
    rules = [rule.strip() for rule in (expression or "").split(";") if rule.strip()]
    kept: list[str] = []
    left: list[str] = []
    for rule in rules:
        if rule == "PH off":
            continue
        if read_week("; ".join([*kept, rule])) is not None:
            kept.append(rule)
        else:
            left.append(rule)
    shown = read_week("; ".join(kept)) or Week(days=((),) * len(DAYS))
    return Week(days=shown.days, holidays_closed="PH off" in rules), tuple(left)


def open_days(week: Week) -> list[tuple[int, int, tuple[Range, ...]]]:
    """Runs of consecutive days with the same hours, (first, last, ranges), closed days left
    out: what "Mo-Fr 09:00-12:00" and "lundi–vendredi 09:00–12:00" both say."""
    runs = []
    day = 0
    while day < len(DAYS):
        last = day
        while last + 1 < len(DAYS) and week.days[last + 1] == week.days[day]:
            last += 1
        if week.days[day]:
            runs.append((day, last, week.days[day]))
        day = last + 1
    return runs


def week_text(week: Week) -> str:
    """The week as an OpenStreetMap expression; empty when no day has hours.

    Days are separate rules ("; "), or additional rules (", ") when an opening ends the next
    morning: a "; " rule for the next day would close that morning, an additional one does not.
    """
    rules = [
        f"{DAYS[first] if last == first else f'{DAYS[first]}-{DAYS[last]}'} "
        + ",".join(f"{start}-{end}" for start, end in ranges)
        for first, last, ranges in open_days(week)
    ]
    if not rules:
        return ""
    nights = any(ranges and overnight(ranges[-1]) for ranges in week.days)
    text = (", " if nights else "; ").join(rules)
    return f"{text}; PH off" if week.holidays_closed else text
