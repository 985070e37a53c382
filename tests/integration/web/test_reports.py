"""Reporting wrong information: the public form, the API, the editors' handling, throttling,
and the purge of old reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from service.catalogue import reports
from tests.conftest import TokenFactory
from tests.integration.web.conftest import FOOD_PARCELS, Demo, csrf_of, sign_in

pytestmark = pytest.mark.asyncio


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _report_mails(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch(
            "SELECT recipient, language, subject, body_text FROM mail_outbox"
            " WHERE template = 'service_report' ORDER BY recipient"
        )


async def test_anyone_reports_and_the_editors_handle_it(
    client: httpx.AsyncClient, base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    english = {"Accept-Language": "en"}
    service_page = await client.get(f"/services/{demo.service_id}", headers=english)
    form_path = f"/services/{demo.service_id}/report/"
    assert form_path in service_page.text
    form = await client.get(form_path, headers=english)
    assert form.status_code == 200 and "no names" in form.text
    token = csrf_of(form.text)

    nothing = await client.post(form_path, data={"csrf_token": token})
    assert nothing.status_code == 422 and 'id="kind-error"' in nothing.text
    vague = await client.post(form_path, data={"csrf_token": token, "kind": "other"})
    assert vague.status_code == 422 and 'id="details-error"' in vague.text
    nul = await client.post(
        form_path,
        data={"csrf_token": token, "kind": "hours", "details": "Fermé\x00le mercredi"},
        headers=english,
    )
    assert nul.status_code == 422 and 'id="details-error"' in nul.text
    assert "cannot be kept (NUL" in nul.text and "Say in a few words" not in nul.text
    assert ">Fermé\ufffdle mercredi</textarea>" in nul.text
    sent = await client.post(
        form_path,
        data={"csrf_token": token, "kind": "hours", "details": "Fermé le mercredi désormais."},
    )
    assert sent.status_code == 303
    thanks = await client.get(sent.headers["location"], headers=english)
    assert thanks.status_code == 200 and "has been told" in thanks.text

    mails = await _report_mails(pool)
    # The admins and editors of the Restos: here, its one editor (the member is not told).
    assert [m["recipient"] for m in mails] == [demo.editor]
    assert "Fermé le mercredi désormais." in mails[0]["body_text"]
    assert "horaires sont faux" in mails[0]["body_text"]  # the organisation reads French
    assert f"/workspace/services/{demo.service_id}/edit" in mails[0]["body_text"]

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as browser:
        await sign_in(browser, demo.editor)
        browser.cookies.set("boussole_lang", "en")
        dashboard = await browser.get("/workspace/")
        assert "Problems reported about your services" in dashboard.text
        assert "The hours are wrong" in dashboard.text
        assert "Fermé le mercredi désormais." in dashboard.text
        async with pool.acquire() as conn:
            report_id = await conn.fetchval("SELECT id FROM service_report")
        handled = await browser.post(
            f"/workspace/reports/{report_id}/handled", data={"csrf_token": csrf_of(dashboard.text)}
        )
        assert handled.status_code == 303
        after = await browser.get(handled.headers["location"])
        assert "The report is marked as handled." in after.text
        assert "Fermé le mercredi désormais." not in after.text

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as stranger:
        await sign_in(stranger, demo.worker)  # a CPAS member: not the Restos' editor
        page = await stranger.get("/workspace/")
        assert "Problems reported" not in page.text
        token = csrf_of((await stranger.get("/workspace/logout")).text)
        refused = await stranger.post(
            f"/workspace/reports/{report_id}/handled", data={"csrf_token": token}
        )
        assert refused.status_code == 403


async def test_the_report_page_marks_the_service_name_in_its_organisation_language(
    client: httpx.AsyncClient, pool: asyncpg.Pool, demo: Demo
) -> None:
    """A Dutch page about a French service: the name is marked French, as on the service page
    (a screen reader reads it with a French voice), on the form and when it comes back with
    what to correct; and Dutch once the organisation writes in Dutch."""
    form_path = f"/services/{demo.service_id}/report/"
    dutch = {"Accept-Language": "nl"}
    form = await client.get(form_path, headers=dutch)
    assert f'<p lang="fr">{FOOD_PARCELS}</p>' in form.text
    wrong = await client.post(form_path, data={"csrf_token": csrf_of(form.text)}, headers=dutch)
    assert wrong.status_code == 422 and f'<p lang="fr">{FOOD_PARCELS}</p>' in wrong.text
    await pool.execute("UPDATE organisation SET language = 'nl' WHERE id = $1", demo.receiver_org)
    again = await client.get(form_path, headers={"Accept-Language": "fr"})
    assert f'<p lang="nl">{FOOD_PARCELS}</p>' in again.text


async def test_the_api_takes_reports_without_sign_in_and_lists_them_to_editors(
    client: httpx.AsyncClient, pool: asyncpg.Pool, demo: Demo, make_token: TokenFactory
) -> None:
    path = f"/api/v1/services/{demo.service_id}/reports"
    created = await client.post(path, json={"kind": "contact", "details": "Nouveau numéro."})
    assert created.status_code == 201, created.text
    wrong = await client.post(path, json={"kind": "weather"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "kind"
    vague = await client.post(path, json={"kind": "other", "details": "  "})
    assert vague.status_code == 422 and vague.json()["errors"][0]["field"] == "details"
    long = await client.post(path, json={"kind": "other", "details": "x" * 1001})
    assert long.status_code == 422 and long.json()["errors"][0]["field"] == "details"
    extra = await client.post(path, json={"kind": "hours", "email": "me@example.org"})
    assert extra.status_code == 422  # no field for the reporter's identity
    missing = await client.post(
        "/api/v1/services/00000000-0000-0000-0000-000000000000/reports", json={"kind": "hours"}
    )
    assert missing.status_code == 404

    editor = bearer(await make_token(organisation_id=demo.receiver_org, role="editor"))
    listed = await client.get("/api/v1/reports", headers=editor)
    assert listed.status_code == 200
    assert [(r["kind"], r["details"]) for r in listed.json()] == [("contact", "Nouveau numéro.")]
    other = bearer(await make_token(organisation_id=demo.sender_org, role="editor"))
    assert (await client.get("/api/v1/reports", headers=other)).json() == []
    coordinator = bearer(await make_token(coordinator=True))
    assert len((await client.get("/api/v1/reports", headers=coordinator)).json()) == 1
    assert (await client.get("/api/v1/reports")).status_code == 401

    report_id = created.json()["id"]
    handled = f"/api/v1/reports/{report_id}/handled"
    assert (await client.post(handled, headers=other)).status_code == 403
    assert (await client.post(handled, headers=editor)).status_code == 204
    assert (await client.post(handled, headers=editor)).status_code == 409
    assert (await client.get("/api/v1/reports", headers=editor)).json() == []


async def test_reports_are_throttled_per_address(
    client: httpx.AsyncClient, pool: asyncpg.Pool, demo: Demo
) -> None:
    path = f"/api/v1/services/{demo.service_id}/reports"
    for _ in range(reports.REPORTS_PER_ADDRESS.most):
        assert (await client.post(path, json={"kind": "hours"})).status_code == 201
    refused = await client.post(path, json={"kind": "hours"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM service_report") == 10
    form = await client.get(f"/services/{demo.service_id}/report/")
    page = await client.post(
        f"/services/{demo.service_id}/report/",
        data={"csrf_token": csrf_of(form.text), "kind": "hours"},
    )
    assert page.status_code == 429 and 'role="alert"' in page.text


def days(count: int) -> timedelta:
    return timedelta(days=count)


async def test_old_reports_are_deleted(pool: asyncpg.Pool, demo: Demo) -> None:
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        await conn.executemany(
            "INSERT INTO service_report (service_id, kind, details, created_at, handled_at)"
            " VALUES ($1, 'other', $2, $3, $4)",
            [
                (demo.service_id, "handled long ago", now - days(40), now - days(31)),
                (demo.service_id, "handled lately", now - days(40), now - days(2)),
                (demo.service_id, "never handled, old", now - days(181), None),
                (demo.service_id, "waiting", now - days(20), None),
            ],
        )
    assert await reports.purge_reports(pool, now) == 2
    async with pool.acquire() as conn:
        left = await conn.fetch("SELECT details FROM service_report ORDER BY details")
    assert [r["details"] for r in left] == ["handled lately", "waiting"]
