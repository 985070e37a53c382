"""A citizen at a public guichet, on a phone: what the pages must do for them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import ON_A_PHONE, page_in
from tests.integration.web.conftest import FOOD_PARCELS, Demo

pytestmark = pytest.mark.asyncio


async def test_back_to_the_search_keeps_the_words_and_the_filters(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, **ON_A_PHONE, locale="fr-BE") as page:
        await page.goto(base_url + "/?q=colis&free=1")
        await page.get_by_role("link", name=FOOD_PARCELS).first.click()
        await page.wait_for_url(re.compile(r"/services/"))
        # Through the service's place and back to the service, in Dutch meanwhile.
        await page.locator('a[href^="/places/"]').first.click()
        await page.wait_for_url(re.compile(r"/places/"))
        await page.get_by_role("link", name="Nederlands").click()
        await page.wait_for_url(re.compile(r"/places/"))
        await page.get_by_role("link", name="Terug naar de zoekopdracht").click()
        await page.wait_for_url(re.compile(r"q=colis"))
        assert await page.get_by_label("Wat hebt u nodig?").input_value() == "colis"
        assert await page.locator("input[name=free]").is_checked()

        # A service reached from the search: its link too.
        await page.get_by_role("link", name=FOOD_PARCELS).first.click()
        await page.wait_for_url(re.compile(r"/services/"))
        await page.get_by_role("link", name="Terug naar de zoekopdracht").click()
        await page.wait_for_url(re.compile(r"q=colis&free=1"))

        # From a service to the organisation that offers it: the way back is there too.
        await page.get_by_role("link", name=FOOD_PARCELS).first.click()
        await page.wait_for_url(re.compile(r"/services/"))
        await page.locator('a[href^="/organisations/"]').first.click()
        await page.wait_for_url(re.compile(r"/organisations/"))
        await page.get_by_role("link", name="Terug naar de zoekopdracht").click()
        await page.wait_for_url(re.compile(r"q=colis&free=1"))

        # A new search from the home page, with no words: the link goes to it, not to colis.
        await page.goto(base_url + "/")
        await page.goto(f"{base_url}/services/{demo.service_id}")
        await page.get_by_role("link", name="Terug naar de zoekopdracht").click()
        await page.wait_for_url(base_url + "/")


async def test_back_to_the_search_without_javascript_goes_to_the_search_page(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, **ON_A_PHONE, locale="fr-BE", java_script_enabled=False) as page:
        await page.goto(base_url + "/?q=colis")
        await page.goto(f"{base_url}/services/{demo.service_id}")
        await page.get_by_role("link", name="Retour à la recherche").click()
        await page.wait_for_url(base_url + "/")
        assert await page.get_by_label("De quoi avez-vous besoin ?").is_visible()


SMALL_PHONE: dict[str, Any] = {**ON_A_PHONE, "viewport": {"width": 360, "height": 740}}
"""A small phone, as many have at the guichet."""
THUMB = 44
"""The height of a finger's tap (WCAG 2.5.5, Apple's and Android's guidelines: 44 to 48 px)."""


async def test_call_and_the_pages_of_results_are_big_enough_to_tap(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, **SMALL_PHONE, locale="fr-BE") as page:
        await page.goto(base_url + "/?q=aide&page=2")
        calls = page.locator('ul.results a[href^="tel:"]')
        assert await calls.count() >= 2
        for box in [await calls.nth(i).bounding_box() for i in range(await calls.count())]:
            assert box is not None and box["height"] >= THUMB
        previous = await page.get_by_role("link", name="Page précédente").bounding_box()
        following = await page.get_by_role("link", name="Page suivante").bounding_box()
        assert previous is not None and following is not None
        assert previous["height"] >= THUMB and following["height"] >= THUMB
        # Side by side, the previous on the left and the next on the right, on one line.
        assert previous["y"] == following["y"]
        assert following["x"] + following["width"] > 300


async def test_the_search_form_and_the_report_form_are_big_enough_to_tap(
    browser: Any, base_url: str, demo: Demo
) -> None:
    async with page_in(browser, **SMALL_PHONE, locale="fr-BE") as page:
        await page.goto(base_url + "/?q=colis")
        await page.get_by_text("Filtres").click()
        heights = {}
        for name in ("Ouvert maintenant", "Sans rendez-vous", "Gratuit"):
            box = await page.locator("label.check", has_text=name).bounding_box()
            heights[name] = box and box["height"]
        for name in ("Rechercher", "Près de moi"):
            box = await page.get_by_role("button", name=name, exact=True).bounding_box()
            heights[name] = box and box["height"]
        box = await page.locator("details.filters summary").bounding_box()
        heights["Filtres"] = box and box["height"]
        assert {name: h for name, h in heights.items() if not h or h < THUMB} == {}
        # The two buttons side by side are as high as each other.
        assert heights["Rechercher"] == heights["Près de moi"]

        await page.goto(f"{base_url}/services/{demo.service_id}/report/")
        choices = page.locator("label.check")
        for i in range(await choices.count()):
            box = await choices.nth(i).bounding_box()
            assert box is not None and box["height"] >= THUMB, await choices.nth(i).inner_text()
