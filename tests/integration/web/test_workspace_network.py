"""Services to verify across the network: the coordinators' page, reminders, the API."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg
import httpx
import pytest

from service.catalogue.freshness import months_before, today_in_brussels
from tests.conftest import TokenFactory
from tests.integration.web.conftest import RECEIVER, SENDER, Demo, add_user, csrf_of, sign_in
from tests.integration.web.test_workspace_service_edit import add_coordinator

pytestmark = pytest.mark.asyncio

PAGE = "/workspace/network/"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _verified(pool: asyncpg.Pool, organisation_id: uuid.UUID, on: date | None) -> list[str]:
    """Every service of the organisation last verified `on`; their names."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "UPDATE service SET last_verified_on = $2 WHERE organisation_id = $1"
            " AND status <> 'inactive' RETURNING name",
            organisation_id,
            on,
        )
    return sorted(r["name"] for r in rows)


async def _mails(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch(
            "SELECT recipient, template, language, subject, body_text FROM mail_outbox"
            " WHERE template = 'verification_reminder' ORDER BY recipient"
        )


async def test_coordinators_see_what_to_verify_and_remind_the_editors_once_a_week(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    stale = await _verified(pool, demo.receiver_org, None)
    old = months_before(today_in_brussels(), 7)
    await _verified(pool, demo.sender_org, today_in_brussels())
    admin = await add_user(pool, demo.receiver_org, "admin")
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE organisation SET language = 'nl' WHERE id = $1", demo.receiver_org
        )
        await conn.execute(
            "UPDATE service SET last_verified_on = $2 WHERE organisation_id = $1 AND name = $3",
            demo.receiver_org,
            old,
            stale[0],
        )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "en")
        dashboard = await browser.get("/workspace/")
        assert PAGE in dashboard.text
        page = await browser.get(PAGE)
        assert page.status_code == 200
        text = page.text
        receiver = text.index(f'id="organisation-{demo.receiver_org}"')
        assert RECEIVER in text[receiver : receiver + 400].replace("&#39;", "'")
        assert f"{len(stale)} services to verify, of {len(stale)}" in text
        assert f"last verified on {old:%d/%m/%Y}" in text and "never verified" in text
        # The CPAS verified everything today: listed as up to date, without a reminder button.
        assert f"/workspace/network/{demo.sender_org}/remind" not in text
        assert SENDER in text[text.index("Up to date") :]

        action = f"/workspace/network/{demo.receiver_org}/remind"
        sent = await browser.post(action, data={"csrf_token": csrf_of(text)})
        assert sent.status_code == 303
        after = await browser.get(sent.headers["location"])
        assert "The reminder is on its way" in after.text
        assert action not in after.text and "The next reminder may go from" in after.text
        # Said where the page opens (the organisation's entry), not at its top, out of sight.
        entry = after.text[after.text.index(f'id="organisation-{demo.receiver_org}"') :]
        entry = entry[: entry.index('<li id="organisation-')]
        assert "The reminder is on its way" in entry
        browser.cookies.set("boussole_lang", "fr")
        french = (await browser.get(sent.headers["location"])).text
        assert "Un prochain rappel pourra être envoyé dès le" in french
        browser.cookies.set("boussole_lang", "en")

        token = csrf_of((await browser.get("/workspace/logout")).text)
        again = await browser.post(action, data={"csrf_token": token})
        assert again.status_code == 409
        assert "less than a week ago" in again.text

    mails = await _mails(pool)
    # The admins and editors, not the mere members; in the organisation's language.
    assert sorted(m["recipient"] for m in mails) == sorted([admin, demo.editor])
    assert {m["language"] for m in mails} == {"nl"}
    body = mails[0]["body_text"]
    assert all(name in body for name in stale)
    assert "/workspace/services/" in body and "nooit nagekeken" in body
    async with pool.acquire() as conn:
        recorded = await conn.fetchrow("SELECT services, recipients FROM verification_reminder")
    assert tuple(recorded) == (len(stale), 2)


async def test_only_coordinators_see_the_page(
    client: httpx.AsyncClient, base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    anonymous = await client.get(PAGE)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/workspace/login?next=/workspace/network")
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        assert (await browser.get(PAGE)).status_code == 403
        dashboard = await browser.get("/workspace/")
        assert PAGE not in dashboard.text
        refused = await browser.post(
            f"/workspace/network/{demo.receiver_org}/remind",
            data={"csrf_token": csrf_of(dashboard.text)},
        )
        assert refused.status_code == 403
    assert await _mails(pool) == []


async def test_the_api_lists_and_reminds_with_clear_refusals(
    client: httpx.AsyncClient, pool: asyncpg.Pool, demo: Demo, make_token: TokenFactory
) -> None:
    coordinator = bearer(await make_token(coordinator=True))
    await _verified(pool, demo.receiver_org, None)
    await _verified(pool, demo.sender_org, today_in_brussels() - timedelta(days=1))
    listed = await client.get("/api/v1/network/freshness", headers=coordinator)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["verify_before"] == months_before(today_in_brussels(), 6).isoformat()
    by_id = {o["organisation_id"]: o for o in body["organisations"]}
    receiver, sender = by_id[str(demo.receiver_org)], by_id[str(demo.sender_org)]
    assert receiver["to_verify"] == receiver["services"] == receiver["never_verified"] > 0
    assert len(receiver["services_to_verify"]) == receiver["to_verify"]
    assert receiver["editors"] == 1 and receiver["may_remind_from"] is None
    assert receiver["open_reports"] == 0
    assert sender["to_verify"] == 0 and sender["services_to_verify"] == []
    # Most to verify first.
    counts = [o["to_verify"] for o in body["organisations"]]
    assert counts == sorted(counts, reverse=True)

    member = bearer(await make_token(organisation_id=demo.receiver_org, role="admin"))
    assert (await client.get("/api/v1/network/freshness", headers=member)).status_code == 403
    assert (await client.get("/api/v1/network/freshness")).status_code == 401

    remind = f"/api/v1/organisations/{demo.receiver_org}/verification-reminders"
    assert (await client.post(remind, headers=member)).status_code == 403
    sent = await client.post(remind, headers=coordinator)
    assert sent.status_code == 201, sent.text
    # The editor, and the admin who was just refused.
    assert sent.json()["recipients"] == 2 and sent.json()["services"] == receiver["to_verify"]
    again = await client.post(remind, headers=coordinator)
    assert again.status_code == 409 and "next one may go from" in again.json()["detail"]
    relisted = await client.get("/api/v1/network/freshness", headers=coordinator)
    again_receiver = {o["organisation_id"]: o for o in relisted.json()["organisations"]}[
        str(demo.receiver_org)
    ]
    assert again_receiver["last_reminded_at"] and again_receiver["may_remind_from"]

    nothing = f"/api/v1/organisations/{demo.sender_org}/verification-reminders"
    refused = await client.post(nothing, headers=coordinator)
    assert refused.status_code == 409 and "verified recently" in refused.json()["detail"]
    async with pool.acquire() as conn:
        nobody = await conn.fetchval(
            """SELECT o.id FROM organisation o WHERE EXISTS (
                   SELECT 1 FROM service s WHERE s.organisation_id = o.id
                   AND s.status <> 'inactive')
               AND NOT EXISTS (SELECT 1 FROM membership m WHERE m.organisation_id = o.id)
               LIMIT 1"""
        )
    await _verified(pool, nobody, None)
    lonely = await client.post(
        f"/api/v1/organisations/{nobody}/verification-reminders", headers=coordinator
    )
    assert lonely.status_code == 422 and lonely.json()["errors"][0]["field"] == "organisation_id"
    missing = await client.post(
        f"/api/v1/organisations/{uuid.UUID(int=0)}/verification-reminders", headers=coordinator
    )
    assert missing.status_code == 404
    assert len(await _mails(pool)) == 2


async def test_the_network_page_counts_the_problems_reported(
    client: httpx.AsyncClient, base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    await _verified(pool, demo.receiver_org, None)
    path = f"/api/v1/services/{demo.service_id}/reports"
    for kind in ("hours", "contact"):
        assert (await client.post(path, json={"kind": kind})).status_code == 201
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "en")
        page = (await browser.get(PAGE)).text
    receiver = page[page.index(f'id="organisation-{demo.receiver_org}"') :]
    receiver = receiver[: receiver.index('<li id="organisation-')]
    assert "Problems reported and not yet handled: 2" in receiver


async def test_the_counts_agree_with_their_number_in_french(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    # One service of the Restos du Cœur to verify out of several: "1 service sur 2", not
    # "1 services sur 2"; an organisation up to date with one service: "1 service".
    names = await _verified(pool, demo.receiver_org, today_in_brussels())
    assert len(names) > 1
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE service SET last_verified_on = NULL WHERE organisation_id = $1 AND name = $2",
            demo.receiver_org,
            names[0],
        )
        single = await conn.fetchval(
            "SELECT o.id FROM organisation o JOIN service s ON s.organisation_id = o.id"
            " AND s.status <> 'inactive' GROUP BY o.id HAVING count(*) = 1 LIMIT 1"
        )
    await _verified(pool, single, today_in_brussels())
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "fr")
        page = (await browser.get(PAGE)).text
    receiver = page[page.index(f'id="organisation-{demo.receiver_org}"') :]
    receiver = receiver[: receiver.index("</li>\n")]
    assert f"1 service à vérifier sur {len(names)}" in receiver
    up_to_date = page[page.index(f'href="/organisations/{single}"') :]
    assert "</a> — 1 service — <a " in up_to_date[: up_to_date.index("</li>")]


async def test_a_coordinator_reads_the_reports_and_marks_them_handled(
    client: httpx.AsyncClient, base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    # The Restos du Cœur have nobody to read the reports in the workspace: their coordinator
    # reads them on the network page and, once the service is checked, marks them handled.
    await _verified(pool, demo.receiver_org, None)
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM membership WHERE organisation_id = $1", demo.receiver_org)
    path = f"/api/v1/services/{demo.service_id}/reports"
    said = {"kind": "hours", "details": "Plus de distribution le mardi."}
    assert (await client.post(path, json=said)).status_code == 201
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "en")
        page = (await browser.get(PAGE)).text
        receiver = page[page.index(f'id="organisation-{demo.receiver_org}"') :]
        receiver = receiver[: receiver.index('<li id="organisation-')]
        assert "The hours are wrong" in receiver and "Plus de distribution le mardi." in receiver
        assert f'href="/workspace/services/{demo.service_id}/edit"' in receiver
        async with pool.acquire() as conn:
            report = await conn.fetchval("SELECT id FROM service_report")
        action = f"/workspace/reports/{report}/handled"
        assert f'action="{action}"' in receiver
        handled = await browser.post(action, data={"csrf_token": csrf_of(page), "back": "network"})
        assert handled.status_code == 303
        assert handled.headers["location"] == (
            f"/workspace/network/?handled={demo.receiver_org}#organisation-{demo.receiver_org}"
        )
        after = (await browser.get(handled.headers["location"])).text
        entry = after[after.index(f'id="organisation-{demo.receiver_org}"') :]
        assert "The report is marked as handled." in entry[: entry.index('<li id="organisation-')]
        assert "Plus de distribution le mardi." not in after
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT handled_at IS NOT NULL FROM service_report")


async def test_a_new_organisation_is_listed_until_it_has_services_with_its_first_admin(
    client: httpx.AsyncClient, base_url: str, pool: asyncpg.Pool, make_token: TokenFactory
) -> None:
    # A coordinator creates an organisation (the API); the network page is where they find
    # it again to name its first admin and add its services.
    coordinator = bearer(await make_token(coordinator=True))
    created = await client.post(
        "/api/v1/organisations",
        json={"name": "Maison de quartier de Bouvy", "kind": "association"},
        headers=coordinator,
    )
    assert created.status_code == 201, created.text
    organisation = created.json()["id"]
    team = f"/workspace/organisations/{organisation}/team/"

    async def listed_by_the_api() -> dict[str, object]:
        freshness = await client.get("/api/v1/network/freshness", headers=coordinator)
        assert freshness.status_code == 200, freshness.text
        body = freshness.json()
        assert organisation not in {o["organisation_id"] for o in body["organisations"]}
        without = {o["organisation_id"]: o for o in body["organisations_without_services"]}
        # Only organisations without services, as on the page.
        async with pool.acquire() as conn:
            with_services = await conn.fetch(
                "SELECT DISTINCT organisation_id FROM service WHERE status <> 'inactive'"
            )
        assert not {str(r["organisation_id"]) for r in with_services} & without.keys()
        return without[organisation]

    # The API lists it as the page does: it had only the organisations with services.
    assert await listed_by_the_api() == {
        "organisation_id": organisation,
        "name": "Maison de quartier de Bouvy",
        "admins": 0,
        "admin_invited": False,
    }
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "en")
        page = (await browser.get(PAGE)).text
        assert page.index("Organisations without services</h2>") > page.index("</h1>")
        assert page.count("Organisations without services</h2>") == 1
        entry = page[page.index(f'id="organisation-{organisation}"') :]
        entry = entry[: entry.index("</li>")]
        assert "Maison de quartier de Bouvy" in entry and "No admin yet." in entry
        assert f'href="{team}#invite-title"' in entry
        assert f'href="/workspace/services/new?organisation_id={organisation}"' in entry

        form = (await browser.get(team)).text
        invited = await browser.post(
            f"{team}invite",
            data={
                "csrf_token": csrf_of(form),
                "email": "direction@mq-bouvy.example.org",
                "role": "admin",
                "language": "fr",
            },
        )
        assert invited.status_code == 303
        page = (await browser.get(PAGE)).text
        entry = page[page.index(f'id="organisation-{organisation}"') :]
        assert "Its first admin is invited" in entry[: entry.index("</li>")]
    assert await listed_by_the_api() == {
        "organisation_id": organisation,
        "name": "Maison de quartier de Bouvy",
        "admins": 0,
        "admin_invited": True,
    }


async def test_an_invitation_waiting_is_said_rather_than_asking_to_invite_again(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    await _verified(pool, demo.receiver_org, None)
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM membership WHERE organisation_id = $1", demo.receiver_org)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "en")
        team = f"/workspace/organisations/{demo.receiver_org}/team/"
        invited = await browser.post(
            f"{team}invite",
            data={
                "csrf_token": csrf_of((await browser.get(team)).text),
                "email": "direction@restos.example.org",
                "role": "admin",
                "language": "fr",
            },
        )
        assert invited.status_code == 303
        page = (await browser.get(PAGE)).text
    entry = page[page.index(f'id="organisation-{demo.receiver_org}"') :]
    entry = entry[: entry.index('<li id="organisation-')]
    assert "Nobody can verify these services yet: an invitation waits for an answer." in entry
    assert f'href="{team}#invitations"' in entry
    assert "invite an admin or an editor first" not in entry


async def test_each_organisation_links_to_its_entry_and_its_team(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    """To verify, up to date or without services: each organisation listed leads to the page
    of its own entry and to its team, which the coordinator then opens."""
    await _verified(pool, demo.receiver_org, None)
    await _verified(pool, demo.sender_org, today_in_brussels())
    async with pool.acquire() as conn:
        newcomer = await conn.fetchval(
            "INSERT INTO organisation (name, kind) VALUES ('Maison de quartier de Bouvy',"
            " 'association') RETURNING id"
        )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "en")
        page = (await browser.get(PAGE)).text
        for organisation in (demo.receiver_org, demo.sender_org, newcomer):
            start = page.index(f'id="organisation-{organisation}"')
            entry = page[start : page.find('id="organisation-', start + 1)]
            edit = f'href="/workspace/organisations/{organisation}/edit">Edit the organisation'
            assert edit in entry, organisation
            assert f'href="/workspace/organisations/{organisation}/team/' in entry, organisation
        up_to_date = page[page.index("Up to date</h2>") :]
        assert f'id="organisation-{demo.sender_org}"' in up_to_date
        opened = await browser.get(f"/workspace/organisations/{demo.sender_org}/edit")
        assert opened.status_code == 200 and "Edit the organisation" in opened.text
