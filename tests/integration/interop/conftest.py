"""A second database, cloned from the migrated template, to import an export into."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from service.db.pool import create_pool
from tests.conftest import TEMPLATE, create_database, drop_database


@pytest.fixture
async def other_pool(server_url: str, template_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool on another fresh database of the same server, dropped after the test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    pool = await create_pool(await create_database(server_url, name, TEMPLATE), max_size=3)
    yield pool
    await pool.close()
    await drop_database(server_url, name)
