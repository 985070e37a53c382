"""Headers every response carries: no framing by other sites, no type sniffing, no referrer
beyond our origin (none from the workspace), https kept when the service is served over it."""

from __future__ import annotations

import asyncpg
import httpx
import msgspec
import pytest

from service.settings import Settings
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


async def test_https_is_kept_when_the_service_is_served_over_it(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    from litestar.testing import AsyncTestClient

    from service.app import create_app

    https = msgspec.structs.replace(settings, public_url="https://boussole.example.be")
    async with AsyncTestClient(create_app(https, pool=pool)) as client:
        response = await client.get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
