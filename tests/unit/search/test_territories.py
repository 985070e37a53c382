"""What people type for a place, as territory ids: pure functions on the network's rows."""

from __future__ import annotations

import pytest

from service.errors import InvalidInput
from service.search.territories import Parameter, Territories

ROWS = [
    ("la-louviere", "commune", "La Louvière", None, ["7100", "7110"]),
    ("ottignies-louvain-la-neuve", "commune", "Ottignies-Louvain-la-Neuve", None,
     ["1340", "1341", "1342", "1348"]),
    ("la-louviere.haine-saint-paul", "section", "Haine-Saint-Paul", "la-louviere", ["7100"]),
    ("la-louviere.haine-saint-pierre", "section", "Haine-Saint-Pierre", "la-louviere", ["7100"]),
    ("la-louviere.la-louviere", "section", "La Louvière", "la-louviere", ["7100"]),
    ("la-louviere.strepy-bracquegnies", "section", "Strépy-Bracquegnies", "la-louviere",
     ["7110"]),
    ("la-louviere.maurage", "section", "Maurage", "la-louviere", ["7110"]),
    ("ottignies-louvain-la-neuve.ottignies", "section", "Ottignies",
     "ottignies-louvain-la-neuve", ["1340"]),
    ("ottignies-louvain-la-neuve.louvain-la-neuve", "section", "Louvain-la-Neuve",
     "ottignies-louvain-la-neuve", ["1348"]),
    ("la-louviere.la-louviere.bouvy", "quartier", "Bouvy", "la-louviere.la-louviere", ["7100"]),
]  # fmt: skip
TERRITORIES = Territories(
    dict(zip(("id", "kind", "name", "parent_id", "postal_codes"), row, strict=True)) for row in ROWS
)


@pytest.mark.parametrize(
    ("parameter", "typed", "ids"),
    [
        ("commune", "la-louviere", ["la-louviere"]),
        ("commune", "ottignies-louvain-la-neuve", ["ottignies-louvain-la-neuve"]),
        ("commune", "Ottignies-Louvain-la-Neuve", ["ottignies-louvain-la-neuve"]),
        ("commune", "OTTIGNIES LOUVAIN LA NEUVE", ["ottignies-louvain-la-neuve"]),
        ("commune", "la louviere", ["la-louviere"]),
        ("commune", " La Louvière ", ["la-louviere"]),
        ("commune", "7100", ["la-louviere"]),
        ("commune", "7110", ["la-louviere"]),
        ("commune", "1348", ["ottignies-louvain-la-neuve"]),
        ("section", "la-louviere.haine-saint-pierre", ["la-louviere.haine-saint-pierre"]),
        ("section", "La-Louviere.Haine-Saint-Pierre", ["la-louviere.haine-saint-pierre"]),
        ("section", "Haine-Saint-Pierre", ["la-louviere.haine-saint-pierre"]),
        ("section", "haine saint pierre", ["la-louviere.haine-saint-pierre"]),
        ("section", "strepy-bracquegnies", ["la-louviere.strepy-bracquegnies"]),
        ("section", "ottignies", ["ottignies-louvain-la-neuve.ottignies"]),
        # A commune and its section may share a name: the parameter says which is meant.
        ("section", "La Louvière", ["la-louviere.la-louviere"]),
        ("section", "1348", ["ottignies-louvain-la-neuve.louvain-la-neuve"]),
        # Several sections of one commune share 7100: it names the commune.
        ("section", "7100", ["la-louviere"]),
        # A quartier lies in a section: documents list it among their territories too.
        ("section", "bouvy", ["la-louviere.la-louviere.bouvy"]),
    ],
)
def test_what_people_type_resolves_to_territory_ids(
    parameter: Parameter, typed: str, ids: list[str]
) -> None:
    assert TERRITORIES.resolve(parameter, typed) == ids


@pytest.mark.parametrize(
    ("parameter", "typed", "said"),
    [
        ("commune", "zzz", "unknown commune 'zzz'"),
        ("commune", "9999", "no commune of the network has the postal code 9999"),
        ("section", "1000", "no section of the network has the postal code 1000"),
        ("section", "la-louviere\x00", "unknown section"),
        # Another kind of place: the 422 says which parameter names it.
        (
            "commune",
            "ottignies",
            "'ottignies' is a section: section=ottignies-louvain-la-neuve.ottignies, "
            "or commune=ottignies-louvain-la-neuve",
        ),
        ("commune", "Bouvy", "or commune=la-louviere"),
        ("section", "ottignies-louvain-la-neuve", "is a commune: commune=ottignies-louvain"),
        # The commune's id, though a section has its name ("la louviere" is that section).
        ("section", "la-louviere", "'la-louviere' is a commune: commune=la-louviere"),
    ],
)
def test_what_names_no_place_of_the_kind_is_a_422_naming_the_parameter(
    parameter: Parameter, typed: str, said: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        TERRITORIES.resolve(parameter, typed)
    [error] = raised.value.errors
    assert error.field == parameter
    assert said in error.message


def test_the_pages_area_is_a_commune_else_a_section() -> None:
    assert TERRITORIES.area("La Louvière") == ("commune", ["la-louviere"])
    assert TERRITORIES.area("la-louviere.la-louviere") == ("section", ["la-louviere.la-louviere"])
    assert TERRITORIES.area("Louvain-la-Neuve") == (
        "section",
        ["ottignies-louvain-la-neuve.louvain-la-neuve"],
    )
    assert TERRITORIES.area("1348") == ("commune", ["ottignies-louvain-la-neuve"])
    assert TERRITORIES.area("zzz") is None


@pytest.mark.parametrize(
    ("typed", "names"),
    [
        # A part of a name typed by hand: whatever its case or accents, each word the start
        # of one of the name's words; the commune and the section called so are one name.
        ("louviere", ["La Louvière"]),
        ("LOUVIÈRE", ["La Louvière"]),
        ("strepy", ["Strépy-Bracquegnies"]),
        ("haine paul", ["Haine-Saint-Paul"]),
        ("bouv", ["Bouvy"]),
        # Part of several names: each is said, communes first.
        ("haine", ["Haine-Saint-Paul", "Haine-Saint-Pierre"]),
        ("louv", ["La Louvière", "Ottignies-Louvain-la-Neuve", "Louvain-la-Neuve"]),
        # Not the start of a word, nothing, or a NUL: no name.
        ("ouviere", []),
        ("zzz", []),
        (" - ", []),
        ("louv\x00", []),
    ],
)
def test_a_part_of_a_name_is_the_names_it_is_in(typed: str, names: list[str]) -> None:
    assert TERRITORIES.names_with_words(typed) == names
