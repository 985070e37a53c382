"""The public pages over HTTP: search with the API's code path, service, organisation, themes."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from html import escape, unescape
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import msgspec
import pytest
from babel.dates import format_date

from search.outbox import OutboxConsumer
from search.postgres import PostgresEngine
from service.catalogue.records import enqueue_search
from service.catalogue.validation import phone_national
from service.hours import TZ
from service.search.engines import document_builder
from service.settings import Settings
from tests.integration.web.conftest import FOOD_PARCELS, Demo, sign_in

pytestmark = pytest.mark.asyncio


async def test_home_shows_the_form_without_results(client: httpx.AsyncClient, demo: Demo) -> None:
    page = await client.get("/", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    assert 'role="search"' in page.text and "Alimentation" in page.text
    assert "Résultats" not in page.text
    # The home page says what it is to search engines; results are not to be listed.
    assert '<meta name="description" content="Où trouver à manger' in page.text
    assert '<meta name="robots"' not in page.text
    results = await client.get("/", params={"q": "colis"}, headers={"Accept-Language": "fr"})
    assert '<meta name="robots" content="noindex">' in results.text


async def test_search_finds_what_the_api_finds(client: httpx.AsyncClient, demo: Demo) -> None:
    page = await client.get(
        "/", params={"q": "colis alimentaire"}, headers={"Accept-Language": "fr"}
    )
    assert page.status_code == 200
    api = (await client.get("/api/v1/search", params={"q": "colis alimentaire"})).json()
    assert api["total"] > 0
    assert f"{api['total']} services trouvés" in page.text or api["total"] == 1
    for item in api["items"][:5]:
        assert f'href="/services/{item["service_id"]}"' in page.text
        if item["location_id"] and item["place_name"]:
            assert f'href="/places/{item["location_id"]}"' in page.text
    assert FOOD_PARCELS in page.text
    # The service's name and snippet are in the organisation's language.
    assert f'<h3 lang="fr"><a href="/services/{api["items"][0]["service_id"]}">' in page.text
    # A number to call from the results, the service's first.
    # (dialled in E.164, written as Belgians write it: 064 51 19 04).
    api_phones = [item["phone"] for item in api["items"] if item["phone"]]
    written = phone_national(api_phones[0])
    assert re.fullmatch(r"0\d{1,3}( \d{2,3})+", written)
    assert f'<a class="call" href="tel:{api_phones[0]}">Appeler le {written}</a>' in page.text
    # Why each result was found: its description's words that match, marked.
    assert '<p class="snippet" lang="fr">' in page.text
    assert "<mark>colis</mark>" in page.text.lower()
    assert "<mark>" not in page.text.split('<ul class="results">')[0]


async def test_filters_paging_and_distance(client: httpx.AsyncClient, demo: Demo) -> None:
    page = await client.get(
        "/",
        params={"theme": "food", "area": "la-louviere", "lat": "50.48", "lon": "4.19"},
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 200
    assert re.search(r"\d\.\d km away", page.text)
    french = await client.get(
        "/",
        params={"theme": "food", "lat": "50.48", "lon": "4.19"},
        headers={"Accept-Language": "fr"},
    )
    assert re.search(r"à \d+,\d km", french.text)  # the decimal comma
    assert 'value="food" selected' in page.text
    everything = await client.get("/", params={"free": "1"}, headers={"Accept-Language": "en"})
    assert 'rel="next"' in everything.text
    second = re.search(r'href="/\?([^"]*page=2)"', everything.text)
    assert second is not None
    page_two = await client.get("/?" + second[1].replace("&amp;", "&"))
    assert page_two.status_code == 200 and 'rel="prev"' in page_two.text


async def test_a_page_past_the_results_leads_back_to_them(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    english = {"Accept-Language": "en"}
    past = "This page is past the end of the results."
    few = await client.get("/", params={"q": "colis", "page": "999"}, headers=english)
    assert few.status_code == 200 and past in few.text
    link = re.search(r'<a href="/\?([^"]*)">Go to the first page</a>', few.text)
    assert link is not None and parse_qs(link[1]) == {"q": ["colis"]}
    first = await client.get("/?" + link[1], headers=english)
    assert past not in first.text and "/services/" in first.text
    # Many results: the last page, and no pager saying "page 500 of 3".
    many = await client.get("/", params={"free": "1"}, headers=english)
    pages = re.search(r"Page 1 of (\d+)", many.text)
    assert pages is not None and int(pages[1]) > 1
    beyond = await client.get("/", params={"free": "1", "page": "999"}, headers=english)
    assert past in beyond.text and "Page 500 of" not in beyond.text
    last = re.search(r'<a href="/\?([^"]*)">Go to the last page, page (\d+)</a>', beyond.text)
    assert last is not None and last[2] == pages[1]
    assert parse_qs(last[1].replace("&amp;", "&")) == {"free": ["1"], "page": [pages[1]]}
    landed = await client.get("/?" + last[1].replace("&amp;", "&"), headers=english)
    assert past not in landed.text and "/services/" in landed.text
    assert f"Page {pages[1]} of {pages[1]}" in landed.text


async def test_unknown_values_do_not_break_the_search(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    page = await client.get(
        "/", params={"q": "x" * 300, "theme": "nope", "lat": "abc", "page": "zz", "language": "??"}
    )
    assert page.status_code == 200


async def test_a_position_not_understood_is_said_once_and_the_words_still_searched(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    english = {"Accept-Language": "en"}
    unread = "Your position could not be read; the results are not sorted by distance."

    def found(html: str) -> list[str]:
        return re.findall(r'<h3 lang="[a-z]+"><a href="/services/([0-9a-f-]+)"', html)

    plain = await client.get("/", params={"q": "colis"}, headers=english)
    assert found(plain.text) and unread not in plain.text
    near = await client.get(
        "/", params={"q": "colis", "lat": "50.48", "lon": "4.19"}, headers=english
    )
    assert "Sorted by distance from your position." in near.text and unread not in near.text
    for position in (
        {"lat": "95", "lon": "4"},
        {"lat": "abc", "lon": "4.19"},
        {"lat": "50.48", "lon": "nan"},
        {"lat": "50.48"},
    ):
        page = await client.get("/", params={"q": "colis", **position}, headers=english)
        assert page.status_code == 200
        assert page.text.count(unread) == 1, position
        assert "Sorted by distance" not in page.text, position
        assert found(page.text) == found(plain.text), position
        assert "km away" not in page.text
        # Left out of the form, so the next search does not carry it on.
        assert 'name="lat" id="lat" value=""' in page.text
        assert 'name="lon" id="lon" value=""' in page.text


async def test_service_page(client: httpx.AsyncClient, demo: Demo, pool: asyncpg.Pool) -> None:
    # Since when the service says it is full: a worker judges whether that still holds.
    await pool.execute(
        "UPDATE service SET capacity_status = 'full', capacity_updated_at = $2 WHERE id = $1",
        demo.service_id,
        datetime(2026, 10, 12, 9, 30, tzinfo=UTC),
    )
    page = await client.get(f"/services/{demo.service_id}", headers={"Accept-Language": "nl"})
    assert page.status_code == 200
    assert FOOD_PARCELS in page.text
    assert re.search(r'Volzet</span> <span class="meta">sinds 12/10/2026</span>', page.text)
    # What a search engine shows under the link: the organisation and the description.
    assert re.search(r'<meta name="description" content="[^"]+ — [^"]+">', page.text)
    # Search engines learn the same page in the other languages.
    for code in ("fr", "nl", "en"):
        address = f"http://127.0.0.1:8000/services/{demo.service_id}?lang={code}"
        assert f'<link rel="alternate" hreflang="{code}" href="{address}">' in page.text
    # The organisation's own words are marked as French on a Dutch page, and said to be.
    assert f'<h1 lang="fr">{FOOD_PARCELS}</h1>' in page.text
    assert "De organisatie beschrijft haar diensten in het Frans." in page.text
    french = await client.get(f"/services/{demo.service_id}", headers={"Accept-Language": "fr"})
    assert "L'organisation décrit" not in french.text.replace("&#39;", "'")
    assert "openstreetmap.org" in page.text
    assert "Openingsuren voor de komende 7 dagen" in page.text
    assert 'href="tel:+32' in page.text or "tel:" not in page.text
    # On a phone, calling and finding the place come first.
    assert re.search(r'<p class="quick no-print">\s*<a class="button" href="tel:\+32', page.text)
    assert 'class="button secondary" href="https://www.openstreetmap.org/' in page.text
    # Signed-out visitors are not offered to refer someone.
    assert "/workspace/refer" not in page.text


async def test_a_price_note_is_shown_instead_of_free(
    client: httpx.AsyncClient, demo: Demo, pool: asyncpg.Pool
) -> None:
    """The social grocery is free to enter and sells at a reduced price: "Free" beside
    "Products sold at a reduced price" contradicted the note. A service with a price note is
    not free: the database no longer holds both."""
    english = {"Accept-Language": "en"}

    async def conditions(free: bool, price: str) -> str:
        await pool.execute(
            "UPDATE service SET free = $2, price = $3 WHERE id = $1", demo.service_id, free, price
        )
        page = await client.get(f"/services/{demo.service_id}", headers=english)
        return page.text.split("<h2>Conditions</h2>")[1].split("</ul>")[0]

    assert "<li>Free</li>" in await conditions(True, "")
    with pytest.raises(asyncpg.CheckViolationError):
        await conditions(True, "Produits vendus à prix réduit.")
    noted = await conditions(False, "Produits vendus à prix réduit.")
    assert "Free" not in noted
    assert '<li>Price: <span lang="fr">Produits vendus à prix réduit.</span></li>' in noted
    assert "<li>Price: —</li>" in await conditions(False, "")


async def test_what_organisations_write_is_marked_in_their_language(
    client: httpx.AsyncClient, demo: Demo, pool: asyncpg.Pool
) -> None:
    """A screen reader reads a French phone label or name with a French voice on a Dutch
    or English page only when the text says it is French."""
    dutch = {"Accept-Language": "nl"}
    service = await client.get(f"/services/{demo.service_id}", headers=dutch)
    assert re.search(
        rf'Aangeboden door <a href="/organisations/{demo.receiver_org}" lang="fr">', service.text
    )
    labels = re.findall(r'<a href="tel:[^"]+">[^<]+</a> — (<[^>]+>)?[^<]+', service.text)
    assert labels and all(opening == '<span lang="fr">' for opening in labels)
    assert re.search(
        rf'<h3 id="place-1" lang="fr"><a href="/places/{demo.place_id}">', service.text
    )

    organisation = await client.get(f"/organisations/{demo.receiver_org}", headers=dutch)
    assert '<h1 lang="fr">Les Restos du Cœur de La Louvière</h1>' in organisation.text
    labels = re.findall(r'<a href="tel:[^"]+">[^<]+</a> — (<[^>]+>)?[^<]+', organisation.text)
    assert labels and all(opening == '<span lang="fr">' for opening in labels)
    assert f'<a href="/places/{demo.place_id}" lang="fr">' in organisation.text

    results = await client.get("/", params={"q": "colis"}, headers=dutch)
    assert f'<a href="/places/{demo.place_id}" lang="fr">' in results.text

    # A place kept by another organisation is in that organisation's language.
    await pool.execute("UPDATE organisation SET language = 'nl' WHERE id = $1", demo.sender_org)
    await pool.execute(
        "UPDATE place SET organisation_id = $2, phones = $3::jsonb WHERE id = $1",
        demo.place_id,
        demo.sender_org,
        [{"number": "+3264000000", "label": "Onthaal"}],
    )
    english = {"Accept-Language": "en"}
    service = await client.get(f"/services/{demo.service_id}", headers=english)
    assert re.search(
        rf'<h3 id="place-1" lang="nl"><a href="/places/{demo.place_id}">', service.text
    )
    assert '— <span lang="nl">Onthaal</span>' in service.text
    assert f'<h1 lang="fr">{FOOD_PARCELS}</h1>' in service.text
    place = await client.get(f"/places/{demo.place_id}", headers=english)
    assert '— <span lang="nl">Onthaal</span>' in place.text


async def test_organisation_and_themes_pages(client: httpx.AsyncClient, demo: Demo) -> None:
    organisation = await client.get(f"/organisations/{demo.receiver_org}")
    assert organisation.status_code == 200 and FOOD_PARCELS in organisation.text
    assert f'href="/places/{demo.place_id}"' in organisation.text
    themes = await client.get("/themes", headers={"Accept-Language": "nl"})
    assert themes.status_code == 200 and "Voeding" in themes.text
    assert 'href="/?theme=food.food-parcels"' in themes.text


async def test_an_organisation_page_lists_every_place_of_a_service(
    client: httpx.AsyncClient, demo: Demo, pool: asyncpg.Pool
) -> None:
    """A service held at two places: both are listed under it, each with its address and
    whether it is open there (only the first was, and a person went to the wrong one)."""
    other = await pool.fetchval(
        """SELECT id FROM place WHERE id NOT IN
               (SELECT place_id FROM service_place WHERE service_id = $1)
           ORDER BY name LIMIT 1""",
        demo.service_id,
    )
    await pool.execute(
        "UPDATE service_place SET opening_hours = NULL WHERE service_id = $1", demo.service_id
    )
    await pool.execute(
        """INSERT INTO service_place (service_id, place_id, opening_hours, position)
           VALUES ($1, $2, 'Mo-Su 00:00-24:00', 99)""",
        demo.service_id,
        other,
    )
    held = (await client.get(f"/api/v1/services/{demo.service_id}")).json()["places"]
    assert len(held) >= 2
    page = await client.get(
        f"/organisations/{demo.receiver_org}", headers={"Accept-Language": "en"}
    )
    entry = page.text.split(f'<a href="/services/{demo.service_id}">')[1]
    entry = entry.split('<p><span class="badge')[0]
    for at in held:
        link = f'<a href="/places/{at["place_id"]}" lang="fr">{escape(at["place_name"])}</a>'
        assert f'{link} — <span lang="fr">{escape(at["address"])}</span>' in entry
    assert entry.count('<p class="open">Open now</p>') == 1
    closed = '<p class="closed">Hours not known: call before going</p>'
    assert entry.count(closed) == len(held) - 1


HOSTILE = (
    "Inscription sur https://example.be/inscription?a=1&b=2. Questions : accueil@example.be. "
    '<script>alert("x")</script> <a href="javascript:alert(1)">ici</a> javascript:alert(2)'
)


async def test_addresses_in_descriptions_are_links_and_nothing_else_is(
    client: httpx.AsyncClient, demo: Demo, pool: asyncpg.Pool
) -> None:
    """A web or e-mail address written in a description is a link a person taps; the
    text stays text: a script, a link's markup or a javascript: address are shown as typed."""
    await pool.execute(
        "UPDATE service SET description = $2 WHERE id = $1", demo.service_id, HOSTILE
    )
    await pool.execute(
        "UPDATE organisation SET description = $2 WHERE id = $1", demo.receiver_org, HOSTILE
    )
    await pool.execute("UPDATE place SET description = $2 WHERE id = $1", demo.place_id, HOSTILE)
    web = "https://example.be/inscription?a=1&amp;b=2"
    expected = (
        f'<p lang="fr">Inscription sur <a href="{web}" rel="nofollow noopener">{web}</a>. '
        'Questions : <a href="mailto:accueil@example.be" rel="nofollow noopener">'
        "accueil@example.be</a>. &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; "
        "&lt;a href=&#34;javascript:alert(1)&#34;&gt;ici&lt;/a&gt; javascript:alert(2)</p>"
    )
    for path in (
        f"/services/{demo.service_id}",
        f"/organisations/{demo.receiver_org}",
        f"/places/{demo.place_id}",
    ):
        page = await client.get(path, headers={"Accept-Language": "en"})
        assert page.status_code == 200, path
        assert expected in page.text, path
        assert "<script>alert" not in page.text and 'href="javascript:' not in page.text, path


async def test_unknown_ids_are_404_pages(client: httpx.AsyncClient, demo: Demo) -> None:
    for path in (f"/services/{uuid.uuid4()}", f"/organisations/{uuid.uuid4()}"):
        page = await client.get(path)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
    assert (await client.get("/services/not-a-uuid")).status_code == 404


async def test_a_wrong_link_is_a_page_for_browsers_and_a_problem_for_clients(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Language": "nl"}
    page = await client.get("/search", params={"q": "voedselpakket"}, headers=browser)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Pagina niet gevonden" in page.text and 'href="/"' in page.text
    for path in ("/search", "/api/v1/nothing", "/hsds/nothing"):
        asked = {"Accept": "application/json"} if path == "/search" else browser
        problem = await client.get(path, headers=asked)
        assert problem.status_code == 404, path
        assert problem.headers["content-type"] == "application/problem+json", path
        assert problem.json()["instance"] == path


async def test_language_switch_keeps_the_search(client: httpx.AsyncClient, demo: Demo) -> None:
    page = await client.get("/", params={"q": "colis"})
    link = re.search(r'href="(/language/nl\?next=[^"]+)"', page.text)
    assert link is not None
    switched = await client.get(link[1].replace("&amp;", "&"))
    assert switched.status_code == 303
    assert switched.headers["location"] == "/?q=colis"
    dutch = await client.get("/?q=colis")
    assert "Resultaten" in dutch.text


async def test_temporarily_closed_service_shows_a_banner(
    client: httpx.AsyncClient, demo: Demo, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE service SET status = 'temporarily_closed' WHERE id = $1", demo.service_id
        )
        await conn.execute(
            "UPDATE service_place SET opening_hours = 'We 09:30-13:00' WHERE service_id = $1",
            demo.service_id,
        )
    page = await client.get(f"/services/{demo.service_id}", headers={"Accept-Language": "fr"})
    assert "Ce service est temporairement fermé." in page.text
    assert "temporarily_closed" not in page.text
    # No coming day is shown open; the usual week is said as what comes when it reopens.
    assert "Horaire des 7 prochains jours" not in page.text
    assert "Horaire habituel, à la réouverture : mercredi 09:30–13:00" in page.text
    dutch = await client.get(f"/services/{demo.service_id}", headers={"Accept-Language": "nl"})
    assert "Gebruikelijke uren, wanneer de dienst weer opent: woensdag 09:30–13:00" in dutch.text


async def _closed_for_works(
    pool: asyncpg.Pool, service_id: uuid.UUID, first: date, last: date
) -> None:
    """The service temporarily closed, with a dated closure at each of its places (how its
    editors say why and until when), open every morning otherwise; indexed again."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "UPDATE service SET status = 'temporarily_closed' WHERE id = $1", service_id
        )
        await conn.execute(
            "UPDATE service_place SET opening_hours = 'Mo-Su 09:00-12:00' WHERE service_id = $1",
            service_id,
        )
        await conn.execute(
            """INSERT INTO hours_exception (service_place_id, starts_on, ends_on, message)
               SELECT id, $2, $3, 'Fermé pour travaux' FROM service_place WHERE service_id = $1""",
            service_id,
            first,
            last,
        )
        await enqueue_search(conn, [service_id])
    await OutboxConsumer(pool, [PostgresEngine(pool)], document_builder()).drain()


async def test_a_temporarily_closed_service_says_why_and_when_it_reopens(
    client: httpx.AsyncClient, demo: Demo, pool: asyncpg.Pool
) -> None:
    """On its page and in the results, a citizen reads that it is closed, why (the closure's
    note, in the organisation's language) and the day it reopens, and does not go there."""
    today = datetime.now(UTC).astimezone(TZ).date()
    reopens = today + timedelta(days=12)
    await _closed_for_works(
        pool, demo.service_id, today - timedelta(days=3), reopens - timedelta(days=1)
    )
    said = {
        language: format_date(reopens, "EEEE d MMMM", locale=locale)
        for language, locale in (("fr", "fr_BE"), ("nl", "nl_BE"), ("en", "en_GB"))
    }
    page = await client.get(f"/services/{demo.service_id}", headers={"Accept-Language": "nl"})
    banner = page.text.split('<div class="banner" role="note">')[1].split("</div>")[0]
    assert "Deze dienst is tijdelijk gesloten." in banner
    assert '<p lang="fr">Fermé pour travaux</p>' in banner
    assert f"Weer open op {said['nl']}" in banner
    assert f"Tijdelijk gesloten, weer open op {said['nl']}" in page.text  # at its place
    english = await client.get(f"/services/{demo.service_id}", headers={"Accept-Language": "en"})
    assert f"Reopens on {said['en']}" in english.text
    # The API says the same of each place.
    api = (await client.get(f"/api/v1/services/{demo.service_id}")).json()
    assert {p["open"]["reopens_on"] for p in api["places"]} == {reopens.isoformat()}
    assert {p["open"]["message"] for p in api["places"]} == {"Fermé pour travaux"}

    results = await client.get("/", params={"q": FOOD_PARCELS}, headers={"Accept-Language": "fr"})
    item = results.text.split(f'<a href="/services/{demo.service_id}">')[1].split("</li>")[0]
    assert f"Temporairement fermé, réouverture le {said['fr']}" in item
    assert '<p lang="fr">Fermé pour travaux</p>' in item


async def test_a_past_return_date_is_not_shown_as_coming(
    client: httpx.AsyncClient, demo: Demo, pool: asyncpg.Pool
) -> None:
    """The closure ended yesterday and the service is still marked closed: it is said to be
    closed, with no day it "reopens" (that day is past) and no note of that closure."""
    today = datetime.now(UTC).astimezone(TZ).date()
    await _closed_for_works(
        pool, demo.service_id, today - timedelta(days=20), today - timedelta(days=1)
    )
    english = {"Accept-Language": "en"}
    page = await client.get(f"/services/{demo.service_id}", headers=english)
    assert "This service is temporarily closed." in page.text
    assert "Reopens on" not in page.text and "reopens on" not in page.text
    assert "Fermé pour travaux" not in page.text
    results = await client.get("/", params={"q": FOOD_PARCELS}, headers=english)
    item = results.text.split(f'<a href="/services/{demo.service_id}">')[1].split("</li>")[0]
    assert "Temporarily closed</p>" in item and "Fermé pour travaux" not in item


async def test_open_on_a_chosen_day_and_time_finds_what_the_api_finds(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    today = datetime.now(UTC).astimezone(TZ).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    english = {"Accept-Language": "en"}
    page = await client.get(
        "/",
        params={"theme": "food", "open_on": saturday.isoformat(), "open_time": "10:00"},
        headers=english,
    )
    assert page.status_code == 200
    api = (
        await client.get(
            "/api/v1/search",
            params={"theme": "food", "open_at": f"{saturday.isoformat()}T10:00", "limit": 20},
        )
    ).json()
    # Saturday morning: some food services are open, not all of them.
    everything = (await client.get("/api/v1/search", params={"theme": "food"})).json()
    assert 0 < api["total"] < everything["total"]
    assert f"{api['total']} services found" in page.text or api["total"] == 1
    found = set(re.findall(r'<h3 lang="[a-z]+"><a href="/services/([0-9a-f-]+)"', page.text))
    assert found == {item["service_id"] for item in api["items"]}
    assert f"Services open on Saturday {saturday:%d/%m} at 10:00" in page.text
    assert "Open then" in page.text and "Open now" not in page.text.split("results-title")[1]
    assert f'value="{saturday.isoformat()}"' in page.text  # the form keeps the day

    # A time alone means today; a day not understood is left out, the rest is searched.
    tonight = await client.get("/", params={"q": "abri", "open_time": "21:30"}, headers=english)
    assert f"Services open on {today:%A} {today:%d/%m} at 21:30" in tonight.text
    wrong = await client.get(
        "/", params={"theme": "food", "open_on": "31/02/2026", "open_time": "10:00"}
    )
    assert wrong.status_code == 200
    assert 'id="open_on" name="open_on" type="date" value="31/02/2026" aria-invalid="true"' in (
        wrong.text
    )
    assert 'role="alert"' in wrong.text and "/services/" in wrong.text
    for far in ("9999-12-31", "0001-01-01"):
        page = await client.get("/", params={"q": "colis", "open_on": far, "open_time": "23:59"})
        assert page.status_code == 200
        assert f'value="{far}" aria-invalid="true"' in page.text


async def test_for_whom_keeps_only_services_open_to_the_person(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    params = {"theme": "food", "age": "17", "situation": "homeless"}
    page = await client.get("/", params=params, headers={"Accept-Language": "en"})
    assert page.status_code == 200
    api = (
        await client.get(
            "/api/v1/search",
            params={"theme": "food", "age": 17, "situation": "homeless", "limit": 20},
        )
    ).json()
    everything = (await client.get("/api/v1/search", params={"theme": "food"})).json()
    assert 0 < api["total"] < everything["total"]
    found = set(re.findall(r'<h3 lang="[a-z]+"><a href="/services/([0-9a-f-]+)"', page.text))
    assert found == {item["service_id"] for item in api["items"]}
    assert 'value="homeless" selected' in page.text and 'value="17"' in page.text
    wrong = await client.get("/", params={"theme": "food", "age": "deux cents"})
    assert wrong.status_code == 200 and 'role="alert"' in wrong.text
    assert "/services/" in wrong.text  # the rest is searched


async def test_a_service_can_be_sent_by_mail_or_text_message_from_its_page(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    from urllib.parse import parse_qs, urlsplit

    page = await client.get(f"/services/{demo.service_id}", headers={"Accept-Language": "en"})
    link = re.search(r'<a href="(mailto:[^"]+)">Send this information by e-mail', page.text)
    assert link is not None
    fields = parse_qs(urlsplit(link[1].replace("&amp;", "&")).query)
    body = fields["body"][0]
    assert fields["subject"] == [FOOD_PARCELS]
    assert FOOD_PARCELS in body and f"/services/{demo.service_id}" in body
    assert re.search(r"\d{4} La Louvière\n", body)  # an address with its postal code
    assert re.search(r"\n0\d{1,3}( \d{2,3})+\n", body)  # a phone to call, as Belgians write it
    # The same lines by text message, for a person with a phone and no e-mail address.
    sms = re.search(r'<a href="(sms:[^"]+)">by text message', page.text)
    assert sms is not None and sms[1].startswith("sms:?&amp;body=")
    assert parse_qs(urlsplit(sms[1].replace("&amp;", "&")).query)["body"] == [body]


async def test_the_filters_fold_above_results_and_say_how_many_are_on(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    english = {"Accept-Language": "en"}
    home = await client.get("/", headers=english)
    # Folded: on a phone the search button comes first; a wide screen unfolds them (script).
    assert '<details class="filters" data-unfold-wide>' in home.text
    page = await client.get(
        "/", params={"q": "colis", "area": "la-louviere", "free": "1"}, headers=english
    )
    assert '<details class="filters">' in page.text
    assert "<summary>Filters (2 active)</summary>" in page.text
    one = await client.get(
        "/", params={"q": "colis", "free": "1"}, headers={"Accept-Language": "fr"}
    )
    assert "<summary>Filtres (1 actif)</summary>" in one.text
    wrong = await client.get("/", params={"q": "colis", "age": "many"}, headers=english)
    assert '<details class="filters" open>' in wrong.text


async def test_a_field_left_out_is_named_and_not_counted_as_a_filter(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    english = {"Accept-Language": "en"}
    plain = await client.get("/", params={"q": "colis"}, headers=english)
    found = re.findall(r'<a href="/services/([0-9a-f-]+)"', plain.text)
    assert found
    cases = {
        "The day was not understood (a date from 2000 to 2099); the day and time were left out.": {
            "open_on": "24/12"
        },
        "The theme asked for is not one of the directory's themes; it was left out.": {
            "theme": "nope"
        },
        "The language asked for is not one of the list; it was left out.": {"language": "??"},
    }
    for said, params in cases.items():
        page = await client.get("/", params={"q": "colis", **params}, headers=english)
        alert = re.search(r'<div class="error" role="alert">(.*?)</div>', page.text, re.S)
        assert alert is not None and said in unescape(alert[1]), params
        assert "Some search fields were not understood" not in page.text, params
        # Searched without it, and not said to narrow the search.
        assert "<summary>Filters</summary>" in page.text, params
        assert re.findall(r'<a href="/services/([0-9a-f-]+)"', page.text) == found, params
    both = await client.get(
        "/", params={"q": "colis", "theme": "nope", "free": "1"}, headers=english
    )
    assert "<summary>Filters (1 active)</summary>" in both.text
    french = await client.get(
        "/", params={"q": "colis", "open_on": "24/12"}, headers={"Accept-Language": "fr"}
    )
    assert "<summary>Filtres</summary>" in french.text
    assert "Certains champs" not in french.text


async def test_a_day_without_a_time_finds_what_is_open_at_some_moment_of_it(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    """ "Open on Saturday", no time: the services open at any time that day, as the API's
    open_on finds them, each saying when it opens then; today, those one can still go to."""
    today = datetime.now(UTC).astimezone(TZ).date()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    english = {"Accept-Language": "en"}
    page = await client.get(
        "/", params={"theme": "food", "open_on": f"{saturday}"}, headers=english
    )
    api = (
        await client.get(
            "/api/v1/search", params={"theme": "food", "open_on": f"{saturday}", "limit": 20}
        )
    ).json()
    everything = (await client.get("/api/v1/search", params={"theme": "food"})).json()
    assert 0 < api["total"] < everything["total"]
    found = set(re.findall(r'<h3 lang="[a-z]+"><a href="/services/([0-9a-f-]+)"', page.text))
    assert found == {item["service_id"] for item in api["items"]}
    assert f"Services open on Saturday {saturday:%d/%m}" in page.text
    assert "<summary>Filters (2 active)</summary>" in page.text  # the theme and the day
    results = page.text.split('id="results-title"')[1]
    # Each says when it is open that day, as the API's intervals.
    hours = re.findall(r"Open ((?:\d\d:\d\d–\d\d:\d\d(?:, )?)+) that day|Open all day", results)
    assert len(hours) == len(api["items"])
    assert "Open now" not in results and "Closed now" not in results
    assert 'role="alert"' not in page.text  # nothing left out
    french = await client.get(
        "/", params={"open_on": f"{saturday}"}, headers={"Accept-Language": "fr"}
    )
    assert f"Services ouverts le samedi {saturday:%d/%m}" in french.text
    assert "This day has passed" not in page.text
    last_week = await client.get(
        "/", params={"open_on": f"{saturday - timedelta(days=7)}"}, headers=english
    )
    assert "This day has passed: choose today or a day to come" in last_week.text
    # Today: what one can still go to, told as now.
    tonight = await client.get("/", params={"open_on": f"{today}"}, headers=english)
    assert "Services still open today" in tonight.text
    still = (
        await client.get(
            "/api/v1/search",
            params={"open_at": datetime.now(TZ).strftime("%Y-%m-%dT%H:%M"), "limit": 1},
        )
    ).json()
    whole_day = (await client.get("/api/v1/search", params={"open_on": f"{today}"})).json()
    shown = int(re.search(r"(\d+) services? found|(1) service found", tonight.text)[1] or 1)
    assert still["total"] <= shown <= whole_day["total"]


async def test_the_area_is_understood_as_the_api_understands_a_commune_or_a_section(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    english = {"Accept-Language": "en"}
    by_id = await client.get("/", params={"q": "colis", "area": "la-louviere"}, headers=english)
    for typed in ("La Louvière", "la louviere", "7100"):
        page = await client.get("/", params={"q": "colis", "area": typed}, headers=english)
        found = re.search(r"(\d+) services found", page.text)
        assert found is not None and found[0] in by_id.text, typed
        assert '<option value="la-louviere" selected>' in page.text, typed
        assert "<summary>Filters (1 active)</summary>" in page.text, typed
    # An area that names no place of the network is said, and narrows nothing.
    everywhere = await client.get("/", params={"q": "colis"}, headers=english)
    page = await client.get("/", params={"q": "colis", "area": "zzz"}, headers=english)
    assert "“zzz” is not a commune or a section of the network" in page.text
    assert '<select id="area" name="area" aria-invalid="true">' in page.text
    assert "<summary>Filters</summary>" in page.text
    found = re.search(r"(\d+) services found", page.text)
    assert found is not None and found[0] in everywhere.text
    alone = await client.get("/", params={"area": "zzz"}, headers=english)
    assert "“zzz” is not a commune or a section of the network" in alone.text


async def test_an_area_typed_by_hand_is_understood_from_a_part_of_its_name(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    """`?area=louviere` typed in the address bar: the one place whose name it is part of,
    whatever its case or accents; part of several names, it is said, with those names, and
    narrows nothing (it was dropped without a word)."""
    english = {"Accept-Language": "en"}
    by_id = await client.get("/", params={"q": "colis", "area": "la-louviere"}, headers=english)
    for typed in ("louviere", "LOUVIÈRE", " louvi "):
        page = await client.get("/", params={"q": "colis", "area": typed}, headers=english)
        found = re.search(r"(\d+) services found", page.text)
        assert found is not None and found[0] in by_id.text, typed
        assert '<option value="la-louviere" selected>' in page.text, typed
        assert "<summary>Filters (1 active)</summary>" in page.text, typed
        assert 'role="alert"' not in page.text, typed
    section = await client.get("/", params={"area": "strepy"}, headers=english)
    assert '<option value="la-louviere.strepy-bracquegnies" selected>' in section.text

    everywhere = await client.get("/", params={"q": "colis"}, headers=english)
    page = await client.get("/", params={"q": "colis", "area": "haine"}, headers=english)
    assert (
        "“haine” is part of the names of several places (Haine-Saint-Paul, "
        "Haine-Saint-Pierre): choose one under “Where”. The search is not narrowed to a place."
    ) in page.text
    assert '<select id="area" name="area" aria-invalid="true">' in page.text
    assert "<summary>Filters</summary>" in page.text and "area=haine" not in page.text
    found = re.search(r"(\d+) services found", page.text)
    assert found is not None and found[0] in everywhere.text
    french = await client.get("/", params={"area": "haine"}, headers={"Accept-Language": "fr"})
    assert "« haine » fait partie du nom de plusieurs lieux (Haine-Saint-Paul" in french.text
    dutch = await client.get("/", params={"area": "haine"}, headers={"Accept-Language": "nl"})
    assert "„haine” komt voor in de naam van meerdere plaatsen (Haine-Saint-Paul" in dutch.text
    # Part of no name: said as before.
    unknown = await client.get("/", params={"area": "ouviere"}, headers=english)
    assert "“ouviere” is not a commune or a section of the network" in unknown.text


async def test_an_empty_search_offers_the_same_need_without_the_filters(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    english = {"Accept-Language": "en"}
    narrowed = {"q": "colis", "language": "tr", "wheelchair": "1", "age": "30"}
    page = await client.get("/", params=narrowed, headers=english)
    assert "No service matches" in page.text
    api = (await client.get("/api/v1/search", params={"q": "colis", "limit": 1})).json()
    link = re.search(r'<a href="/\?([^"]*)">See the (\d+) services found without', page.text)
    assert link is not None and int(link[2]) == api["total"] > 1
    # The link keeps the words and leaves every filter out.
    assert link[1] == "q=colis"
    relaxed = await client.get("/?" + link[1], headers=english)
    assert f"{api['total']} services found" in relaxed.text


async def test_results_with_only_some_of_the_words_say_so_and_offer_those_with_all(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    """A doctor for people without papers, on Sunday night: the services with every word
    are closed then; the open ones found have some of the words only, and the page says it."""
    today = datetime.now(UTC).astimezone(TZ).date()
    sunday = today + timedelta(days=(6 - today.weekday()) % 7 or 7)
    english = {"Accept-Language": "en"}
    words = {"q": "dokter zonder papieren"}
    every = (await client.get("/api/v1/search", params=words)).json()
    assert every["total"] and every["all_words"]
    night = {**words, "open_on": sunday.isoformat(), "open_time": "23:00"}
    page = await client.get("/", params=night, headers=english)
    assert "No service has all of these words: these have some of them." in page.text
    link = re.search(r'<a href="/\?([^"]*)">See the (?:(\d+) services|service) that ha', page.text)
    assert link is not None and int(link[2] or 1) == every["total"]
    assert parse_qs(link[1]) == {"q": ["dokter zonder papieren"]}
    # With every word found, neither the sentence nor the link.
    plain = await client.get("/", params=words, headers=english)
    assert "No service has all of these words" not in plain.text
    assert "that have all of these words" not in plain.text


async def test_words_that_say_no_need_ask_for_one(client: httpx.AsyncClient, demo: Demo) -> None:
    page = await client.get("/", params={"q": "I need help"}, headers={"Accept-Language": "en"})
    assert "Say what you need in a word or two" in page.text
    assert "Or browse by theme:" in page.text and 'href="/?theme=food"' in page.text


async def test_words_that_find_nothing_lead_to_the_themes(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    page = await client.get(
        "/", params={"q": "zzyzx", "free": "1"}, headers={"Accept-Language": "en"}
    )
    assert "No service matches" in page.text
    assert "without the filters" not in page.text
    assert "Or browse by theme:" in page.text and 'href="/?theme=food"' in page.text


async def test_a_corrected_word_is_said(client: httpx.AsyncClient, demo: Demo) -> None:
    page = await client.get("/", params={"q": "logemant"}, headers={"Accept-Language": "en"})
    assert "services found" in page.text
    assert "Also searched for “logement”, close to “logemant”" in page.text
    exact = await client.get("/", params={"q": "logement"}, headers={"Accept-Language": "en"})
    assert "Also searched for" not in exact.text
    # A Dutch word with a typo: taken for the synonym one typo away, which finds the shelters.
    dutch = await client.get("/", params={"q": "daklozn"}, headers={"Accept-Language": "en"})
    assert "Also searched for “daklozen”, close to “daklozn”" in dutch.text
    assert "Abri de nuit" in dutch.text
    # A word the services use is not called a typo, though a synonym is one letter away.
    plural = await client.get("/", params={"q": "loyers"}, headers={"Accept-Language": "en"})
    assert "services found" in plural.text and "Also searched for" not in plural.text


async def test_a_service_page_suggests_other_services_for_the_same_need(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    service = (await client.get(f"/api/v1/services/{demo.service_id}")).json()
    theme = next(t for t in service["themes"] if "." in t)
    place = (await client.get(f"/api/v1/places/{demo.place_id}")).json()
    nearest = (
        await client.get(
            "/api/v1/search",
            params={"theme": theme, "lat": place["latitude"], "lon": place["longitude"]},
        )
    ).json()
    others: list[str] = []
    for item in nearest["items"]:
        if item["service_id"] not in [str(demo.service_id), *others]:
            others.append(item["service_id"])
    assert others, "the demo has several services for this need"

    page = await client.get(f"/services/{demo.service_id}", headers={"Accept-Language": "en"})
    section = page.text.split('id="alternatives"')[1]
    links = re.findall(r'href="/services/([0-9a-f-]{36})"', section)
    assert links == others[:4]
    assert "Nearest to this service first." in section


async def test_a_full_service_points_to_the_alternatives(
    client: httpx.AsyncClient, demo: Demo, pool: asyncpg.Pool
) -> None:
    english = {"Accept-Language": "en"}
    for capacity, pointed in (("available", False), ("full", True)):
        await pool.execute(
            "UPDATE service SET capacity_status = $2 WHERE id = $1", demo.service_id, capacity
        )
        page = await client.get(f"/services/{demo.service_id}", headers=english)
        assert ('href="#alternatives"' in page.text) is pointed, capacity


async def test_a_place_page_lists_what_is_held_there(
    client: httpx.AsyncClient, demo: Demo, pool: asyncpg.Pool
) -> None:
    english = {"Accept-Language": "en"}
    service_page = await client.get(f"/services/{demo.service_id}", headers=english)
    assert f'href="/places/{demo.place_id}"' in service_page.text
    held = (await client.get("/api/v1/services", params={"place_id": str(demo.place_id)})).json()
    assert held["total"] >= 1
    # A service no longer offered is not listed.
    await pool.execute("UPDATE service SET status = 'inactive' WHERE id = $1", demo.service_id)
    page = await client.get(f"/places/{demo.place_id}", headers=english)
    assert page.status_code == 200 and "Services held here" in page.text
    listed = re.findall(r'<h3 lang="(\w\w)"><a href="/services/([0-9a-f-]{36})">', page.text)
    expected = [s for s in held["items"] if s["id"] != str(demo.service_id)]
    assert sorted(id_ for _, id_ in listed) == sorted(s["id"] for s in expected)
    # Each service says whose it is, in the language that organisation writes in.
    for service in expected:
        organisation = await pool.fetchrow(
            "SELECT name, language FROM organisation WHERE id = $1",
            uuid.UUID(service["organisation_id"]),
        )
        assert (organisation["language"], service["id"]) in listed
        assert f'lang="{organisation["language"]}">{escape(organisation["name"])}</p>' in page.text
    assert "openstreetmap.org" in page.text
    missing = await client.get("/places/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


async def test_the_results_offer_to_narrow_them_and_say_truly_how_many_remain(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    english = {"Accept-Language": "en"}

    def found(html: str) -> int:
        count = re.search(r'<p role="status">(\d+) services found</p>', html)
        if count is None:
            assert '<p role="status">1 service found</p>' in html
            return 1
        return int(count[1])

    def refine_links(html: str) -> list[tuple[str, int]]:
        nav = re.search(r'<nav class="refine"[^>]*>(.*?)</nav>', html, re.S)
        assert nav is not None
        link = r'<a href="(/\?[^"]+)"><bdi[^>]*>[^<]+</bdi>&nbsp;\((\d+)\)</a>'
        return [(href.replace("&amp;", "&"), int(n)) for href, n in re.findall(link, nav[1])]

    page = await client.get("/", params={"q": "aide"}, headers=english)
    assert 'aria-label="Narrow the results"' in page.text
    total = found(page.text)
    links = refine_links(page.text)
    themes = [(href, n) for href, n in links if "theme=" in href]
    communes = [(href, n) for href, n in links if "area=" in href]
    assert themes and communes and any("language=" in href for href, _ in links)
    assert all("." not in href.split("theme=")[1] for href, _ in themes)  # top level first
    for href, count in links:
        assert 0 < count < total
        narrowed = await client.get(href, headers=english)
        assert found(narrowed.text) == count, href

    # One step further: the sub-themes of the chosen theme, the sections of the commune.
    deeper = await client.get(
        "/", params={"q": "aide", "theme": "admin", "area": "la-louviere"}, headers=english
    )
    links = refine_links(deeper.text)
    assert any("theme=admin." in href for href, _ in links)
    assert any("area=la-louviere." in href for href, _ in links)
    chosen = [parse_qs(urlsplit(href).query) for href, _ in links]
    assert all(q["theme"][0] == "admin" or q["theme"][0].startswith("admin.") for q in chosen)
    assert all(q["area"][0].startswith("la-louviere") for q in chosen)


async def test_a_worker_refers_someone_straight_from_the_results(
    client: httpx.AsyncClient, base_url: str, demo: Demo
) -> None:
    refer = f"/workspace/refer?service_id={demo.service_id}&amp;place_id={demo.place_id}"
    anonymous = await client.get("/", params={"q": "colis"})
    assert FOOD_PARCELS in anonymous.text and "/workspace/refer" not in anonymous.text
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in(worker, demo.worker)
        worker.cookies.set("boussole_lang", "en")
        results = await worker.get("/", params={"q": "colis"})
        assert f'<a href="{refer}">Refer someone here' in results.text
        form = await worker.get(refer.replace("&amp;", "&"))
        assert form.status_code == 200
        chosen = re.search(
            r'name="place_id"[^>]*value="([^"]+)"|value="([^"]+)" selected', form.text
        )
        assert chosen is not None and str(demo.place_id) in chosen.group(0)


async def test_the_privacy_page_says_what_is_kept_and_for_how_long_in_each_language(
    client: httpx.AsyncClient,
) -> None:
    home = await client.get("/", headers={"Accept-Language": "fr"})
    assert '<a href="/privacy">Vie privée</a>' in home.text
    expected = {
        "fr": ("Vie privée", "effacées 12 mois après", "la coordination du réseau social"),
        "nl": ("Privacy", "gewist 12 maanden na", "de coördinatie van het sociaal netwerk"),
        "en": ("Privacy", "erased 12 months after", "the coordination of the social network"),
    }
    for language, texts in expected.items():
        page = await client.get("/privacy", headers={"Accept-Language": language})
        assert page.status_code == 200
        assert f'<html lang="{language}">' in page.text
        for text in texts:
            assert text in page.text, (language, text)
        assert "mailto:" not in page.text  # no contact configured


async def test_the_privacy_page_names_the_operator_and_the_data_protection_officer(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    from litestar.testing import AsyncTestClient

    from service.app import create_app

    configured = msgspec.structs.replace(
        settings,
        operator="CPAS de Testville",
        privacy_contact="dpo@testville.example",
        referral_retention_days=30,
    )
    async with AsyncTestClient(create_app(configured, pool=pool)) as client:
        page = await client.get("/privacy", headers={"Accept-Language": "fr"})
    assert "publié par CPAS de Testville" in page.text
    assert '<a href="mailto:dpo@testville.example">' in page.text
    assert "effacées 30 jours après" in page.text


async def test_a_failure_of_ours_is_a_page_for_browsers_and_a_problem_for_clients(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from service.web import public

    async def broken(conn: asyncpg.Connection) -> list[dict[str, object]]:
        raise RuntimeError("the secret detail of a bug, Madame Quackenbush")

    monkeypatch.setattr(public, "themes_tree", broken)
    page = await client.get("/themes", headers={"Accept": "text/html", "Accept-Language": "nl"})
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "Er ging iets mis" in page.text and "Quackenbush" not in page.text
    problem = await client.get("/themes", headers={"Accept": "application/json"})
    assert problem.status_code == 500
    assert problem.headers["content-type"] == "application/problem+json"
    # The log says what failed where, never the message (it may carry personal data).
    assert "unhandled RuntimeError on GET /themes" in caplog.text
    assert "Quackenbush" not in caplog.text


async def test_search_engines_may_list_the_directory_not_the_workspace(
    client: httpx.AsyncClient, demo: Demo, pool: asyncpg.Pool
) -> None:
    robots = await client.get("/robots.txt")
    assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
    assert "Disallow: /workspace/" in robots.text and "Disallow: /api/" in robots.text
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in robots.text

    async with pool.acquire() as conn:
        withdrawn = await conn.fetchval(
            "UPDATE service SET status = 'inactive' WHERE id <> $1 "
            "AND id = (SELECT min(id::text)::uuid FROM service WHERE id <> $1) RETURNING id",
            demo.service_id,
        )
    sitemap = await client.get("/sitemap.xml")
    assert sitemap.status_code == 200
    assert sitemap.headers["content-type"].startswith("application/xml")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap.text)
    assert f"http://127.0.0.1:8000/services/{demo.service_id}" in locations
    assert f"http://127.0.0.1:8000/places/{demo.place_id}" in locations
    assert f"http://127.0.0.1:8000/organisations/{demo.receiver_org}" in locations
    assert f"http://127.0.0.1:8000/services/{withdrawn}" not in locations
    for location in locations[:3] + locations[-3:]:
        page = await client.get(location.removeprefix("http://127.0.0.1:8000"))
        assert page.status_code == 200, location


async def test_an_estimated_total_is_said_to_be_one(
    client: httpx.AsyncClient, demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A radius holding more matches than are counted one by one, or an opening moment with
    more candidates than are checked (a large catalogue's; here a handful): the total is an
    estimate, the API says so and the page says "about"."""
    from search import bitmaps, postgres, results
    from service.search import engines

    # The bitmaps, as a catalogue of BOUSSOLE_SEARCH_BITMAPS_FROM documents has them.
    monkeypatch.setattr(
        engines, "PostgresEngine", lambda pool, **_: postgres.PostgresEngine(pool, bitmaps_from=0)
    )
    monkeypatch.setattr(bitmaps, "RADIUS_COUNT", 3)
    near = {"lat": "50.479", "lon": "4.187", "radius_km": "8"}
    api = (await client.get("/api/v1/search", params=near)).json()
    assert api["total"] > 3 and not api["total_exact"] and not api["facets_exact"]

    monkeypatch.setattr(postgres.PostgresEngine, "scan_size", lambda *_: 2)
    monkeypatch.setattr(results, "SCAN_EXACT", 1)
    opening = {"open_on": "2026-11-23", "open_time": "10:30"}
    page = await client.get("/", params=opening, headers={"Accept-Language": "en"})
    found = re.search(r'role="status">About (\d+) services found<', page.text)
    assert found is not None and int(found[1]) > 20


async def test_words_asking_for_free_services_tick_the_free_box(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    english = {"Accept-Language": "en"}
    page = await client.get("/", params={"q": "colis gratuits"}, headers=english)
    # The words are the box, ticked: the form shows so, and unticking it is heard.
    assert 'name="q" type="search" value="colis"' in page.text
    assert '<input type="checkbox" name="free" value="1" checked>' in page.text
    assert "Free services only, as your words asked" in page.text
    api = (await client.get("/api/v1/search", params={"q": "colis", "free": "true"})).json()
    assert api["total"] > 0
    assert f"{api['total']} services found" in page.text or api["total"] == 1
    # Asked with the box, or without such words, nothing is said.
    ticked = await client.get("/", params={"q": "colis", "free": "1"}, headers=english)
    assert "as your words asked" not in ticked.text
    unticked = await client.get("/", params={"q": "colis"}, headers=english)
    assert 'name="free" value="1" checked' not in unticked.text
