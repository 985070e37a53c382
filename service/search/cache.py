"""Exact answer cache of /api/v1/search, like Elasticsearch's shard request cache.

An answer is cached under the normalised request, the search generation and the Brussels
minute. The generation changes whenever any engine's documents change (migration 007); each
app process learns the new value from `NOTIFY search_generation` on a connection of its own.
Opening hours have minute resolution, so within one minute every opening state is constant:
a cached answer is the answer, not an approximation of it. When the listening connection is
lost the cache is emptied and the generation is read from the database on every request
until the connection is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime
from typing import Any

import asyncpg

from search.backend import GENERATION_CHANNEL, READ_GENERATION

logger = logging.getLogger(__name__)

RECONNECT_DELAY = 1.0
"""Seconds between attempts to listen again after the connection was lost."""


def minute_of(moment: datetime) -> int:
    """Whole minutes since the epoch: opening states are constant within one."""
    return int(moment.timestamp()) // 60


class AnswerCache:
    """A bounded LRU of answers, for one generation at a time."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._generation: int | None = None
        self.hits = 0
        self.misses = 0

    def get(self, generation: int, key: Hashable) -> Any | None:
        """The answer cached for `key` at `generation`, or None."""
        if generation != self._generation:
            self.misses += 1
            return None
        answer = self._entries.get(key)
        if answer is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return answer

    def put(self, generation: int, key: Hashable, answer: Any) -> None:
        """Keep `answer`; entries of an older generation are dropped, never served."""
        if self._generation is None or generation > self._generation:
            self._entries.clear()
            self._generation = generation
        elif generation < self._generation:
            return  # computed before a write that has since been seen: already stale
        self._entries[key] = answer
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
        self._generation = None

    def __len__(self) -> int:
        return len(self._entries)


class GenerationWatch:
    """The current search generation, kept up to date by LISTEN on a dedicated connection."""

    def __init__(self, pool: asyncpg.Pool, cache: AnswerCache) -> None:
        self._pool = pool
        self._cache = cache
        self._generation: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self._stopping = False
        self.listening = False

    async def current(self) -> int:
        """The generation to key answers on; read from the database while not listening."""
        if self.listening and self._generation is not None:
            return self._generation
        async with self._pool.acquire() as conn:
            value: int = await conn.fetchval(READ_GENERATION)
        return value

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        with contextlib.suppress(ValueError):
            value = int(payload)
            if self._generation is None or value > self._generation:
                self._generation = value

    def _terminated(self, _conn: object) -> None:
        self._lose("listening connection closed")

    def _lose(self, reason: str) -> None:
        if self.listening and not self._stopping:
            logger.warning("search cache: %s; reading the generation per request", reason)
        self.listening = False
        self._generation = None
        self._cache.clear()
        self._lost.set()

    async def start(self) -> None:
        """Listen in the background until `stop`."""
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                async with self._pool.acquire() as conn:
                    self._lost.clear()
                    conn.add_termination_listener(self._terminated)
                    await conn.add_listener(GENERATION_CHANNEL, self._notified)
                    try:
                        value = await conn.fetchval(READ_GENERATION)
                        if self._generation is None or value > self._generation:
                            self._generation = value
                        self.listening = True
                        await self._lost.wait()
                    finally:
                        self._lose("listening stopped")
                        with contextlib.suppress(Exception):
                            await conn.remove_listener(GENERATION_CHANNEL, self._notified)
                        with contextlib.suppress(Exception):
                            conn.remove_termination_listener(self._terminated)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self._lose(f"{type(error).__name__}: {error}")
            await asyncio.sleep(RECONNECT_DELAY)

    async def stop(self) -> None:
        """Stop listening."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        self.listening = False
