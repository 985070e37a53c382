"""The workspace dashboard and what editors keep right: capacity, hours and dated exceptions
(the rest of a service is edited in `workspace_edit`).

Every write goes through the catalogue's functions with the version the page was built
from (a hidden field), so two editors never silently overwrite each other.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from schemas.catalogue import Service, ServiceIn
from service.accounts import memberships
from service.accounts.identity import EDIT_ROLES, Identity
from service.catalogue import reports, services
from service.catalogue.freshness import needs_verifying, today_in_brussels
from service.catalogue.records import VersionMismatch
from service.catalogue.stored import with_changes
from service.db.queries import load
from service.errors import InvalidInput
from service.hours.week import (
    DAYS,
    SLOTS,
    Week,
    is_time,
    overnight,
    read_week_partly,
    week_text,
)
from service.i18n import N_
from service.operations.status import status_for
from service.referrals import referrals
from service.web.reports import KIND_LABELS as REPORT_KINDS
from service.web.templating import WEEKDAYS
from service.web.workspace_common import (
    BAD_DATE,
    MEMBERS_ONLY,
    SHORT,
    Member,
    PageRefused,
    decoding_errors,
    editable_service,
    field_errors,
    form_version,
    message_page,
    page,
    read_form,
    too_long,
)
from service.web_common import Conn

Q = load(__file__)
CAPACITIES = ("available", "limited", "full")
BLANK_EXCEPTION_ROWS = 2
BAD_TIME = N_("Enter a time such as 09:30.")
CLOSES_WHEN_OPENS = N_("The closing time must differ from the opening time.")
OVERLAPS = N_("The second opening must start after the first one closes.")
WOULD_DROP = N_(
    "Saved day by day, the hours lose the rules listed above: tick this box to save them"
    " without, or change the hours as text."
)
WEEK_FORM = {"week_days": [day.lower() for day in DAYS], "week_slots": SLOTS, "WEEKDAYS": WEEKDAYS}
"""What the hours page needs to draw the day-by-day fields."""


# The usual partners: the services referred to most in this many past days, at most so many.
FREQUENT_SINCE = timedelta(days=180)
FREQUENT_SHOWN = 6
# The answers to the referrals sent: those given in this many past days, at most so many.
ANSWERS_SINCE = timedelta(days=14)
ANSWERS_SHOWN = 5


async def dashboard_context(conn: Conn, identity: Identity) -> dict[str, Any]:
    """The signed-in person's organisations, the services they edit, their referral counts,
    the last answers to the referrals they sent and the services they refer people to most."""
    me = await memberships.me(conn, identity)
    editable = [o.id for o in me.organisations if o.role in EDIT_ROLES]
    rows = await conn.fetch(Q.editable_services, editable)
    frequent = await conn.fetch(
        Q.frequent_destinations,
        [o.id for o in me.organisations],
        datetime.now(UTC) - FREQUENT_SINCE,
        FREQUENT_SHOWN,
    )
    open_reports = await reports.open_reports(conn, editable)
    waiting = await referrals.list_page(
        conn, identity, box="inbox", status="sent", organisation_id=None, limit=1, offset=0
    )
    # Accepted and not yet closed: the loop to close with the outcome (did the person come?).
    to_close = await referrals.list_page(
        conn, identity, box="inbox", status="accepted", organisation_id=None, limit=1, offset=0
    )
    answers = await referrals.answers_to_sent(
        conn, identity, datetime.now(UTC) - ANSWERS_SINCE, ANSWERS_SHOWN
    )
    today = today_in_brussels()
    return {
        "me": me,
        "services": [
            {**r, "needs_verifying": needs_verifying(r["last_verified_on"], today)} for r in rows
        ],
        "inbox_waiting": waiting.total,
        "inbox_to_close": to_close.total,
        "answers": answers,
        "frequent": frequent,
        "can_add_services": bool(editable) or identity.is_coordinator,
        "reports": open_reports,
        "report_kinds": REPORT_KINDS,
    }


def _service_in(service: Service, changes: dict[str, Any]) -> ServiceIn:
    return with_changes(services.as_input(service), changes, ServiceIn)


def _place_of(service: Service, place_id: UUID) -> tuple[int, Any] | None:
    for position, held in enumerate(service.places):
        if held.place_id == place_id:
            return position, held
    return None


def _week_fields(week: Week | None) -> dict[str, Any]:
    """The day-by-day fields of a week (all empty when None), as the form names them."""
    fields: dict[str, Any] = {"week-holidays": bool(week and week.holidays_closed)}
    for index, code in enumerate(DAYS):
        ranges = week.days[index] if week else ()
        for slot in range(SLOTS):
            opens, closes = ranges[slot] if slot < len(ranges) else ("", "")
            fields[f"week-{code.lower()}-{slot}-opens"] = opens
            # A time field cannot hold 24:00: midnight at the end of the day shows as 00:00.
            fields[f"week-{code.lower()}-{slot}-closes"] = "00:00" if closes == "24:00" else closes
    return fields


def _week_from(form: dict[str, str]) -> tuple[Week | None, dict[str, str], dict[str, Any]]:
    """The week the day-by-day fields describe (None when one is wrong), the errors by
    field, and the fields as typed."""
    typed: dict[str, Any] = {"week-holidays": form.get("week-holidays") == "1"}
    errors: dict[str, str] = {}
    days = []
    for code in DAYS:
        ranges: list[tuple[str, str]] = []
        for slot in range(SLOTS):
            names = (f"week-{code.lower()}-{slot}-opens", f"week-{code.lower()}-{slot}-closes")
            # Some browsers send seconds with a time field.
            opens, closes = (_minutes_only(form.get(name, "").strip()) for name in names)
            typed[names[0]], typed[names[1]] = opens, closes
            if not (opens or closes):
                continue
            if closes == "00:00":
                closes = "24:00"  # closing at midnight: the end of the day
            wrong = [
                name
                for name, value in zip(names, (opens, closes), strict=True)
                if not is_time(value) or (name == names[0] and value == "24:00")
            ]
            for name in wrong:
                errors[name] = BAD_TIME
            if wrong:
                continue
            if opens == closes:
                errors[names[1]] = CLOSES_WHEN_OPENS
            elif ranges and (overnight(ranges[-1]) or opens < ranges[-1][1]):
                errors[names[0]] = OVERLAPS
            else:
                ranges.append((opens, closes))
        days.append(tuple(ranges))
    if errors:
        return None, errors, typed
    return Week(days=tuple(days), holidays_closed=typed["week-holidays"]), errors, typed


def _edited(shown: str, values: dict[str, Any], typed: dict[str, Any]) -> str | None:
    """Whose hours to save since the page showed `shown`: the editor chosen, if the person
    changed it; else the other one, if they changed that (text typed while "Day by day" was
    chosen is not dropped); None when neither changed."""
    as_shown = _week_fields(read_week_partly(shown)[0])
    changed = {
        "text": values["opening_hours"] != shown.strip(),
        "week": any(typed[name] != as_shown[name] for name in typed),
    }
    chosen = values["editor"]
    other = "text" if chosen == "week" else "week"
    return chosen if changed[chosen] else other if changed[other] else None


def _minutes_only(text: str) -> str:
    return text[:5] if len(text) == 8 and text[5] == ":" else text


def _hours_form_of(held: Any) -> dict[str, Any]:
    """The form's values from the stored hours at a place: day by day when they are a plain
    week, else as the expression, the day-by-day fields showing what they can of it (closed
    on public holidays, the days it sets alone) and naming the rest."""
    week, left = read_week_partly(held.opening_hours)
    return {
        "editor": "week" if not left else "text",
        "left": left,
        **_week_fields(week),
        "opening_hours": held.opening_hours or "",
        "opening_hours_shown": held.opening_hours or "",
        "hours_note": held.hours_note,
        "exceptions": [
            {
                "starts_on": e.starts_on.isoformat(),
                "ends_on": e.ends_on.isoformat(),
                "opening_hours": e.opening_hours or "",
                "message": e.message,
                "remove": False,
            }
            for e in held.exceptions
        ],
    }


def _stored_errors(held: Any) -> dict[str, str]:
    """The texts saved before today's limits (or by a migration), by the form's field: said
    when the page opens, not at the first save."""
    errors = {}
    if len(held.hours_note) > SHORT:
        errors["hours_note"] = too_long(held.hours_note, SHORT)
    for index, exception in enumerate(held.exceptions):
        if len(exception.message) > SHORT:
            errors[f"ex-{index}-message"] = too_long(exception.message, SHORT)
    return errors


def _hours_form_from(form: dict[str, str]) -> dict[str, Any]:
    """The form's values as sent, exception rows `ex-<n>-<field>` in order."""
    rows = []
    index = 0
    while f"ex-{index}-starts_on" in form:
        rows.append(
            {
                "starts_on": form.get(f"ex-{index}-starts_on", "").strip(),
                "ends_on": form.get(f"ex-{index}-ends_on", "").strip(),
                "opening_hours": form.get(f"ex-{index}-opening_hours", "").strip(),
                "message": form.get(f"ex-{index}-message", "").strip(),
                "remove": form.get(f"ex-{index}-remove") == "1",
            }
        )
        index += 1
    return {
        "editor": "week" if form.get("editor") == "week" else "text",
        "replace": form.get("week-replace") == "1",
        "opening_hours": form.get("opening_hours", "").strip(),
        "opening_hours_shown": form.get("opening_hours_shown", ""),
        "hours_note": form.get("hours_note", "").strip(),
        "exceptions": rows,
    }


def _typed(values: dict[str, Any]) -> dict[str, str]:
    """The texts typed, by the form's field names (an exception's `ex-<n>-message`)."""
    typed = {"opening_hours": values["opening_hours"], "hours_note": values["hours_note"]}
    for index, row in enumerate(values["exceptions"]):
        typed.update({f"ex-{index}-{name}": row[name] for name in ("opening_hours", "message")})
    return typed


def _exceptions_in(values: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str], dict]:
    """The exceptions to store, errors of rows whose dates are wrong, and how the catalogue's
    indexes map back to the form's rows."""
    kept: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    rename: dict[str, str] = {}
    for row_index, row in enumerate(values["exceptions"]):
        if row["remove"] or not (row["starts_on"] or row["ends_on"]):
            continue
        days = {}
        for name in ("starts_on", "ends_on"):
            text = row[name] or (row["starts_on"] if name == "ends_on" else "")
            try:
                days[name] = date.fromisoformat(text)
            except ValueError:
                errors[f"ex-{row_index}-{name}"] = BAD_DATE
        if len(days) < 2:
            continue
        position = len(kept)
        for name in ("starts_on", "ends_on", "opening_hours", "message"):
            rename[f"exceptions[{position}].{name}"] = f"ex-{row_index}-{name}"
        kept.append(
            {
                "starts_on": days["starts_on"],
                "ends_on": days["ends_on"],
                "opening_hours": row["opening_hours"] or None,
                "message": row["message"],
            }
        )
    return kept, errors, rename


class WorkspaceServicesController(Controller):
    """The dashboard, capacity and hours of the services a person edits."""

    path = "/workspace"
    tags = ["workspace"]
    include_in_schema = False
    dependencies = MEMBERS_ONLY

    @get("/", operation_id="workspaceDashboard")
    async def dashboard(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Member
    ) -> Response[Any]:
        """The signed-in person's organisations, services to keep right, referrals."""
        context = await dashboard_context(conn, identity)
        context["updated"] = request.query_params.get("updated")
        context["verified"] = request.query_params.get("verified")
        context["handled"] = request.query_params.get("handled")
        if identity.is_coordinator:
            # Mails not delivered or data kept too long concern the network: its coordinators
            # hear of it, and tell whoever runs the service.
            # What the app's searches saw of Meilisearch: a page load asks no other server.
            state = request.app.state
            seen = state.search.health().get("meilisearch") != "unreachable"
            context["operations"] = await status_for(conn, state.settings, meilisearch_up=seen)
            # Referrals to them would wait unseen until they expire: the network fixes it.
            context["telling_nobody"] = await conn.fetch(Q.organisations_telling_nobody)
        return page("dashboard.html", context)

    @post("/services/{service_id:uuid}/capacity", operation_id="setCapacityFromWorkspace")
    async def set_capacity(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        service_id: FromPath[UUID],
    ) -> Response[Any]:
        """One click: available, limited or full."""
        form = await read_form(request)
        capacity = form.get("capacity_status", "")
        current = await editable_service(conn, identity, service_id)
        if capacity not in CAPACITIES:
            return message_page(
                N_("There is a problem"), N_("Choose available, limited or full."), 422
            )
        try:
            await services.update(
                conn,
                service_id,
                _service_in(current, {"capacity_status": capacity}),
                identity,
                form_version(form.get("version")),
            )
        except VersionMismatch:
            context = await dashboard_context(conn, identity)
            context["stale"] = service_id
            return page("dashboard.html", context, 409)
        return Redirect(f"/workspace/?updated={service_id}#service-{service_id}", status_code=303)

    @get(
        "/services/{service_id:uuid}/places/{place_id:uuid}/hours",
        operation_id="hoursEditPage",
    )
    async def hours_page(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        service_id: FromPath[UUID],
        place_id: FromPath[UUID],
    ) -> Response[Any]:
        """The opening hours of a service at a place, and its dated exceptions, to edit."""
        service, _, held = await _editable(conn, identity, service_id, place_id)
        errors = _stored_errors(held)
        context = {
            "service": service,
            "held": held,
            "values": _hours_form_of(held),
            "errors": errors,
            "stored": bool(errors),
            "saved": request.query_params.get("saved") == "1",
            "blank_rows": BLANK_EXCEPTION_ROWS,
            **WEEK_FORM,
        }
        return page("hours.html", context)

    @post(
        "/services/{service_id:uuid}/places/{place_id:uuid}/hours",
        operation_id="saveHoursFromWorkspace",
    )
    async def save_hours(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        identity: Member,
        service_id: FromPath[UUID],
        place_id: FromPath[UUID],
    ) -> Response[Any]:
        """Save the hours; errors come back next to their field, a stale version with the
        fresh data."""
        service, position, held = await _editable(conn, identity, service_id, place_id)
        form = await read_form(request)
        values = _hours_form_from(form)
        # What the day-by-day fields cannot show of the hours saved (a later save is refused).
        values["left"] = read_week_partly(held.opening_hours)[1]
        kept, errors, rename = _exceptions_in(values)
        week, week_errors, typed = _week_from(form)
        values.update(typed)
        if "opening_hours_shown" in form:
            values["editor"] = (
                _edited(form["opening_hours_shown"], values, typed) or (values["editor"])
            )
        if values["editor"] == "week":
            errors.update(week_errors)
            if values["left"] and not values["replace"]:
                # Said, not dropped silently: the editor decides, or keeps them as text.
                errors["week-replace"] = WOULD_DROP
            elif week is not None:
                values["opening_hours"] = week_text(week)
        rename[f"places[{position}].opening_hours"] = "opening_hours"
        rename[f"places[{position}].hours_note"] = "hours_note"
        for api_name, form_name in list(rename.items()):
            if api_name.startswith("exceptions["):
                rename[f"places[{position}].{api_name}"] = form_name
        context: dict[str, Any] = {
            "service": service,
            "held": held,
            "values": values,
            "errors": errors,
            "saved": False,
            "blank_rows": 0,
            **WEEK_FORM,
        }
        if errors:
            return page("hours.html", context, 422)
        places = services.as_input(service)["places"]
        places[position] = {
            "place_id": place_id,
            "opening_hours": values["opening_hours"] or None,
            "hours_note": values["hours_note"],
            "exceptions": kept,
        }
        try:
            data = _service_in(service, {"places": places})
            await services.update(
                conn, service_id, data, identity, form_version(form.get("version"))
            )
        except msgspec.ValidationError as error:
            context["errors"] = field_errors(decoding_errors(error), rename, typed=_typed(values))
            return page("hours.html", context, 422)
        except InvalidInput as error:
            context["errors"] = field_errors(error.errors, rename)
            return page("hours.html", context, 422)
        except VersionMismatch:
            fresh = await services.get(conn, service_id)
            again = _place_of(fresh, place_id)
            if again is None:
                return message_page(
                    N_("Page not found"), N_("This service is no longer held here."), 404
                )
            context.update(
                service=fresh,
                held=again[1],
                values=_hours_form_of(again[1]),
                stale=True,
                mine=values,
                blank_rows=BLANK_EXCEPTION_ROWS,
            )
            return page("hours.html", context, 409)
        return Redirect(
            f"/workspace/services/{service_id}/places/{place_id}/hours?saved=1", status_code=303
        )


async def _editable(
    conn: Conn, identity: Identity, service_id: UUID, place_id: UUID
) -> tuple[Service, int, Any]:
    """The service, its place's position and that place, if this member may change them."""
    service = await editable_service(conn, identity, service_id)
    found = _place_of(service, place_id)
    if found is None:
        raise PageRefused(N_("Page not found"), N_("This service is not held at this place."), 404)
    return service, found[0], found[1]


CONTROLLERS = [WorkspaceServicesController]
