"""What Meilisearch is asked and told: queries without stop words, synonyms that still meet
them (Meilisearch keeps no stop words, so synonym phrases match the documents as written)."""

from __future__ import annotations

from search.meilisearch import index_settings, index_synonyms, query_text
from search.text import raw_synonyms


def test_queries_leave_out_stop_words() -> None:
    assert query_text("besoin de colis") == "colis"
    assert query_text("Abri de nuit") == "abri nuit"
    assert query_text("de la") == ""
    assert query_text("hulp bij huur") == "huur"


def test_a_word_one_typo_from_a_synonym_term_is_asked_as_that_term() -> None:
    # Meilisearch applies its synonyms to the words asked, not to a word with a typo.
    assert query_text("besoin de daklozn") == "daklozen"
    assert query_text("colis daklozn ") == "colis daklozen"


def test_every_synonym_is_reachable_from_a_query_without_stop_words() -> None:
    table = index_synonyms()
    for term, values in raw_synonyms().items():
        asked = query_text(term)
        if not asked or len(asked.split()) > 3:
            continue  # Meilisearch looks synonyms up for up to three words in a row
        assert set(values) - {asked} <= set(table[asked]), term


def test_synonym_values_keep_their_words_as_written() -> None:
    table = index_synonyms()
    assert any("abri de nuit" in values for values in table.values())
    assert "abri nuit" in table


def test_the_index_keeps_its_stop_words_to_itself() -> None:
    settings = index_settings()
    assert settings.stop_words == []
    assert settings.synonyms == index_synonyms()


def test_a_phrase_of_the_synonyms_is_also_known_with_its_words_in_the_other_number() -> None:
    # Meilisearch does not stem: "mediation dette" is a synonym entry of its own.
    table = index_synonyms()
    asked = query_text("médiation de dette")
    assert asked == "mediation dette"
    assert {"médiation de dettes", "surendettement"} <= set(table[asked])
    assert "médiation de dettes" in table[query_text("médiations de dettes")]
