"""A place's edit page over HTTP: who may, what is checked, what is kept."""

from __future__ import annotations

import html
import re

import asyncpg
import httpx
import pytest

from tests.integration.web.conftest import Demo, csrf_of, posted_back, sign_in
from tests.integration.web.test_workspace_service_edit import add_coordinator

pytestmark = pytest.mark.asyncio

ENGLISH = {"Accept-Language": "en"}


async def test_an_editor_keeps_the_access_of_a_place_right(base_url: str, demo: Demo) -> None:
    path = f"/workspace/places/{demo.place_id}/edit"
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        dashboard = await browser.get("/workspace/")
        assert path in dashboard.text
        before = (await browser.get(f"/api/v1/places/{demo.place_id}")).json()
        page = await browser.get(path, headers=ENGLISH)
        assert page.status_code == 200
        assert f'value="{before["street"]}"' in page.text.replace("&#39;", "'")
        sent = {
            **posted_back(page.text),
            "name": before["name"],
            "street": before["street"],
            "postal_code": before["postal_code"],
            "commune": before["commune"],
            "description": "",
            "wheelchair": "yes",
            "accessibility_notes": "Entrée de plain-pied par la cour, sonnette à gauche.",
            "transport_notes": "Bus 30 et 82, arrêt Nivelles.",
            "phones": "064/27.78.11",
        }

        wrong = await browser.post(
            path, data={**sent, "street": "", "postal_code": "71"}, headers=ENGLISH
        )
        assert wrong.status_code == 422
        assert 'id="street-error"' in wrong.text and 'id="postal_code-error"' in wrong.text
        assert "Bus 30 et 82" in wrong.text  # what was typed stays
        # The API takes a commune of 100 characters: the form says so, not a general error.
        long = await browser.post(path, data={**sent, "commune": "L" * 101}, headers=ENGLISH)
        assert long.status_code == 422
        assert 'id="commune-error"' in long.text
        assert "Keep it to 100 characters; this text has 101." in long.text

        saved = await browser.post(path, data=sent)
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == f"{path}?saved=1"
        after = (await browser.get(f"/api/v1/places/{demo.place_id}")).json()
        assert after["wheelchair"] == "yes"
        assert after["accessibility_notes"].startswith("Entrée de plain-pied")
        assert after["transport_notes"] == "Bus 30 et 82, arrêt Nivelles."
        assert [p["number"] for p in after["phones"]] == ["+3264277811"]
        # The map position and the territory are not the form's to change.
        for kept in ("latitude", "longitude", "territory_id", "organisation_id"):
            assert after[kept] == before[kept], kept

        stale = await browser.post(path, data=sent, headers=ENGLISH)
        assert stale.status_code == 409
        assert "Someone changed this meanwhile" in stale.text
        public = await browser.get(f"/services/{demo.service_id}", headers=ENGLISH)
        assert "Bus 30 et 82" in public.text


async def test_only_the_organisations_editors_may_edit_a_place(base_url: str, demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as member:
        await sign_in(member, demo.receiver)
        refused = await member.get(f"/workspace/places/{demo.place_id}/edit")
        assert refused.status_code == 403
        missing = await member.get("/workspace/places/00000000-0000-0000-0000-000000000000/edit")
        assert missing.status_code == 404
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as anonymous:
        signed_out = await anonymous.get(f"/workspace/places/{demo.place_id}/edit")
        assert signed_out.status_code in (302, 303)


async def test_the_service_page_leads_its_editors_to_the_hours_and_the_place(
    base_url: str, demo: Demo
) -> None:
    hours = f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours"
    place = f"/workspace/places/{demo.place_id}/edit"
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as visitor:
        page = await visitor.get(f"/services/{demo.service_id}")
        assert hours not in page.text and place not in page.text
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        page = await browser.get(f"/services/{demo.service_id}")
        assert hours in page.text and place in page.text
        assert (await browser.get(hours)).status_code == 200
        assert (await browser.get(place)).status_code == 200


NEW = "/workspace/places/new"


async def _places_of(pool: asyncpg.Pool, organisation_id: object) -> int:
    return int(
        await pool.fetchval(
            "SELECT count(*) FROM place WHERE organisation_id = $1", organisation_id
        )
    )


async def test_an_editor_adds_a_place_and_holds_a_service_there(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    before = await _places_of(pool, demo.receiver_org)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
        await sign_in(browser, demo.editor)
        assert f'href="{NEW}"' in (await browser.get("/workspace/")).text
        # From the service's page: the new place is for its organisation, the service ticked.
        service_page = await browser.get(f"/workspace/services/{demo.service_id}/edit")
        link = f"{NEW}?organisation_id={demo.receiver_org}&amp;service_id={demo.service_id}"
        assert f'href="{link}"' in service_page.text
        form = await browser.get(html.unescape(link))
        assert form.status_code == 200
        assert f'name="organisation_id" value="{demo.receiver_org}"' in form.text
        assert f'name="services" value="{demo.service_id}" checked' in form.text
        assert '<option value="la-louviere.la-louviere.bouvy">— Bouvy (7100)</option>' in form.text
        sent = {
            "csrf_token": csrf_of(form.text),
            "organisation_id": str(demo.receiver_org),
            "name": "Maison de quartier de Bouvy",
            "street": "Rue de Bouvy 12",
            "postal_code": "7100",
            "commune": "La Louvière",
            "territory_id": "la-louviere.la-louviere.bouvy",
            "wheelchair": "limited",
            "accessibility_notes": "Une marche à l'entrée, sonnette à droite.",
            "transport_notes": "Bus 30, arrêt Bouvy.",
            "phones": "064 21 33 44",
            "description": "",
            "services": str(demo.service_id),
        }

        # Checked as on the edit page, and as the API checks; nothing added meanwhile.
        wrong = {
            "name": "",
            "postal_code": "71",
            "commune": "L" * 101,
            "phones": "le matin",
            "territory_id": "nowhere",
        }
        refused = await browser.post(NEW, data={**sent, **wrong})
        assert refused.status_code == 422, refused.text
        for field in wrong:
            assert f'id="{field}-error"' in refused.text, field
        assert "Keep it to 100 characters; this text has 101." in refused.text
        assert "Bus 30, arrêt Bouvy." in refused.text  # what was typed stays
        elsewhere = await browser.post(NEW, data={**sent, "postal_code": "7110"})
        assert elsewhere.status_code == 422 and 'id="territory_id-error"' in elsewhere.text
        assert "does not have the postal code typed" in elsewhere.text
        assert await _places_of(pool, demo.receiver_org) == before

        added = await browser.post(NEW, data=sent)
        assert added.status_code == 303, added.text
        edit = added.headers["location"]
        assert re.fullmatch(r"/workspace/places/[0-9a-f-]{36}/edit\?created=1", edit)
        place_id = edit.split("/")[3]
        place = (await browser.get(f"/api/v1/places/{place_id}")).json()
        assert place["organisation_id"] == str(demo.receiver_org)
        assert place["name"] == "Maison de quartier de Bouvy"
        assert place["territory_id"] == "la-louviere.la-louviere.bouvy"
        assert place["wheelchair"] == "limited"
        assert [p["number"] for p in place["phones"]] == ["+3264213344"]
        assert place["latitude"] is None and place["longitude"] is None
        # The service is held there too, without hours yet, its other places kept.
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        held = [p["place_id"] for p in service["places"]]
        assert held[0] == str(demo.place_id) and held[-1] == place_id
        # The change history says who added it, as for the API.
        history = (await browser.get(f"/api/v1/places/{place_id}/history")).json()
        assert [(c["action"], c["actor"]) for c in history["items"]] == [("create", demo.editor)]

        created = await browser.get(edit)
        assert "The place is added." in created.text
        hours = f"/workspace/services/{demo.service_id}/places/{place_id}/hours"
        assert f'href="{hours}"' in created.text
        assert (await browser.get(hours)).status_code == 200
        # Without a section, it is found from the address, as the API does.
        plain = {**sent, "name": "Antenne", "territory_id": "", "services": []}
        assert (await browser.post(NEW, data=plain)).status_code == 303
        assert await _places_of(pool, demo.receiver_org) == before + 2


async def test_only_an_organisations_editors_add_its_places(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    mine, theirs = (
        await _places_of(pool, demo.receiver_org),
        await _places_of(pool, demo.sender_org),
    )
    place = {
        "name": "Antenne",
        "street": "Rue 1",
        "postal_code": "7100",
        "commune": "La Louvière",
        "wheelchair": "unknown",
    }
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as member:
        await sign_in(member, demo.receiver)
        refused = await member.get(NEW)
        assert refused.status_code == 403
        assert "Only the editors and admins of an organisation may add its places." in (
            refused.text
        )
        token = csrf_of((await member.get("/workspace/account")).text)
        written = await member.post(
            NEW,
            data={**place, "csrf_token": token, "organisation_id": str(demo.receiver_org)},
        )
        assert written.status_code == 403
        assert 'href="/workspace/places/new"' not in (await member.get("/workspace/")).text
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as editor:
        await sign_in(editor, demo.editor)
        token = csrf_of((await editor.get(NEW)).text)
        # Another organisation's place: refused; another organisation's service: not held.
        other = await editor.post(
            NEW, data={**place, "csrf_token": token, "organisation_id": str(demo.sender_org)}
        )
        assert other.status_code == 403
        theirs_service = await pool.fetchval(
            "SELECT id FROM service WHERE organisation_id = $1 LIMIT 1", demo.sender_org
        )
        versions = await pool.fetchval("SELECT version FROM service WHERE id = $1", theirs_service)
        added = await editor.post(
            NEW,
            data={
                **place,
                "csrf_token": token,
                "organisation_id": str(demo.receiver_org),
                "services": str(theirs_service),
            },
        )
        assert added.status_code == 303, added.text
        assert (
            await pool.fetchval("SELECT version FROM service WHERE id = $1", theirs_service)
            == versions
        )
    assert await _places_of(pool, demo.receiver_org) == mine + 1
    assert await _places_of(pool, demo.sender_org) == theirs
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as anonymous:
        signed_out = await anonymous.get(NEW)
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith("/workspace/login?next=")
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
        await sign_in(browser, await add_coordinator(pool))
        chosen = await browser.get(f"{NEW}?organisation_id={demo.sender_org}")
        assert chosen.status_code == 200
        assert f'name="organisation_id" value="{demo.sender_org}"' in chosen.text
