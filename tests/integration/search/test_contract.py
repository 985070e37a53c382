"""One contract for every engine: PostgreSQL always, Meilisearch when MEILI_URL is set.

No fake engine: each test writes real catalogue rows, lets the outbox consumer index them,
and asks the engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta

import asyncpg
import pytest

from schemas.search import SearchDocument, SearchFilters
from search.backend import EngineQuery, SearchEngine
from search.documents import DocumentBuilder
from search.postgres import PostgresEngine
from search.results import search_exact
from service.hours import TZ
from service.search.routes import OpeningCheck, day_span
from tests.integration.search.conftest import Catalogue, next_tuesday_at_14, sync

pytestmark = pytest.mark.asyncio

WEEKDAYS = "Mo-Fr 09:00-12:00; PH off"


def names(result: object) -> list[str]:
    return [hit.document["name"] for hit in result.hits]  # type: ignore[attr-defined]


@pytest.fixture
async def indexed(
    engine: SearchEngine, pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> SearchEngine:
    """A small catalogue in two communes, indexed."""
    await catalogue.organisation("CPAS de La Louvière")
    bouvy = await catalogue.place(
        "Maison de quartier de Bouvy",
        territory="la-louviere.la-louviere.bouvy",
        lat=50.476,
        lon=4.178,
        wheelchair="yes",
    )
    haine = await catalogue.place(
        "Salle Saint-Paul", territory="la-louviere.haine-saint-paul", lat=50.470, lon=4.205
    )
    await catalogue.service(
        "Colis alimentaires",
        description="Distribution de colis alimentaires aux familles en difficulté.",
        places=[(bouvy, WEEKDAYS), (haine, "Sa 09:00-12:00")],
        languages=["fr", "ar"],
        walk_in=True,
    )
    await catalogue.service(
        "Épicerie sociale Le Panier",
        themes=["food.social-grocery"],
        description="Produits à petits prix sur présentation d'une attestation du CPAS.",
        places=[(haine, "Tu,Th 13:00-17:00")],
        free=False,
        situations=["ris_beneficiary"],
    )
    await catalogue.service(
        "Abri de nuit",
        themes=["homelessness.night-shelter"],
        type="accommodation",
        description="Un lit, une douche et un repas chaud pour la nuit.",
        places=[(bouvy, "Mo-Su 20:00-08:00")],
        situations=["homeless"],
        genders=["male"],
        age_min=18,
        unconditional=True,
    )
    await catalogue.organisation("Ottignies Solidarité", kind="association")
    lln = await catalogue.place(
        "Maison de la solidarité",
        territory="ottignies-louvain-la-neuve.louvain-la-neuve",
        commune="Ottignies-Louvain-la-Neuve",
        lat=50.668,
        lon=4.612,
    )
    await catalogue.service(
        "Aide au logement",
        themes=["housing.housing-search"],
        type="accompaniment",
        description="Recherche d'un logement, garantie locative, contacts avec les propriétaires.",
        places=[(lln, WEEKDAYS)],
    )
    await catalogue.service(
        "Permanence fermée",
        themes=["admin.social-permanence"],
        places=[(lln, WEEKDAYS)],
        status="temporarily_closed",
    )
    await sync(catalogue.pool, [engine], builder)
    return engine


async def test_words_accents_synonyms_and_typos(indexed: SearchEngine) -> None:
    assert names(await indexed.search(EngineQuery(text="colis")))[:2] == ["Colis alimentaires"] * 2
    assert "Épicerie sociale Le Panier" in names(await indexed.search(EngineQuery(text="epicerie")))
    assert "Abri de nuit" in names(await indexed.search(EngineQuery(text="sdf")))
    assert "Aide au logement" in names(await indexed.search(EngineQuery(text="logemant")))
    assert "Abri de nuit" in names(await indexed.search(EngineQuery(text="douches")))
    # Theme labels in the three languages of the pages; synonyms for words people say.
    assert names(await indexed.search(EngineQuery(text="housing"))) == ["Aide au logement"]
    assert "Abri de nuit" in names(await indexed.search(EngineQuery(text="daklozen")))


async def test_every_word_first_and_some_of_them_only_when_none_has_all(
    indexed: SearchEngine,
) -> None:
    every = await indexed.search(EngineQuery(text="colis familles"))
    assert set(names(every)) == {"Colis alimentaires"} and every.all_words
    assert (await indexed.search(EngineQuery(text="douche"))).all_words
    # No service has both words: the answer says so, and holds services with some of them
    # (PostgreSQL: any word; Meilisearch: the first words, as its `last` strategy keeps them).
    some = await indexed.search(EngineQuery(text="douche logement"))
    assert not some.all_words
    assert "Abri de nuit" in names(some)


async def test_every_service_at_every_place_is_a_document(indexed: SearchEngine) -> None:
    result = await indexed.search(EngineQuery(limit=100))
    assert result.total == 6
    assert names(result).count("Colis alimentaires") == 2


async def test_filters(indexed: SearchEngine) -> None:
    async def found(**filters: object) -> set[str]:
        result = await indexed.search(EngineQuery(filters=SearchFilters(**filters), limit=50))  # type: ignore[arg-type]
        assert result.total == len(result.hits)
        return set(names(result))

    assert await found(themes=["food"]) == {"Colis alimentaires", "Épicerie sociale Le Panier"}
    assert await found(types=["accommodation"]) == {"Abri de nuit"}
    assert await found(communes=["ottignies-louvain-la-neuve"]) == {
        "Aide au logement",
        "Permanence fermée",
    }
    assert await found(sections=["la-louviere.haine-saint-paul"]) == {
        "Colis alimentaires",
        "Épicerie sociale Le Panier",
    }
    assert "Abri de nuit" not in await found(age=12)
    assert "Abri de nuit" not in await found(gender="female")
    assert await found(situation="homeless", communes=["la-louviere"]) == {
        "Colis alimentaires",
        "Abri de nuit",
    }
    assert await found(free=False) == {"Épicerie sociale Le Panier"}
    assert await found(walk_in=True) == {"Colis alimentaires"}
    assert await found(unconditional=True) == {"Abri de nuit"}
    assert await found(languages=["ar"]) == {"Colis alimentaires"}
    # Several values of one filter: any of them; of two filters: both.
    assert await found(languages=["ar", "nl"]) == {"Colis alimentaires"}
    lln_or_haine = ["ottignies-louvain-la-neuve.louvain-la-neuve", "la-louviere.haine-saint-paul"]
    assert await found(sections=lln_or_haine) == {
        "Colis alimentaires",
        "Épicerie sociale Le Panier",
        "Aide au logement",
        "Permanence fermée",
    }
    assert await found(communes=["la-louviere"], sections=lln_or_haine, free=False) == {
        "Épicerie sociale Le Panier"
    }
    assert await found(wheelchair=True) == {"Colis alimentaires", "Abri de nuit"}


async def test_facets_count_the_matches(indexed: SearchEngine) -> None:
    result = await indexed.search(EngineQuery(filters=SearchFilters(communes=["la-louviere"])))
    assert result.total == 4
    assert result.facets["type"] == {"material_aid": 3, "accommodation": 1}
    assert result.facets["themes"]["food"] == 3
    assert result.facets["section"]["la-louviere.haine-saint-paul"] == 2


async def test_distance_sort_and_radius(indexed: SearchEngine) -> None:
    near_bouvy = SearchFilters(lat=50.476, lon=4.178)
    result = await indexed.search(EngineQuery(filters=near_bouvy, limit=10))
    distances = [hit.distance_km for hit in result.hits]
    assert distances == sorted(distances)  # type: ignore[type-var]
    assert distances[0] is not None and distances[0] < 0.05
    assert 37 < distances[-1] < 38  # type: ignore[operator]
    within = SearchFilters(lat=50.476, lon=4.178, radius_km=5)
    assert (await indexed.search(EngineQuery(filters=within))).total == 4


async def test_paging(indexed: SearchEngine) -> None:
    everything = names(await indexed.search(EngineQuery(limit=10)))
    pages = []
    for offset in range(0, 6, 2):
        page = await indexed.search(EngineQuery(limit=2, offset=offset))
        assert page.total == 6
        pages += names(page)
    assert pages == everything
    assert (await indexed.search(EngineQuery(limit=2, offset=40))).hits == []


async def test_open_at_prefilter_keeps_every_open_service(indexed: SearchEngine) -> None:
    tuesday_14 = next_tuesday_at_14()
    result = await indexed.search(EngineQuery(filters=SearchFilters(open_at=tuesday_14)))
    assert "Épicerie sociale Le Panier" in names(result)
    assert "Permanence fermée" not in names(result)  # temporarily closed: never open
    assert "Aide au logement" not in names(result)


async def test_a_closed_friday_has_no_night_on_saturday_morning(
    engine: SearchEngine, pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    """Closed on the coming Friday, a Friday 22:00-02:00 is not open at 01:00 on Saturday,
    by the pre-filter, the opening check and the held bitmaps' check of the day alike."""
    today = datetime.now(TZ).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    place = await catalogue.place("Bar à soupe")
    await catalogue.service(
        "Soupe de nuit", places=[(place, "Fr 22:00-02:00")], exceptions=[(friday, friday, None)]
    )
    await sync(pool, [engine], builder)

    async def open_at(day: date) -> list[str]:
        moment = datetime.combine(day, time(1, 0), tzinfo=TZ)
        query = EngineQuery(filters=SearchFilters(open_at=moment))
        return names(await search_exact(engine, query, OpeningCheck(moment).is_open))

    assert await open_at(friday + timedelta(days=1)) == []
    assert await open_at(friday + timedelta(days=8)) == ["Soupe de nuit"]


async def test_open_on_a_day_keeps_what_opens_at_some_moment_of_it(
    engine: SearchEngine, pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    """A day asked (open_on): kept are the services open at any moment of it, a night begun
    the day before included, by the pre-filter, the opening check and the held bitmaps'
    check alike; a closed service or one without hours never is."""
    today = datetime.now(TZ).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    place = await catalogue.place("Bar à soupe")
    await catalogue.service(
        "Soupe de nuit", places=[(place, "Fr 22:00-02:00")], exceptions=[(friday, friday, None)]
    )
    await catalogue.service("Matinées", places=[(place, "Mo-Fr 09:00-12:00")])
    await catalogue.service("Samedi soir", places=[(place, "Sa 23:30-24:00")])
    await catalogue.service("Fermé", places=[(place, "24/7")], status="temporarily_closed")
    await catalogue.service("Sans horaire", places=[(place, None)])
    await sync(pool, [engine], builder)

    async def open_on(day: date) -> list[str]:
        span = day_span(day)
        query = EngineQuery(filters=SearchFilters(open_at=span[0], open_until=span[1]))
        return sorted(names(await search_exact(engine, query, OpeningCheck(span[0], span).is_open)))

    for _ in ("as written", "from the bitmaps held in the server, where there are some"):
        assert await open_on(friday) == ["Matinées"]  # the soup is closed that Friday
        assert await open_on(friday + timedelta(days=1)) == ["Samedi soir"]  # no Friday night
        assert await open_on(friday + timedelta(days=7)) == ["Matinées", "Soupe de nuit"]
        assert await open_on(friday + timedelta(days=8)) == ["Samedi soir", "Soupe de nuit"]
        assert await open_on(friday + timedelta(days=9)) == []  # Sunday
        if isinstance(engine, PostgresEngine):
            await engine.hold()


async def test_highlight_marks_matched_words(indexed: SearchEngine) -> None:
    [hit, *_] = (await indexed.search(EngineQuery(text="colis"))).hits
    assert "\x02Colis\x03" in hit.highlight["name"]


async def test_changes_and_deletions_follow_the_catalogue(
    indexed: SearchEngine, pool: asyncpg.Pool, builder: DocumentBuilder
) -> None:
    async with pool.acquire() as conn:
        # The colis service leaves one of its places; the shelter closes down.
        await conn.execute(
            """DELETE FROM service_place WHERE place_id IN
                   (SELECT id FROM place WHERE name = 'Salle Saint-Paul')
               AND service_id = (SELECT id FROM service WHERE name = 'Colis alimentaires')"""
        )
        ids = await conn.fetchval("SELECT array_agg(id) FROM service")
        await conn.execute("DELETE FROM service WHERE name = 'Abri de nuit'")
        await conn.execute("SELECT enqueue_search($1::uuid[])", ids)
        gone = await conn.fetchval("SELECT gen_random_uuid()")
        await conn.execute("SELECT enqueue_search($1::uuid[])", [gone])
    await sync(pool, [indexed], builder)
    assert names(await indexed.search(EngineQuery(text="colis"))) == ["Colis alimentaires"]
    assert (await indexed.search(EngineQuery(text="abri de nuit"))).total == 0
    assert (await indexed.search(EngineQuery(limit=50))).total == 4


async def test_reindex_rebuilds_from_the_catalogue_and_searches_go_on_meanwhile(
    indexed: SearchEngine, pool: asyncpg.Pool, builder: DocumentBuilder
) -> None:
    async with pool.acquire() as conn:
        # Changes the outbox never saw (written around the catalogue, as a restore would).
        await conn.execute(
            "UPDATE service SET name = 'Colis du samedi' WHERE name = 'Colis alimentaires'"
        )
        await conn.execute("DELETE FROM service WHERE name = 'Abri de nuit'")
        await conn.execute("DELETE FROM search_outbox WHERE done_at IS NULL")
    during: list[int] = []

    async def batches_while_searching() -> AsyncIterator[list[SearchDocument]]:
        async for batch in builder.build_all(pool, batch_size=2):
            during.append((await indexed.search(EngineQuery(text="colis"))).total)
            yield batch

    count = await indexed.reindex(batches_while_searching())
    assert count == 5  # the colis service at its two places, three others
    assert during and all(total >= 1 for total in during)  # never an empty index meanwhile
    assert names(await indexed.search(EngineQuery(text="samedi"))) == ["Colis du samedi"] * 2
    assert (await indexed.search(EngineQuery(text="abri de nuit"))).total == 0
    assert (await indexed.search(EngineQuery(limit=50))).total == 5
