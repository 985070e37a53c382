"""Pages and answers are gzipped for clients that accept it, and only for them."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest

from tests.integration.web.conftest import Demo

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("path", ["/?q=aide", "/api/v1/search?q=aide", "/sitemap.xml"])
async def test_compressed_when_accepted(base_url: str, demo: Demo, path: str) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        plain = await client.get(path, headers={"Accept-Encoding": "identity"})
        async with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as response:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert "content-encoding" not in plain.headers
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    body = gzip.decompress(raw)
    # The same answer (a search's may differ by a moment it computed: compare its items).
    if path.startswith("/api/"):
        ids = [
            [item["service_id"] for item in json.loads(text)["items"]]
            for text in (body, plain.content)
        ]
        assert ids[0] == ids[1] and ids[0]
    else:
        assert body == plain.content
    assert len(raw) < len(plain.content) / 2


async def test_small_answers_are_sent_as_they_are(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
