"""`boussole user create` twice at once for one address (two operators, a script run twice):
the second finds the user the first added and gives them the role, as one after the other;
it used to stop on the unique index with a traceback."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import asyncpg
import pytest

from service.accounts import users
from tests.integration.accounts.conftest import add_organisation
from tests.locks import until_waiting

pytestmark = pytest.mark.asyncio


async def _user_create(db_url: str, email: str, organisation_id: uuid.UUID) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service.cli", "user", "create", "--email", email,
        "--org", str(organisation_id), "--role", "admin",
        env={**os.environ, "DATABASE_URL": db_url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_the_same_user_created_twice_at_once(
    db_url: str, pool: asyncpg.Pool, organisation: uuid.UUID
) -> None:
    other = await add_organisation(pool, "Relais Santé")
    async with pool.acquire() as first:
        async with first.transaction():
            user_id = await users.create_or_update(
                first, email="nadia@example.org", organisation_id=organisation, role="editor"
            )
            # The command starts while the first has not committed: it waits for it.
            second = asyncio.create_task(
                _user_create(db_url, "Nadia@Example.org", other), name="user create"
            )
            await until_waiting(pool, 1, second)
        returncode, out = await second
    assert returncode == 0, out
    assert out.split()[-1] == str(user_id)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM app_user") == 1
        roles = await conn.fetch(
            "SELECT organisation_id, role FROM membership WHERE user_id = $1", user_id
        )
    assert {(r["organisation_id"], r["role"]) for r in roles} == {
        (organisation, "editor"),
        (other, "admin"),
    }
