"""Records saved before today's limits (or by a migration), put in the database with SQL: their
pages open, show what is saved and say what to correct; a save then follows the rules."""

from __future__ import annotations

import html

import asyncpg
import httpx
import pytest

from tests.integration.web.conftest import Demo, sign_in
from tests.integration.web.test_workspace_service_edit import edit_path, form_fields

pytestmark = pytest.mark.asyncio

OLD_DESCRIPTION = "Texte d'avant la limite. " * 480  # 12 000 characters
OLD_LABEL = "Accueil téléphonique " * 16  # 336 characters


async def test_a_service_over_todays_limits_opens_and_says_what_to_correct(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    await pool.execute(
        """UPDATE service SET description = $2,
               phones = jsonb_build_array(jsonb_build_object(
                   'number', '+3264221111', 'kind', 'voice', 'label', $3::text))
           WHERE id = $1""",
        demo.service_id,
        OLD_DESCRIPTION,
        OLD_LABEL,
    )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        api = await browser.get(f"/api/v1/services/{demo.service_id}")
        assert api.status_code == 200 and api.json()["description"] == OLD_DESCRIPTION
        public = await browser.get(f"/services/{demo.service_id}")
        assert public.status_code == 200
        page = await browser.get(edit_path(demo), headers={"Accept-Language": "en"})
        assert page.status_code == 200
        form = form_fields(page.text, "/edit")
        assert form["description"] == OLD_DESCRIPTION
        assert "does not follow today's rules" in page.text
        assert (
            'id="description-error">Keep it to 10,000 characters; this text has 12,000.'
            in page.text
        )
        assert 'id="phones-error">The label saved with this number is over 300' in page.text
        assert "064 22 11 11" in html.unescape(page.text)

        # What the form does not show is kept as it was saved: capacity, "still up to date"
        # and the hours are not held back by an old description.
        token = str(form["csrf_token"])
        full = await browser.post(
            f"/workspace/services/{demo.service_id}/capacity",
            data={"csrf_token": token, "version": form["version"], "capacity_status": "full"},
        )
        assert full.status_code == 303
        verified = await browser.post(
            f"/workspace/services/{demo.service_id}/verify",
            data={"csrf_token": token, "version": str(int(str(form["version"])) + 1)},
        )
        assert verified.status_code == 303
        hours_path = f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours"
        hours = form_fields((await browser.get(hours_path)).text, "/hours")
        hours.update(editor="text", opening_hours="Tu 09:00-12:00", opening_hours_shown="")
        assert (await browser.post(hours_path, data=hours)).status_code == 303
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert service["capacity_status"] == "full" and service["last_verified_on"]
        assert service["description"] == OLD_DESCRIPTION
        assert service["phones"][0]["label"] == OLD_LABEL
        assert service["places"][0]["opening_hours"] == "Tu 09:00-12:00"
        page = await browser.get(edit_path(demo), headers={"Accept-Language": "en"})
        form = form_fields(page.text, "/edit")

        # Saved as it is, the same is said and nothing is written.
        again = await browser.post(edit_path(demo), data=form)
        assert again.status_code == 422 and 'id="description-error"' in again.text
        # Corrected: a shorter description, the number removed (its label with it).
        form.update(description="Colis alimentaires le mardi.", phones="")
        saved = await browser.post(edit_path(demo), data=form)
        assert saved.status_code == 303
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert service["description"] == "Colis alimentaires le mardi."
        assert service["phones"] == []
        page = await browser.get(edit_path(demo), headers={"Accept-Language": "en"})
        assert 'class="field-error"' not in page.text
        assert "today's rules" not in page.text


async def test_hours_over_todays_limits_open_and_say_what_to_correct(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    held = await pool.fetchval(
        """UPDATE service_place SET hours_note = repeat('n', 400)
           WHERE service_id = $1 AND place_id = $2 RETURNING id""",
        demo.service_id,
        demo.place_id,
    )
    await pool.execute(
        """INSERT INTO hours_exception (service_place_id, starts_on, ends_on, message, position)
           VALUES ($1, '2026-12-24', '2026-12-31', repeat('m', 400), 0)""",
        held,
    )
    path = f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours"
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        page = await browser.get(path, headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert "does not follow today's rules" in page.text
        assert 'id="hours_note-error">Keep it to 300 characters; this text has 400.' in page.text
        assert 'id="ex-0-message-error">Keep it to 300 characters; this text has 400.' in (
            page.text
        )
        assert 'value="' + "n" * 400 + '"' in page.text


async def test_a_place_over_todays_limits_opens_and_says_what_to_correct(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    await pool.execute(
        """UPDATE place SET transport_notes = $2,
               phones = jsonb_build_array(jsonb_build_object(
                   'number', '+3264221111', 'kind', 'voice', 'label', $3::text))
           WHERE id = $1""",
        demo.place_id,
        OLD_DESCRIPTION,
        OLD_LABEL,
    )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        public = await browser.get(f"/places/{demo.place_id}")
        assert public.status_code == 200
        api = await browser.get(f"/api/v1/places/{demo.place_id}")
        assert api.status_code == 200 and api.json()["phones"][0]["label"] == OLD_LABEL
        page = await browser.get(
            f"/workspace/places/{demo.place_id}/edit", headers={"Accept-Language": "en"}
        )
        assert page.status_code == 200
        assert "does not follow today's rules" in page.text
        assert 'id="transport_notes-error"' in page.text and 'id="phones-error"' in page.text
