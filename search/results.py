"""Glue between an engine and the answer: exact opening filter, facets, highlights.

Engines only pre-filter "open at" coarsely (hours of the week); the exact test is the
catalogue's opening-hours evaluation, handed in as `is_open`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from search.backend import (
    FACETS,
    MARK_END,
    MARK_START,
    EngineHit,
    EngineQuery,
    EngineResult,
    SearchEngine,
)
from search.text import expand, fold

IsOpen = Callable[[dict[str, Any]], bool]
"""Whether a document's service is open at the moment asked (exact evaluation)."""

SCAN_CHUNK = 250
SCAN_LIMIT = 5000
"""At most this many candidates are checked one by one; past it, the total is estimated."""


@dataclass
class Answer:
    """What the engine found, after the exact filter."""

    hits: list[EngineHit]
    total: int
    total_exact: bool
    facets: dict[str, dict[str, int]]


async def search_exact(
    engine: SearchEngine,
    query: EngineQuery,
    is_open: IsOpen | None = None,
    *,
    chunk: int = SCAN_CHUNK,
    scan_limit: int = SCAN_LIMIT,
) -> Answer:
    """Run `query`; with an open-at filter, keep only the hits `is_open` confirms.

    Candidates are read in relevance order, chunk by chunk, until all were checked (exact
    total and facets) or `scan_limit` was reached (total estimated from the share kept).
    """
    if query.filters.open_at is None or is_open is None:
        result = await engine.search(query)
        return Answer(result.hits, result.total, True, result.facets)
    kept: list[EngineHit] = []
    scanned = 0
    first: EngineResult | None = None
    while True:
        result = await engine.search(
            replace(query, limit=chunk, offset=scanned, facets=first is None, highlight=False)
        )
        first = first or result
        kept.extend(hit for hit in result.hits if is_open(hit.document))
        scanned += len(result.hits)
        exhausted = not result.hits or scanned >= result.total
        if exhausted or scanned >= scan_limit:
            break
    page = kept[query.offset : query.offset + query.limit]
    if query.highlight and query.text.strip():
        page = [highlight_hit(hit, query.text) for hit in page]
    if exhausted:
        return Answer(page, len(kept), True, count_facets(hit.document for hit in kept))
    estimate = round(len(kept) / scanned * first.total) if scanned else 0
    return Answer(page, max(estimate, len(kept)), False, first.facets)


def count_facets(documents: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Facet counts of documents, as the engines count them."""
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for document in documents:
        for name in FACETS:
            values = document.get(name)
            for value in values if isinstance(values, list) else [values]:
                if value is not None:
                    key = str(value)
                    counts[name][key] = counts[name].get(key, 0) + 1
    return {name: values for name, values in counts.items() if values}


_TOKEN = re.compile(r"\w+", re.UNICODE)


def highlight_text(text: str, query: str) -> str | None:
    """`text` with the words that match the query (or its synonyms, as prefixes) marked."""
    stems = {
        word[: max(4, len(word) - 2)]
        for group in expand(query)
        for phrase in group.alternatives
        for word in phrase
        if len(word) >= 3
    }
    if not stems:
        return None
    found = False

    def mark(match: re.Match[str]) -> str:
        nonlocal found
        word = match.group(0)
        if any(fold(word).startswith(stem) for stem in stems):
            found = True
            return f"{MARK_START}{word}{MARK_END}"
        return word

    marked = _TOKEN.sub(mark, text)
    return marked if found else None


def highlight_hit(hit: EngineHit, query: str) -> EngineHit:
    """The hit with highlights computed here when the engine gave none."""
    if hit.highlight:
        return hit
    highlight = {}
    for name in ("name", "description"):
        marked = highlight_text(str(hit.document.get(name) or ""), query)
        if marked:
            highlight[name] = marked
    return EngineHit(hit.document, highlight, hit.distance_km)


def render_highlight(marked: str) -> str:
    """HTML: the text escaped, matched words in <mark>."""
    return html.escape(marked).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
