"""The Litestar application: `create_app(settings)`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import asyncpg
from litestar import Litestar, Request, Response, get
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.response import Template
from litestar.types import Message, Scope

from service.accounts.csrf import CsrfMiddleware
from service.accounts.routes import CONTROLLERS as ACCOUNTS
from service.accounts.sessions import session_identity
from service.catalogue.routes import CONTROLLERS as CATALOGUE
from service.db.pool import open_database
from service.errors import EXCEPTION_HANDLERS, database_handler, http_handler, internal_handler
from service.interop.routes import CONTROLLERS as HSDS
from service.operations.routes import CONTROLLERS as OPERATIONS
from service.referrals.routes import CONTROLLERS as REFERRALS
from service.search import CONTROLLERS as SEARCH
from service.search import SearchRuntime
from service.settings import Settings
from service.web.dev_mails import CONTROLLERS as DEV_MAILS
from service.web.public import CONTROLLERS as PUBLIC_PAGES
from service.web.public import not_found_page
from service.web.reports import CONTROLLERS as REPORT_PAGES
from service.web.templating import template_config
from service.web.workspace import CONTROLLERS as WORKSPACE_ACCOUNTS
from service.web.workspace_common import (
    PageRefused,
    SignInRequired,
    nothing_saved_page,
    refused_page,
    sign_in_first,
)
from service.web.workspace_edit import CONTROLLERS as WORKSPACE_EDIT
from service.web.workspace_held_at import CONTROLLERS as WORKSPACE_HELD_AT
from service.web.workspace_network import CONTROLLERS as WORKSPACE_NETWORK
from service.web.workspace_new_service import CONTROLLERS as WORKSPACE_NEW_SERVICE
from service.web.workspace_organisation import CONTROLLERS as WORKSPACE_ORGANISATION
from service.web.workspace_places import CONTROLLERS as WORKSPACE_PLACES
from service.web.workspace_referrals import CONTROLLERS as WORKSPACE_REFERRALS
from service.web.workspace_services import CONTROLLERS as WORKSPACE_SERVICES
from service.web.workspace_statistics import CONTROLLERS as WORKSPACE_STATISTICS
from service.web.workspace_team import CONTROLLERS as WORKSPACE_TEAM
from service.web_common import provide_connection, provide_identity

logger = logging.getLogger(__name__)

# Background tasks started by `serve` (and by `boussole worker`): each gets the pool and settings.
BackgroundTask = Callable[[asyncpg.Pool, Settings], Coroutine[Any, Any, None]]


def background_tasks() -> list[BackgroundTask]:
    """The long-running jobs of the worker."""
    from service.jobs import TASKS

    return list(TASKS)


# Sent with every response that does not set them itself. The pages may not be framed by
# another site (a worker tricked into clicking "accept" or "erase"), nor a response read as
# another type; a link to another site carries only our origin (workspace pages: nothing).
# Inline scripts and styles stay allowed: the pages' few are ours and escape what they show.
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
        "object-src 'none'"
    ),
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "geolocation=(self), camera=(), microphone=(), payment=(), usb=()",
}
"""Pages load nothing from elsewhere and run no inline script (their scripts are files under
/static): an injected script would not run, on pages that show people's data. Only "Near
me" asks for a browser feature, the position, and only for this site's own pages."""

DOCS_CSP = "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
"""The API documentation under /schema loads its viewer from a CDN: no script-src there."""


HSTS = "max-age=31536000"
"""Served over https (`BOUSSOLE_PUBLIC_URL`), browsers keep to https for a year."""


def security_headers(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A hook adding `SECURITY_HEADERS` (and HSTS over https) to each response's start,
    unless the response set them; the headers encoded once, as they go on every response."""
    wanted = dict(SECURITY_HEADERS)
    if settings.public_url.startswith("https://"):
        wanted["strict-transport-security"] = HSTS
    encoded = [(name.encode(), value.encode()) for name, value in wanted.items()]
    docs = [
        (name, DOCS_CSP.encode() if name == b"content-security-policy" else value)
        for name, value in encoded
    ]

    async def add(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            present = {name.lower() for name, _ in headers}
            own = docs if scope.get("path", "").startswith("/schema") else encoded
            message["headers"] = headers + [h for h in own if h[0] not in present]

    return add


OPEN_DATA = (
    "/api/v1/search",
    "/api/v1/services",
    "/api/v1/organisations",
    "/api/v1/places",
    "/api/v1/themes",
    "/api/v1/territories",
    "/api/v1/networks",
    "/hsds",
)
"""The directory's open data: what anyone may read without signing in."""


async def open_data_to_any_origin(message: Message, scope: Scope) -> None:
    """Let other sites' pages read the directory (a city website showing the food aid near a
    place, a partner's own search): `Access-Control-Allow-Origin: *` on answers to anonymous
    GETs of the open data. Never with credentials: a request with a session cookie or a token
    gets no such header, and a browser does not send either to another site's script
    anyway, nor shows it an answer to one (`*` excludes credentials)."""
    if message["type"] != "http.response.start" or scope.get("method") not in ("GET", "HEAD"):
        return
    if not scope.get("path", "").startswith(OPEN_DATA):
        return
    for name, value in scope.get("headers", ()):
        if name == b"authorization" or (name == b"cookie" and b"boussole_session=" in value):
            return
    message["headers"] = [*message.get("headers", ()), (b"access-control-allow-origin", b"*")]


# Paths of machine interfaces: an unknown one is answered as a problem, whatever is accepted.
MACHINE_PATHS = ("/api/", "/hsds", "/schema", "/healthz")


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """Whether a browser asked for a page (else an API client: it gets a problem)."""
    path = request.url.path
    return "text/html" in request.headers.get("accept", "") and not path.startswith(MACHINE_PATHS)


def unknown_path(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """A browser that follows a wrong link gets a page it can leave; clients get a problem."""
    return not_found_page() if wants_page(request) else http_handler(request, exc)


def unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A failure of ours: logged (its type and place only), then a page or a problem."""
    problem = internal_handler(request, exc)
    if wants_page(request):
        return Template(template_name="public/error.html", status_code=500)
    return problem


def database_refusal(request: Request[Any, Any, Any], exc: asyncpg.PostgresError) -> Response[Any]:
    """What the database refused (a constraint, a crossing with a simultaneous change): the
    problem for clients; for a browser, a page saying that nothing was saved and to try
    again, never a problem's JSON, or the failure page when it was a failure of ours."""
    answer = database_handler(request, exc)
    status = answer.status_code or 500
    if not wants_page(request):
        return answer
    if status >= 500:
        return Template(template_name="public/error.html", status_code=500)
    return nothing_saved_page(status)


@get("/healthz", operation_id="health", tags=["operations"], sync_to_thread=False)
def healthz(state: State) -> dict[str, Any]:
    """Liveness and the state of the parts the service depends on."""
    health: dict[str, Any] = {"status": "ok"}
    probes = state.get("health_probes", {})
    for name, probe in probes.items():
        health[name] = probe()
        if isinstance(health[name], dict) and health[name].get("status") == "degraded":
            health["status"] = "degraded"
    return health


# Pages and answers gzipped for whoever accepts it: a results page of 45 KB is 10 KB on a
# citizen's prepaid phone data. Level 1, as nginx: most of the gain for a fifth of the CPU.
COMPRESSION = CompressionConfig(backend="gzip", gzip_compress_level=1, minimum_size=1024)


def create_app(settings: Settings, *, pool: asyncpg.Pool | None = None) -> Litestar:
    """The application; with `pool`, it uses that pool instead of opening the database."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if pool is None:
                app.state.pool = await stack.enter_async_context(open_database(settings))
            else:
                app.state.pool = pool
            await search.start(app.state.pool)
            stack.push_async_callback(search.stop)
            tasks = []
            if settings.run_worker:
                for task in background_tasks():
                    tasks.append(asyncio.create_task(task(app.state.pool, settings)))
            try:
                yield
            finally:
                for running in tasks:
                    running.cancel()
                for running in tasks:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await running

    search = SearchRuntime(settings)
    return Litestar(
        route_handlers=[
            healthz,
            *CATALOGUE,
            *REFERRALS,
            *ACCOUNTS,
            *WORKSPACE_ACCOUNTS,
            *DEV_MAILS,
            *PUBLIC_PAGES,
            *REPORT_PAGES,
            *WORKSPACE_SERVICES,
            *WORKSPACE_EDIT,
            *WORKSPACE_REFERRALS,
            *WORKSPACE_NETWORK,
            *WORKSPACE_NEW_SERVICE,
            *WORKSPACE_PLACES,
            *WORKSPACE_HELD_AT,
            *WORKSPACE_TEAM,
            *WORKSPACE_ORGANISATION,
            *WORKSPACE_STATISTICS,
            *SEARCH,
            *HSDS,
            *OPERATIONS,
        ],
        dependencies={
            "conn": Provide(provide_connection),
            "identity": Provide(provide_identity),
        },
        exception_handlers={
            **EXCEPTION_HANDLERS,  # type: ignore[dict-item]
            asyncpg.PostgresError: database_refusal,
            NotFoundException: unknown_path,
            SignInRequired: sign_in_first,
            PageRefused: refused_page,
            Exception: unexpected,
        },
        middleware=[CsrfMiddleware()],
        before_send=[security_headers(settings), open_data_to_any_origin],
        template_config=template_config(),
        compression_config=COMPRESSION,
        lifespan=[lifespan],
        state=State(
            {
                "settings": settings,
                "health_probes": {"search": search.health},
                "session_identity": session_identity,
                "search": search,
            }
        ),
        openapi_config=OpenAPIConfig(
            title="Boussole",
            version="1",
            description="Partner directory and guided referrals of a municipal social network.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
        ),
        debug=settings.debug,
    )
