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
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import asyncpg
import httpx

from bench.synthetic import load
from service.db import migrations
from service.db.pool import create_pool

# Words people type, most frequent first: requests follow a Zipf-like law, as search logs
# do, over a space far larger than what one run can repeat (pairs, points, pages, filters).
WORDS = [
    "colis", "logement", "aide", "sans abri", "cpas", "dettes", "epicerie", "douche",
    "alimentaire", "sdf", "emploi", "vetements", "dormir", "energie", "papiers", "sante",
    "numerique", "devoirs", "logemant", "restaurant social", "mediation", "violences",
    "alphabetisation", "article 27", "relais", "accueil de jour", "permanence", "juridique",
    "etrangers", "formation", "cv", "internet", "enfants", "repas", "lessive", "gaz",
    "electricite", "garantie locative", "soins", "medecin", "carte medicale", "ecoute",
    "hebergement", "victimes", "francais", "lire", "cinema", "theatre", "solidarite",
    "croix rouge", "maison medicale", "cohesion sociale", "entraide", "pont", "colis alimentaires",
    "surendettement", "seconde main", "ordinateur", "sejour", "nationalite", "epiceri", "dete",
    "la louviere", "ottignies", "haine", "louvain",
]  # fmt: skip
WEIGHTS = [1 / (rank + 1) for rank in range(len(WORDS))]
THEMES = [
    "food", "housing", "homelessness", "income", "health", "digital", "employment",
    "food.food-parcels", "food.social-grocery", "admin", "family", "clothing", "culture",
]  # fmt: skip
COMMUNES = ["la-louviere", "ottignies-louvain-la-neuve"]
CENTRES = [(50.479, 4.187), (50.666, 4.578), (50.465, 4.178), (50.68, 4.61)]
LANGUAGES = ["fr", "nl", "ar", "en", "tr"]


def _words(rng: random.Random) -> str:
    first = rng.choices(WORDS, WEIGHTS)[0]
    if rng.random() < 0.35:
        return f"{first} {rng.choices(WORDS, WEIGHTS)[0]}"
    return first


def search_params(rng: random.Random) -> dict[str, Any]:
    """One request of the mix: words, filters, distance, opening, paging."""
    params: dict[str, Any] = {"limit": 20}
    if rng.random() < 0.8:
        params["q"] = _words(rng)
    else:
        params["theme"] = rng.choices(THEMES, WEIGHTS[: len(THEMES)])[0]
    if rng.random() < 0.35:
        params["commune"] = rng.choice(COMMUNES)
    if rng.random() < 0.15:
        # A point near a commune, anywhere: coordinates never repeat.
        lat, lon = rng.choice(CENTRES)
        params["lat"] = round(lat + rng.gauss(0, 0.02), 5)
        params["lon"] = round(lon + rng.gauss(0, 0.03), 5)
        if rng.random() < 0.5:
            params["radius_km"] = rng.choice([2, 5, 10])
    if rng.random() < 0.12:
        params["open_now"] = "true"
    for name, share in (("free", 0.1), ("walk_in", 0.1), ("wheelchair", 0.05)):
        if rng.random() < share:
            params[name] = "true"
    if rng.random() < 0.05:
        params["language"] = rng.choice(LANGUAGES)
    if rng.random() < 0.05:
        params["age"] = rng.randint(5, 80)
    if rng.random() < 0.25:
        params["offset"] = rng.choice([20, 40, 60, rng.randrange(0, 200)])
    return params


class Connection:
    """One keep-alive HTTP/1.1 connection of the load generator.

    It asks for gzip as browsers do and reads each answer whole (by its length or its
    chunks) without decompressing or decoding it. httpx, which decodes everything, cost the
    generator 1.4 ms of CPU a search on the same two cores as the server and PostgreSQL: a
    third of the machine, taken from what is measured (wrk-like clients cost a tenth of it).
    """

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self._head = f"Host: {parts.netloc}\r\nAccept-Encoding: gzip\r\nUser-Agent: bench\r\n\r\n"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, params: dict[str, Any]) -> tuple[int, bytes]:
        """The status and the (still encoded) body of GET path?params."""
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        target = f"{path}?{urlencode(params)}" if params else path
        self._writer.write(f"GET {target} HTTP/1.1\r\n{self._head}".encode())
        head = (await self._reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status_line, _, header_lines = head.partition("\r\n")
        headers = {}
        for line in header_lines.split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.lower()] = value.strip()
        if "content-length" in headers:
            body = await self._reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding") == "chunked":
            chunks = []
            while size := int((await self._reader.readuntil(b"\r\n"))[:-2].split(b";")[0], 16):
                chunks.append(await self._reader.readexactly(size))
                await self._reader.readexactly(2)
            await self._reader.readuntil(b"\r\n")  # no trailers are sent
            body = b"".join(chunks)
        else:
            raise RuntimeError(f"an answer without length: {status_line}")
        if headers.get("connection") == "close":
            await self.close()
        return int(status_line.split(" ", 2)[1]), body

    async def close(self) -> None:
        """Close the connection (the next request opens another)."""
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


async def drive(
    base_url: str, path: str, params_of: Any, concurrency: int, duration: float, seed: int = 7
) -> dict[str, float]:
    """`concurrency` clients in a loop for `duration` seconds; latency percentiles and rate."""
    latencies: list[float] = []
    errors = 0
    seen: set[str] = set()
    deadline = time.perf_counter() + duration
    rng = random.Random(seed)

    async def worker() -> None:
        nonlocal errors
        connection = Connection(base_url)
        try:
            while time.perf_counter() < deadline:
                params = params_of(rng)
                seen.add(json.dumps(params, sort_keys=True))
                started = time.perf_counter()
                status, body = await connection.get(path, params)
                latencies.append(time.perf_counter() - started)
                if status != 200 or not body:
                    errors += 1
        finally:
            await connection.close()

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
        "distinct": len(seen),
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


FIGURES = ("p50_ms", "p95_ms", "p99_ms", "rps", "requests", "distinct", "errors")


async def start_server(env: dict[str, str], *, cache: bool) -> tuple[subprocess.Popen[bytes], str]:
    """`boussole serve` with its worker on a loopback port, once /healthz answers."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603, ASYNC220 - returns at once
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**env, "BOUSSOLE_RUN_WORKER": "true", "BOUSSOLE_SEARCH_CACHE": str(int(cache))},
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
    return server, base_url


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop a server started by `start_server`."""
    server.terminate()
    server.wait(timeout=30)


@contextlib.asynccontextmanager
async def catalogue_database(
    services: int, log: Callable[..., None]
) -> AsyncIterator[tuple[str, asyncpg.Pool, dict[str, int]]]:
    """A new database loaded with `services` synthetic services: its URL, a pool, the counts.

    On the embedded server (started for the run) or DATABASE_URL's; dropped afterwards.
    """
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
    pool = await create_pool(url, max_size=4)
    try:
        async with pool.acquire() as conn:
            await migrations.upgrade(conn)
        started = time.perf_counter()
        counts = await load(pool, services)
        log(f"loaded {counts} in {time.perf_counter() - started:.1f} s")
        yield url, pool, counts
    finally:
        await pool.close()
        admin = await asyncpg.connect(server_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        if handle is not None:
            handle.cleanup()
        tmp.cleanup()


def reindex(url: str, *, quiet: bool) -> float:
    """`boussole search reindex --engine postgres` on the database at `url`; seconds taken."""
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own command
        [
            sys.executable,
            "-m",
            "service.cli",
            "search",
            "reindex",
            "--engine",
            "postgres",
            *(["--quiet"] if quiet else []),
        ],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        stdout=subprocess.DEVNULL if quiet else sys.stderr,
    )
    return round(time.perf_counter() - started, 1)


def logger_for(args: argparse.Namespace) -> Callable[..., None]:
    """Progress on stderr, or nothing with --json."""
    if args.json:
        return lambda *a: None
    return lambda *a: print(*a, file=sys.stderr, flush=True)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    """The whole benchmark; returns the figures."""
    log = logger_for(args)
    async with catalogue_database(args.services, log) as (url, pool, counts):
        reindex_s = reindex(url, quiet=args.json)  # blocks: nothing else runs yet
        log(f"reindex: {reindex_s} s")
        # Load and reindex leave gigabytes of WAL behind: the checkpoint that writes them out
        # would otherwise run during the measured phases (spread over minutes by
        # `checkpoint_completion_target`), which is no search's doing.
        try:
            async with pool.acquire() as conn:
                await conn.execute("CHECKPOINT")
        except asyncpg.InsufficientPrivilegeError:
            log("no CHECKPOINT (the role lacks pg_checkpoint): the first phase may pay for it")
        env = {**os.environ, "DATABASE_URL": url}
        server, base_url = await start_server(env, cache=not args.no_cache)
        try:
            visible = await write_to_visible(pool, base_url)
            log(f"write to visible: {visible}")
            # Warm up on other requests than those measured: the cache only helps as it would.
            await drive(base_url, "/api/v1/search", search_params, args.concurrency, 2, seed=1)
            search = await drive(
                base_url, "/api/v1/search", search_params, args.concurrency, args.duration
            )
            log(f"search: {search}")
            healthz = await drive(
                base_url, "/healthz", lambda rng: {}, args.concurrency, args.duration
            )
            log(f"healthz: {healthz}")
            result: dict[str, Any] = {
                "services": args.services,
                "documents": counts["service_place"],
                "concurrency": args.concurrency,
                "cache": not args.no_cache,
                "reindex_s": reindex_s,
                "write_to_visible_ms": {
                    "p50": round(statistics.median(visible), 1),
                    "max": round(max(visible), 1),
                },
                "search": {k: search[k] for k in FIGURES},
                "healthz": {"rps": healthz["rps"]},
                "ratio": round(search["rps"] / healthz["rps"], 3),
            }
            if not args.no_cache:
                # The same requests again on a server without the answer cache: cold figures.
                stop_server(server)
                server, base_url = await start_server(env, cache=False)
                await drive(base_url, "/api/v1/search", search_params, args.concurrency, 2, seed=1)
                cold = await drive(
                    base_url, "/api/v1/search", search_params, args.concurrency, args.duration
                )
                log(f"search without cache: {cold}")
                result["cold"] = {
                    **{k: cold[k] for k in FIGURES},
                    "ratio": round(cold["rps"] / healthz["rps"], 3),
                }
            return result
        finally:
            stop_server(server)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else "")
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="only the JSON line")
    parser.add_argument(
        "--no-cache", action="store_true", help="serve without the answer cache (no cold rerun)"
    )
    args = parser.parse_args()
    result = asyncio.run(main(args))
    print(json.dumps(result))


if __name__ == "__main__":
    cli()
