"""The service edit page and "still up to date" over HTTP: rights, saving, stale versions,
phone numbers, CSRF."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime
from html.parser import HTMLParser

import asyncpg
import httpx
import pytest

from service.accounts import users
from service.accounts.passwords import hash_password
from service.hours import local
from tests.integration.web.conftest import PASSWORD, Demo, add_user, csrf_of, sign_in

pytestmark = pytest.mark.asyncio

FormData = dict[str, str | list[str]]


class _FormFields(HTMLParser):
    """What a browser sends for the form whose action ends with `action`, untouched."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.textarea: str | None = None
        self.fields: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.inside = found.get("action", "").endswith(self.action)
        elif self.inside and tag == "input":
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in found:
                return
            self.fields.setdefault(found["name"], []).append(found.get("value", ""))
        elif self.inside and tag == "textarea":
            self.textarea = found["name"]
            self.fields[self.textarea] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.fields[self.textarea][-1] += data


def form_fields(html: str, action: str) -> FormData:
    parser = _FormFields(action)
    parser.feed(html)
    return {
        name: values if len(values) > 1 else values[0] for name, values in parser.fields.items()
    }


def without_state(place: dict) -> dict:
    """A place's hours as stored, without its opening state at the moment it was read."""
    return {name: value for name, value in place.items() if name != "open"}


def edit_path(demo: Demo) -> str:
    return f"/workspace/services/{demo.service_id}/edit"


async def add_coordinator(pool: asyncpg.Pool) -> str:
    email = f"coordinator-{uuid.uuid4().hex[:8]}@example.org"
    async with pool.acquire() as conn:
        await users.create_or_update(
            conn, email=email, coordinator=True, password_hash=await hash_password(PASSWORD)
        )
    return email


async def test_who_may_open_the_edit_page(
    client: httpx.AsyncClient, base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    anonymous = await client.get(edit_path(demo))
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/workspace/login?next=/workspace/services/")
    verify = await client.post(f"/workspace/services/{demo.service_id}/verify")
    assert verify.status_code in (303, 403)  # no session: no CSRF token either
    other_editor = await add_user(pool, demo.sender_org, "editor")
    for email, status in (
        (demo.receiver, 403),
        (other_editor, 403),
        (demo.editor, 200),
        (await add_user(pool, demo.receiver_org, "admin"), 200),
        (await add_coordinator(pool), 200),
    ):
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
            await sign_in(browser, email)
            page = await browser.get(edit_path(demo))
            assert page.status_code == status, email
            service_page = await browser.get(f"/services/{demo.service_id}")
            assert (edit_path(demo) in service_page.text) == (status == 200), email
            if status == 403:
                token = csrf_of((await browser.get("/workspace/logout")).text)
                refused = await browser.post(
                    edit_path(demo), data={"csrf_token": token, "version": "1"}
                )
                assert refused.status_code == 403
    missing = f"/workspace/services/{uuid.UUID(int=0)}/edit"
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        assert (await browser.get(missing)).status_code == 404


async def test_save_changes_conditions_and_documents_and_keeps_the_rest(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    # A language the search form does not offer (from an import) stays, shown as its code.
    await pool.execute(
        "UPDATE service SET languages = languages || '{ln}' WHERE id = $1", demo.service_id
    )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        before = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        dashboard = await browser.get("/workspace/")
        assert edit_path(demo) in dashboard.text
        page = await browser.get(edit_path(demo), headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert "Attestation d&#39;un service social\nComposition de ménage" in page.text
        form = form_fields(page.text, "/edit")
        assert form["version"] == str(before["version"]) and form["status"] == "active"
        assert form["languages"] == ["fr", "ln"]
        form.pop("free", None)
        form.update(
            price="2 € par colis",
            walk_in="1",
            documents="Carte d'identité\n\n  Composition de ménage  \n",
            languages=["fr", "nl", "ar", "ln"],
            situations=["families", "homeless"],
            age_min="18",
            phones="064/27.78.11\n+32 470 12 34 56",
            website="www.restos-ll.be",
        )
        saved = await browser.post(edit_path(demo), data=form)
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"].startswith(f"/workspace/?updated={demo.service_id}")
        after = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert after["free"] is False and after["price"] == "2 € par colis"
        assert after["walk_in"] is True
        assert after["documents"] == ["Carte d'identité", "Composition de ménage"]
        assert after["languages"] == ["fr", "nl", "ar", "ln"]
        assert after["situations"] == ["homeless", "families"]
        assert after["age_min"] == 18 and after["age_max"] is None
        assert [p["number"] for p in after["phones"]] == ["+3264277811", "+32470123456"]
        assert after["website"] == "https://www.restos-ll.be"
        assert after["version"] == before["version"] + 1
        for kept in ("name", "themes", "type", "organisation_id", "capacity_status", "email"):
            assert after[kept] == before[kept], kept
        hours = [(p["place_id"], p["opening_hours"], p["exceptions"]) for p in before["places"]]
        assert [
            (p["place_id"], p["opening_hours"], p["exceptions"]) for p in after["places"]
        ] == hours
        assert after["description"] == before["description"]
        assert after["last_verified_on"] == before["last_verified_on"]


async def test_a_stale_version_shows_the_fresh_data_and_what_was_typed(
    base_url: str, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        page = await browser.get(edit_path(demo), headers={"Accept-Language": "en"})
        first = form_fields(page.text, "/edit")
        second = dict(first)
        # A price: no longer free.
        paid = {name: value for name, value in first.items() if name != "free"}
        done = await browser.post(edit_path(demo), data={**paid, "price": "1 €"})
        assert done.status_code == 303
        stale = await browser.post(
            edit_path(demo),
            data={**second, "how_to_access": "Téléphoner le lundi"},
            headers={"Accept-Language": "en"},
        )
        assert stale.status_code == 409
        assert "Someone changed this meanwhile" in stale.text
        fresh = form_fields(stale.text, "/edit")
        assert fresh["price"] == "1 €"
        assert int(str(fresh["version"])) == int(str(first["version"])) + 1
        assert "Téléphoner le lundi" in stale.text
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert service["how_to_access"] != "Téléphoner le lundi"


async def test_free_with_a_price_is_said_next_to_the_price(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """ "Free" ticked beside a price: the page says so in the editor's language next to the
    price and saves nothing; which of the two is wrong is theirs to say."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        page = await browser.get(edit_path(demo), headers={"Accept-Language": "fr"})
        form = form_fields(page.text, "/edit")
        assert form["free"] == "1"  # the demo's food parcels are free
        version = await pool.fetchval("SELECT version FROM service WHERE id = $1", demo.service_id)
        refused = await browser.post(
            edit_path(demo),
            data={**form, "price": "2 € par colis"},
            headers={"Accept-Language": "fr"},
        )
        assert refused.status_code == 422
        said = re.search(r'<span class="field-error" id="price-error">([^<]+)</span>', refused.text)
        assert said is not None
        assert html.unescape(said[1]) == (
            "Un service qui a un prix n'est pas gratuit : décochez « Gratuit », "
            "ou laissez le prix vide."
        )
        row = await pool.fetchrow(
            "SELECT free, price, version FROM service WHERE id = $1", demo.service_id
        )
        assert tuple(row) == (True, "", version)


async def test_a_wrong_phone_number_is_shown_next_to_the_field(base_url: str, demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        page = await browser.get(edit_path(demo), headers={"Accept-Language": "en"})
        form = form_fields(page.text, "/edit")
        wrong = await browser.post(
            edit_path(demo),
            data={**form, "phones": "064 27 78 11\nappeler Luc", "age_min": "douze"},
            headers={"Accept-Language": "en"},
        )
        assert wrong.status_code == 422
        assert 'id="phones-error"' in wrong.text and "appeler Luc" in wrong.text
        assert 'id="age_min-error"' in wrong.text
        assert re.search(r'<textarea id="phones"[^>]*aria-invalid="true"', wrong.text)
        assert 'href="#phones"' in wrong.text  # the summary at the top links to the field
        assert "064 27 78 11\nappeler Luc" in wrong.text  # what was typed stays
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert service["version"] == int(str(form["version"]))


async def test_posts_are_refused_without_the_csrf_token(base_url: str, demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        page = await browser.get(edit_path(demo))
        form = form_fields(page.text, "/edit")
        form.pop("csrf_token")
        assert (await browser.post(edit_path(demo), data=form)).status_code == 403
        verify = await browser.post(
            f"/workspace/services/{demo.service_id}/verify", data={"version": form["version"]}
        )
        assert verify.status_code == 403
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert service["version"] == int(str(form["version"]))


async def test_still_up_to_date_sets_today_and_checks_the_version(
    base_url: str, demo: Demo
) -> None:
    today = local(datetime.now(UTC)).date()
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        before = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        dashboard = await browser.get("/workspace/", headers={"Accept-Language": "en"})
        card = dashboard.text.split(f'id="service-{demo.service_id}"')[1].split("</li>\n  {%")[0]
        assert "not verified for more than 6 months" in card  # the demo says March 2026
        form = form_fields(dashboard.text, f"/services/{demo.service_id}/verify")
        verified = await browser.post(f"/workspace/services/{demo.service_id}/verify", data=form)
        assert verified.status_code == 303
        assert verified.headers["location"].startswith(f"/workspace/?verified={demo.service_id}")
        after = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert after["last_verified_on"] == today.isoformat()
        assert after["version"] == before["version"] + 1
        assert after["themes"] == before["themes"]
        assert [without_state(p) for p in after["places"]] == [
            without_state(p) for p in before["places"]
        ]
        dashboard = await browser.get(verified.headers["location"])
        card = dashboard.text.split(f'id="service-{demo.service_id}"')[1]
        card = card.split('<li id="service-')[0]
        assert today.strftime("%d/%m/%Y") in card
        assert "pas vérifié depuis plus de 6 mois" not in card
        again = await browser.post(f"/workspace/services/{demo.service_id}/verify", data=form)
        assert again.status_code == 409
        assert "entre-temps" in again.text or "meanwhile" in again.text

        page = await browser.get(edit_path(demo))
        from_edit = form_fields(page.text, "/verify")
        assert from_edit["back"] == "edit"
        done = await browser.post(f"/workspace/services/{demo.service_id}/verify", data=from_edit)
        assert done.status_code == 303
        assert done.headers["location"] == f"{edit_path(demo)}?verified=1"


async def test_a_service_never_verified_is_not_said_verified_six_months_ago(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """A service added a minute ago was said both not verified yet and not verified for
    more than 6 months."""
    await pool.execute("UPDATE service SET last_verified_on = NULL WHERE id = $1", demo.service_id)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        browser.cookies.set("boussole_lang", "en")
        dashboard = await browser.get("/workspace/")
        card = dashboard.text.split(f'id="service-{demo.service_id}"')[1]
        card = card.split('<li id="service-')[0]
        edit = await browser.get(edit_path(demo))
        for text in (card, edit.text):
            assert "more than 6 months" not in text
            assert "<strong>Information not verified yet</strong>" in text


async def test_the_name_and_themes_are_edited_and_checked(base_url: str, demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        before = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        page = await browser.get(edit_path(demo), headers={"Accept-Language": "en"})
        form = form_fields(page.text, "/edit")
        assert form["name"] == before["name"]
        checked = form["themes"] if isinstance(form["themes"], list) else [form["themes"]]
        assert checked == before["themes"]
        # The themes the service has are unfolded; the others stay folded.
        assert page.text.count("<details open>") == len({t.split(".")[0] for t in checked})

        wrong = await browser.post(
            edit_path(demo),
            data={**form, "name": "  ", "themes": []},
            headers={"Accept-Language": "en"},
        )
        assert wrong.status_code == 422
        assert 'id="name-error"' in wrong.text and 'id="themes-error"' in wrong.text
        assert "Choose at least one theme" in wrong.text
        too_many = await browser.post(
            edit_path(demo),
            data={
                **form,
                "themes": [
                    "food",
                    "housing",
                    "health",
                    "digital",
                    "income",
                    "family",
                    "employment",
                    "clothing",
                    "culture",
                    "admin",
                    "sport",
                ],
            },
            headers={"Accept-Language": "en"},
        )
        assert too_many.status_code == 422 and "at most 10 themes" in too_many.text
        unchanged = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert unchanged["version"] == before["version"]

        saved = await browser.post(
            edit_path(demo),
            data={
                **form,
                "name": "Colis alimentaires du mardi",
                "themes": ["food.food-parcels", "family", "not-a-theme"],
            },
        )
        assert saved.status_code == 303, saved.text
        after = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert after["name"] == "Colis alimentaires du mardi"
        assert sorted(after["themes"]) == ["family", "food.food-parcels"]


async def test_the_edit_page_leads_to_the_hours_and_the_places(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    # A coordinator comes from the network page (a report: "the hours are wrong") or has just
    # added the service for an organisation; their dashboard lists no services to go on from.
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "en")
        page = (await browser.get(edit_path(demo))).text
    hours = f"/workspace/services/{demo.service_id}/places/{demo.place_id}/hours"
    assert f'href="{hours}"' in page and "Edit the hours at " in page
    assert f'href="/workspace/places/{demo.place_id}/edit"' in page


async def test_a_coordinator_saving_stays_on_the_service_their_dashboard_does_not_list(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "en")
        page = await browser.get(edit_path(demo))
        form = form_fields(page.text, "/edit")
        form.update(price="2 € par colis")
        form.pop("free", None)
        saved = await browser.post(edit_path(demo), data=form)
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == f"{edit_path(demo)}?saved=1"
        after = await browser.get(saved.headers["location"])
        assert '<p class="notice" role="status">Saved.</p>' in after.text
        # Their dashboard lists no services: it does not say they keep some up to date.
        dashboard = await browser.get("/workspace/")
        assert "Services you keep up to date" not in dashboard.text
        assert '<h2 id="services-title">Services</h2>' in dashboard.text


async def test_a_stale_save_lists_only_what_this_person_changed(base_url: str, demo: Demo) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        page = await browser.get(edit_path(demo))
        # Two numbers, their lines sent as browsers send a textarea's (CRLF).
        two_phones = {**form_fields(page.text, "/edit"), "phones": "064 27 78 11\r\n0470 12 34 56"}
        assert (await browser.post(edit_path(demo), data=two_phones)).status_code == 303
        first = form_fields((await browser.get(edit_path(demo))).text, "/edit")
        done = await browser.post(
            edit_path(demo), data={**first, "eligibility_notes": "Ménages suivis par le CPAS"}
        )
        assert done.status_code == 303
        # The other editor, on the page built before that save, changed only how to access.
        stale = await browser.post(
            edit_path(demo),
            data={
                **first,
                "phones": str(first["phones"]).replace("\n", "\r\n"),
                "how_to_access": "Téléphoner le lundi",
            },
            headers={"Accept-Language": "en"},
        )
        assert stale.status_code == 409
        typed = stale.text.split("What you typed", 1)[1].split("</dl>", 1)[0]
        assert "How to access" in typed and "Téléphoner le lundi" in typed
        # Not the conditions they left as they were (the other's change is in the form), nor
        # the same phones, sent with other line ends.
        assert "Other conditions" not in typed
        assert "Phone numbers" not in typed


async def test_what_was_typed_survives_a_session_that_ended_meanwhile(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        form = form_fields((await browser.get(edit_path(demo))).text, "/edit")
        # The session ends (idle too long) while the description is being written.
        await pool.execute(
            "DELETE FROM user_session WHERE user_id = (SELECT id FROM app_user WHERE email = $1)",
            demo.editor,
        )
        typed = "Colis le mardi.\nApporter un sac."
        sent = await browser.post(
            edit_path(demo),
            data={**form, "description": typed, "languages": ["fr", "nl"]},
            headers={"Accept-Language": "en"},
        )
        assert sent.status_code == 401
        assert "Your session ended before this was sent" in sent.text
        login = form_fields(sent.text, "/workspace/login")
        assert login["resume:description"] == typed
        assert login["resume:languages"] == ["fr", "nl"]
        assert "resume:csrf_token" not in login
        # A wrong password keeps it too.
        wrong = await browser.post(
            "/workspace/login", data={**login, "email": demo.editor, "password": "nope"}
        )
        assert wrong.status_code == 401
        login = form_fields(wrong.text, "/workspace/login")
        assert login["resume:description"] == typed
        again = await browser.post(
            "/workspace/login",
            data={**login, "email": demo.editor, "password": PASSWORD},
            headers={"Accept-Language": "en"},
        )
        assert again.status_code == 200 and "Send what I typed" in again.text
        resend = form_fields(again.text, edit_path(demo))
        saved = await browser.post(edit_path(demo), data=resend)
        assert saved.status_code == 303
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
        assert service["description"] == typed and service["languages"] == ["fr", "nl"]


async def test_a_belgian_mobile_typed_on_the_page_is_stored_as_a_mobile(
    base_url: str, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        page = await browser.get(edit_path(demo))
        form = form_fields(page.text, "/edit")
        saved = await browser.post(
            edit_path(demo), data={**form, "phones": "064 27 78 11\n0470/12.34.56"}
        )
        assert saved.status_code == 303, saved.text
        service = (await browser.get(f"/api/v1/services/{demo.service_id}")).json()
    kinds = {phone["number"]: phone["kind"] for phone in service["phones"]}
    assert kinds["+32470123456"] == "mobile" and kinds["+3264277811"] == "voice"
