"""Facet counts of searches on the bitmaps, counted in the server from the matches' blocks.

The search statement counted them itself: a block of every facet value ANDed with the
matches' and counted, about a megabyte of `bit` operations at 100,000 services, 3 ms of a
7 ms word search (PostgreSQL's `bit` AND goes byte by byte). The engine holds the bitmaps
(`search.held`); the facet values' are laid out here side by side, once per generation of
the copy, and numpy counts a search's matches against them (0.2 ms).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from search.held import WORDS, Blocks, HeldBitmaps

FACET_KEYS = ("#", "$")
"""The keys of facet values lie between these (`#<facet>=<value>`, migration 019)."""


def facet_and_value(key: str) -> tuple[str, str]:
    """`#themes=food.food-parcels` -> ("themes", "food.food-parcels"), as `_FACETS` splits."""
    facet, _, value = key[1:].partition("=")
    return facet, value


@dataclass(frozen=True)
class FacetBitmaps:
    """The bitmaps of every facet value of a held copy, one row of 64-bit words per value,
    blocks side by side (block b at words b * WORDS to (b + 1) * WORDS)."""

    values: list[tuple[str, str]]
    """(facet, value) of each row."""
    matrix: npt.NDArray[np.uint64]

    @cached_property
    def _buffers(self) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint8]]:
        """The matrix ANDed with the matches, and its bit counts by word. `count` never
        waits, so the searches of one process take turns with them."""
        return np.zeros_like(self.matrix), np.zeros(self.matrix.shape, dtype=np.uint8)

    @classmethod
    def of(cls, held: HeldBitmaps) -> FacetBitmaps:
        """The facet values' bitmaps of this copy."""
        keys = held.between(*FACET_KEYS)
        matrix = np.zeros((len(keys), held.blocks * WORDS), dtype=np.uint64)
        rows = matrix.reshape(len(keys), held.blocks, WORDS)
        for row, key in enumerate(keys):
            found = held.rows[key]
            rows[row, found.blocks] = found.bits
        return cls([facet_and_value(key) for key in keys], matrix)

    def count(self, matched: Blocks) -> dict[str, dict[str, int]]:
        """Facet counts of the documents set in `matched` (block by block, as the copy's
        blocks), as `search.bitmaps._FACETS` counts them: values counted 0 left out."""
        words = matched.reshape(-1)
        held = np.flatnonzero(words)
        if len(held) * 4 < len(words):
            # Few matches: only the words that hold them.
            totals = np.bitwise_count(self.matrix[:, held] & words[held]).sum(
                axis=1, dtype=np.int64
            )
        else:
            both, ones = self._buffers
            # Into buffers made once: a new megabyte array per search costs more than the count.
            np.bitwise_and(self.matrix, words, out=both)
            np.bitwise_count(both, out=ones)
            totals = ones.sum(axis=1, dtype=np.int64)
        counts: dict[str, dict[str, int]] = {}
        for (facet, value), n in zip(self.values, totals.tolist(), strict=True):
            if n:
                counts.setdefault(facet, {})[value] = n
        return counts
