"""`boussole search reindex`: rebuild every search document, without downtime."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import TextIO

from search.backend import BUMP_GENERATION, EngineUnavailable
from search.documents import DocumentNotBuilt
from search.outbox import requeue_written_since
from service.db.pool import open_database
from service.search.engines import document_builder, engines_for
from service.settings import Settings


def progress_bar(total: int, label: str, stream: TextIO | None = None) -> Callable[[int], None]:
    """A text progress bar: call it with how many items were just done."""
    out = stream or sys.stderr
    done = 0
    started = time.monotonic()

    def advance(count: int) -> None:
        nonlocal done
        done += count
        width = 30
        filled = width * done // total if total else width
        rate = done / max(time.monotonic() - started, 1e-6)
        line = f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} ({rate:.0f}/s)"
        print(line, end="" if done < total else "\n", file=out, flush=True)

    return advance


async def reindex(args: argparse.Namespace, settings: Settings) -> int:
    """Rebuild each engine's index from the catalogue."""
    async with open_database(settings) as pool:
        async with pool.acquire() as conn:
            total = await conn.fetchval("SELECT count(*) FROM service_place") or 0
            total += await conn.fetchval(
                "SELECT count(*) FROM service s WHERE NOT EXISTS "
                "(SELECT 1 FROM service_place sp WHERE sp.service_id = s.id)"
            )
        builder = document_builder()
        status = 0
        for engine in engines_for(settings, pool):
            if args.engine and engine.name != args.engine:
                continue
            started = time.monotonic()
            async with pool.acquire() as conn:
                since = await conn.fetchval("SELECT clock_timestamp()")
            try:
                await engine.prepare()
                count = await engine.reindex(
                    builder.build_all(pool, batch_size=args.batch_size),
                    progress_bar(total, engine.name) if not args.quiet else None,
                )
            except EngineUnavailable as error:
                print(f"error: {engine.name}: {error}", file=sys.stderr)
                status = 1
                continue
            except DocumentNotBuilt as error:
                # Every engine would stop there; each keeps every document it had.
                print(f"\nerror: {error}; correct it and run again", file=sys.stderr)
                return 1
            finally:
                await engine.close()
            async with pool.acquire() as conn:
                await conn.execute(BUMP_GENERATION)  # cached answers of every process go stale
            elapsed = time.monotonic() - started
            print(f"{engine.name}: {count} documents indexed in {elapsed:.1f} s")
            if requeued := await requeue_written_since(pool, since):
                print(f"{requeued} service(s) changed meanwhile, queued to be written again")
    return status


def configure(parser: argparse.ArgumentParser) -> None:
    """The `search` command and its subcommands."""
    sub = parser.add_subparsers(dest="search", required=True)
    rebuild = sub.add_parser("reindex", help="rebuild the search index (no downtime)")
    rebuild.add_argument("--engine", choices=["postgres", "meilisearch"], help="only this one")
    rebuild.add_argument("--batch-size", type=int, default=1000, help="services per batch")
    rebuild.add_argument("--quiet", action="store_true", help="no progress bar")
    rebuild.set_defaults(run=reindex)


COMMAND = ("search index maintenance", configure)
