"""GET /api/v1/search/suggestions over real HTTP: themes, everyday words, then names."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from search.documents import DocumentBuilder
from search.postgres import PostgresEngine
from tests.integration.search.conftest import Catalogue, sync

pytestmark = pytest.mark.asyncio


async def suggestions(client: httpx.AsyncClient, q: str, **params: object) -> list[tuple[str, str]]:
    response = await client.get("/api/v1/search/suggestions", params={"q": q, **params})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "public, max-age=300"
    return [(s["kind"], s["text"]) for s in response.json()["suggestions"]]


@pytest.fixture
async def named(pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder) -> None:
    await catalogue.organisation("Les Restos du Cœur de La Louvière", kind="association")
    place = await catalogue.place()
    await catalogue.service("Colis alimentaires du quartier", places=[(place, "Mo 09:00-12:00")])
    await catalogue.service("Jardin partagé et collectif", places=[(place, None)])
    await catalogue.service("Colonie disparue", places=[(place, None)], status="inactive")
    await sync(pool, [PostgresEngine(pool)], builder)


async def test_themes_words_then_names_each_once(client: httpx.AsyncClient, named: None) -> None:
    found = await suggestions(client, "col")
    kinds = [kind for kind, _ in found]
    assert kinds == sorted(kinds, key=["theme", "word", "service", "organisation"].index)
    assert ("theme", "Colis alimentaires") in found  # a sub-theme's label
    assert ("word", "colis") in found  # from the synonyms file
    assert ("service", "Colis alimentaires du quartier") in found
    assert ("service", "Jardin partagé et collectif") in found  # any word of the name
    assert all(text != "Colonie disparue" for _, text in found)  # gone: not offered
    assert len({text.lower() for _, text in found}) == len(found)
    # What begins as typed first: "Alimentation" before "Colis alimentaires".
    themes = [text for kind, text in await suggestions(client, "aliment") if kind == "theme"]
    assert themes.index("Alimentation") < themes.index("Colis alimentaires")


async def test_the_themes_speak_the_language_asked(client: httpx.AsyncClient, named: None) -> None:
    assert ("theme", "Voeding") in await suggestions(client, "voed", language="nl")
    assert ("theme", "Food") in await suggestions(client, "foo", language="en")
    # Accents and case do not matter; organisations by any word of their name.
    assert ("organisation", "Les Restos du Cœur de La Louvière") in await suggestions(
        client, "LOUVIE"
    )
    assert ("organisation", "Les Restos du Cœur de La Louvière") in await suggestions(
        client, "coeur"
    )


async def test_too_little_or_too_much_is_said_clearly(client: httpx.AsyncClient) -> None:
    assert await suggestions(client, "c") == []
    # Two letters: themes and words; names from three (the trigram index's minimum).
    assert {kind for kind, _ in await suggestions(client, "co", limit=20)} <= {"theme", "word"}
    assert await suggestions(client, "  ") == []
    assert await suggestions(client, "%_'\\") == []  # no wildcard reaches SQL
    for params, field in (
        ({"q": "col", "limit": "0"}, "limit"),
        ({"q": "col", "language": "de"}, "language"),
        ({"q": "x" * 101}, "q"),
    ):
        response = await client.get("/api/v1/search/suggestions", params=params)
        assert response.status_code in (400, 422), response.text
        assert field in response.text
    few = await suggestions(client, "a", limit=3)
    assert few == []
    assert len(await suggestions(client, "ai", limit=3)) <= 3
