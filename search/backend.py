"""What every search engine offers: the protocol, the query it is given, and what it answers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo

from msgspec.structs import replace

from schemas.search import SearchDocument, SearchFilters
from search.text import without_free_words

TZ = ZoneInfo("Europe/Brussels")

Facets = dict[str, dict[str, int]]
"""Facet counts: by facet, by value."""

# Facets every engine counts, by document attribute.
FACETS = ("themes", "type", "commune", "section", "languages", "situations", "wheelchair")

HIT_FIELDS = frozenset({
    "id", "service_id", "location_id", "name", "organisation", "organisation_id", "type",
    "themes", "description", "address", "place_name", "commune", "section", "languages",
    "situations", "wheelchair", "free", "walk_in", "status", "capacity_status",
    "opening_hours", "exceptions", "hours_note", "phone", "content_language",
    "last_verified_on",
})  # fmt: skip
"""What a hit needs of its document: what an answer's items show, the exact opening check
(status, hours, exceptions), facet counts (`FACETS`) and highlights (name, description).
The PostgreSQL engine reads no more for a page; the rest (labels, territories, eligibility,
slots...) is only searched and filtered on."""

# Changes whenever any engine's documents change: answer caches are keyed on it (migration 007).
GENERATION_CHANNEL = "search_generation"
BUMP_GENERATION = "SELECT bump_search_generation()"
READ_GENERATION = "SELECT value FROM search_generation"

# Marks around matched words in highlights; the service turns them into <mark> after escaping.
MARK_START = "\x02"
MARK_END = "\x03"


class EngineUnavailable(Exception):
    """The engine cannot be reached or refused the request: try again later or elsewhere."""


@dataclass(frozen=True)
class EngineQuery:
    """A search as an engine runs it."""

    text: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    limit: int = 20
    offset: int = 0
    facets: bool = True
    highlight: bool = True


@dataclass
class EngineHit:
    """A matching document, its highlighted fields and its distance when a point was given."""

    document: dict[str, Any]
    highlight: dict[str, str] = field(default_factory=dict)
    distance_km: float | None = None


@dataclass
class EngineResult:
    """A page of hits, how many match in all, and the facet counts."""

    hits: list[EngineHit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    total_exact: bool = True
    """False when the total is an estimate (PostgreSQL: a radius holding more matches than
    it counts one by one)."""
    facets_exact: bool = True
    """False when the facets count only the best matches (a broad search)."""
    all_words: bool = True
    """False when no document had every word of a query of several, and the hits have some
    of them (PostgreSQL: any word; Meilisearch: its `last` matching strategy)."""


class Candidates(NamedTuple):
    """What an engine lists for an exact opening check: the first candidates in answer
    order (light: hours, status, facets), how many there are, and whether they have every
    word (as `EngineResult.all_words`)."""

    rows: list[Mapping[str, Any]]
    """Each with `id`, `distance_km`, `status`, `opening_hours`, `exceptions` (a list, or
    its JSON text) and what the engine counts their facets with (`count_facets`)."""
    total: int
    all_words: bool = True


Progress = Callable[[int], None]
"""Told how many documents were just written during a reindex."""


class SearchEngine(Protocol):
    """An index of search documents."""

    name: str

    async def prepare(self) -> None:
        """Create the index and apply its settings; idempotent."""

    async def replace(
        self, service_ids: Sequence[str], documents: Sequence[SearchDocument]
    ) -> None:
        """Make the documents of `service_ids` exactly `documents`; return once visible."""

    async def search(self, query: EngineQuery) -> EngineResult:
        """Run a search."""

    async def reindex(
        self, batches: AsyncIterator[Sequence[SearchDocument]], progress: Progress | None = None
    ) -> int:
        """Rebuild the whole index from `batches` without downtime; return the document count."""

    async def healthy(self) -> bool:
        """Whether the engine answers."""

    async def close(self) -> None:
        """Release connections."""


def free_in_words(text: str, filters: SearchFilters) -> tuple[str, SearchFilters] | None:
    """The search as meant when its words ask for free services ("avocat gratuit") and
    `free` is not set: those words taken out and `free` on; else None."""
    if filters.free is not None or (rest := without_free_words(text)) is None:
        return None
    return rest, replace(filters, free=True)


def week_slot(moment: datetime) -> int:
    """The hour of the week in Brussels time, 0 = Monday 00:00-00:59."""
    local = moment.astimezone(TZ) if moment.tzinfo else moment.replace(tzinfo=TZ)
    return local.weekday() * 24 + local.hour


def epoch(moment: datetime) -> int:
    """Unix seconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    return int(moment.timestamp())


WEEK_SLOTS = list(range(7 * 24))


def slots_between(start: datetime, end: datetime) -> set[int]:
    """The hours of the week (Brussels time) that the moments from `start` until `end`
    (excluded) touch."""
    if end - start >= timedelta(days=7):
        return set(WEEK_SLOTS)
    touched: set[int] = set()
    cursor = start.astimezone(TZ).replace(minute=0, second=0, microsecond=0)
    while cursor < end and len(touched) < len(WEEK_SLOTS):
        touched.add(cursor.weekday() * 24 + cursor.hour)
        # Step in UTC so that the hour a DST change repeats or skips is handled.
        cursor = (cursor.astimezone(UTC) + timedelta(hours=1)).astimezone(TZ)
    return touched


def opening_span(filters: SearchFilters) -> tuple[int, int] | None:
    """An opening filter as Unix seconds from (included) and until (excluded): a moment
    alone is its own second; None without one."""
    if filters.open_at is None:
        return None
    start = epoch(filters.open_at)
    return start, epoch(filters.open_until) if filters.open_until is not None else start + 1


def opening_slots(filters: SearchFilters) -> list[int]:
    """The hours of the week an opening filter touches: the moment's, or each of a span's."""
    if filters.open_at is None:
        return []
    if filters.open_until is None:
        return [week_slot(filters.open_at)]
    return sorted(slots_between(_aware(filters.open_at), _aware(filters.open_until)))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, min_lon, max_lat, max_lon) of a circle, generous at the poles' expense."""
    import math

    dlat = radius_km / 111.2
    dlon = radius_km / (111.2 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lon - dlon, lat + dlat, lon + dlon


def utc_now() -> datetime:
    return datetime.now(UTC)


ONE_DAY = timedelta(days=1)
