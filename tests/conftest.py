"""Fixtures shared by every test: a real PostgreSQL, a fresh database per test, the app on a port.

One embedded server runs for the session. Migrations are applied once to a template
database; each test gets its own database cloned from it, so tests need no cleanup code
and cannot see each other's data. A test that asks for the `demo` fixture (pages, browser)
gets a clone of a second template instead, with the demo catalogue loaded and indexed once
for the session: loading and indexing it took each such test about two seconds.
"""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn

from service.db import migrations
from service.db.embedded import start_embedded
from service.db.pool import create_pool
from service.settings import Settings

TEMPLATE = "boussole_template"
DEMO_TEMPLATE = "boussole_demo_template"


def database_url(server_url: str, name: str) -> str:
    """The URL of another database on the same server."""
    base, _, query = server_url.partition("?")
    root = base.rsplit("/", 1)[0]
    return f"{root}/{name}" + (f"?{query}" if query else "")


async def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """A new database `name` copied from `template` (an empty one without), replacing one an
    earlier run left behind; its URL."""
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await admin.close()
    return database_url(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    """Drop database `name`, closing whatever still holds a connection to it."""
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """A PostgreSQL server for the whole run: TEST_DATABASE_URL, or an embedded one."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    with tempfile.TemporaryDirectory(prefix="boussole-test-") as directory:
        url, server = start_embedded(Path(directory))
        try:
            yield url
        finally:
            server.cleanup()


@pytest.fixture(scope="session")
async def template_url(server_url: str) -> str:
    url = await create_database(server_url, TEMPLATE)
    conn = await asyncpg.connect(url)
    try:
        await migrations.upgrade(conn)
    finally:
        await conn.close()
    return url


async def load_indexed_demo(pool: asyncpg.Pool) -> None:
    """The demo data indexed by the search worker: its outbox is left empty, as a server
    that kept up leaves it (a clone's rows would otherwise look minutes late)."""
    from search.outbox import OutboxConsumer
    from search.postgres import PostgresEngine
    from service.interop.demo import load_demo
    from service.search.engines import document_builder

    await load_demo(pool)
    engine = PostgresEngine(pool)
    await engine.prepare()
    await OutboxConsumer(pool, [engine], document_builder()).drain()


@pytest.fixture(scope="session")
async def demo_template(server_url: str, template_url: str) -> str:
    """The name of a template database holding the indexed demo catalogue (no people)."""
    url = await create_database(server_url, DEMO_TEMPLATE, TEMPLATE)
    pool = await create_pool(url, max_size=4)
    try:
        await load_indexed_demo(pool)
    finally:
        await pool.close()
    return DEMO_TEMPLATE


@pytest.fixture
async def db_url(
    request: pytest.FixtureRequest, server_url: str, template_url: str, demo_template: str
) -> AsyncIterator[str]:
    """A fresh database with every migration applied, dropped after the test; with the
    indexed demo catalogue when the test asks for `demo`."""
    template = demo_template if "demo" in request.fixturenames else TEMPLATE
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield await create_database(server_url, name, template)
    await drop_database(server_url, name)


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(db_url, max_size=5)
    yield pool
    await pool.close()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, run_worker=False)


def free_port() -> int:
    """A TCP port nobody listens on right now, on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def base_url(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[str]:
    """The application served by uvicorn on a loopback port, on this test's database."""
    from service.app import create_app
    from service.head import answer_head

    app = answer_head(create_app(settings, pool=pool))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def client(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        yield client


TokenFactory = Callable[..., Awaitable[str]]


@pytest.fixture
def make_token(pool: asyncpg.Pool) -> TokenFactory:
    """Create a user with a role (or coordinator) and return a bearer token for them."""
    from service.accounts import users
    from service.accounts.identity import create_token

    async def make(
        *, organisation_id: Any = None, role: str = "editor", coordinator: bool = False
    ) -> str:
        email = f"user-{uuid.uuid4().hex[:8]}@example.org"
        async with pool.acquire() as conn:
            user_id = await users.create_or_update(
                conn,
                email=email,
                organisation_id=organisation_id,
                role=role,
                coordinator=coordinator,
            )
            return await create_token(conn, user_id, "test")

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
