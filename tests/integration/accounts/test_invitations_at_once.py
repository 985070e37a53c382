"""Inviting one address twice at the same moment (a double click, two admins at once):
the later invitation replaces the earlier, as one after the other, and one link works."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from schemas.accounts import InvitationIn
from service.accounts import invitations
from service.accounts.identity import Identity, identity_from_token
from service.errors import Conflict
from tests.integration.accounts.conftest import (
    PASSWORD,
    Person,
    add_organisation,
    add_person,
    csrf_of,
    link_in,
    outbox,
)
from tests.locks import until_waiting

pytestmark = pytest.mark.asyncio

LIVE = """SELECT count(*) FROM invitation
          WHERE lower(email) = lower($1) AND accepted_at IS NULL AND revoked_at IS NULL"""


async def _identity(pool: asyncpg.Pool, person: Person) -> Identity:
    async with pool.acquire() as conn:
        identity = await identity_from_token(conn, person.token)
    assert identity is not None
    return identity


async def test_invitations_sent_at_once_leave_one_link(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    url = f"/api/v1/organisations/{organisation}/invitations"
    body = {"email": "nadia@example.org", "role": "editor"}
    # The token's use recorded first: the requests below race on the invitation alone.
    assert (await client.get(url, headers=admin.bearer)).json() == []
    answers = await asyncio.gather(
        *(client.post(url, json=body, headers=admin.bearer) for _ in range(4))
    )
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    assert len((await client.get(url, headers=admin.bearer)).json()) == 1
    async with pool.acquire() as conn:
        assert await conn.fetchval(LIVE, "nadia@example.org") == 1
    # The same invitation, sent four times: the one already out, mailed once (a second mail
    # would carry a link that no longer works).
    assert len({a.json()["id"] for a in answers}) == 1
    mails = [m for m in await outbox(pool) if m["recipient"] == "nadia@example.org"]
    assert len(mails) == 1
    # Another role is another invitation: it replaces that one, with its own mail.
    other = await client.post(url, json={**body, "role": "admin"}, headers=admin.bearer)
    assert other.status_code == 201 and other.json()["id"] != answers[0].json()["id"]
    assert [i["role"] for i in (await client.get(url, headers=admin.bearer)).json()] == ["admin"]
    assert len([m for m in await outbox(pool) if m["recipient"] == "nadia@example.org"]) == 2


async def test_the_second_invitation_waits_for_the_first_and_replaces_it(
    pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    first_admin = await _identity(
        pool, await add_person(pool, organisation_id=organisation, role="admin")
    )
    second_admin = await _identity(
        pool, await add_person(pool, organisation_id=organisation, role="admin")
    )
    options: dict[str, Any] = {"public_url": "http://test"}

    async def invite(identity: Identity, email: str) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await invitations.invite(
                conn, identity, organisation, InvitationIn(email=email, role="member"), **options
            )

    async with pool.acquire() as conn:
        async with conn.transaction():
            data = InvitationIn(email="nadia@example.org", role="admin")
            await invitations.invite(conn, first_admin, organisation, data, **options)
            second = asyncio.create_task(invite(second_admin, "Nadia@Example.org"), name="second")
            await until_waiting(pool, 1, second)
        await second
        live = await conn.fetch(
            "SELECT role FROM invitation WHERE accepted_at IS NULL AND revoked_at IS NULL"
        )
    assert [row["role"] for row in live] == ["member"]


async def test_an_invitation_accepted_twice_at_once_makes_one_account(
    base_url: str, client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    """The acceptance form sent twice (a double click): one account, one membership; the
    second answer is the page saying the invitation was used, never a bare 409."""
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    invited = await client.post(
        f"/api/v1/organisations/{organisation}/invitations",
        json={"email": "nadia@example.org", "role": "editor"},
        headers=admin.bearer,
    )
    assert invited.status_code == 201
    [mail] = [m for m in await outbox(pool) if m["recipient"] == "nadia@example.org"]
    path = urlsplit(link_in(mail["body_text"], "/workspace/invitations/")).path
    browsers = [httpx.AsyncClient(base_url=base_url, timeout=30) for _ in range(3)]
    try:
        forms = []
        for browser in browsers:
            page = await browser.get(path)
            forms.append(
                {"password": PASSWORD, "password2": PASSWORD, "csrf_token": csrf_of(page.text)}
            )
        answers = await asyncio.gather(
            *(browser.post(path, data=form) for browser, form in zip(browsers, forms, strict=True))
        )
    finally:
        for browser in browsers:
            await browser.aclose()
    assert sorted(a.status_code for a in answers) == [303, 410, 410], [a.text for a in answers]
    assert all(
        a.headers["content-type"].startswith("text/html") for a in answers if a.status_code == 410
    )
    async with pool.acquire() as conn:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM app_user WHERE lower(email) = 'nadia@example.org'"
            )
            == 1
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM membership WHERE organisation_id = $1", organisation
            )
            == 2
        )


async def test_the_second_acceptance_waits_for_the_first_and_finds_the_invitation_used(
    client: httpx.AsyncClient, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    admin = await add_person(pool, organisation_id=organisation, role="admin")
    invited = await client.post(
        f"/api/v1/organisations/{organisation}/invitations",
        json={"email": "nadia@example.org", "role": "editor"},
        headers=admin.bearer,
    )
    assert invited.status_code == 201
    [mail] = [m for m in await outbox(pool) if m["recipient"] == "nadia@example.org"]
    token = link_in(mail["body_text"], "/workspace/invitations/").rsplit("/", 1)[1]
    options: dict[str, Any] = {"password": PASSWORD, "name": "Nadia", "address": "192.0.2.9"}

    async def accept() -> invitations.Acceptance:
        async with pool.acquire() as conn, conn.transaction():
            return await invitations.accept(conn, token, **options)

    async with pool.acquire() as conn:
        async with conn.transaction():
            assert (await invitations.accept(conn, token, **options)).outcome == "ok"
            second = asyncio.create_task(accept(), name="second acceptance")
            await until_waiting(pool, 1, second)
        assert (await second).outcome == "invalid"


async def _sent_link(
    pool: asyncpg.Pool, organisation: uuid.UUID, admin: Identity, email: str, role: str
) -> str:
    """Invite `email`; the token of the link in the mail."""
    async with pool.acquire() as conn, conn.transaction():
        await invitations.invite(
            conn,
            admin,
            organisation,
            InvitationIn(email=email, role=role),
            public_url="http://test",
        )
    mail = [m for m in await outbox(pool) if m["recipient"] == email][-1]
    return link_in(mail["body_text"], "/workspace/invitations/").rsplit("/", 1)[1]


async def test_an_invitation_sent_while_another_is_accepted_finds_a_member(
    pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    """An admin invites Nadia again while she accepts the first invitation: the second
    waits for her acceptance and is refused, she is a member; it used to be written and
    its link left live for someone who had just joined."""
    first_admin = await _identity(
        pool, await add_person(pool, organisation_id=organisation, role="admin")
    )
    second_admin = await _identity(
        pool, await add_person(pool, organisation_id=organisation, role="admin")
    )
    token = await _sent_link(pool, organisation, first_admin, "nadia@example.org", "editor")

    async def invite_again() -> None:
        async with pool.acquire() as conn, conn.transaction():
            await invitations.invite(
                conn,
                second_admin,
                organisation,
                InvitationIn(email="nadia@example.org", role="admin"),
                public_url="http://test",
            )

    async with pool.acquire() as conn:
        async with conn.transaction():
            accepted = await invitations.accept(
                conn, token, password=PASSWORD, name="Nadia", address="192.0.2.9"
            )
            assert accepted.outcome == "ok"
            again = asyncio.create_task(invite_again(), name="second invitation")
            await until_waiting(pool, 1, again)
        with pytest.raises(Conflict):
            await again
        assert await conn.fetchval(LIVE, "nadia@example.org") == 0
        role = await conn.fetchval(
            "SELECT role FROM membership WHERE user_id = $1", accepted.user_id
        )
    assert role == "editor"


async def test_a_link_replaced_while_it_is_accepted_no_longer_works(
    pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    """The other way round: the acceptance waits for the invitation being sent, and finds
    its link replaced by the new one, which stays live."""
    admin = await _identity(
        pool, await add_person(pool, organisation_id=organisation, role="admin")
    )
    token = await _sent_link(pool, organisation, admin, "nadia@example.org", "editor")

    async def accept() -> invitations.Acceptance:
        async with pool.acquire() as conn, conn.transaction():
            return await invitations.accept(
                conn, token, password=PASSWORD, name="Nadia", address="192.0.2.9"
            )

    async with pool.acquire() as conn:
        async with conn.transaction():
            await invitations.invite(
                conn,
                admin,
                organisation,
                InvitationIn(email="nadia@example.org", role="admin"),
                public_url="http://test",
            )
            accepting = asyncio.create_task(accept(), name="acceptance")
            await until_waiting(pool, 1, accepting)
        assert (await accepting).outcome == "invalid"
        assert await conn.fetchval(LIVE, "nadia@example.org") == 1


@pytest.mark.parametrize("second_password", [PASSWORD, "another long password"])
async def test_two_organisations_invitations_accepted_at_once_make_one_account(
    base_url: str,
    client: httpx.AsyncClient,
    pool: asyncpg.Pool,
    organisation: uuid.UUID,
    second_password: str,
) -> None:
    """Nadia accepts the CPAS's and the épicerie's invitations at the same moment (two
    tabs): one account, as one after the other; the second account creation was a bare
    409 on the address's unique index. With the same password, both tabs join and are
    signed in; with another, the later is asked for the password of the account just made."""
    other = await add_organisation(pool, "Épicerie sociale du Centre")
    paths = []
    for organisation_id in (organisation, other):
        admin = await add_person(pool, organisation_id=organisation_id, role="admin")
        invited = await client.post(
            f"/api/v1/organisations/{organisation_id}/invitations",
            json={"email": "nadia@example.org", "role": "editor"},
            headers=admin.bearer,
        )
        assert invited.status_code == 201, invited.text
        mail = [m for m in await outbox(pool) if m["recipient"] == "nadia@example.org"][-1]
        paths.append(urlsplit(link_in(mail["body_text"], "/workspace/invitations/")).path)
    tabs = [httpx.AsyncClient(base_url=base_url, timeout=30) for _ in paths]
    try:
        forms = []
        for tab, path, password in zip(tabs, paths, (PASSWORD, second_password), strict=True):
            tab.cookies.set("boussole_lang", "en")
            page = await tab.get(path)
            assert 'name="password2"' in page.text  # a new person: choose a password
            forms.append(
                {"password": password, "password2": password, "csrf_token": csrf_of(page.text)}
            )
        # Lined up: the address held by a transaction of the test, both acceptances wait
        # to create the account; released, they race for it.
        async with pool.acquire() as conn:
            blocker = conn.transaction()
            await blocker.start()
            await conn.execute(
                "INSERT INTO app_user (email, name) VALUES ('nadia@example.org', 'held')"
            )
            both = asyncio.ensure_future(
                asyncio.gather(
                    *(
                        tab.post(path, data=form)
                        for tab, path, form in zip(tabs, paths, forms, strict=True)
                    )
                )
            )
            await until_waiting(pool, 2, both)
            await blocker.rollback()
        answers = await both
        accounts = [(await tab.get("/api/v1/me")) for tab in tabs]
    finally:
        for tab in tabs:
            await tab.aclose()
    async with pool.acquire() as conn:
        users = await conn.fetch("SELECT id FROM app_user WHERE lower(email) = 'nadia@example.org'")
        assert len(users) == 1
        joined = await conn.fetch(
            "SELECT organisation_id, role FROM membership WHERE user_id = $1", users[0]["id"]
        )
    if second_password == PASSWORD:
        assert [a.status_code for a in answers] == [303, 303], [a.text for a in answers]
        # Both tabs are signed in, to the same account, in both organisations.
        assert accounts[0].json() == accounts[1].json()
        assert {(r["organisation_id"], r["role"]) for r in joined} == {
            (organisation, "editor"),
            (other, "editor"),
        }
        async with pool.acquire() as conn:
            assert await conn.fetchval(LIVE, "nadia@example.org") == 0
        return
    # Either tab may have made the account: the other is asked for its password.
    assert sorted(a.status_code for a in answers) == [303, 422], [a.text for a in answers]
    [refused] = [a for a in answers if a.status_code == 422]
    assert "The password is wrong." in refused.text
    assert "You already have an account: enter your password to accept." in refused.text
    assert 'name="password2"' not in refused.text
    assert len(joined) == 1


async def test_the_second_acceptance_with_another_password_is_asked_the_first(
    pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    """The account made meanwhile by the other tab has the password chosen there: another
    one typed in this tab is wrong, as when the tabs are used one after the other, and
    nothing is joined until it is given."""
    other = await add_organisation(pool, "Épicerie sociale du Centre")
    tokens = []
    for organisation_id in (organisation, other):
        admin = await _identity(
            pool, await add_person(pool, organisation_id=organisation_id, role="admin")
        )
        tokens.append(await _sent_link(pool, organisation_id, admin, "nadia@example.org", "editor"))

    async def accept_in_the_other_tab(password: str) -> invitations.Acceptance:
        async with pool.acquire() as conn, conn.transaction():
            return await invitations.accept(
                conn, tokens[1], password=password, name="Nadia", address="192.0.2.9"
            )

    async with pool.acquire() as conn:
        async with conn.transaction():
            first = await invitations.accept(
                conn, tokens[0], password=PASSWORD, name="Nadia", address="192.0.2.9"
            )
            assert first.outcome == "ok"
            second = asyncio.create_task(accept_in_the_other_tab("another long password"))
            await until_waiting(pool, 1, second)
        refused = await second
        assert (refused.outcome, refused.problem) == ("problem", "wrong_password")
        assert (
            await conn.fetchval("SELECT count(*) FROM membership WHERE user_id = $1", first.user_id)
            == 1
        )
        again = await accept_in_the_other_tab(PASSWORD)
        assert (again.outcome, again.user_id) == ("ok", first.user_id)
