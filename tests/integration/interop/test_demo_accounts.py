"""`serve --demo` prints accounts to try the workspace with; they sign in with what it prints."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from service.interop.demo import create_demo_accounts, load_demo
from tests.integration.accounts.conftest import sign_in

pytestmark = pytest.mark.asyncio


async def test_demo_accounts_sign_in_with_the_printed_passwords(
    pool: asyncpg.Pool, base_url: str
) -> None:
    await load_demo(pool)
    first = await create_demo_accounts(pool)
    printed = await create_demo_accounts(pool)  # a second start: same people, new passwords
    lines = [line.split() for line in printed.splitlines()[1:]]
    credentials = {words[0]: words[1] for words in lines}
    assert "assistante.sociale@demo.boussole.invalid" in credentials
    old_password = first.splitlines()[2].split()[1]

    async with httpx.AsyncClient(base_url=base_url) as client:
        refused = await sign_in(client, "assistante.sociale@demo.boussole.invalid", old_password)
        assert refused.status_code == 401
        email = "assistante.sociale@demo.boussole.invalid"
        signed_in = await sign_in(client, email, credentials[email])
        assert signed_in.status_code == 303, signed_in.text
        me = (await client.get("/api/v1/me")).json()
        assert [(o["name"], o["role"]) for o in me["organisations"]] == [
            ("CPAS de La Louvière", "member")
        ]
    async with pool.acquire() as conn:
        users = await conn.fetchval(
            "SELECT count(*) FROM app_user WHERE email LIKE '%@demo.boussole.invalid'"
        )
    assert users == 4
