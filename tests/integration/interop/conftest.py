"""A second database, cloned from the migrated template, to import an export into."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from service.db.pool import create_pool
from tests.conftest import TEMPLATE, database_url


@pytest.fixture
async def other_pool(server_url: str, template_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on another fresh database of the same server, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    finally:
        await admin.close()
    pool = await create_pool(database_url(server_url, name), max_size=3)
    yield pool
    await pool.close()
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
