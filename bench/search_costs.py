"""What the parts of a PostgreSQL search cost over the benchmark's mix, one statement at a time.

    uv run python -m bench.search_costs --services 100000 --requests 300 --json

Loads N synthetic services and reindexes them as `bench/search.py` does, then runs the first
`--requests` requests of its mix (same seed) on one connection, without HTTP, and times each
of these statements built from the engine's own pieces (`search.postgres.search_parts`):

- `search`: the statement that reads every match (page, exact total, facets), as the engine
  runs it below BOUSSOLE_SEARCH_BITMAPS_FROM documents;
- `bitmaps`: the engine's statement on its bitmaps (migration 019), as it runs at this size
  (both exact and tiered: the same page, total and facets on small tiers);
- `exact_total`: only counting the matches;
- `total_up_to_1000`: counting at most 1,000 of them (what an estimated total would need);
- `ranked_page`: only the page in answer order (every match ranked), no total, no facets;
- `page_by_name`: the page ordered by name, no ranking, no total, no facets;
- `held_statement`: the statement handed the page worked out from the bitmaps held in the
  server (`search.held`), as the engine runs it at this size once it holds them;
- `held_search`: the engine's whole search on the held bitmaps, in process (numpy, the
  statement, the documents decoded): what the others compare with.

Each statement is run over the whole mix twice; the second pass is reported (tables in
memory), as milliseconds a request on average and at the 95th percentile. The last line is
JSON. Set against what a search may cost for the target ratio (a search at 0.30 × the rate
of /healthz on the same two cores), it tells which promises of the API can fit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg

from bench.search import catalogue_database, logger_for, reindex, search_params
from schemas.search import SearchFilters
from search.backend import TZ, EngineQuery
from search.bitmaps import filter_sets
from search.held import TERMS, given_to_statement, matches, terms_from
from search.postgres import (
    Compiled,
    PostgresEngine,
    compile_bitmap,
    compile_search,
    query_words,
    search_parts,
)
from service.search.routes import filters_from


def engine_query(params: dict[str, Any], at: datetime) -> EngineQuery:
    """A request of the mix as the API hands it to the engine."""
    filters: SearchFilters = filters_from(
        theme=[params["theme"]] if "theme" in params else None,
        type_=None,
        commune=None,
        section=None,
        age=params.get("age"),
        gender=None,
        situation=None,
        free=True if "free" in params else None,
        walk_in=True if "walk_in" in params else None,
        unconditional=None,
        language=[params["language"]] if "language" in params else None,
        wheelchair=True if "wheelchair" in params else None,
        open_at=at if params.get("open_now") else None,
        lat=params.get("lat"),
        lon=params.get("lon"),
        radius_km=params.get("radius_km"),
    )
    if "commune" in params:
        # The mix names communes by their ids: what the API resolves what was typed to.
        filters.communes = [params["commune"]]
    return EngineQuery(
        text=params.get("q", ""),
        filters=filters,
        limit=params.get("limit", 20),
        offset=params.get("offset", 0),
    )


def statements(query: EngineQuery) -> dict[str, Compiled]:
    """The statements timed for one request, each with its own arguments."""
    result = {
        "search": compile_search(query),
        "bitmaps": compile_bitmap(query, filter_sets(query.filters)),
    }

    def piece(build: Callable[[Any, str, str], str]) -> Compiled:
        compiled = Compiled("")
        parts = search_parts(query, compiled)
        with_query = f"WITH {parts.text_cte.rstrip(',')}" if parts.text else ""
        # Every piece selects the distance, so that each uses all the arguments it was given.
        rows = (
            f"SELECT d.id, d.name, {parts.distance} AS distance_km "
            f"FROM search_document d{parts.text_from} WHERE {parts.where}"
        )
        compiled.sql = f"{with_query} {build(parts, rows, str(query.offset + query.limit))}"
        return compiled

    result["exact_total"] = piece(lambda parts, rows, k: f"SELECT count(*) FROM ({rows}) AS m")
    result["total_up_to_1000"] = piece(
        lambda parts, rows, k: f"SELECT count(*) FROM ({rows} LIMIT 1000) AS m"
    )
    result["ranked_page"] = piece(
        lambda parts, rows, k: (
            f"SELECT d.id, d.name, {parts.tier} AS tier, {parts.rank} AS rank, "
            f"{parts.distance} AS distance_km FROM search_document d{parts.text_from} "
            f"WHERE {parts.where} ORDER BY {parts.order} LIMIT {k}"
        )
    )
    result["page_by_name"] = piece(
        lambda parts, rows, k: (
            f"SELECT * FROM ({rows}) AS d ORDER BY distance_km NULLS LAST, name, id LIMIT {k}"
        )
    )
    return result


async def time_statements(
    pool: asyncpg.Pool, requests: list[EngineQuery]
) -> dict[str, dict[str, float]]:
    """Mean and 95th percentile of each statement over the requests (second pass)."""
    compiled = [statements(query) for query in requests]
    figures: dict[str, dict[str, float]] = {}
    async with pool.acquire() as conn:
        for name in compiled[0]:
            for _ in range(2):
                timings = []
                for each in compiled:
                    started = time.perf_counter()
                    await conn.fetch(each[name].sql, *each[name].args)
                    timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            figures[name] = {
                "mean_ms": round(sum(timings) / len(timings), 2),
                "p95_ms": round(timings[int(0.95 * len(timings))], 2),
            }
    return figures


async def time_held(pool: asyncpg.Pool, requests: list[EngineQuery]) -> dict[str, dict[str, float]]:
    """On the bitmaps held in the server (`search.held`): the statement handed the page
    alone (`held_statement`), and the engine's whole search (`held_search`: words, filters,
    page and facets in numpy, the statement, the documents decoded), second pass each."""
    engine = PostgresEngine(pool, bitmaps_from=0)
    await engine.hold()
    held = engine._held
    assert held is not None
    handed = []
    async with pool.acquire() as conn:
        for query in requests:
            words = query_words(query)
            terms = terms_from(await conn.fetch(TERMS, *words[:2])) if words else None
            sets = filter_sets(query.filters)
            found = matches(held, sets, terms, fallback=bool(words and words[2]))
            end = query.offset + query.limit
            given, _ = given_to_statement(held, found, query.filters, query.offset, end, 500)
            handed.append(compile_bitmap(query, sets, given=given))
    figures: dict[str, dict[str, float]] = {}
    for name in ("held_statement", "held_search"):
        for _ in range(2):
            timings = []
            async with pool.acquire() as conn:
                for query, compiled in zip(requests, handed, strict=True):
                    started = time.perf_counter()
                    if name == "held_statement":
                        await conn.fetch(compiled.sql, *compiled.args)
                    else:
                        await engine.search(query)
                    timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        figures[name] = {
            "mean_ms": round(sum(timings) / len(timings), 2),
            "p95_ms": round(timings[int(0.95 * len(timings))], 2),
        }
    await engine.close()
    return figures


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """Load, reindex, time; returns the figures."""
    log = logger_for(args)
    rng = random.Random(7)
    at = datetime.now(TZ)
    requests = [engine_query(search_params(rng), at) for _ in range(args.requests)]
    async with catalogue_database(args.services, log) as (url, pool, counts):
        log(f"reindex: {reindex(url, quiet=args.json)} s")  # blocks: nothing else runs yet
        async with pool.acquire() as conn:
            await conn.execute("VACUUM ANALYZE search_document")
        figures = await time_statements(pool, requests)
        figures |= await time_held(pool, requests)
        log(figures)
        return {
            "services": args.services,
            "documents": counts["service_place"],
            "requests": args.requests,
            "statements": figures,
        }


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300, help="requests of the mix")
    parser.add_argument("--json", action="store_true", help="only the JSON line")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args))))


if __name__ == "__main__":
    cli()
