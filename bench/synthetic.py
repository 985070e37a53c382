"""A reusable generator of realistic synthetic catalogues: organisations, places, services.

Deterministic for a seed. Places lie in the territories of the database (the seeded communes,
sections and quartiers), scattered around their centroids; services get themes of the
taxonomy, hours among common patterns, some dated exceptions, eligibility, languages.

    from bench.synthetic import load
    counts = await load(pool, services=100_000)
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg

NEEDS = [
    (
        "Colis alimentaires",
        "food.food-parcels",
        "material_aid",
        "Distribution de colis alimentaires aux familles et personnes seules en difficulté.",
    ),
    (
        "Épicerie sociale",
        "food.social-grocery",
        "material_aid",
        "Produits de première nécessité à petits prix, sur orientation du CPAS.",
    ),
    (
        "Restaurant social",
        "food.social-restaurant",
        "material_aid",
        "Repas chauds à prix réduit, dans un lieu convivial.",
    ),
    (
        "Abri de nuit",
        "homelessness.night-shelter",
        "accommodation",
        "Un lit, une douche et un repas pour les personnes sans abri.",
    ),
    (
        "Accueil de jour",
        "homelessness.day-centre",
        "accommodation",
        "Accueil, café, douche, lessive et écoute pour les personnes en rue.",
    ),
    (
        "Permanence sociale",
        "admin.social-permanence",
        "information",
        "Information et aide aux démarches administratives, sans rendez-vous.",
    ),
    (
        "Médiation de dettes",
        "income.debt-mediation",
        "accompaniment",
        "Accompagnement des personnes surendettées, plan de paiement avec les créanciers.",
    ),
    (
        "Aide à la recherche de logement",
        "housing.housing-search",
        "accompaniment",
        "Recherche d'un logement, garantie locative, contacts avec les propriétaires.",
    ),
    (
        "Tuteur énergie",
        "energy",
        "accompaniment",
        "Conseils pour réduire les factures de gaz et d'électricité, aide en cas de coupure.",
    ),
    (
        "Espace public numérique",
        "digital",
        "workshop",
        "Ordinateurs en accès libre et ateliers d'initiation à internet.",
    ),
    (
        "Service juridique droit des étrangers",
        "foreigners",
        "legal_aid",
        "Conseil juridique sur le séjour, le regroupement familial et la nationalité.",
    ),
    (
        "Relais santé",
        "health",
        "care",
        "Accès aux soins pour les personnes éloignées du système de santé, carte médicale.",
    ),
    (
        "Vestiaire solidaire",
        "clothing",
        "material_aid",
        "Vêtements de seconde main pour adultes et enfants.",
    ),
    (
        "École de devoirs",
        "family",
        "workshop",
        "Soutien scolaire et aide aux devoirs pour les enfants de 6 à 12 ans.",
    ),
    (
        "Écoute violences conjugales",
        "violence",
        "accompaniment",
        "Écoute, accompagnement et hébergement des victimes de violences conjugales.",
    ),
    (
        "Cours d'alphabétisation",
        "employment",
        "workshop",
        "Apprendre à lire et écrire le français, en petits groupes.",
    ),
    (
        "Article 27",
        "culture",
        "financial_aid",
        "Tickets à 1,25 euro pour le cinéma, le théâtre et les musées.",
    ),
    (
        "Insertion socioprofessionnelle",
        "employment",
        "accompaniment",
        "Bilan, CV, recherche d'emploi et de formation.",
    ),
]
ORGANISATIONS = [
    ("CPAS de {c}", "cpas"),
    ("ASBL Solidarité {c}", "association"),
    ("Maison médicale de {c}", "health"),
    ("Plan de cohésion sociale de {c}", "commune"),
    ("Croix-Rouge {c}", "association"),
    ("Relais social de {c}", "public_body"),
    ("ASBL Le Pont {c}", "association"),
    ("Coopérative Entraide {c}", "cooperative"),
]
HOURS = [
    "Mo-Fr 09:00-12:00,13:30-16:00; PH off",
    "Mo-Fr 08:30-16:30; PH off",
    "Mo,We,Fr 09:00-12:00; PH off",
    "Tu,Th 13:00-17:00; PH off",
    "Mo-Su 20:00-08:00",
    "Mo-Fr 10:00-18:00; Sa 10:00-13:00; PH off",
    "We 14:00-18:00",
    "Mo[1] 09:00-12:00",
    "24/7",
    "Tu 09:00-11:00",
    "Mo-Th 09:00-12:00; Fr 09:00-11:30; PH off",
    "Sa 09:00-12:00",
    None,
]
STREETS = [
    "Rue de la Station",
    "Rue Haute",
    "Place communale",
    "Avenue des Tilleuls",
    "Rue du Parc",
    "Chaussée de Mons",
    "Rue de l'Église",
    "Boulevard du Tivoli",
]
LANGUAGES = [["fr"], ["fr"], ["fr", "nl"], ["fr", "ar"], ["fr", "en"], ["fr", "tr", "it"]]
SITUATIONS = [
    [],
    [],
    [],
    ["homeless"],
    ["undocumented"],
    ["families"],
    ["ris_beneficiary"],
    ["victim_of_violence"],
    ["youth"],
    ["elderly"],
]


@dataclass(frozen=True)
class Territory:
    id: str
    name: str
    commune: str
    postal_code: str
    latitude: float
    longitude: float


async def territories(conn: asyncpg.Connection) -> list[Territory]:
    """The sections and quartiers of the database, with their commune's name."""
    rows = await conn.fetch(
        """SELECT t.id, t.name, c.name AS commune,
                  coalesce(t.postal_codes[1], c.postal_codes[1], '7100') AS postal_code,
                  coalesce(t.latitude, c.latitude) AS latitude,
                  coalesce(t.longitude, c.longitude) AS longitude
           FROM territory t JOIN territory c ON c.id = split_part(t.id, '.', 1)
           WHERE t.kind <> 'commune' AND coalesce(t.latitude, c.latitude) IS NOT NULL
           ORDER BY t.id"""
    )
    return [Territory(**dict(r)) for r in rows]


def generate(
    services: int, places_of: Sequence[Territory], seed: int = 42
) -> dict[str, list[tuple[Any, ...]]]:
    """Rows for each table, ready for COPY: about one place per three services."""
    rng = random.Random(seed)
    rows: dict[str, list[tuple[Any, ...]]] = {
        "organisation": [],
        "place": [],
        "service": [],
        "service_theme": [],
        "service_place": [],
        "hours_exception": [],
    }
    org_count = max(1, services // 25)
    organisations = []
    for i in range(org_count):
        territory = rng.choice(places_of)
        template, kind = ORGANISATIONS[i % len(ORGANISATIONS)]
        org_id = uuid.UUID(int=rng.getrandbits(128))
        name = template.format(c=territory.name) + (f" {i // len(ORGANISATIONS)}" if i >= 8 else "")
        rows["organisation"].append((org_id, name, kind))
        organisations.append((org_id, territory))
    place_ids: list[list[uuid.UUID]] = [[] for _ in organisations]
    for index, (org_id, home) in enumerate(organisations):
        for k in range(rng.randint(1, 4)):
            territory = home if k == 0 else rng.choice(places_of)
            place_id = uuid.UUID(int=rng.getrandbits(128))
            rows["place"].append(
                (
                    place_id,
                    org_id,
                    f"{rng.choice(['Maison de quartier', 'Antenne', 'Centre'])} {territory.name}",
                    f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
                    territory.postal_code,
                    territory.commune,
                    territory.id,
                    territory.latitude + rng.gauss(0, 0.01),
                    territory.longitude + rng.gauss(0, 0.015),
                    rng.choice(["yes", "limited", "no", "unknown"]),
                )
            )
            place_ids[index].append(place_id)
    today = date.today()
    for i in range(services):
        org_index = rng.randrange(len(organisations))
        org_id, _home = organisations[org_index]
        name, theme, type_, description = rng.choice(NEEDS)
        service_id = uuid.UUID(int=rng.getrandbits(128))
        age_min = rng.choice([None, None, None, 18, 6, 60])
        rows["service"].append(
            (
                service_id,
                org_id,
                name if rng.random() < 0.6 else f"{name} ({i})",
                description,
                type_,
                age_min,
                rng.choice(["{}", "{}", "{}", "{female}"]),
                "{" + ",".join(rng.choice(SITUATIONS)) + "}",
                rng.random() < 0.85,
                rng.random() < 0.4,
                rng.random() < 0.2,
                "{" + ",".join(rng.choice(LANGUAGES)) + "}",
                rng.choices(["active", "temporarily_closed", "inactive"], [0.92, 0.05, 0.03])[0],
            )
        )
        rows["service_theme"].append((service_id, theme))
        chosen = rng.sample(
            place_ids[org_index], k=min(len(place_ids[org_index]), 1 if rng.random() < 0.8 else 2)
        )
        for position, place_id in enumerate(chosen):
            sp_id = uuid.UUID(int=rng.getrandbits(128))
            rows["service_place"].append((sp_id, service_id, place_id, rng.choice(HOURS), position))
            if rng.random() < 0.05:
                start = today + timedelta(days=rng.randint(-5, 40))
                rows["hours_exception"].append(
                    (
                        uuid.UUID(int=rng.getrandbits(128)),
                        sp_id,
                        start,
                        start + timedelta(days=rng.randint(0, 10)),
                        None,
                        "Fermeture annuelle",
                    )
                )
    return rows


COLUMNS = {
    "organisation": ("id", "name", "kind"),
    "place": (
        "id",
        "organisation_id",
        "name",
        "street",
        "postal_code",
        "commune",
        "territory_id",
        "latitude",
        "longitude",
        "wheelchair",
    ),
    "service": (
        "id",
        "organisation_id",
        "name",
        "description",
        "type",
        "age_min",
        "genders",
        "situations",
        "free",
        "walk_in",
        "unconditional",
        "languages",
        "status",
    ),
    "service_theme": ("service_id", "theme_id"),
    "service_place": ("id", "service_id", "place_id", "opening_hours", "position"),
    "hours_exception": (
        "id",
        "service_place_id",
        "starts_on",
        "ends_on",
        "opening_hours",
        "message",
    ),
}


async def load(pool: asyncpg.Pool, services: int, seed: int = 42) -> dict[str, int]:
    """Generate and COPY a synthetic catalogue into the database; return the row counts.

    Nothing is queued for search: index it with the engines' `reindex` afterwards.
    """
    async with pool.acquire() as conn:
        rows = generate(services, await territories(conn), seed)
        async with conn.transaction():
            for table, records in rows.items():
                columns = COLUMNS[table]
                if table == "service":
                    records = [
                        (*r[:6], _array(r[6]), _array(r[7]), *r[8:11], _array(r[11]), r[12])
                        for r in records
                    ]
                await conn.copy_records_to_table(table, records=records, columns=list(columns))
        await conn.execute("ANALYZE")
    return {table: len(records) for table, records in rows.items()}


def _array(text: str) -> list[str]:
    return [v for v in text.strip("{}").split(",") if v]
