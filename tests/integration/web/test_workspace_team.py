"""An organisation's team page over HTTP: who may open it, inviting, roles, removal."""

from __future__ import annotations

import uuid

import asyncpg
import httpx
import pytest

from tests.integration.web.conftest import Demo, add_user, csrf_of, sign_in
from tests.integration.web.test_workspace_service_edit import add_coordinator

pytestmark = pytest.mark.asyncio


def team(demo: Demo) -> str:
    return f"/workspace/organisations/{demo.receiver_org}/team/"


async def _user_id(pool: asyncpg.Pool, email: str) -> str:
    async with pool.acquire() as conn:
        return str(await conn.fetchval("SELECT id FROM app_user WHERE email = $1", email))


async def _invitation_mails(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch(
            "SELECT recipient, language FROM mail_outbox WHERE template = 'invitation'"
        )


async def test_who_may_open_the_team_page(
    client: httpx.AsyncClient, base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    anonymous = await client.get(team(demo))
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/workspace/login?next=/workspace/")
    admin = await add_user(pool, demo.receiver_org, "admin", "Nadia Admin")
    for email, status in (
        (demo.editor, 403),
        (demo.receiver, 403),
        (await add_user(pool, demo.sender_org, "admin"), 403),
        (admin, 200),
        (await add_coordinator(pool), 200),
    ):
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
            await sign_in(browser, email)
            page = await browser.get(team(demo), headers={"Accept-Language": "en"})
            assert page.status_code == status, email
            dashboard = await browser.get("/workspace/")
            assert (team(demo) in dashboard.text) == (email == admin), email


async def test_an_admin_invites_changes_roles_and_removes(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    admin = await add_user(pool, demo.receiver_org, "admin", "Nadia Admin")
    luc = await _user_id(pool, demo.receiver)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, admin)
        browser.cookies.set("boussole_lang", "en")
        page = await browser.get(team(demo))
        assert "Inès Romano" in page.text and "Luc Martin" in page.text
        token = csrf_of(page.text)
        invite = team(demo) + "invite"

        wrong = await browser.post(
            invite, data={"csrf_token": token, "email": "not an address", "role": "editor"}
        )
        assert wrong.status_code == 422
        assert 'id="email-error"' in wrong.text and "info@example.org" in wrong.text
        assert 'value="not an address"' in wrong.text
        taken = await browser.post(
            invite, data={"csrf_token": token, "email": demo.editor, "role": "member"}
        )
        assert taken.status_code == 409 and "already a member" in taken.text
        assert await _invitation_mails(pool) == []

        sent = await browser.post(
            invite,
            data={
                "csrf_token": token,
                "email": "nouvelle@example.org",
                "role": "editor",
                "language": "nl",
            },
        )
        assert sent.status_code == 303
        after = await browser.get(sent.headers["location"])
        assert "The invitation is on its way." in after.text
        assert "nouvelle@example.org" in after.text
        assert [tuple(m) for m in await _invitation_mails(pool)] == [("nouvelle@example.org", "nl")]
        async with pool.acquire() as conn:
            invitation = await conn.fetchval("SELECT id FROM invitation WHERE role = 'editor'")
        withdrawn = await browser.post(
            team(demo) + f"invitations/{invitation}/withdraw", data={"csrf_token": token}
        )
        assert withdrawn.status_code == 303
        assert "nouvelle@example.org" not in (await browser.get(team(demo))).text

        promoted = await browser.post(
            team(demo) + f"members/{luc}/role", data={"csrf_token": token, "role": "editor"}
        )
        assert promoted.status_code == 303
        async with pool.acquire() as conn:
            role = await conn.fetchval("SELECT role FROM membership WHERE user_id = $1", luc)
        assert role == "editor"

        me = await _user_id(pool, admin)
        last = await browser.post(
            team(demo) + f"members/{me}/role", data={"csrf_token": token, "role": "member"}
        )
        assert last.status_code == 409 and "at least one admin" in last.text
        bogus = await browser.post(
            team(demo) + f"members/{luc}/role", data={"csrf_token": token, "role": "owner"}
        )
        assert bogus.status_code == 422

        removed = await browser.post(
            team(demo) + f"members/{luc}/remove", data={"csrf_token": token}
        )
        assert removed.status_code == 303
        assert "Luc Martin" not in (await browser.get(team(demo))).text
        gone = await browser.post(team(demo) + f"members/{luc}/remove", data={"csrf_token": token})
        assert gone.status_code == 404


async def test_posts_need_the_right_to_manage_the_team(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        token = csrf_of((await browser.get("/workspace/logout")).text)
        refused = await browser.post(
            team(demo) + "invite", data={"csrf_token": token, "email": "x@example.org"}
        )
        assert refused.status_code == 403
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM invitation") == 0


async def test_a_coordinator_does_not_let_people_in_once_there_is_an_admin(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    await add_user(pool, demo.receiver_org, "admin", "Nadia Admin")
    luc = await _user_id(pool, demo.receiver)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, await add_coordinator(pool))
        browser.cookies.set("boussole_lang", "en")
        page = await browser.get(team(demo))
        assert page.status_code == 200 and "Luc Martin" in page.text
        assert "/team/invite" not in page.text and "/role" not in page.text
        assert "you name only the first admin" in page.text
        token = csrf_of(page.text)
        invite = await browser.post(
            team(demo) + "invite", data={"csrf_token": token, "email": "me@example.org"}
        )
        assert invite.status_code == 403 and "you name only the first admin" in invite.text
        role = await browser.post(
            team(demo) + f"members/{luc}/role", data={"csrf_token": token, "role": "admin"}
        )
        assert role.status_code == 403
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM invitation") == 0
        assert (
            await conn.fetchval("SELECT role FROM membership WHERE user_id = $1", uuid.UUID(luc))
            != "admin"
        )


async def test_the_only_admin_is_offered_no_removal_that_would_be_refused(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    # Removing the last admin is refused ("name another admin first", which a coordinator
    # cannot do): the button is not offered, for them nor for the admin leaving.
    admin = await add_user(pool, demo.receiver_org, "admin", "Nadia Admin")
    nadia = await _user_id(pool, admin)
    luc = await _user_id(pool, demo.receiver)
    for who in (await add_coordinator(pool), admin):
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
            await sign_in(browser, who)
            browser.cookies.set("boussole_lang", "en")
            page = (await browser.get(team(demo))).text
            assert f"members/{nadia}/remove" not in page, who
            assert f"members/{luc}/remove" in page, who
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, admin)
        browser.cookies.set("boussole_lang", "en")
        page = (await browser.get(team(demo))).text
        assert "You are its only admin: name another admin before you leave." in page


async def test_a_coordinator_is_offered_only_the_first_admin_and_not_themselves(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    # The receiving organisation of the demo has members and no admin.
    coordinator = await add_coordinator(pool)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, coordinator)
        browser.cookies.set("boussole_lang", "fr")
        page = await browser.get(team(demo))
        assert page.status_code == 200 and "/team/invite" in page.text
        invite_form = page.text[page.text.index('id="role"') :]
        invite_form = invite_form[: invite_form.index("</select>")]
        assert 'value="admin"' in invite_form and 'value="member"' not in invite_form
        myself = await browser.post(
            team(demo) + "invite",
            data={"csrf_token": csrf_of(page.text), "email": coordinator, "role": "admin"},
        )
        assert myself.status_code == 422
        assert "pas vous-même" in myself.text and 'id="email-error"' in myself.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM invitation") == 0
