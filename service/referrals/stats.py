"""Referral statistics for organisations and coordinators, with small counts hidden.

Only the anonymous facts of `referral` are read, never `referral_person`. A count from 1
to 4 is hidden (null in JSON, `<5` in CSV) so that nobody can be singled out; zero stays,
it singles out no one. A rate is hidden when its cases, or the cases it leaves out, number
1 to 4, since the rate and the total would give the hidden count back. Themes are counted
at the first level of the taxonomy, where counts are large enough to mean something.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from schemas.referrals import Count, MonthCounts, OrganisationCounts, Stats, ThemeCounts
from service.accounts.identity import Identity
from service.errors import Forbidden, invalid

THRESHOLD = 5
HIDDEN = "<5"

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


def check_period(start: date | None, end: date | None) -> None:
    """A 422 naming `to` when the period ends before it starts: it would count nothing."""
    if start is not None and end is not None and end < start:
        raise invalid("to", "must not be before from")


_SCOPE = """
    FROM referral r
    WHERE ($1::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date >= $1)
      AND ($2::date IS NULL OR (r.created_at AT TIME ZONE 'Europe/Brussels')::date <= $2)
      AND ($3::uuid IS NULL OR r.from_organisation_id = $3 OR r.to_organisation_id = $3)"""


async def compute(
    conn: asyncpg.Connection, start: date | None, end: date | None, organisation_id: UUID | None
) -> Stats:
    """The statistics of referrals created from `start` to `end` (inclusive, Brussels dates)."""
    args = (start, end, organisation_id)
    totals = await conn.fetchrow(
        """SELECT count(*) AS total,
                  count(*) FILTER (WHERE answered_at IS NOT NULL) AS answered,
                  count(*) FILTER (WHERE accepted_at IS NOT NULL) AS accepted,
                  count(*) FILTER (WHERE final_at IS NOT NULL) AS final,
                  percentile_cont(0.5) WITHIN GROUP (
                      ORDER BY extract(epoch FROM answered_at - created_at) / 3600.0)
                      FILTER (WHERE answered_at IS NOT NULL) AS median_hours"""
        + _SCOPE,
        *args,
    )
    months = await conn.fetch(
        """SELECT to_char(r.created_at AT TIME ZONE 'Europe/Brussels', 'YYYY-MM') AS month,
                  count(*) FILTER (WHERE $3::uuid IS NULL OR r.from_organisation_id = $3)
                      AS sent,
                  count(*) FILTER (WHERE $3::uuid IS NULL OR r.to_organisation_id = $3)
                      AS received"""
        + _SCOPE
        + " GROUP BY 1 ORDER BY 1",
        *args,
    )
    themes = await conn.fetch(
        """SELECT coalesce(th.parent_id, th.id, t.theme) AS theme,
                  count(DISTINCT t.id) AS referrals,
                  count(DISTINCT t.id) FILTER (WHERE t.decline_reason = 'no_capacity')
                      AS no_capacity,
                  count(DISTINCT t.id) FILTER (WHERE t.decline_reason = 'not_eligible')
                      AS not_eligible
           FROM (SELECT r.id, r.decline_reason, unnest(r.themes) AS theme"""
        + _SCOPE
        + """) AS t
           LEFT JOIN theme th ON th.id = t.theme
           GROUP BY 1 ORDER BY 1""",
        *args,
    )
    organisations = await conn.fetch(
        """SELECT o.id AS organisation_id, o.name,
                  count(*) FILTER (WHERE x.side = 'from') AS sent,
                  count(*) FILTER (WHERE x.side = 'to') AS received
           FROM (SELECT r.from_organisation_id AS organisation_id, 'from' AS side"""
        + _SCOPE
        + """ UNION ALL SELECT r.to_organisation_id, 'to'"""
        + _SCOPE
        + """) AS x
           JOIN organisation o ON o.id = x.organisation_id
           GROUP BY o.id, o.name ORDER BY o.name, o.id""",
        *args,
    )

    async def counts(column: str) -> list[Count]:
        rows = await conn.fetch(
            f"SELECT r.{column} AS key, count(*) AS n"
            + _SCOPE
            + f" AND r.{column} IS NOT NULL GROUP BY 1 ORDER BY 1",
            *args,
        )
        return [Count(key=r["key"], count=hide(r["n"])) for r in rows]

    per_theme = [
        ThemeCounts(
            theme=r["theme"],
            referrals=hide(r["referrals"]),
            no_capacity=hide(r["no_capacity"]),
            not_eligible=hide(r["not_eligible"]),
        )
        for r in themes
    ]
    answered = totals["answered"]
    median = totals["median_hours"]
    return Stats(
        from_date=start.isoformat() if start else None,
        to_date=end.isoformat() if end else None,
        organisation_id=organisation_id,
        total=hide(totals["total"]),
        per_month=[
            MonthCounts(month=r["month"], sent=hide(r["sent"]), received=hide(r["received"]))
            for r in months
        ],
        per_theme=per_theme,
        per_organisation=[
            OrganisationCounts(
                organisation_id=r["organisation_id"],
                name=r["name"],
                sent=hide(r["sent"]),
                received=hide(r["received"]),
            )
            for r in organisations
        ],
        statuses=await counts("status"),
        outcomes=await counts("outcome"),
        decline_reasons=await counts("decline_reason"),
        acceptance_rate=rate(totals["accepted"], answered),
        median_hours_to_answer=(
            round(float(median), 1) if median is not None and answered >= THRESHOLD else None
        ),
        closed_loop_rate=rate(totals["final"], totals["total"]),
        unmet_needs=[
            t
            for t, raw in zip(per_theme, themes, strict=True)
            if raw["no_capacity"] or raw["not_eligible"]
        ],
    )


def text_cell(value: Any) -> Any:
    """`value` for a CSV cell: a text that a spreadsheet would run as a formula (an
    organisation named `=HYPERLINK(…)`) gets a leading apostrophe; numbers stay as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_csv(stats: Stats) -> str:
    """The statistics as CSV rows `section,key,metric,value`; hidden counts read `<5`, texts
    that would be formulas start with an apostrophe."""
    out = io.StringIO()
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
