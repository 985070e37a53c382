"""The gettext catalogues hold exactly the messages of the code, each translated in French
and Dutch, with the placeholders of its English text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from service import i18n

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = ("fr", "nl")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _extracted() -> set[str]:
    """What `pybabel extract` finds with the README's command, singulars and plurals."""
    with (i18n.LOCALE_DIR / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(
        ROOT, method_map, options_map, keywords=i18n.EXTRACTION_KEYWORDS
    ):
        found |= set(message) if isinstance(message, tuple) else {message}
    return found


def _catalogue(language: str) -> Catalog:
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    return _extracted()


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_of_the_code_is_translated_and_none_is_left_over(
    language: str, extracted: set[str]
) -> None:
    catalogue = _catalogue(language)
    ids: set[str] = set()
    for message in catalogue:
        if not message.id:
            continue
        ids |= set(message.id) if isinstance(message.id, tuple) else {message.id}
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: {message.id!r} has no translation"
        assert not message.fuzzy, f"{language}: {message.id!r} is fuzzy (not shown)"
    assert sorted(extracted - ids) == [], "run pybabel extract and update (README)"
    assert sorted(ids - extracted) == [], "obsolete: run pybabel update (README)"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders(language: str) -> None:
    """A translation that names another placeholder than its English text would fail on the
    page (KeyError); one that drops `%(num)s` would hide the count."""
    for message in _catalogue(language):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            expected = set(PLACEHOLDER.findall(message.id[1])) | {"num"}
            singular_counts = re.search(r"%\(num\)s|\b1\b", message.id[0]) is not None
            for index, form in enumerate(message.string):
                used = set(PLACEHOLDER.findall(form))
                assert used <= expected, f"{language}: {form!r}"
                if index or singular_counts:
                    assert used & {"num", "count"}, f"{language}: {form!r} hides the count"
        else:
            used = set(PLACEHOLDER.findall(message.string))
            assert used == set(PLACEHOLDER.findall(message.id)), f"{language}: {message.id!r}"


@pytest.mark.parametrize(
    ("language", "n", "expected"),
    [
        ("fr", 0, "0 actif"),  # French counts 0 as one
        ("fr", 1, "1 actif"),
        ("fr", 2, "2 actifs"),
        ("nl", 0, "0 actief"),
        ("nl", 1, "1 actief"),
        ("en", 0, "0 active"),
        ("en", 1, "1 active"),
    ],
)
def test_plurals_follow_each_language(language: str, n: int, expected: str) -> None:
    form = i18n.translate_plural("1 active", "%(num)s active", n, language)
    assert form % {"num": n} == expected


def test_minutes_of_a_lockout_are_counted_in_each_language() -> None:
    one, many = (
        "Too many attempts. Try again in %(num)s minute.",
        "Too many attempts. Try again in %(num)s minutes.",
    )
    assert i18n.translate_plural(one, many, 1, "nl") % {"num": 1} == (
        "Te veel pogingen. Probeer opnieuw over 1 minuut."
    )
    assert i18n.translate_plural(one, many, 15, "fr") % {"num": 15} == (
        "Trop de tentatives. Réessayez dans 15 minutes."
    )


def test_an_unknown_message_or_language_shows_the_english_text() -> None:
    assert i18n.translate("Sign in", "fr") == "Se connecter"
    assert i18n.translate("Sign in", "en") == "Sign in"
    assert i18n.translate("Sign in", "de") == "Sign in"
    assert i18n.translate("Not a message of ours", "nl") == "Not a message of ours"
    assert i18n.translate("", "fr") == ""  # not the catalogue's header
