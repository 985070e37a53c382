"""Signing in and out through real HTTP, with cookies, CSRF tokens and throttling."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from service.accounts.sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT, identity_from_session
from service.accounts.sessions import start_session as open_session
from tests.integration.accounts.conftest import PASSWORD, add_person, csrf_of, sign_in


def _set_cookie(response: httpx.Response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie set")


async def test_the_login_page_is_french_by_default_and_carries_a_csrf_token(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/workspace/login")
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "Se connecter" in page.text
    assert csrf_of(page.text)
    cookie = _set_cookie(page, "boussole_csrf")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert page.headers["cache-control"] == "no-store"

    dutch = await client.get("/workspace/login", headers={"Accept-Language": "nl-BE,nl;q=0.9"})
    assert '<html lang="nl">' in dutch.text and "Aanmelden" in dutch.text
    chosen = await client.get("/language/en", params={"next": "/workspace/login"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/workspace/login"
    english = await client.get("/workspace/login")
    assert '<html lang="en">' in english.text and "Sign in" in english.text


async def test_sign_in_with_password_opens_a_session(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    person = await add_person(pool, organisation_id=organisation, role="editor")

    response = await sign_in(client, person.email.upper(), PASSWORD)

    assert response.status_code == 303
    assert response.headers["location"] == "/workspace/"
    cookie = _set_cookie(response, "boussole_session")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    session_id = client.cookies["boussole_session"]
    async with pool.acquire() as conn:
        stored = await conn.fetchval("SELECT session_hash FROM user_session")
    assert stored == hashlib.sha256(session_id.encode()).digest()

    me = await client.get("/api/v1/me")
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == person.email and body["is_coordinator"] is False
    assert body["organisations"] == [
        {"id": str(organisation), "name": "CPAS de La Louvière", "role": "editor"}
    ]
    account = await client.get("/workspace/account")
    assert account.status_code == 200 and "CPAS de La Louvière" in account.text


async def test_a_wrong_password_is_refused_without_saying_which_part_is_wrong(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    person = await add_person(pool)
    wrong = await sign_in(client, person.email, "not the password")
    unknown = await sign_in(client, "nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "L&#39;adresse e-mail ou le mot de passe est incorrect." in wrong.text
    assert "boussole_session" not in client.cookies
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_forms_without_the_csrf_token_are_refused(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    person = await add_person(pool)
    await client.get("/workspace/login")  # the csrf cookie, but no token sent back
    missing = await client.post(
        "/workspace/login", data={"email": person.email, "password": PASSWORD}
    )
    forged = await client.post(
        "/workspace/login",
        data={"email": person.email, "password": PASSWORD, "csrf_token": "forged"},
    )
    assert missing.status_code == forged.status_code == 403
    assert "Ce formulaire a expiré" in missing.text
    async with httpx.AsyncClient(base_url=str(client.base_url)) as stranger:
        # Another site's page posting the form: the browser has no token to give it.
        response = await stranger.post(
            "/workspace/login", data={"email": person.email, "password": PASSWORD}
        )
        assert response.status_code == 403


async def test_api_calls_with_the_session_cookie_need_the_csrf_header(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    await sign_in(client, admin.email, PASSWORD)
    url = f"/api/v1/organisations/{organisation}/invitations"
    body = {"email": "new@example.org", "role": "member"}

    refused = await client.post(url, json=body)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")

    token = csrf_of((await client.get("/workspace/account")).text)
    accepted = await client.post(url, json=body, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 201


async def test_bearer_tokens_keep_working_without_csrf(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    me = await client.get("/api/v1/me", headers=admin.bearer)
    assert me.status_code == 200 and me.json()["email"] == admin.email
    invited = await client.post(
        f"/api/v1/organisations/{organisation}/invitations",
        json={"email": "new@example.org"},
        headers=admin.bearer,
    )
    assert invited.status_code == 201
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_logout_ends_the_session_for_good(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    person = await add_person(pool)
    await sign_in(client, person.email, PASSWORD)
    old_cookie = client.cookies["boussole_session"]

    page = await client.get("/workspace/logout")
    assert page.status_code == 200
    response = await client.post("/workspace/logout", data={"csrf_token": csrf_of(page.text)})

    assert response.status_code == 303
    assert response.headers["location"] == "/workspace/login?logged_out=1"
    assert "Max-Age=0" in _set_cookie(response, "boussole_session")
    assert (await client.get("/api/v1/me")).status_code == 401
    # A copy of the old cookie is worthless: the session row is gone.
    async with httpx.AsyncClient(
        base_url=str(client.base_url), cookies={"boussole_session": old_cookie}
    ) as thief:
        assert (await thief.get("/api/v1/me")).status_code == 401
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM user_session") == 0


async def test_logout_without_the_token_is_refused(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    person = await add_person(pool)
    await sign_in(client, person.email, PASSWORD)
    assert (await client.post("/workspace/logout")).status_code == 403
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_failed_logins_are_throttled_per_account(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    person = await add_person(pool)
    for _ in range(5):
        assert (await sign_in(client, person.email, "wrong password!")).status_code == 401

    blocked = await sign_in(client, person.email, PASSWORD)  # even the right password waits

    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60
    assert "Trop de tentatives" in blocked.text
    # Other accounts from elsewhere are not affected.
    other = await add_person(pool)
    assert (await sign_in(client, other.email, PASSWORD)).status_code == 303


async def test_failed_logins_are_throttled_per_address(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    for attempt in range(30):
        response = await sign_in(client, f"guess-{attempt}@example.org", "password123456")
        assert response.status_code == 401
    person = await add_person(pool)
    assert (await sign_in(client, person.email, PASSWORD)).status_code == 429


async def test_a_session_ends_after_idle_time_and_at_its_absolute_limit(
    pool: asyncpg.Pool,
) -> None:
    person = await add_person(pool)
    start = datetime.now(UTC)
    async with pool.acquire() as conn:
        session_id = await open_session(conn, person.user_id, start)
        assert await identity_from_session(conn, session_id, start) is not None
        idle = start + IDLE_TIMEOUT + timedelta(seconds=1)
        assert await identity_from_session(conn, session_id, idle) is None

        # Used regularly, it lives on, but never beyond the absolute limit.
        moment = start
        while moment < start + ABSOLUTE_TIMEOUT - IDLE_TIMEOUT:
            moment += IDLE_TIMEOUT - timedelta(minutes=1)
            assert await identity_from_session(conn, session_id, moment) is not None
        end = start + ABSOLUTE_TIMEOUT + timedelta(seconds=1)
        assert await identity_from_session(conn, session_id, end) is None


async def test_a_disabled_person_loses_their_session(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    person = await add_person(pool)
    await sign_in(client, person.email, PASSWORD)
    async with pool.acquire() as conn:
        await conn.execute("UPDATE app_user SET disabled_at = now() WHERE id = $1", person.user_id)
    assert (await client.get("/api/v1/me")).status_code == 401
    assert (await sign_in(client, person.email, PASSWORD)).status_code == 401


async def test_next_only_leads_to_pages_of_this_site(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    person = await add_person(pool)
    page = await client.get("/workspace/login", params={"next": "//evil.example/x"})
    response = await client.post(
        "/workspace/login",
        data={
            "email": person.email,
            "password": PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert response.headers["location"] == "/workspace/"
