"""Adding a service from the workspace: who may, which organisation, what is checked."""

from __future__ import annotations

import asyncio
import re

import asyncpg
import httpx
import pytest

from service.accounts import users
from service.accounts.passwords import hash_password
from tests.integration.web.conftest import PASSWORD, Demo, add_user, csrf_of, sign_in

pytestmark = pytest.mark.asyncio

NEW = "/workspace/services/new"
ENGLISH = {"Accept-Language": "en"}


async def test_an_editor_adds_a_service_then_completes_it(base_url: str, demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        dashboard = await browser.get("/workspace/", headers=ENGLISH)
        assert f'href="{NEW}"' in dashboard.text
        form = await browser.get(NEW, headers=ENGLISH)
        assert form.status_code == 200
        organisation = re.search(r'name="organisation_id" value="([^"]+)"', form.text)
        assert organisation is not None and organisation[1] == str(demo.receiver_org)
        assert f'name="places" value="{demo.place_id}"' in form.text
        base = {"csrf_token": csrf_of(form.text), "organisation_id": organisation[1]}

        wrong = await browser.post(NEW, data={**base, "name": "", "type": "nope"}, headers=ENGLISH)
        assert wrong.status_code == 422
        for field in ("name", "type", "themes"):
            assert f'id="{field}-error"' in wrong.text, field

        added = await browser.post(
            NEW,
            data={
                **base,
                "name": "Petits-déjeuners du dimanche",
                "type": "material_aid",
                "themes": ["food", "not-a-theme"],
                "description": "Un petit-déjeuner chaud, sans inscription.",
                "places": [str(demo.place_id)],
            },
        )
        assert added.status_code == 303, added.text
        edit = added.headers["location"]
        assert re.fullmatch(r"/workspace/services/[0-9a-f-]{36}/edit\?created=1", edit)
        service_id = edit.split("/")[3]
        service = (await browser.get(f"/api/v1/services/{service_id}")).json()
        assert service["name"] == "Petits-déjeuners du dimanche"
        assert service["organisation_id"] == str(demo.receiver_org)
        assert service["type"] == "material_aid" and service["themes"] == ["food"]
        assert [p["place_id"] for p in service["places"]] == [str(demo.place_id)]
        page = await browser.get(edit, headers=ENGLISH)
        assert "The service is added." in page.text
        dashboard = await browser.get("/workspace/", headers=ENGLISH)
        assert f"/workspace/services/{service_id}/places/{demo.place_id}/hours" in dashboard.text


async def test_who_may_add_and_for_which_organisation(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as member:
        await sign_in(member, demo.receiver)
        refused = await member.get(NEW, headers=ENGLISH)
        assert refused.status_code == 403
        assert f'href="{NEW}"' not in (await member.get("/workspace/")).text

    # Someone who edits two organisations is asked which one first.
    both = await add_user(pool, demo.receiver_org, "editor")
    async with pool.acquire() as conn:
        await users.create_or_update(
            conn,
            email=both,
            organisation_id=demo.sender_org,
            role="admin",
            password_hash=await hash_password(PASSWORD),
        )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as editor:
        await sign_in(editor, both)
        chooser = await editor.get(NEW, headers=ENGLISH)
        assert chooser.status_code == 200 and "For which organisation?" in chooser.text
        for organisation in (demo.receiver_org, demo.sender_org):
            assert f'{NEW}?organisation_id={organisation}"' in chooser.text
        form = await editor.get(f"{NEW}?organisation_id={demo.sender_org}", headers=ENGLISH)
        assert f'name="organisation_id" value="{demo.sender_org}"' in form.text
        # A place of another organisation is not offered, nor kept if sent anyway.
        assert f'name="places" value="{demo.place_id}"' not in form.text
        added = await editor.post(
            NEW,
            data={
                "csrf_token": csrf_of(form.text),
                "organisation_id": str(demo.sender_org),
                "name": "Permanence logement",
                "type": "information",
                "themes": ["housing"],
                "places": [str(demo.place_id)],
            },
        )
        assert added.status_code == 303
        service_id = added.headers["location"].split("/")[3]
        service = (await editor.get(f"/api/v1/services/{service_id}")).json()
        assert service["places"] == []

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        form = await worker.get(f"{NEW}?organisation_id={demo.receiver_org}", headers=ENGLISH)
        # A member of the CPAS only, not an editor of any organisation.
        assert form.status_code == 403


async def test_a_coordinator_adds_a_service_for_any_organisation(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    email = "coordinator-new-service@example.org"
    async with pool.acquire() as conn:
        await users.create_or_update(
            conn, email=email, coordinator=True, password_hash=await hash_password(PASSWORD)
        )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as coordinator:
        await sign_in(coordinator, email)
        assert f'href="{NEW}"' in (await coordinator.get("/workspace/")).text
        chooser = await coordinator.get(NEW, headers=ENGLISH)
        assert "For which organisation?" in chooser.text
        count = await pool.fetchval("SELECT count(*) FROM organisation")
        assert chooser.text.count(f'href="{NEW}?organisation_id=') == count
        form = await coordinator.get(f"{NEW}?organisation_id={demo.receiver_org}")
        added = await coordinator.post(
            NEW,
            data={
                "csrf_token": csrf_of(form.text),
                "organisation_id": str(demo.receiver_org),
                "name": "Colis de Noël",
                "type": "material_aid",
                "themes": ["food.food-parcels"],
            },
        )
        assert added.status_code == 303, added.text


async def test_a_place_removed_while_the_form_is_sent_gives_a_page_not_a_problem(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """Another editor removes the new place while the service is being added at it: the
    database refuses the service (its place is gone), and the browser gets a page saying
    that nothing was saved and to try again, not the API's JSON."""
    from schemas.catalogue import PlaceIn
    from service.catalogue import places
    from service.catalogue.records import SystemActor
    from tests.locks import until_waiting

    actor = SystemActor("tests")
    async with pool.acquire() as conn:
        place = await places.create(
            conn,
            PlaceIn(
                name="Antenne de Strépy",
                street="Rue de la Station 3",
                postal_code="7110",
                commune="La Louvière",
                organisation_id=demo.receiver_org,
            ),
            actor,
        )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        form = await browser.get(NEW, headers=ENGLISH)
        assert f'name="places" value="{place.id}"' in form.text
        organisation = re.search(r'name="organisation_id" value="([^"]+)"', form.text)
        assert organisation is not None
        data = {
            "csrf_token": csrf_of(form.text),
            "organisation_id": organisation[1],
            "name": "Permanence de Strépy",
            "type": "information",
            "themes": ["food"],
            "places": [str(place.id)],
        }
        async with pool.acquire() as other, other.transaction():
            await places.delete(other, place.id, actor, None)
            adding = asyncio.create_task(
                browser.post(NEW, data=data, headers={**ENGLISH, "Accept": "text/html"}),
                name="adding",
            )
            await until_waiting(pool, 1, adding)
        answer = await adding
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "Nothing was saved" in answer.text and "reload the page" in answer.text
    async with pool.acquire() as conn:
        assert not await conn.fetchval(
            "SELECT count(*) FROM service WHERE name = 'Permanence de Strépy'"
        )
