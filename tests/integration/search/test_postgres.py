"""The PostgreSQL engine's own layout: a narrow document table, payloads apart, facet codes."""

from __future__ import annotations

import asyncpg
import pytest

from schemas.search import SearchFilters
from search import postgres
from search.backend import EngineQuery
from search.documents import DocumentBuilder
from search.postgres import PostgresEngine
from search.results import count_facets
from service.db.pool import create_pool
from tests.integration.search.conftest import Catalogue, sync

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def engine(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> PostgresEngine:
    """Four documents of three services in two places, indexed."""
    await catalogue.organisation()
    bouvy = await catalogue.place("Bouvy", territory="la-louviere.la-louviere.bouvy")
    haine = await catalogue.place("Haine", territory="la-louviere.haine-saint-paul", lat=50.47)
    await catalogue.service(
        "Colis alimentaires",
        description="Colis pour les familles.",
        places=[(bouvy, "Mo 09:00-12:00"), (haine, None)],
        languages=["fr", "ar"],
    )
    await catalogue.service(
        "Colis du samedi",
        themes=["food.social-grocery"],
        places=[(haine, "Sa 09:00-12:00")],
        situations=["homeless"],
    )
    await catalogue.service(
        "Abri de nuit", themes=["homelessness.night-shelter"], type="accommodation"
    )
    engine = PostgresEngine(pool)
    await sync(pool, [engine], builder)
    return engine


async def test_every_document_has_its_payload_and_no_other(
    engine: PostgresEngine, pool: asyncpg.Pool, builder: DocumentBuilder
) -> None:
    async with pool.acquire() as conn:
        rows = await conn.fetchval("SELECT array_agg(id ORDER BY id) FROM search_document")
        payloads = await conn.fetchval("SELECT array_agg(id ORDER BY id) FROM search_payload")
        assert len(rows) == 4 and payloads == rows
        # The hours of the week a service may be open are for the filters, not the page.
        assert await conn.fetchval(
            "SELECT bool_or(d.open_slots <> '{}') AND bool_and(NOT p.document ? 'open_slots')"
            " FROM search_document d JOIN search_payload p USING (id)"
        )
        # A service leaves a place and another closes down: their payloads go with them.
        await conn.execute(
            "DELETE FROM service_place WHERE place_id = (SELECT id FROM place WHERE name = 'Haine')"
            " AND service_id = (SELECT id FROM service WHERE name = 'Colis alimentaires')"
        )
        ids = await conn.fetchval("SELECT array_agg(id) FROM service")
        await conn.execute("DELETE FROM service WHERE name = 'Abri de nuit'")
        await conn.execute("SELECT enqueue_search($1::uuid[])", ids)
    await sync(pool, [engine], builder)
    async with pool.acquire() as conn:
        rows = await conn.fetchval("SELECT array_agg(id ORDER BY id) FROM search_document")
        payloads = await conn.fetchval("SELECT array_agg(id ORDER BY id) FROM search_payload")
    assert len(rows) == 2 and payloads == rows
    result = await engine.search(EngineQuery(text="colis"))
    assert [hit.document["name"] for hit in result.hits] == [
        "Colis alimentaires",
        "Colis du samedi",
    ]


async def test_facet_codes_count_as_the_documents_say(engine: PostgresEngine) -> None:
    result = await engine.search(EngineQuery(limit=10))
    assert result.total == 4 and result.facets_exact
    assert result.facets == count_facets(hit.document for hit in result.hits)
    assert result.facets["languages"] == {"fr": 2, "ar": 2}
    assert result.facets["situations"] == {"homeless": 1}
    narrowed = await engine.search(EngineQuery(filters=SearchFilters(types=["accommodation"])))
    assert narrowed.facets["type"] == {"accommodation": 1}
    assert (await engine.search(EngineQuery(text="zzzqqq"))).facets == {}


async def test_without_bitmaps_a_broad_search_counts_facets_of_the_best_matches_only(
    engine: PostgresEngine, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statement that reads every match (a point to sort by, an opening moment)."""
    engine = PostgresEngine(pool, bitmaps_from=None)
    exact = await engine.search(EngineQuery(limit=10))
    monkeypatch.setattr(postgres, "FACET_LIMIT", 2)
    for limit, offset in ((10, 0), (1, 1)):  # the page within the best, and beyond it
        broad = await engine.search(EngineQuery(limit=limit, offset=offset))
        # The page and the total stay exact; the facets say they are not.
        assert broad.total == 4 and not broad.facets_exact
        assert [h.document["id"] for h in broad.hits] == [
            h.document["id"] for h in exact.hits[offset : offset + limit]
        ]
        assert broad.facets == count_facets(hit.document for hit in exact.hits[:2])


async def test_words_in_the_name_rank_first_then_organisation_and_themes_then_the_rest(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    await catalogue.organisation()
    await catalogue.service(
        "Vestiaire et douche",
        description="Douche chaude, douche chaude, douche chaude, douche chaude.",
    )
    await catalogue.service("Douche chaude", description="Au centre.")
    await catalogue.service("Lavoir", description="Une douche chaude.")
    engine = PostgresEngine(pool)
    await sync(pool, [engine], builder)
    result = await engine.search(EngineQuery(text="douche chaude"))
    # ts_rank alone puts first the description that says it four times (0.9953 > 0.9910):
    # both words in the name come first, then the others (a word elsewhere) by ts_rank.
    assert [hit.document["name"] for hit in result.hits] == [
        "Douche chaude",
        "Vestiaire et douche",
        "Lavoir",
    ]


async def test_a_name_made_of_the_words_typed_comes_before_one_found_through_a_synonym(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    await catalogue.organisation()
    # "colis" means "aide alimentaire" too (synonyms.json): both names are in the first tier.
    await catalogue.service(
        "Aide alimentaire d'urgence",
        description="Aide alimentaire, aide alimentaire, aide alimentaire pour tous.",
    )
    await catalogue.service("Colis alimentaires", description="Le mardi.")
    engine = PostgresEngine(pool)
    await sync(pool, [engine], builder)
    for text in ("colis", "colis "):  # the last word still being typed, and finished
        result = await engine.search(EngineQuery(text=text))
        assert [hit.document["name"] for hit in result.hits] == [
            "Colis alimentaires",
            "Aide alimentaire d'urgence",
        ]


@pytest.mark.parametrize(
    "text", ["colis", "sans abri", "logemant", "cpas ottignies", "epicerie sociale", "l'eau"]
)
async def test_a_tier_is_the_same_by_weighted_query_and_by_filtered_vector(
    demo_url: str, text: str
) -> None:
    """`search_weighted` (cheap) gives every document the tier `ts_filter` (exact) gives."""
    compiled = postgres.Compiled("")
    cte = postgres._text_cte(EngineQuery(text=text), compiled, False)
    conn = await asyncpg.connect(demo_url)
    try:
        disagree, matched = await conn.fetchrow(
            f"""
            WITH {cte.rstrip(",")}
            SELECT count(*) FILTER (WHERE {postgres._TIER} <> CASE
                       WHEN ts_filter(d.tsv, '{{a}}') @@ query.q THEN 4
                       WHEN ts_filter(d.tsv, '{{a,b}}') @@ query.q THEN 3
                       WHEN ts_filter(d.tsv, '{{a,b,c}}') @@ query.q THEN 2 ELSE 1 END),
                   count(*) FILTER (WHERE d.tsv @@ query.q)
            FROM search_document d, query
            """,
            *compiled.args,
        )
    finally:
        await conn.close()
    assert disagree == 0
    assert matched > 0


async def test_corrections_name_the_word_searched_for_a_word_no_document_holds(
    demo_url: str,
) -> None:
    pool = await create_pool(demo_url, max_size=1)
    try:
        assert await postgres.corrections(pool, "aide au logemant") == [("logemant", "logement")]
        # Known words, words a synonym explains and short words are not corrections.
        assert await postgres.corrections(pool, "logement daklozen sdf") == []
    finally:
        await pool.close()


@pytest.mark.parametrize("bitmaps_from", [None, 0], ids=["statement", "bitmaps"])
async def test_a_word_no_document_holds_is_taken_for_one_within_meilisearchs_typos(
    pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder, bitmaps_from: int | None
) -> None:
    """One typo from 4 letters, two from 8, two swapped letters counting as one (as
    Meilisearch's settings here): "dentaires" is not "alimentaires", however alike their
    trigrams (similarity 0.44), nor "tonight" "night"."""
    place = await catalogue.place()
    for name in ("Colis alimentaires", "Douches et lavoir", "Logement social", "Abri de nuit"):
        await catalogue.service(name, places=[(place, None)])
    engine = PostgresEngine(pool, bitmaps_from=bitmaps_from, hold=False)
    await sync(pool, [engine], builder)

    async def found(text: str) -> list[str]:
        result = await engine.search(EngineQuery(text=f"{text} "))  # a finished word
        return [hit.document["name"] for hit in result.hits]

    assert await found("logemant") == ["Logement social"]  # replaced
    assert await found("logemnet") == ["Logement social"]  # swapped
    assert await found("douchse") == ["Douches et lavoir"]  # swapped, 7 letters
    assert await found("logemmant") == ["Logement social"]  # two typos in 9 letters
    assert await found("dentaires") == []
    assert await found("tonight") == []  # two typos from "night" in 7 letters
    assert await postgres.corrections(pool, "dentaires logemant") == [("logemant", "logement")]
