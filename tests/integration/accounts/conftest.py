"""Fixtures for accounts and mail: people with passwords, a real SMTP server on loopback,
and helpers to read CSRF tokens and mails the way a browser and a mailbox would."""

from __future__ import annotations

import asyncio
import re
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller

from service.accounts import users
from service.accounts.identity import create_token
from service.accounts.passwords import hash_password
from service.settings import Settings

PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Mailbox:
    """What the SMTP server received."""

    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port, not started yet."""
    server = SmtpServer(free_port(), Mailbox())
    yield server
    server.stop()


@dataclass
class Person:
    user_id: uuid.UUID
    email: str
    password: str
    token: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def add_organisation(pool: asyncpg.Pool, name: str = "CPAS de La Louvière") -> uuid.UUID:
    async with pool.acquire() as conn:
        organisation_id: uuid.UUID = await conn.fetchval(
            "INSERT INTO organisation (name, kind) VALUES ($1, 'cpas') RETURNING id", name
        )
        return organisation_id


async def add_person(
    pool: asyncpg.Pool,
    *,
    organisation_id: uuid.UUID | None = None,
    role: str = "member",
    coordinator: bool = False,
    password: str | None = PASSWORD,
    email: str | None = None,
) -> Person:
    email = email or f"person-{uuid.uuid4().hex[:8]}@example.org"
    hashed = await hash_password(password) if password else None
    async with pool.acquire() as conn:
        user_id = await users.create_or_update(
            conn,
            email=email,
            organisation_id=organisation_id,
            role=role,
            coordinator=coordinator,
            password_hash=hashed,
        )
        token = await create_token(conn, user_id, "tests")
    return Person(user_id, email, password or "", token)


@pytest.fixture
async def organisation(pool: asyncpg.Pool) -> uuid.UUID:
    return await add_organisation(pool)


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    match = _CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match[1]


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    """Sign in through the login page, as a browser does."""
    page = await client.get("/workspace/login")
    return await client.post(
        "/workspace/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
    )


async def outbox(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT * FROM mail_outbox ORDER BY created_at")


def link_in(text: str, path: str) -> str:
    """The first link in a mail's text that goes to `path`."""
    match = re.search(rf"https?://\S+{re.escape(path)}\S+", text)
    assert match, f"no {path} link in the mail"
    return match[0]


@asynccontextmanager
async def serve(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    """The app with other settings, on its own loopback port."""
    from service.app import create_app

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, pool=pool),
            host="127.0.0.1",
            port=free_port(),
            log_level="warning",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.config.port
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        await task
