"""Where a service is held, from the workspace over HTTP: also held at another of its
organisation's places, no longer held at one, the search following, and who may."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from search.outbox import OutboxConsumer
from search.postgres import PostgresEngine
from service.search.engines import document_builder
from tests.integration.web.conftest import (
    FOOD_PARCELS,
    Demo,
    add_user,
    csrf_of,
    posted_back,
    sign_in,
)

pytestmark = pytest.mark.asyncio

ENGLISH = {"Accept-Language": "en"}


def places_path(demo: Demo) -> str:
    return f"/workspace/services/{demo.service_id}/places"


async def add_place(pool: asyncpg.Pool, organisation_id: object, name: str) -> uuid.UUID:
    """A place of the organisation that holds no service yet."""
    place_id: uuid.UUID = await pool.fetchval(
        """INSERT INTO place (organisation_id, name, street, postal_code, commune)
           VALUES ($1, $2, 'Rue de Bouvy 12', '7100', 'La Louvière') RETURNING id""",
        organisation_id,
        name,
    )
    return place_id


async def found_at(pool: asyncpg.Pool, client: httpx.AsyncClient, demo: Demo) -> set[str]:
    """The places the service is found at through the search API, once the outbox is
    processed."""
    await OutboxConsumer(pool, [PostgresEngine(pool)], document_builder()).drain()
    answer = await client.get("/api/v1/search", params={"q": FOOD_PARCELS, "limit": 100})
    assert answer.status_code == 200, answer.text
    return {
        item["location_id"]
        for item in answer.json()["items"]
        if item["service_id"] == str(demo.service_id)
    }


async def test_an_editor_holds_the_service_at_another_place_then_stops(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    other = await add_place(pool, demo.receiver_org, "Maison de quartier de Bouvy")
    theirs = await add_place(pool, demo.sender_org, "Antenne du CPAS")
    path = places_path(demo)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
        await sign_in(browser, demo.editor)
        edit = await browser.get(f"/workspace/services/{demo.service_id}/edit")
        assert f'href="{path}"' in edit.text
        page = await browser.get(path)
        assert page.status_code == 200
        assert f'<option value="{other}">' in page.text
        # Only the organisation's own places not holding it yet are offered.
        assert str(theirs) not in page.text
        assert f'<option value="{demo.place_id}">' not in page.text
        sent = posted_back(page.text)
        french = await browser.get(path, headers={"Accept-Language": "fr"})
        assert "Proposé aussi à" in french.text and "Ne plus le proposer ici" in french.text
        before = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()

        refused = await browser.post(path, data={**sent, "place_id": str(theirs)})
        assert refused.status_code == 422
        assert 'id="place_id-error"' in refused.text
        assert "does not hold it yet" in refused.text

        added = await browser.post(path, data={**sent, "place_id": str(other)})
        assert added.status_code == 303, added.text
        assert added.headers["location"] == f"{path}?added={other}"
        after = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        held = [p["place_id"] for p in after["places"]]
        assert held == [p["place_id"] for p in before["places"]] + [str(other)]
        # The places held before keep their hours.
        assert after["places"][0]["opening_hours"] == before["places"][0]["opening_hours"]
        shown = await browser.get(added.headers["location"])
        hours = f"/workspace/services/{demo.service_id}/places/{other}/hours"
        assert "Now also held at Maison de quartier de Bouvy." in shown.text
        assert f'href="{hours}"' in shown.text
        assert (await browser.get(hours)).status_code == 200
        history = (await browser.get(f"/api/v1/services/{demo.service_id}/history")).json()
        assert (history["items"][0]["action"], history["items"][0]["actor"]) == (
            "update",
            demo.editor,
        )

        # A form read before the change saves nothing.
        third = await add_place(pool, demo.receiver_org, "Antenne de Haine")
        stale = await browser.post(path, data={**sent, "place_id": str(third)})
        assert stale.status_code == 409
        assert "Nothing was saved" in stale.text
        assert len((await browser.get(f"/api/v1/services/{demo.service_id}")).json()["places"]) == (
            len(held)
        )

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as visitor:
        assert str(other) in await found_at(pool, visitor, demo)

    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
        await sign_in(browser, demo.editor)
        remove = f"{path}/{other}/remove"
        listed = await browser.get(path)
        assert f'href="{remove}"' in listed.text
        confirm = await browser.get(remove)
        assert confirm.status_code == 200
        assert "Maison de quartier de Bouvy" in confirm.text
        old = posted_back(confirm.text)
        # Nothing is removed before the confirmation is sent.
        assert len((await browser.get(f"/api/v1/services/{demo.service_id}")).json()["places"]) == (
            len(held)
        )
        removed = await browser.post(remove, data=old)
        assert removed.status_code == 303, removed.text
        assert removed.headers["location"] == f"{path}?removed=1"
        after = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert [p["place_id"] for p in after["places"]] == [p["place_id"] for p in before["places"]]
        assert (
            "No longer held at that place" in (await browser.get(removed.headers["location"])).text
        )
        # Sent again (a second click, or an old tab): not held there any more, nothing saved.
        again = await browser.post(remove, data=old)
        assert again.status_code == 409 and "Nothing was saved" in again.text
        # A place that does not hold it has no confirmation page.
        assert (await browser.get(f"{path}/{third}/remove")).status_code == 404

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as visitor:
        found = await found_at(pool, visitor, demo)
        assert str(other) not in found and str(demo.place_id) in found


async def test_only_the_organisations_editors_change_where_it_is_held(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    other = await add_place(pool, demo.receiver_org, "Maison de quartier de Bouvy")
    path = places_path(demo)
    remove = f"{path}/{demo.place_id}/remove"
    version = await pool.fetchval("SELECT version FROM service WHERE id = $1", demo.service_id)
    other_editor = await add_user(pool, demo.sender_org, "editor")
    for email in (demo.receiver, other_editor):
        async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
            await sign_in(browser, email)
            assert (await browser.get(path)).status_code == 403, email
            assert (await browser.get(remove)).status_code == 403, email
            token = csrf_of((await browser.get("/workspace/account")).text)
            sent = {"csrf_token": token, "version": str(version)}
            held = await browser.post(path, data={**sent, "place_id": str(other)})
            assert held.status_code == 403, email
            assert (await browser.post(remove, data=sent)).status_code == 403, email
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as anonymous:
        signed_out = await anonymous.get(path)
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith("/workspace/login?next=")
        assert (await anonymous.get(remove)).status_code == 303
        posted = await anonymous.post(path, data={"place_id": str(other), "version": version})
        assert posted.status_code in (303, 403)  # no session: no CSRF token either
        assert (await anonymous.post(remove, data={"version": version})).status_code in (303, 403)
    assert await pool.fetchval("SELECT version FROM service WHERE id = $1", demo.service_id) == (
        version
    )
    held_at = await pool.fetch(
        "SELECT place_id FROM service_place WHERE service_id = $1", demo.service_id
    )
    assert other not in {row["place_id"] for row in held_at}
    assert demo.place_id in {row["place_id"] for row in held_at}


async def test_what_the_api_refuses_is_said_and_the_last_place_may_go(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    other = await add_place(pool, demo.receiver_org, "Maison de quartier de Bouvy")
    # Saved by a script against the API's rules (verified next month): the API refuses the
    # update, said on the page, not a server error.
    verified = await pool.fetchval(
        "SELECT last_verified_on FROM service WHERE id = $1", demo.service_id
    )
    await pool.execute(
        "UPDATE service SET last_verified_on = current_date + 30 WHERE id = $1", demo.service_id
    )
    path = places_path(demo)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
        await sign_in(browser, demo.editor)
        page = await browser.get(path)
        refused = await browser.post(path, data={**posted_back(page.text), "place_id": str(other)})
        assert refused.status_code == 422, refused.text
        assert "There is a problem" in refused.text
        assert not await pool.fetchval(
            "SELECT count(*) FROM service_place WHERE place_id = $1", other
        )
        await pool.execute(
            "UPDATE service SET last_verified_on = $2 WHERE id = $1", demo.service_id, verified
        )

        # The API keeps a service held nowhere (a service by phone): so does the page.
        held = await pool.fetch(
            "SELECT place_id FROM service_place WHERE service_id = $1 ORDER BY position",
            demo.service_id,
        )
        for number, row in enumerate(held, start=1):
            remove = f"{path}/{row['place_id']}/remove"
            confirm = await browser.get(remove)
            assert confirm.status_code == 200
            last = "It is its only place: it will be held nowhere."
            assert (last in confirm.text) == (number == len(held))
            removed = await browser.post(remove, data=posted_back(confirm.text))
            assert removed.status_code == 303, removed.text
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert service["places"] == []
        assert "It is held at no place yet" in (await browser.get(path)).text
