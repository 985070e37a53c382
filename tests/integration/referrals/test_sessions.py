"""A worker signed in with a session cookie reads the referral page the mails link to; the
API's actions need the session's CSRF token."""

from __future__ import annotations

import re

import asyncpg
import httpx
import pytest

from tests.integration.accounts.conftest import PASSWORD, add_person, csrf_of, sign_in
from tests.integration.referrals.conftest import (
    BENEFICIARY,
    Network,
    queued_mails,
    referral_body,
)

pytestmark = pytest.mark.asyncio


async def test_signed_in_worker_reads_the_page_and_answers_with_csrf(
    client: httpx.AsyncClient, base_url: str, network: Network, pool: asyncpg.Pool
) -> None:
    created = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    referral = created.json()
    person = await add_person(pool, organisation_id=network.receiver_org, role="member")

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        page_url = f"/referrals/{referral['id']}"
        before = await browser.get(page_url)
        assert before.status_code == 303
        assert before.headers["location"] == f"/workspace/login?next={page_url}"

        signed_in = await sign_in(browser, person.email, PASSWORD)
        assert signed_in.status_code in (200, 303), signed_in.text
        page = await browser.get(page_url, params={"lang": "nl"})
        assert page.status_code == 200, page.text
        assert BENEFICIARY["last_name"] in page.text and "Tijdlijn" in page.text

        without_token = await browser.post(f"/api/v1/referrals/{referral['id']}/accept")
        assert without_token.status_code == 403
        token = csrf_of((await browser.get("/workspace/account")).text)
        accepted = await browser.post(
            f"/api/v1/referrals/{referral['id']}/accept", headers={"X-CSRF-Token": token}
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["events"][-1]["actor"] == person.email


async def test_the_mails_link_to_the_workspace_page_where_the_referral_is_answered(
    client: httpx.AsyncClient,
    base_url: str,
    network: Network,
    pool: asyncpg.Pool,
    empty_outbox: None,
) -> None:
    """ "Accept, decline or redirect it in Boussole: <link>": the link opens the page with
    those answers, in the reader's language, not a read-only page in French."""
    created = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    referral_id = created.json()["id"]
    received = next(m for m in await queued_mails(pool) if m["template"] == "referral_received")
    link = re.search(r"https?://\S+/referrals/\S+", received["body_text"])
    assert link is not None
    path = "/" + link[0].split("/", 3)[3]
    assert path == f"/workspace/referrals/{referral_id}"

    person = await add_person(pool, organisation_id=network.receiver_org, role="member")
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        before = await browser.get(path)
        assert before.status_code == 303
        assert before.headers["location"].startswith("/workspace/login?next=")
        await sign_in(browser, person.email, PASSWORD)
        browser.cookies.set("boussole_lang", "nl")
        page = await browser.get(path)
        assert page.status_code == 200, page.text
        assert f'action="/workspace/referrals/{referral_id}/accept"' in page.text
        assert "Aanvaarden" in page.text


async def test_the_read_only_page_says_statuses_and_codes_in_words(
    client: httpx.AsyncClient, network: Network
) -> None:
    """`/referrals/{id}?lang=nl` (the page for callers of the API, and the link of mails
    sent before they linked to the workspace): "Geweigerd", "Geen plaats", "Telefonisch",
    not the codes declined, no_capacity, phone, nor "send" for a step."""
    created = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    url = f"/api/v1/referrals/{created.json()['id']}"
    declined = await client.post(
        f"{url}/decline", json={"reason_code": "no_capacity"}, headers=network.receiver.headers
    )
    assert declined.status_code == 200
    page = await client.get(
        f"/referrals/{created.json()['id']}",
        params={"lang": "nl"},
        headers=network.receiver.headers,
    )
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert '<span class="status">Geweigerd</span>' in text
    assert "<dd>Telefonisch</dd>" in text and "<dd>Nederlands, Français</dd>" in text
    assert "— Verstuurd ·" in text and "— Geweigerd (Geen plaats) ·" in text
    for code in ("declined", "no_capacity", ">phone<", "— send", "— decline"):
        assert code not in text, code


async def test_the_read_only_page_is_in_the_readers_language_without_lang(
    client: httpx.AsyncClient, network: Network
) -> None:
    """Without `?lang=`, the page is in the language the reader chose for the pages (their
    cookie) or their browser's, as every other page; it was always French."""
    created = await client.post(
        "/api/v1/referrals", json=referral_body(network), headers=network.worker.headers
    )
    page_url = f"/referrals/{created.json()['id']}"
    dutch = await client.get(
        page_url, headers={**network.receiver.headers, "Accept-Language": "nl-BE,nl;q=0.9"}
    )
    assert "Tijdlijn" in dutch.text and '<html lang="nl">' in dutch.text
    english = await client.get(
        page_url, headers={**network.receiver.headers, "Cookie": "boussole_lang=en"}
    )
    assert "Timeline" in english.text
    asked = await client.get(
        page_url,
        params={"lang": "fr"},
        headers={**network.receiver.headers, "Cookie": "boussole_lang=en"},
    )
    assert "Historique" in asked.text
