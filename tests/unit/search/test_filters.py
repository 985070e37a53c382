"""Filter translation for both engines, slots and the answer glue: pure functions."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from schemas.search import SearchFilters
from search.backend import (
    MARK_END,
    MARK_START,
    TZ,
    EngineQuery,
    opening_slots,
    opening_span,
    slots_between,
    week_slot,
)
from search.documents import slots_of, slug
from search.meilisearch import filter_expression
from search.postgres import Compiled, compile_search, tsquery_groups, where_clauses
from search.results import count_facets, crop_marked, highlight_text, render_highlight
from search.text import expand
from service.search.routes import NO_FILTERS, OpeningCheck, day_span, filters_from

MONDAY_10 = datetime(2026, 11, 23, 10, 30, tzinfo=TZ)


def test_meilisearch_filters() -> None:
    filters = SearchFilters(
        themes=["food", "housing"],
        communes=["la-louviere"],
        age=30,
        situation="homeless",
        free=True,
        wheelchair=True,
        open_at=MONDAY_10,
        lat=50.5,
        lon=4.2,
        radius_km=2.5,
    )
    assert filter_expression(filters) == [
        'themes IN ["food", "housing"]',
        'territories IN ["la-louviere"]',
        "age_min <= 30 AND age_max >= 30",
        '(open_to_all = true OR situations = "homeless")',
        "free = true",
        'wheelchair = "yes"',
        'status = "active" AND has_hours = true AND (slots_from > 1795426200 '
        "OR slots_until < 1795426201 OR open_slots IN [10])",
        "_geoRadius(50.5, 4.2, 2500)",
    ]


def test_a_day_is_filtered_on_each_of_its_hours_and_its_whole_span() -> None:
    saturday = datetime(2026, 11, 28, tzinfo=TZ)
    filters = SearchFilters(open_at=saturday, open_until=saturday + timedelta(days=1))
    assert opening_slots(filters) == list(range(5 * 24, 6 * 24))
    assert opening_span(filters) == (1795820400, 1795820400 + 86400)
    slots = ", ".join(str(slot) for slot in range(5 * 24, 6 * 24))
    assert filter_expression(filters) == [
        'status = "active" AND has_hours = true AND (slots_from > 1795820400 '
        f"OR slots_until < 1795906800 OR open_slots IN [{slots}])"
    ]
    compiled = Compiled("")
    assert where_clauses(filters, compiled) == [
        "d.status = 'active' AND d.has_hours AND (d.slots_from > $1::bigint "
        "OR d.slots_until < $2::bigint OR d.open_slots && $3::smallint[])"
    ]
    assert compiled.args == [1795820400, 1795906800, list(range(120, 144))]


def test_the_day_the_clocks_go_forward_has_23_hours_and_every_slot_but_the_skipped_one() -> None:
    sunday = date(2027, 3, 28)
    start, end = day_span(sunday)
    assert end.timestamp() - start.timestamp() == 23 * 3600
    assert opening_slots(SearchFilters(open_at=start, open_until=end)) == [
        6 * 24 + hour for hour in range(24) if hour != 2
    ]
    assert slots_between(start, start + timedelta(days=8)) == set(range(7 * 24))


def test_meilisearch_quotes_values() -> None:
    assert filter_expression(SearchFilters(languages=['f"r'])) == ['languages IN ["f\\"r"]']
    # Only the quote is escaped in Meilisearch's filter syntax; a backslash stays as it is.
    assert filter_expression(SearchFilters(languages=["f\\r"])) == ['languages IN ["f\\r"]']


def test_postgres_filters_are_parameters() -> None:
    compiled = Compiled("")
    clauses = where_clauses(
        SearchFilters(themes=["food"], sections=["la-louviere.bouvy"], walk_in=False), compiled
    )
    assert clauses == [
        "d.themes && $1::text[]",
        "d.territories && $2::text[]",
        "d.walk_in = $3::boolean",
    ]
    assert compiled.args == [["food"], ["la-louviere.bouvy"], False]


def test_postgres_search_sorts_by_distance_when_a_point_is_given() -> None:
    sql = compile_search(EngineQuery(text="colis", filters=SearchFilters(lat=50.4, lon=4.1))).sql
    assert "ORDER BY distance_km NULLS LAST, tier DESC, rank DESC" in sql
    assert "ORDER BY name, id" in compile_search(EngineQuery()).sql


def test_tsquery_groups_with_prefix_and_typos() -> None:
    assert tsquery_groups(expand("sdf epicer"))[1] == {
        "alternatives": ["epicer:*"],
        "fuzzy": ["epicer"],
    }
    first = tsquery_groups(expand("sdf epicer"))[0]
    assert "sans & abri" in first["alternatives"]
    # A word one typo away from a synonym term is also taken for it, and what it stands for:
    # a whole word, then, neither a prefix nor a typo of another word.
    daklozen = tsquery_groups(expand("sdf daklozn"))[1]
    assert daklozen["alternatives"][:2] == ["daklozn", "daklozen"]
    assert "sans & abri" in daklozen["alternatives"] and daklozen["fuzzy"] == []


def test_a_term_of_the_synonyms_is_a_whole_word_and_no_typo() -> None:
    """ "langes" (nappies) is no start of "langue" (stem "lang"), "couches" no typo of
    "douches": the words a term means find the services."""
    langes, couches = tsquery_groups(expand("langes")), tsquery_groups(expand("des couches"))
    assert langes[0]["alternatives"][0] == "langes" and langes[0]["fuzzy"] == []
    assert couches[0]["alternatives"][0] == "couches" and couches[0]["fuzzy"] == []
    assert "produits & hygiene" in couches[0]["alternatives"]
    # A word of no term may be unfinished, or mistyped.
    assert tsquery_groups(expand("epicer")) == [{"alternatives": ["epicer:*"], "fuzzy": ["epicer"]}]


def test_week_slot_is_brussels_time() -> None:
    assert week_slot(MONDAY_10) == 10
    assert week_slot(datetime(2026, 11, 29, 23, 0, tzinfo=TZ)) == 6 * 24 + 23


def test_slots_of_intervals_across_midnight() -> None:
    intervals = [
        (datetime(2026, 11, 23, 22, 0, tzinfo=TZ), datetime(2026, 11, 24, 1, 0, tzinfo=TZ))
    ]
    assert slots_of(intervals) == [22, 23, 24]


def test_slug() -> None:
    assert slug("La Louvière") == "la-louviere"
    assert slug("Ottignies-Louvain-la-Neuve") == "ottignies-louvain-la-neuve"


def test_count_facets() -> None:
    documents = [{"themes": ["food", "food.parcels"], "type": "material_aid"}, {"themes": ["food"]}]
    assert count_facets(documents) == {
        "themes": {"food": 2, "food.parcels": 1},
        "type": {"material_aid": 1},
    }


def test_count_facets_skips_what_is_missing() -> None:
    documents = [
        {"themes": None, "type": "material_aid", "commune": None, "languages": []},
        {"themes": ["food"], "type": "material_aid", "commune": "la-louviere", "wheelchair": "yes"},
    ]
    assert count_facets(documents) == {
        "themes": {"food": 1},
        "type": {"material_aid": 2},
        "commune": {"la-louviere": 1},
        "wheelchair": {"yes": 1},
    }


def test_opening_check_reads_exceptions_as_a_list_or_their_json_text() -> None:
    closed_today = [
        {
            "starts_on": "2026-11-23",
            "ends_on": "2026-11-23",
            "opening_hours": None,
            "message": "Fermé",
        }
    ]
    check = OpeningCheck(MONDAY_10)
    document = {"status": "active", "opening_hours": "Mo-Fr 09:00-12:00"}
    listed = check.state({**document, "exceptions": closed_today})
    as_text = check.state({**document, "exceptions": json.dumps(closed_today)})
    assert listed is not None and as_text is not None
    assert not listed.now and not as_text.now and as_text.message == listed.message
    assert check.is_open({**document, "exceptions": "[]"})
    assert not check.is_open({**document, "status": "temporarily_closed", "exceptions": []})


def test_highlight_marks_words_and_synonyms_and_escapes_html() -> None:
    marked = highlight_text("Colis <b>alimentaires</b> & repas", "colis")
    assert (
        marked == f"{MARK_START}Colis{MARK_END} <b>{MARK_START}alimentaires{MARK_END}</b> & repas"
    )
    assert render_highlight(marked).startswith("<mark>Colis</mark> &lt;b&gt;<mark>")
    assert highlight_text("Abri de nuit", "colis") is None


def test_a_long_description_is_cropped_around_its_first_match() -> None:
    words = [f"mot{i}" for i in range(100)]
    words[50] = "colis"
    marked = highlight_text(" ".join(words), "colis")
    assert marked is not None
    snippet = crop_marked(marked)
    assert snippet.startswith("… mot40 ") and snippet.endswith(" mot69 …")
    assert f"{MARK_START}colis{MARK_END}" in snippet and len(snippet.split()) == 30 + 2
    short = highlight_text("Colis alimentaires le mardi", "colis")
    assert short is not None and crop_marked(short) == short
    last = highlight_text(" ".join([*words[:50], "colis"]), "colis")
    assert last is not None and crop_marked(last).endswith(f"{MARK_START}colis{MARK_END}")


def test_language_codes_ignore_case_as_communes_do() -> None:
    filters = filters_from(**{**NO_FILTERS, "language": ["AR", " Nl", "ar"]})
    assert filters.languages == ["ar", "nl"]
