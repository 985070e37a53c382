"""What every catalogue write shares: the actor, version checks, the change log, the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import asyncpg
import msgspec

from service.db.queries import load
from service.errors import NotFound, ProblemError

Q = load(__file__)


class Actor(Protocol):
    """Who makes a change: a user through the API, or the system (import, CLI)."""

    @property
    def user_id(self) -> UUID | None: ...

    def can_edit(self, organisation_id: UUID | None) -> bool: ...

    def require_editor(self, organisation_id: UUID | None, what: str) -> None: ...

    def require_coordinator(self, what: str) -> None: ...


@dataclass(frozen=True)
class SystemActor:
    """The system acting for an operator (import, CLI): all rights, named in the change log."""

    label: str
    user_id: UUID | None = None

    def can_edit(self, organisation_id: UUID | None) -> bool:
        return True

    def require_editor(self, organisation_id: UUID | None, what: str) -> None:
        return None

    def require_coordinator(self, what: str) -> None:
        return None


class VersionMismatch(ProblemError):
    """412: the record changed since the caller read it."""

    def __init__(self, current: int) -> None:
        super().__init__(
            412,
            "Precondition failed",
            f"the record was changed by someone else (now at version {current}); "
            "read it again and reapply your change",
            headers={"ETag": etag(current)},
        )


def etag(version: int) -> str:
    return f'"{version}"'


def check_version(row: asyncpg.Record | None, expected: int | None, what: str) -> asyncpg.Record:
    """The locked row, after checking it exists and is at the version the caller read."""
    if row is None:
        raise NotFound(what)
    if expected is not None and row["version"] != expected:
        raise VersionMismatch(row["version"])
    return row


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON Merge Patch: objects merge, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def snapshot(record: msgspec.Struct) -> dict[str, Any]:
    """A record as plain JSON data, for the change log."""
    data = msgspec.to_builtins(record)
    assert isinstance(data, dict)
    return data


async def record_change(
    conn: asyncpg.Connection,
    entity: str,
    entity_id: UUID,
    action: str,
    actor: Actor,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Keep who changed what, when, with the record before and after."""
    label = getattr(actor, "label", "")
    await conn.execute(
        Q.record_change, entity, entity_id, action, actor.user_id, label, before, after
    )


async def enqueue_search(conn: asyncpg.Connection, service_ids: list[UUID]) -> None:
    """Ask the search worker to rebuild these services' documents, in this transaction."""
    if service_ids:
        await conn.execute(Q.enqueue_search, service_ids)
