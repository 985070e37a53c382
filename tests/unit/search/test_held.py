"""The numpy side of the held bitmaps (`search/held.py`): document numbers, tiers and the
window of an answer, from bits laid out as PostgreSQL's `bit` strings."""

from __future__ import annotations

import random

import numpy as np
import pytest

from search.bitmaps import BLOCK
from search.held import WORDS, Matches, WordBits, numbers, tiers, window

BLOCKS = 3


def packed(members: set[int]) -> np.ndarray:
    """Bits with these document numbers set, as the held copy holds a stored block."""
    bits = np.zeros(BLOCKS * BLOCK, dtype=bool)
    bits[sorted(members)] = True
    return np.packbits(bits).view(np.uint64).reshape(BLOCKS, WORDS)


@pytest.mark.parametrize("density", [0.0, 0.0005, 0.02, 0.5, 1.0])
def test_numbers_are_the_set_bits_in_order_and_any_slice_of_them(density: float) -> None:
    rng = random.Random(density)
    members = {n for n in range(BLOCKS * BLOCK) if rng.random() < density}
    bits = packed(members)
    expected = sorted(members)
    assert numbers(bits).tolist() == expected
    for _ in range(100):
        first = rng.randrange(0, len(expected) + 3)
        last = rng.randrange(first, len(expected) + 5)
        assert numbers(bits, first, last).tolist() == expected[first:last]


def test_the_first_bit_of_a_block_is_the_high_bit_of_its_first_byte() -> None:
    bits = np.zeros((BLOCKS, WORDS), dtype=np.uint64)
    bits.view(np.uint8)[1, 0] = 0b1000_0001  # block 1, first byte: documents 8192 and 8199
    assert numbers(bits).tolist() == [BLOCK, BLOCK + 7]


def test_a_window_lists_large_tiers_by_number_and_every_member_of_small_ones() -> None:
    """Eight tiers (where every word is, whether the name has the words as typed); the
    window of positions 3 to 9 reaches a small tier whole and a large one in part."""
    rng = random.Random(3)
    everyone = rng.sample(range(BLOCKS * BLOCK), 400)
    in_name, typed = set(everyone[:5]), set(everyone[:2]) | set(everyone[100:150])
    in_themes = in_name | set(everyone[5:300])
    found = Matches(
        bits=packed(set(everyone)),
        words=WordBits(
            packed(in_name), packed(in_themes), packed(in_themes), packed(set(everyone))
        ),
        exact=packed(typed),
        all_found=True,
    )
    sizes = [int(np.bitwise_count(tier).sum()) for tier in tiers(found)]
    assert sizes == [2, 3, 50, 245, 0, 0, 0, 100]
    result = window(found, 3, 9, exact_bucket=10)
    assert result.total == 400
    # Tiers 1 and 2 (positions 0-4) are small: tier 2 is reached, listed whole to be ranked.
    assert result.small_buckets == [2, 2, 2] and result.small_starts == [2, 2, 2]
    assert sorted(result.small_ords) == sorted(in_name - typed)
    # Tier 3 (positions 5-54) is large: its first four documents by number.
    assert result.large_positions == [5, 6, 7, 8]
    assert result.large_ords == sorted(in_themes & typed - in_name)[:4]


def test_browsing_is_one_tier() -> None:
    found = Matches(packed({5, 9000, 20}), None, None, True)
    result = window(found, 1, 3, exact_bucket=0)
    assert (result.total, result.large_positions, result.large_ords) == (3, [1, 2], [20, 9000])
