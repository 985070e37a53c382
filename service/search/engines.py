"""The engines the service uses: Meilisearch when configured, PostgreSQL always (the fallback)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from schemas.search import ExceptionDoc
from search.backend import EngineQuery, EngineUnavailable, SearchEngine
from search.documents import DocumentBuilder
from search.meilisearch import MeilisearchEngine
from search.postgres import PostgresEngine
from search.results import Answer, IsOpen, search_exact
from service.hours import DatedException, Hours
from service.search.cache import AnswerCache, GenerationWatch
from service.search.territories import Territories, TerritoryCache
from service.settings import Settings

logger = logging.getLogger(__name__)

COOL_DOWN = 5.0
"""After Meilisearch failed, seconds during which searches go straight to PostgreSQL."""


def open_intervals(
    opening_hours: str | None, exceptions: Sequence[ExceptionDoc], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The catalogue's own evaluation of hours, for the document builder."""
    hours = Hours(
        opening_hours,
        [
            DatedException(
                date.fromisoformat(e.starts_on),
                date.fromisoformat(e.ends_on),
                e.opening_hours,
                e.message,
            )
            for e in exceptions
        ],
    )
    if not hours.known:
        return []
    return list(hours.open_intervals(start, end))


def document_builder() -> DocumentBuilder:
    """The builder, with the catalogue's hours evaluation."""
    return DocumentBuilder(open_intervals)


def engines_for(settings: Settings, pool: asyncpg.Pool) -> list[SearchEngine]:
    """Every engine to keep up to date: PostgreSQL, and Meilisearch when configured."""
    engines: list[SearchEngine] = [PostgresEngine(pool, bitmaps_from=settings.search_bitmaps_from)]
    if settings.meili_url:
        engines.append(
            MeilisearchEngine(
                settings.meili_url, settings.meili_api_key, index=settings.meili_index
            )
        )
    return engines


@dataclass
class SearchRuntime:
    """The search side of a running app: its engines, and whether Meilisearch answers."""

    settings: Settings
    _engines: list[SearchEngine] | None = None
    _meili_failed_at: float | None = None
    _meili_error: str | None = None
    _fallbacks: int = 0
    _prepared: bool = field(default=False)
    cache: AnswerCache | None = None
    _watch: GenerationWatch | None = None
    _territories: TerritoryCache = field(default_factory=TerritoryCache)

    async def territories(self, pool: asyncpg.Pool) -> Territories:
        """What `commune`, `section` and `area` may name, read now and then."""
        return await self._territories.get(pool)

    async def start(self, pool: asyncpg.Pool) -> None:
        """Start listening for generation changes, when answers are cached."""
        if self.settings.search_cache:
            self.cache = AnswerCache()
            self._watch = GenerationWatch(pool, self.cache)
            await self._watch.start()

    async def warm(self, pool: asyncpg.Pool) -> None:
        """Read what searches will need before the first one asks: the PostgreSQL engine's
        bitmaps, on a large catalogue (`search.held`)."""
        postgres = self.engines(pool)[0]
        if isinstance(postgres, PostgresEngine):
            await postgres.warm()

    async def stop(self) -> None:
        """Stop listening and close the engines' connections (Meilisearch's HTTP client)."""
        if self._watch is not None:
            await self._watch.stop()
            self._watch = None
        for engine in self._engines or []:
            await engine.close()
        self._engines = None

    async def generation(self) -> int | None:
        """The search generation answers are cached under; None when nothing is cached."""
        if self.cache is None or self._watch is None:
            return None
        return await self._watch.current()

    @property
    def preferred_engine(self) -> str:
        """The engine that answers when all is well: only its answers are cached."""
        return "meilisearch" if self.settings.meili_url else "postgres"

    def engines(self, pool: asyncpg.Pool) -> list[SearchEngine]:
        """The engines, created on first use (the pool exists only once the app started)."""
        if self._engines is None:
            self._engines = engines_for(self.settings, pool)
        return self._engines

    async def search(
        self, pool: asyncpg.Pool, query: EngineQuery, is_open: IsOpen | None
    ) -> tuple[Answer, str]:
        """Search with Meilisearch if it is configured and up, else with PostgreSQL."""
        engines = self.engines(pool)
        postgres, meili = engines[0], engines[1] if len(engines) > 1 else None
        cooling = (
            self._meili_failed_at is not None
            and time.monotonic() - self._meili_failed_at < COOL_DOWN
        )
        if meili is not None and not cooling:
            try:
                if not self._prepared:
                    await meili.prepare()
                    self._prepared = True
                answer = await search_exact(meili, query, is_open)
                self._meili_failed_at, self._meili_error = None, None
                return answer, meili.name
            except EngineUnavailable as error:
                logger.warning("meilisearch unavailable, answering from postgres: %s", error)
                self._meili_failed_at, self._meili_error = time.monotonic(), str(error)[:300]
        if meili is not None:
            self._fallbacks += 1
        return await search_exact(postgres, query, is_open), postgres.name

    def health(self) -> dict[str, Any]:
        """For /healthz: which engine answers, and why not Meilisearch when it does not."""
        if not self.settings.meili_url:
            return {"status": "ok", "engine": "postgres"}
        if self._meili_failed_at is not None:
            return {
                "status": "degraded",
                "engine": "postgres",
                "meilisearch": "unreachable",
                "error": self._meili_error,
                "fallbacks": self._fallbacks,
            }
        return {"status": "ok", "engine": "meilisearch", "meilisearch": "ok"}

    async def close(self) -> None:
        """Close the engines' connections."""
        for engine in self._engines or []:
            await engine.close()
