"""Protection of forms against cross-site request forgery (a synchronizer token).

The token is derived from a secret the browser holds in an HttpOnly cookie: the session id
once logged in, else a random `boussole_csrf` cookie set the first time a form is shown.
A page from another site can make the browser send those cookies but cannot read them, so
it cannot compute the token.

Forms: put `{{ csrf_field() }}` (or `<input type="hidden" name="csrf_token"
value="{{ csrf_token() }}">`) inside every `<form method="post">`. Scripts calling the API
with the session cookie send the token in the `X-CSRF-Token` header. Requests with an
`Authorization` header (bearer tokens) are exempt: browsers never add that header on their
own. Anonymous API calls without a session cookie are exempt too: they carry no authority.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service.accounts.sessions import cookie_names
from service.settings import Settings

FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NEW_SEED = "boussole_new_csrf_seed"


def derive(seed: str) -> str:
    """The token that goes with a seed (a session id or the csrf cookie)."""
    digest = hashlib.sha256(b"boussole-csrf\0" + seed.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _settings(scope: Scope) -> Settings:
    settings: Settings = scope["litestar_app"].state.settings
    return settings


def csrf_token(request: Request[Any, Any, Any]) -> str:
    """The token to embed in a form of this request's page; sets the csrf cookie if needed."""
    names = cookie_names(_settings(request.scope))
    seed = request.cookies.get(names.session) or request.cookies.get(names.csrf)
    if not seed:
        state = request.scope.setdefault("state", {})
        seed = state.get(_NEW_SEED)
        if seed is None:
            seed = state[_NEW_SEED] = secrets.token_urlsafe(32)
    return derive(seed)


class CsrfRejected(Exception):
    """An unsafe request without the right token."""


async def check(request: Request[Any, Any, Any]) -> None:
    """Raise CsrfRejected when an unsafe request that needs a token lacks the right one."""
    if request.method not in UNSAFE_METHODS or request.headers.get("authorization"):
        return
    names = cookie_names(_settings(request.scope))
    session = request.cookies.get(names.session)
    if request.url.path.startswith("/api/") and not session:
        return
    seed = session or request.cookies.get(names.csrf)
    sent = request.headers.get(HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(FIELD)
            sent = value if isinstance(value, str) else None
    if not seed or not sent or not hmac.compare_digest(sent.encode(), derive(seed).encode()):
        raise CsrfRejected


_REJECTED_PAGE = """<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body><main><h1>{title}</h1><p>{text}</p><p><a href="/workspace/login">{back}</a></p></main>
</body></html>"""


class CsrfMiddleware(ASGIMiddleware):
    """Checks tokens on unsafe requests and sets the csrf cookie for anonymous forms."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope, receive)
        try:
            await check(request)
        except CsrfRejected:
            await self._reject(request, send)
            return
        settings = _settings(scope)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                seed = scope.get("state", {}).get(_NEW_SEED)
                if seed is not None:
                    names = cookie_names(settings)
                    cookie = Cookie(
                        key=names.csrf,
                        value=seed,
                        path="/",
                        httponly=True,
                        secure=names.secure,
                        samesite="lax",
                    )
                    name, value = cookie.to_encoded_header()
                    message["headers"] = [*message.get("headers", []), (name, value)]
            await send(message)

        await next_app(scope, receive, send_with_cookie)

    async def _reject(self, request: Request[Any, Any, Any], send: Send) -> None:
        from service.i18n import language_of, translate

        if request.url.path.startswith("/api/"):
            body = (
                b'{"title":"Forbidden","status":403,"detail":"the X-CSRF-Token header is'
                b' missing or wrong; send the token of the session or use a bearer token"}'
            )
            media_type = b"application/problem+json"
        else:
            lang = language_of(request)
            body = _REJECTED_PAGE.format(
                lang=lang,
                title=translate("This form has expired", lang),
                text=translate(
                    "The form was too old or did not come from this site. "
                    "Go back, reload the page and try again.",
                    lang,
                ),
                back=translate("Back to the sign-in page", lang),
            ).encode()
            media_type = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", media_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body, "more_body": False})
