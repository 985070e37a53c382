"""The search bitmaps held in the server (numpy), kept current by their versions.

A word search on the bitmaps spent most of its statement combining the blocks of its words
in SQL: for each term every key of the word (its weights, the lexemes of a prefix), OR-ed by
weight, AND-ed across the words of a phrase, OR-ed across alternatives and synonyms, AND-ed
across the words of the query; 1 kB `bit` values through aggregate after aggregate (2 to 4 ms
of a 3 to 7 ms statement at 100,000 services). Then it placed the tiers of the answer, walked
the geometric index for the nearest matches, and an opening search listed up to a thousand
candidates for the server to check one by one.

Here the engine holds a copy (`HeldBitmaps`: every bitmap, about 60 MB at 100,000 services,
where each document is and what its opening state depends on) and does all that with numpy:
`matches` combines the words and the filters, `window` cuts the page of an answer in tiers,
`around` finds what a page sorted by distance is taken from, `HeldBitmaps.open_at` the
documents open at a minute. The statement is handed the page (`search.bitmaps.Given`): it
ranks the members of small tiers, measures distances exactly, and reads the documents.

The copy is of one search generation. A statement checks that it sees the same generation
(every writer of bitmaps bumps it in its transaction); when it does not, the engine answers
with the statement that combines the bitmaps itself, and reads what changed: the rows and
documents whose version is above the copy's (migration 021), everything when blocks were
dropped since.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

import asyncpg
import msgspec
import numpy as np
import numpy.typing as npt

from schemas.search import SearchFilters
from search.backend import TZ, epoch
from search.bitmaps import BLOCK, KM_PER_DEGREE, MARGIN, X_SCALE, Around, FilterSets, Given, Window
from search.results import IsOpen

_encode = msgspec.json.Encoder().encode

WORDS = BLOCK // 64
"""64-bit words in a block."""

Blocks = npt.NDArray[np.uint64]
"""Bits of documents by block: one row of WORDS words per block, block b at row b."""

# Read in one snapshot (`_read`): the generation, the slot windows of the documents (an
# opening moment outside one of them needs the documents themselves,
# `search.bitmaps._filter_ctes`), then the rows and the documents' places changed since a
# version.
HEAD = """
SELECT value AS generation, bits_dropped,
       (SELECT max(slots_from) FROM search_document) AS slots_from,
       (SELECT min(slots_until) FROM search_document) AS slots_until
FROM search_generation
"""
BITS_SINCE = "SELECT key, block, bits, version FROM search_bits WHERE version > $1"
PLACES_SINCE = """
SELECT ord, latitude, longitude, status, opening_hours, exceptions::text AS exceptions, version
FROM search_document WHERE version > $1
"""

# The words of a query as `search_terms` gives them (migration 019), for its groups and for
# its words as typed: stemming and typo correction stay PostgreSQL's.
TERMS = """
SELECT false AS typed, t.* FROM search_terms($1::text::jsonb) AS t
UNION ALL
SELECT true, t.* FROM search_terms($2::text::jsonb) AS t
"""

TERMS_KEPT = 4096
"""Queries whose terms a copy keeps (they hold for its generation: typo corrections follow
the words of the documents)."""

WORDS_KEPT = 512
"""Terms whose documents a copy keeps (4 blocks' worth each: 60 kB at 100,000 services)."""

MOMENTS_KEPT = 16
"""Minutes whose open documents a copy keeps (`HeldBitmaps.open_at`)."""

_decode_exceptions = msgspec.json.Decoder(list[dict[str, Any]]).decode


class HoursGroup(NamedTuple):
    """What the opening state of a document depends on: its status, its hours and their
    dated exceptions (JSON text, and decoded). Documents share them: thousands of groups
    for 100,000 services."""

    status: str | None
    opening_hours: str | None
    exceptions_text: str
    exceptions: list[dict[str, Any]]

    def on(self, day: str, last: str | None = None) -> dict[str, Any]:
        """The group as an opening check reads it on `day` (ISO date; through `last`): with
        only the exceptions that cover those days or the day before, which alone decide
        whether it is open then (a night begun the day before is that day's)."""
        before = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
        last = last or day
        return {
            "status": self.status,
            "opening_hours": self.opening_hours,
            "exceptions": [
                e for e in self.exceptions if e["starts_on"] <= last and before <= e["ends_on"]
            ],
        }


class Term(NamedTuple):
    """A term of a query: the words as typed or not, its group, alternative and position."""

    typed: bool
    grp: int
    alt: int
    term: int
    lexeme: str
    prefix: bool


class Key(NamedTuple):
    """The blocks a key has rows in, and their bits (one row per block). A tuple of arrays:
    the collector stops tracking it, and tens of thousands of keys cost its passes nothing."""

    blocks: npt.NDArray[np.intp]
    bits: Blocks


@dataclass(frozen=True)
class HeldBitmaps:
    """Every bitmap of the database at one search generation (`version`: the highest
    version read), where each document is and its hours group, the slot windows of the
    documents, and what searches on it worked out (terms, their documents, who is open)."""

    generation: int
    version: int
    dropped: int
    """`search_generation.bits_dropped` as read: a higher one means rows were deleted."""
    slots_from: int | None
    slots_until: int | None
    keys: list[str]
    """Sorted as PostgreSQL's "C" collation sorts them (by code point)."""
    rows: dict[str, Key]
    blocks: int
    latitudes: npt.NDArray[np.float64]
    longitudes: npt.NDArray[np.float64]
    """Where each document is, by number (NaN: nowhere, or no document)."""
    hours: npt.NDArray[np.int32]
    """The hours group of each document (`groups`), by number (-1: no document)."""
    groups: list[HoursGroup]
    terms: dict[tuple[str, str], list[Term]] = field(default_factory=dict)
    """The terms of queries seen (`TERMS`), by their groups and words as typed."""
    words: dict[tuple[str, bool, bool], WordBits] = field(default_factory=dict)
    """The documents of terms seen (`word_bits`), by lexeme, prefix and typed."""
    opening: dict[tuple[int, int], Blocks] = field(default_factory=dict)
    """The documents open at the minutes asked (`open_at`), by Unix minutes from and until."""

    @classmethod
    async def read(cls, conn: asyncpg.Connection) -> HeldBitmaps:
        """Every bitmap as the database holds it now."""
        head, bits, places = await _read(conn, -1)
        # Tens of thousands of rows at 100,000 services: laid out beside the event loop.
        return await asyncio.to_thread(_apply, None, head, bits, places)

    async def refresh(self, conn: asyncpg.Connection) -> HeldBitmaps:
        """This copy brought up to date with what changed since (itself when nothing did);
        read whole again when blocks were dropped since."""
        head, bits, places = await _read(conn, self.version)
        if head["bits_dropped"] > self.version:
            return await HeldBitmaps.read(conn)
        if not bits and not places:
            # A write elsewhere (Meilisearch's documents): what searches worked out holds.
            return replace(
                self,
                generation=head["generation"],
                slots_from=head["slots_from"],
                slots_until=head["slots_until"],
            )
        return await asyncio.to_thread(_apply, self, head, bits, places)

    def open_at(self, moment: datetime, is_open: IsOpen, until: datetime | None = None) -> Blocks:
        """The documents open at `moment` (or at some moment until `until`), as `is_open`
        (the catalogue's evaluation) says: each group of hours evaluated once, with the
        exceptions of those days only (a few dozen distinct, then); kept for the minute."""
        minute = epoch(moment) // 60
        minutes = (minute, minute if until is None else -(-epoch(until) // 60))
        found = self.opening.get(minutes)
        if found is None:
            day = _local_day(moment)
            last = day if until is None else _local_day(until - timedelta(microseconds=1))
            states: dict[bytes, bool] = {}
            flags = np.zeros(len(self.groups) + 1, dtype=bool)  # the last: no document
            for index, group in enumerate(self.groups):
                that_day = group.on(day, last)
                key = _encode((that_day["status"], group.opening_hours, that_day["exceptions"]))
                if key not in states:
                    states[key] = is_open(that_day)
                flags[index] = states[key]
            members = np.zeros(self.blocks * BLOCK, dtype=bool)
            size = min(len(self.hours), len(members))
            members[:size] = flags[self.hours[:size]]
            found = np.packbits(members).view(np.uint64).reshape(self.blocks, WORDS)
            if len(self.opening) >= MOMENTS_KEPT:
                self.opening.clear()
            self.opening[minutes] = found
        return found

    def union(self, keys: Iterable[str]) -> Blocks:
        """The documents that have any of these keys."""
        result = np.zeros((self.blocks, WORDS), dtype=np.uint64)
        for key in keys:
            found = self.rows.get(key)
            if found is not None:
                result[found.blocks] |= found.bits
        return result

    def between(self, low: str, high: str) -> list[str]:
        """The keys from `low` (included) to `high` (excluded)."""
        return self.keys[bisect.bisect_left(self.keys, low) : bisect.bisect_left(self.keys, high)]

    def window_holds(self, moment: int, until: int | None = None) -> bool:
        """Whether every document's slot window holds this moment (Unix seconds), or the
        moments from it until `until` (excluded): else the documents outside theirs pass an
        opening filter, which only the statement knows."""
        until = moment + 1 if until is None else until
        after_every_start = self.slots_from is None or moment >= self.slots_from
        before_every_end = self.slots_until is None or until <= self.slots_until
        return after_every_start and before_every_end


def _local_day(moment: datetime) -> str:
    return (moment.astimezone(TZ) if moment.tzinfo else moment).date().isoformat()


async def _read(
    conn: asyncpg.Connection, version: int
) -> tuple[asyncpg.Record, list[asyncpg.Record], list[asyncpg.Record]]:
    """The head, and the bitmap rows and documents' places changed since `version`, in one
    snapshot."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        head = await conn.fetchrow(HEAD)
        bits = await conn.fetch(BITS_SINCE, version)
        places = await conn.fetch(PLACES_SINCE, version)
    assert head is not None
    return head, bits, places


def _apply(
    held: HeldBitmaps | None,
    head: asyncpg.Record,
    bits: Sequence[asyncpg.Record],
    places: Sequence[asyncpg.Record],
) -> HeldBitmaps:
    """A copy with these rows and places (changed since `held`, or all of them) in place."""
    # What the copy saw includes the last dropping of blocks: no row changed since has a
    # lower version (else a copy read after a reindex would be read whole at each write).
    version = max(
        [held.version if held else 0, head["bits_dropped"]]
        + [row["version"] for row in (*bits, *places)]
    )
    changed: dict[str, dict[int, bytes]] = {}
    for row in bits:
        changed.setdefault(row["key"], {})[row["block"]] = row["bits"].bytes
    keyed = dict(held.rows) if held else {}
    for key, bits_by_block in changed.items():
        merged = {}
        if key in keyed:
            old = keyed[key]
            merged = dict(zip(old.blocks.tolist(), old.bits, strict=True))
        for block, block_bits in bits_by_block.items():
            merged[block] = np.frombuffer(block_bits, dtype=np.uint64)
        order = sorted(merged)
        keyed[key] = Key(
            np.array(order, dtype=np.intp),
            np.array([merged[b] for b in order], dtype=np.uint64).reshape(len(order), WORDS),
        )
    if held is None:
        keys = sorted(keyed)
    else:
        new_keys = changed.keys() - held.rows.keys()
        keys = sorted([*held.keys, *new_keys]) if new_keys else held.keys
    # Blocks are only dropped by a reindex, which has the copy read whole again.
    blocks = max(
        [held.blocks if held else 0]
        + [int(keyed[key].blocks[-1]) + 1 for key in changed if len(keyed[key].blocks)]
    )
    latitudes, longitudes = _places(held, places, blocks * BLOCK)
    hours, groups = _hours(held, places, len(latitudes))
    return HeldBitmaps(
        generation=head["generation"],
        version=version,
        dropped=head["bits_dropped"],
        slots_from=head["slots_from"],
        slots_until=head["slots_until"],
        keys=keys,
        rows=keyed,
        blocks=blocks,
        latitudes=latitudes,
        longitudes=longitudes,
        hours=hours,
        groups=groups,
    )


def _hours(
    held: HeldBitmaps | None, places: Sequence[asyncpg.Record], size: int
) -> tuple[npt.NDArray[np.int32], list[HoursGroup]]:
    """The hours group of every document number up to `size`, these documents updated;
    groups are only added (a group no document has any more stays, unused)."""
    groups = list(held.groups) if held else []
    index = {(g.status, g.opening_hours, g.exceptions_text): i for i, g in enumerate(groups)}
    hours = np.full(size, -1, dtype=np.int32)
    if held is not None:
        kept = min(size, len(held.hours))
        hours[:kept] = held.hours[:kept]
    for row in places:
        key = (row["status"], row["opening_hours"], row["exceptions"] or "[]")
        if key not in index:
            index[key] = len(groups)
            groups.append(HoursGroup(*key, _decode_exceptions(key[2])))
        hours[row["ord"]] = index[key]
    return hours, groups


def _places(
    held: HeldBitmaps | None, places: Sequence[asyncpg.Record], size: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The coordinates of every document number up to `size`, these places updated."""
    size = max(size, *(row["ord"] + 1 for row in places), 0) if places else size
    latitudes = np.full(size, np.nan)
    longitudes = np.full(size, np.nan)
    if held is not None:
        kept = min(size, len(held.latitudes))
        latitudes[:kept] = held.latitudes[:kept]
        longitudes[:kept] = held.longitudes[:kept]
    if places:
        ords = np.array([row["ord"] for row in places], dtype=np.intp)
        latitudes[ords] = [np.nan if row["latitude"] is None else row["latitude"] for row in places]
        longitudes[ords] = [
            np.nan if row["longitude"] is None else row["longitude"] for row in places
        ]
    return latitudes, longitudes


class WordBits(NamedTuple):
    """A word's documents by where it is found: in the name (a), the name, organisation or
    themes (ab), those or the description and place (abc), anywhere (abcd)."""

    a: Blocks
    ab: Blocks
    abc: Blocks
    abcd: Blocks

    def __and__(self, other: WordBits) -> WordBits:  # type: ignore[override]
        return WordBits(*(mine & theirs for mine, theirs in zip(self, other, strict=True)))

    def __or__(self, other: WordBits) -> WordBits:  # type: ignore[override]
        return WordBits(*(mine | theirs for mine, theirs in zip(self, other, strict=True)))


def word_bits(held: HeldBitmaps, term: Term) -> WordBits:
    """A term's documents by weight (kept for the next queries with it): never changed in
    place, they are shared."""
    key = (term.lexeme, term.prefix, term.typed)
    found = held.words.get(key)
    if found is None:
        if len(held.words) >= WORDS_KEPT:
            held.words.clear()
        found = held.words[key] = _term_bits(held, term)
    return found


def _term_bits(held: HeldBitmaps, term: Term) -> WordBits:
    """A term's documents by weight, as `term_bits` of `search.bitmaps._text_ctes` reads
    them: a prefix takes every lexeme it begins, the words as typed only count in names."""
    if term.prefix:
        low, high = term.lexeme, term.lexeme + chr(0x10FFFF)
    elif term.typed:
        low, high = term.lexeme + " A", term.lexeme + " B"
    else:
        low, high = term.lexeme + " ", term.lexeme + "!"
    a, ab, abc, abcd = (np.zeros((held.blocks, WORDS), dtype=np.uint64) for _ in range(4))
    for key in held.between(low, high):
        found = held.rows[key]
        weight = key[-1]
        abcd[found.blocks] |= found.bits
        if weight <= "C":
            abc[found.blocks] |= found.bits
        if weight <= "B":
            ab[found.blocks] |= found.bits
        if weight == "A":
            a[found.blocks] |= found.bits
    return WordBits(a, ab, abc, abcd)


def _groups(held: HeldBitmaps, terms: Sequence[Term]) -> list[WordBits]:
    """Each group's documents: any alternative, each alternative every one of its terms."""
    alternatives: dict[tuple[int, int], WordBits] = {}
    for term in terms:
        bits = word_bits(held, term)
        key = (term.grp, term.alt)
        alternatives[key] = alternatives[key] & bits if key in alternatives else bits
    groups: dict[int, WordBits] = {}
    for (grp, _), bits in alternatives.items():
        groups[grp] = groups[grp] | bits if grp in groups else bits
    return [groups[grp] for grp in sorted(groups)]


def filter_bits(held: HeldBitmaps, sets: FilterSets) -> Blocks:
    """The documents the filters keep, as `filter_bits` of `search.bitmaps._filter_ctes`
    (an opening moment only when every slot window holds it: `HeldBitmaps.window_holds`)."""
    result = held.union(sets.sets[0])
    for keys in sets.sets[1:]:
        result &= held.union(keys)
    if sets.age is not None:
        ages = [
            key
            for key in held.between("=ages=", "=ages>")
            if int(key[6:].split("-")[0]) <= sets.age <= int(key[6:].split("-")[1])
        ]
        result &= held.union(ages)
    return result


class Matches(NamedTuple):
    """What a search on held bitmaps hands its statement: by block, the documents that
    match (`bits`), where every word is (`words`, None to browse), whose name has the words
    as typed (`exact`), and whether every word was found (any word otherwise)."""

    bits: Blocks
    words: WordBits | None
    exact: Blocks | None
    all_found: bool


def matches(
    held: HeldBitmaps, sets: FilterSets, terms: Sequence[Term] | None, fallback: bool
) -> Matches:
    """The documents that match the filters and the terms (None: browse), every word
    required or, with `fallback`, any word when none has them all: what `matched` of
    `search.bitmaps` holds."""
    kept = filter_bits(held, sets)
    if terms is None:
        return Matches(kept, None, None, True)
    groups = _groups(held, [term for term in terms if not term.typed])
    typed = _groups(held, [term for term in terms if term.typed])
    zero = np.zeros((held.blocks, WORDS), dtype=np.uint64)
    every = WordBits(zero, zero, zero, zero)
    if groups:
        every = groups[0]
        for group in groups[1:]:
            every = every & group
    all_found = not fallback or bool((every.abcd & kept).any())
    words = every
    if not all_found:
        for group in groups:
            words = words | group
    exact = zero
    if typed:
        exact = typed[0].a
        for group in typed[1:]:
            exact = exact & group.a
    words = WordBits(*(bits & kept for bits in words))
    return Matches(words.abcd, words, exact, all_found)


def tiers(found: Matches) -> list[Blocks]:
    """The tiers of the answer, in order, as `buckets` of `search.bitmaps` makes them: every
    word in the name, in the name, organisation and themes, in those, the description and
    the place, anywhere; each split by whether the name has the words as typed. To browse,
    one tier."""
    if found.words is None or found.exact is None:
        return [found.bits]
    words, exact = found.words, found.exact
    typed_not = ~exact
    tiers = []
    for bits in (words.a, words.ab & ~words.a, words.abc & ~words.ab, found.bits & ~words.abc):
        tiers += [bits & exact, bits & typed_not]
    return tiers


def numbers(bits: Blocks, first: int = 0, last: int | None = None) -> npt.NDArray[np.intp]:
    """The numbers of the documents set, in order, from the `first` to before the `last`
    of them (a block's first bit is the high bit of its first byte, as PostgreSQL lays out
    `bit` strings); only the 64-bit words that hold them are unpacked."""
    words = bits.reshape(-1)
    held = np.flatnonzero(words)
    if last is not None or first:
        before = np.cumsum(np.bitwise_count(words[held]), dtype=np.int64)
        stop = len(held) if last is None else int(np.searchsorted(before, last)) + 1
        begin = int(np.searchsorted(before, first, side="right"))
        skipped = int(before[begin - 1]) if begin else 0
        held = held[begin:stop]
    else:
        skipped = 0
    unpacked = np.unpackbits(words[held].view(np.uint8).reshape(-1, 8), axis=1)
    rows, columns = np.nonzero(unpacked)
    found = held[rows] * 64 + columns
    return found[first - skipped : None if last is None else last - skipped]


def window(
    found: Matches, start: int, end: int, exact_bucket: int, only: Blocks | None = None
) -> Window:
    """The window [start, end) of the answer in tiers: the documents of a tier of more than
    `exact_bucket` in number order with their positions, and every document of a smaller
    tier the window reaches, which the statement ranks (`search.bitmaps._tier_page`).
    `only`: the documents an exact check keeps (open at a moment); the order is that of
    the answer before it, the positions those of what it keeps."""
    large_positions: list[int] = []
    large_ords: list[int] = []
    small_buckets: list[int] = []
    small_starts: list[int] = []
    small_ords: list[int] = []
    position = 0
    for bucket, bits in enumerate(tiers(found), start=1):
        large = int(np.bitwise_count(bits).sum()) > exact_bucket
        if only is not None:
            bits = bits & only
        size = int(np.bitwise_count(bits).sum())
        if size and position < end and position + size > start:
            if large:
                first, last = max(start - position, 0), min(size, end - position)
                large_positions += range(position + first, position + last)
                large_ords += numbers(bits, first, last).tolist()
            else:
                small_buckets += [bucket] * size
                small_starts += [position] * size
                small_ords += numbers(bits).tolist()
        position += size
    return Window(position, large_positions, large_ords, small_buckets, small_starts, small_ords)


def _haversine_km(
    latitudes: npt.NDArray[np.float64], longitudes: npt.NDArray[np.float64], lat: float, lon: float
) -> npt.NDArray[np.float64]:
    """Distances from a point, as `search.postgres._distance_sql` measures them."""
    a = (
        np.sin(np.radians(latitudes - lat) / 2) ** 2
        + np.cos(np.radians(lat))
        * np.cos(np.radians(latitudes))
        * np.sin(np.radians(longitudes - lon) / 2) ** 2
    )
    return 12742 * np.arcsin(np.sqrt(a))


def around(
    held: HeldBitmaps, members: Blocks, lat: float, lon: float, radius_km: float | None, end: int
) -> tuple[Around, Blocks]:
    """The documents a page sorted by distance, ending at `end`, is taken from, and the
    matches (within the radius, if one is asked: all of them, exactly counted). What the
    page holds is nearer, in truth, than MARGIN times the projected distance of the `end`th
    nearest by projection (`search.bitmaps._nearest_page`); the statement measures and
    sorts them. Documents nowhere come last, when fewer than `end` have a place."""
    ords = numbers(members)
    latitudes, longitudes = held.latitudes[ords], held.longitudes[ords]
    dx = (longitudes - lon) * (X_SCALE * KM_PER_DEGREE)
    dy = (latitudes - lat) * KM_PER_DEGREE
    projected = np.hypot(dx, dy)  # NaN for documents nowhere
    if radius_km is not None:
        near = projected <= radius_km * MARGIN
        inside = np.zeros(len(ords), dtype=bool)
        inside[near] = _haversine_km(latitudes[near], longitudes[near], lat, lon) <= radius_km
        ords, projected = ords[inside], projected[inside]
        members = np.zeros(held.blocks * BLOCK, dtype=bool)
        members[ords] = True
        members = np.packbits(members).view(np.uint64).reshape(held.blocks, WORDS)
    placed = np.flatnonzero(~np.isnan(projected))
    if len(placed) < end:
        return Around(len(ords), ords.tolist()), members
    reach = np.partition(projected[placed], end - 1)[end - 1] * MARGIN
    return Around(len(ords), ords[projected <= reach].tolist()), members


def given_to_statement(
    held: HeldBitmaps,
    found: Matches,
    filters: SearchFilters,
    start: int,
    end: int,
    exact_bucket: int,
    only: Blocks | None = None,
) -> tuple[Given, Blocks]:
    """The page of a search as its statement takes it, and the documents its facets count
    (within the radius, if one is asked); `only`: what an exact check keeps of them."""
    if filters.lat is None or filters.lon is None:
        members = found.bits if only is None else found.bits & only
        return Given(found.all_found, window(found, start, end, exact_bucket, only)), members
    members = found.bits if only is None else found.bits & only
    page, members = around(held, members, filters.lat, filters.lon, filters.radius_km, end)
    return Given(found.all_found, page), members


def terms_from(rows: Iterable[Mapping[str, object]]) -> list[Term]:
    """The rows of `TERMS` as terms."""
    return [
        Term(
            bool(row["typed"]),
            int(row["grp"]),  # type: ignore[call-overload]
            int(row["alt"]),  # type: ignore[call-overload]
            int(row["term"]),  # type: ignore[call-overload]
            str(row["lexeme"]),
            bool(row["prefix"]),
        )
        for row in rows
    ]
