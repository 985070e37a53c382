"""Referral statistics in the workspace: the figures of `GET /api/v1/referrals/stats` for a
period, for the network (coordinators) or one's organisation, with the same small counts
hidden, and the CSV the API gives for reports (the plan de cohésion sociale's, say)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Request, Response, get

from service.accounts import memberships
from service.catalogue.records import Q as CATALOGUE
from service.errors import Forbidden, InvalidInput
from service.i18n import N_
from service.referrals import stats
from service.web.workspace_common import (
    BAD_DATE,
    MEMBERS_ONLY,
    Member,
    message_page,
    page,
)
from service.web_common import Conn

CHOOSE_AN_ORGANISATION = N_("Choose which of your organisations to report on.")


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


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
        params = request.query_params
        typed = {
            "from": str(params.get("from") or "")[:10],
            "to": str(params.get("to") or "")[:10],
            "organisation_id": str(params.get("organisation_id") or "")[:36],
        }
        me = await memberships.me(conn, identity)
        context: dict[str, Any] = {
            "me": me,
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
        if context["errors"]:
            return page("statistics.html", context, 422)
        try:
            organisation = UUID(typed["organisation_id"]) if typed["organisation_id"] else None
        except ValueError:
            organisation = None
        try:
            scope = stats.scope_of(identity, organisation)
        except InvalidInput:
            context["errors"] = {"organisation_id": CHOOSE_AN_ORGANISATION}
            return page("statistics.html", context)
        except Forbidden:
            return message_page(
                N_("Not allowed"),
                N_("You can only read the statistics of your own organisations."),
                403,
            )
        context["result"] = await stats.compute(conn, days["from"], days["to"], scope)
        query = {k: v for k, v in typed.items() if v} | {"format": "csv"}
        if scope is not None:
            query["organisation_id"] = str(scope)
        context["csv_url"] = "/api/v1/referrals/stats?" + urlencode(query)
        context["scope_name"] = (
            await conn.fetchval("SELECT name FROM organisation WHERE id = $1", scope)
            if scope is not None
            else None
        )
        return page("statistics.html", context)


CONTROLLERS = [WorkspaceStatisticsController]
