"""The Meilisearch engine: the production index, with French settings and synonyms.

Meilisearch does not stem French: plurals and everyday words come from the synonyms file,
prefix search and typo tolerance. Every write is a task; we wait for it, so a write that
returns is visible.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx2
import msgspec
from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.errors import MeilisearchApiError, MeilisearchError
from meilisearch_python_sdk.index import AsyncIndex
from meilisearch_python_sdk.models.settings import (
    Faceting,
    LocalizedAttributes,
    MeilisearchSettings,
    MinWordSizeForTypos,
    Pagination,
    TypoTolerance,
)

from schemas.search import SearchDocument, SearchFilters
from search.backend import (
    FACETS,
    MARK_END,
    MARK_START,
    EngineHit,
    EngineQuery,
    EngineResult,
    EngineUnavailable,
    Progress,
    opening_slots,
    opening_span,
)
from search.text import expand, meaningful_words, number_variants, raw_synonyms

# In order of weight: a word in the name counts more than one in the description.
SEARCHABLE = [
    "name",
    "alternate_name",
    "theme_labels",
    "organisation",
    "organisation_alternate_name",
    "territory_names",
    "place_name",
    "commune_name",
    "description",
    "eligibility",
    "conditions",
    "address",
]
FILTERABLE = [
    "id",
    "service_id",
    "themes",
    "type",
    "commune",
    "section",
    "territories",
    "age_min",
    "age_max",
    "genders",
    "situations",
    "open_to_all",
    "free",
    "walk_in",
    "unconditional",
    "languages",
    "wheelchair",
    "status",
    "has_hours",
    "open_slots",
    "slots_from",
    "slots_until",
    "_geo",
]
SORTABLE = ["name", "_geo"]
# "sort" right after "words": with a point, the nearest of the best-matching places come first.
RANKING_RULES = ["words", "sort", "typo", "proximity", "attribute", "exactness"]
MAX_TOTAL_HITS = 200_000

_to_builtins = msgspec.to_builtins


def index_settings() -> MeilisearchSettings:
    """The settings of the services index; applied before any document is added."""
    return MeilisearchSettings(
        searchable_attributes=SEARCHABLE,
        filterable_attributes=FILTERABLE,  # type: ignore[arg-type]
        sortable_attributes=SORTABLE,
        ranking_rules=RANKING_RULES,
        typo_tolerance=TypoTolerance(
            enabled=True,
            min_word_size_for_typos=MinWordSizeForTypos(one_typo=4, two_typos=8),
            disable_on_attributes=["commune", "section"],
        ),
        localized_attributes=[LocalizedAttributes(locales=["fra"], attribute_patterns=["*"])],
        # No stop words in the index: Meilisearch would skip them in documents, breaking the
        # phrases of synonyms ("abri de nuit"); queries leave them out instead (`query_text`).
        stop_words=[],
        synonyms=index_synonyms(),
        faceting=Faceting(max_values_per_facet=200),
        pagination=Pagination(max_total_hits=MAX_TOTAL_HITS),
    )


def index_synonyms() -> dict[str, list[str]]:
    """The synonyms file as Meilisearch reads it: each term also without its stop words.

    Queries reach Meilisearch without stop words (`query_text`), so "abri de nuit" is looked
    up as "abri nuit"; the values keep theirs, to match the documents' words as written.
    """
    table = raw_synonyms()
    for term, values in list(table.items()):
        short = " ".join(meaningful_words(term))
        if short and short != term:
            known = table.setdefault(short, [])
            known.extend(v for v in values if v not in known and v != short)
    # Each word of a phrase in the singular or the plural, as `Synonyms.from_data` does:
    # Meilisearch does not stem ("mediation dette" finds what "mediation dettes" does).
    for term, values in list(table.items()):
        for variant in number_variants(tuple(meaningful_words(term))):
            short = " ".join(variant)
            if short not in table:
                table[short] = [term, *(v for v in values if v != term)]
    return table


def query_text(text: str) -> str:
    """What Meilisearch is asked: the words without stop words ("besoin de colis" -> "colis"),
    a word one typo away from a synonym term as that term ("daklozn" -> "daklozen", which its
    synonyms then expand), as the PostgreSQL engine reads them."""
    return " ".join(group.near or " ".join(group.typed) for group in expand(text))


def _quote(value: str) -> str:
    # The filter syntax escapes only the quote itself (not backslashes, unlike JSON).
    return '"' + value.replace('"', '\\"') + '"'


def filter_expression(filters: SearchFilters) -> list[str]:
    """The filters in Meilisearch's filter syntax, one condition per item (all must hold)."""
    clauses: list[str] = []
    if filters.themes:
        clauses.append(f"themes IN [{', '.join(_quote(t) for t in filters.themes)}]")
    if filters.types:
        clauses.append(f"type IN [{', '.join(_quote(t) for t in filters.types)}]")
    for places in (filters.communes, filters.sections):
        if places:
            clauses.append(f"territories IN [{', '.join(_quote(t) for t in places)}]")
    if filters.age is not None:
        clauses.append(f"age_min <= {filters.age} AND age_max >= {filters.age}")
    if filters.gender:
        clauses.append(f"genders = {_quote(filters.gender)}")
    if filters.situation:
        clauses.append(f"(open_to_all = true OR situations = {_quote(filters.situation)})")
    for name in ("free", "walk_in", "unconditional"):
        value = getattr(filters, name)
        if value is not None:
            clauses.append(f"{name} = {'true' if value else 'false'}")
    if filters.languages:
        clauses.append(f"languages IN [{', '.join(_quote(c) for c in filters.languages)}]")
    if filters.wheelchair is not None:
        clauses.append('wheelchair = "yes"' if filters.wheelchair else 'wheelchair != "yes"')
    span = opening_span(filters)
    if span is not None:
        moment, until = span
        slots = ", ".join(str(slot) for slot in opening_slots(filters))
        clauses.append(
            'status = "active" AND has_hours = true AND '
            f"(slots_from > {moment} OR slots_until < {until} OR open_slots IN [{slots}])"
        )
    if filters.lat is not None and filters.lon is not None and filters.radius_km is not None:
        metres = round(filters.radius_km * 1000)
        clauses.append(f"_geoRadius({filters.lat}, {filters.lon}, {metres})")
    return clauses


def _unavailable(error: Exception) -> EngineUnavailable:
    return EngineUnavailable(f"meilisearch: {type(error).__name__}: {error}")


# Whatever keeps Meilisearch from answering: the network, a timeout (the SDK turns a read
# timeout into a plain MeilisearchError), a refusal (a wrong key: MeilisearchApiError), a
# task that failed. Each makes the engine unavailable, so PostgreSQL answers: never a 500.
_DOWN = (MeilisearchError, httpx2.HTTPError, OSError)


class MeilisearchEngine:
    """The `services` index of a Meilisearch server."""

    name = "meilisearch"
    bumps_generation = False
    """The outbox consumer bumps the search generation once a write is confirmed."""

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        index: str = "services",
        timeout: int = 5,
        task_timeout_ms: int = 60_000,
    ) -> None:
        self._client = AsyncClient(url, api_key, timeout=timeout)
        self.index_uid = index
        self.rebuild_uid = f"{index}__rebuild"
        self._task_timeout_ms = task_timeout_ms

    async def prepare(self) -> None:
        """Create the index if needed and apply the settings (a no-op when unchanged)."""
        try:
            await self._prepare(self.index_uid)
        except _DOWN as error:
            raise _unavailable(error) from error

    async def _prepare(self, uid: str) -> AsyncIndex:
        index = await self._client.get_or_create_index(uid, primary_key="id")
        task = await index.update_settings(index_settings())
        await self._wait(task.task_uid)
        return index

    async def _wait(self, task_uid: int) -> None:
        result = await self._client.wait_for_task(
            task_uid, timeout_in_ms=self._task_timeout_ms, raise_for_status=False
        )
        if result.status != "succeeded":
            raise EngineUnavailable(f"meilisearch task {task_uid} {result.status}: {result.error}")

    async def replace(
        self, service_ids: Sequence[str], documents: Sequence[SearchDocument]
    ) -> None:
        """Upsert the documents, then delete the other documents of these services.

        During a rebuild the same write goes to the index being built, first: tasks enqueued
        on the live index are not carried over by the swap, and a swap between the two writes
        then still leaves the write in the index that becomes live.
        """
        try:
            targets = [self.index_uid]
            if await self._exists(self.rebuild_uid):
                targets.insert(0, self.rebuild_uid)
            for uid in targets:
                await self._replace_in(self._client.index(uid), service_ids, documents)
        except _DOWN as error:
            raise _unavailable(error) from error

    async def _exists(self, uid: str) -> bool:
        try:
            await self._client.get_index(uid)
        except MeilisearchApiError as error:
            if error.code == "index_not_found":
                return False
            raise
        return True

    async def _replace_in(
        self, index: AsyncIndex, service_ids: Sequence[str], documents: Sequence[SearchDocument]
    ) -> None:
        tasks = []
        if documents:
            added = await index.add_documents(_to_builtins(list(documents)), primary_key="id")
            tasks.append(added.task_uid)
        if service_ids:
            stale = f"service_id IN [{', '.join(_quote(s) for s in service_ids)}]"
            if documents:
                stale += f" AND NOT id IN [{', '.join(_quote(d.id) for d in documents)}]"
            deleted = await index.delete_documents_by_filter(stale)
            tasks.append(deleted.task_uid)
        for task in tasks:
            await self._wait(task)

    async def search(self, query: EngineQuery) -> EngineResult:
        """Run a search on the live index."""
        filters = query.filters
        sort = ["name:asc"] if not query.text.strip() else None
        has_point = filters.lat is not None and filters.lon is not None
        if has_point:
            # Services at one place are as near: by name then, as PostgreSQL does.
            sort = [f"_geoPoint({filters.lat}, {filters.lon}):asc", "name:asc"]
        # Page mode gives exact totals; an offset that is not a multiple of the limit
        # is served from a page that starts at zero.
        if query.offset % query.limit == 0:
            page, per_page, skip = query.offset // query.limit + 1, query.limit, 0
        else:
            page, per_page, skip = 1, query.offset + query.limit, query.offset
        params: dict[str, Any] = {
            "filter": filter_expression(filters) or None,
            "facets": list(FACETS) if query.facets else None,
            "sort": sort,
            "page": page,
            "hits_per_page": per_page,
            "attributes_to_highlight": ["name", "description"] if query.highlight else None,
            "attributes_to_crop": ["description"] if query.highlight else None,
            "crop_length": 30,
            "highlight_pre_tag": MARK_START,
            "highlight_post_tag": MARK_END,
            "crop_marker": " … ",
            "locales": ["fra"],
        }
        text = query_text(query.text)
        index = self._client.index(self.index_uid)
        try:
            # Every word, as PostgreSQL requires; only when that finds nothing, fewer words.
            results = await index.search(text, matching_strategy="all", **params)
            all_words = True
            if results.total_hits == 0 and len(expand(query.text)) > 1:
                results = await index.search(text, matching_strategy="last", **params)
                all_words = False
        except _DOWN as error:
            raise _unavailable(error) from error
        hits = [self._hit(raw) for raw in results.hits[skip:]]
        facets = {
            name: {str(k): int(v) for k, v in counts.items()}
            for name, counts in (results.facet_distribution or {}).items()
            if counts
        }
        total = results.total_hits
        if total is None:
            total = results.estimated_total_hits or 0
        return EngineResult(hits=hits, total=total, facets=facets, all_words=all_words)

    @staticmethod
    def _hit(raw: dict[str, Any]) -> EngineHit:
        formatted = raw.pop("_formatted", None) or {}
        distance = raw.pop("_geoDistance", None)
        highlight = {
            name: str(formatted[name])
            for name in ("name", "description")
            if isinstance(formatted.get(name), str) and MARK_START in formatted[name]
        }
        return EngineHit(
            document=raw,
            highlight=highlight,
            distance_km=round(distance / 1000, 3) if distance is not None else None,
        )

    async def reindex(
        self, batches: AsyncIterator[Sequence[SearchDocument]], progress: Progress | None = None
    ) -> int:
        """Build a new index with the same settings, fill it, swap it with the live one."""
        count = 0
        try:
            await self._client.delete_index_if_exists(self.rebuild_uid)
            rebuild = await self._prepare(self.rebuild_uid)
            await self._prepare(self.index_uid)
            async for batch in batches:
                if batch:
                    task = await rebuild.add_documents(_to_builtins(list(batch)), primary_key="id")
                    await self._wait(task.task_uid)
                count += len(batch)
                if progress:
                    progress(len(batch))
            swap = await self._client.swap_indexes([(self.index_uid, self.rebuild_uid)])
            await self._wait(swap.task_uid)
            # The old documents now sit under the rebuild name: drop them.
            await self._client.delete_index_if_exists(self.rebuild_uid)
        except _DOWN as error:
            raise _unavailable(error) from error
        return count

    async def healthy(self) -> bool:
        """Whether the server says it is available."""
        try:
            health = await self._client.health()
        except _DOWN:
            return False
        return health.status == "available"

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
