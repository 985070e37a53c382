"""The PostgreSQL engine: weighted tsvectors, typo correction by trigrams, facets, distance.

The embedded default and the fallback when Meilisearch is down. What matching, filtering,
ranking, facets and the opening check need lives in the narrow `search_document` (migrations
003, 007, 009); the whole document, read only for the page, in `search_payload`. A search is
one SQL statement returning the page, the total and the facet counts: from BITMAPS_FROM
documents on the bitmaps of migration 019 (`search.bitmaps`), below by reading every match.
On the bitmaps, once the engine holds a copy of them (`search.held`), it computes the matches
and their facets itself and hands the statement the matches (plus, for words the statement
has not seen yet, one round trip for their terms).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain
from operator import itemgetter
from typing import Any

import asyncpg
import msgspec
import numpy as np

from schemas.search import SearchDocument, SearchFilters
from search import bitmaps
from search.backend import (
    BUMP_GENERATION,
    MARK_END,
    MARK_START,
    Candidates,
    EngineHit,
    EngineQuery,
    EngineResult,
    EngineUnavailable,
    Facets,
    Progress,
    bounding_box,
    opening_slots,
    opening_span,
)
from search.bitmaps import (
    EXACT_BUCKET,
    HIT_DOCUMENT,
    KM_PER_DEGREE,
    X_SCALE,
    FilterSets,
    Given,
    Nearest,
    compile_bitmap_search,
    filter_sets,
)
from search.facets import FacetBitmaps
from search.held import TERMS, TERMS_KEPT, HeldBitmaps, given_to_statement, matches, terms_from
from search.results import SCAN_CHUNK, IsOpen, with_ellipses
from search.text import TermGroup, expand

_encode = msgspec.json.Encoder().encode
_decode_document = msgspec.json.Decoder(dict[str, Any]).decode
_decode_facets = msgspec.json.Decoder(dict[str, dict[str, int]]).decode


logger = logging.getLogger(__name__)

HELD_REREAD = 1.0
"""Seconds between two reads of what changed in the held bitmaps (`search.held`) while
writes keep coming."""

# Errors that mean "the engine cannot serve now", as opposed to a bug in our SQL.
UNAVAILABLE = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.UndefinedTableError,
    asyncpg.InsufficientPrivilegeError,
    asyncpg.CannotConnectNowError,
    asyncpg.QueryCanceledError,
    asyncpg.PostgresConnectionError,
)

# The arrays of an incoming document, extracted once per statement.
_INCOMING = """
incoming AS (
    SELECT (d ->> 'id')::uuid AS id, (d ->> 'service_id')::uuid AS service_id, d,
           ARRAY(SELECT jsonb_array_elements_text(d -> 'themes')) AS themes,
           ARRAY(SELECT jsonb_array_elements_text(d -> 'languages')) AS languages,
           ARRAY(SELECT jsonb_array_elements_text(d -> 'situations')) AS situations
    FROM jsonb_array_elements($1::text::jsonb) AS d
)"""

_FACET_PAIRS = (
    "search_facet_pairs(themes, d ->> 'type', d ->> 'commune', d ->> 'section', languages, "
    "situations, d ->> 'wheelchair')"
)

# New (facet, value) pairs get their code before the documents that use them are written;
# sorted, so that two writers adding the same values wait for each other, never deadlock.
_ADD_FACET_VALUES = f"""
WITH {_INCOMING}
INSERT INTO search_facet_value (facet, value)
SELECT DISTINCT p.facet, p.value
FROM incoming, {_FACET_PAIRS} AS p
WHERE p.value IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM search_facet_value f WHERE f.facet = p.facet AND f.value = p.value)
ORDER BY 1, 2
ON CONFLICT DO NOTHING
"""

_UPSERT = f"""
WITH {_INCOMING},
-- New documents take the numbers of deleted ones first, then new numbers (migration 019).
fresh AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM incoming i
    WHERE NOT EXISTS (SELECT 1 FROM search_document s WHERE s.id = i.id)
),
reused AS (
    DELETE FROM search_free_ord
    WHERE ord IN (SELECT ord FROM search_free_ord ORDER BY ord
                  LIMIT (SELECT count(*) FROM fresh))
    RETURNING ord
),
numbered AS (
    SELECT fresh.id, coalesce(r.ord, nextval('search_ord_seq')::int) AS ord
    FROM fresh
    LEFT JOIN (SELECT ord, row_number() OVER (ORDER BY ord) AS n FROM reused) AS r USING (n)
),
texts AS (
    SELECT id, service_id, d, themes, languages, situations,
           concat_ws(' ', d ->> 'name', d ->> 'alternate_name') AS a,
           concat_ws(' ', d ->> 'organisation', d ->> 'organisation_alternate_name',
                     (SELECT string_agg(value, ' ')
                      FROM jsonb_array_elements_text(d -> 'theme_labels'))) AS b,
           concat_ws(' ', d ->> 'description', d ->> 'place_name', d ->> 'commune_name',
                     (SELECT string_agg(value, ' ')
                      FROM jsonb_array_elements_text(d -> 'territory_names'))) AS c,
           concat_ws(' ', d ->> 'eligibility', d ->> 'conditions', d ->> 'address') AS dd
    FROM incoming
),
words AS (
    INSERT INTO search_lexicon (word)
    SELECT DISTINCT w
    FROM texts, regexp_split_to_table(search_fold(concat_ws(' ', a, b, c)), '[^a-z0-9]+') AS w
    WHERE length(w) >= 3
    ON CONFLICT DO NOTHING
)
INSERT INTO search_document AS s (
    id, service_id, tsv, name, themes, type, territories, commune, section,
    age_min, age_max, genders, situations, open_to_all, free, walk_in, unconditional,
    languages, wheelchair, status, has_hours, open_slots, slots_from, slots_until,
    latitude, longitude, geo, opening_hours, exceptions, facet_codes, indexed_at, ord)
SELECT id, service_id,
       setweight(to_tsvector('french_unaccent', a), 'A')
       || setweight(to_tsvector('french_unaccent', b), 'B')
       || setweight(to_tsvector('french_unaccent', c), 'C')
       || setweight(to_tsvector('french_unaccent', dd), 'D'),
       d ->> 'name',
       themes,
       d ->> 'type',
       ARRAY(SELECT jsonb_array_elements_text(d -> 'territories')),
       d ->> 'commune', d ->> 'section',
       (d ->> 'age_min')::int, (d ->> 'age_max')::int,
       ARRAY(SELECT jsonb_array_elements_text(d -> 'genders')),
       situations,
       (d ->> 'open_to_all')::boolean, (d ->> 'free')::boolean, (d ->> 'walk_in')::boolean,
       (d ->> 'unconditional')::boolean,
       languages,
       d ->> 'wheelchair', d ->> 'status', (d ->> 'has_hours')::boolean,
       ARRAY(SELECT jsonb_array_elements_text(d -> 'open_slots')::smallint),
       (d ->> 'slots_from')::bigint, (d ->> 'slots_until')::bigint,
       (d -> '_geo' ->> 'lat')::float8, (d -> '_geo' ->> 'lng')::float8,
       CASE WHEN d -> '_geo' ->> 'lat' IS NOT NULL
            THEN point((d -> '_geo' ->> 'lng')::float8 * $2, (d -> '_geo' ->> 'lat')::float8 * $3)
       END,
       d ->> 'opening_hours', coalesce(d -> 'exceptions', '[]'::jsonb),
       search_facet_codes(themes, d ->> 'type', d ->> 'commune', d ->> 'section', languages,
                          situations, d ->> 'wheelchair'),
       now(),
       coalesce((SELECT n.ord FROM numbered n WHERE n.id = texts.id),
                (SELECT s.ord FROM search_document s WHERE s.id = texts.id))
FROM texts
ON CONFLICT (id) DO UPDATE SET
    service_id = excluded.service_id, tsv = excluded.tsv,
    name = excluded.name, themes = excluded.themes, type = excluded.type,
    territories = excluded.territories, commune = excluded.commune, section = excluded.section,
    age_min = excluded.age_min, age_max = excluded.age_max, genders = excluded.genders,
    situations = excluded.situations, open_to_all = excluded.open_to_all,
    free = excluded.free, walk_in = excluded.walk_in, unconditional = excluded.unconditional,
    languages = excluded.languages, wheelchair = excluded.wheelchair, status = excluded.status,
    has_hours = excluded.has_hours, open_slots = excluded.open_slots,
    slots_from = excluded.slots_from, slots_until = excluded.slots_until,
    latitude = excluded.latitude, longitude = excluded.longitude, geo = excluded.geo,
    opening_hours = excluded.opening_hours, exceptions = excluded.exceptions,
    facet_codes = excluded.facet_codes, indexed_at = excluded.indexed_at,
    version = nextval('search_bits_version_seq')
"""

# The whole documents, after their rows (the payload references search_document).
# The page never shows the hours of the week a service may be open (up to 168 numbers,
# half of a document's JSON): `search_document.open_slots` has them for the filters.
_UPSERT_PAYLOAD = """
INSERT INTO search_payload (id, document)
SELECT (d ->> 'id')::uuid, d - 'open_slots' FROM jsonb_array_elements($1::text::jsonb) AS d
ON CONFLICT (id) DO UPDATE SET document = excluded.document
"""

# Their payloads go with them (ON DELETE CASCADE, migration 009).
_DELETE_STALE = """
DELETE FROM search_document
WHERE service_id = ANY($1::uuid[]) AND NOT (id = ANY($2::uuid[]))
"""

_HIGHLIGHT_OPTIONS = f'StartSel="{MARK_START}", StopSel="{MARK_END}", HighlightAll=true'
_SNIPPET_OPTIONS = (
    f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords=30, MinWords=12, '
    'ShortWord=3, MaxFragments=2, FragmentDelimiter=" … "'
)


@dataclass
class Compiled:
    """A search statement and its arguments."""

    sql: str
    args: list[Any] = field(default_factory=list)
    counts_every_match: bool = False
    """Its facets count every match (the bitmaps), not only the best FACET_LIMIT."""
    facets_apart: bool = False
    """Its facets are counted by the caller, from the matches it was handed."""

    def arg(self, value: Any) -> str:
        """Add an argument and return its placeholder."""
        self.args.append(value)
        return f"${len(self.args)}"


def where_clauses(filters: SearchFilters, compiled: Compiled) -> list[str]:
    """The filters as SQL conditions on `search_document d`, arguments added to `compiled`."""
    clauses: list[str] = []
    if filters.themes:
        clauses.append(f"d.themes && {compiled.arg(list(filters.themes))}::text[]")
    if filters.types:
        clauses.append(f"d.type = ANY({compiled.arg(list(filters.types))}::text[])")
    for places in (filters.communes, filters.sections):
        if places:
            clauses.append(f"d.territories && {compiled.arg(list(places))}::text[]")
    if filters.age is not None:
        age = compiled.arg(filters.age)
        clauses.append(f"d.age_min <= {age}::int AND d.age_max >= {age}::int")
    if filters.gender:
        clauses.append(f"d.genders @> ARRAY[{compiled.arg(filters.gender)}::text]")
    if filters.situation:
        clauses.append(
            f"(d.open_to_all OR d.situations @> ARRAY[{compiled.arg(filters.situation)}::text])"
        )
    for name in ("free", "walk_in", "unconditional"):
        value = getattr(filters, name)
        if value is not None:
            clauses.append(f"d.{name} = {compiled.arg(value)}::boolean")
    if filters.languages:
        clauses.append(f"d.languages && {compiled.arg(list(filters.languages))}::text[]")
    if filters.wheelchair is not None:
        clauses.append("d.wheelchair = 'yes'" if filters.wheelchair else "d.wheelchair <> 'yes'")
    span = opening_span(filters)
    if span is not None:
        moment, until = compiled.arg(span[0]), compiled.arg(span[1])
        slots = compiled.arg(opening_slots(filters))
        clauses.append(
            "d.status = 'active' AND d.has_hours AND "
            f"(d.slots_from > {moment}::bigint OR d.slots_until < {until}::bigint "
            f"OR d.open_slots && {slots}::smallint[])"
        )
    if filters.lat is not None and filters.lon is not None and filters.radius_km is not None:
        min_lat, min_lon, max_lat, max_lon = bounding_box(
            filters.lat, filters.lon, filters.radius_km
        )
        km_x, km_y = X_SCALE * KM_PER_DEGREE, KM_PER_DEGREE
        low = f"point({compiled.arg(min_lon * km_x)}, {compiled.arg(min_lat * km_y)})"
        high = f"point({compiled.arg(max_lon * km_x)}, {compiled.arg(max_lat * km_y)})"
        clauses.append(f"d.geo <@ box({low}, {high})")
        clauses.append(f"{_distance_sql(filters, compiled)} <= {compiled.arg(filters.radius_km)}")
    return clauses


def _distance_sql(filters: SearchFilters, compiled: Compiled) -> str:
    lat, lon = compiled.arg(filters.lat), compiled.arg(filters.lon)
    return (
        f"(12742 * asin(sqrt(power(sin(radians(d.latitude - {lat}::float8) / 2), 2)"
        f" + cos(radians({lat}::float8)) * cos(radians(d.latitude))"
        f" * power(sin(radians(d.longitude - {lon}::float8) / 2), 2))))"
    )


def typo_candidates(group: TermGroup) -> list[str]:
    """The typed words that, missing from the lexicon, match their closest known words; none
    for a term of the synonyms file, whose meanings say what it is ("couches" is no typo
    of "douches")."""
    if len(group.alternatives) > 1:
        return []
    return [word for word in group.typed if len(word) >= 4 and not word.isdigit()]


def tsquery_groups(
    groups: Sequence[TermGroup], *, as_typed: bool = False
) -> list[dict[str, list[str]]]:
    """The query groups as `search_tsquery` takes them: to_tsquery alternatives, typo words;
    `as_typed`: only the words as they were typed, whole (no synonym, no typo correction,
    no prefix)."""
    result = []
    for group in groups:
        alternatives = []
        for index, phrase in enumerate(group.alternatives[:1] if as_typed else group.alternatives):
            terms = list(phrase)
            if index == 0 and group.prefix and not as_typed:
                terms[-1] += ":*"
            alternatives.append(" & ".join(terms))
        fuzzy = [] if as_typed else typo_candidates(group)
        result.append({"alternatives": alternatives, "fuzzy": fuzzy})
    return result


# Where every word of the query is found ranks first (migration 011): all in the name (4),
# all in the name, organisation and themes (3), all in those, the description and the place
# (2), anywhere (1); `ts_rank` orders the documents of a tier. The query restricted to weights
# (`search_weighted`) tells a document's tier at the cost of a match. Within a tier, a name
# made of the words as typed comes first ("colis": "Colis alimentaires" before "Aide
# alimentaire", found through a synonym), as Meilisearch's `exactness` rule does; `ts_rank`
# (at most 1) orders the rest.
_TIER = (
    "(CASE WHEN d.tsv @@ query.qa THEN 4 WHEN d.tsv @@ query.qab THEN 3 "
    "WHEN d.tsv @@ query.qabc THEN 2 ELSE 1 END)"
)
_RANK = (
    "(2 * coalesce(d.tsv @@ query.typed_a, false)::int"
    " + ts_rank('{0.05, 0.2, 0.5, 1.0}', d.tsv, query.q))"
)
_MATCH = "query.q IS NOT NULL AND d.tsv @@ query.q"


@dataclass
class SearchParts:
    """What the statements of a search share: the text query, the conditions, the order."""

    text: bool
    text_cte: str
    text_from: str
    tier: str
    rank: str
    clauses: list[str]
    distance: str
    order: str

    @property
    def where(self) -> str:
        """The filters and, for a text search, the match."""
        return " AND ".join([*self.clauses, *([_MATCH] if self.text else [])]) or "true"


def search_parts(query: EngineQuery, compiled: Compiled, match_any: bool = False) -> SearchParts:
    """The pieces of a search's statements, arguments added to `compiled` (also read by
    `bench/search_costs.py`, which times them apart)."""
    filters = query.filters
    text = bool(query.text.strip())
    text_cte = _text_cte(query, compiled, match_any) if text else ""
    text_from = ", query" if text else ""
    tier, rank = (_TIER, _RANK) if text else ("0", "0::real")
    clauses = where_clauses(filters, compiled)
    has_point = filters.lat is not None and filters.lon is not None
    distance = _distance_sql(filters, compiled) if has_point else "NULL::float8"
    if has_point:
        order = "distance_km NULLS LAST, tier DESC, rank DESC, name, id"
    elif text:
        order = "tier DESC, rank DESC, name, id"
    else:
        order = "name, id"
    return SearchParts(text, text_cte, text_from, tier, rank, clauses, distance, order)


def _text_cte(query: EngineQuery, compiled: Compiled, match_any: bool) -> str:
    """The `query` CTE: the text query, the same restricted to the weights of each tier, and
    the words as typed restricted to the name."""
    groups = expand(query.text)
    everything = _encode(tsquery_groups(groups)).decode()
    as_typed = _encode(tsquery_groups(groups, as_typed=True)).decode()
    typed = f"search_tsquery({compiled.arg(everything)}::text::jsonb, "
    typed += f"{compiled.arg(match_any)}::boolean)"
    return (
        "query AS MATERIALIZED (SELECT q, search_weighted(q, 'A') AS qa, "
        "search_weighted(q, 'AB') AS qab, search_weighted(q, 'ABC') AS qabc, "
        f"search_weighted(search_tsquery({compiled.arg(as_typed)}::text::jsonb), 'A') AS typed_a "
        f"FROM (SELECT {typed} AS q) AS typed),"
    )


def _highlight(compiled: Compiled, text: bool, highlight: bool) -> str:
    """The highlight columns of a page: matched words marked, or NULL."""
    if not (text and highlight):
        return "NULL AS name_highlight, NULL AS description_highlight"
    return (
        f"ts_headline('french_unaccent', p.document ->> 'name', query.q, "
        f"{compiled.arg(_HIGHLIGHT_OPTIONS)}) AS name_highlight, "
        f"ts_headline('french_unaccent', p.document ->> 'description', query.q, "
        f"{compiled.arg(_SNIPPET_OPTIONS)}) AS description_highlight"
    )


def compile_search(query: EngineQuery, match_any: bool = False) -> Compiled:
    """The one statement of a search: page, total and facets."""
    compiled = Compiled("")
    parts = search_parts(query, compiled, match_any)
    text_cte, text_from, order = parts.text_cte, parts.text_from, parts.order
    limit, offset = compiled.arg(query.limit), compiled.arg(query.offset)
    highlight = _highlight(compiled, parts.text, query.highlight)
    page_from = f"search_payload p ON p.id = page.id{text_from}"
    facets = _FACETS_SQL if query.facets else "NULL::text"
    if query.facets and query.offset + query.limit <= FACET_LIMIT:
        # One sort for both: the best FACET_LIMIT matches hold the page.
        best = f"""best AS MATERIALIZED (
    SELECT id, name, tier, rank, distance_km, facet_codes FROM matches
    ORDER BY {order} LIMIT {compiled.arg(FACET_LIMIT)}
),
page AS (
    SELECT id, name, tier, rank, distance_km FROM best
    ORDER BY {order} LIMIT {limit} OFFSET {offset}
),
"""
    else:
        best = f"""page AS (
    SELECT id, name, tier, rank, distance_km FROM matches
    ORDER BY {order} LIMIT {limit} OFFSET {offset}
),
best AS (SELECT facet_codes FROM matches ORDER BY {order} LIMIT {compiled.arg(FACET_LIMIT)}),
"""
    compiled.sql = f"""
WITH {text_cte}
matches AS MATERIALIZED (
    SELECT d.id, d.name, {parts.tier} AS tier, {parts.rank} AS rank,
           {parts.distance} AS distance_km, d.facet_codes
    FROM search_document d{text_from}
    WHERE {parts.where}
),
{best}summary AS (SELECT (SELECT count(*) FROM matches) AS total, {facets} AS facets)
SELECT summary.total, summary.facets, hits.*
FROM summary LEFT JOIN LATERAL (
    SELECT page.id, page.name, page.tier, page.rank, page.distance_km,
           {HIT_DOCUMENT} AS document, {highlight}
    FROM page JOIN {page_from}
) AS hits ON true
ORDER BY {order}
"""
    return compiled


def query_words(query: EngineQuery) -> tuple[str, str, bool] | None:
    """A text query's groups and its words as typed (`tsquery_groups` as JSON), and whether
    any word will do when no document has them all (several words); None to browse."""
    return _words_of(query.text) if query.text.strip() else None


@functools.lru_cache(maxsize=4096)
def _words_of(text: str) -> tuple[str, str, bool]:
    """`query_words` of a text: the same for every search with it (people type the same
    needs over and over)."""
    groups = expand(text)
    return (
        _encode(tsquery_groups(groups)).decode(),
        _encode(tsquery_groups(groups, as_typed=True)).decode(),
        len(groups) > 1,
    )


def compile_bitmap(
    query: EngineQuery,
    sets: FilterSets,
    exact_bucket: int = EXACT_BUCKET,
    *,
    candidates: bool = False,
    given: Given | None = None,
) -> Compiled:
    """The one statement of a search on the bitmaps (`search.bitmaps`): page, total and
    facets over every match, the same columns as `compile_search` and whether every word
    was found (any word otherwise); with `candidates`, the first `query.limit` candidates of
    an opening check, the columns of `compile_scan`. `given`: the page computed from the
    held bitmaps, instead of the filters, words and tiers (facets are then counted by the
    caller)."""
    filters = query.filters
    compiled = Compiled(
        "",
        counts_every_match=True,
        facets_apart=given is not None and query.facets and not candidates,
    )
    words = query_words(query)
    text_from = ", query" if words else ""
    near = None
    if filters.lat is not None and filters.lon is not None:
        tier, rank = (_TIER, _RANK) if words else ("0", "0::real")
        x, y = filters.lon * X_SCALE * KM_PER_DEGREE, filters.lat * KM_PER_DEGREE
        distance = _distance_sql(filters, compiled)
        # A walk stays within the box of a territory asked alone; several of one filter
        # (any of them) leave it unbounded, which misses nothing.
        places = tuple(ids[0] for ids in (filters.communes, filters.sections) if len(ids) == 1)
        near = Nearest(x, y, distance, tier, rank, filters.radius_km, places)
    compiled.sql = compile_bitmap_search(
        compiled,
        sets,
        text=words,
        text_from=text_from,
        highlight=_highlight(compiled, words is not None, query.highlight),
        limit=query.limit,
        offset=query.offset,
        facets=query.facets and not candidates,
        exact_bucket=exact_bucket,
        candidates=candidates,
        near=near,
        given=given,
    )
    return compiled


def compile_scan(query: EngineQuery, limit: int, match_any: bool = False) -> Compiled:
    """The first `limit` candidates in answer order, with what an exact opening check and the
    facet counts need (not the whole document), and how many there are in all."""
    compiled = Compiled("")
    parts = search_parts(query, compiled, match_any)
    with_query = f"WITH {parts.text_cte.rstrip(',')}" if parts.text_cte else ""
    compiled.sql = f"""
{with_query}
SELECT d.id::text AS id, d.name, {parts.tier} AS tier, {parts.rank} AS rank,
       {parts.distance} AS distance_km,
       d.status, d.opening_hours, d.exceptions::text AS exceptions, d.facet_codes,
       count(*) OVER () AS total
FROM search_document d{parts.text_from}
WHERE {parts.where}
ORDER BY {parts.order}
LIMIT {compiled.arg(limit)}
"""
    return compiled


FACET_LIMIT = 2000
"""Facets count the best this many matches: all of them, exactly, for all but broad searches.

Past it (a word found in 5,000-45,000 documents) counting every match cost more than the
rest of the search; the best matches, in answer order, say what the first pages hold.
"""

# Facet counts over the best matches in one pass: each document carries the codes of its
# (facet, value) pairs (migration 009); codes are counted, then named, then grouped by facet.
_FACETS_SQL = """(
    SELECT jsonb_object_agg(facet, counts)::text
    FROM (
        SELECT f.facet, jsonb_object_agg(f.value, c.n) AS counts
        FROM (SELECT code, count(*) AS n FROM best, unnest(best.facet_codes) AS code
              GROUP BY code) AS c
        JOIN search_facet_value f ON f.id = c.code
        GROUP BY f.facet
    ) AS by_facet
)"""


# What the typo correction of `search_tsquery` (migrations 003, 029) searches for instead of
# a word that no document holds: here only the closest word, to tell the person.
_CORRECTIONS = """
SELECT t.word AS typed, near.word AS near
FROM unnest($1::text[]) WITH ORDINALITY AS t(word, n)
CROSS JOIN LATERAL search_near_words(t.word, 1) AS near(word)
WHERE NOT EXISTS (SELECT 1 FROM search_lexicon k WHERE k.word = t.word)
ORDER BY t.n
"""


_SYNONYM_CORRECTIONS = """
SELECT t.word AS typed, t.near
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(word, near, n)
WHERE NOT EXISTS (SELECT 1 FROM search_lexicon k WHERE k.word = t.word)
ORDER BY t.n
"""


async def corrections(
    pool: asyncpg.Pool, text: str, *, lexicon: bool = True
) -> list[tuple[str, str]]:
    """The words of `text` that no document holds, each with what the search looked for
    instead, in the order typed: the synonym term one typo away ("daklozn": "daklozen",
    either engine) and, with `lexicon` (PostgreSQL's own typo correction), the closest word
    documents hold when no synonym explains the word."""
    groups = expand(text)
    near = [(group.typed[0], group.near) for group in groups if group.near]
    candidates = [word for group in groups if lexicon for word in typo_candidates(group)]
    if not candidates and not near:
        return []
    found: list[tuple[str, str]] = []
    async with pool.acquire() as conn:
        if near:
            rows = await conn.fetch(
                _SYNONYM_CORRECTIONS, [typed for typed, _ in near], [term for _, term in near]
            )
            found += [(row["typed"], row["near"]) for row in rows]
        if candidates:
            rows = await conn.fetch(_CORRECTIONS, candidates)
            found += [(row["typed"], row["near"]) for row in rows]
    order = {word: index for index, group in enumerate(groups) for word in group.typed}
    return sorted(found, key=lambda pair: order.get(pair[0], len(order)))


def _total(rows: Sequence[asyncpg.Record]) -> int:
    """How many match, as either statement of candidates says it."""
    return int(rows[0]["total"]) if rows else 0


BITMAPS_FROM = 10_000
"""From this many documents searches run on the bitmaps (the default of the setting
BOUSSOLE_SEARCH_BITMAPS_FROM). Below, the statement that reads every match ranks every
match (the bitmaps order a tier of more than `EXACT_BUCKET` matches by document number),
for a price a small catalogue can pay: it grows with the matches (30 ms at 115,000
documents against about 2 on the held bitmaps). Held in the server, the bitmaps now cost
less even at 2,300 documents (the benchmark's mix without the answer cache: 440 searches
a second against 319, p95 29 ms against 48): the threshold keeps the ranking."""

_DOCUMENTS = "SELECT coalesce(sum(bit_count(bits)), 0) FROM search_bits WHERE key = '=all'"


class PostgresEngine:
    """Search documents in the catalogue's own database."""

    name = "postgres"
    bumps_generation = True
    """Writes bump the search generation in their own transaction (answer caches)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        timeout: float = 10.0,
        bitmaps_from: int | None = BITMAPS_FROM,
        exact_bucket: int = EXACT_BUCKET,
        hold: bool = True,
    ) -> None:
        self._pool = pool
        self._timeout = timeout
        self._bitmaps_from = bitmaps_from
        """Searches run on the bitmaps (migration 019) from this many documents; None:
        never (the statements that read every match, the reference the bitmaps are tested
        against), 0: always."""
        self._exact_bucket = exact_bucket
        self._hold = hold
        """Whether searches on the bitmaps hold them in the server (`search.held`); False:
        every statement combines them itself (the reference the copy is tested against)."""
        self._held: HeldBitmaps | None = None
        """The bitmaps held in the server (`search.held`), once read."""
        self._facets = FacetBitmaps([], np.zeros((0, 0), dtype=np.uint64))
        """The facet values' bitmaps of the held copy."""
        self._holding: asyncio.Task[None] | None = None
        self._held_read_at = -math.inf
        self._facet_values: dict[int, tuple[str, str]] = {}
        """(facet, value) of each code of `search_facet_value`, read when a new one shows."""
        self._documents = 0
        self._counted_at = -math.inf

    @property
    def _bitmaps(self) -> bool:
        """Whether searches run on the bitmaps, as of the last count of the documents."""
        return self._bitmaps_from is not None and self._documents >= self._bitmaps_from

    async def _count_documents(self, conn: asyncpg.Connection) -> None:
        """Count the documents (the `=all` bitmap) when the last count is a minute old."""
        if self._bitmaps_from in (None, 0) or time.monotonic() - self._counted_at < 60:
            return  # decided without a count, or counted a moment ago
        self._documents = await conn.fetchval(_DOCUMENTS)
        self._counted_at = time.monotonic()

    async def prepare(self) -> None:
        """Nothing to do: migration 003 created the table and its indexes."""

    async def replace(
        self, service_ids: Sequence[str], documents: Sequence[SearchDocument]
    ) -> None:
        """Make the documents of `service_ids` exactly `documents`, in one transaction."""
        ids = [document.id for document in documents]
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute(bitmaps.LOCK)
                before = await conn.fetch(bitmaps.REMEMBER, list(service_ids), ids)
                await conn.execute(_DELETE_STALE, list(service_ids), ids)
                if documents:
                    await self._upsert(conn, documents)
                await bitmaps.apply(conn, service_ids, ids, before)
                await conn.execute(BUMP_GENERATION)
        except UNAVAILABLE as error:
            raise EngineUnavailable(f"postgres: {type(error).__name__}: {error}") from error

    async def _upsert(self, conn: asyncpg.Connection, documents: Sequence[SearchDocument]) -> None:
        """Write the rows, their facet codes and their payloads; the caller's transaction."""
        encoded = _encode(list(documents)).decode()
        await conn.execute(_ADD_FACET_VALUES, encoded)
        await conn.execute(_UPSERT, encoded, X_SCALE * KM_PER_DEGREE, KM_PER_DEGREE)
        await conn.execute(_UPSERT_PAYLOAD, encoded)

    async def search(self, query: EngineQuery) -> EngineResult:
        """Run a search; when every word is required and nothing matches, any word will do.

        One round trip: the pool's connections already have JIT off and enough `work_mem`
        (`service.db.pool.SERVER_SETTINGS`).
        """
        try:
            async with self._pool.acquire() as conn:
                await self._count_documents(conn)
                held = await self._on_held(conn, query)
                if held is not None:
                    return self._result(*held)
                compiled = self._compile(query)
                result = self._result(compiled, await self._fetch(conn, compiled))
                if (
                    not compiled.counts_every_match  # the bitmaps fall back by themselves
                    and result.total == 0
                    and len(expand(query.text)) > 1
                ):
                    compiled = compile_search(query, match_any=True)
                    result = self._result(compiled, await self._fetch(conn, compiled))
                    result.all_words = False
                return result
        except UNAVAILABLE as error:
            raise EngineUnavailable(f"postgres: {type(error).__name__}: {error}") from error

    def _compile(self, query: EngineQuery) -> Compiled:
        """On the bitmaps, or the statement that reads every match."""
        if not self._bitmaps:
            return compile_search(query)
        return compile_bitmap(query, filter_sets(query.filters), self._exact_bucket)

    async def search_open(self, query: EngineQuery, is_open: IsOpen) -> EngineResult | None:
        """An opening search answered whole from the held bitmaps: the documents open at
        the moment, as `is_open` says, kept among the matches before the page is cut
        (exact total and facets); None when the copy cannot answer (`_on_held`)."""
        try:
            async with self._pool.acquire() as conn:
                await self._count_documents(conn)
                held = await self._on_held(conn, query, is_open=is_open)
        except UNAVAILABLE as error:
            raise EngineUnavailable(f"postgres: {type(error).__name__}: {error}") from error
        return None if held is None else self._result(*held)

    async def _on_held(
        self, conn: asyncpg.Connection, query: EngineQuery, *, is_open: IsOpen | None = None
    ) -> tuple[Compiled, list[asyncpg.Record], Facets | None] | None:
        """The statement of a search on the bitmaps handed the page worked out from the held
        copy, its rows, and the facets counted from the copy (`is_open`: only the documents
        it says are open at the moment asked); None when the copy cannot answer (not read
        yet, a write came since, an opening moment outside a slot window): the statement
        that combines the bitmaps itself answers then."""
        held = self._held
        if not (self._bitmaps and self._hold):
            return None
        if held is None:
            self._hold_later()
            return None
        sets = filter_sets(query.filters)
        if sets.moment is not None and not held.window_holds(sets.moment, sets.until):
            return None
        words = query_words(query)
        terms = None
        if words is not None:
            terms = held.terms.get(words[:2])
            if terms is None:
                terms = terms_from(await conn.fetch(TERMS, *words[:2], timeout=self._timeout))
                if len(held.terms) >= TERMS_KEPT:
                    held.terms.clear()
                held.terms[words[:2]] = terms
        found = matches(held, sets, terms, fallback=bool(words and words[2]))
        end = query.offset + query.limit
        moment, until = query.filters.open_at, query.filters.open_until
        only = held.open_at(moment, is_open, until) if moment and is_open else None
        given, members = given_to_statement(
            held, found, query.filters, query.offset, end, self._exact_bucket, only
        )
        compiled = compile_bitmap(query, sets, self._exact_bucket, given=given)
        rows = await self._fetch(conn, compiled)
        if rows[0]["generation"] != held.generation:
            self._hold_later()
            return None
        facets = None
        if compiled.facets_apart:
            facets = (self._facets if held is self._held else FacetBitmaps.of(held)).count(members)
        return compiled, rows, facets

    async def warm(self) -> None:
        """Read the bitmaps into the server when searches will run on them, so that the
        first searches after a start need not combine them in their statements."""
        try:
            async with self._pool.acquire() as conn:
                await self._count_documents(conn)
            if self._bitmaps and self._hold:
                await self.hold()
        except UNAVAILABLE:
            return  # the first search will try again

    def _hold_later(self) -> None:
        """Read the bitmaps, or what changed in them, in the background: at most one read
        at a time, and one every HELD_REREAD seconds while writes keep coming."""
        if self._holding is not None and not self._holding.done():
            return
        if time.monotonic() - self._held_read_at < HELD_REREAD:
            return
        self._held_read_at = time.monotonic()
        self._holding = asyncio.create_task(self._hold_quietly())

    async def _hold_quietly(self) -> None:
        try:
            await self.hold()
        except (*UNAVAILABLE, asyncpg.PostgresError) as error:
            logger.warning("search bitmaps not read: %s: %s", type(error).__name__, error)

    async def hold(self) -> None:
        """Read the bitmaps into the server now, or what changed since the copy held."""
        async with self._pool.acquire() as conn:
            if self._held is None:
                held = await HeldBitmaps.read(conn)
            else:
                held = await self._held.refresh(conn)
        if held is not self._held:
            self._facets = FacetBitmaps.of(held)
            self._held = held

    def scan_size(self, query: EngineQuery, scan_limit: int) -> int:
        """How many candidates to list first: on the bitmaps a few pages' worth (more are
        listed if too few are open), else all of them up to `scan_limit` in one statement."""
        if self._bitmaps:
            return min(scan_limit, max(SCAN_CHUNK, 4 * (query.offset + query.limit)))
        return scan_limit

    async def scan(self, query: EngineQuery, limit: int) -> Candidates:
        """The first `limit` candidates (light: hours, status, facets), and how many match.

        One statement for every candidate an exact opening check needs to see.
        """
        all_words = True
        try:
            async with self._pool.acquire() as conn:
                await self._count_documents(conn)
                if self._bitmaps:
                    light = replace(query, limit=limit, offset=0, facets=False, highlight=False)
                    sets = filter_sets(query.filters)
                    compiled = compile_bitmap(light, sets, self._exact_bucket, candidates=True)
                    rows = await self._fetch(conn, compiled)
                    all_words = bool(rows[0]["all_words"])
                else:
                    rows = await self._fetch(conn, compile_scan(query, limit))
                    if not _total(rows) and len(expand(query.text)) > 1:
                        rows = await self._fetch(conn, compile_scan(query, limit, match_any=True))
                        all_words = False
        except UNAVAILABLE as error:
            raise EngineUnavailable(f"postgres: {type(error).__name__}: {error}") from error
        # The rows themselves, their exceptions as JSON text: thousands of them may be
        # checked, and most share their hours (`OpeningCheck` decodes each text once).
        candidates = [row for row in rows if row["id"] is not None]  # None: nothing matched
        return Candidates(candidates, _total(rows), all_words)

    async def count_facets(self, candidates: Sequence[Mapping[str, Any]]) -> Facets:
        """Facet counts of candidates, from the codes of their (facet, value) pairs."""
        codes = Counter(chain.from_iterable(map(itemgetter("facet_codes"), candidates)))
        if not codes.keys() <= self._facet_values.keys():
            # Codes are never given to another pair (migration 009): read only when new ones came.
            try:
                async with self._pool.acquire() as conn:
                    rows = await conn.fetch("SELECT id, facet, value FROM search_facet_value")
            except UNAVAILABLE as error:
                raise EngineUnavailable(f"postgres: {type(error).__name__}: {error}") from error
            self._facet_values = {row["id"]: (row["facet"], row["value"]) for row in rows}
        counts: Facets = {}
        for code, n in codes.items():
            facet, value = self._facet_values[code]
            counts.setdefault(facet, {})[value] = n
        return counts

    async def fetch(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The documents of these ids, in that order."""
        try:
            async with self._pool.acquire() as conn:
                rows = await conn.fetch(
                    f"SELECT id::text, {HIT_DOCUMENT} AS document FROM search_payload p "
                    "WHERE id = ANY($1::uuid[])",
                    list(ids),
                    timeout=self._timeout,
                )
        except UNAVAILABLE as error:
            raise EngineUnavailable(f"postgres: {type(error).__name__}: {error}") from error
        found = {row["id"]: row["document"] for row in rows}
        return [_decode_document(found[i]) for i in ids if i in found]

    async def _fetch(self, conn: asyncpg.Connection, compiled: Compiled) -> list[asyncpg.Record]:
        return await conn.fetch(compiled.sql, *compiled.args, timeout=self._timeout)

    def _result(
        self,
        compiled: Compiled,
        rows: Sequence[asyncpg.Record],
        facets: Facets | None = None,
    ) -> EngineResult:
        """The answer of a search statement; `facets` when counted apart (`_on_held`)."""
        first = rows[0]
        hits = []
        for row in rows:
            if row["document"] is None:
                continue
            document = _decode_document(row["document"])
            highlight = {}
            if row["name_highlight"] is not None:
                highlight["name"] = row["name_highlight"]
            if row["description_highlight"] and MARK_START in row["description_highlight"]:
                highlight["description"] = with_ellipses(
                    row["description_highlight"], str(document.get("description") or "")
                )
            distance = row["distance_km"]
            hits.append(
                EngineHit(
                    document=document,
                    highlight=highlight,
                    distance_km=round(distance, 3) if distance is not None else None,
                )
            )
        if facets is None:
            facets = _decode_facets(first["facets"]) if first["facets"] else {}
        return EngineResult(
            hits=hits,
            total=first["total"],
            facets=facets,
            facets_exact=first.get("total_exact", True)
            and (compiled.counts_every_match or first["total"] <= FACET_LIMIT),
            total_exact=first.get("total_exact", True),
            all_words=first.get("all_words", True),
        )

    async def reindex(
        self, batches: AsyncIterator[Sequence[SearchDocument]], progress: Progress | None = None
    ) -> int:
        """Rewrite every document in place, then drop those of services that are gone.

        Readers keep seeing the previous version of each document until its batch commits:
        no downtime, and the outbox consumer may keep writing meanwhile.
        """
        count = 0
        try:
            async with self._pool.acquire() as conn:
                started = await conn.fetchval("SELECT now()")
            async for batch in batches:
                if batch:
                    async with self._pool.acquire() as conn, conn.transaction():
                        ids = [document.id for document in batch]
                        await conn.execute(bitmaps.LOCK)
                        before = await conn.fetch(bitmaps.REMEMBER, [], ids)
                        await self._upsert(conn, batch)
                        await bitmaps.apply(conn, [], ids, before)
                        await conn.execute(BUMP_GENERATION)
                count += len(batch)
                if progress:
                    progress(len(batch))
            async with self._pool.acquire() as conn, conn.transaction():
                await conn.execute(bitmaps.LOCK)
                stale = await conn.fetch(
                    "SELECT id FROM search_document WHERE indexed_at < $1", started
                )
                ids = [row["id"] for row in stale]
                before = await conn.fetch(bitmaps.REMEMBER, [], ids)
                await conn.execute("DELETE FROM search_document WHERE id = ANY($1)", ids)
                await bitmaps.apply(conn, [], ids, before)
                await conn.execute(bitmaps.DROP_EMPTY_BLOCKS)
                await conn.execute(bitmaps.EXACT_EXTENTS)
                await conn.execute(BUMP_GENERATION)
            async with self._pool.acquire() as conn:
                # Every row was rewritten: a vacuum, not only statistics, so that walks in
                # the geometric index read no row (an index-only scan needs the pages
                # marked visible) without waiting for autovacuum, and so that autovacuum
                # does not come by in the first minute of traffic after a reindex, for the
                # payloads and the words it wrote (it took the benchmark's first phase at
                # 100,000 services to 0.21-0.26 of /healthz's rate, against 0.33-0.40).
                for table in ("search_document", "search_bits", "search_payload", "search_lexicon"):
                    await conn.execute(f"VACUUM (ANALYZE) {table}")
        except UNAVAILABLE as error:
            raise EngineUnavailable(f"postgres: {type(error).__name__}: {error}") from error
        return count

    async def healthy(self) -> bool:
        """Whether the document table answers."""
        try:
            async with self._pool.acquire() as conn:
                await conn.fetchval("SELECT 1 FROM search_document LIMIT 1", timeout=2)
            return True
        except (*UNAVAILABLE, asyncpg.PostgresError):
            return False

    async def close(self) -> None:
        """Stop reading the bitmaps; the pool belongs to the application."""
        if self._holding is not None:
            self._holding.cancel()
            with contextlib.suppress(asyncio.CancelledError, *UNAVAILABLE):
                await self._holding
            self._holding = None
