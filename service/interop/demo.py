"""The demo data: partners of La Louvière and Ottignies-Louvain-la-Neuve, as an HSDS file,
and accounts to try the workspace with."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import asyncpg

from service.accounts import users
from service.accounts.identity import Q as ACCOUNTS
from service.accounts.passwords import hash_password
from service.interop.hsds_import import import_file

DEMO_FILE = Path(__file__).resolve().parents[1] / "catalogue" / "demo" / "demo.hsds.json"


@dataclass(frozen=True)
class DemoAccount:
    """Someone to sign in as, to try the workspace on the demo data."""

    email: str
    name: str
    what: str
    organisation_id: UUID | None = None
    role: str = "member"
    coordinator: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("coordination@demo.boussole.invalid", "Coordination du réseau",
                "network coordinator", coordinator=True),
    DemoAccount("assistante.sociale@demo.boussole.invalid", "Assistante sociale",
                "member of the CPAS de La Louvière (refers people)",
                UUID("134c5574-ebc1-584e-9d5e-dcebc67d051b")),
    DemoAccount("epicerie@demo.boussole.invalid", "Épicerie sociale",
                "editor of the Épicerie sociale du CPAS de La Louvière (answers referrals)",
                UUID("94955be9-4447-57cb-8bcc-4e6f7300eb48"), role="editor"),
    DemoAccount("relais.sante@demo.boussole.invalid", "Relais Santé",
                "admin of the Relais Santé de La Louvière",
                UUID("771b254f-2ea0-5e6a-8da7-9340542e5e30"), role="admin"),
)  # fmt: skip


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


async def create_demo_accounts(pool: asyncpg.Pool) -> str:
    """Create the demo accounts (or find them) with fresh passwords; say who they are."""
    lines = ["demo accounts (sign in at /workspace/login; new passwords at every start):"]
    for account, password in await _demo_accounts(pool):
        lines.append(f"  {account.email}  {password}  — {account.what}")
    return "\n".join(lines)


async def _demo_accounts(pool: asyncpg.Pool) -> list[tuple[DemoAccount, str]]:
    given = []
    async with pool.acquire() as conn, conn.transaction():
        for account in DEMO_ACCOUNTS:
            user_id = await users.create_or_update(
                conn,
                email=account.email,
                name=account.name,
                organisation_id=account.organisation_id,
                role=account.role,
                coordinator=account.coordinator,
            )
            password = secrets.token_urlsafe(12)
            await conn.execute(ACCOUNTS.set_password, user_id, await hash_password(password))
            given.append((account, password))
    return given
