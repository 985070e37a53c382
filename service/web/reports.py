"""Reporting wrong information on a service page (anyone), and handling reports (editors).

The report itself is the catalogue's (`service.catalogue.reports`), as `POST
/api/v1/services/{id}/reports` makes it; these pages are its form and the editors' button.
"""

from __future__ import annotations

from typing import Any, get_args
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from schemas.catalogue import ReportIn, ReportKind, Service
from service.catalogue import organisations, reports, services
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.i18n import N_
from service.web.public import not_found_page
from service.web.workspace_common import (
    field_errors,
    login_redirect,
    message_page,
    read_form,
    too_long,
)
from service.web_common import Caller, Conn

KINDS = get_args(ReportKind)
KIND_LABELS = {
    "closed": N_("The service closed or no longer exists"),
    "hours": N_("The hours are wrong"),
    "place": N_("The address or the place is wrong"),
    "contact": N_("The phone, e-mail or website is wrong"),
    "conditions": N_("The conditions or who it is for are wrong"),
    "other": N_("Something else"),
}
"""What a report says is wrong, as the form offers it and the editors' dashboard lists it."""
SAY_WHAT = N_("Say in a few words what is wrong.")
CHOOSE_ONE = N_("Choose what is wrong.")
DETAILS_MAX = 1000
TOO_MANY = N_("Too many reports were sent from here lately. Try again in a quarter of an hour.")


async def _reported(conn: Conn, service_id: UUID) -> tuple[Service, str]:
    """The service reported on, and the language its organisation writes in: its name is
    in that language (`lang`), whatever the page's."""
    service = await services.get(conn, service_id)
    organisation = await organisations.get(conn, service.organisation_id)
    return service, organisation.language


def _form_page(
    service: Service, written: str, typed: dict[str, str], errors: dict[str, str], status: int
) -> Template:
    return Template(
        template_name="public/report.html",
        context={
            "service": service,
            "written": written,
            "kinds": KINDS,
            "kind_labels": KIND_LABELS,
            "typed": typed,
            "errors": errors,
        },
        status_code=status,
    )


class ReportPagesController(Controller):
    """The report form under each service page."""

    path = "/services/{service_id:uuid}/report"
    include_in_schema = False

    @get("/", operation_id="reportPage")
    async def form(self, conn: Conn, service_id: FromPath[UUID]) -> Response[Any]:
        """What is wrong: a choice, a few words, and a warning not to name anyone."""
        try:
            service, written = await _reported(conn, service_id)
        except NotFound:
            return not_found_page()
        return _form_page(service, written, {"kind": "", "details": ""}, {}, 200)

    @post("/", operation_id="sendReport")
    async def send(
        self, request: Request[Any, Any, Any], conn: Conn, service_id: FromPath[UUID]
    ) -> Response[Any]:
        """Record and mail the report; a thank-you page, or the form with what to correct."""
        try:
            service, written = await _reported(conn, service_id)
        except NotFound:
            return not_found_page()
        form = await read_form(request)
        typed = {"kind": form.get("kind", ""), "details": form.get("details", "").strip()}
        errors: dict[str, str] = {}
        if typed["kind"] not in KINDS:
            errors["kind"] = CHOOSE_ONE
        elif typed["kind"] == "other" and not typed["details"]:
            errors["details"] = SAY_WHAT
        if len(typed["details"]) > DETAILS_MAX:
            errors["details"] = too_long(typed["details"], DETAILS_MAX)
        if errors:
            return _form_page(service, written, typed, errors, 422)
        try:
            await reports.report(
                conn,
                service_id,
                msgspec.convert(typed, ReportIn),
                address=request.client.host if request.client else "unknown",
                public_url=request.app.state.settings.public_url,
            )
        except reports.TooManyReports:
            return _form_page(service, written, typed, {"form": TOO_MANY}, 429)
        except InvalidInput as error:
            # Nothing said, or a NUL character: shown where it was (the mark browsers show).
            said = {"details": typed["details"].replace("\x00", "\ufffd")}
            return _form_page(service, written, {**typed, **said}, field_errors(error.errors), 422)
        except msgspec.ValidationError:
            return _form_page(service, written, typed, {"details": SAY_WHAT}, 422)
        return Redirect(f"/services/{service_id}/report/sent", status_code=303)

    @get("/sent", operation_id="reportSentPage")
    async def sent(self, conn: Conn, service_id: FromPath[UUID]) -> Response[Any]:
        """Thanks, and what happens now."""
        try:
            service = await services.get(conn, service_id)
        except NotFound:
            return not_found_page()
        return Template(template_name="public/report_sent.html", context={"service": service})


class ReportHandlingController(Controller):
    """The editors' "handled" button on the dashboard."""

    path = "/workspace/reports"
    include_in_schema = False

    @post("/{report_id:uuid}/handled", operation_id="markReportHandledFromWorkspace")
    async def handled(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Caller,
        report_id: FromPath[UUID],
    ) -> Response[Any]:
        """The service was checked: the report leaves the dashboard (or the coordinators'
        network page, which it came from)."""
        if identity is None:
            return login_redirect(request)
        back_to_network = (await read_form(request)).get("back") == "network"
        try:
            organisation_id = await reports.mark_handled(conn, identity, report_id)
        except NotFound:
            return message_page(
                N_("Page not found"), N_("This report does not exist any more."), 404
            )
        except Forbidden:
            return message_page(
                N_("Not allowed"),
                N_("Only the editors of the organisation may handle its reports."),
                403,
            )
        except Conflict:
            # Someone else handled it meanwhile: the page shows it gone.
            return Redirect(
                "/workspace/network/" if back_to_network else "/workspace/#reports",
                status_code=303,
            )
        if back_to_network:
            return Redirect(
                f"/workspace/network/?handled={organisation_id}#organisation-{organisation_id}",
                status_code=303,
            )
        return Redirect("/workspace/?handled=1#reports", status_code=303)


CONTROLLERS = [ReportPagesController, ReportHandlingController]
