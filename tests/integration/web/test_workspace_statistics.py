"""The statistics page: the API's figures for a period, small counts hidden, the CSV link,
the workbook."""

from __future__ import annotations

import io

import asyncpg
import httpx
import openpyxl
import pytest

from tests.conftest import TokenFactory, bearer
from tests.integration.web.conftest import Demo, add_user, sign_in
from tests.integration.web.test_workspace_referral_actions import _refer
from tests.integration.web.test_workspace_service_edit import add_coordinator

pytestmark = pytest.mark.asyncio
PAGE = "/workspace/statistics/"


async def test_a_worker_sees_their_organisation_and_a_coordinator_the_network(
    client: httpx.AsyncClient, base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    assert (await client.get(PAGE)).status_code == 303
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        worker.cookies.set("boussole_lang", "en")
        for _ in range(7):
            await _refer(worker, demo)
        page = await worker.get(PAGE)
        assert page.status_code == 200
        assert "CPAS de La Louvière" in page.text  # their one organisation
        # 7 referrals: shown; the food theme holds them all; nothing answered yet.
        assert "<dt>Referrals</dt><dd>7</dd>" in page.text
        csv_link = page.text.split('href="/api/v1/referrals/stats?', 1)[1].split('"', 1)[0]
        assert "format=csv" in csv_link and str(demo.sender_org) in csv_link
        exported = await worker.get("/api/v1/referrals/stats?" + csv_link.replace("&amp;", "&"))
        assert exported.status_code == 200 and "total" in exported.text
        wrong = await worker.get(PAGE, params={"from": "2026-13-01"})
        assert wrong.status_code == 422 and 'id="from-error"' in wrong.text
        backwards = await worker.get(PAGE, params={"from": "2026-03-01", "to": "2026-02-01"})
        assert backwards.status_code == 422 and 'id="to-error"' in backwards.text
        assert "The last day must not be before the first day." in backwards.text
        elsewhere = await worker.get(PAGE, params={"organisation_id": str(demo.receiver_org)})
        assert elsewhere.status_code == 403

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as coordinator:
        await sign_in(coordinator, await add_coordinator(pool))
        coordinator.cookies.set("boussole_lang", "en")
        page = await coordinator.get(PAGE)
        assert "The whole network" in page.text and "<dt>Referrals</dt><dd>7</dd>" in page.text
        assert "Les Restos du Cœur de La Louvière" in page.text.replace("&#39;", "'")
        one = await coordinator.get(PAGE, params={"organisation_id": str(demo.receiver_org)})
        assert one.status_code == 200 and "Per organisation" in one.text

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as two_hats:
        email = await add_user(pool, demo.sender_org, "member")
        async with pool.acquire() as conn:
            user = await conn.fetchval("SELECT id FROM app_user WHERE email = $1", email)
            await conn.execute(
                "INSERT INTO membership (user_id, organisation_id, role) VALUES ($1, $2, 'member')",
                user,
                demo.receiver_org,
            )
        await sign_in(two_hats, email)
        two_hats.cookies.set("boussole_lang", "en")
        page = await two_hats.get(PAGE)
        assert "Choose which of your organisations" in page.text
        assert 'id="organisation_id"' in page.text


async def test_a_coordinator_chooses_any_organisation_of_the_network(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    # A coordinator belongs to no organisation: the choice lists the network's, not theirs.
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as coordinator:
        await sign_in(coordinator, await add_coordinator(pool))
        coordinator.cookies.set("boussole_lang", "en")
        page = await coordinator.get(PAGE)
        choice = page.text.split('<select id="organisation_id"', 1)[1].split("</select>", 1)[0]
        assert '<option value="">The whole network</option>' in choice
        assert f'<option value="{demo.receiver_org}">' in choice
        assert f'<option value="{demo.sender_org}">' in choice
        async with pool.acquire() as conn:
            organisations = await conn.fetchval("SELECT count(*) FROM organisation")
        assert choice.count("<option") == organisations + 1
        one = await coordinator.get(PAGE, params={"organisation_id": str(demo.receiver_org)})
        assert f'<option value="{demo.receiver_org}" selected>' in one.text


async def test_the_figures_download_as_a_workbook_in_the_readers_language(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        for _ in range(6):
            await _refer(worker, demo)
        worker.cookies.set("boussole_lang", "nl")
        page = await worker.get(PAGE, params={"from": "2020-01-01"})
        link = page.text.split('href="/workspace/statistics/figures.xlsx?', 1)[1].split('"')[0]
        download = await worker.get(
            "/workspace/statistics/figures.xlsx?" + link.replace("&amp;", "&")
        )
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert (
            'filename="boussole-statistics-cpas-de-la-louviere-2020-01-01-today.xlsx"'
            in (download.headers["content-disposition"])
        )
        book = openpyxl.load_workbook(io.BytesIO(download.content))
        assert book.sheetnames[:3] == ["Overzicht", "Per maand", "Per thema"]
        summary = {
            row[0]: row[1] for row in book["Overzicht"].iter_rows(values_only=True) if row[0]
        }
        assert summary["Organisatie"] == "CPAS de La Louvière"
        assert summary["Periode"] == "2020-01-01 — …"
        assert summary["Doorverwijzingen"] == 6  # a number, not text
        assert summary["Aanvaard, van de beantwoorde"] == "—"  # nothing answered yet
        assert "Mediane antwoordtijd (uren)" in summary  # not "(h)", an English unit
        months = list(book["Per maand"].iter_rows(values_only=True))
        assert months[0] == ("Maand", "Verstuurde doorverwijzingen", "Ontvangen doorverwijzingen")
        assert sum(row[1] for row in months[1:]) == 6
        statuses = dict(list(book["Stand van de doorverwijzingen"].iter_rows(values_only=True))[1:])
        assert statuses == {"Wacht op antwoord": 6}
        # Another organisation's figures are not to be had this way either.
        elsewhere = await worker.get(
            "/workspace/statistics/figures.xlsx",
            params={"organisation_id": str(demo.receiver_org)},
        )
        assert elsewhere.status_code == 403
        bad = await worker.get("/workspace/statistics/figures.xlsx", params={"to": "2026-02-30"})
        assert bad.status_code == 422 and 'id="to-error"' in bad.text


async def test_small_counts_stay_hidden_in_the_workbook(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        for _ in range(2):
            await _refer(worker, demo)
        worker.cookies.set("boussole_lang", "fr")
        download = await worker.get("/workspace/statistics/figures.xlsx")
        book = openpyxl.load_workbook(io.BytesIO(download.content))
        summary = {row[0]: row[1] for row in book["Résumé"].iter_rows(values_only=True) if row[0]}
        assert summary["Orientations"] == "caché"
        assert all(
            value in ("caché", 0)
            for row in list(book["Par mois"].iter_rows(values_only=True))[1:]
            for value in row[1:]
        )


async def test_names_are_written_as_text_in_the_workbook_never_as_formulas(
    client: httpx.AsyncClient, base_url: str, demo: Demo, make_token: TokenFactory
) -> None:
    formula = '=HYPERLINK("https://evil.example/","Epicerie")'
    link = "https://evil.example/"
    for organisation, name in ((demo.sender_org, formula), (demo.receiver_org, link)):
        admin = bearer(await make_token(organisation_id=organisation, role="admin"))
        url = f"/api/v1/organisations/{organisation}"
        version = (await client.get(url)).headers["etag"]
        renamed = await client.patch(
            url, json={"name": name}, headers={**admin, "If-Match": version}
        )
        assert renamed.status_code == 200, renamed.text
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        await _refer(worker, demo)
        worker.cookies.set("boussole_lang", "en")
        download = await worker.get("/workspace/statistics/figures.xlsx")
        assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(download.content))
    title = book["Summary"]["B1"]
    assert title.value == formula and title.data_type == "s"
    names = [row[0] for row in book["Per organisation"].iter_rows(min_row=2)]
    assert sorted(cell.value for cell in names) == [formula, link]
    assert all(cell.data_type == "s" and cell.hyperlink is None for cell in names)


async def test_the_period_reads_as_days_not_as_a_referrals_direction(
    base_url: str, demo: Demo
) -> None:
    # "From" and "To" of a referral are "De" and "Vers": a period's days are not.
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        for language, first, last in (
            ("fr", "Premier jour de la période", "Dernier jour de la période"),
            ("nl", "Eerste dag van de periode", "Laatste dag van de periode"),
        ):
            worker.cookies.set("boussole_lang", language)
            page = (await worker.get(PAGE)).text
            assert f'<label for="from">{first} ' in page
            assert f'<label for="to">{last} ' in page


async def test_the_figures_say_which_period_they_cover(base_url: str, demo: Demo) -> None:
    # Without dates the figures are every referral's: the page said nothing of it.
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        worker.cookies.set("boussole_lang", "en")
        for query, said in (
            ("", "Every referral made, from the first"),
            ("?from=2026-01-01", "Referrals made since 01/01/2026"),
            ("?to=2026-06-30", "Referrals made up to 30/06/2026, included"),
            (
                "?from=2026-01-01&to=2026-06-30",
                "Referrals made from 01/01/2026 to 30/06/2026, both included",
            ),
        ):
            page = await worker.get(PAGE + query)
            assert page.status_code == 200 and said in page.text, query


async def test_the_median_time_is_written_as_the_readers_language_writes_numbers(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        for _ in range(5):
            await _refer(worker, demo)
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE referral SET answered_at = created_at + interval '150 minutes'"
            )
        for language, shown in (("fr", "2,5 h"), ("nl", "2,5 u"), ("en", "2.5 h")):
            worker.cookies.set("boussole_lang", language)
            page = (await worker.get(PAGE)).text
            median = page.split("</dt><dd>", 3)[3].split("</dd>", 1)[0]
            assert median == shown


async def test_the_themes_say_a_referral_counts_under_each_theme_of_its_service(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    # The food parcels are food and something else: the theme column adds up to more than
    # the referrals, which a yearly report must not read as more referrals.
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO service_theme (service_id, theme_id) VALUES ($1, 'hygiene')"
            " ON CONFLICT DO NOTHING",
            demo.service_id,
        )
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        for _ in range(5):
            await _refer(worker, demo)
        worker.cookies.set("boussole_lang", "fr")
        page = (await worker.get(PAGE)).text
        themes = page[page.index("<caption>Par thème</caption>") :]
        themes = themes[: themes.index("</table>") + 200]
        assert "Une orientation compte sous chaque thème de son service" in themes
        download = await worker.get("/workspace/statistics/figures.xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(download.content))["Par thème"]
        cells = [row[0] for row in sheet.iter_rows(values_only=True)]
        assert any(str(c).startswith("Une orientation compte sous chaque thème") for c in cells)


async def test_an_organisation_that_does_not_exist_is_said_not_read_as_the_network(
    base_url: str, pool: asyncpg.Pool
) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as coordinator:
        await sign_in(coordinator, await add_coordinator(pool))
        coordinator.cookies.set("boussole_lang", "en")
        for wrong in ("00000000-0000-0000-0000-000000000000", "not-an-id"):
            page = await coordinator.get(PAGE, params={"organisation_id": wrong})
            assert page.status_code == 422, wrong
            assert 'id="organisation_id-error"' in page.text
            assert "This organisation does not exist." in page.text
            assert "<dt>Referrals</dt>" not in page.text  # no figures under a wrong name
            book = await coordinator.get(
                "/workspace/statistics/figures.xlsx", params={"organisation_id": wrong}
            )
            assert book.status_code == 422


async def test_an_organisations_workbook_is_named_after_it(
    base_url: str, pool: asyncpg.Pool, demo: Demo
) -> None:
    # A coordinator downloading the workbook of each partner for the yearly report gets
    # files that say whose they are, not "boussole-statistics-start-today (3).xlsx".
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as coordinator:
        await sign_in(coordinator, await add_coordinator(pool))
        one = await coordinator.get(
            "/workspace/statistics/figures.xlsx",
            params={"organisation_id": str(demo.receiver_org), "from": "2026-01-01"},
        )
        network = await coordinator.get("/workspace/statistics/figures.xlsx")
    assert one.headers["content-disposition"] == (
        'attachment; filename="boussole-statistics-les-restos-du-coeur-de-la-louviere'
        '-2026-01-01-today.xlsx"'
    )
    assert network.headers["content-disposition"] == (
        'attachment; filename="boussole-statistics-start-today.xlsx"'
    )
