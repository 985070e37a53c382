"""Named SQL queries loaded once from `.sql` files (`-- name: publish_service`)."""

from __future__ import annotations

import re
from pathlib import Path

_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)


class Queries:
    """The queries of one `.sql` file, as attributes named after their `-- name:` line."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._queries: dict[str, str] = {}
        text = path.read_text(encoding="utf-8")
        parts = _NAME.split(text)
        # parts = [preamble, name1, body1, name2, body2, ...]
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            if name in self._queries:
                raise ValueError(f"{path.name}: query {name!r} is defined twice")
            self._queries[name] = body.strip().rstrip(";")

    def __getattr__(self, name: str) -> str:
        try:
            return self._queries[name]
        except KeyError:
            raise AttributeError(f"{self._path.name} has no query named {name!r}") from None

    def names(self) -> list[str]:
        """The names of the queries in the file, in order."""
        return list(self._queries)


def load(module_file: str, filename: str = "queries.sql") -> Queries:
    """Load the `.sql` file that sits beside a module (`load(__file__)`)."""
    return Queries(Path(module_file).with_name(filename))
