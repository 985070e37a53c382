"""Folding, stop words and synonym expansion: pure functions shared by both engines."""

from __future__ import annotations

import pytest

from search.backend import MARK_END, MARK_START
from search.results import with_ellipses
from search.text import (
    Synonyms,
    expand,
    fold,
    load_synonyms,
    meaningful_words,
    number_forms,
    number_variants,
    one_typo_apart,
    raw_synonyms,
    without_free_words,
)

SYNONYMS = Synonyms.from_data(
    {
        "equivalents": [["sdf", "sans abri", "sans domicile fixe"]],
        "expansions": {"colis": ["aide alimentaire"], "colis alimentaire": ["banque alimentaire"]},
    }
)


def test_fold_removes_case_and_accents() -> None:
    assert fold("Épicerie Sociale à Haine-Saint-Pierre") == "epicerie sociale a haine-saint-pierre"


def test_meaningful_words_drop_french_stop_words_and_split_apostrophes() -> None:
    assert meaningful_words("J'ai besoin d'un abri pour dormir ce soir") == [
        "ai",
        "abri",
        "dormir",
        "soir",
    ]


def test_dutch_and_english_needs_keep_only_their_meaningful_words() -> None:
    assert meaningful_words("hulp bij huur") == ["huur"]
    assert meaningful_words("I need help with my debts") == ["debts"]
    assert meaningful_words("ik zoek werk") == ["werk"]
    assert meaningful_words("Comment trouver un logement ?") == ["logement"]
    assert meaningful_words("how to pay rent") == ["rent"]


def test_a_word_one_typo_from_a_synonym_term_is_taken_for_it_too() -> None:
    [group] = expand("daklozn")
    assert group.near == "daklozen" and group.alternatives[:2] == (("daklozn",), ("daklozen",))
    assert ("sans", "abri") in group.alternatives
    assert expand("advokaat")[0].near == "advocaat"  # a letter changed
    assert expand("zwangr")[0].near == "zwanger"  # one dropped
    # A plural is the term's own variant (`number_variants`), not a typo of it.
    assert ("loyer",) in expand("loyers")[0].alternatives
    # Terms themselves, short words and words two typos away are left as typed.
    assert expand("colis")[0].near is None
    assert expand("sdg")[0].near is None
    assert expand("dkalozne")[0].near is None
    assert one_typo_apart("daklozen", "dakolzen") and not one_typo_apart("daklozen", "dkaolzen")


def test_equivalents_go_both_ways() -> None:
    [group] = expand("SDF", SYNONYMS)
    assert group.alternatives == (("sdf",), ("sans", "abri"), ("sans", "domicile", "fixe"))
    [group] = expand("sans abri ", SYNONYMS)
    assert group.typed == ("sans", "abri")
    assert ("sdf",) in group.alternatives


def test_longest_phrase_wins_and_expansions_go_one_way() -> None:
    [group] = expand("colis alimentaire ", SYNONYMS)
    assert group.alternatives == (("colis", "alimentaire"), ("banque", "alimentaire"))
    assert expand("aide alimentaire ", SYNONYMS)[0].alternatives == (("aide",),)


def test_each_word_is_a_group_and_the_last_unfinished_word_is_a_prefix() -> None:
    groups = expand("logement urgen", SYNONYMS)
    assert [g.typed for g in groups] == [("logement",), ("urgen",)]
    assert [g.prefix for g in groups] == [False, True]
    assert not expand("logement urgent ", SYNONYMS)[-1].prefix


def test_the_synonyms_file_covers_the_issue_vocabulary() -> None:
    synonyms = load_synonyms()
    for term, meaning in [
        ("colis", "aide alimentaire"),
        ("sans papiers", "sejour irregulier"),
        ("sdf", "sans abri"),
        ("ris", "revenu integration"),
        ("mutuelle", "assurance maladie"),
    ]:
        assert tuple(meaning.split()) in synonyms.expansions[tuple(term.split())], term
    assert "assurance maladie" in raw_synonyms()["mutuelle"]


def test_snippets_say_where_they_cut_the_description() -> None:
    text = "Le Comptoir est un lieu d'accueil à bas seuil pour se reposer, se laver et manger."
    marked = f"Le Comptoir est un lieu d'{MARK_START}accueil{MARK_END} à bas seuil"
    assert with_ellipses(marked, text) == f"{marked} …"
    middle = f"lieu d'{MARK_START}accueil{MARK_END} à bas"
    assert with_ellipses(middle, text) == f"… {middle} …"
    two = f"Le {MARK_START}Comptoir{MARK_END} est … se laver et manger."
    assert with_ellipses(two, text) == two
    assert with_ellipses(text, "  " + text.replace(" ", "\n ", 1)) == text  # whitespace aside


def test_number_forms_follow_the_regular_french_plural() -> None:
    assert number_forms("dette") == {"dette", "dettes"}
    assert number_forms("dettes") == {"dette", "dettes"}
    assert number_forms("conjugal") == {"conjugal", "conjugals", "conjugaux"}
    assert number_forms("sociaux") == {"sociaux", "social"}
    assert number_forms("jeu") == {"jeu", "jeux"}
    assert number_forms("prix") == {"prix"}
    assert number_forms("27") == {"27"}


def test_a_phrase_in_the_singular_means_what_it_means_in_the_plural() -> None:
    """'médiation de dette' found 3 services of the demo and 'médiation de dettes' 13: only
    the plural phrase was an entry of the synonyms file."""
    synonyms = Synonyms.from_data({"equivalents": [["médiation de dettes", "surendettement"]]})

    def meanings(query: str) -> set[tuple[str, ...]]:
        [group] = expand(query, synonyms)
        return set(group.alternatives)

    plural = meanings("médiation de dettes ")
    assert meanings("médiation de dette ") == plural | {("mediation", "dette")}
    assert meanings("médiations de dette ") >= plural
    assert [g.typed for g in expand("surendettements ", synonyms)] == [("surendettements",)]
    # The file's own phrases, as both engines read them.
    assert ("mediation", "dettes") in set(expand("mediation de dette ")[0].alternatives)
    assert ("violences", "conjugales") in set(expand("violence conjugales ")[0].alternatives)


def test_a_one_word_term_typed_in_the_plural_means_what_the_term_means() -> None:
    """'ados' found nothing where 'ado' found the youth services: stemming reads documents,
    not the synonyms file. The singular of a plural term is not derived: 'arts' (Dutch for
    a doctor) is no 'art'."""
    synonyms = Synonyms.from_data({"expansions": {"ado": ["jeunes"], "arts": ["médecin"]}})
    [group] = expand("ados ", synonyms)
    assert set(group.alternatives) == {("ados",), ("ado",), ("jeunes",)}
    [group] = expand("art ", synonyms)
    assert group.alternatives == (("art",),)
    assert number_variants(("jeu",)) == [("jeux",)]
    assert number_variants(("dettes",)) == []


@pytest.mark.parametrize(
    ("query", "rest"),
    [
        ("avocat gratuit", "avocat"),
        ("Colis GRATUITS", "Colis"),
        ("gratuité", ""),  # the noun folds to the adjective
        ("free of charge legal advice", "legal advice"),
        ("à titre gratuit, avocat", "avocat"),
        ("tandarts kosteloos", "tandarts"),
        ("sans frais d'inscription", "d'inscription"),
        ("douche", None),
        ("frais scolaires", None),  # fees to pay are a need, not "free"
        ("freedom", None),  # whole words only
    ],
)
def test_words_asking_for_free_services_are_taken_out(query: str, rest: str | None) -> None:
    assert without_free_words(query) == rest
