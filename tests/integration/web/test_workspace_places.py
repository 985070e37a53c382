"""A place's edit page over HTTP: who may, what is checked, what is kept."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.web.conftest import Demo, posted_back, sign_in

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
