"""One-time sign-in links and invitations, through the pages and the mails they send."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import asyncpg
import httpx

from service.accounts.login import LINK_LIFETIME, use_login_link
from service.hours import TZ
from service.settings import Settings
from tests.integration.accounts.conftest import (
    PASSWORD,
    add_organisation,
    add_person,
    csrf_of,
    link_in,
    outbox,
    serve,
    sign_in,
)


async def _ask_link(client: httpx.AsyncClient, email: str) -> httpx.Response:
    page = await client.get("/workspace/login")
    return await client.post(
        "/workspace/login/link", data={"email": email, "csrf_token": csrf_of(page.text)}
    )


async def test_a_one_time_link_signs_in_once(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    person = await add_person(pool, password=None)  # people without a password use links

    answer = await _ask_link(client, person.email)

    assert answer.status_code == 200 and "Consultez votre boîte mail" in answer.text
    [mail] = await outbox(pool)
    assert mail["recipient"] == person.email and mail["template"] == "login_link"
    path = urlsplit(link_in(mail["body_text"], "/workspace/login/link/")).path
    async with pool.acquire() as conn:
        stored = await conn.fetchval("SELECT token_hash FROM login_link")
    assert path.rsplit("/", 1)[1].encode() not in stored  # only a hash is kept

    # Opening the link (as a mail scanner would) does not use it.
    page = await client.get(path)
    assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
    page = await client.get(path)
    used = await client.post(path, data={"csrf_token": csrf_of(page.text)})
    assert used.status_code == 303 and used.headers["location"] == "/workspace/"
    assert (await client.get("/api/v1/me")).json()["email"] == person.email

    again = await client.get(path)
    assert again.status_code == 410
    token = csrf_of((await client.get("/workspace/account")).text)
    replay = await client.post(path, data={"csrf_token": token})
    assert replay.status_code == 410


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    answer = await _ask_link(client, "nobody@example.org")
    assert answer.status_code == 200 and "Consultez votre boîte mail" in answer.text
    assert await outbox(pool) == []


async def test_link_requests_are_throttled(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    person = await add_person(pool)
    for _ in range(3):
        assert (await _ask_link(client, person.email)).status_code == 200
    blocked = await _ask_link(client, person.email)
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert len(await outbox(pool)) == 3


async def test_a_link_expires(client: httpx.AsyncClient, pool: asyncpg.Pool) -> None:
    person = await add_person(pool)
    await _ask_link(client, person.email)
    [mail] = await outbox(pool)
    token = link_in(mail["body_text"], "/workspace/login/link/").rsplit("/", 1)[1]
    async with pool.acquire() as conn:
        late = datetime.now(UTC) + LINK_LIFETIME + timedelta(seconds=1)
        assert await use_login_link(conn, token, late) is None
        assert await use_login_link(conn, token) == person.user_id


async def test_an_admin_invites_a_new_member_who_sets_a_password(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    created = await client.post(
        f"/api/v1/organisations/{organisation}/invitations",
        json={"email": "Nadia@example.org", "role": "editor", "language": "nl"},
        headers=admin.bearer,
    )
    assert created.status_code == 201
    invitation = created.json()
    assert invitation["role"] == "editor" and "token" not in invitation
    pending = await client.get(
        f"/api/v1/organisations/{organisation}/invitations", headers=admin.bearer
    )
    assert [i["id"] for i in pending.json()] == [invitation["id"]]

    [mail] = await outbox(pool)
    assert mail["language"] == "nl" and "CPAS de La Louvière" in mail["subject"]
    path = urlsplit(link_in(mail["body_text"], "/workspace/invitations/")).path

    page = await client.get(path)
    assert page.status_code == 200 and "Choisissez un mot de passe" in page.text
    token = csrf_of(page.text)
    mismatch = await client.post(
        path,
        data={"name": "Nadia", "password": PASSWORD, "password2": "other", "csrf_token": token},
    )
    assert mismatch.status_code == 422 and "différents" in mismatch.text
    short = await client.post(
        path, data={"password": "short", "password2": "short", "csrf_token": token}
    )
    assert short.status_code == 422 and "trop court" in short.text

    accepted = await client.post(
        path,
        data={"name": "Nadia", "password": PASSWORD, "password2": PASSWORD, "csrf_token": token},
    )

    assert accepted.status_code == 303
    me = (await client.get("/api/v1/me")).json()
    assert me["email"] == "Nadia@example.org" and me["name"] == "Nadia"
    assert me["organisations"][0]["role"] == "editor"
    assert (await client.get(path)).status_code == 410
    # The new password works on the login page.
    async with httpx.AsyncClient(base_url=str(client.base_url)) as browser:
        assert (await sign_in(browser, "nadia@example.org", PASSWORD)).status_code == 303


async def test_someone_with_an_account_confirms_with_their_password(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    coordinator = await add_person(pool, coordinator=True)
    other = await add_organisation(pool, "Épicerie sociale")
    existing = await add_person(pool, organisation_id=other, role="admin")
    response = await client.post(
        f"/api/v1/organisations/{organisation}/invitations",
        json={"email": existing.email, "role": "admin"},
        headers=coordinator.bearer,
    )
    assert response.status_code == 201
    [mail] = await outbox(pool)
    path = urlsplit(link_in(mail["body_text"], "/workspace/invitations/")).path
    page = await client.get(path)
    assert "Vous avez déjà un compte" in page.text

    wrong = await client.post(
        path, data={"password": "not my password", "csrf_token": csrf_of(page.text)}
    )
    assert wrong.status_code == 422
    right = await client.post(path, data={"password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert right.status_code == 303
    roles = {o["id"]: o["role"] for o in (await client.get("/api/v1/me")).json()["organisations"]}
    assert roles == {str(organisation): "admin", str(other): "admin"}


async def test_who_may_invite(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    url = f"/api/v1/organisations/{organisation}/invitations"
    body = {"email": "x@example.org"}
    editor = await add_person(pool, organisation_id=organisation, role="editor")
    outsider = await add_person(pool, organisation_id=await add_organisation(pool), role="admin")
    assert (await client.post(url, json=body)).status_code == 401
    assert (await client.post(url, json=body, headers=editor.bearer)).status_code == 403
    assert (await client.post(url, json=body, headers=outsider.bearer)).status_code == 403
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    bad = await client.post(
        url, json={"email": "x@example.org", "role": "boss"}, headers=admin.bearer
    )
    assert bad.status_code == 422
    member = await client.post(url, json={"email": editor.email}, headers=admin.bearer)
    assert member.status_code == 409
    assert await outbox(pool) == []


async def test_a_coordinator_names_only_the_first_admin(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    """Whoever joins reads the organisation's referrals: once it has an admin who can sign
    in, its team is its own business, not the network's."""
    coordinator = await add_person(pool, coordinator=True)
    url = f"/api/v1/organisations/{organisation}/invitations"
    first = await client.post(
        url, json={"email": "first-admin@example.org", "role": "admin"}, headers=coordinator.bearer
    )
    assert first.status_code == 201, first.text
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    member = await add_person(pool, organisation_id=organisation, role="member")
    itself = await client.post(
        url, json={"email": coordinator.email, "role": "editor"}, headers=coordinator.bearer
    )
    assert itself.status_code == 403
    assert "only the organisation's admins may invite members" in itself.json()["detail"]
    promote = await client.put(
        f"/api/v1/organisations/{organisation}/memberships/{member.user_id}",
        json={"role": "admin"},
        headers=coordinator.bearer,
    )
    assert promote.status_code == 403
    assert len(await outbox(pool)) == 1
    # The admin left (their account is closed): the coordinator may name a new one.
    async with pool.acquire() as conn:
        await conn.execute("UPDATE app_user SET disabled_at = now() WHERE id = $1", admin.user_id)
    promote = await client.put(
        f"/api/v1/organisations/{organisation}/memberships/{member.user_id}",
        json={"role": "admin"},
        headers=coordinator.bearer,
    )
    assert promote.status_code == 200, promote.text


async def test_a_coordinator_names_neither_themselves_nor_a_member_and_steps_back(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    """An organisation without an admin: a coordinator inviting their own address, or a
    member, joined it and read its referrals, the people's data included. They name its
    first admin only, and once that admin joins, the other links they sent end."""
    coordinator = await add_person(pool, coordinator=True)
    url = f"/api/v1/organisations/{organisation}/invitations"
    refused = await client.post(
        url, json={"email": coordinator.email.upper(), "role": "member"}, headers=coordinator.bearer
    )
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"email", "role"}
    assert await outbox(pool) == []
    for email in ("first-admin@example.org", "second-admin@example.org"):
        sent = await client.post(
            url, json={"email": email, "role": "admin"}, headers=coordinator.bearer
        )
        assert sent.status_code == 201, sent.text
    links = {
        m["recipient"]: urlsplit(link_in(m["body_text"], "/workspace/invitations/")).path
        for m in await outbox(pool)
    }
    page = await client.get(links["first-admin@example.org"])
    accepted = await client.post(
        links["first-admin@example.org"],
        data={
            "name": "Première",
            "password": PASSWORD,
            "password2": PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert accepted.status_code == 303, accepted.text
    assert (await client.get(links["second-admin@example.org"])).status_code == 410


async def test_a_new_invitation_replaces_the_links_still_out(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    """Only the latest link for an address works, once: an older one with another role
    neither stays in the list nor lets someone in (or back in) later."""
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    existing = await add_person(pool, organisation_id=await add_organisation(pool))
    url = f"/api/v1/organisations/{organisation}/invitations"
    for email, role in ((existing.email, "admin"), (existing.email.upper(), "member")):
        created = await client.post(url, json={"email": email, "role": role}, headers=admin.bearer)
        assert created.status_code == 201, created.text
    pending = (await client.get(url, headers=admin.bearer)).json()
    assert [i["role"] for i in pending] == ["member"]
    first, second = [
        urlsplit(link_in(m["body_text"], "/workspace/invitations/")).path
        for m in sorted(await outbox(pool), key=lambda m: m["created_at"])
    ]
    assert (await client.get(first)).status_code == 410
    page = await client.get(second)
    joined = await client.post(
        second, data={"password": PASSWORD, "csrf_token": csrf_of(page.text)}
    )
    assert joined.status_code == 303
    assert (await client.get(url, headers=admin.bearer)).json() == []
    members = await client.get(
        f"/api/v1/organisations/{organisation}/memberships", headers=admin.bearer
    )
    assert {m["email"]: m["role"] for m in members.json()}[existing.email] == "member"
    # Removed, they cannot come back with any link of before.
    removed = await client.delete(
        f"/api/v1/organisations/{organisation}/memberships/{existing.user_id}",
        headers=admin.bearer,
    )
    assert removed.status_code == 204
    for path in (first, second):
        assert (await client.get(path)).status_code == 410


async def test_a_revoked_invitation_no_longer_works(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    url = f"/api/v1/organisations/{organisation}/invitations"
    created = (await client.post(url, json={"email": "y@example.org"}, headers=admin.bearer)).json()
    revoked = await client.delete(f"{url}/{created['id']}", headers=admin.bearer)
    assert revoked.status_code == 204
    [mail] = await outbox(pool)
    path = urlsplit(link_in(mail["body_text"], "/workspace/invitations/")).path
    assert (await client.get(path)).status_code == 410


async def test_admins_manage_memberships(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    member = await add_person(pool, organisation_id=organisation, role="member")
    url = f"/api/v1/organisations/{organisation}/memberships"

    listed = await client.get(url, headers=admin.bearer)
    assert listed.status_code == 200
    assert {m["email"]: m["role"] for m in listed.json()} == {
        admin.email: "admin",
        member.email: "member",
    }
    assert (await client.get(url, headers=member.bearer)).status_code == 403

    promoted = await client.put(
        f"{url}/{member.user_id}", json={"role": "editor"}, headers=admin.bearer
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "editor"
    assert (
        await client.put(f"{url}/{member.user_id}", json={"role": "editor"}, headers=member.bearer)
    ).status_code == 403

    # The last admin stays.
    demote = await client.put(
        f"{url}/{admin.user_id}", json={"role": "member"}, headers=admin.bearer
    )
    assert demote.status_code == 409
    assert (await client.delete(f"{url}/{admin.user_id}", headers=admin.bearer)).status_code == 409

    removed = await client.delete(f"{url}/{member.user_id}", headers=admin.bearer)
    assert removed.status_code == 204
    assert (await client.get("/api/v1/me", headers=member.bearer)).json()["organisations"] == []
    missing = await client.delete(f"{url}/{member.user_id}", headers=admin.bearer)
    assert missing.status_code == 404


async def test_the_development_mail_page(
    client: httpx.AsyncClient, pool: asyncpg.Pool, settings: Settings, smtp_server: object
) -> None:
    coordinator = await add_person(pool, coordinator=True)
    person = await add_person(pool)
    await _ask_link(client, person.email)
    [mail] = await outbox(pool)

    assert (await client.get("/dev/mails")).status_code == 401
    await sign_in(client, person.email, PASSWORD)
    assert (await client.get("/dev/mails")).status_code == 403

    async with httpx.AsyncClient(base_url=str(client.base_url)) as browser:
        await sign_in(browser, coordinator.email, PASSWORD)
        listing = await browser.get("/dev/mails")
        assert listing.status_code == 200 and "Votre lien de connexion" in listing.text
        # When it was queued, in Brussels time as every page says it, not "…+00:00".
        queued = mail["created_at"].astimezone(TZ).strftime("%d/%m/%Y %H:%M")
        assert f"<td>{queued}</td>" in listing.text and "+00:00" not in listing.text
        detail = await browser.get(f"/dev/mails/{mail['id']}")
        assert detail.status_code == 200 and "Votre lien de connexion" in detail.text
        # Another person's sign-in link would let the coordinator in as them, to the people's
        # data of their referrals: hidden. Their own is shown.
        token = mail["body_text"].split("/workspace/login/link/", 1)[1].split()[0]
        assert token not in detail.text and "/workspace/login/link/…" in detail.text
        async with httpx.AsyncClient(base_url=str(client.base_url)) as anyone:
            await _ask_link(anyone, coordinator.email)
        own = await pool.fetchval(
            "SELECT id FROM mail_outbox WHERE recipient = $1", coordinator.email
        )
        mine = await browser.get(f"/dev/mails/{own}")
        assert re.search(r"/workspace/login/link/[A-Za-z0-9_-]{20,}", mine.text)

    with_smtp = Settings(
        database_url=settings.database_url, smtp_url="smtp://127.0.0.1:1", run_worker=False
    )
    async with serve(with_smtp, pool) as other:
        assert (await other.get("/dev/mails", headers=coordinator.bearer)).status_code == 404
    debug = Settings(database_url=settings.database_url, debug=True, run_worker=False)
    async with serve(debug, pool) as other:
        assert (await other.get("/dev/mails")).status_code == 200
        shown = await other.get(f"/dev/mails/{mail['id']}")  # development: everything
        assert token in shown.text
