"""The search worker task: run by `boussole serve` and `boussole worker`."""

from __future__ import annotations

import contextlib

import asyncpg

from search.backend import EngineUnavailable
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


async def index_pending(pool: asyncpg.Pool, settings: Settings) -> int:
    """Apply what the outbox holds now and return how many changes every engine took: a
    server that has just loaded the demo finds it from its first search. An engine that
    does not answer keeps its rows for the worker, as always."""
    engines = engines_for(settings, pool)
    try:
        for engine in engines:
            with contextlib.suppress(EngineUnavailable):
                await engine.prepare()
        return await OutboxConsumer(pool, engines, document_builder()).drain()
    finally:
        for engine in engines:
            await engine.close()
