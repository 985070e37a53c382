"""Workspace pages of accounts: sign in (password or e-mail link), sign out, invitations."""

from __future__ import annotations

import math
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from service.accounts import invitations, login, memberships
from service.accounts.csrf import derive
from service.accounts.sessions import (
    cleared_session_cookie,
    end_session,
    session_cookie,
    session_id_of,
    start_session,
)
from service.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGES,
    N_,
    language_of,
    translate,
    translate_plural,
)
from service.settings import Settings
from service.web_common import Caller, Conn

AFTER_LOGIN = "/workspace/"
"""Where people land after signing in when the page sent them nowhere in particular: the
dashboard (referrals waiting, the services they keep up to date)."""
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

PASSWORD_PROBLEMS = {
    "too_short": N_("The password is too short."),
    "too_long": N_("The password is too long."),
    "same_as_email": N_("The password must not be your e-mail address."),
    "mismatch": N_("The two passwords differ."),
    "wrong_password": N_("The password is wrong."),
}


def safe_next(value: object) -> str:
    """A local path to go to after signing in; anything else (other sites) is ignored."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return AFTER_LOGIN
    if any(character in value for character in "\\\r\n"):
        return AFTER_LOGIN
    return value


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _form(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _page(
    name: str,
    context: dict[str, Any],
    status: int = 200,
    *,
    headers: dict[str, str] | None = None,
    cookies: list[Cookie] | None = None,
) -> Template:
    return Template(
        template_name=f"workspace/{name}",
        context=context,
        status_code=status,
        headers={**PRIVATE, **(headers or {})},
        cookies=cookies or [],
    )


def _throttled_message(seconds: int, language: str) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    message = translate_plural(
        "Too many attempts. Try again in %(num)s minute.",
        "Too many attempts. Try again in %(num)s minutes.",
        minutes,
        language,
    )
    return message % {"num": minutes}


def _signed_in(request: Request[Any, Any, Any], session_id: str, to: str) -> Redirect:
    return Redirect(to, status_code=303, cookies=[session_cookie(_settings(request), session_id)])


class WorkspaceAccountsController(Controller):
    path = "/workspace"
    tags = ["workspace"]
    include_in_schema = False

    @get("/login", operation_id="loginPage")
    async def login_page(self, request: Request[Any, Any, Any], identity: Caller) -> Response[Any]:
        """The sign-in page; signed-in people go straight on."""
        target = safe_next(request.query_params.get("next"))
        if identity is not None:
            return Redirect(target, status_code=303)
        context = {
            "next": target,
            "email": "",
            "logged_out": request.query_params.get("logged_out") == "1",
        }
        return _page("login.html", context)

    @post("/login", operation_id="login", status_code=303)
    async def login(self, request: Request[Any, Any, Any], conn: Conn) -> Response[Any]:
        """Sign in with e-mail and password."""
        form = await _form(request)
        email = form.get("email", "").strip()
        target = safe_next(form.get("next"))
        language = language_of(request)
        result = await login.password_login(
            conn, email, form.get("password", ""), client_address(request)
        )
        sent = (await request.form()).multi_items()
        resume = [(k[7:], v) for k, v in sent if k.startswith("resume:") and isinstance(v, str)]
        resume_action = safe_next(form.get("resume_action")) if "resume_action" in form else ""
        if not resume_action.startswith("/workspace/"):
            resume_action = ""
        context: dict[str, Any] = {"next": target, "email": email}
        if resume_action:
            context.update(resume=resume, resume_action=resume_action)
        if result.outcome == "throttled":
            wait = result.retry_after or 60
            context["error"] = _throttled_message(wait, language)
            return _page("login.html", context, 429, headers={"Retry-After": str(wait)})
        if result.outcome == "wrong" or result.user_id is None:
            context["error"] = translate("The e-mail address or the password is wrong.", language)
            return _page("login.html", context, 401)
        session_id = await start_session(conn, result.user_id)
        if resume_action:
            # Signed in again after the session ended mid-form: the form, to send once more
            # (with the new session's token), rather than what was typed lost.
            context.update(resume=resume, resume_action=resume_action, token=derive(session_id))
            cookie = session_cookie(_settings(request), session_id)
            return _page("resume.html", context, 200, cookies=[cookie])
        return _signed_in(request, session_id, target)

    @post("/login/link", operation_id="requestLoginLink", status_code=200)
    async def request_link(self, request: Request[Any, Any, Any], conn: Conn) -> Response[Any]:
        """Mail a one-time sign-in link; the answer never says whether the account exists."""
        form = await _form(request)
        email = form.get("email", "").strip()
        language = language_of(request)
        wait = await login.send_login_link(
            conn,
            email,
            client_address(request),
            public_url=_settings(request).public_url,
            language=language,
        )
        context: dict[str, Any] = {"next": AFTER_LOGIN, "email": email}
        if wait is not None:
            context["error"] = _throttled_message(wait, language)
            return _page("login.html", context, 429, headers={"Retry-After": str(wait)})
        context["link_sent"] = True
        return _page("login.html", context)

    @get("/login/link/{token:str}", operation_id="loginLinkPage")
    async def link_page(self, conn: Conn, token: FromPath[str]) -> Response[Any]:
        """Confirm before using the link: mail scanners that open links do not spend it."""
        valid = await login.login_link_is_valid(conn, token)
        return _page("login_link.html", {"valid": valid, "token": token}, 200 if valid else 410)

    @post("/login/link/{token:str}", operation_id="useLoginLink", status_code=303)
    async def use_link(
        self, request: Request[Any, Any, Any], conn: Conn, token: FromPath[str]
    ) -> Response[Any]:
        user_id = await login.use_login_link(conn, token)
        if user_id is None:
            return _page("login_link.html", {"valid": False, "token": ""}, 410)
        return _signed_in(request, await start_session(conn, user_id), AFTER_LOGIN)

    @get("/logout", operation_id="logoutPage")
    async def logout_page(self, identity: Caller) -> Response[Any]:
        if identity is None:
            return Redirect("/workspace/login", status_code=303)
        return _page("logout.html", {})

    @post("/logout", operation_id="logout", status_code=303)
    async def logout(self, request: Request[Any, Any, Any], conn: Conn) -> Response[Any]:
        """End the session in the database and make the browser forget it."""
        session_id = session_id_of(request)
        if session_id is not None:
            await end_session(conn, session_id)
        return Redirect(
            "/workspace/login?logged_out=1",
            status_code=303,
            cookies=[cleared_session_cookie(_settings(request))],
        )

    @get("/invitations/{token:str}", operation_id="invitationPage")
    async def invitation_page(self, conn: Conn, token: FromPath[str]) -> Response[Any]:
        invitation = await invitations.find(conn, token)
        context = {"invitation": invitation, "token": token, "name": ""}
        return _page("invitation.html", context, 200 if invitation else 410)

    @post("/invitations/{token:str}", operation_id="acceptInvitation", status_code=303)
    async def accept_invitation(
        self, request: Request[Any, Any, Any], conn: Conn, token: FromPath[str]
    ) -> Response[Any]:
        """Accept: choose a password (new person) or confirm one's own; then signed in."""
        form = await _form(request)
        language = language_of(request)
        invitation = await invitations.find(conn, token)
        if invitation is None:
            return _page("invitation.html", {"invitation": None, "token": token}, 410)
        password = form.get("password", "")
        name = form.get("name", "")
        context: dict[str, Any] = {"invitation": invitation, "token": token, "name": name}
        if not invitation.has_account and password != form.get("password2", ""):
            mismatch = PASSWORD_PROBLEMS["mismatch"]
            context["error"] = translate(mismatch, language)
            return _page("invitation.html", context, 422)
        outcome = await invitations.accept(
            conn, token, password=password, name=name, address=client_address(request)
        )
        if outcome.outcome == "throttled":
            wait = outcome.retry_after or 60
            context["error"] = _throttled_message(wait, language)
            return _page("invitation.html", context, 429, headers={"Retry-After": str(wait)})
        if outcome.outcome == "problem":
            problem = PASSWORD_PROBLEMS.get(outcome.problem or "", N_("The password is wrong."))
            context["error"] = translate(problem, language)
            # Read again: the account may have been made meanwhile (another organisation's
            # invitation accepted in another tab), and the form then asks for its password.
            context["invitation"] = await invitations.find(conn, token) or invitation
            return _page("invitation.html", context, 422)
        if outcome.user_id is None:
            return _page("invitation.html", {"invitation": None, "token": token}, 410)
        return _signed_in(request, await start_session(conn, outcome.user_id), AFTER_LOGIN)

    @get("/account", operation_id="accountPage")
    async def account(
        self, request: Request[Any, Any, Any], conn: Conn, identity: Caller
    ) -> Response[Any]:
        """Who is signed in, in which organisations."""
        if identity is None:
            return Redirect(f"/workspace/login?next={request.url.path}", status_code=303)
        return _page("account.html", {"me": await memberships.me(conn, identity)})


@get("/language/{code:str}", operation_id="chooseLanguage", include_in_schema=False)
async def choose_language(request: Request[Any, Any, Any], code: FromPath[str]) -> Redirect:
    """Remember the chosen language in a cookie and go back to the page."""
    target = safe_next(request.query_params.get("next"))
    if target == AFTER_LOGIN and not request.query_params.get("next"):
        target = "/"
    if code not in LANGUAGES:
        return Redirect(target, status_code=303)
    cookie = Cookie(
        key=LANGUAGE_COOKIE,
        value=code,
        path="/",
        max_age=365 * 24 * 3600,
        samesite="lax",
        secure=_settings(request).public_url.startswith("https://"),
    )
    return Redirect(target, status_code=303, cookies=[cookie])


CONTROLLERS: list[ControllerRouterHandler] = [WorkspaceAccountsController, choose_language]
