"""Suggestions while the words are typed: the themes (in the reader's language), the everyday
words of the synonyms file, then the names of services and organisations, each once.

They come from the catalogue and the synonyms file, not from an engine, so that both engines'
searches get the same suggestions; every suggestion is something the search understands.
"""

from __future__ import annotations

from functools import lru_cache

import asyncpg

from schemas.search import Suggestion
from search.text import raw_synonyms, words
from service.db.queries import load

Q = load(__file__)

MIN_LENGTH = 2
"""Fewer letters than this suggest nothing: too many words begin so."""

NAMES_MIN_LENGTH = 3
"""Names are looked up from three letters, the trigram index's own minimum (fewer would read
every service's name)."""


def typed_prefix(text: str) -> str:
    """The words typed, folded and joined by single spaces (letters and digits only)."""
    return " ".join(words(text))


def begins_a_word(prefix: str, text: str) -> bool:
    """Whether a word of `text` (folded) begins with `prefix`, as the SQL queries check."""
    folded = " ".join(words(text))
    return folded.startswith(prefix) or f" {prefix}" in f" {folded}"


@lru_cache(maxsize=1)
def _everyday_words() -> tuple[str, ...]:
    """The terms of the synonyms file, as written (read once)."""
    return tuple(raw_synonyms())


def _order(prefix: str, text: str) -> tuple[bool, int, str]:
    """What begins as typed first, then the shortest: "Alimentation" before "Colis
    alimentaires" for "aliment"."""
    folded = typed_prefix(text)
    return (not folded.startswith(prefix), len(folded), folded)


async def suggest(
    conn: asyncpg.Connection, text: str, language: str, limit: int
) -> list[Suggestion]:
    """Up to `limit` suggestions for what was typed so far, themes first."""
    prefix = typed_prefix(text)
    if len(prefix) < MIN_LENGTH:
        return []
    found: list[Suggestion] = []
    seen: set[str] = set()

    def offer(suggestion: Suggestion) -> None:
        key = typed_prefix(suggestion.text)
        if key not in seen and len(found) < limit:
            seen.add(key)
            found.append(suggestion)

    themes = [
        (row[f"label_{language}"], row["id"])
        for row in await conn.fetch(Q.theme_labels)
        if begins_a_word(prefix, row[f"label_{language}"])
    ]
    for label, theme in sorted(themes, key=lambda item: _order(prefix, item[0])):
        offer(Suggestion(text=label, kind="theme", theme=theme))
    terms = [term for term in _everyday_words() if begins_a_word(prefix, term)]
    for term in sorted(terms, key=lambda term: _order(prefix, term)):
        offer(Suggestion(text=term, kind="word"))
    if len(prefix) < NAMES_MIN_LENGTH or len(found) >= limit:
        return found
    for row in await conn.fetch(Q.suggest_service_names, prefix, limit):
        offer(Suggestion(text=row["name"], kind="service"))
    for row in await conn.fetch(Q.suggest_organisation_names, prefix, limit):
        offer(Suggestion(text=row["name"], kind="organisation"))
    return found
