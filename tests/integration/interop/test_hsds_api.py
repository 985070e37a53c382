"""The HSDS API under /hsds, over real HTTP: meta, pages, full services, 404s and 422s."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from service.interop.demo import load_demo

pytestmark = pytest.mark.asyncio

HSDS = Path(__file__).resolve().parents[4] / "shared" / "hsds" / "3.0"

PAGE_KEYS = {
    "total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty",
    "contents",
}  # fmt: skip


async def test_meta_and_service_pages(pool: asyncpg.Pool, client: httpx.AsyncClient) -> None:
    await load_demo(pool)
    meta = (await client.get("/hsds/")).json()
    assert meta["version"] == "3.0" and meta["openapi_url"].endswith("/schema/openapi.json")

    first = (await client.get("/hsds/services", params={"per_page": 10})).json()
    assert set(first) == PAGE_KEYS
    assert first["size"] == 10 and first["first_page"] and not first["last_page"]
    assert first["total_pages"] == -(-first["total_items"] // 10)
    assert "service_at_locations" not in first["contents"][0]  # list items: own fields
    last = (
        await client.get("/hsds/services", params={"per_page": 10, "page": first["total_pages"]})
    ).json()
    assert last["last_page"] and not last["first_page"] and last["size"] >= 1
    beyond = (await client.get("/hsds/services", params={"page": 999})).json()
    assert beyond["empty"] and beyond["contents"] == []

    full = (await client.get("/hsds/services", params={"full_service": "true"})).json()
    service = full["contents"][0]
    assert "organization" in service and "attributes" in service
    one = await client.get(f"/hsds/services/{service['id']}")
    assert one.status_code == 200 and one.json() == service


async def test_filters(pool: asyncpg.Pool, client: httpx.AsyncClient) -> None:
    await load_demo(pool)
    terms = (await client.get("/hsds/taxonomy_terms", params={"per_page": 200})).json()
    night = next(t for t in terms["contents"] if t["code"] == "homelessness.night-shelter")
    assert night["language"] == "fr" and night["name"] == "Abri de nuit" and night["parent_id"]
    assert (await client.get(f"/hsds/taxonomy_terms/{night['id']}")).json() == night
    found = (
        await client.get(
            "/hsds/services", params={"taxonomy_term_id": night["id"], "full_service": "true"}
        )
    ).json()
    assert found["total_items"] >= 1
    for service in found["contents"]:
        codes = {a["taxonomy_term"]["code"] for a in service["attributes"]}
        assert "homelessness.night-shelter" in codes

    org_id = found["contents"][0]["organization_id"]
    by_org = (await client.get("/hsds/services", params={"organization_id": org_id})).json()
    assert by_org["total_items"] >= 1
    assert {s["organization_id"] for s in by_org["contents"]} == {org_id}
    organization = (await client.get(f"/hsds/organizations/{org_id}")).json()
    assert {s["id"] for s in organization["services"]} == {s["id"] for s in by_org["contents"]}

    later = (await client.get("/hsds/services", params={"modified_after": "2999-01-01"})).json()
    assert later["total_items"] == 0 and later["empty"]

    at = (await client.get("/hsds/service_at_locations", params={"per_page": 5})).json()
    assert at["size"] == 5
    one = (await client.get(f"/hsds/service_at_locations/{at['contents'][0]['id']}")).json()
    assert one["service"]["id"] == at["contents"][0]["service_id"] and one["location"]["addresses"]

    taxonomies = (await client.get("/hsds/taxonomies")).json()
    names = {t["name"] for t in taxonomies["contents"]}
    assert "boussole:themes" in names
    themes = next(t for t in taxonomies["contents"] if t["name"] == "boussole:themes")
    assert (await client.get(f"/hsds/taxonomies/{themes['id']}")).json() == themes


def _attributes(item: Any) -> Iterator[dict[str, Any]]:
    if isinstance(item, dict):
        yield from item.get("attributes") or []
        for value in item.values():
            yield from _attributes(value)
    elif isinstance(item, list):
        for value in item:
            yield from _attributes(value)


async def test_every_term_an_export_refers_to_is_listed_and_resolves(
    pool: asyncpg.Pool, client: httpx.AsyncClient
) -> None:
    """Networks and territories included, each term in a listed taxonomy, all valid HSDS."""
    if not HSDS.is_dir():
        pytest.skip(f"HSDS 3.0 schemas not found at {HSDS} (shared/ folder absent)")
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schemas = {p.name: json.loads(p.read_text()) for p in (HSDS / "schema").glob("*.json")}
    registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in schemas.items()
    )

    def problems(name: str, items: list[dict[str, Any]]) -> list[str]:
        validator = Draft202012Validator(schemas[name], registry=registry)
        return [f"{item['id']}: {e.message}" for item in items for e in validator.iter_errors(item)]

    await load_demo(pool)
    services = (await client.get("/hsds/services", params={"full_service": "true",
                                                           "per_page": 200})).json()  # fmt: skip
    referred = {a["taxonomy_term_id"]: a["taxonomy_term"] for a in _attributes(services)}
    assert {t["taxonomy"] for t in referred.values()} >= {"boussole:network", "boussole:territory"}
    taxonomies = (await client.get("/hsds/taxonomies")).json()["contents"]
    assert not problems("taxonomy.json", taxonomies)
    listed: list[dict[str, Any]] = []
    page = 1
    while True:
        body = (await client.get("/hsds/taxonomy_terms", params={"per_page": 200,
                                                                 "page": page})).json()  # fmt: skip
        listed += body["contents"]
        if body["last_page"]:
            break
        page += 1
    assert not problems("taxonomy_term.json", listed)
    by_id = {t["id"]: t for t in listed}
    taxonomy_ids = {t["id"] for t in taxonomies}
    for term_id, term in referred.items():
        assert term_id in by_id, term
        assert term["taxonomy_id"] in taxonomy_ids, term
        one = await client.get(f"/hsds/taxonomy_terms/{term_id}")
        assert one.status_code == 200, term
        assert one.json() | {"language": "fr"} == term | {"language": "fr"}


@pytest.mark.parametrize(
    "path",
    [
        "/hsds/services/8d1f3b1e-0000-4000-8000-000000000000",
        "/hsds/services/not-a-uuid",
        "/hsds/organizations/8d1f3b1e-0000-4000-8000-000000000000",
        "/hsds/service_at_locations/8d1f3b1e-0000-4000-8000-000000000000",
        "/hsds/taxonomies/8d1f3b1e-0000-4000-8000-000000000000",
        "/hsds/taxonomy_terms/8d1f3b1e-0000-4000-8000-000000000000",
    ],
)
async def test_unknown_ids_are_404_problems(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "19951552645961883648"}, "page"),
        ({"per_page": 1000}, "per_page"),
        ({"organization_id": "x"}, "organization_id"),
        ({"modified_after": "yesterday"}, "modified_after"),
        ({"modified_after": "0001-01-01T00:00"}, "modified_after"),  # year 0 in UTC
        ({"taxonomy_term_id": "nothing"}, "taxonomy_term_id"),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(
    client: httpx.AsyncClient, params: dict[str, object], field: str
) -> None:
    response = await client.get("/hsds/services", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    "path",
    [
        "/hsds/services",
        "/hsds/organizations",
        "/hsds/service_at_locations",
        "/hsds/taxonomies",
        "/hsds/taxonomy_terms",
    ],
)
async def test_a_page_too_far_for_any_catalogue_is_a_422(
    client: httpx.AsyncClient, path: str
) -> None:
    # Found by schemathesis: the offset of such a page overflowed PostgreSQL's bigint.
    response = await client.get(path, params={"page": 10**20, "per_page": 112})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["page"]
