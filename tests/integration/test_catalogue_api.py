"""The catalogue API over real HTTP on a real database: writes, rights, concurrency, errors."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import TokenFactory, bearer

pytestmark = pytest.mark.asyncio


def _bce(first_eight: int) -> str:
    digits = f"{first_eight:08d}{97 - first_eight % 97:02d}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


@pytest.fixture
async def themes(pool: asyncpg.Pool) -> list[str]:
    """Two themes of our own, so the test does not depend on the seeded taxonomy."""
    async with pool.acquire() as conn:
        await conn.execute(
            """INSERT INTO theme (id, parent_id, position, label_fr, label_nl, label_en) VALUES
               ('t-food', NULL, 1, 'Alimentation', 'Voeding', 'Food'),
               ('t-food.parcels', 't-food', 1, 'Colis', 'Pakketten', 'Parcels')
               ON CONFLICT DO NOTHING"""
        )
    return ["t-food", "t-food.parcels"]


async def _coordinator(client: httpx.AsyncClient, make_token: TokenFactory) -> dict[str, str]:
    return bearer(await make_token(coordinator=True))


async def _organisation(client: httpx.AsyncClient, headers: dict[str, str], **extra: Any) -> Any:
    body = {"name": "CPAS de La Louvière", "kind": "cpas", "enterprise_number": _bce(2123456)}
    body.update(extra)
    response = await client.post("/api/v1/organisations", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def _place(client: httpx.AsyncClient, headers: dict[str, str], org_id: str) -> Any:
    response = await client.post(
        "/api/v1/places",
        json={
            "organisation_id": org_id,
            "name": "Maison de quartier de Bouvy",
            "street": "Rue de Bouvy 12",
            "postal_code": "7100",
            "commune": "La Louvière",
            "latitude": 50.475,
            "longitude": 4.18,
            "wheelchair": "yes",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def _service_body(org_id: str, place_id: str, themes: list[str], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation_id": org_id,
        "name": "Permanence sociale",
        "type": "information",
        "themes": themes[1:],
        "walk_in": True,
        "languages": ["fr", "nl"],
        "places": [
            {
                "place_id": place_id,
                "opening_hours": "Mo 09:00-11:00; PH off",
                "exceptions": [
                    {"starts_on": "2026-09-27", "ends_on": "2026-09-27", "message": "FWB"}
                ],
            }
        ],
    }
    body.update(extra)
    return body


async def test_health_and_openapi(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/services" in schema["paths"]
    assert "/api/v1/organisations/{organisation_id}" in schema["paths"]


async def test_create_read_update_delete_service(
    client: httpx.AsyncClient, make_token: TokenFactory, themes: list[str]
) -> None:
    coordinator = await _coordinator(client, make_token)
    org = await _organisation(client, coordinator)
    editor = bearer(await make_token(organisation_id=org["id"], role="editor"))
    place = await _place(client, editor, org["id"])

    created = await client.post(
        "/api/v1/services", json=_service_body(org["id"], place["id"], themes), headers=editor
    )
    assert created.status_code == 201, created.text
    service = created.json()
    assert created.headers["etag"] == '"1"'
    assert service["places"][0]["exceptions"][0]["message"] == "FWB"

    # Monday 28 September 2026, 10:00 in Brussels: the permanence is open.
    read = await client.get(f"/api/v1/services/{service['id']}", params={"at": "2026-09-28T10:00"})
    assert read.status_code == 200, read.text
    state = read.json()["places"][0]["open"]
    assert state["now"] is True
    assert state["next_change"].startswith("2026-09-28T11:00:00+02:00")

    patched = await client.patch(
        f"/api/v1/services/{service['id']}",
        json={"capacity_status": "full"},
        headers={**editor, "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["capacity_status"] == "full"
    assert patched.json()["version"] == 2
    assert patched.json()["places"][0]["opening_hours"] == "Mo 09:00-11:00; PH off"

    listing = (await client.get("/api/v1/services", params={"limit": 1})).json()
    assert listing["total"] == 1 and listing["limit"] == 1 and listing["offset"] == 0
    assert [s["id"] for s in listing["items"]] == [service["id"]]

    history = (await client.get(f"/api/v1/services/{service['id']}/history", headers=editor)).json()
    assert [c["action"] for c in history["items"]] == ["update", "create"]
    assert history["items"][0]["before"]["capacity_status"] == "available"
    assert history["items"][0]["after"]["capacity_status"] == "full"

    deleted = await client.delete(
        f"/api/v1/services/{service['id']}", headers={**editor, "If-Match": '"2"'}
    )
    assert deleted.status_code == 204
    assert (await client.get(f"/api/v1/services/{service['id']}")).status_code == 404


async def test_a_place_that_still_holds_services_is_not_deleted(
    client: httpx.AsyncClient, make_token: TokenFactory, themes: list[str]
) -> None:
    """Deleting the place would take the hours of every service held there, other
    organisations' too: it waits until none is."""
    coordinator = await _coordinator(client, make_token)
    owner = await _organisation(client, coordinator)
    guest = await _organisation(
        client, coordinator, name="Épicerie sociale", enterprise_number=_bce(2123457)
    )
    owner_editor = bearer(await make_token(organisation_id=owner["id"], role="editor"))
    guest_editor = bearer(await make_token(organisation_id=guest["id"], role="editor"))
    place = await _place(client, owner_editor, owner["id"])
    service = await client.post(
        "/api/v1/services",
        json=_service_body(guest["id"], place["id"], themes),
        headers=guest_editor,
    )
    assert service.status_code == 201, service.text

    refused = await client.delete(
        f"/api/v1/places/{place['id']}", headers={**owner_editor, "If-Match": '"1"'}
    )
    assert refused.status_code == 409
    assert "Permanence sociale" in refused.json()["detail"]
    kept = (await client.get(f"/api/v1/services/{service.json()['id']}")).json()
    assert kept["places"][0]["opening_hours"] == "Mo 09:00-11:00; PH off"

    moved = await client.patch(
        f"/api/v1/services/{service.json()['id']}",
        json={"places": []},
        headers={**guest_editor, "If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    deleted = await client.delete(
        f"/api/v1/places/{place['id']}", headers={**owner_editor, "If-Match": '"1"'}
    )
    assert deleted.status_code == 204


async def test_a_place_lies_in_the_territory_of_its_address(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    """Search filters by commune and section on the place's territory: found from the
    address when the editor does not give it, found again when the address moves."""
    coordinator = await _coordinator(client, make_token)
    org = await _organisation(client, coordinator)
    editor = bearer(await make_token(organisation_id=org["id"], role="editor"))
    place = await _place(client, editor, org["id"])  # 7100 La Louvière: several sections
    assert place["territory_id"] == "la-louviere"
    assert (place["latitude"], place["longitude"]) == (50.475, 4.18)
    url = f"/api/v1/places/{place['id']}"

    street = await client.patch(
        url, json={"street": "Rue de Bouvy 14"}, headers={**editor, "If-Match": '"1"'}
    )
    assert street.status_code == 200, street.text
    assert street.json()["territory_id"] == "la-louviere"
    assert street.json()["latitude"] == 50.475  # same commune: the point stays

    moved = await client.patch(
        url,
        json={"street": "Place de l'Université 1", "postal_code": "1348",
              "commune": "Ottignies-Louvain-la-Neuve"},
        headers={**editor, "If-Match": '"2"'},
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["territory_id"] == "ottignies-louvain-la-neuve.louvain-la-neuve"
    # The old point would put it 40 km away, in La Louvière: dropped, not kept.
    assert (moved.json()["latitude"], moved.json()["longitude"]) == (None, None)

    pointed = await client.patch(
        url,
        json={"postal_code": "1340", "commune": "Ottignies", "latitude": 50.665,
              "longitude": 4.569, "territory_id": "ottignies-louvain-la-neuve.ottignies.buston"},
        headers={**editor, "If-Match": '"3"'},
    )  # fmt: skip
    assert pointed.status_code == 200, pointed.text
    # What the editor says stays as said.
    assert pointed.json()["territory_id"] == "ottignies-louvain-la-neuve.ottignies.buston"
    assert pointed.json()["latitude"] == 50.665


async def test_a_service_with_a_price_is_not_free(
    client: httpx.AsyncClient, make_token: TokenFactory, themes: list[str]
) -> None:
    """A price note says what the service costs: `free` true beside it is a 422 naming
    `price`, so the editor decides which is wrong; nothing is stored meanwhile."""
    coordinator = await _coordinator(client, make_token)
    org = await _organisation(client, coordinator)
    editor = bearer(await make_token(organisation_id=org["id"], role="editor"))
    place = await _place(client, editor, org["id"])

    # `free` is true by default: a price alone is told so too.
    for extra in ({"price": "2 € par colis"}, {"free": True, "price": "2 € par colis"}):
        refused = await client.post(
            "/api/v1/services",
            json=_service_body(org["id"], place["id"], themes, **extra),
            headers=editor,
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["price"]
        assert "a service with a price is not free" in refused.json()["errors"][0]["message"]
    assert (await client.get("/api/v1/services")).json()["total"] == 0

    created = await client.post(
        "/api/v1/services",
        json=_service_body(org["id"], place["id"], themes, free=False, price="2 € par colis"),
        headers=editor,
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/services/{created.json()['id']}"
    made_free = await client.patch(url, json={"free": True}, headers={**editor, "If-Match": '"1"'})
    assert made_free.status_code == 422, made_free.text
    assert [e["field"] for e in made_free.json()["errors"]] == ["price"]
    freed = await client.patch(
        url, json={"free": True, "price": ""}, headers={**editor, "If-Match": '"1"'}
    )
    assert freed.status_code == 200, freed.text
    assert (freed.json()["free"], freed.json()["price"]) == (True, "")
    priced = await client.patch(url, json={"price": "1 €"}, headers={**editor, "If-Match": '"2"'})
    assert priced.status_code == 422, priced.text
    assert (await client.get(url)).json()["free"] is True


async def test_two_editors_never_overwrite_each_other(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    coordinator = await _coordinator(client, make_token)
    org = await _organisation(client, coordinator)
    url = f"/api/v1/organisations/{org['id']}"
    first = await client.patch(
        url, json={"description": "A"}, headers={**coordinator, "If-Match": '"1"'}
    )
    assert first.status_code == 200
    second = await client.patch(
        url, json={"description": "B"}, headers={**coordinator, "If-Match": '"1"'}
    )
    assert second.status_code == 412
    assert second.headers["content-type"].startswith("application/problem+json")
    assert second.headers["etag"] == '"2"'
    missing = await client.patch(url, json={"description": "C"}, headers=coordinator)
    assert missing.status_code == 428
    assert (await client.get(url)).json()["description"] == "A"


async def test_bad_inputs_are_problems_naming_the_field(
    client: httpx.AsyncClient, make_token: TokenFactory, themes: list[str]
) -> None:
    coordinator = await _coordinator(client, make_token)

    bad_bce = await client.post(
        "/api/v1/organisations",
        json={"name": "X", "kind": "association", "enterprise_number": "0212.345.679"},
        headers=coordinator,
    )
    assert bad_bce.status_code == 422
    problem = bad_bce.json()
    assert problem["status"] == 422
    assert problem["errors"][0]["field"] == "enterprise_number"
    assert "check digits" in problem["errors"][0]["message"]

    typo = await client.post(
        "/api/v1/organisations",
        json={"name": "X", "kind": "association", "nmae": "Y"},
        headers=coordinator,
    )
    assert typo.status_code == 422
    assert "nmae" in typo.text

    wrong_type = await client.post(
        "/api/v1/organisations", json={"name": "X", "kind": "bakery"}, headers=coordinator
    )
    assert wrong_type.status_code == 422
    assert wrong_type.json()["errors"][0]["field"] == "kind"

    # E.164 in form, but no Belgian number has a 0 after +32 (a trunk 0 typed in).
    trunk_zero = await client.post(
        "/api/v1/organisations",
        json={"name": "X", "kind": "association", "phones": [{"number": "+320470112233"}]},
        headers=coordinator,
    )
    assert trunk_zero.status_code == 422
    assert trunk_zero.json()["errors"][0]["field"] == "phones[0].number"

    malformed = await client.post(
        "/api/v1/organisations",
        content=b"{not json",
        headers={**coordinator, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400

    org = await _organisation(client, coordinator)
    place = await _place(client, coordinator, org["id"])
    body = _service_body(org["id"], place["id"], themes)
    body["themes"] = ["t-unknown"]
    body["places"][0]["opening_hours"] = "Mo-Fr 9h-12h"
    response = await client.post("/api/v1/services", json=body, headers=coordinator)
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "not a valid OpenStreetMap opening_hours" in fields["places[0].opening_hours"]
    assert fields["themes[0]"] == "unknown theme t-unknown"
    # School holidays and sunset: parsed by the library, not evaluated right here.
    body = _service_body(org["id"], place["id"], themes)
    body["places"][0]["opening_hours"] = "Mo-Fr 09:00-17:00; SH off"
    body["places"][0]["exceptions"][0]["opening_hours"] = "Mo-Su 10:00-sunset"
    response = await client.post("/api/v1/services", json=body, headers=coordinator)
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "school holidays (SH)" in fields["places[0].opening_hours"]
    assert "sunset" in fields["places[0].exceptions[0].opening_hours"]
    # Only spaces is as empty as nothing, in every required text.
    blank_name = await client.post(
        "/api/v1/services",
        json={**_service_body(org["id"], place["id"], themes), "name": "  "},
        headers=coordinator,
    )
    assert blank_name.status_code == 422
    assert blank_name.json()["errors"] == [{"field": "name", "message": "must not be blank"}]
    blank_org = await client.post(
        "/api/v1/organisations", json={"name": "\t ", "kind": "association"}, headers=coordinator
    )
    assert blank_org.status_code == 422 and blank_org.json()["errors"][0]["field"] == "name"
    # A closure "until 9999": hours cannot be evaluated there; the status says it instead.
    body = _service_body(org["id"], place["id"], themes)
    body["places"][0]["exceptions"][0]["ends_on"] = "9999-12-31"
    response = await client.post("/api/v1/services", json=body, headers=coordinator)
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "temporarily_closed" in fields["places[0].exceptions[0].ends_on"]
    future = _service_body(org["id"], place["id"], themes, last_verified_on="2099-01-01")
    response = await client.post("/api/v1/services", json=future, headers=coordinator)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "last_verified_on"

    bad_postal = await client.post(
        "/api/v1/places",
        json={
            "name": "P",
            "street": "Rue",
            "postal_code": "710",
            "commune": "La Louvière",
            "organisation_id": org["id"],
        },
        headers=coordinator,
    )
    assert bad_postal.status_code == 422
    assert bad_postal.json()["errors"][0]["field"] == "postal_code"
    place_body = {"name": "P", "postal_code": "7100", "commune": "La Louvière"}
    blank_street = await client.post(
        "/api/v1/places",
        json={**place_body, "street": " ", "organisation_id": org["id"]},
        headers=coordinator,
    )
    assert blank_street.status_code == 422
    assert blank_street.json()["errors"][0]["field"] == "street"

    unknown = await client.get("/api/v1/services/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404
    assert unknown.json()["title"] == "Not found"


async def test_rights(
    client: httpx.AsyncClient, make_token: TokenFactory, themes: list[str]
) -> None:
    coordinator = await _coordinator(client, make_token)
    mine = await _organisation(client, coordinator, name="Mine", enterprise_number=None)
    theirs = await _organisation(client, coordinator, name="Theirs", enterprise_number=None)
    editor = bearer(await make_token(organisation_id=mine["id"], role="editor"))
    member = bearer(await make_token(organisation_id=mine["id"], role="member"))

    anonymous = await client.post("/api/v1/organisations", json={"name": "A", "kind": "other"})
    assert anonymous.status_code == 401
    bad_token = await client.post(
        "/api/v1/organisations", json={"name": "A", "kind": "other"}, headers=bearer("bsl_nope")
    )
    assert bad_token.status_code == 401
    assert (await client.get("/api/v1/organisations")).json()["total"] == 2

    not_coordinator = await client.post(
        "/api/v1/organisations", json={"name": "A", "kind": "other"}, headers=editor
    )
    assert not_coordinator.status_code == 403

    other_place = await client.post(
        "/api/v1/places",
        json={
            "organisation_id": theirs["id"],
            "name": "P",
            "street": "Rue 1",
            "postal_code": "7100",
            "commune": "La Louvière",
        },
        headers=editor,
    )
    assert other_place.status_code == 403
    members_cannot_write = await client.patch(
        f"/api/v1/organisations/{mine['id']}",
        json={"description": "x"},
        headers={**member, "If-Match": '"1"'},
    )
    assert members_cannot_write.status_code == 403
    own = await client.patch(
        f"/api/v1/organisations/{mine['id']}",
        json={"description": "x"},
        headers={**editor, "If-Match": '"1"'},
    )
    assert own.status_code == 200


async def test_every_write_is_queued_for_search(
    client: httpx.AsyncClient, make_token: TokenFactory, themes: list[str], pool: asyncpg.Pool
) -> None:
    coordinator = await _coordinator(client, make_token)
    org = await _organisation(client, coordinator)
    place = await _place(client, coordinator, org["id"])
    created = (
        await client.post(
            "/api/v1/services",
            json=_service_body(org["id"], place["id"], themes),
            headers=coordinator,
        )
    ).json()
    await client.patch(
        f"/api/v1/places/{place['id']}",
        json={"name": "Maison de quartier"},
        headers={**coordinator, "If-Match": '"1"'},
    )
    async with pool.acquire() as conn:
        queued = await conn.fetchval(
            "SELECT count(*) FROM search_outbox WHERE service_id = $1", created["id"]
        )
    assert queued == 2


async def test_an_organisation_with_referrals_is_kept(
    client: httpx.AsyncClient, make_token: TokenFactory, themes: list[str], pool: asyncpg.Pool
) -> None:
    coordinator = await _coordinator(client, make_token)
    sender = await _organisation(client, coordinator, name="CPAS", enterprise_number=None)
    receiver = await _organisation(client, coordinator, name="Resto", enterprise_number=None)
    place = await _place(client, coordinator, receiver["id"])
    service = (
        await client.post(
            "/api/v1/services",
            json=_service_body(receiver["id"], place["id"], themes),
            headers=coordinator,
        )
    ).json()
    worker = bearer(await make_token(organisation_id=sender["id"], role="member"))
    referral = await client.post(
        "/api/v1/referrals",
        json={"service_id": service["id"], "reason": "Besoin d'un colis", "consent": False},
        headers=worker,
    )
    assert referral.status_code == 201, referral.text

    refused = await client.delete(
        f"/api/v1/organisations/{receiver['id']}", headers={**coordinator, "If-Match": '"1"'}
    )
    assert refused.status_code == 409
    assert "referrals" in refused.json()["detail"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM referral") == 1


async def test_opening_state_at_a_skipped_wall_time(
    client: httpx.AsyncClient, make_token: TokenFactory, themes: list[str]
) -> None:
    coordinator = await _coordinator(client, make_token)
    org = await _organisation(client, coordinator)
    place = await _place(client, coordinator, org["id"])
    body = _service_body(org["id"], place["id"], themes)
    body["places"][0]["opening_hours"] = "Mo-Su 20:00-08:00"
    service = (await client.post("/api/v1/services", json=body, headers=coordinator)).json()
    read = await client.get(f"/api/v1/services/{service['id']}", params={"at": "2027-03-28T02:30"})
    assert read.status_code == 200, read.text
    assert read.json()["places"][0]["open"]["now"] is True
    for wrong in ("yesterday", "9999-12-31T23:59", "0001-01-01T00:00"):
        bad = await client.get(f"/api/v1/services/{service['id']}", params={"at": wrong})
        assert bad.status_code == 422, wrong
        assert bad.json()["errors"][0]["field"] == "at"


async def test_exceptions_for_the_same_days_keep_their_order(
    client: httpx.AsyncClient, make_token: TokenFactory, themes: list[str]
) -> None:
    """Of two exceptions as long, the later in the list is in force: storing them keeps the
    order they were written in, and the narrower one wins over a longer closure."""
    coordinator = await _coordinator(client, make_token)
    org = await _organisation(client, coordinator)
    place = await _place(client, coordinator, org["id"])
    body = _service_body(org["id"], place["id"], themes)
    body["places"][0]["opening_hours"] = "Mo-Fr 09:00-17:00"
    body["places"][0]["exceptions"] = [
        {"starts_on": "2026-12-24", "ends_on": "2026-12-24", "opening_hours": "Th 09:00-12:00"},
        {"starts_on": "2026-12-24", "ends_on": "2026-12-31", "message": "Congé"},
        {"starts_on": "2026-12-23", "ends_on": "2026-12-23", "message": "Fermé"},
        {"starts_on": "2026-12-23", "ends_on": "2026-12-23", "opening_hours": "We 13:00-15:00"},
    ]
    created = await client.post("/api/v1/services", json=body, headers=coordinator)
    assert created.status_code == 201, created.text
    service_id = created.json()["id"]

    async def open_at(moment: str) -> bool:
        read = await client.get(f"/api/v1/services/{service_id}", params={"at": moment})
        return bool(read.json()["places"][0]["open"]["now"])

    assert await open_at("2026-12-23T14:00")  # the later of the two for the 23rd
    assert await open_at("2026-12-24T10:00")  # the morning within the closure
    assert not await open_at("2026-12-28T10:00")


async def test_an_organisation_chooses_the_language_of_its_mails(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    headers = await _coordinator(client, make_token)
    created = await _organisation(client, headers)
    assert created["language"] == "fr"  # unless said otherwise
    url = f"/api/v1/organisations/{created['id']}"
    patch = {**headers, "Content-Type": "application/merge-patch+json", "If-Match": '"1"'}
    patched = await client.patch(url, json={"language": "nl"}, headers=patch)
    assert patched.status_code == 200, patched.text
    assert (await client.get(url)).json()["language"] == "nl"
    wrong = await client.patch(url, json={"language": "es"}, headers={**patch, "If-Match": '"2"'})
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "language"
    german = await _organisation(
        client, headers, name="ÖSHZ Eupen", enterprise_number=None, language="de"
    )
    assert german["language"] == "de"


async def test_characters_postgresql_cannot_store_are_a_4xx(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    coordinator = await _coordinator(client, make_token)
    created = await client.post(
        "/api/v1/organisations", json={"name": "A\u0000B", "kind": "school"}, headers=coordinator
    )
    assert created.status_code == 422
    assert "NUL" in created.json()["errors"][0]["message"]
    listed = await client.get("/api/v1/organisations", params={"kind": "x\x00y"})
    assert listed.status_code == 422
    assert [e["field"] for e in listed.json()["errors"]] == ["kind"]  # was "body"


async def test_organisations_moved_at_once_make_no_cycle(pool: asyncpg.Pool) -> None:
    """B sits under C; A goes under B while C goes under A, by two coordinators at the same
    moment: each move used to be checked before the other committed, and both went
    through (a cycle A, B, C)."""
    from schemas.catalogue import OrganisationIn
    from service.catalogue import organisations
    from service.catalogue.records import SystemActor
    from service.errors import InvalidInput
    from tests.locks import until_waiting

    actor = SystemActor("tests")

    async def move(child: Any, parent: Any, conn: asyncpg.Connection) -> None:
        data = OrganisationIn(name=child.name, kind="association", parent_id=parent.id)
        await organisations.update(conn, child.id, data, actor, None)

    async def move_in_transaction(child: Any, parent: Any) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await move(child, parent, conn)

    async with pool.acquire() as conn:
        a, b, c = [
            await organisations.create(conn, OrganisationIn(name=name, kind="association"), actor)
            for name in ("Maison de quartier", "Relais de quartier", "Plan de cohésion sociale")
        ]
        await move(b, c, conn)
    async with pool.acquire() as first:
        async with first.transaction():
            await move(a, b, first)
            second = asyncio.create_task(move_in_transaction(c, a), name="second move")
            await until_waiting(pool, 1, second)
        with pytest.raises(InvalidInput) as refused:
            await second
    assert [e.field for e in refused.value.errors] == ["parent_id"]
    async with pool.acquire() as conn:
        parents = dict(await conn.fetch("SELECT id, parent_id FROM organisation"))
    assert parents == {a.id: b.id, b.id: c.id, c.id: None}


async def test_a_place_removed_while_a_service_is_attached_to_it_is_named(
    client: httpx.AsyncClient, make_token: TokenFactory, themes: list[str], pool: asyncpg.Pool
) -> None:
    """Another editor removes the second place of a service while it is being added: the
    service is refused (422) naming that place's entry, `places[1].place_id`, as when the
    place was gone before; it was only `place_id`, which did not say which."""
    from uuid import UUID

    from service.catalogue import places
    from service.catalogue.records import SystemActor
    from tests.locks import until_waiting

    coordinator = await _coordinator(client, make_token)
    org = await _organisation(client, coordinator)
    editor = bearer(await make_token(organisation_id=org["id"], role="editor"))
    kept, removed = await _place(client, editor, org["id"]), await _place(client, editor, org["id"])
    body = _service_body(org["id"], kept["id"], themes)
    body["places"].append({"place_id": removed["id"]})
    async with pool.acquire() as other, other.transaction():
        await places.delete(other, UUID(removed["id"]), SystemActor("tests"), None)
        adding = asyncio.create_task(
            client.post("/api/v1/services", json=body, headers=editor), name="adding"
        )
        await until_waiting(pool, 1, adding)
    answer = await adding
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["places[1].place_id"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM service") == 0


async def test_networks_are_paged_as_every_list(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM organisation_network")
        await conn.execute("DELETE FROM network")
        await conn.executemany(
            "INSERT INTO network (id, name) VALUES ($1, $2)",
            [(f"network-{n:03d}", f"Network {n}") for n in range(60)],
        )
    # As the other lists: 50 by default, said so; it answered all 60 and "limit": 60.
    first = (await client.get("/api/v1/networks")).json()
    assert (first["total"], first["limit"], first["offset"]) == (60, 50, 0)
    assert [n["id"] for n in first["items"]] == [f"network-{n:03d}" for n in range(50)]
    rest = (await client.get("/api/v1/networks", params={"limit": 20, "offset": 50})).json()
    assert (rest["total"], rest["limit"], rest["offset"]) == (60, 20, 50)
    assert [n["id"] for n in rest["items"]] == [f"network-{n:03d}" for n in range(50, 60)]
    too_many = await client.get("/api/v1/networks", params={"limit": 201})
    assert too_many.status_code == 422 and "limit" in too_many.text
