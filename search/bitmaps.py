"""The PostgreSQL engine's bitmaps (migration 019): kept with the documents, read by searches.

Each document has a number (`ord`); each word with its weight, facet value and filter value
(the hour of the week a service may be open among them) has a bitmap of the documents that
have it, in blocks of 8,192. A search counts its matches, its facets and the size of each
tier of its answer with bitwise operations, then reads only the page's documents: what made
a broad word over a large catalogue cost tens of milliseconds was reading every match.

The order is that of the statement reading every match (tier, the words as typed in the
name, `ts_rank`, name) whenever the tier holding a page has at most `exact_bucket`
documents: those are ranked as before. A larger tier (a word in thousands of names) is given
in document number order, as Meilisearch orders the documents its ranking rules cannot tell
apart. With a point, the page is sorted by distance (`Nearest`), walking the geometric index
within the boxes of the territories asked (migration 020); within a radius, past
RADIUS_COUNT matches, total and facets are estimates that say so.

Once the engine holds the bitmaps in the server (`search.held`), it works out the matches,
the tiers, the nearest and the facets itself and hands the statement only the page to rank,
measure and read (`Given`): the statements that combine the bitmaps here answer until the
copy is read, and whenever it is of another generation than the statement sees.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import asyncpg
import msgspec

from schemas.search import SearchDocument, SearchFilters
from search.backend import HIT_FIELDS, opening_slots, opening_span

BLOCK = 8192

# Kilometres per degree, and the x scale of the projection stored in `geo` (cos 50.5°).
KM_PER_DEGREE = 111.2
X_SCALE = math.cos(math.radians(50.5))
ZERO = f"B'0'::bit({BLOCK})"

EXACT_BUCKET = 500
"""A tier of at most this many matches is ranked exactly (ts_rank, then name)."""

# Key lookups are written `LATERAL (... OFFSET 0)`: one index search per key, whatever the
# planner guesses of how many keys a JSON array holds (it once hashed the whole table).

# Writers of documents take this lock first: the bitmap rows are shared by every document
# (`=all`, a frequent word), so two writers would otherwise wait on each other's rows in
# different orders. Held until commit, it also orders the rows' versions as the commits
# (migration 021): what a copy held in a server reads since its version is all that changed.
LOCK = "SELECT pg_advisory_xact_lock(hashtext('search_bits'))"

# What the documents about to change have now: (number, key) pairs, handed back to `apply`.
REMEMBER = """
SELECT d.ord, k.key
FROM search_document d, search_bit_keys(d) AS k(key)
WHERE d.service_id = ANY($1::uuid[]) OR d.id = ANY($2::uuid[])
"""

_DIFF = """
WITH old AS (
    SELECT o.ord, o.key COLLATE "C" AS key FROM unnest($3::int[], $4::text[]) AS o(ord, key)
),
new AS (
    SELECT d.ord, k.key COLLATE "C" AS key
    FROM search_document d, search_bit_keys(d) AS k(key)
    WHERE d.service_id = ANY($1::uuid[]) OR d.id = ANY($2::uuid[])
)"""

# Bits of keys a document lost (or of a document gone); its number is given again later.
_CLEAR = f"""{_DIFF},
clearing AS (SELECT ord, key FROM old EXCEPT SELECT ord, key FROM new),
freed AS (
    INSERT INTO search_free_ord (ord)
    SELECT DISTINCT o.ord FROM old o
    WHERE NOT EXISTS (SELECT 1 FROM search_document d WHERE d.ord = o.ord)
    ON CONFLICT DO NOTHING
)
UPDATE search_bits b SET bits = b.bits & ~c.mask, version = nextval('search_bits_version_seq')
FROM (SELECT key, ord / {BLOCK} AS block, search_bits_mask(array_agg(ord % {BLOCK})) AS mask
      FROM clearing GROUP BY 1, 2) AS c
WHERE b.key = c.key AND b.block = c.block
"""

# Bits of keys a document gained; a separate statement, since one block may lose a
# document's bit and gain another's.
_SET = f"""{_DIFF},
setting AS (SELECT ord, key FROM new EXCEPT SELECT ord, key FROM old)
INSERT INTO search_bits (key, block, bits)
SELECT key, ord / {BLOCK}, search_bits_mask(array_agg(ord % {BLOCK}))
FROM setting GROUP BY 1, 2
ON CONFLICT (key, block) DO UPDATE
SET bits = search_bits.bits | excluded.bits, version = nextval('search_bits_version_seq')
"""

# Rows deleted leave no version: the version they were dropped at tells copies to read all
# again (migration 021).
DROP_EMPTY_BLOCKS = f"""
WITH dropped AS (DELETE FROM search_bits WHERE bits = {ZERO} RETURNING 1)
UPDATE search_generation SET bits_dropped = nextval('search_bits_version_seq')
WHERE EXISTS (SELECT 1 FROM dropped)
"""

# The territories' boxes (migration 020) only grow as documents are written; a reindex
# makes them exact again, under `LOCK`.
EXACT_EXTENTS = """
WITH exact AS (
    SELECT t AS territory,
           box(point(min(d.geo[0]), min(d.geo[1])), point(max(d.geo[0]), max(d.geo[1]))) AS box
    FROM search_document d, unnest(d.territories) AS t
    WHERE d.geo IS NOT NULL
    GROUP BY t
),
gone AS (DELETE FROM search_extent e WHERE NOT EXISTS (
    SELECT 1 FROM exact x WHERE x.territory = e.territory))
INSERT INTO search_extent AS e (territory, box)
SELECT territory, box FROM exact ORDER BY territory
ON CONFLICT (territory) DO UPDATE SET box = excluded.box WHERE NOT excluded.box ~= e.box
"""


async def apply(
    conn: asyncpg.Connection,
    service_ids: Sequence[str],
    ids: Sequence[str],
    before: Sequence[asyncpg.Record],
) -> None:
    """Bring the bitmaps in line with the documents of `service_ids` and `ids`, given what
    `REMEMBER` read before they changed; in the caller's transaction, after `LOCK`."""
    args = (
        list(service_ids),
        list(ids),
        [row["ord"] for row in before],
        [row["key"] for row in before],
    )
    await conn.execute(_CLEAR, *args)
    await conn.execute(_SET, *args)


class Arguments(Protocol):
    """Where a statement's arguments go (`search.postgres.Compiled`)."""

    def arg(self, value: object) -> str:
        """Add an argument and return its placeholder."""
        ...


@dataclass(frozen=True)
class FilterSets:
    """The filters as bitmap keys: a document passes when it has one key of every set."""

    sets: list[list[str]]
    age: int | None = None
    moment: int | None = None
    """With an opening moment (Unix seconds): documents whose slot window does not hold it
    (up to `until`) pass the set of the moment's slots, the last one, whatever their slots."""
    until: int | None = None
    """The end (excluded) of the opening moments: `moment + 1` for a moment alone."""

    @property
    def count(self) -> int:
        """How many sets a document must meet, the age's included."""
        return len(self.sets) + (self.age is not None)


def filter_sets(filters: SearchFilters) -> FilterSets:
    """The filters as key sets; a point and a radius are the page's business (`Nearest`).
    An opening moment is kept coarsely, to the hour of the week, as `where_clauses` keeps
    it: the exact check follows (`search.results`)."""
    sets: list[list[str]] = [["=all"]]
    if filters.themes:
        sets.append([f"#themes={theme}" for theme in filters.themes])
    if filters.types:
        sets.append([f"#type={kind}" for kind in filters.types])
    sets += [
        [f"=territories={place}" for place in places]
        for places in (filters.communes, filters.sections)
        if places
    ]
    if filters.gender:
        sets.append([f"=genders={filters.gender}"])
    if filters.situation:
        sets.append(["=open_to_all", f"#situations={filters.situation}"])
    for name in ("free", "walk_in", "unconditional"):
        value = getattr(filters, name)
        if value is not None:
            sets.append([f"={name}={str(value).lower()}"])
    if filters.languages:
        sets.append([f"#languages={language}" for language in filters.languages])
    if filters.wheelchair is not None:
        access = ("yes",) if filters.wheelchair else ("limited", "no", "unknown")
        sets.append([f"#wheelchair={value}" for value in access])
    span = opening_span(filters)
    if span is None:
        return FilterSets(sets, filters.age)
    sets += [["=hours"], [f"=slot={slot}" for slot in opening_slots(filters)]]
    return FilterSets(sets, filters.age, *span)


def _filter_ctes(sets: FilterSets, args: Arguments) -> str:
    """`filter_bits`: by block, the documents the filters keep."""
    ages = ""
    if sets.age is not None:
        age = args.arg(sets.age)
        ages = f"""
    UNION ALL
    SELECT 0, a.key FROM (
        SELECT DISTINCT key FROM search_bits WHERE key >= '=ages=' AND key < '=ages>'
    ) AS a
    WHERE split_part(substr(a.key, 7), '-', 1)::int <= {age}::int
      AND split_part(substr(a.key, 7), '-', 2)::int >= {age}::int"""
    outside_window = ""
    if sets.moment is not None:
        # Hidden from the planner: the plan is then the same for every moment, planned once
        # (a generic plan) instead of at each search; the gate spares the scan.
        moment = f"(SELECT {args.arg(sets.moment)}::bigint)"
        until = f"(SELECT {args.arg(sets.until or sets.moment + 1)}::bigint)"
        outside_window = f"""
    UNION ALL
    SELECT {len(sets.sets)}, ord / {BLOCK}, search_bits_mask(array_agg(ord % {BLOCK}))
    FROM search_document
    WHERE ((SELECT max(slots_from) FROM search_document) > {moment}
           OR (SELECT min(slots_until) FROM search_document) < {until})
      AND (slots_from > {moment} OR slots_until < {until})
    GROUP BY ord / {BLOCK}"""
    return f"""filter_keys AS (
    SELECT s.n, k.key COLLATE "C" AS key
    FROM jsonb_array_elements({args.arg(json.dumps(sets.sets))}::text::jsonb)
         WITH ORDINALITY AS s(keys, n),
         jsonb_array_elements_text(s.keys) AS k(key){ages}
),
per_set AS (
    SELECT f.n, b.block, b.bits
    FROM filter_keys f
    CROSS JOIN LATERAL (SELECT block, bits FROM search_bits WHERE key = f.key OFFSET 0) AS b
    {outside_window}
),
filter_bits AS (
    SELECT block, bit_and(bits) AS bits
    FROM (SELECT n, block, bit_or(bits) AS bits FROM per_set GROUP BY n, block) AS by_set
    GROUP BY block
    HAVING count(*) = {args.arg(sets.count)}::int
),"""


_ALL_FOUND = "(SELECT yes FROM all_found)"


def _text_ctes(groups: str, typed: str, fallback: bool, weighted: bool, args: Arguments) -> str:
    """`matched`: by block, the documents that match the words and the filters, with the
    weights where they were found, and those whose name has the words as typed; every word
    required, or, when no document has them all and `fallback` (several words), any of
    them (`all_found` says which). `query`: the text query as `search_tsquery` makes it, for
    ranking and highlights, with the tiers' weighted queries when `weighted`."""
    groups_arg = args.arg(groups)
    typed_arg = args.arg(typed)
    return f"""terms AS (
    SELECT false AS typed, t.* FROM search_terms({groups_arg}::text::jsonb) AS t
    UNION ALL
    SELECT true, t.* FROM search_terms({typed_arg}::text::jsonb) AS t
),
-- the words as typed only count in names: only their keys of weight A are read
term_bits AS (
    SELECT t.typed, t.grp, t.alt, t.term, b.block,
           coalesce(bit_or(b.bits) FILTER (WHERE right(b.key, 1) = 'A'), {ZERO}) AS a,
           coalesce(bit_or(b.bits) FILTER (WHERE right(b.key, 1) <= 'B'), {ZERO}) AS ab,
           coalesce(bit_or(b.bits) FILTER (WHERE right(b.key, 1) <= 'C'), {ZERO}) AS abc,
           bit_or(b.bits) AS abcd
    FROM terms t
    CROSS JOIN LATERAL (
        SELECT key, block, bits FROM search_bits
        WHERE key >= (CASE WHEN t.prefix THEN t.lexeme WHEN t.typed THEN t.lexeme || ' A'
                           ELSE t.lexeme || ' ' END) COLLATE "C"
          AND key < (CASE WHEN t.prefix THEN t.lexeme || chr(1114111)
                          WHEN t.typed THEN t.lexeme || ' B'
                          ELSE t.lexeme || '!' END) COLLATE "C"
        OFFSET 0
    ) AS b
    GROUP BY 1, 2, 3, 4, 5
),
alt_bits AS (
    SELECT typed, grp, alt, block,
           bit_and(a) AS a, bit_and(ab) AS ab, bit_and(abc) AS abc, bit_and(abcd) AS abcd
    FROM term_bits tb
    GROUP BY typed, grp, alt, block
    HAVING count(*) = (SELECT count(*) FROM terms t
                       WHERE t.typed = tb.typed AND t.grp = tb.grp AND t.alt = tb.alt)
),
group_bits AS MATERIALIZED (
    SELECT typed, grp, block,
           bit_or(a) AS a, bit_or(ab) AS ab, bit_or(abc) AS abc, bit_or(abcd) AS abcd
    FROM alt_bits GROUP BY typed, grp, block
),
every_word AS MATERIALIZED (
    SELECT block, bit_and(a) AS a, bit_and(ab) AS ab, bit_and(abc) AS abc, bit_and(abcd) AS abcd
    FROM group_bits WHERE NOT typed GROUP BY block
    HAVING count(*) = (SELECT count(DISTINCT grp) FROM terms WHERE NOT typed)
),
all_found AS MATERIALIZED (
    SELECT NOT {args.arg(fallback)}::boolean OR EXISTS (
        SELECT 1 FROM every_word q JOIN filter_bits f USING (block)
        WHERE q.abcd & f.bits <> {ZERO}) AS yes
),
query_bits AS (
    SELECT * FROM every_word WHERE (SELECT yes FROM all_found)
    UNION ALL
    SELECT block, bit_or(a), bit_or(ab), bit_or(abc), bit_or(abcd)
    FROM group_bits WHERE NOT typed AND NOT (SELECT yes FROM all_found) GROUP BY block
),
typed_bits AS (
    SELECT block, bit_and(a) AS a FROM group_bits WHERE typed GROUP BY block
    HAVING count(*) = (SELECT count(DISTINCT grp) FROM terms WHERE typed)
),
matched AS (
    SELECT f.block, q.abcd & f.bits AS bits, q.a & f.bits AS a, q.ab & f.bits AS ab,
           q.abc & f.bits AS abc, coalesce(t.a, {ZERO}) AS exact
    FROM filter_bits f JOIN query_bits q USING (block) LEFT JOIN typed_bits t USING (block)
),
{_query_and_buckets(groups_arg, typed_arg if weighted else "", _ALL_FOUND, args)}"""


def _query_cte(groups_arg: str, typed_arg: str, all_found: str | bool, args: Arguments) -> str:
    """`query`: the text query for ranking and highlights (any word when not `all_found`),
    with the tiers' weighted queries when `typed_arg` (the words as typed) is given."""
    if isinstance(all_found, bool):
        all_found = f"{args.arg(all_found)}::boolean"
    weighted_columns = (
        "search_weighted(q, 'A') AS qa, search_weighted(q, 'AB') AS qab, "
        "search_weighted(q, 'ABC') AS qabc, "
        f"search_weighted(search_tsquery({typed_arg}::text::jsonb), 'A') AS typed_a"
        if typed_arg
        else "NULL AS qa"
    )
    return f"""query AS MATERIALIZED (
    SELECT q, {weighted_columns}
    FROM (SELECT search_tsquery({groups_arg}::text::jsonb, NOT {all_found}) AS q) AS text_query
),"""


def _query_and_buckets(groups_arg: str, typed_arg: str, all_found: str, args: Arguments) -> str:
    """`query` (`_query_cte`) and `buckets`, the tiers of the answer by block, from
    `matched`."""
    return f"""{_query_cte(groups_arg, typed_arg, all_found, args)}
buckets AS (
    SELECT x.bucket, m.block, x.bits
    FROM matched m CROSS JOIN LATERAL (VALUES
        (1, m.a & m.exact), (2, m.a & ~m.exact),
        (3, m.ab & ~m.a & m.exact), (4, m.ab & ~m.a & ~m.exact),
        (5, m.abc & ~m.ab & m.exact), (6, m.abc & ~m.ab & ~m.exact),
        (7, m.bits & ~m.abc & m.exact), (8, m.bits & ~m.abc & ~m.exact)
    ) AS x(bucket, bits)
),"""


@dataclass(frozen=True)
class Window:
    """A window of an answer in tiers (no point), computed from held bitmaps: how many
    match, the documents of large tiers in it with their positions, and every document of
    the small tiers it reaches, each with its tier and the tier's first position (the
    statement ranks them)."""

    total: int
    large_positions: list[int]
    large_ords: list[int]
    small_buckets: list[int]
    small_starts: list[int]
    small_ords: list[int]


@dataclass(frozen=True)
class Around:
    """The documents a page sorted by distance is taken from, computed from held bitmaps:
    how many match (within the radius, if one is asked), and the nearest of them with the
    projection's margin (the statement measures and sorts them)."""

    total: int
    ords: list[int]


@dataclass(frozen=True)
class Given:
    """A search's page computed from the bitmaps it holds (`search.held`), handed to its
    statement instead of the filter, word and tier CTEs, and whether every word was found.
    Valid at the generation of the copy only: the statement returns the one it sees."""

    all_found: bool
    page: Window | Around


_BROWSE_CTES = """matched AS (SELECT block, bits FROM filter_bits),
buckets AS (SELECT 1 AS bucket, block, bits FROM matched),"""

# Facet counts over every match: each facet value's blocks against the matches'; counted
# before grouping, so that only numbers are sorted, not blocks.
_FACETS = """(
    SELECT jsonb_object_agg(facet, counts)::text
    FROM (
        SELECT facet, jsonb_object_agg(value, n) AS counts
        FROM (
            SELECT split_part(substr(key, 2), '=', 1) AS facet,
                   substr(key, strpos(key, '=') + 1) AS value,
                   sum(n)::int AS n
            FROM (SELECT b.key, bit_count(m.bits & b.bits) AS n
                  FROM (SELECT key, block, bits FROM search_bits
                        WHERE key >= '#' AND key < '$' OFFSET 0) AS b
                  JOIN matched m ON m.block = b.block
                  OFFSET 0) AS per_block
            GROUP BY key
        ) AS per_value
        WHERE n > 0
        GROUP BY facet
    ) AS by_facet
)"""

# Facet counts of the matches listed within a radius (a few hundred at most), from their
# documents' facet codes, which hold the same values as the '#' bitmaps: reading them costs
# less than a block of every facet value. Scaled as the total is, when it is estimated.
_FACETS_OF_LISTED = """(
    SELECT jsonb_object_agg(facet, counts)::text
    FROM (
        SELECT f.facet, jsonb_object_agg(f.value, c.n) AS counts
        FROM (SELECT code, round(count(*) * {scale})::int AS n
              FROM in_radius r JOIN search_document d ON d.ord = r.ord,
                   unnest(d.facet_codes) AS code
              GROUP BY code) AS c
        JOIN search_facet_value f ON f.id = c.code
        WHERE c.n > 0
        GROUP BY f.facet
    ) AS by_facet
)"""


@dataclass(frozen=True)
class Summary:
    """What the answer counts: its total, its facets (SQL with the `{scale}` they are
    multiplied by), that scale, and whether these are exact."""

    total: str = "(SELECT coalesce(sum(bit_count(bits)), 0) FROM matched)"
    facets: str = _FACETS
    scale: str = "1"
    exact: str = "true"


FEW: int | None = None
"""With a point, up to this many matches are all sorted by distance; past it, the nearest
are walked in the geometric index (which holds the number and coordinates of each document,
so a walk reads no row). None: the square root of the page's end times the documents, where
both cost about the same."""

# The projection of `geo` (search.postgres) is off by at most about 2 % in Belgium: what is
# within 1.05 times the projected distance of the last nearest match holds every document
# nearer in truth.
MARGIN = 1.05

RADIUS_COUNT = 500
"""Within a radius, up to this many matches are counted one by one (total and facets
exact); past it, both are estimated from how far the last of them is."""


@dataclass(frozen=True)
class Nearest:
    """Sort by distance from a point: its projected coordinates, and the SQL of a document's
    true distance, tier and rank (`search.postgres`); with a radius, only what is within."""

    x: float
    y: float
    distance: str
    tier: str
    rank: str
    radius_km: float | None = None
    places: tuple[str, ...] = ()
    """The territories asked (commune, section): a walk stays within their extents."""


def _within_extents(args: Arguments, near: Nearest) -> str:
    """What keeps a walk nearest first inside the boxes of the territories asked (migration
    020): every document of a territory lies in its box, so nothing is missed, and from a
    point in one commune a search in the other does not pass every document of the first."""
    return "".join(
        f" AND d.geo <@ (SELECT box FROM search_extent WHERE territory = {args.arg(place)})"
        for place in near.places
    )


def _tier_page(
    args: Arguments,
    start: str,
    end: str,
    within: str,
    text_from: str,
    exact_bucket: int,
    window: Window | None = None,
) -> str:
    """`page`: the answer's window, tier by tier; a small tier ranked exactly, a large one
    in document number order. `window`: the tiers' documents the window reaches, computed
    from held bitmaps, instead of reading them from `buckets`."""
    if window is not None:
        tiers = f"""large AS (
    SELECT * FROM unnest({args.arg(window.large_positions)}::int[],
                         {args.arg(window.large_ords)}::int[]) AS l(position, ord)
),
small AS (
    SELECT * FROM unnest({args.arg(window.small_buckets)}::int[],
                         {args.arg(window.small_starts)}::int[],
                         {args.arg(window.small_ords)}::int[]) AS s(bucket, bucket_start, ord)
),"""
    else:
        exact = args.arg(exact_bucket)
        tiers = f"""placed AS (
    SELECT bucket, block, bits, n,
           sum(n) OVER (ORDER BY bucket, block) - n AS block_start,
           sum(n) OVER (PARTITION BY bucket) AS bucket_size,
           sum(n) OVER (ORDER BY bucket, block)
             - sum(n) OVER (PARTITION BY bucket ORDER BY block) AS bucket_start
    FROM (SELECT bucket, block, bits, bit_count(bits) AS n FROM buckets) AS sized
    WHERE n > 0
),
large AS (
    SELECT p.block_start + greatest({start}::int - p.block_start, 0) + i.n - 1 AS position,
           p.block * {BLOCK} + i.p AS ord
    FROM placed p
    CROSS JOIN LATERAL unnest(search_bits_positions(
        p.bits, greatest({start}::int - p.block_start, 0)::int,
        (least(p.n, {end}::int - p.block_start)
         - greatest({start}::int - p.block_start, 0))::int)) WITH ORDINALITY AS i(p, n)
    WHERE p.bucket_size > {exact}::int
      AND p.block_start < {end}::int AND p.block_start + p.n > {start}::int
),
small AS (
    SELECT p.bucket, p.bucket_start, p.block * {BLOCK} + i.p AS ord
    FROM placed p
    CROSS JOIN LATERAL unnest(search_bits_positions(p.bits, 0, {BLOCK})) AS i(p)
    WHERE p.bucket_size <= {exact}::int
      AND p.bucket_start < {end}::int AND p.bucket_start + p.bucket_size > {start}::int
),"""
    return f"""{tiers}
ranked AS (
    SELECT s.bucket_start + row_number() OVER (PARTITION BY s.bucket ORDER BY {within}) - 1
               AS position,
           d.ord
    FROM small s JOIN search_document d ON d.ord = s.ord{text_from}
),
page AS (
    SELECT position, ord, NULL::float8 AS distance_km FROM large
    UNION ALL
    SELECT position, ord, NULL::float8 FROM ranked
    WHERE position >= {start}::int AND position < {end}::int
),"""


def _matches_by_position(args: Arguments, end: str) -> tuple[str, str]:
    """The CTEs every distance page starts with: the matches as one array of blocks (`mask`,
    for a walk to test a document), how many they are, and how many are few; and the test."""
    few = args.arg(FEW)
    ctes = f"""mask AS MATERIALIZED (
    SELECT array_agg(coalesce(m.bits, {ZERO}) ORDER BY g.block) AS blocks
    FROM generate_series(0, (SELECT max(block) FROM matched)) AS g(block)
    LEFT JOIN matched m USING (block)
),
counted AS MATERIALIZED (
    SELECT coalesce(sum(bit_count(bits)), 0) AS n,
           coalesce({few}::int, sqrt({end}::int * (
               SELECT sum(bit_count(bits)) FROM search_bits WHERE key = '=all'))::int) AS few
    FROM matched
),"""
    has_bit = f"get_bit((SELECT blocks FROM mask)[d.ord / {BLOCK} + 1], d.ord % {BLOCK}) = 1"
    return ctes, has_bit


def _by_distance(start: str, end: str, near: Nearest, text_from: str) -> str:
    """From the candidates (`around`), the window by distance, then tier, rank and name:
    tier and rank are only computed for the window and what ties with its last."""
    return f"""by_distance AS MATERIALIZED (
    SELECT d.ord, {near.distance} AS distance_km
    FROM around a JOIN search_document d ON d.ord = a.ord
),
cut AS MATERIALIZED (
    SELECT distance_km FROM by_distance
    ORDER BY distance_km NULLS LAST OFFSET {end}::int - 1 LIMIT 1
),
ranked AS (
    SELECT b.ord, b.distance_km,
           row_number() OVER (ORDER BY b.distance_km NULLS LAST, {near.tier} DESC,
                              {near.rank} DESC, d.name, d.id) - 1 AS position
    FROM by_distance b JOIN search_document d ON d.ord = b.ord{text_from}
    WHERE NOT EXISTS (SELECT 1 FROM cut)
       OR (SELECT distance_km FROM cut) IS NULL
       OR b.distance_km <= (SELECT distance_km FROM cut)
),
page AS (
    SELECT position, ord, distance_km FROM ranked
    WHERE position >= {start}::int AND position < {end}::int
),"""


def _nearest_page(args: Arguments, start: str, end: str, near: Nearest, text_from: str) -> str:
    """`page`: the answer's window by distance (then tier, rank, name), as the statement
    that reads every match sorts it: all matches when few, else the nearest `end` by the
    geometric index and whatever the projection could put behind them."""
    point = f"point({args.arg(near.x)}::float8, {args.arg(near.y)}::float8)"
    ctes, has_bit = _matches_by_position(args, end)
    walked_test = has_bit + _within_extents(args, near)
    walk = f"(2 * {end}::int + 20)"
    return f"""{ctes}
nearest AS MATERIALIZED (
    SELECT d.ord, d.geo <-> {point} AS km
    FROM search_document d
    WHERE (SELECT n > few FROM counted) AND d.geo IS NOT NULL AND {walked_test}
    ORDER BY d.geo <-> {point}
    LIMIT {walk}
),
reach AS MATERIALIZED (
    SELECT (SELECT km FROM nearest ORDER BY km OFFSET {end}::int - 1 LIMIT 1) * {MARGIN}
               AS km,
           (SELECT max(km) FROM nearest) AS walked, (SELECT count(*) FROM nearest) AS n
),
around AS (
    SELECT m.block * {BLOCK} + p AS ord
    FROM matched m, unnest(search_bits_positions(m.bits, 0, {BLOCK})) AS p
    WHERE (SELECT n <= few FROM counted)
    UNION
    SELECT ord FROM nearest
    WHERE km <= (SELECT km FROM reach) OR (SELECT km IS NULL FROM reach)
    UNION
    -- the walk stopped short of what the projection's margin may hold: the rest of it
    SELECT d.ord FROM search_document d
    WHERE (SELECT n = {walk} AND walked < km FROM reach)
      AND d.geo <@ circle({point}, (SELECT km FROM reach)) AND {walked_test}
    UNION
    SELECT d.ord FROM search_document d
    WHERE d.geo IS NULL AND (SELECT n < {end}::int FROM reach)
      AND (SELECT n > few FROM counted) AND {has_bit}
),
{_by_distance(start, end, near, text_from)}"""


def _radius_page(
    args: Arguments, start: str, end: str, near: Nearest, text_from: str
) -> tuple[str, Summary]:
    """`page` within a radius, and what it counts: the matches within, nearest first, are
    listed up to RADIUS_COUNT + 1 (or the page's end, if further; from every match when few,
    else walking the geometric index); when all fit, total and facets are theirs, else
    estimated from how far the last of them is (as if the density held to the edge)."""
    point = f"point({args.arg(near.x)}::float8, {args.arg(near.y)}::float8)"
    radius = f"{args.arg(near.radius_km)}::float8"
    within = f"d.geo <@ circle({point}, {radius} * {MARGIN}) AND {near.distance} <= {radius}"
    count = args.arg(RADIUS_COUNT)
    listed = f"greatest({count}::int + 1, {end}::int)"
    ctes, has_bit = _matches_by_position(args, end)
    walked_test = has_bit + _within_extents(args, near)
    ctes = f"""{ctes}
in_radius AS MATERIALIZED (
    SELECT ord, km FROM (
        -- few matches, each looked up by its number (OFFSET 0): else the planner scans the
        -- geometric index within the radius, every document there (35,000 within 5 km)
        SELECT d.ord, d.geo <-> {point} AS km
        FROM matched m, unnest(search_bits_positions(m.bits, 0, {BLOCK})) AS p,
             LATERAL (SELECT ord, geo, latitude, longitude FROM search_document
                      WHERE ord = m.block * {BLOCK} + p OFFSET 0) AS d
        WHERE (SELECT n <= few FROM counted) AND {within}
        UNION ALL
        (SELECT d.ord, d.geo <-> {point}
         FROM search_document d
         WHERE (SELECT n > few FROM counted) AND {walked_test} AND {within}
         ORDER BY d.geo <-> {point}
         LIMIT {listed})
    ) AS listed
    ORDER BY km
    LIMIT {listed}
),
radius_summary AS MATERIALIZED (
    SELECT count(*) AS listed, max(km) AS farthest,
           count(*) <= {count}::int OR count(*) < {listed} AS exact
    FROM in_radius
),
reach AS MATERIALIZED (
    SELECT (SELECT km FROM in_radius ORDER BY km OFFSET {end}::int - 1 LIMIT 1) * {MARGIN}
               AS km
),
around AS (
    SELECT ord FROM in_radius
    WHERE km <= (SELECT km FROM reach) OR (SELECT km IS NULL FROM reach)
    UNION
    SELECT d.ord FROM search_document d
    WHERE NOT (SELECT exact FROM radius_summary) AND {walked_test} AND {within}
      AND d.geo <@ circle({point}, (SELECT km FROM reach))
),
{_by_distance(start, end, near, text_from)}"""
    estimate = (
        f"least((SELECT n FROM counted), greatest(r.listed, round(r.listed * power("
        f"{radius} / greatest(r.farthest, 0.001), 2))))"
    )
    summary = Summary(
        total=f"(SELECT CASE WHEN r.exact THEN r.listed ELSE {estimate} END FROM radius_summary r)",
        facets=_FACETS_OF_LISTED,
        scale=f"(SELECT CASE WHEN r.exact THEN 1 ELSE {estimate}::float8 / r.listed END "
        "FROM radius_summary r)",
        exact="(SELECT exact FROM radius_summary)",
    )
    return ctes, summary


def compile_bitmap_search(
    args: Arguments,
    sets: FilterSets,
    *,
    text: tuple[str, str, bool] | None,
    text_from: str,
    highlight: str,
    limit: int,
    offset: int,
    facets: bool,
    exact_bucket: int = EXACT_BUCKET,
    candidates: bool = False,
    near: Nearest | None = None,
    given: Given | None = None,
) -> str:
    """The one statement of a search on the bitmaps: page, total and facets, with the same
    columns as `search.postgres.compile_search`; with `candidates`, what an exact opening
    check needs instead (`search.postgres.compile_scan`'s columns). `text`: the query's groups
    and its words as typed (`tsquery_groups` as JSON) and whether any word will do when no
    document has them all; None to browse. `near`: sorted by distance from that point.
    `given`: the page computed from held bitmaps (`search.held`) instead of the filters, the
    words and the tiers; the statement then ranks, measures and reads only what it is
    given, returns the search generation it sees (`generation`) and leaves the facets to
    the caller."""
    all_words = "true"
    if given is not None:
        groups, typed = text[:2] if text else ("", "")
        weighted = isinstance(given.page, Around)
        all_found = f"{args.arg(given.all_found)}::boolean"
        bucket_ctes = ""
        if text:
            typed_arg = args.arg(typed) if weighted else ""
            bucket_ctes = _query_cte(args.arg(groups), typed_arg, all_found, args)
        all_words = all_found
    elif text is None:
        bucket_ctes = _filter_ctes(sets, args) + "\n" + _BROWSE_CTES
    else:
        bucket_ctes = _filter_ctes(sets, args) + "\n" + _text_ctes(*text, near is not None, args)
        all_words = _ALL_FOUND
    within = "d.name, d.id"
    if text is not None:
        within = "ts_rank('{0.05, 0.2, 0.5, 1.0}', d.tsv, query.q) DESC, d.name, d.id"
    start, end = args.arg(offset), args.arg(offset + limit)
    summary = Summary()
    computed = given.page if given is not None else None
    if computed is not None:
        summary = Summary(total=f"{args.arg(computed.total)}::bigint")
    if isinstance(computed, Around):
        if near is None:
            raise ValueError("documents around a point need the point")
        around = f"around AS (SELECT unnest({args.arg(computed.ords)}::int[]) AS ord),"
        page = f"{around}\n{_by_distance(start, end, near, text_from)}"
    elif near is None:
        page = _tier_page(args, start, end, within, text_from, exact_bucket, computed)
    elif near.radius_km is None:
        page = _nearest_page(args, start, end, near, text_from)
    else:
        page, summary = _radius_page(args, start, end, near, text_from)
    # Given a page, the caller counts the facets.
    counted_here = facets and given is None
    counts = summary.facets.format(scale=summary.scale) if counted_here else "NULL::text"
    seen = "(SELECT value FROM search_generation)" if given is not None else "NULL::bigint"
    return f"""
WITH {bucket_ctes}
{page}
summary AS (
    SELECT {summary.total}::bigint AS total, {counts} AS facets,
           {summary.exact} AS total_exact, {all_words} AS all_words, {seen} AS generation
)
SELECT summary.total, summary.total_exact, summary.all_words, summary.generation,
       {_FIRST_ROW} THEN summary.facets END AS facets, hits.*
FROM summary LEFT JOIN LATERAL ({_CANDIDATES if candidates else _HITS.format(highlight, text_from)}
) AS hits ON true
ORDER BY hits.position
"""


# What the first row alone carries (facet counts: kilobytes).
_FIRST_ROW = "CASE WHEN row_number() OVER (ORDER BY hits.position) = 1"


def _hit_document() -> str:
    left_out = sorted(
        field.encode_name
        for field in msgspec.structs.fields(SearchDocument)
        if field.encode_name not in HIT_FIELDS
    )
    # ARRAY[...], not '{...}': statements are put together with str.format.
    return f"(p.document - ARRAY[{', '.join(map(repr, left_out))}])::text"


HIT_DOCUMENT = _hit_document()
"""SQL: the payload `p` of a hit as JSON, without what only searches read (`HIT_FIELDS`):
a third of its size, and decoding whole documents took 9 % of the server's time."""

_HITS = f"""
    SELECT page.position, d.id, d.name, NULL::int AS tier, NULL::real AS rank,
           page.distance_km, {HIT_DOCUMENT} AS document, {{}}
    FROM page
    JOIN search_document d ON d.ord = page.ord
    JOIN search_payload p ON p.id = d.id{{}}"""

_CANDIDATES = """
    SELECT page.position, d.id::text AS id, d.name, page.distance_km,
           d.status, d.opening_hours, d.exceptions::text AS exceptions, d.facet_codes
    FROM page JOIN search_document d ON d.ord = page.ord"""
