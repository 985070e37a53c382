"""The demo data: partners of La Louvière and Ottignies-Louvain-la-Neuve, as an HSDS file."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from service.interop.hsds_import import import_file

DEMO_FILE = Path(__file__).resolve().parents[1] / "catalogue" / "demo" / "demo.hsds.json"


async def load_demo(pool: asyncpg.Pool) -> str:
    """Import the demo file (again: it updates in place) and say what it did."""
    report = await import_file(pool, DEMO_FILE)
    if not report.ok():
        raise RuntimeError("the demo data did not load:\n" + report.summary())
    counts = {
        entity: report.created[entity] + report.updated[entity] + report.unchanged[entity]
        for entity in ("organisation", "place", "service")
    }
    return (
        f"demo data: {counts['service']} services of {counts['organisation']} organisations "
        f"at {counts['place']} places ({report.created['service']} services new)"
    )
