"""Search benchmark: N synthetic services, a full reindex, then HTTP load on search and /healthz.

    uv run python -m bench.search --services 100000 --duration 20 --json

Starts an embedded PostgreSQL (or uses DATABASE_URL's server) with a fresh database, loads
the synthetic catalogue, times a full reindex, starts `boussole serve` (with its worker) on a
loopback port, measures write-to-visible latency, then drives /api/v1/search with a mix of
queries and filters at a fixed concurrency for `--duration` seconds, and /healthz the same
way. The last line is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.synthetic import load
from service.db import migrations
from service.db.pool import create_pool

QUERIES = [
    "colis alimentaire",
    "colis",
    "logement",
    "logemant",
    "sans abri",
    "sdf",
    "epicerie sociale",
    "mediation de dettes",
    "dettes",
    "cpas",
    "aide",
    "restaurant social",
    "douche",
    "violences conjugales",
    "alphabetisation",
    "article 27",
    "energie",
    "papiers",
    "numerique",
    "vetements",
    "devoirs",
    "emploi",
    "relais sante",
    "dormir",
]
THEMES = ["food", "housing", "homelessness", "income", "health", "digital", "employment"]
COMMUNES = ["la-louviere", "ottignies-louvain-la-neuve"]
POINTS = [(50.479, 4.187), (50.666, 4.578), (50.465, 4.178)]


def search_params(rng: random.Random) -> dict[str, Any]:
    """One request of the mix: words, filters, distance, opening, paging."""
    kind = rng.random()
    params: dict[str, Any] = {"limit": 20}
    if kind < 0.35:
        params["q"] = rng.choice(QUERIES)
    elif kind < 0.55:
        params["q"] = rng.choice(QUERIES)
        params["commune"] = rng.choice(COMMUNES)
    elif kind < 0.65:
        params["theme"] = rng.choice(THEMES)
        params["commune"] = rng.choice(COMMUNES)
    elif kind < 0.75:
        params["q"] = rng.choice(QUERIES)
        lat, lon = rng.choice(POINTS)
        params.update(lat=lat, lon=lon, radius_km=5)
    elif kind < 0.85:
        params["q"] = rng.choice(QUERIES)
        params["open_now"] = "true"
    elif kind < 0.92:
        params["theme"] = rng.choice(THEMES)
        params.update(walk_in="true", free="true")
    else:
        params["q"] = rng.choice(QUERIES)
        params["offset"] = 20
    return params


async def drive(
    base_url: str, path: str, params_of: Any, concurrency: int, duration: float
) -> dict[str, float]:
    """`concurrency` clients in a loop for `duration` seconds; latency percentiles and rate."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(path, params=params_of(rng))
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors += 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()

    def percentile(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "rps": round(len(latencies) / elapsed, 1),
        "requests": len(latencies),
        "errors": errors,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def write_to_visible(pool: asyncpg.Pool, base_url: str, rounds: int = 10) -> list[float]:
    """Rename a service as the catalogue would (with its outbox row); time until it is found."""
    timings = []
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        for _ in range(rounds):
            word = f"zq{uuid.uuid4().hex[:10]}"
            async with pool.acquire() as conn, conn.transaction():
                service_id = await conn.fetchval(
                    "SELECT id FROM service WHERE status = 'active' ORDER BY random() LIMIT 1"
                )
                await conn.execute(
                    "UPDATE service SET name = name || ' ' || $2 WHERE id = $1", service_id, word
                )
                await conn.execute("SELECT enqueue_search($1::uuid[])", [service_id])
            started = time.perf_counter()
            while True:
                found = (await client.get("/api/v1/search", params={"q": word})).json()
                if found["total"]:
                    break
                if time.perf_counter() - started > 10:
                    raise RuntimeError("a write was not visible after 10 s")
                await asyncio.sleep(0.005)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """The whole benchmark; returns the figures."""
    server_url = os.environ.get("DATABASE_URL")
    handle = None
    tmp = tempfile.TemporaryDirectory(prefix="boussole-bench-")
    if not server_url:
        from service.db.embedded import start_embedded

        server_url, handle = start_embedded(Path(tmp.name))
    base, _, query = server_url.partition("?")
    name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")
    log = (lambda *a: None) if args.json else (lambda *a: print(*a, file=sys.stderr, flush=True))
    pool = await create_pool(url, max_size=4)
    server = None
    try:
        async with pool.acquire() as conn:
            await migrations.upgrade(conn)
        started = time.perf_counter()
        counts = await load(pool, args.services)
        log(f"loaded {counts} in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run(  # noqa: S603, ASYNC221 - nothing else runs meanwhile
            [
                sys.executable,
                "-m",
                "service.cli",
                "search",
                "reindex",
                "--engine",
                "postgres",
                *(["--quiet"] if args.json else []),
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL if args.json else sys.stderr,
        )
        reindex_s = round(time.perf_counter() - started, 1)
        log(f"reindex: {reindex_s} s")
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603, ASYNC220 - returns at once
            [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
            env={**env, "BOUSSOLE_RUN_WORKER": "true"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base_url) as client:
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        visible = await write_to_visible(pool, base_url)
        log(f"write to visible: {visible}")
        await drive(base_url, "/api/v1/search", search_params, args.concurrency, 2)  # warm up
        search = await drive(
            base_url, "/api/v1/search", search_params, args.concurrency, args.duration
        )
        log(f"search: {search}")
        healthz = await drive(base_url, "/healthz", lambda rng: {}, args.concurrency, args.duration)
        log(f"healthz: {healthz}")
        return {
            "services": args.services,
            "documents": counts["service_place"],
            "concurrency": args.concurrency,
            "reindex_s": reindex_s,
            "write_to_visible_ms": {
                "p50": round(statistics.median(visible), 1),
                "max": round(max(visible), 1),
            },
            "search": {k: search[k] for k in ("p50_ms", "p95_ms", "p99_ms", "rps", "errors")},
            "healthz": {"rps": healthz["rps"]},
            "ratio": round(search["rps"] / healthz["rps"], 3),
        }
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        await pool.close()
        admin = await asyncpg.connect(server_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        if handle is not None:
            handle.cleanup()
        tmp.cleanup()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="only the JSON line")
    args = parser.parse_args()
    result = asyncio.run(main(args))
    print(json.dumps(result))


if __name__ == "__main__":
    cli()
