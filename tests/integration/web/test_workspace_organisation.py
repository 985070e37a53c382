"""An organisation's own entry over HTTP: who may edit it, what is checked, what is kept, who is
told of its referrals."""

from __future__ import annotations

import re

import asyncpg
import httpx
import pytest

from search.outbox import OutboxConsumer
from search.postgres import PostgresEngine
from service.search.engines import document_builder
from tests.integration.web.conftest import (
    RECEIVER,
    Demo,
    add_user,
    csrf_of,
    posted_back,
    sign_in,
)
from tests.integration.web.test_workspace_service_edit import add_coordinator

pytestmark = pytest.mark.asyncio

ENGLISH = {"Accept-Language": "en"}
NEW_NAME = "Restos du Cœur — antenne de La Louvière"


def edit_path(organisation_id: object) -> str:
    return f"/workspace/organisations/{organisation_id}/edit"


def enterprise_number(first_eight: str) -> str:
    """A BCE/KBO number with the right check digits, as Belgians write it."""
    digits = first_eight + f"{97 - int(first_eight) % 97:02d}"
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def form_of(page: str, api: dict[str, object]) -> dict[str, str]:
    """What the page posts back unchanged."""
    return {
        **posted_back(page),
        "name": str(api["name"]),
        "alternate_name": str(api["alternate_name"] or ""),
        "kind": str(api["kind"]),
        "description": str(api["description"]),
        "enterprise_number": str(api["enterprise_number"] or ""),
        "email": str(api["email"] or ""),
        "website": str(api["website"] or ""),
        "phones": "",
        "language": str(api["language"]),
    }


async def test_an_editor_keeps_the_organisation_right(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    path = edit_path(demo.receiver_org)
    api_path = f"/api/v1/organisations/{demo.receiver_org}"
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
        await sign_in(browser, demo.editor)
        dashboard = await browser.get("/workspace/")
        assert f'href="{path}"' in dashboard.text
        before = (await browser.get(api_path)).json()
        page = await browser.get(path)
        assert page.status_code == 200, page.text
        assert "no-store" in page.headers["cache-control"]
        sent = form_of(page.text, before)

        # Each wrong field is said next to it, named in the list above the form; nothing saved.
        wrong = {
            "name": " ",
            "enterprise_number": "0212.345.679",
            "phones": "064 27 78 11\nappelez le matin",
            "website": "http://",
            "email": "accueil(at)restos.be",
            "description": "Colis\x00alimentaires",
            "alternate_name": "R" * 301,
            "kind": "charity",
        }
        refused = await browser.post(path, data={**sent, **wrong})
        assert refused.status_code == 422, refused.text
        for field in wrong:
            assert f'id="{field}-error"' in refused.text, field
        assert "This field is required." in refused.text
        assert "This enterprise number does not exist" in refused.text
        assert "Not a phone number" in refused.text
        assert "Enter a web address such as https://www.example.org." in refused.text
        assert "cannot be kept (NUL" in refused.text and "Colis\ufffdalimentaires" in refused.text
        assert "Keep it to 300 characters; this text has 301." in refused.text
        assert '<a href="#enterprise_number">Enterprise number (BCE/KBO): ' in refused.text
        assert "appelez le matin" in refused.text  # what was typed stays
        shape = await browser.post(path, data={**sent, "enterprise_number": "12345"})
        assert "as 0212.345.678: ten digits" in shape.text
        long = await browser.post(path, data={**sent, "description": "x" * 10_001})
        assert long.status_code == 422 and 'id="description-error"' in long.text
        async with pool.acquire() as conn:
            assert (
                await conn.fetchval(
                    "SELECT version FROM organisation WHERE id = $1", demo.receiver_org
                )
                == before["version"]
            )

        number = enterprise_number("04123456")
        changed = {
            **sent,
            "name": NEW_NAME,
            "alternate_name": "Restos LL",
            "kind": "association",
            "enterprise_number": number.replace(".", " "),
            "website": "www.restos-louviere.example.org",
            "email": "accueil@restos-louviere.example.org",
            "phones": "064/21.33.44",
            "language": "nl",
        }
        saved = await browser.post(path, data=changed)
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == f"{path}?saved=1"
        after = (await browser.get(api_path)).json()
        assert after["name"] == NEW_NAME and after["alternate_name"] == "Restos LL"
        assert after["enterprise_number"] == number
        assert after["website"] == "https://www.restos-louviere.example.org"
        assert after["email"] == "accueil@restos-louviere.example.org"
        assert [p["number"] for p in after["phones"]] == ["+3264213344"]
        assert after["language"] == "nl" and after["version"] == before["version"] + 1
        assert after["parent_id"] == before["parent_id"]
        assert after["networks"] == before["networks"]

        shown = await browser.get(f"{path}?saved=1")
        assert "Saved." in shown.text
        assert 'value="nl" lang="nl" selected' in shown.text
        # The change history: when, who, which fields.
        history = re.search(r"Last changes</h2>\s*<ul>\s*<li>(.*?)</li>", shown.text, re.S)
        assert history and "Inès Romano" in history[1]
        assert "Name" in history[1] and "Website" in history[1]
        assert "New referrals are mailed to the organisation's address" in shown.text

        # A form filled before this save is refused with the saved data, not applied over it.
        stale = await browser.post(path, data={**sent, "name": "Ancien nom"})
        assert stale.status_code == 409
        assert "Someone changed this meanwhile" in stale.text
        assert NEW_NAME in stale.text and (await browser.get(api_path)).json()["name"] == NEW_NAME

        public = await browser.get(f"/organisations/{demo.receiver_org}")
        assert NEW_NAME in public.text and "https://www.restos-louviere.example.org" in public.text
        assert "064 21 33 44" in public.text

    # The services' search documents carry the organisation's name: rebuilt by the outbox.
    await OutboxConsumer(pool, [PostgresEngine(pool)], document_builder()).drain()
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as visitor:
        results = await visitor.get("/", params={"q": "colis alimentaires"})
        organisations = set(re.findall(r'<p class="meta" lang="\w+">([^<]*)</p>', results.text))
        assert NEW_NAME in organisations and RECEIVER not in organisations
        api = (await visitor.get("/api/v1/search", params={"q": "colis alimentaires"})).json()
        names = {item["organisation"] for item in api["items"]}
        assert NEW_NAME in names and RECEIVER not in names


async def test_a_number_another_organisation_has_is_said_by_its_field(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    number = enterprise_number("02123456")
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE organisation SET enterprise_number = $2 WHERE id = $1",
            demo.sender_org,
            number.replace(".", ""),
        )
    path = edit_path(demo.receiver_org)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
        await sign_in(browser, demo.editor)
        page = await browser.get(path)
        api = (await browser.get(f"/api/v1/organisations/{demo.receiver_org}")).json()
        taken = await browser.post(
            path, data={**form_of(page.text, api), "enterprise_number": number}
        )
        assert taken.status_code == 422, taken.text
        assert 'id="enterprise_number-error"' in taken.text
        assert "Another organisation of the directory has this enterprise number." in taken.text
        # The page still works after the refusal (its savepoint was rolled back alone).
        saved = await browser.post(path, data={**form_of(page.text, api), "alternate_name": "R"})
        assert saved.status_code == 303, saved.text


async def test_only_its_admins_editors_and_coordinators_may_edit_it(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    other = edit_path(demo.sender_org)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as editor:
        await sign_in(editor, demo.editor)
        page = await editor.get(edit_path(demo.receiver_org))
        api = (await editor.get(f"/api/v1/organisations/{demo.sender_org}")).json()
        # The editor of the Restos opens and changes nothing of the CPAS.
        refused = await editor.get(other)
        assert refused.status_code == 403
        assert "Only the organisation's admins and editors may change its entry." in refused.text
        written = await editor.post(other, data={**form_of(page.text, api), "name": "Pris"})
        assert written.status_code == 403
        assert (await editor.get(f"/api/v1/organisations/{demo.sender_org}")).json()["name"] == api[
            "name"
        ]
        missing = await editor.get(edit_path("00000000-0000-0000-0000-000000000000"))
        assert missing.status_code == 404
        # Where it sits in the network is the coordinators' call: sent anyway, it is ignored.
        mine = (await editor.get(f"/api/v1/organisations/{demo.receiver_org}")).json()
        assert 'name="parent_id"' not in page.text
        placed = await editor.post(
            edit_path(demo.receiver_org),
            data={**form_of(page.text, mine), "parent_id": str(demo.sender_org)},
        )
        assert placed.status_code == 303, placed.text
        after = (await editor.get(f"/api/v1/organisations/{demo.receiver_org}")).json()
        assert after["parent_id"] == mine["parent_id"]
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as member:
        await sign_in(member, demo.receiver)
        assert (await member.get(edit_path(demo.receiver_org))).status_code == 403
        assert 'href="/workspace/organisations/' not in (await member.get("/workspace/")).text
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as anonymous:
        signed_out = await anonymous.get(edit_path(demo.receiver_org))
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith("/workspace/login?next=")
    # Its webhook, which only its admins manage (the API's rule), is shown to them only.
    hook = "https://crm.restos.example.org/boussole"
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO referral_webhook (organisation_id, url, secret) VALUES ($1, $2, 's')",
            demo.receiver_org,
            hook,
        )
    admin = await add_user(pool, demo.receiver_org, "admin", "Nadia Admin")
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
        await sign_in(browser, admin)
        page = await browser.get(edit_path(demo.receiver_org))
        assert page.status_code == 200 and hook in page.text
        assert f'href="{edit_path(demo.receiver_org)}"' in (await browser.get("/workspace/")).text
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as editor:
        await sign_in(editor, demo.editor)
        assert hook not in (await editor.get(edit_path(demo.receiver_org))).text


async def test_a_coordinator_places_it_in_the_network(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    path = edit_path(demo.receiver_org)
    async with pool.acquire() as conn:
        network = await conn.fetchval("SELECT id FROM network ORDER BY id LIMIT 1")
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
        await sign_in(browser, await add_coordinator(pool))
        page = await browser.get(path)
        assert page.status_code == 200 and 'name="parent_id"' in page.text
        api = (await browser.get(f"/api/v1/organisations/{demo.receiver_org}")).json()
        placed = await browser.post(
            path,
            data={
                **form_of(page.text, api),
                "parent_id": str(demo.sender_org),
                "networks": network,
            },
        )
        assert placed.status_code == 303, placed.text
        after = (await browser.get(f"/api/v1/organisations/{demo.receiver_org}")).json()
        assert after["parent_id"] == str(demo.sender_org) and after["networks"] == [network]
        # The CPAS cannot become part of its own part.
        cpas = edit_path(demo.sender_org)
        page = await browser.get(cpas)
        api = (await browser.get(f"/api/v1/organisations/{demo.sender_org}")).json()
        loop = await browser.post(
            cpas, data={**form_of(page.text, api), "parent_id": str(demo.receiver_org)}
        )
        assert loop.status_code == 422, loop.text
        assert 'id="parent_id-error"' in loop.text
        assert "cannot be part of itself or of one of its own parts" in loop.text
        nonsense = await browser.post(
            cpas, data={**form_of(page.text, api), "parent_id": "pas-un-id"}
        )
        assert nonsense.status_code == 422 and 'id="parent_id-error"' in nonsense.text
        odd = await browser.post(
            cpas, data={**form_of(page.text, api), "networks": ["rsull\x00", "nowhere"]}
        )
        assert odd.status_code == 422 and 'id="networks-error"' in odd.text
        unknown = await browser.post(cpas, data={**form_of(page.text, api), "networks": "nowhere"})
        assert unknown.status_code == 422 and 'id="networks-error"' in unknown.text


async def test_who_is_told_of_its_referrals_is_shown_and_nobody_is_a_warning(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        # A partner of the demo with services, an address and nobody in its team yet.
        lonely_id, lonely = await conn.fetchrow(
            """SELECT o.id, o.name FROM organisation o
               WHERE o.email IS NOT NULL AND o.id <> ALL($1::uuid[])
                 AND EXISTS (SELECT 1 FROM service s WHERE s.organisation_id = o.id
                             AND s.status = 'active')
               ORDER BY o.name LIMIT 1""",
            [demo.sender_org, demo.receiver_org],
        )
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as editor:
        await sign_in(editor, demo.editor)
        # Its address removed, the Restos' mails go to its editor (not the mere member).
        path = edit_path(demo.receiver_org)
        page = await editor.get(path)
        api = (await editor.get(f"/api/v1/organisations/{demo.receiver_org}")).json()
        saved = await editor.post(path, data={**form_of(page.text, api), "email": ""})
        assert saved.status_code == 303, saved.text
        told = (await editor.get(path)).text
        assert "new referrals are mailed to these people of its team" in told
        assert f"<li>{demo.editor}</li>" in told and demo.receiver not in told

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as coordinator:
        await sign_in(coordinator, await add_coordinator(pool))
        dashboard = await coordinator.get("/workspace/", headers=ENGLISH)
        assert 'id="telling-nobody"' not in dashboard.text
        path = edit_path(lonely_id)
        page = await coordinator.get(path, headers=ENGLISH)
        api = (await coordinator.get(f"/api/v1/organisations/{lonely_id}")).json()
        saved = await coordinator.post(path, data={**form_of(page.text, api), "email": ""})
        assert saved.status_code == 303, saved.text
        warned = await coordinator.get(path, headers=ENGLISH)
        assert "Nobody is told of the referrals sent to this organisation" in warned.text
        assert f'href="/workspace/organisations/{lonely_id}/team/"' in warned.text
        dashboard = await coordinator.get("/workspace/", headers={"Accept-Language": "fr"})
        nobody = re.search(r'id="telling-nobody">(.*?)</div>', dashboard.text, re.S)
        assert nobody and f'href="{path}"' in nobody[1]
        assert "Personne n'est prévenu" in nobody[1], nobody[1]
        assert lonely.replace("'", "&#39;") in nobody[1]


async def test_its_admins_set_and_remove_its_webhook_as_the_api_does(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """The address is checked as the API checks it (https, on the internet); the secret is
    shown once, on the answer that set it, and never again; removing it drops the calls
    still waiting. Its editors, members, coordinators and other organisations' admins are
    refused."""
    path = edit_path(demo.receiver_org)
    hook = f"{path[: -len('/edit')]}/webhook"
    api = f"/api/v1/organisations/{demo.receiver_org}/referral-webhook"

    async def stored() -> asyncpg.Record | None:
        return await pool.fetchrow(
            "SELECT url, secret FROM referral_webhook WHERE organisation_id = $1",
            demo.receiver_org,
        )

    admin = await add_user(pool, demo.receiver_org, "admin", "Nadia Admin")
    async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
        await sign_in(browser, admin)
        page = await browser.get(path)
        assert 'id="webhook"' in page.text and "No webhook" in page.text
        token = posted_back(page.text)["csrf_token"]

        refusals = {
            "http://93.184.215.14/hooks": "Give an address starting with https://",
            "https://10.0.0.5/hooks": "This address is not on the internet",
            "https://crm@93.184.215.14/hooks": "Leave the user name and password out",
            "crm.restos.example.org": "Enter a web address such as https://www.example.org.",
            "": "This field is required.",
        }
        for url, said in refusals.items():
            refused = await browser.post(hook, data={"csrf_token": token, "url": url})
            assert refused.status_code == 422, url
            assert 'id="webhook_url-error"' in refused.text and said in refused.text, url
            assert '<a href="#webhook_url">Address of its system: ' in refused.text, url
            assert f'name="url" type="url" value="{url}"' in refused.text, url
        short = await browser.post(
            hook,
            data={"csrf_token": token, "url": "https://93.184.215.14/hooks", "secret": "court"},
        )
        assert short.status_code == 422 and 'id="webhook_secret-error"' in short.text
        assert "court" not in short.text.split('id="webhook"')[1]  # not written back
        assert await stored() is None

        # Set without a secret: one is made, and shown on this answer only.
        made = await browser.post(
            hook, data={"csrf_token": token, "url": "https://93.184.215.14/hooks/boussole"}
        )
        assert made.status_code == 200, made.text
        assert "no-store" in made.headers["cache-control"]
        row = await stored()
        assert row is not None and row["url"] == "https://93.184.215.14/hooks/boussole"
        assert len(row["secret"]) >= 32
        assert f'<code id="webhook-secret">{row["secret"]}</code>' in made.text
        assert "it is not shown again" in made.text
        again = await browser.get(path)
        assert row["secret"] not in again.text
        assert "Changes are sent to https://93.184.215.14/hooks/boussole" in again.text
        assert "Saving replaces the secret in use." in again.text
        read = (await browser.get(api)).json()
        assert read["url"] == row["url"] and read["secret"] is None

        # Replaced with a secret of its own system; a call still waiting is then removed
        # with the webhook.
        own = "s3cret-of-the-restos-system"
        replaced = await browser.post(
            hook, data={"csrf_token": token, "url": "https://93.184.215.14/v2", "secret": own}
        )
        assert replaced.status_code == 200 and f">{own}</code>" in replaced.text
        assert await stored() == ("https://93.184.215.14/v2", own)
        await pool.execute(
            "INSERT INTO referral_webhook_delivery (organisation_id, payload, next_attempt_at)"
            " VALUES ($1, '{}', now())",
            demo.receiver_org,
        )
        removed = await browser.post(f"{hook}/remove", data={"csrf_token": token})
        assert removed.status_code == 303
        assert removed.headers["location"] == f"{path}?webhook=removed#webhook"
        assert await stored() is None
        assert await pool.fetchval("SELECT count(*) FROM referral_webhook_delivery") == 0
        shown = await browser.get(removed.headers["location"])
        assert "The webhook is removed" in shown.text and "No webhook" in shown.text

    coordinator = await add_coordinator(pool)
    other_admin = await add_user(pool, demo.sender_org, "admin")
    for person in (demo.editor, demo.receiver, coordinator, other_admin):
        async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=ENGLISH) as browser:
            await sign_in(browser, person)
            token = csrf_of((await browser.get("/workspace/account")).text)
            for action in (hook, f"{hook}/remove"):
                refused = await browser.post(
                    action, data={"csrf_token": token, "url": "https://93.184.215.14/x"}
                )
                assert refused.status_code == 403, (person, action)
                assert "Only the organisation's" in refused.text, (person, action)
            assert await stored() is None
            if person in (demo.editor, coordinator):
                assert 'id="webhook"' not in (await browser.get(path)).text
