"""What the three kinds of people do, in a real browser, with axe checking each page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import ON_A_PHONE, PHONE, page_in, severe_violations, sign_in
from tests.integration.web.conftest import FOOD_PARCELS, Demo

pytestmark = pytest.mark.asyncio


async def test_a_wide_screen_shows_the_filters_of_the_home_page_unfolded(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, viewport={"width": 1280, "height": 800}, locale="en") as page:
        await page.goto(base_url + "/")
        assert await page.locator("details.filters").get_attribute("open") == ""
        assert await page.get_by_label("Theme", exact=True).is_visible()
        # While the words are typed, suggestions: themes in the page's language, names.
        await page.get_by_label("What do you need?").press_sequentially("food", delay=20)
        options = page.locator("#q-suggestions option")
        await options.first.wait_for(state="attached")
        offered = await options.evaluate_all("options => options.map(o => o.value)")
        assert offered[0] == "Food" and "Food parcels" in offered and "food bank" in offered
        await page.get_by_label("What do you need?").fill("")
        # Results fold them again, above the list.
        await page.get_by_label("What do you need?").fill("colis")
        await page.get_by_role("button", name="Search", exact=True).click()
        await page.wait_for_url(re.compile(r"q=colis"))
        assert await page.locator("details.filters").get_attribute("open") is None


async def test_citizen_on_a_phone_searches_in_french_then_dutch(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, **ON_A_PHONE, locale="fr-BE") as page:
        await page.goto(base_url + "/")
        assert await page.locator("html").get_attribute("lang") == "fr"
        assert await severe_violations(page) == []
        # The filters are folded: the button is on the first screen, under the words.
        search = page.get_by_role("button", name="Rechercher")
        box = await search.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"]
        assert await page.locator("details.filters").get_attribute("open") is None

        await page.get_by_label("De quoi avez-vous besoin ?").fill("colis alimentaire")
        await page.get_by_role("button", name="Rechercher").click()
        await page.wait_for_url(re.compile(r"q=colis"))
        results = page.locator("ul.results > li")
        assert await results.count() >= 2
        names = await page.locator("ul.results h3").all_inner_texts()
        assert FOOD_PARCELS in names
        count = page.locator("section[aria-labelledby=results-title] [role=status]")
        assert "services trouvés" in await count.inner_text()
        assert await severe_violations(page) == []

        await page.get_by_role("link", name="Nederlands").click()
        await page.wait_for_url(re.compile(r"q=colis"))
        assert await page.locator("html").get_attribute("lang") == "nl"
        assert await page.get_by_role("heading", name="Resultaten").is_visible()
        themes = await page.locator("#theme optgroup").evaluate_all(
            "groups => groups.map(g => g.label)"
        )
        assert "Voeding" in themes

        await page.get_by_role("link", name=FOOD_PARCELS).first.click()
        await page.wait_for_url(re.compile(r"/services/"))
        assert await page.get_by_role("heading", name="Waar en wanneer").is_visible()
        table = page.locator("table").first
        assert await table.locator("tbody tr").count() == 7
        assert re.search(
            r"maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag",
            await table.inner_text(),
        )
        assert await severe_violations(page) == []


async def test_worker_refers_someone_and_the_receiver_accepts(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, locale="fr-BE") as page:
        await page.goto(base_url + "/workspace/login")
        assert await severe_violations(page) == []
        await sign_in(page, base_url, demo.worker)
        await page.goto(f"{base_url}/workspace/")
        assert await severe_violations(page) == []

        await page.goto(f"{base_url}/services/{demo.service_id}")
        await page.get_by_role("link", name="Orienter quelqu'un vers ce service").click()
        await page.wait_for_url(re.compile(r"/workspace/refer"))
        await page.get_by_label("Pourquoi la personne est-elle orientée ?").fill(
            "Famille de quatre personnes, besoin d'un colis cette semaine."
        )
        await page.get_by_label("Prénom").fill("Fatima")
        await page.get_by_label("Nom", exact=True).fill("El Amrani")
        await page.get_by_label("Téléphone").fill("0470 12 34 56")
        await page.get_by_label("Comment contacter la personne").select_option("phone")
        await page.get_by_label("La personne accepte que ses données soient transmises").check()
        assert await severe_violations(page) == []
        await page.get_by_role("button", name="Envoyer l'orientation").click()
        await page.wait_for_url(re.compile(r"/workspace/referrals/.+\?sent=1"))
        assert await page.get_by_role(
            "link", name="Papier à imprimer pour la personne"
        ).first.is_visible()
        referral_url = page.url.split("?")[0]
        heading = await page.get_by_role("heading", level=1).inner_text()
        reference = heading.split()[-1]

        await page.get_by_role("link", name="Orientations envoyées").click()
        assert await page.get_by_role("link", name=reference).is_visible()
        assert await severe_violations(page) == []

    async with page_in(browser, locale="fr-BE") as page:
        await sign_in(page, base_url, demo.receiver)
        await page.goto(f"{base_url}/workspace/referrals?box=inbox")
        await page.get_by_role("link", name=reference).click()
        await page.wait_for_url(referral_url)
        assert await page.get_by_text("El Amrani").is_visible()
        assert await severe_violations(page) == []
        await page.get_by_role("button", name="Accepter").click()
        await page.wait_for_url(re.compile(r"done=accept"))
        assert await page.locator("dl.facts dd strong").first.inner_text() == "Acceptée"
        assert await page.get_by_role("button", name="Clôturer l'orientation").is_visible()


async def test_editor_sets_capacity_edits_hours_and_the_service(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, locale="fr-BE") as page:
        await sign_in(page, base_url, demo.editor)
        await page.goto(f"{base_url}/workspace/")
        card = page.locator(f"#service-{demo.service_id}")
        await card.get_by_role("button", name=re.compile("^Complet")).click()
        await page.wait_for_url(re.compile(r"updated="))
        card = page.locator(f"#service-{demo.service_id}")
        assert "Complet" in await card.locator("strong").first.inner_text()

        await card.get_by_role("link", name=re.compile("Modifier l'horaire")).first.click()
        await page.wait_for_url(re.compile(r"/hours$"))
        await page.get_by_label(re.compile("^En texte, au format")).check()
        field = page.locator("#opening_hours")
        await field.fill("Mo-Fr 9h-12h")
        await page.get_by_role("button", name="Enregistrer l'horaire").click()
        error = page.locator("#opening_hours-error")
        assert "Horaire non valide" in await error.inner_text()
        assert await field.get_attribute("aria-invalid") == "true"
        assert await severe_violations(page) == []

        # Day by day, as most associations will: Monday to Friday, two openings a day.
        await page.get_by_label("Jour par jour", exact=True).check()
        for day in ("mo", "tu", "we", "th", "fr"):
            for slot, (opens, closes) in enumerate((("09:00", "12:00"), ("13:30", "16:00"))):
                await page.locator(f"#week-{day}-{slot}-opens").fill(opens)
                await page.locator(f"#week-{day}-{slot}-closes").fill(closes)
        for day in ("sa", "su"):
            for slot in range(2):
                await page.locator(f"#week-{day}-{slot}-opens").fill("")
                await page.locator(f"#week-{day}-{slot}-closes").fill("")
        await page.get_by_label("Fermé les jours fériés").check()
        # The demo's hours are fortnightly (Tu[1],Tu[3]), which a week cannot show: named,
        # and dropped only once the box says so.
        assert "Tu[1],Tu[3] 14:00-16:30" in await page.locator("#week-replace-rules").inner_text()
        await page.get_by_label("Enregistrer jour par jour sans ces règles").check()
        assert await severe_violations(page) == []
        await page.get_by_role("button", name="Enregistrer l'horaire").click()
        await page.wait_for_url(re.compile(r"saved=1"))
        assert await page.get_by_role("status").first.inner_text() == "Enregistré."
        assert (
            await page.locator("#opening_hours").input_value()
            == "Mo-Fr 09:00-12:00,13:30-16:00; PH off"
        )

        await page.goto(f"{base_url}/workspace/")
        card = page.locator(f"#service-{demo.service_id}")
        assert "pas vérifié depuis plus de 6 mois" in await card.inner_text()
        await card.get_by_role("link", name=re.compile("Modifier la description")).click()
        await page.wait_for_url(re.compile(r"/edit$"))
        assert await severe_violations(page) == []
        await page.get_by_label("Sans rendez-vous").check()
        await page.get_by_label("Documents à apporter").fill(
            "Carte d'identité\nComposition de ménage"
        )
        await page.get_by_label("Numéros de téléphone").fill("064 27 78 11\nappeler Luc")
        await page.get_by_role("button", name="Enregistrer le service").click()
        phones = page.get_by_label("Numéros de téléphone")
        assert await phones.get_attribute("aria-invalid") == "true"
        assert "appeler Luc" in await page.locator("#phones-error").inner_text()
        assert await severe_violations(page) == []
        await phones.fill("064 27 78 11")
        await page.get_by_role("button", name="Enregistrer le service").click()
        await page.wait_for_url(re.compile(r"updated="))
        assert await page.get_by_role("status").first.inner_text() == "Enregistré."
        card = page.locator(f"#service-{demo.service_id}")
        await card.get_by_role("button", name=re.compile("^Toujours à jour")).click()
        await page.wait_for_url(re.compile(r"verified="))
        card = page.locator(f"#service-{demo.service_id}")
        assert "pas vérifié depuis plus de 6 mois" not in await card.inner_text()
        assert await severe_violations(page) == []


async def test_coordinator_finds_what_to_verify_and_reminds_an_organisation(
    browser: Any, base_url: str, pool: Any, demo: Demo
) -> None:
    from tests.integration.web.test_workspace_service_edit import add_coordinator

    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE service SET last_verified_on = NULL WHERE organisation_id = $1",
            demo.receiver_org,
        )
    async with page_in(browser, **ON_A_PHONE, locale="fr-BE") as page:
        await sign_in(page, base_url, await add_coordinator(pool))
        await page.goto(f"{base_url}/workspace/")
        await page.get_by_role("link", name="Informations à vérifier dans le réseau").click()
        await page.wait_for_url(re.compile(r"/workspace/network/$"))
        assert await severe_violations(page) == []
        card = page.locator(f"#organisation-{demo.receiver_org}")
        assert "jamais vérifié" in await card.inner_text()
        await card.get_by_role("button", name=re.compile("^Envoyer un rappel")).click()
        await page.wait_for_url(re.compile(r"reminded="))
        card = page.locator(f"#organisation-{demo.receiver_org}")
        # Said in the card the page opens on, not at the top of a long page.
        assert "Le rappel part" in await card.get_by_role("status").inner_text()
        assert "Un prochain rappel pourra être envoyé dès le" in await card.inner_text()
        assert await card.get_by_role("button").count() == 0
        assert await severe_violations(page) == []


async def test_a_service_page_prints_without_menus_and_with_its_hours(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, locale="fr-BE") as page:
        await page.goto(f"{base_url}/services/{demo.service_id}")
        assert await page.get_by_role("navigation", name="Menu principal").is_visible()
        await page.emulate_media(media="print")
        assert not await page.get_by_role("navigation", name="Menu principal").is_visible()
        assert not await page.get_by_role("link", name="Retour à la recherche").is_visible()
        assert await page.get_by_role("heading", level=1).is_visible()
        assert await page.locator("table").first.is_visible()


async def test_an_association_admin_invites_a_colleague(
    browser: Any, base_url: str, pool: Any, demo: Demo
) -> None:
    from tests.integration.web.conftest import add_user

    admin = await add_user(pool, demo.receiver_org, "admin", "Nadia Admin")
    async with page_in(browser, **ON_A_PHONE, locale="fr-BE") as page:
        await sign_in(page, base_url, admin)
        await page.goto(f"{base_url}/workspace/")
        await page.get_by_role("link", name=re.compile("^Gérer l'équipe")).click()
        await page.wait_for_url(re.compile(r"/team/$"))
        assert await severe_violations(page) == []
        await page.get_by_label("Adresse e-mail").fill("pas une adresse")
        await page.get_by_label("Rôle", exact=True).select_option("editor")
        await page.get_by_role("button", name="Envoyer l'invitation").click()
        # The browser's own check stops a malformed address before it is sent.
        assert "/team/" in page.url
        await page.get_by_label("Adresse e-mail").fill("collegue@example.org")
        await page.get_by_role("button", name="Envoyer l'invitation").click()
        await page.wait_for_url(re.compile(r"done=invited"))
        assert "L'invitation est envoyée." in await page.get_by_role("status").inner_text()
        assert "collegue@example.org" in await page.locator("#invitations").inner_text()
        assert await severe_violations(page) == []


async def test_a_citizen_reports_wrong_hours_from_a_phone(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, **ON_A_PHONE, locale="nl-BE") as page:
        await page.goto(f"{base_url}/services/{demo.service_id}")
        await page.get_by_role("link", name="Foute informatie melden").click()
        await page.wait_for_url(re.compile(r"/report/$"))
        assert await severe_violations(page) == []
        await page.get_by_role("button", name="De melding versturen").click()
        # Nothing chosen: the browser asks for a choice before anything is sent.
        assert page.url.endswith("/report/")
        await page.get_by_label("De openingsuren kloppen niet").check()
        await page.get_by_label("In een paar woorden").fill("Op woensdag gesloten.")
        await page.get_by_role("button", name="De melding versturen").click()
        await page.wait_for_url(re.compile(r"/report/sent$"))
        assert "verwittigd" in await page.get_by_role("status").inner_text()
        assert await severe_violations(page) == []


async def test_a_coordinator_reads_the_statistics(browser: Any, base_url: str, pool: Any) -> None:
    from tests.integration.web.test_workspace_service_edit import add_coordinator

    async with page_in(browser, locale="fr-BE") as page:
        await sign_in(page, base_url, await add_coordinator(pool))
        await page.goto(f"{base_url}/workspace/")
        await page.get_by_role("link", name="Statistiques").first.click()
        await page.wait_for_url(re.compile(r"/workspace/statistics/"))
        assert await page.get_by_role("heading", name="Tout le réseau").is_visible()
        assert await severe_violations(page) == []


async def test_an_editor_adds_a_service_from_a_phone(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, locale="fr-BE", viewport=PHONE) as page:
        await sign_in(page, base_url, demo.editor)
        await page.goto(f"{base_url}/workspace/")
        await page.get_by_role("link", name="Ajouter un service").click()
        await page.wait_for_url(re.compile(r"/workspace/services/new"))
        assert await severe_violations(page) == []
        await page.get_by_role("button", name="Ajouter le service").click()
        assert await page.locator("#themes-error").is_visible()
        assert await severe_violations(page) == []

        await page.get_by_label("Nom").fill("Petits-déjeuners du dimanche")
        await page.get_by_label("Type de service").select_option("material_aid")
        await page.locator("#themes summary", has_text="Alimentation").click()
        await page.get_by_label("Alimentation, dans son ensemble").check()
        await page.get_by_role("button", name="Ajouter le service").click()
        await page.wait_for_url(re.compile(r"/edit\?created=1"))
        assert "Le service est ajouté." in await page.get_by_role("status").first.inner_text()
        assert await page.locator("#name").input_value() == "Petits-déjeuners du dimanche"


async def test_an_editor_sets_the_access_of_a_place(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, locale="fr-BE", viewport=PHONE) as page:
        await sign_in(page, base_url, demo.editor)
        await page.goto(f"{base_url}/workspace/places/{demo.place_id}/edit")
        assert await severe_violations(page) == []
        await page.get_by_label("Accessible en fauteuil roulant", exact=True).check()
        await page.get_by_label("Comment entrer").fill("Sonnette à gauche de la porte.")
        await page.get_by_role("button", name="Enregistrer le lieu").click()
        await page.wait_for_url(re.compile(r"saved=1"))
        assert await page.get_by_role("status").first.inner_text() == "Enregistré."
        assert await page.get_by_label("Comment entrer").input_value() == (
            "Sonnette à gauche de la porte."
        )


async def test_from_a_service_to_everything_held_at_its_place(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, locale="fr-BE", viewport=PHONE) as page:
        await page.goto(f"{base_url}/services/{demo.service_id}")
        await page.locator(f'a[href="/places/{demo.place_id}"]').click()
        await page.wait_for_url(re.compile(r"/places/"))
        assert await page.get_by_role("heading", name="Services proposés à cette adresse").count()
        assert await severe_violations(page) == []


async def test_every_page_fits_a_phone_and_passes_axe(
    browser: Any, base_url: str, demo: Demo, pool: Any
) -> None:
    """Every page a coordinator and a citizen reach fits 390 px (nothing to scroll sideways)
    and has no serious or critical accessibility violation."""
    from tests.integration.web.test_workspace_service_edit import add_coordinator

    service, place = demo.service_id, demo.place_id
    public = [
        "/",
        "/?q=colis+alimentaire&free=1",
        "/themes",
        f"/services/{service}",
        f"/places/{place}",
        f"/organisations/{demo.receiver_org}",
        "/privacy",
    ]
    workspace = [
        "/workspace/",
        "/workspace/referrals?box=inbox",
        "/workspace/referrals?box=outbox",
        "/workspace/statistics/",
        f"/workspace/statistics/?organisation_id={demo.receiver_org}",
        "/workspace/network",
        "/workspace/account",
        f"/workspace/services/{service}/edit",
        f"/workspace/services/{service}/places/{place}/hours",
        "/workspace/services/new",
        f"/workspace/places/{place}/edit",
        f"/workspace/organisations/{demo.receiver_org}/team/",
    ]
    # A phone widens its layout to fit what overflows: compare with the page's own width.
    wider = "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    too_wide = []
    violations = {}
    async with page_in(browser, **ON_A_PHONE, locale="fr-BE") as page:
        for path in public:
            await page.goto(base_url + path)
            if await page.evaluate(wider):
                too_wide.append(path)
            violations[path] = await severe_violations(page)
        await sign_in(page, base_url, await add_coordinator(pool))
        for path in workspace:
            response = await page.goto(base_url + path)
            assert response is not None and response.status == 200, path
            if await page.evaluate(wider):
                too_wide.append(path)
            violations[path] = await severe_violations(page)
    assert too_wide == []
    assert {path: found for path, found in violations.items() if found} == {}


async def test_the_referral_lists_and_a_referral_fit_a_phone(
    browser: Any, base_url: str, demo: Demo
) -> None:
    """With referrals in them (six columns; a worker's long address in the timeline), the
    lists and a referral fit 390 px: each referral a card, each fact under its name, the
    reference 44 px high and the search apart from the filters; on the referral, each fact's
    value under its name."""
    import httpx

    from tests.integration.web.conftest import csrf_of, posted_back
    from tests.integration.web.conftest import sign_in as sign_in_over_http

    async with httpx.AsyncClient(base_url=base_url, timeout=30) as worker:
        await sign_in_over_http(worker, demo.worker)
        paths = []
        for urgency in ("normal", "urgent"):
            form = await worker.get(f"/workspace/refer?service_id={demo.service_id}")
            sent = await worker.post(
                "/workspace/refer",
                data={
                    "csrf_token": csrf_of(form.text),
                    "service_id": str(demo.service_id),
                    "place_id": str(demo.place_id),
                    "reason": "Famille de quatre personnes, besoin d'un colis cette semaine.",
                    "anonymous": "1",
                    "urgency": urgency,
                },
            )
            assert sent.status_code == 303, sent.text
            paths.append(sent.headers["location"].split("?")[0])
        page = await worker.get(paths[0])
        written = await worker.post(
            f"{paths[0]}/messages", data={"csrf_token": csrf_of(page.text), "text": "Mardi ?"}
        )
        assert written.status_code == 303
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as receiver:
        await sign_in_over_http(receiver, demo.receiver)
        page = await receiver.get(paths[0])
        accepted = await receiver.post(f"{paths[0]}/accept", data=posted_back(page.text))
        assert accepted.status_code == 303

    wider = "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    for person, pages in (
        (demo.receiver, ["/workspace/referrals?box=inbox", paths[0]]),
        (demo.worker, ["/workspace/referrals?box=outbox"]),
    ):
        async with page_in(browser, **ON_A_PHONE, locale="fr-BE") as page:
            await sign_in(page, base_url, person)
            for path in pages:
                await page.goto(base_url + path)
                assert not await page.evaluate(wider), path
                assert await severe_violations(page) == [], path
                if "box=" in path:
                    # Each fact under the other, after its column's name.
                    status = page.locator("table.stacked tbody tr").first.locator("td").nth(3)
                    before = "td => getComputedStyle(td, '::before').content"
                    assert "Statut\u202f:" in await status.evaluate(before), path
                    box = await status.bounding_box()
                    assert box is not None and box["x"] < 40, path
                    # The reference, what opens the referral, is a finger's height.
                    link = page.locator("table.stacked tbody tr").first.locator("td a").first
                    tapped = await link.bounding_box()
                    assert tapped is not None and tapped["height"] >= 44, path
                    # The "Find" button stands clear of the status filters.
                    find = await page.locator(".find-reference button").bounding_box()
                    filters = await page.locator("nav.filters-by-status").bounding_box()
                    assert find is not None and filters is not None, path
                    assert filters["y"] - (find["y"] + find["height"]) >= 8, path
                else:
                    # Each fact's name above its value, the value the page's whole width.
                    name = await page.locator("dl.facts dt").first.bounding_box()
                    value = await page.locator("dl.facts dd").first.bounding_box()
                    assert name is not None and value is not None, path
                    assert value["y"] >= name["y"] + name["height"], path
                    assert abs(value["x"] - name["x"]) < 1 and value["width"] > 250, path
