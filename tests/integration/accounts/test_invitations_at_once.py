"""Inviting one address twice at the same moment (a double click, two admins at once):
the later invitation replaces the earlier, as one after the other, and one link works."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from schemas.accounts import InvitationIn
from service.accounts import invitations
from service.accounts.identity import Identity, identity_from_token
from tests.integration.accounts.conftest import Person, add_person
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
    # A token's first use records it, which would make the requests below wait in turn.
    assert (await client.get(url, headers=admin.bearer)).json() == []
    answers = await asyncio.gather(
        *(client.post(url, json=body, headers=admin.bearer) for _ in range(4))
    )
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    assert len((await client.get(url, headers=admin.bearer)).json()) == 1
    async with pool.acquire() as conn:
        assert await conn.fetchval(LIVE, "nadia@example.org") == 1


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
