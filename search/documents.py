"""The document builder: from the catalogue to search documents, one SQL round-trip a batch."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from schemas.search import ExceptionDoc, GeoPoint, SearchDocument
from search.backend import TZ, WEEK_SLOTS, epoch, slots_between
from search.text import fold

OpenIntervals = Callable[
    [str | None, Sequence[ExceptionDoc], datetime, datetime], Iterable[tuple[datetime, datetime]]
]
"""The open intervals of hours (regular expression and dated exceptions) between two moments.

The catalogue owns opening-hours evaluation; it hands the builder this function.
"""

SLOT_WINDOW = timedelta(days=28)
"""How far ahead `open_slots` look; a document is rebuilt before its window gets stale."""
SLOT_REFRESH = timedelta(days=7)
GENDERS = ["female", "male", "x"]


def _named_queries(path: Path) -> dict[str, str]:
    parts = re.split(r"^--\s*name:\s*(\w+)\s*$", path.read_text(encoding="utf-8"), flags=re.M)
    return {
        name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }


SQL = _named_queries(Path(__file__).with_name("queries.sql"))


def slug(text: str) -> str:
    """A territory-like id from a name: 'La Louvière' -> 'la-louviere'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TZ)


def slots_of(intervals: Iterable[tuple[datetime, datetime]]) -> list[int]:
    """The hours of the week (Brussels time) touched by any of the intervals."""
    touched: set[int] = set()
    for opens, closes in intervals:
        touched |= slots_between(opens, closes)
        if len(touched) == len(WEEK_SLOTS):
            break
    return sorted(touched)


class DocumentNotBuilt(Exception):
    """A service whose data the builder cannot read, named with what stopped it."""

    def __init__(self, service_id: str, reason: str) -> None:
        super().__init__(f"the document of service {service_id} cannot be built ({reason})")
        self.service_id = service_id


class DocumentBuilder:
    """Builds the search documents of services, with coarse open slots for a window of days."""

    def __init__(self, open_intervals: OpenIntervals, *, today: Callable[[], date] | None = None):
        self._open_intervals = open_intervals
        self._today = today or (lambda: datetime.now(TZ).date())
        # Many places share hours ("Mo-Fr 09:00-12:00"): compute their slots once a day.
        self._slots: dict[tuple[Any, ...], list[int]] = {}

    async def build(
        self, conn: asyncpg.Connection, service_ids: Sequence[str]
    ) -> list[SearchDocument]:
        """The documents of these services; a service that no longer exists has none."""
        if not service_ids:
            return []
        rows = await conn.fetch(SQL["documents_of_services"], list(service_ids))
        today = self._today()
        return [self._document(row, today) for row in rows]

    async def build_each(
        self, conn: asyncpg.Connection, service_ids: Sequence[str]
    ) -> tuple[list[SearchDocument], dict[str, str]]:
        """The documents of the services that can be built, and why the others cannot.

        One service whose data cannot be read must not hold up the others: after a batch
        failed, each is built alone to find which (in savepoints: a transaction goes on).
        """
        found = await self._try_build(conn, service_ids)
        if not isinstance(found, Exception):
            return found, {}
        documents: list[SearchDocument] = []
        broken: dict[str, str] = {}
        for service_id in service_ids:
            one = await self._try_build(conn, [service_id])
            if isinstance(one, Exception):
                broken[service_id] = f"{type(one).__name__}: {one}"[:400]
            else:
                documents += one
        return documents, broken

    async def _try_build(
        self, conn: asyncpg.Connection, service_ids: Sequence[str]
    ) -> list[SearchDocument] | Exception:
        try:
            async with conn.transaction():
                return await self.build(conn, service_ids)
        except Exception as error:
            if conn.is_closed():
                raise
            return error

    async def build_all(
        self, pool: asyncpg.Pool, batch_size: int = 1000
    ) -> AsyncIterator[list[SearchDocument]]:
        """Every document of the catalogue, a batch of services at a time; `DocumentNotBuilt`
        names a service that cannot be built (a rebuild without it would drop it)."""
        async with pool.acquire() as conn:
            ids = [str(r["id"]) for r in await conn.fetch(SQL["all_service_ids"])]
        for start in range(0, len(ids), batch_size):
            async with pool.acquire() as conn:
                documents, broken = await self.build_each(conn, ids[start : start + batch_size])
            if broken:
                raise DocumentNotBuilt(*next(iter(broken.items())))
            yield documents

    def _document(self, row: asyncpg.Record, today: date) -> SearchDocument:
        service_id = str(row["service_id"])
        territories = list(zip(row["territory_ids"], row["territory_kinds"], strict=True))
        commune = next((tid for tid, kind in territories if kind == "commune"), None)
        section = next((tid for tid, kind in territories if kind == "section"), None)
        if commune is None and row["commune"]:
            commune = slug(row["commune"])
        exceptions = [
            ExceptionDoc(
                starts_on=starts.isoformat(),
                ends_on=ends.isoformat(),
                opening_hours=hours,
                message=message,
            )
            for starts, ends, hours, message in zip(
                row["exception_starts"],
                row["exception_ends"],
                row["exception_hours"],
                row["exception_messages"],
                strict=True,
            )
        ]
        has_hours = bool((row["opening_hours"] or "").strip()) or bool(exceptions)
        window_start = _midnight(today)
        window_end = _midnight(today + SLOT_WINDOW)
        slots: list[int] = []
        refresh_at: int | None = None
        if has_hours:
            slots = self._slots_for(row["opening_hours"], exceptions, window_start, window_end)
            refresh_at = epoch(
                _refresh_moment(today, row["exception_starts"], row["exception_ends"])
            )
        address = ""
        if row["street"]:
            address = f"{row['street']}, {row['postal_code']} {row['commune']}"
        conditions = " ".join(
            part
            for part in (row["how_to_access"], " ".join(row["documents"]), row["price"])
            if part
        )
        return SearchDocument(
            id=str(row["service_place_id"] or service_id),
            service_id=service_id,
            location_id=str(row["place_id"]) if row["place_id"] else None,
            name=row["name"],
            alternate_name=row["alternate_name"],
            description=row["description"],
            organisation=row["organisation"],
            organisation_alternate_name=row["organisation_alternate_name"],
            organisation_id=str(row["organisation_id"]),
            themes=list(row["theme_ids"]),
            theme_labels=list(dict.fromkeys(row["theme_labels"])),
            type=row["type"],
            age_min=row["age_min"] if row["age_min"] is not None else 0,
            age_max=row["age_max"] if row["age_max"] is not None else 130,
            genders=list(row["genders"]) or GENDERS,
            situations=list(row["situations"]),
            open_to_all=not row["situations"],
            eligibility=row["eligibility_notes"],
            conditions=conditions,
            free=row["free"],
            walk_in=row["walk_in"],
            unconditional=row["unconditional"],
            appointment_required=row["appointment_required"],
            referral_only=row["referral_only"],
            languages=list(row["languages"]),
            commune=commune,
            commune_name=row["commune"] or "",
            section=section,
            territories=[tid for tid, _kind in territories] or ([commune] if commune else []),
            territory_names=list(row["territory_names"]),
            place_name=row["place_name"] or "",
            address=address,
            postal_code=row["postal_code"] or "",
            geo=GeoPoint(row["latitude"], row["longitude"])
            if row["latitude"] is not None
            else None,
            wheelchair=row["wheelchair"],
            capacity_status=row["capacity_status"],
            status=row["status"],
            opening_hours=row["opening_hours"],
            exceptions=exceptions,
            hours_note=row["hours_note"],
            phone=row["phone"],
            content_language=row["content_language"],
            has_hours=has_hours,
            open_slots=slots,
            slots_from=epoch(window_start),
            slots_until=epoch(window_end),
            refresh_at=refresh_at,
            last_verified_on=row["last_verified_on"].isoformat()
            if row["last_verified_on"]
            else None,
            updated_at=epoch(row["updated_at"]),
        )

    def _slots_for(
        self,
        opening_hours: str | None,
        exceptions: list[ExceptionDoc],
        start: datetime,
        end: datetime,
    ) -> list[int]:
        key = (opening_hours, tuple(exceptions), start)
        slots = self._slots.get(key)
        if slots is None:
            if len(self._slots) > 50_000:
                self._slots.clear()
            slots = slots_of(self._open_intervals(opening_hours, exceptions, start, end))
            self._slots[key] = slots
        return slots


def _refresh_moment(today: date, starts: Sequence[date], ends: Sequence[date]) -> datetime:
    """When the document's slots change: the next exception boundary, or a week from now."""
    due = today + SLOT_REFRESH
    for day in (*starts, *(e + timedelta(days=1) for e in ends)):
        if today < day < due:
            due = day
    return _midnight(due)
