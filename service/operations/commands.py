"""`boussole status`: whether the background work keeps up; exit code 1 when it does not,
for cron and monitoring."""

from __future__ import annotations

import argparse

import msgspec

from schemas.operations import OperationsStatus, Queue
from service.db.pool import open_database
from service.operations.status import status_for
from service.settings import Settings


def _line(name: str, queue: Queue) -> str:
    oldest = f", oldest {queue.oldest_waiting_s:.0f} s" if queue.oldest_waiting_s else ""
    given_up = (
        f", {queue.given_up_last_day} given up in the past day" if queue.given_up_last_day else ""
    )
    return f"{name:<9} {queue.waiting} waiting ({queue.retrying} retrying{oldest}){given_up}"


def report(status: OperationsStatus) -> str:
    """The status as a few lines for a terminal."""
    lines = [
        f"status: {status.status}",
        f"search engine: {status.search_engine}",
        _line("search", status.search),
        _line("mail", status.mail),
        _line("webhooks", status.webhooks),
        f"referrals past expiry: {status.referrals_past_expiry}",
        f"personal data past retention: {status.personal_data_past_retention}",
    ]
    return "\n".join(lines + [f"! {sentence}" for sentence in status.attention])


async def status(args: argparse.Namespace, settings: Settings) -> int:
    """Print the state of the queues and jobs; 1 when something needs attention."""
    async with open_database(settings, upgrade=False) as pool, pool.acquire() as conn:
        found = await status_for(conn, settings)
    print(msgspec.json.encode(found).decode() if args.json else report(found))
    return 0 if found.status == "ok" else 1


def configure(parser: argparse.ArgumentParser) -> None:
    """The `status` command."""
    parser.add_argument("--json", action="store_true", help="the status as JSON")
    parser.set_defaults(run=status)


COMMAND = ("whether the background work keeps up (exit 1 if not)", configure)
