"""Facet counts of searches on the bitmaps, counted in the server from the matches' blocks.

The search statement counted them itself: a block of every facet value ANDed with the
matches' and counted, about a megabyte of `bit` operations at 100,000 services, 3 ms of a
7 ms word search (PostgreSQL's `bit` AND goes byte by byte). The engine now keeps the
facet values' bitmaps of one search generation (`FacetBitmaps`, about 1 MB); a statement
that sees that same generation returns its matches' blocks instead of counting, and numpy
counts them (0.2 ms). A statement that sees another generation (a write came since)
counts them itself, as before, and the engine reads the bitmaps of the new generation
again, at most once a second: the counts are always those of the documents the statement
read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import asyncpg
import numpy as np
import numpy.typing as npt

from search.bitmaps import BLOCK

WORDS = BLOCK // 64
"""64-bit words in a block."""

# One statement, one snapshot: the generation and the bitmaps it is the generation of.
READ = """
SELECT g.value AS generation, b.key, b.block, b.bits
FROM search_generation g
LEFT JOIN search_bits b ON b.key >= '#' AND b.key < '$'
ORDER BY b.key, b.block
"""


def facet_and_value(key: str) -> tuple[str, str]:
    """`#themes=food.food-parcels` -> ("themes", "food.food-parcels"), as `_FACETS` splits."""
    facet, _, value = key[1:].partition("=")
    return facet, value


@dataclass(frozen=True)
class FacetBitmaps:
    """The bitmaps of every facet value at one search generation, one row of 64-bit words
    per value, blocks side by side (block b at words b * WORDS to (b + 1) * WORDS)."""

    generation: int
    values: list[tuple[str, str]]
    """(facet, value) of each row."""
    matrix: npt.NDArray[np.uint64]

    @cached_property
    def _buffers(
        self,
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64], npt.NDArray[np.uint8]]:
        """The matches' words, the matrix ANDed with them, and its bit counts by word.
        `count` never waits, so the searches of one process take turns with them."""
        rows, words = self.matrix.shape
        return (
            np.zeros(words, dtype=np.uint64),
            np.zeros((rows, words), dtype=np.uint64),
            np.zeros((rows, words), dtype=np.uint8),
        )

    @classmethod
    def none(cls) -> FacetBitmaps:
        """No bitmaps yet: no statement sees their generation, each counts its facets."""
        return cls(-1, [], np.zeros((0, 0), dtype=np.uint64))

    @classmethod
    async def read(cls, conn: asyncpg.Connection) -> FacetBitmaps:
        """The facet values' bitmaps as the database holds them now, with their generation."""
        rows = await conn.fetch(READ)
        generation = rows[0]["generation"]
        present = [row for row in rows if row["key"] is not None]
        keys = sorted({row["key"] for row in present})
        index = {key: i for i, key in enumerate(keys)}
        blocks = max((row["block"] for row in present), default=-1) + 1
        matrix = np.zeros((len(keys), blocks * WORDS), dtype=np.uint64)
        for row in present:
            start = row["block"] * WORDS
            matrix[index[row["key"]], start : start + WORDS] = _words(row["bits"])
        return cls(generation, [facet_and_value(key) for key in keys], matrix)

    def count(
        self, blocks: Sequence[int], bits: Sequence[asyncpg.BitString]
    ) -> dict[str, dict[str, int]]:
        """Facet counts of the documents whose bits are set in `bits` (blocks `blocks`),
        as `search.bitmaps._FACETS` counts them: values counted 0 left out."""
        matched, both, ones = self._buffers
        matched[:] = 0
        for block, block_bits in zip(blocks, bits, strict=True):
            start = block * WORDS
            if start < matched.size:  # past the last facet value's block, nothing to count
                matched[start : start + WORDS] = _words(block_bits)
        # Into buffers made once: a new megabyte array per search costs more than the count.
        np.bitwise_and(self.matrix, matched, out=both)
        np.bitwise_count(both, out=ones)
        totals = ones.sum(axis=1, dtype=np.int64)
        counts: dict[str, dict[str, int]] = {}
        for (facet, value), n in zip(self.values, totals.tolist(), strict=True):
            if n:
                counts.setdefault(facet, {})[value] = n
        return counts


def _words(bits: asyncpg.BitString) -> npt.NDArray[np.uint64]:
    """A block's bits as 64-bit words (the byte order does not matter to a count, as long as
    every block is read the same way)."""
    return np.frombuffer(bits.bytes, dtype=np.uint64)
