"""HEAD requests get what GET would, without the body: monitors and link checkers use it."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.web.conftest import Demo

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    "path", ["/", "/?q=colis", "/healthz", "/api/v1/search?q=colis", "/robots.txt", "/privacy"]
)
async def test_head_answers_like_get_without_a_body(
    client: httpx.AsyncClient, demo: Demo, path: str
) -> None:
    get = await client.get(path)
    head = await client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["x-frame-options"] == "DENY"


async def test_head_of_a_service_page_and_of_nothing(client: httpx.AsyncClient, demo: Demo) -> None:
    page = await client.head(f"/services/{demo.service_id}")
    assert page.status_code == 200
    assert int(page.headers["content-length"]) > 1000
    assert page.content == b""
    missing = await client.head("/nothing-here", headers={"Accept": "text/html"})
    assert missing.status_code == 404
    assert missing.content == b""


async def test_head_does_not_open_what_only_posts(client: httpx.AsyncClient, demo: Demo) -> None:
    response = await client.head("/workspace/login/link")
    assert response.status_code == 405
