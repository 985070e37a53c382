"""The outbox consumer: keeps every engine in step with the catalogue, losing nothing.

Catalogue writes add `search_outbox` rows in their own transaction and NOTIFY. The consumer
wakes on the notification (or polls, should the listening connection fail), claims rows with
FOR UPDATE SKIP LOCKED so that several workers share the work, rebuilds the documents and
writes them to each engine. A row is done only once every engine confirmed; an engine that
fails is retried with backoff while the others go on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from search.backend import BUMP_GENERATION, EngineUnavailable, SearchEngine
from search.documents import DocumentBuilder

logger = logging.getLogger(__name__)

CHANNEL = "search_outbox"

_CLAIM = """
SELECT id, service_id::text AS service_id, engines_done, attempts
FROM search_outbox
WHERE done_at IS NULL AND next_attempt_at <= now()
ORDER BY id
LIMIT $1
FOR UPDATE SKIP LOCKED
"""

# One service at a time: a worker holds the lock of each service of its batch until its
# transaction ends, so two workers (`serve` and `boussole worker`) never write an older
# version of a document after a newer one. Taken in key order: no deadlock.
_LOCK_SERVICES = """
SELECT count(pg_advisory_xact_lock(key))
FROM (SELECT DISTINCT service_lock_key(s) AS key FROM unnest($1::text[]) AS s ORDER BY 1) AS k
"""

_FINISH = """
UPDATE search_outbox AS o
SET engines_done = string_to_array(u.engines, ','),
    done_at = CASE WHEN u.done THEN now() END,
    attempts = o.attempts + CASE WHEN u.done THEN 0 ELSE 1 END,
    next_attempt_at = CASE WHEN u.done THEN o.next_attempt_at
                           ELSE now() + make_interval(secs => u.delay) END,
    last_error = u.error
FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::float8[], $5::text[])
     AS u(id, engines, done, delay, error)
WHERE o.id = u.id
"""

_SCHEDULE_REFRESH = """
WITH wanted AS (
    SELECT unnest($1::uuid[]) AS service_id, unnest($2::timestamptz[]) AS due_at
),
gone AS (
    DELETE FROM search_refresh r
    WHERE r.service_id = ANY($3::uuid[])
      AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.service_id = r.service_id)
)
INSERT INTO search_refresh (service_id, due_at)
SELECT service_id, due_at FROM wanted
ON CONFLICT (service_id) DO UPDATE SET due_at = excluded.due_at
"""

# Documents whose date came: queue them like any change, in one statement.
_ENQUEUE_DUE = """
WITH due AS (DELETE FROM search_refresh WHERE due_at <= now() RETURNING service_id)
SELECT count(*)
FROM (SELECT enqueue_search(array_agg(service_id)) FROM due HAVING count(*) > 0) AS queued
"""

_PURGE_DONE = "DELETE FROM search_outbox WHERE done_at < now() - interval '7 days'"

# Services the consumer wrote since a moment, queued again. A rebuild reads the catalogue a
# batch at a time; a change written by the consumer between a batch's read and its write
# would be overwritten by the older version. The margin covers a consumer transaction that
# began just before the moment.
_REQUEUE_WRITTEN_SINCE = """
WITH written AS (
    SELECT array_agg(DISTINCT service_id) AS ids
    FROM search_outbox WHERE done_at >= $1::timestamptz - interval '1 minute'
)
SELECT coalesce(cardinality(ids), 0) AS queued, enqueue_search(ids)
FROM written
"""


async def requeue_written_since(pool: asyncpg.Pool, since: datetime) -> int:
    """Queue again every service whose documents the consumer wrote since `since` (a
    rebuild's start): whatever the rebuild wrote over them is rewritten from the catalogue."""
    async with pool.acquire() as conn:
        queued: int = await conn.fetchval(_REQUEUE_WRITTEN_SINCE, since)
    return queued


def backoff_seconds(attempts: int, maximum: float = 300.0) -> float:
    """Wait before retry number `attempts + 1`: 1 s, 2 s, 4 s... up to `maximum`, with jitter."""
    delay: float = min(maximum, 2.0 ** min(attempts, 20))
    return delay * random.uniform(0.8, 1.0)  # noqa: S311 - jitter, not a secret


EngineReport = Callable[[str, str | None], None]
"""Told after each write: the engine's name and the error, or None when it worked."""


@dataclass
class OutboxConsumer:
    """Applies pending outbox rows to the engines."""

    pool: asyncpg.Pool
    engines: Sequence[SearchEngine]
    builder: DocumentBuilder
    batch_size: int = 200
    poll_interval: float = 1.0
    refresh_interval: float = 60.0
    max_backoff: float = 300.0
    report: EngineReport | None = None

    async def run_once(self) -> tuple[int, int]:
        """Claim one batch and apply it; return (rows claimed, rows now done)."""
        names = [engine.name for engine in self.engines]
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_CLAIM, self.batch_size)
            if not rows:
                return 0, 0
            service_ids = sorted({row["service_id"] for row in rows})
            await conn.execute(_LOCK_SERVICES, service_ids)
            documents, reasons = await self.builder.build_each(conn, service_ids)
            # A service whose document cannot be built: its rows wait with backoff and say
            # why, and the rest of the batch goes on.
            broken = {service_id: f"document not built: {r}" for service_id, r in reasons.items()}
            for service_id, reason in reasons.items():
                logger.error("search document of service %s not built: %s", service_id, reason)
            errors: dict[str, str] = {}
            bump = False
            for engine in self.engines:
                # Not the services whose documents could not be built: replacing them with
                # nothing would delete what the engine has of them.
                needing = sorted(
                    {row["service_id"] for row in rows if engine.name not in row["engines_done"]}
                    - broken.keys()
                )
                if not needing:
                    continue
                wanted = set(needing)
                try:
                    await engine.replace(needing, [d for d in documents if d.service_id in wanted])
                except EngineUnavailable as error:
                    errors[engine.name] = str(error)[:500]
                    logger.warning("search engine %s failed: %s", engine.name, error)
                else:
                    # The engine's documents changed: cached answers are now stale.
                    bump = bump or not getattr(engine, "bumps_generation", False)
                if self.report:
                    self.report(engine.name, errors.get(engine.name))
            ids, engines_done, done, delays, messages = [], [], [], [], []
            for row in rows:
                failure = broken.get(row["service_id"])
                finished = [
                    n
                    for n in names
                    if n in row["engines_done"] or (n not in errors and failure is None)
                ]
                complete = len(finished) == len(names)
                ids.append(row["id"])
                engines_done.append(",".join(finished))
                done.append(complete)
                delays.append(
                    0.0 if complete else backoff_seconds(row["attempts"], self.max_backoff)
                )
                messages.append(None if complete else failure or "; ".join(errors.values()))
            await conn.execute(_FINISH, ids, engines_done, done, delays, messages)
            if bump:
                await conn.execute(BUMP_GENERATION)
            built = [service_id for service_id in service_ids if service_id not in broken]
            await self._schedule_refresh(conn, built, documents)
            return len(rows), sum(done)

    async def _schedule_refresh(
        self, conn: asyncpg.Connection, service_ids: list[str], documents: Sequence[object]
    ) -> None:
        due: dict[str, int] = {}
        for document in documents:
            refresh_at = getattr(document, "refresh_at", None)
            service_id: str = getattr(document, "service_id", "")
            if refresh_at is not None:
                due[service_id] = min(refresh_at, due.get(service_id, refresh_at))
        await conn.execute(
            _SCHEDULE_REFRESH,
            list(due),
            [datetime.fromtimestamp(ts, UTC) for ts in due.values()],
            service_ids,
        )

    async def drain(self) -> int:
        """Apply every row that is due; return how many were completed."""
        completed = 0
        while True:
            claimed, done = await self.run_once()
            completed += done
            if claimed < self.batch_size:
                return completed

    async def enqueue_due_refreshes(self) -> int:
        """Queue the services whose documents depend on a date that came."""
        async with self.pool.acquire() as conn:
            queued: int = await conn.fetchval(_ENQUEUE_DUE)
            await conn.execute(_PURGE_DONE)
        return queued

    async def run(self) -> None:
        """Forever: wake on NOTIFY or every `poll_interval`, apply what is due."""
        wake = asyncio.Event()

        def notified(*_: object) -> None:
            wake.set()

        for engine in self.engines:
            with contextlib.suppress(EngineUnavailable):
                await engine.prepare()
        while True:
            try:
                async with self.pool.acquire() as listener:
                    await listener.add_listener(CHANNEL, notified)
                    try:
                        await self._loop(wake)
                    finally:
                        with contextlib.suppress(Exception):
                            await listener.remove_listener(CHANNEL, notified)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # The database went away or a bug: keep the worker alive, try again soon.
                logger.error("search outbox consumer: %s: %s", type(error).__name__, error)
                await asyncio.sleep(self.poll_interval)

    async def _loop(self, wake: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        last_refresh = -float("inf")
        while True:
            if loop.time() - last_refresh >= self.refresh_interval:
                await self.enqueue_due_refreshes()
                last_refresh = loop.time()
            wake.clear()
            await self.drain()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=self.poll_interval)
