"""What a search document says beyond what is searched: here, the number to call."""

from __future__ import annotations

import asyncpg
import pytest

from search.documents import DocumentBuilder
from tests.integration.search.conftest import Catalogue

pytestmark = pytest.mark.asyncio


def _phones(number: str) -> list[dict[str, str]]:
    """Two numbers: the first is the one to call."""
    return [{"number": number, "label": ""}, {"number": "+3264999999", "label": ""}]


async def test_the_number_to_call_is_the_services_else_the_places_else_the_organisations(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    organisation = await catalogue.organisation()
    place = await catalogue.place("Bouvy")
    service = await catalogue.service("Colis alimentaires", places=[(place, None)])
    elsewhere = await catalogue.service("Permanence téléphonique")  # held nowhere

    async def numbers() -> dict[str, str | None]:
        async with pool.acquire() as conn:
            documents = await builder.build(conn, [service, elsewhere])
        return {document.name: document.phone for document in documents}

    assert await numbers() == {"Colis alimentaires": None, "Permanence téléphonique": None}
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE organisation SET phones = $2::jsonb WHERE id = $1",
            organisation,
            _phones("+3264000001"),
        )
        assert await numbers() == {
            "Colis alimentaires": "+3264000001",
            "Permanence téléphonique": "+3264000001",
        }
        await conn.execute(
            "UPDATE place SET phones = $2::jsonb WHERE id = $1", place, _phones("+3264000002")
        )
        assert (await numbers())["Colis alimentaires"] == "+3264000002"
        await conn.execute(
            "UPDATE service SET phones = $2::jsonb WHERE id = $1::uuid",
            service,
            _phones("+3264000003"),
        )
        assert (await numbers())["Colis alimentaires"] == "+3264000003"
