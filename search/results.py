"""Glue between an engine and the answer: exact opening filter, facets, highlights.

Engines only pre-filter "open at" coarsely (hours of the week); the exact test is the
catalogue's opening-hours evaluation, handed in as `is_open`.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import chain
from operator import methodcaller
from typing import Any, Protocol, runtime_checkable

from search.backend import (
    FACETS,
    MARK_END,
    MARK_START,
    Candidates,
    EngineHit,
    EngineQuery,
    EngineResult,
    Facets,
    SearchEngine,
)
from search.text import expand, fold

IsOpen = Callable[[Mapping[str, Any]], bool]
"""Whether a document's service is open at the moment asked (exact evaluation)."""

SCAN_CHUNK = 250
SCAN_LIMIT = 5000
"""At most this many candidates are checked one by one; past it, the total is estimated."""
SCAN_EXACT = 1000
"""Up to this many candidates, all are checked even by an engine that lists them in steps:
the total and facets of an opening search stay exact at the size of a real network."""


@dataclass
class Answer:
    """What the engine found, after the exact filter."""

    hits: list[EngineHit]
    total: int
    total_exact: bool
    facets: dict[str, dict[str, int]]
    facets_exact: bool = True
    all_words: bool = True


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
        return Answer(
            result.hits,
            result.total,
            result.total_exact,
            result.facets,
            result.facets_exact,
            result.all_words,
        )
    if isinstance(engine, OpeningEngine):
        whole = await engine.search_open(replace(query, highlight=False), is_open)
        if whole is not None:
            page = whole.hits
            if query.highlight and query.text.strip():
                page = [highlight_hit(hit, query.text) for hit in page]
            return Answer(
                page,
                whole.total,
                whole.total_exact,
                whole.facets,
                whole.facets_exact,
                whole.all_words,
            )
    if isinstance(engine, ScanningEngine):
        return await _scan_exact(engine, query, is_open, scan_limit)
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
        facets = count_facets(hit.document for hit in kept)
        return Answer(page, len(kept), True, facets, all_words=first.all_words)
    estimate = round(len(kept) / scanned * first.total) if scanned else 0
    return Answer(page, max(estimate, len(kept)), False, first.facets, False, first.all_words)


@runtime_checkable
class OpeningEngine(Protocol):
    """An engine that can keep the documents open at a moment before cutting the page."""

    async def search_open(self, query: EngineQuery, is_open: IsOpen) -> EngineResult | None:
        """The answer, only documents `is_open` confirms; None when it cannot now."""


@runtime_checkable
class ScanningEngine(Protocol):
    """An engine that lists open-at candidates in one statement, without whole documents."""

    def scan_size(self, query: EngineQuery, scan_limit: int) -> int:
        """How many candidates to list first (at most `scan_limit`)."""

    async def scan(self, query: EngineQuery, limit: int) -> Candidates:
        """The first `limit` candidates in answer order, and how many there are."""

    async def count_facets(self, candidates: Sequence[Mapping[str, Any]]) -> Facets:
        """Facet counts of some of the candidates it listed, as its searches count them."""

    async def fetch(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """The documents of these ids, in that order."""


async def _scan_exact(
    engine: ScanningEngine, query: EngineQuery, is_open: IsOpen, scan_limit: int
) -> Answer:
    """`search_exact` with light candidates: all of them up to `scan_limit` at once, or, for
    an engine that lists them in steps, enough for the page (four times more each step), all
    of them when there are at most SCAN_EXACT."""
    want = query.offset + query.limit
    limit = engine.scan_size(query, scan_limit)
    while True:
        candidates, total, all_words = await engine.scan(query, limit)
        kept = [candidate for candidate in candidates if is_open(candidate)]
        if len(candidates) >= total or limit >= scan_limit:
            break
        if total <= SCAN_EXACT:
            limit = total
        elif len(kept) < want:
            limit = min(scan_limit, 4 * limit)
        else:
            break
    chosen = kept[query.offset : query.offset + query.limit]
    documents = await engine.fetch([candidate["id"] for candidate in chosen])
    page = [
        EngineHit(document, {}, _rounded(candidate["distance_km"]))
        for candidate, document in zip(chosen, documents, strict=False)
    ]
    if query.highlight and query.text.strip():
        page = [highlight_hit(hit, query.text) for hit in page]
    facets = await engine.count_facets(kept)
    if len(candidates) >= total:
        return Answer(page, len(kept), True, facets, all_words=all_words)
    # Past the limit, the share of open candidates among those checked estimates the total;
    # the facets are those of the checked candidates.
    estimate = round(len(kept) / len(candidates) * total) if candidates else 0
    return Answer(page, max(estimate, len(kept)), False, facets, False, all_words)


def _rounded(distance: float | None) -> float | None:
    return round(distance, 3) if distance is not None else None


# Facets whose value is a list (`schemas.search.SearchDocument`); the others hold one value.
_LIST_FACETS = frozenset({"themes", "languages", "situations"})


def count_facets(documents: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Facet counts of documents, as the engines count them.

    Counted without a Python loop per document (`map`, `chain`, `Counter` run in C): an
    opening search counts the facets of every open candidate, up to thousands.
    """
    documents = list(documents)
    counts: dict[str, dict[str, int]] = {}
    for name in FACETS:
        values = map(methodcaller("get", name), documents)
        counter = Counter(
            chain.from_iterable(filter(None, values)) if name in _LIST_FACETS else values
        )
        by_value = {str(value): n for value, n in counter.items() if value is not None}
        if by_value:
            counts[name] = by_value
    return counts


_TOKEN = re.compile(r"\w+", re.UNICODE)

# Descriptions share most of their words: each is folded once (an opening search
# highlights its page here, some 2,000 words).
_fold_word = lru_cache(maxsize=65_536)(fold)


@lru_cache(maxsize=1024)
def _stems(query: str) -> tuple[str, ...]:
    """The beginnings of the query's words and synonyms that mark a word as found."""
    return tuple(
        sorted(
            {
                word[: max(4, len(word) - 2)]
                for group in expand(query)
                for phrase in group.alternatives
                for word in phrase
                if len(word) >= 3
            }
        )
    )


def highlight_text(text: str, query: str) -> str | None:
    """`text` with the words that match the query (or its synonyms, as prefixes) marked."""
    stems = _stems(query)
    if not stems:
        return None
    found = False

    def mark(match: re.Match[str]) -> str:
        nonlocal found
        word = match.group(0)
        if _fold_word(word).startswith(stems):
            found = True
            return f"{MARK_START}{word}{MARK_END}"
        return word

    marked = _TOKEN.sub(mark, text)
    return marked if found else None


SNIPPET_WORDS = 30
"""The length of a description's highlight, as both engines crop it."""


def crop_marked(marked: str, words: int = SNIPPET_WORDS) -> str:
    """About `words` words of a marked text around its first match, " … " where cut."""
    tokens = marked.split()
    first = next(i for i, token in enumerate(tokens) if MARK_START in token)
    start = max(0, min(first - words // 3, len(tokens) - words))
    end = min(len(tokens), start + words)
    snippet = " ".join(tokens[start:end])
    return f"{'… ' if start else ''}{snippet}{' …' if end < len(tokens) else ''}"


def with_ellipses(fragments: str, text: str) -> str:
    """Marked fragments of `text` (joined by " … ") with " … " where they cut it: before,
    unless the first one starts the text, after, unless the last one ends it."""
    plain = " ".join(fragments.replace(MARK_START, "").replace(MARK_END, "").split())
    whole = " ".join(text.split())
    parts = plain.split(" … ")
    before = "" if whole.startswith(parts[0]) else "… "
    after = "" if whole.endswith(parts[-1]) else " …"
    return f"{before}{fragments.strip()}{after}"


def highlight_hit(hit: EngineHit, query: str) -> EngineHit:
    """The hit with highlights computed here when the engine gave none; the description
    cropped around its first match, as the engines crop it."""
    if hit.highlight:
        return hit
    highlight = {}
    for name in ("name", "description"):
        marked = highlight_text(str(hit.document.get(name) or ""), query)
        if marked:
            highlight[name] = crop_marked(marked) if name == "description" else marked
    return EngineHit(hit.document, highlight, hit.distance_km)


def render_highlight(marked: str) -> str:
    """HTML: the text escaped, matched words in <mark>."""
    return html.escape(marked).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
