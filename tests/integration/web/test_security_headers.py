"""Headers every response carries: no framing by other sites, no type sniffing, no referrer
beyond our origin (none from the workspace), https kept when the service is served over it."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.web.conftest import Demo, sign_in

pytestmark = pytest.mark.asyncio


async def test_every_kind_of_response_carries_them(
    client: httpx.AsyncClient, base_url: str, demo: Demo
) -> None:
    html = {"Accept": "text/html"}
    responses = {
        "page": await client.get("/", headers=html),
        "api": await client.get("/api/v1/search", params={"q": "colis"}),
        "problem": await client.get("/api/v1/search", params={"limit": "many"}),
        "unknown page": await client.get("/nothing-here", headers=html),
        "unknown api": await client.get("/api/v1/nothing"),
        "health": await client.get("/healthz"),
    }
    for what, response in responses.items():
        headers = response.headers
        assert headers["x-frame-options"] == "DENY", what
        assert "frame-ancestors 'none'" in headers["content-security-policy"], what
        assert headers["x-content-type-options"] == "nosniff", what
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", what
        assert "geolocation=(self)" in headers["permissions-policy"], what
        assert "camera=()" in headers["permissions-policy"], what
        assert "strict-transport-security" not in headers, what  # served over http here
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        workspace = await worker.get("/workspace/")
    assert workspace.headers["referrer-policy"] == "no-referrer"
    assert workspace.headers["x-frame-options"] == "DENY"


async def test_pages_run_only_the_scripts_of_their_own_files(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    """No inline script runs on a page (an injected one would not), nor anything from another
    site; the pages' scripts are files under /static. The API documentation, whose viewer
    comes from a CDN, keeps the rest of the policy."""
    page = await client.get("/", headers={"Accept": "text/html"})
    policy = dict(
        part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";")
    )
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert '<script src="/static/search.js" defer></script>' in page.text
    script = await client.get("/static/search.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "max-age=3600" in script.headers["cache-control"]
    docs = await client.get("/schema/swagger")
    assert "script-src" not in docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


async def test_other_sites_may_read_the_open_data_and_nothing_else(
    client: httpx.AsyncClient, base_url: str, demo: Demo
) -> None:
    elsewhere = {"Origin": "https://www.lalouviere.be"}
    for path in ("/api/v1/search?q=colis", "/api/v1/themes", "/hsds/services", "/api/v1/services"):
        response = await client.get(path, headers=elsewhere)
        assert response.status_code == 200, path
        assert response.headers["access-control-allow-origin"] == "*", path
        assert "access-control-allow-credentials" not in response.headers, path
    for method, path in (("GET", "/api/v1/referrals"), ("GET", "/"), ("POST", "/api/v1/services")):
        response = await client.request(method, path, headers=elsewhere, json={})
        assert "access-control-allow-origin" not in response.headers, (method, path)
    # Nothing readable elsewhere once credentials come along: a token, or a session.
    token = await client.get(
        "/api/v1/search", headers={**elsewhere, "Authorization": "Bearer not-a-token"}
    )
    assert "access-control-allow-origin" not in token.headers
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        signed_in = await worker.get("/api/v1/search", headers=elsewhere)
    assert signed_in.status_code == 200
    assert "access-control-allow-origin" not in signed_in.headers
