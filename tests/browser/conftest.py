"""Browser tests: Playwright driving Debian's Chromium against the app on a loopback port.

One browser for the whole session (it takes about a second to start); each test gets its own
context (cookies, language, viewport) and its own database with the indexed demo data.
Playwright cannot download browsers here: `apt-get install chromium` provides
/usr/bin/chromium, and the tests are skipped with a message when it is absent.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from tests.integration.web.conftest import PASSWORD, Demo, demo_network

CHROMIUM = os.environ.get("BOUSSOLE_CHROMIUM", "/usr/bin/chromium")
HAS_CHROMIUM = os.path.exists(CHROMIUM)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
ON_A_PHONE: dict[str, Any] = {"viewport": PHONE, "is_mobile": True, "has_touch": True}
"""A browser context as on a phone (touch, its viewport, mobile layout rules)."""
SEVERE = {"serious", "critical"}


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    if not HAS_CHROMIUM:
        pytest.skip(
            f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium); "
            "Playwright cannot download one here"
        )
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def demo(pool: asyncpg.Pool) -> Demo:
    return await demo_network(pool)


@contextlib.asynccontextmanager
async def page_in(browser: Any, **options: Any) -> AsyncIterator[Any]:
    """A page in a browser context of its own (a fresh profile: no cookies), closed after."""
    context = await browser.new_context(**options)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def severe_violations(page: Any) -> list[str]:
    """What axe finds of impact serious or critical on the page, one line each."""
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in SEVERE
    ]


async def sign_in(page: Any, base_url: str, email: str) -> None:
    """Through the sign-in form, as a person does."""
    await page.goto(f"{base_url}/workspace/login")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.press("#password", "Enter")
    await page.wait_for_url(lambda url: "/login" not in url)
