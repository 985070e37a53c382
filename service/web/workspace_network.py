"""The coordinators' page: which organisations' services need verifying, and reminders.

The figures and the reminder are the catalogue's (`service.catalogue.freshness`), the same
as the API's `/api/v1/network/freshness`; this page shows them and posts the reminders.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from service.catalogue import freshness, reports
from service.db.queries import load
from service.errors import InvalidInput, NotFound
from service.i18n import N_
from service.web.reports import KIND_LABELS as REPORT_KINDS
from service.web.workspace_common import MEMBERS_ONLY, Member, message_page, page
from service.web_common import Conn

Q = load(__file__)
NOT_A_COORDINATOR = N_("Only network coordinators may see the services of every organisation.")
REFUSALS = {
    freshness.RemindedRecently: N_("A reminder went to this organisation less than a week ago."),
    freshness.NothingToVerify: N_("Every service of this organisation was verified recently."),
    InvalidInput: N_("Nobody can verify these services: invite an admin or an editor first."),
}


class WorkspaceNetworkController(Controller):
    """Services to verify across the network, for coordinators."""

    path = "/workspace/network"
    tags = ["workspace"]
    include_in_schema = False
    dependencies = MEMBERS_ONLY

    @get("/", operation_id="networkFreshnessPage")
    async def network(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Member
    ) -> Response[Any]:
        """Organisations with services to verify first, each with its list and a reminder."""
        if not identity.is_coordinator:
            return message_page(N_("Not allowed"), NOT_A_COORDINATOR, 403)
        return page("network.html", await _context(conn, identity, request))

    @post("/{organisation_id:uuid}/remind", operation_id="remindFromWorkspace")
    async def remind(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        organisation_id: FromPath[UUID],
    ) -> Response[Any]:
        """Mail the organisation's admins and editors; back to the page, which says so."""
        if not identity.is_coordinator:
            return message_page(N_("Not allowed"), NOT_A_COORDINATOR, 403)
        try:
            await freshness.remind(
                conn,
                identity,
                organisation_id,
                today=freshness.today_in_brussels(),
                now=datetime.now(UTC),
                public_url=request.app.state.settings.public_url,
            )
        except NotFound:
            return message_page(N_("Page not found"), N_("This organisation does not exist."), 404)
        except (freshness.RemindedRecently, freshness.NothingToVerify, InvalidInput) as refused:
            context = await _context(conn, identity, request)
            context["refused"] = {"id": organisation_id, "why": REFUSALS[type(refused)]}
            return page("network.html", context, refused.status)
        return Redirect(
            f"/workspace/network/?reminded={organisation_id}#organisation-{organisation_id}",
            status_code=303,
        )


async def _context(conn: Conn, identity: Any, request: Request[Any, Any, Any]) -> dict[str, Any]:
    now = datetime.now(UTC)
    found = await freshness.network_freshness(conn, identity, freshness.today_in_brussels(), now)
    to_verify = [o for o in found.organisations if o.to_verify]
    # What was reported, for the coordinator to read: an organisation without editors has
    # nobody else in the workspace who would.
    reported: dict[UUID, list[Any]] = {}
    for report in await reports.open_reports(conn, None):
        reported.setdefault(report.organisation_id, []).append(report)
    return {
        "verify_before": found.verify_before,
        "to_verify": to_verify,
        "up_to_date": [o for o in found.organisations if not o.to_verify],
        "services_to_verify": sum(o.to_verify for o in to_verify),
        "reminded": request.query_params.get("reminded"),
        "handled": request.query_params.get("handled"),
        "reports": reported,
        # A new organisation has no services yet: listed to name its first admin, add them.
        "without_services": found.organisations_without_services,
        "inviting": {
            r["organisation_id"] for r in await conn.fetch(Q.organisations_inviting_editors, now)
        },
        "report_kinds": REPORT_KINDS,
        "months": freshness.VERIFY_AGAIN_AFTER_MONTHS,
    }


CONTROLLERS = [WorkspaceNetworkController]
