"""`boussole serve` on its own embedded PostgreSQL; CLI commands reach the same database;
the embedded server stops when the service stops."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.asyncio


async def _run(*args: str, env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode == 0, out.decode()
    return out.decode()


def _postgres_running(data_dir: Path) -> bool:
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and str(data_dir) in " ".join(
            process.info["cmdline"] or []
        ):
            return True
    return False


async def _until_it_answers(client: httpx.AsyncClient) -> None:
    """Wait for /healthz to answer 200 (a minute at most: the embedded server starts first)."""
    for _ in range(600):
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    pytest.fail("the service did not start")


async def test_serve_cli_and_embedded_lifecycle(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEILI_URL"}},
        "BOUSSOLE_DATA_DIR": str(tmp_path / "data"),
        "BOUSSOLE_RUN_WORKER": "false",
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service.cli", "serve", "--port", str(port), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            await _until_it_answers(client)
            org_id = (await _run("org", "create", "--name", "Relais Santé", env=env)).split()[-1]
            await _run("user", "create", "--email", "ed@example.org", "--org", org_id,
                       "--role", "editor", env=env)  # fmt: skip
            token = (await _run("token", "create", "--user", "ed@example.org", env=env)).split()[-1]
            organisation = await client.get(f"/api/v1/organisations/{org_id}")
            assert organisation.json()["name"] == "Relais Santé"
            patched = await client.patch(
                f"/api/v1/organisations/{org_id}",
                json={"description": "Relais santé de bas seuil"},
                headers={"Authorization": f"Bearer {token}", "If-Match": '"1"'},
            )
            assert patched.status_code == 200, patched.text
            # What people search for and the secrets of links stay out of the access log.
            await client.get("/", params={"q": "hepatite anonyme"})
            await client.get("/workspace/login/link/not-a-real-secret-4821")
        assert _postgres_running(tmp_path / "data")
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.wait(), 30)
    assert server.stdout is not None
    logged = (await server.stdout.read()).decode()
    assert '"GET /?… HTTP/1.1" 200' in logged and "/workspace/login/link/…" in logged
    assert "hepatite" not in logged and "not-a-real-secret-4821" not in logged
    for _ in range(50):
        if not _postgres_running(tmp_path / "data"):
            break
        await asyncio.sleep(0.1)
    assert not _postgres_running(tmp_path / "data")


async def test_serve_demo_is_searchable_from_the_first_request(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEILI_URL"}},
        "BOUSSOLE_DATA_DIR": str(tmp_path / "data"),
    }
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service.cli", "serve", "--demo", "--port", str(port), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            await _until_it_answers(client)
            found = (await client.get("/api/v1/search", params={"q": "colis"})).json()
        assert found["total"] > 0
        assert found["engine"] == "postgres"
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.wait(), 30)


async def test_a_worker_stopped_by_sigterm_stops_its_embedded_server(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MEILI_URL"}},
        "BOUSSOLE_DATA_DIR": str(tmp_path / "data"),
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service.cli", "worker", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert worker.stdout is not None
    try:
        while b"worker running" not in await asyncio.wait_for(worker.stdout.readline(), 60):
            pass
        assert _postgres_running(tmp_path / "data")
    finally:
        worker.send_signal(signal.SIGTERM)
        rest = await asyncio.wait_for(worker.stdout.read(), 30)  # to its end: a full pipe blocks
        assert await asyncio.wait_for(worker.wait(), 30) == 0, rest.decode()
    for _ in range(50):
        if not _postgres_running(tmp_path / "data"):
            break
        await asyncio.sleep(0.1)
    assert not _postgres_running(tmp_path / "data")
