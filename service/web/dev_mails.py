"""The development page of mails kept in the database when no SMTP server is configured."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from service.accounts.identity import require
from service.errors import NotFound
from service.mail.outbox import Q
from service.settings import Settings
from service.web_common import Caller, Conn

SECRET_LINKS = re.compile(r"(/workspace/(?:login/link|invitations)/)[A-Za-z0-9_\-]+")
"""Sign-in and invitation links: whoever opens one is the person it was sent to."""


def _without_others_secrets(
    request: Request[Any, Any, Any], identity: Caller, mail: Any
) -> dict[str, Any]:
    """The mail as the reader may see it: another person's sign-in or invitation link would
    let a coordinator in as them, to the people's data of their referrals, so its secret is
    cut (not in debug mode, for development, where anyone reads everything)."""
    shown = dict(mail)
    settings: Settings = request.app.state.settings
    if settings.debug or (identity and identity.email.lower() == mail["recipient"].lower()):
        return shown
    for body in ("body_text", "body_html"):
        shown[body], cut = SECRET_LINKS.subn(r"\1…", mail[body])
        shown["secret_hidden"] = shown.get("secret_hidden") or bool(cut)
    return shown


def _allowed(request: Request[Any, Any, Any], identity: Caller) -> None:
    """Only without SMTP_URL, and only for coordinators unless in debug mode."""
    settings: Settings = request.app.state.settings
    if settings.smtp_url:
        raise NotFound("page /dev/mails")
    if not settings.debug:
        require(identity).require_coordinator("read the mails kept in the database")


class DevMailsController(Controller):
    path = "/dev/mails"
    tags = ["development"]
    include_in_schema = False

    @get(operation_id="devMails")
    async def list_mails(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Caller
    ) -> Template:
        _allowed(request, identity)
        mails = await conn.fetch(Q.list_mails, 200)
        return Template(
            template_name="workspace/dev_mails.html",
            context={"mails": mails, "mail": None},
            headers={"Cache-Control": "no-store"},
        )

    @get("/{mail_id:uuid}", operation_id="devMail")
    async def show_mail(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Caller, mail_id: FromPath[UUID]
    ) -> Template:
        _allowed(request, identity)
        mail = await conn.fetchrow(Q.get_mail, mail_id)
        if mail is None:
            raise NotFound(f"mail {mail_id}")
        return Template(
            template_name="workspace/dev_mails.html",
            context={"mails": [], "mail": _without_others_secrets(request, identity, mail)},
            headers={"Cache-Control": "no-store"},
        )


CONTROLLERS = [DevMailsController]
