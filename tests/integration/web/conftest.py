"""The demo network for page tests: the demo catalogue, indexed for search, and people with
passwords in its organisations (a CPAS worker, the receiving side's member and editor)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from service.accounts import users
from service.accounts.passwords import hash_password

PASSWORD = "une phrase facile à retenir"
FOOD_PARCELS = "Colis alimentaires"
SENDER = "CPAS de La Louvière"
RECEIVER = "Les Restos du Cœur de La Louvière"


async def add_user(pool: asyncpg.Pool, organisation_id: Any, role: str, name: str = "") -> str:
    """A person with the test password and a role in the organisation; their e-mail."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
    async with pool.acquire() as conn:
        await users.create_or_update(
            conn,
            email=email,
            name=name,
            organisation_id=organisation_id,
            role=role,
            password_hash=await hash_password(PASSWORD),
        )
    return email


@dataclass
class Demo:
    """Ids and people of the demo network that the page tests use."""

    sender_org: uuid.UUID
    receiver_org: uuid.UUID
    service_id: uuid.UUID
    place_id: uuid.UUID
    worker: str
    receiver: str
    editor: str


async def demo_network(pool: asyncpg.Pool) -> Demo:
    """Give the CPAS of the indexed demo (the database of a test that asks for `demo`,
    tests/conftest.py) a worker and the Restos du Cœur two people."""
    async with pool.acquire() as conn:
        sender = await conn.fetchval("SELECT id FROM organisation WHERE name = $1", SENDER)
        receiver = await conn.fetchval("SELECT id FROM organisation WHERE name = $1", RECEIVER)
        row = await conn.fetchrow(
            """SELECT s.id, sp.place_id FROM service s
               JOIN service_place sp ON sp.service_id = s.id
               WHERE s.organisation_id = $1 AND s.name = $2 ORDER BY sp.position LIMIT 1""",
            receiver,
            FOOD_PARCELS,
        )
    assert sender and receiver and row, "the demo data changed: update tests/integration/web"
    return Demo(
        sender_org=sender,
        receiver_org=receiver,
        service_id=row["id"],
        place_id=row["place_id"],
        worker=await add_user(pool, sender, "member", "Awa Diallo"),
        receiver=await add_user(pool, receiver, "member", "Luc Martin"),
        editor=await add_user(pool, receiver, "editor", "Inès Romano"),
    )


@pytest.fixture
async def demo(pool: asyncpg.Pool) -> Demo:
    return await demo_network(pool)


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF field in the page"
    return match[1]


def posted_back(html: str) -> dict[str, str]:
    """The hidden fields a form of the page posts back: its CSRF token and the version of
    the record it changes."""
    version = re.search(r'name="version" value="(\d+)"', html)
    assert version, "no version field in the page"
    return {"csrf_token": csrf_of(html), "version": version[1]}


async def sign_in(client: httpx.AsyncClient, email: str, next_page: str = "/workspace/") -> None:
    """Sign in through the login form, as a browser does."""
    page = await client.get("/workspace/login")
    answer = await client.post(
        "/workspace/login",
        data={
            "email": email,
            "password": PASSWORD,
            "next": next_page,
            "csrf_token": csrf_of(page.text),
        },
    )
    assert answer.status_code == 303, answer.text
