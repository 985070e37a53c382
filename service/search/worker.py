"""The search worker task: run by `boussole serve` and `boussole worker`."""

from __future__ import annotations

import asyncpg

from search.outbox import OutboxConsumer
from service.search.engines import document_builder, engines_for
from service.settings import Settings


async def run_search_outbox(pool: asyncpg.Pool, settings: Settings) -> None:
    """Keep the search engines in step with the catalogue until cancelled."""
    engines = engines_for(settings, pool)
    try:
        await OutboxConsumer(pool, engines, document_builder()).run()
    finally:
        for engine in engines:
            await engine.close()
