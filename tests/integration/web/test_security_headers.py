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
