"""Referral statistics in the workspace: the figures of `GET /api/v1/referrals/stats` for a
period, for the network (coordinators) or one's organisation, with the same small counts
hidden; the same figures as an Excel workbook in the reader's language, for the yearly
reports (the plan de cohésion sociale's, say), and the CSV the API gives for programs."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import xlsxwriter
from litestar import Controller, Request, Response, get

from schemas.referrals import Count, Stats
from service.accounts import memberships
from service.catalogue.records import Q as CATALOGUE
from service.db.queries import load
from service.errors import Forbidden, InvalidInput
from service.i18n import N_, language_of, translate
from service.referrals import stats
from service.referrals.labels import DECLINE_REASONS, OUTCOMES, STATUS
from service.web.workspace_common import (
    BAD_DATE,
    LAST_BEFORE_FIRST,
    MEMBERS_ONLY,
    Member,
    message_page,
    page,
)
from service.web_common import Conn

Q = load(__file__)
CHOOSE_AN_ORGANISATION = N_("Choose which of your organisations to report on.")
NO_SUCH_ORGANISATION = N_("This organisation does not exist.")


def file_name_part(name: str) -> str:
    """An organisation's name as part of a file name: plain ASCII letters and digits joined
    by hyphens ("Les Restos du Cœur" → "les-restos-du-coeur"), what every system keeps."""
    name = name.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60].strip("-")


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


THEMES_OVERLAP = N_(
    "A referral counts under each theme of its service, so the themes may add up to more"
    " than the referrals."
)
"""Said under the themes: a yearly report adding them up must not read more referrals."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HIDDEN = N_("hidden")


def workbook(
    result: Stats,
    *,
    language: str,
    title: str,
    period: str,
    theme_label: Callable[[str], str],
) -> bytes:
    """The figures as an Excel workbook: a sheet per table of the page, headings in
    `language`, counts as numbers (hidden ones as the word "hidden"), rates as percentages."""

    def _(message: str) -> str:
        return translate(message, language)

    out = io.BytesIO()
    # Names come from the organisations themselves: a text is only ever a text, never a
    # formula (`=HYPERLINK(…)`) nor a link that xlsxwriter would make of it by default.
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})
    percent = book.add_format({"num_format": "0%"})
    names: set[str] = set()

    def add_sheet(name: str) -> Any:
        # Sheet names: at most 31 characters, none of []:*?/\, and no two alike.
        clean = "".join(c for c in _(name) if c not in "[]:*?/\\")[:31]
        while clean in names:
            clean = clean[:29] + f" {len(names)}"
        names.add(clean)
        return book.add_worksheet(clean)

    def sheet(name: str, headings: list[str], rows: list[list[Any]], note: str = "") -> None:
        page = add_sheet(name)
        page.write_row(0, 0, [_(h) for h in headings], bold)
        for number, row in enumerate(rows, start=1):
            page.write_row(number, 0, [_(HIDDEN) if value is None else value for value in row])
        if note:
            page.write(len(rows) + 2, 0, _(note))
        page.set_column(0, 0, max([len(str(r[0])) for r in rows] + [len(_(headings[0])), 12]))
        page.set_column(1, len(headings) - 1, 14)
        page.freeze_panes(1, 0)

    summary = add_sheet(N_("Summary"))
    facts: list[tuple[str, Any, Any]] = [
        (_("Organisation"), title, None),
        (_("Period"), period, None),
        (_("Referrals"), _(HIDDEN) if result.total is None else result.total, None),
        (_("Accepted, of those answered"), result.acceptance_rate, percent),
        (_("Median time to answer, in hours"), result.median_hours_to_answer, None),
        (_("Closed with an outcome, or ended"), result.closed_loop_rate, percent),
    ]
    for number, (label, value, style) in enumerate(facts):
        summary.write(number, 0, label, bold)
        if value is None:
            summary.write(number, 1, "—")
        else:
            summary.write(number, 1, value, style)
    summary.write(
        len(facts) + 1,
        0,
        _(
            "Counts from 1 to 4 are hidden so that nobody can be singled out, and so are "
            "other counts where a total would give them back; rates need at least 5 cases "
            "on each side."
        ),
    )
    summary.set_column(0, 0, 38)
    summary.set_column(1, 1, 40)

    def counted(counts: list[Count], labels: Mapping[str, str]) -> list[list[Any]]:
        return [[_(labels.get(c.key, c.key)), c.count] for c in counts]

    sheet(
        N_("Per month"),
        [N_("Month"), N_("Referrals sent"), N_("Referrals received")],
        [[m.month, m.sent, m.received] for m in result.per_month],
    )
    sheet(
        N_("Per theme"),
        [N_("Theme"), N_("Referrals"), N_("No capacity"), N_("Not eligible")],
        [
            [theme_label(x.theme), x.referrals, x.no_capacity, x.not_eligible]
            for x in result.per_theme
        ],
        THEMES_OVERLAP,
    )
    sheet(
        N_("Per organisation"),
        [N_("Organisation"), N_("Referrals sent"), N_("Referrals received")],
        [[o.name, o.sent, o.received] for o in result.per_organisation],
    )
    sheet(
        N_("Where referrals stand"),
        [N_("Status"), N_("Referrals")],
        counted(result.statuses, STATUS),
    )
    sheet(
        N_("Reasons for declining"),
        [N_("Reason"), N_("Referrals")],
        counted(result.decline_reasons, DECLINE_REASONS),
    )
    sheet(N_("Outcomes"), [N_("Outcome"), N_("Referrals")], counted(result.outcomes, OUTCOMES))
    book.close()
    return out.getvalue()


class WorkspaceStatisticsController(Controller):
    """The statistics page."""

    path = "/workspace/statistics"
    tags = ["workspace"]
    include_in_schema = False
    dependencies = MEMBERS_ONLY

    @get("/", operation_id="statisticsPage")
    async def statistics(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Member
    ) -> Response[Any]:
        """Totals, months, themes, organisations, answers and unmet needs of a period."""
        context = await _report(request, conn, identity)
        if isinstance(context, Response):
            return context
        query = {k: v for k, v in context["typed"].items() if v}
        if context["scope"] is not None:
            query["organisation_id"] = str(context["scope"])
        context["csv_url"] = "/api/v1/referrals/stats?" + urlencode(query | {"format": "csv"})
        context["xlsx_url"] = "/workspace/statistics/figures.xlsx?" + urlencode(query)
        return page("statistics.html", context)

    @get("/figures.xlsx", operation_id="statisticsWorkbook")
    async def statistics_workbook(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Member
    ) -> Response[Any]:
        """The same figures as an Excel workbook, in the page's language."""
        context = await _report(request, conn, identity)
        if isinstance(context, Response):
            return context
        language = language_of(request)
        themes = context["themes"]

        def theme_label(theme: str) -> str:
            labels = themes.get(theme)
            return str(labels.get(f"label_{language}") or labels["label_fr"]) if labels else theme

        typed = context["typed"]
        period = f"{typed['from'] or '…'} — {typed['to'] or '…'}"
        title = context["scope_name"] or translate("The whole network", language)
        content = workbook(
            context["result"],
            language=language,
            title=title,
            period=period,
            theme_label=theme_label,
        )
        whose = file_name_part(context["scope_name"] or "")
        days = f"{typed['from'] or 'start'}-{typed['to'] or 'today'}"
        name = f"boussole-statistics-{whose + '-' if whose else ''}{days}.xlsx"
        return Response(
            content,
            media_type=XLSX,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )


async def _report(
    request: Request[Any, Any, Any], conn: Conn, identity: Member
) -> dict[str, Any] | Response[Any]:
    """What the page and the workbook show: the period and scope asked, checked, and the
    figures; or the page itself when the form has something to say first (a wrong date, an
    organisation to choose), or a refusal."""
    params = request.query_params
    typed = {
        "from": str(params.get("from") or "")[:10],
        "to": str(params.get("to") or "")[:10],
        "organisation_id": str(params.get("organisation_id") or "")[:36],
    }
    me = await memberships.me(conn, identity)
    # Coordinators report on any organisation of the network, members on their own.
    choices = (
        [dict(row) for row in await conn.fetch(Q.organisations_to_report_on)]
        if identity.is_coordinator
        else [{"id": o.id, "name": o.name} for o in me.organisations]
    )
    context: dict[str, Any] = {
        "me": me,
        "choices": choices,
        "themes_overlap": THEMES_OVERLAP,
        "typed": typed,
        "errors": {},
        "result": None,
        "themes": {row["id"]: dict(row) for row in await conn.fetch(CATALOGUE.list_themes)},
    }
    days: dict[str, date | None] = {}
    for name in ("from", "to"):
        try:
            days[name] = _day(typed[name])
        except ValueError:
            context["errors"][name] = BAD_DATE
    first, last = days.get("from"), days.get("to")
    if first is not None and last is not None and last < first:
        context["errors"]["to"] = LAST_BEFORE_FIRST
    if context["errors"]:
        return page("statistics.html", context, 422)
    try:
        organisation = UUID(typed["organisation_id"]) if typed["organisation_id"] else None
    except ValueError:
        context["errors"] = {"organisation_id": NO_SUCH_ORGANISATION}
        return page("statistics.html", context, 422)
    try:
        scope = stats.scope_of(identity, organisation)
        await stats.check_scope(conn, scope)
    except InvalidInput:
        if organisation is not None:
            # Deleted since, or a stale link: not the figures of an organisation of nobody.
            context["errors"] = {"organisation_id": NO_SUCH_ORGANISATION}
            return page("statistics.html", context, 422)
        # Not an error of the reader's: a choice to make first.
        context["errors"] = {"organisation_id": CHOOSE_AN_ORGANISATION}
        return page("statistics.html", context)
    except Forbidden:
        return message_page(
            N_("Not allowed"),
            N_("You can only read the statistics of your own organisations."),
            403,
        )
    context["scope"] = scope
    context["days"] = days
    context["result"] = await stats.compute(conn, days["from"], days["to"], scope)
    context["scope_name"] = await stats.scope_name(conn, scope) if scope is not None else None
    return context


CONTROLLERS = [WorkspaceStatisticsController]
