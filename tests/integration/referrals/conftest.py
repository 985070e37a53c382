"""A small network for referral tests: a CPAS that sends, an épicerie sociale that receives,
a housing service elsewhere, and a third organisation that must see nothing."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from schemas.catalogue import OrganisationIn, PlaceIn, ServiceIn, ServicePlaceIn
from service.accounts import users
from service.accounts.identity import create_token
from service.catalogue import organisations, places, services
from service.catalogue.records import SystemActor
from service.settings import Settings

SYSTEM = SystemActor("tests")
LOOPBACK_WEBHOOKS = "webhooks_to_loopback"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{LOOPBACK_WEBHOOKS}: the app may call webhooks on loopback and over http "
        "(webhook_allow_private), which it refuses by default",
    )


@pytest.fixture
def settings(request: pytest.FixtureRequest, db_url: str) -> Settings:
    """The app's settings: the defaults, unless the test says its webhooks go to loopback."""
    allow_private = request.node.get_closest_marker(LOOPBACK_WEBHOOKS) is not None
    return Settings(database_url=db_url, run_worker=False, webhook_allow_private=allow_private)


@dataclass
class Member:
    user_id: uuid.UUID
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Network:
    sender_org: uuid.UUID
    receiver_org: uuid.UUID
    housing_org: uuid.UUID
    other_org: uuid.UUID
    service_id: uuid.UUID
    place_id: uuid.UUID
    housing_service_id: uuid.UUID
    worker: Member  # member of the sending CPAS
    sender_admin: Member
    receiver: Member  # editor of the épicerie sociale
    receiver_admin: Member
    housing: Member
    outsider: Member  # admin of a third organisation


async def _member(conn: asyncpg.Connection, organisation_id: uuid.UUID, role: str) -> Member:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.org"
    user_id = await users.create_or_update(
        conn, email=email, organisation_id=organisation_id, role=role
    )
    return Member(user_id, email, await create_token(conn, user_id, "tests"))


async def _organisation(conn: asyncpg.Connection, name: str, email: str | None) -> uuid.UUID:
    created = await organisations.create(
        conn, OrganisationIn(name=name, kind="association", email=email), SYSTEM
    )
    return created.id


@pytest.fixture
async def network(pool: asyncpg.Pool) -> Network:
    async with pool.acquire() as conn, conn.transaction():
        sender = await _organisation(conn, "CPAS de La Louvière", "social@cpas.example.org")
        receiver = await _organisation(conn, "Épicerie sociale du Centre", None)
        housing = await _organisation(conn, "Logetoît", "contact@logetoit.example.org")
        other = await _organisation(conn, "Maison de quartier de Bouvy", None)
        place = await places.create(
            conn,
            PlaceIn(
                name="Épicerie du Centre",
                street="Rue Albert Ier 12",
                postal_code="7100",
                commune="La Louvière",
                organisation_id=receiver,
                latitude=50.4786,
                longitude=4.1872,
            ),
            SYSTEM,
        )
        service = await services.create(
            conn,
            ServiceIn(
                organisation_id=receiver,
                name="Épicerie sociale",
                type="material_aid",
                themes=["food.social-grocery"],
                documents=["Carte d'identité", "Attestation du CPAS"],
                appointment_required=True,
                places=[
                    ServicePlaceIn(place_id=place.id, opening_hours="Mo,We,Fr 09:00-12:00; PH off")
                ],
            ),
            SYSTEM,
        )
        housing_service = await services.create(
            conn,
            ServiceIn(
                organisation_id=housing,
                name="Recherche de logement",
                type="accompaniment",
                themes=["housing.housing-search"],
            ),
            SYSTEM,
        )
        return Network(
            sender_org=sender,
            receiver_org=receiver,
            housing_org=housing,
            other_org=other,
            service_id=service.id,
            place_id=place.id,
            housing_service_id=housing_service.id,
            worker=await _member(conn, sender, "member"),
            sender_admin=await _member(conn, sender, "admin"),
            receiver=await _member(conn, receiver, "editor"),
            receiver_admin=await _member(conn, receiver, "admin"),
            housing=await _member(conn, housing, "editor"),
            outsider=await _member(conn, other, "admin"),
        )


BENEFICIARY = {"first_name": "Zéphirine", "last_name": "Quackenbush", "phone": "+32470123456"}


def referral_body(network: Network, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_id": str(network.service_id),
        "place_id": str(network.place_id),
        "reason": "Besoin d'un accès à l'épicerie sociale pour trois mois.",
        "beneficiary": dict(BENEFICIARY),
        "consent": True,
        "contact_preference": "phone",
        "languages": ["nl", "fr"],
        "availability": "Mornings",
        "eligibility_checked": ["ris_beneficiary"],
    }
    body.update(extra)
    return body


class Capture(logging.Handler):
    """Every log record of every logger, formatted, for searching."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a broken record must not hide the others
            self.lines.append(repr(record.__dict__))


@pytest.fixture
def all_logs() -> Iterator[Capture]:
    handler = Capture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


async def queued_mails(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT recipient, template, language, subject, body_text, body_html"
            " FROM mail_outbox ORDER BY created_at, id"
        )
    return [dict(r) for r in rows]


@pytest.fixture
async def empty_outbox(pool: asyncpg.Pool) -> AsyncIterator[None]:
    async with pool.acquire() as conn:
        await conn.execute("DELETE FROM mail_outbox")
    yield
