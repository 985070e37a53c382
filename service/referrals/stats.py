"""Referral statistics for organisations and coordinators, with small counts hidden.

Only the anonymous facts of `referral` are read, never `referral_person`. A count from 1
to 4 is hidden (null in JSON, `hidden` in CSV) so that nobody can be singled out; zero stays,
it singles out no one. Counts that add up to another figure (the statuses to the total, the
months, themes and organisations to the total or to their organisation's figure, the reasons
to the declined, the outcomes to the closed) form a group: a hidden count must not be found
again by subtraction, so when a group hides one count only, or hidden counts that add up to
less than 5 (or one each), the next smallest count of the group is hidden too (secondary
suppression), until every group is safe; which counts are hidden for which reason is not
told. A rate is hidden when its cases, or the cases it leaves out, number 1 to 4, or when a
count it is made of is hidden, since the rate and the total would give it back. Themes are
counted at the first level of the taxonomy, where counts are large enough to mean something.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from schemas.referrals import Count, MonthCounts, OrganisationCounts, Stats, ThemeCounts
from service.accounts.identity import Identity
from service.db.queries import load
from service.errors import Forbidden, invalid
from service.referrals.workflow import FINAL, OPEN

Q = load(__file__, "stats.sql")

THRESHOLD = 5
HIDDEN = "hidden"

# What spreadsheets read as the start of a formula (OWASP's list), and plain numbers, which
# may start with a sign yet are no formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def hide(count: int) -> int | None:
    """The count, or None when it is below the threshold but not zero."""
    return None if 0 < count < THRESHOLD else count


def rate(part: int, whole: int) -> float | None:
    """part / whole rounded, or None when it would reveal a hidden count."""
    if whole < THRESHOLD or 0 < part < THRESHOLD or 0 < whole - part < THRESHOLD:
        return None
    return round(part / whole, 3)


@dataclass(eq=False)
class Cell:
    """A count to publish, and whether it is hidden (first because it is small)."""

    count: int
    hidden: bool = False

    @classmethod
    def of(cls, count: int) -> Cell:
        return cls(count, 0 < count < THRESHOLD)

    @property
    def shown(self) -> int | None:
        return None if self.hidden else self.count


@dataclass(eq=False)
class Group:
    """Counts (`parts`) that add up to `total`, a figure published elsewhere (a cell of its
    own, or what a rate gives back). A hidden total still counts as known: another group may
    give it back, so the parts are protected as if it were shown."""

    total: Cell
    parts: list[Cell] = field(default_factory=list)
    rate: bool = False
    """The total is only what a rate gives: when hidden, the group tells nothing, and hiding
    the rate is what protects the group."""

    def protect(self) -> bool:
        """Hide one more cell if a hidden part could be worked out; whether it did."""
        if self.rate and self.total.hidden:
            return False
        hidden = [c for c in self.parts if c.hidden]
        if not hidden and not self.total.hidden:
            return False
        together = sum(c.count for c in hidden)
        # Two hidden parts or more, adding up to 5 or more, and not all ones: none of them
        # can be told from the others, since any could be from 1 up.
        if len(hidden) >= 2 and together >= THRESHOLD and together > len(hidden):
            return False
        shown = [c for c in self.parts if not c.hidden and c.count > 0]
        if self.rate or not shown:
            if self.total.hidden:
                return False
            self.total.hidden = True
            return True
        min(shown, key=lambda c: c.count).hidden = True
        return True


def suppress(groups: Iterable[Group]) -> None:
    """Secondary suppression: hide further counts until no group gives a hidden one back."""
    groups = list(groups)
    changed = True
    while changed:
        changed = False
        for group in groups:
            changed = group.protect() or changed


def scope_of(identity: Identity, organisation_id: UUID | None) -> UUID | None:
    """Whose statistics the caller may read: coordinators any (None: the whole network),
    members their own organisation's."""
    if identity.is_coordinator:
        return organisation_id
    if organisation_id is None:
        if len(identity.roles) != 1:
            raise invalid("organisation_id", "say which of your organisations to report on")
        return next(iter(identity.roles))
    if identity.role_in(organisation_id) is None:
        raise Forbidden("you can only read the statistics of your own organisations")
    return organisation_id


async def check_scope(conn: asyncpg.Connection, organisation_id: UUID | None) -> None:
    """A 422 naming `organisation_id` when no such organisation exists (deleted, a stale
    link): its figures would read as an organisation's with nothing referred."""
    if organisation_id is not None and not await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM organisation WHERE id = $1)", organisation_id
    ):
        raise invalid("organisation_id", "is not an organisation of the network")


def check_period(start: date | None, end: date | None) -> None:
    """A 422 naming `to` when the period ends before it starts: it would count nothing."""
    if start is not None and end is not None and end < start:
        raise invalid("to", "must not be before from")


async def scope_name(conn: asyncpg.Connection, organisation_id: UUID) -> str | None:
    """The name of the organisation statistics are about; None when it does not exist."""
    name: str | None = await conn.fetchval(Q.stats_organisation_name, organisation_id)
    return name


async def compute(
    conn: asyncpg.Connection, start: date | None, end: date | None, organisation_id: UUID | None
) -> Stats:
    """The statistics of referrals created from `start` to `end` (inclusive, Brussels dates),
    read in one statement: suppression needs counts that add up, from one moment."""
    found = await conn.fetchrow(Q.stats, start, end, organisation_id)
    totals, months, themes = found["totals"], found["months"], found["themes"]
    organisations = [
        {**r, "organisation_id": UUID(r["organisation_id"])} for r in found["organisations"]
    ]

    def counts(part: str) -> dict[str, Cell]:
        return {r["key"]: Cell.of(r["n"]) for r in found[part]}

    total = Cell.of(totals["total"])
    month_cells = [(r["month"], Cell.of(r["sent"]), Cell.of(r["received"])) for r in months]
    theme_cells = [
        (r["theme"], Cell.of(r["referrals"]), Cell.of(r["no_capacity"]), Cell.of(r["not_eligible"]))
        for r in themes
    ]
    organisation_cells = [
        (r["organisation_id"], r["name"], Cell.of(r["sent"]), Cell.of(r["received"]))
        for r in organisations
    ]
    statuses = counts("statuses")
    outcomes = counts("outcomes")
    decline_reasons = counts("decline_reasons")
    accepted, answered, final = totals["accepted"], totals["answered"], totals["final"]
    closed_loop = rate(final, totals["total"])
    # What the closed-loop rate gives back with the total: the final and the open referrals.
    closed_loop_cell = Cell(final, closed_loop is None)

    groups = [
        Group(total, list(statuses.values())),
        Group(statuses.get("declined", Cell(0)), list(decline_reasons.values())),
        Group(statuses.get("closed", Cell(0)), list(outcomes.values())),
        Group(closed_loop_cell, [c for k, c in statuses.items() if k in FINAL], rate=True),
        Group(closed_loop_cell, [c for k, c in statuses.items() if k in OPEN], rate=True),
        Group(total, [referrals for _, referrals, _, _ in theme_cells]),
        Group(decline_reasons.get("no_capacity", Cell(0)), [c for _, _, c, _ in theme_cells]),
        Group(decline_reasons.get("not_eligible", Cell(0)), [c for _, _, _, c in theme_cells]),
    ]
    if organisation_id is None:
        # The network: every referral is sent and received once, in the same month.
        groups += [
            Group(total, [sent for _, sent, _ in month_cells]),
            Group(total, [received for _, _, received in month_cells]),
            *(Group(sent, [received]) for _, sent, received in month_cells),
            Group(total, [sent for _, _, sent, _ in organisation_cells]),
            Group(total, [received for _, _, _, received in organisation_cells]),
        ]
    else:
        # One organisation: its own row holds what it sent and received, month by month and
        # to or from each other organisation.
        own = [o for o in organisation_cells if o[0] == organisation_id]
        others = [o for o in organisation_cells if o[0] != organisation_id]
        for _, _, own_sent, own_received in own:
            groups += [
                Group(total, [own_sent, own_received]),
                Group(own_sent, [sent for _, sent, _ in month_cells]),
                Group(own_received, [received for _, _, received in month_cells]),
                Group(own_sent, [received for _, _, _, received in others]),
                Group(own_received, [sent for _, _, sent, _ in others]),
            ]
    suppress(groups)

    # The acceptance rate, with the declined, tells the accepted apart: it needs every count
    # of the referrals it is made of shown.
    made_of = ("accepted", "closed", "declined", "redirected", "cancelled")
    acceptance = (
        None
        if any(statuses[k].hidden for k in made_of if k in statuses)
        else rate(accepted, answered)
    )
    per_theme = [
        ThemeCounts(
            theme=theme,
            referrals=referrals.shown,
            no_capacity=no_capacity.shown,
            not_eligible=not_eligible.shown,
        )
        for theme, referrals, no_capacity, not_eligible in theme_cells
    ]
    median = totals["median_hours"]
    return Stats(
        from_date=start.isoformat() if start else None,
        to_date=end.isoformat() if end else None,
        organisation_id=organisation_id,
        total=total.shown,
        per_month=[
            MonthCounts(month=month, sent=sent.shown, received=received.shown)
            for month, sent, received in month_cells
        ],
        per_theme=per_theme,
        per_organisation=[
            OrganisationCounts(
                organisation_id=organisation, name=name, sent=sent.shown, received=received.shown
            )
            for organisation, name, sent, received in organisation_cells
        ],
        statuses=[Count(key=k, count=c.shown) for k, c in statuses.items()],
        outcomes=[Count(key=k, count=c.shown) for k, c in outcomes.items()],
        decline_reasons=[Count(key=k, count=c.shown) for k, c in decline_reasons.items()],
        acceptance_rate=acceptance,
        median_hours_to_answer=(
            round(float(median), 1) if median is not None and answered >= THRESHOLD else None
        ),
        closed_loop_rate=None if closed_loop_cell.hidden else closed_loop,
        unmet_needs=[
            theme
            for theme, (_, _, no_capacity, not_eligible) in zip(per_theme, theme_cells, strict=True)
            if no_capacity.count or not_eligible.count
        ],
    )


def text_cell(value: Any) -> Any:
    """`value` for a CSV cell: a text that a spreadsheet would run as a formula (an
    organisation named `=HYPERLINK(…)`) gets a leading apostrophe; numbers stay as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_csv(stats: Stats) -> str:
    """The statistics as CSV rows `section,key,metric,value`; hidden counts read `hidden`, texts
    that would be formulas start with an apostrophe.

    It starts with a byte order mark: without one, Excel reads UTF-8 as Windows-1252
    ("SÃ©curitÃ©"). Commas and a dot before decimals stay, for programs; the workbook is the
    spreadsheets' export.
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "key", "metric", "value"])

    def row(section: str, key: str, metric: str, value: Any) -> None:
        cells = [section, key, metric, HIDDEN if value is None else value]
        writer.writerow([text_cell(cell) for cell in cells])

    def rate_row(metric: str, value: float | None) -> None:
        writer.writerow(["summary", "", metric, "" if value is None else value])

    row("summary", "", "total", stats.total)
    rate_row("acceptance_rate", stats.acceptance_rate)
    rate_row("median_hours_to_answer", stats.median_hours_to_answer)
    rate_row("closed_loop_rate", stats.closed_loop_rate)
    for month in stats.per_month:
        row("month", month.month, "sent", month.sent)
        row("month", month.month, "received", month.received)
    for theme in stats.per_theme:
        row("theme", theme.theme, "referrals", theme.referrals)
    for organisation in stats.per_organisation:
        row("organisation", organisation.name, "sent", organisation.sent)
        row("organisation", organisation.name, "received", organisation.received)
    for section, items in (
        ("status", stats.statuses),
        ("outcome", stats.outcomes),
        ("decline_reason", stats.decline_reasons),
    ):
        for item in items:
            row(section, item.key, "count", item.count)
    for theme in stats.unmet_needs:
        row("unmet_needs", theme.theme, "no_capacity", theme.no_capacity)
        row("unmet_needs", theme.theme, "not_eligible", theme.not_eligible)
    return out.getvalue()
