"""A value the forms do not check themselves reaches the API's schema, whose messages are
English ("Expected `str` of length <= 1000"): the pages say them in their own language, and
name the field."""

from __future__ import annotations

import html
import re

import asyncpg
import httpx
import pytest

from tests.integration.web.conftest import Demo, csrf_of, posted_back, sign_in
from tests.integration.web.test_workspace_service_edit import edit_path, form_fields

pytestmark = pytest.mark.asyncio

FRENCH = {"Accept-Language": "fr"}
DUTCH = {"Accept-Language": "nl"}


def summary(page: str) -> list[str]:
    """The problems listed above the form, as read."""
    box = re.search(r'<div class="error" role="alert">(.*?)</div>', page, re.DOTALL)
    assert box is not None, "no list of problems"
    items = re.findall(r"<li><a [^>]*>(.*?)</a></li>", box[1], re.DOTALL)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def no_english(page: str) -> None:
    for english in ("Expected `", "Invalid UUID", "Invalid enumeration", "Object "):
        assert english not in html.unescape(page), english


async def test_the_refer_form_says_its_problems_in_the_page_language(
    base_url: str, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        form = await worker.get(f"/workspace/refer?service_id={demo.service_id}", headers=FRENCH)
        sent = {
            "csrf_token": csrf_of(form.text),
            "service_id": str(demo.service_id),
            "place_id": str(demo.place_id),
            "reason": "x" * 1001,  # the browser's maxlength is not the server's check
            "anonymous": "1",
        }
        long = await worker.post("/workspace/refer", data=sent, headers=FRENCH)
        assert long.status_code == 422
        no_english(long.text)
        too_long = "Ne dépassez pas 1\u202f000 caractères ; ce texte en compte 1\u202f001."
        assert summary(long.text) == [f"Pourquoi la personne est-elle orientée ?\u202f: {too_long}"]
        assert f'id="reason-error">{too_long}<' in long.text

        nowhere = await worker.post(
            "/workspace/refer",
            data={**sent, "reason": "Colis", "place_id": "nonsense"},
            headers=DUTCH,
        )
        assert nowhere.status_code == 422
        no_english(nowhere.text)
        assert summary(nowhere.text) == ["Plaats: Kies een van de aangeboden waarden."]


async def test_the_hours_page_says_its_problems_in_the_page_language(
    base_url: str, demo: Demo
) -> None:
    path = f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours"
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as editor:
        await sign_in(editor, demo.editor)
        form = await editor.get(path, headers=FRENCH)
        sent = {
            **posted_back(form.text),
            "editor": "text",
            "opening_hours": "Mo-Fr 09:00-12:00",
            "hours_note": "x" * 301,
        }
        long = await editor.post(path, data=sent, headers=FRENCH)
        assert long.status_code == 422
        no_english(long.text)
        assert (
            'id="hours_note-error">Ne dépassez pas 300 caractères ; ce texte en compte 301.<'
            in long.text
        )


async def test_the_edit_page_names_what_it_does_not_show(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """Hours stored before school holidays were refused block a save of the service: the
    page names the places and hours (not "Form"), in Dutch."""
    await pool.execute(
        "UPDATE service_place SET opening_hours = 'Mo-Fr 09:00-12:00; SH off'"
        " WHERE service_id = $1",
        demo.service_id,
    )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as editor:
        await sign_in(editor, demo.editor)
        page = await editor.get(edit_path(demo), headers=DUTCH)
        form = form_fields(page.text, "/edit")
        refused = await editor.post(
            edit_path(demo), data={**form, "how_to_access": "Bellen"}, headers=DUTCH
        )
        assert refused.status_code == 422
        no_english(refused.text)
        [problem] = summary(refused.text)
        assert problem.startswith("Plaatsen en openingsuren: Schoolvakanties (SH)"), problem

        # "²" is a digit to Python's isdigit, not to int(): it was a 500.
        squared = await editor.post(edit_path(demo), data={**form, "age_min": "²"}, headers=DUTCH)
        assert squared.status_code == 422
        assert 'id="age_min-error"' in squared.text


async def test_the_place_form_says_its_problems_in_the_page_language(
    base_url: str, demo: Demo
) -> None:
    """The form lets a commune be as long as a street (300 characters), the catalogue keeps
    100: the commune is named, in French."""
    path = f"/workspace/places/{demo.place_id}/edit"
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as editor:
        await sign_in(editor, demo.editor)
        page = await editor.get(path, headers=FRENCH)
        form = form_fields(page.text, "/edit")
        refused = await editor.post(
            path, data={**form, "commune": "La Louvière " * 10}, headers=FRENCH
        )
        assert refused.status_code == 422
        no_english(refused.text)
        assert summary(refused.text) == [
            "Commune\u202f: Ne dépassez pas 100 caractères ; ce texte en compte 119."
        ]
