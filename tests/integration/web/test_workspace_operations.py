"""Coordinators hear on their dashboard when the background work falls behind."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from service.settings import Settings
from tests.integration.web.conftest import Demo, sign_in
from tests.integration.web.test_workspace_service_edit import add_coordinator

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings(db_url: str) -> Settings:
    # A mail server is configured (the worker is off: nothing is sent in these tests).
    return Settings(database_url=db_url, run_worker=False, smtp_url="smtp://127.0.0.1:2525")


async def test_coordinators_hear_when_the_background_work_falls_behind(
    base_url: str, demo: Demo, pool: asyncpg.Pool
) -> None:
    """Mails not delivered concern the network: its coordinators see it on their dashboard,
    in their language; other members do not."""
    async with httpx.AsyncClient(
        base_url=base_url, timeout=30, headers={"Accept-Language": "fr"}
    ) as coordinator:
        await sign_in(coordinator, await add_coordinator(pool))
        quiet = (await coordinator.get("/workspace/")).text
        assert "Le travail de fond du service suit" in quiet
        await pool.execute(
            """INSERT INTO mail_outbox (recipient, template, language, subject, body_text,
                                        body_html, attempts, failed_at, last_error)
               VALUES ('someone@example.org', 'referral_received', 'fr', 's', 't', 'h', 5,
                       now() - interval '1 hour', 'SMTPRecipientsRefused')"""
        )
        troubled = (await coordinator.get("/workspace/")).text
        assert "Le travail de fond du service demande votre attention" in troubled
        assert "1 e-mail n'a pas pu être remis depuis hier." in troubled
        assert "someone@example.org" not in troubled
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        assert "boussole status" not in (await worker.get("/workspace/")).text
