"""What people type for a place (an id, a name, a postal code), as the territory ids that
both engines filter on. The one place where `commune`, `section` and the pages' `area` are
understood."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg

from search.documents import slug
from service.db.queries import load
from service.errors import InvalidInput, invalid

Q = load(__file__)

Parameter = Literal["commune", "section"]

_KINDS: dict[Parameter, tuple[str, ...]] = {
    "commune": ("commune",),
    # A section parameter also takes a quartier: it lies in a section, and documents list it
    # among their territories as they list the section.
    "section": ("section", "quartier"),
}
_POSTAL_CODE = re.compile(r"^\d{4}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

KEPT_FOR = 600.0
"""Seconds a loaded copy of the territories answers: they change only with a migration."""


@dataclass(frozen=True)
class Territory:
    id: str
    kind: str
    name: str
    parent_id: str | None
    postal_codes: tuple[str, ...]


class Territories:
    """The network's territories, indexed by id, by name and by postal code."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.by_id: dict[str, Territory] = {
            row["id"]: Territory(
                row["id"],
                row["kind"],
                row["name"],
                row["parent_id"],
                tuple(row["postal_codes"] or ()),
            )
            for row in rows
        }
        self._by_name: dict[str, list[Territory]] = {}
        self._by_code: dict[str, list[Territory]] = {}
        for territory in self.by_id.values():
            self._by_name.setdefault(slug(territory.name), []).append(territory)
            for code in territory.postal_codes:
                self._by_code.setdefault(code, []).append(territory)

    def resolve(self, parameter: Parameter, typed: str) -> list[str]:
        """The ids of the communes (or sections) `typed` names: an id, a name whatever its
        case, accents, spaces or hyphens ("la louviere"), or a postal code. A value that names
        none is a 422 about `parameter`, saying what it names if it is another kind of place."""
        text = typed.strip()
        kinds = _KINDS[parameter]
        known = self.by_id.get(text.lower())
        if known is not None:
            # An id says exactly which place: one of another kind is not taken for a name
            # (section=la-louviere is the commune, not the section called La Louvière).
            if known.kind in kinds:
                return [known.id]
            raise invalid(parameter, f"{typed!r} is a {known.kind}: {self._hint(known)}")
        if _POSTAL_CODE.match(text):
            return self._by_postal_code(parameter, text)
        # A name's spaces and hyphens may differ, not its letters: a control character (a
        # NUL) is no separator.
        named = [] if _CONTROL.search(text) else self._by_name.get(slug(text), [])
        for kind in kinds:  # a section before a quartier of the same name
            found = [t.id for t in named if t.kind == kind]
            if found:
                return found
        other = next(iter(named), None)
        if other is not None:
            raise invalid(parameter, f"{typed!r} is a {other.kind}: {self._hint(other)}")
        raise invalid(parameter, f"unknown {parameter} {typed!r} (an id, a name or a postal code)")

    def _by_postal_code(self, parameter: Parameter, code: str) -> list[str]:
        having = self._by_code.get(code, [])
        communes = [t.id for t in having if t.kind == "commune"]
        sections = [t for t in having if t.kind == "section"]
        if parameter == "commune":
            found = communes or sorted({t.parent_id for t in sections if t.parent_id})
        elif len(sections) > 1 and len({t.parent_id for t in sections}) == 1:
            # Sections sharing a postal code (7100: La Louvière, Haine-Saint-Paul...): the
            # code names their commune, not one of them.
            found = [str(sections[0].parent_id)]
        else:
            found = [t.id for t in sections]
        if not found:
            raise invalid(parameter, f"no {parameter} of the network has the postal code {code}")
        return found

    def _hint(self, territory: Territory) -> str:
        """The parameters that name it: "section=…, or commune=…" for a section."""
        if territory.kind == "commune":
            return f"commune={territory.id}"
        commune = territory
        while commune.kind != "commune" and commune.parent_id in self.by_id:
            commune = self.by_id[commune.parent_id]
        return f"section={territory.id}, or commune={commune.id}"

    def names_with_words(self, typed: str) -> list[str]:
        """The names of the territories that have each word typed at the start of one of
        their words, whatever its case or accents ("louviere" and "LOUV" are in La Louvière,
        "haine paul" in Haine-Saint-Paul): what a part of a name typed by hand may mean. Each
        name once (the commune and the section called La Louvière are one), communes first."""
        words = [] if _CONTROL.search(typed) else [w for w in slug(typed).split("-") if w]
        if not words:
            return []
        order = {"commune": 0, "section": 1, "quartier": 2}
        found: dict[str, Territory] = {}
        for territory in sorted(
            self.by_id.values(), key=lambda t: (order.get(t.kind, 3), slug(t.name))
        ):
            own = slug(territory.name).split("-")
            if all(any(word.startswith(part) for word in own) for part in words):
                found.setdefault(slug(territory.name), territory)
        return [territory.name for territory in found.values()]

    def area(self, typed: str) -> tuple[Parameter, list[str]] | None:
        """The public pages' one "where": a commune if `typed` names one, else a section or
        a quartier; None when it names no territory of the network."""
        parameters: tuple[Parameter, ...] = ("commune", "section")
        for parameter in parameters:
            try:
                return parameter, self.resolve(parameter, typed)
            except InvalidInput:
                continue
        return None


class TerritoryCache:
    """The territories, read once and again after `KEPT_FOR` seconds."""

    def __init__(self) -> None:
        self._loaded: Territories | None = None
        self._at = 0.0

    async def get(self, pool: asyncpg.Pool) -> Territories:
        """The territories, from the database when not read for a while."""
        if self._loaded is None or time.monotonic() - self._at > KEPT_FOR:
            async with pool.acquire() as conn:
                rows = await conn.fetch(Q.territories)
            self._loaded, self._at = Territories(rows), time.monotonic()
        return self._loaded
