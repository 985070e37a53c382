"""Statistics with small counts hidden, the printable slip, and personal data kept out of
logs, search documents, mails, webhooks and statistics."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from service.referrals.jobs import (
    deliver_webhooks,
    erase_expired_personal_data,
    expire_overdue,
    send_reminders,
)
from service.referrals.policy import Policy
from service.settings import Settings
from tests.conftest import TokenFactory, bearer
from tests.integration.referrals.conftest import (
    BENEFICIARY,
    Capture,
    Network,
    queued_mails,
    referral_body,
)

pytestmark = pytest.mark.asyncio


async def _send(client: httpx.AsyncClient, network: Network, **extra: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/referrals", json=referral_body(network, **extra), headers=network.worker.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _answer(
    client: httpx.AsyncClient, network: Network, referral: dict[str, Any], action: str, **body: Any
) -> None:
    response = await client.post(
        f"/api/v1/referrals/{referral['id']}/{action}", json=body, headers=network.receiver.headers
    )
    assert response.status_code == 200, response.text


async def test_statistics_hide_small_counts(
    client: httpx.AsyncClient, network: Network, make_token: TokenFactory
) -> None:
    for _ in range(5):
        await _answer(client, network, await _send(client, network), "accept")
    for _ in range(5):
        await _answer(
            client, network, await _send(client, network), "decline", reason_code="no_capacity"
        )
    declined_other = await _send(client, network)
    await _answer(client, network, declined_other, "decline", reason_code="not_eligible")
    housing = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, service_id=str(network.housing_service_id), place_id=None),
        headers=network.worker.headers,
    )
    assert housing.status_code == 201, housing.text

    coordinator = bearer(await make_token(coordinator=True))
    response = await client.get("/api/v1/referrals/stats", headers=coordinator)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["total"] == 12
    month = datetime.now(UTC).astimezone().strftime("%Y-%m")
    assert stats["per_month"][-1]["month"][:4] == month[:4]
    assert sum(m["sent"] or 0 for m in stats["per_month"]) == 12
    themes = {t["theme"]: t for t in stats["per_theme"]}
    # One housing referral is hidden; the food ones with it, or 12 - 11 would give it back.
    assert themes["food"]["referrals"] is None
    assert themes["housing"]["referrals"] is None
    # One decline for eligibility is hidden, and the 5 for capacity beside it.
    assert themes["food"]["no_capacity"] is None and themes["food"]["not_eligible"] is None
    organisations = {o["name"]: o for o in stats["per_organisation"]}
    assert organisations["CPAS de La Louvière"]["sent"] == 12
    assert organisations["Logetoît"]["received"] is None
    assert organisations["Épicerie sociale du Centre"]["received"] is None  # 12 - 1
    statuses = {c["key"]: c["count"] for c in stats["statuses"]}
    assert statuses == {"accepted": None, "declined": 6, "sent": None}  # 12 - 6 - 5 = 1
    reasons = {c["key"]: c["count"] for c in stats["decline_reasons"]}
    assert reasons == {"no_capacity": None, "not_eligible": None}  # 6 declined - 5 = 1
    assert stats["acceptance_rate"] is None  # with the 6 declined, it gives the 5 accepted
    assert stats["median_hours_to_answer"] is not None
    # 6 final out of 12, the declined, all shown: the rate gives nothing hidden back.
    assert stats["closed_loop_rate"] == 0.5
    assert [t["theme"] for t in stats["unmet_needs"]] == ["food"]

    exported = await client.get(
        "/api/v1/referrals/stats", params={"format": "csv"}, headers=coordinator
    )
    assert exported.status_code == 200
    # One charset: "text/csv; charset=utf-8; charset=utf-8" was sent before.
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "key", "metric", "value"]
    assert ["theme", "housing", "referrals", "hidden"] in rows
    assert ["unmet_needs", "food", "no_capacity", "hidden"] in rows
    assert ["status", "declined", "count", "6"] in rows
    assert not any(value in {"1", "2", "3", "4"} for *_, value in rows[1:])

    # Members read their own organisation's figures, not another's.
    mine = await client.get("/api/v1/referrals/stats", headers=network.worker.headers)
    assert mine.status_code == 200 and mine.json()["organisation_id"] == str(network.sender_org)
    theirs = await client.get(
        "/api/v1/referrals/stats",
        params={"organisation_id": str(network.receiver_org)},
        headers=network.worker.headers,
    )
    assert theirs.status_code == 403
    empty = await client.get(
        "/api/v1/referrals/stats",
        params={"from": "2020-01-01", "to": "2020-12-31"},
        headers=coordinator,
    )
    assert empty.json()["total"] == 0 and empty.json()["acceptance_rate"] is None
    assert (await client.get("/api/v1/referrals/stats")).status_code == 401


def _nothing_found_by_subtraction(total: int | None, counts: list[int | None]) -> None:
    """Counts that add up to a shown total: none hidden, or more than one."""
    if total is not None:
        assert sum(c is None for c in counts) != 1, (total, counts)


async def test_hidden_counts_cannot_be_found_again_by_subtraction(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool, make_token: TokenFactory
) -> None:
    # 7 referrals: 5 to the épicerie and 1 to the housing service, this month; 1 to the
    # épicerie last month, which is then accepted. Alone, each 1 would be given back by the 7.
    for _ in range(5):
        await _send(client, network)
    housing = await client.post(
        "/api/v1/referrals",
        json=referral_body(network, service_id=str(network.housing_service_id), place_id=None),
        headers=network.worker.headers,
    )
    assert housing.status_code == 201, housing.text
    earlier = await _send(client, network)
    await _answer(client, network, earlier, "accept")
    await pool.execute(
        "UPDATE referral SET created_at = created_at - interval '32 days' WHERE id = $1",
        earlier["id"],
    )

    coordinator = bearer(await make_token(coordinator=True))
    network_wide = (await client.get("/api/v1/referrals/stats", headers=coordinator)).json()
    own = (await client.get("/api/v1/referrals/stats", headers=network.worker.headers)).json()
    for stats in (network_wide, own):
        assert stats["total"] == 7
        statuses = {c["key"]: c["count"] for c in stats["statuses"]}
        assert statuses == {"accepted": None, "sent": None}  # was sent 6, so accepted 1
        assert stats["acceptance_rate"] is None
        assert [m["sent"] for m in stats["per_month"]] == [None, None]  # 1 and 6
        organisations = {o["name"]: o for o in stats["per_organisation"]}
        assert organisations["CPAS de La Louvière"]["sent"] == 7
        assert organisations["Épicerie sociale du Centre"]["received"] is None  # 6
        assert organisations["Logetoît"]["received"] is None  # 1
        _nothing_found_by_subtraction(stats["total"], list(statuses.values()))
        _nothing_found_by_subtraction(stats["total"], [t["referrals"] for t in stats["per_theme"]])
        sent = organisations["CPAS de La Louvière"]["sent"]
        _nothing_found_by_subtraction(sent, [m["sent"] for m in stats["per_month"]])
        others = [o for o in stats["per_organisation"] if o["name"] != "CPAS de La Louvière"]
        _nothing_found_by_subtraction(sent, [o["received"] for o in others])
    assert [m["received"] for m in network_wide["per_month"]] == [None, None]
    themes = {t["theme"]: t["referrals"] for t in network_wide["per_theme"]}
    assert themes == {"food": None, "housing": None}  # 6 and 1


async def _csv_of_a_sender_named(
    client: httpx.AsyncClient, network: Network, make_token: TokenFactory, name: str
) -> httpx.Response:
    """The statistics as CSV, once the sender is named `name` and sent five referrals."""
    url = f"/api/v1/organisations/{network.sender_org}"
    version = (await client.get(url)).headers["etag"]
    renamed = await client.patch(
        url, json={"name": name}, headers={**network.sender_admin.headers, "If-Match": version}
    )
    assert renamed.status_code == 200, renamed.text
    for _ in range(5):
        await _send(client, network)
    coordinator = bearer(await make_token(coordinator=True))
    exported = await client.get(
        "/api/v1/referrals/stats", params={"format": "csv"}, headers=coordinator
    )
    assert exported.status_code == 200, exported.text
    return exported


async def test_an_organisation_name_is_never_a_formula_in_the_csv(
    client: httpx.AsyncClient, network: Network, make_token: TokenFactory
) -> None:
    evil = '=HYPERLINK("https://evil.example/","Epicerie")'
    exported = await _csv_of_a_sender_named(client, network, make_token, evil)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    # The name reads as text (a leading apostrophe); the count next to it stays a number.
    assert ["organisation", "'" + evil, "sent", "5"] in rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


async def test_the_csv_opens_in_excel_with_its_accents(
    client: httpx.AsyncClient, network: Network, make_token: TokenFactory
) -> None:
    # Excel reads a UTF-8 file without a byte order mark as Windows-1252: "SÃ©curitÃ©".
    name = "Sécurité sociale — Clôturée à Liège"
    exported = await _csv_of_a_sender_named(client, network, make_token, name)
    assert exported.content.startswith(b"\xef\xbb\xbfsection,key,metric,value\r\n")
    # One mark, then UTF-8: what Python reads with utf-8-sig, pandas and R as it is.
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "key", "metric", "value"]
    assert ["organisation", name, "sent", "5"] in rows


async def test_a_wrong_period_or_format_is_a_problem_naming_the_parameter(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    coordinator = bearer(await make_token(coordinator=True))
    for params, field in (
        ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"format": "xml"}, "format"),
        # No such organisation (deleted, a stale link): not the figures of nobody, all 0.
        ({"organisation_id": "00000000-0000-0000-0000-000000000000"}, "organisation_id"),
    ):
        response = await client.get("/api/v1/referrals/stats", params=params, headers=coordinator)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in response.json()["errors"]] == [field], params
    one_day = await client.get(
        "/api/v1/referrals/stats",
        params={"from": "2026-03-01", "to": "2026-03-01"},
        headers=coordinator,
    )
    assert one_day.status_code == 200, one_day.text


async def test_printable_slip(
    client: httpx.AsyncClient, network: Network, pool: asyncpg.Pool
) -> None:
    await pool.execute(
        """UPDATE service SET phones = '[{"number": "+3264277811", "label": "Accueil"}]'
           WHERE id = $1""",
        network.service_id,
    )
    referral = await _send(client, network)
    url = f"/referrals/{referral['id']}/slip"
    anonymous = await client.get(url)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/workspace/login?next={url}"

    # The person speaks Dutch first: the slip defaults to Dutch.
    page = await client.get(url, headers=network.worker.headers)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="nl">' in html and "Volgende openingen" in html
    assert referral["reference"] in html
    assert "Épicerie sociale" in html and "Rue Albert Ier 12, 7100 La Louvière" in html
    assert "https://www.openstreetmap.org/?mlat=50.478600&amp;mlon=4.187200" in html
    assert "Attestation du CPAS" in html
    # Its number, dialled in E.164 and written as people read it out.
    assert '<a href="tel:+3264277811">064 27 78 11</a>' in html
    assert "@media print" in html
    assert BENEFICIARY["last_name"] not in html and BENEFICIARY["first_name"] not in html
    # Next openings are listed on the days the service is held (Mo, We, Fr 9–12).
    assert any(day in html for day in ("maandag", "woensdag", "vrijdag"))
    assert "09:00–12:00" in html
    # The usual week in words, not in the OpenStreetMap syntax.
    assert "maandag 09:00–12:00 · woensdag 09:00–12:00 · vrijdag 09:00–12:00" in html
    assert "gesloten op feestdagen" in html and "PH off" not in html

    french = await client.get(url, params={"lang": "fr"}, headers=network.receiver.headers)
    assert '<html lang="fr">' in french.text and "Documents à apporter" in french.text
    assert "lundi" in french.text or "mercredi" in french.text or "vendredi" in french.text
    english = await client.get(url, params={"lang": "en"}, headers=network.receiver.headers)
    assert "Documents to bring" in english.text
    assert (
        await client.get(url, params={"lang": "de"}, headers=network.worker.headers)
    ).status_code == 422

    # The service closed for a while: the slip says so and lists no openings.
    await pool.execute(
        "UPDATE service SET status = 'temporarily_closed' WHERE id = $1", network.service_id
    )
    closed = await client.get(url, params={"lang": "en"}, headers=network.worker.headers)
    assert "closed for now" in closed.text and "Next openings" not in closed.text
    await pool.execute("UPDATE service SET status = 'active' WHERE id = $1", network.service_id)

    # Declined, it sends the person nowhere: no slip, and the page offers none.
    declined = await client.post(
        f"/api/v1/referrals/{referral['id']}/decline",
        json={"reason_code": "no_capacity"},
        headers=network.receiver.headers,
    )
    assert declined.status_code == 200, declined.text
    refused = await client.get(url, params={"lang": "fr"}, headers=network.worker.headers)
    assert refused.status_code == 409
    assert "plus valable" in refused.text and "Rue Albert Ier" not in refused.text
    detail = await client.get(f"/referrals/{referral['id']}", headers=network.worker.headers)
    assert "/slip" not in detail.text


async def test_what_shows_the_person_is_kept_by_no_cache(
    client: httpx.AsyncClient, network: Network
) -> None:
    referral = await _send(client, network)
    for url in (
        f"/referrals/{referral['id']}",
        f"/api/v1/referrals/{referral['id']}",
        "/api/v1/referrals?box=outbox",
    ):
        answer = await client.get(url, headers=network.worker.headers)
        assert answer.status_code == 200, url
        assert answer.headers["cache-control"] == "no-store", url
    page = await client.get(f"/referrals/{referral['id']}", headers=network.worker.headers)
    assert page.headers["referrer-policy"] == "no-referrer"


async def _build_search_documents(pool: asyncpg.Pool, settings: Settings) -> None:
    """Run the search outbox once, as the worker would, so search documents exist."""
    try:
        from search.outbox import OutboxConsumer
        from service.search.engines import document_builder, engines_for
    except ImportError:  # no search index in this build: nothing to check there
        return
    engines = engines_for(settings, pool)
    try:
        await OutboxConsumer(pool, engines, document_builder()).drain()
    finally:
        for engine in engines:
            await engine.close()


@pytest.mark.webhooks_to_loopback
async def test_personal_data_stays_out_of_logs_search_mails_and_statistics(
    client: httpx.AsyncClient,
    network: Network,
    pool: asyncpg.Pool,
    all_logs: Capture,
    make_token: TokenFactory,
    settings: Settings,
) -> None:
    secrets_of_the_person = [
        BENEFICIARY["first_name"],
        BENEFICIARY["last_name"],
        BENEFICIARY["phone"],
        "zephirine.q@example.net",
        "Besoin d'un accès",
    ]
    await client.put(
        f"/api/v1/organisations/{network.receiver_org}/referral-webhook",
        json={"url": "http://127.0.0.1:9/unreachable"},
        headers=network.receiver_admin.headers,
    )
    first = await _send(
        client,
        network,
        beneficiary={**BENEFICIARY, "email": "zephirine.q@example.net"},
    )
    second = await _send(client, network)
    third = await _send(client, network)
    await client.get(f"/api/v1/referrals/{first['id']}", headers=network.receiver.headers)
    await _answer(client, network, first, "accept", note=f"Vu {BENEFICIARY['last_name']}")
    message = await client.post(
        f"/api/v1/referrals/{first['id']}/messages",
        json={"text": f"{BENEFICIARY['first_name']} viendra mardi."},
        headers=network.receiver.headers,
    )
    assert message.status_code == 201, message.text
    await _answer(client, network, first, "close", outcome="served")
    await _answer(
        client,
        network,
        second,
        "decline",
        reason_code="other",
        message=f"{BENEFICIARY['first_name']} a déménagé",
    )
    await _answer(client, network, third, "redirect", service_id=str(network.housing_service_id))
    await client.get(f"/referrals/{first['id']}/slip", headers=network.worker.headers)
    # Wrong requests log too: they must not echo the body.
    await client.post(
        "/api/v1/referrals",
        json=referral_body(network, consent=False),
        headers=network.worker.headers,
    )
    await client.post(
        "/api/v1/referrals",
        content=b'{"beneficiary": {"first_name": "Zephirine", ',
        headers={**network.worker.headers, "Content-Type": "application/json"},
    )
    coordinator = bearer(await make_token(coordinator=True))
    stats_json = (await client.get("/api/v1/referrals/stats", headers=coordinator)).text
    stats_csv = (await client.get("/api/v1/referrals/stats?format=csv", headers=coordinator)).text
    now = datetime.now(UTC)
    policy = Policy()
    await send_reminders(pool, now + timedelta(days=29), policy, "https://b.example.org")
    await expire_overdue(pool, now + timedelta(days=31), policy, "https://b.example.org")
    await deliver_webhooks(pool, now, allow_private=True)
    await erase_expired_personal_data(pool, now + timedelta(days=400), policy)
    await _build_search_documents(pool, settings)

    logs = "\n".join(all_logs.lines)
    # The capture works: the jobs and the failed webhook call did log.
    assert "expired 1 referral(s)" in logs and "webhook delivery" in logs
    mails = await queued_mails(pool)
    assert mails
    mail_text = "\n".join(
        m["recipient"] + m["subject"] + m["body_text"] + m["body_html"] for m in mails
    )
    async with pool.acquire() as conn:
        has_search = await conn.fetchval("SELECT to_regclass('search_document') IS NOT NULL")
        search_text = ""
        if has_search:
            search_text = "\n".join(
                str(dict(r)) for r in await conn.fetch("SELECT * FROM search_document")
            )
            # The whole documents live apart, in the payload table (migration 009).
            if await conn.fetchval("SELECT to_regclass('search_payload') IS NOT NULL"):
                search_text += "\n".join(
                    str(dict(r)) for r in await conn.fetch("SELECT * FROM search_payload")
                )
            assert "Épicerie sociale" in search_text  # the index was really built
        webhooks = "\n".join(
            str(r["payload"])
            for r in await conn.fetch("SELECT payload FROM referral_webhook_delivery")
        )
        left = await conn.fetchval("SELECT count(*) FROM referral_person")
        notes_left = await conn.fetchval(
            "SELECT count(*) FROM referral_event WHERE note IS NOT NULL"
        )
    for secret in secrets_of_the_person:
        for where, text in (
            ("logs", logs),
            ("mails", mail_text),
            ("search documents", search_text),
            ("webhooks", webhooks),
            ("statistics", stats_json),
            ("CSV export", stats_csv),
        ):
            assert secret not in text, f"{secret!r} found in {where}"
    assert left == 0  # after the retention time, every person is gone
    assert notes_left == 0  # and every note and message written about them
