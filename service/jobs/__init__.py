"""Background jobs run by `boussole serve` and `boussole worker`.

Each task is a coroutine function taking the pool and the settings and running until
cancelled. Domains add theirs to TASKS.
"""

from __future__ import annotations

from typing import Any

TASKS: list[Any] = []
