"""Reference codes a person can read out on the phone or bring on a slip of paper."""

from __future__ import annotations

import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: nothing to misread when copied by hand.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
_PATTERN = (3, 4)


def new_reference() -> str:
    """A fresh code such as `KX7-M4PQ` (about 2^32 possibilities)."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(size)) for size in _PATTERN)


def normalise(code: str) -> str:
    """A code as typed by someone: upper case, spaces and dashes tolerated."""
    compact = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{compact[:3]}-{compact[3:]}" if len(compact) == sum(_PATTERN) else code.strip()
