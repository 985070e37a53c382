"""GET /api/v1/search over real HTTP: the answer, the parameters, and exact opening."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

import asyncpg
import httpx
import pytest

from search.documents import DocumentBuilder
from search.postgres import PostgresEngine
from service.catalogue import services
from service.hours import TZ
from tests.integration.search.conftest import Catalogue, sync

pytestmark = pytest.mark.asyncio

HOURS = [
    "Mo-Fr 09:00-12:00,13:30-16:00; PH off",
    "Mo-Su 20:00-08:00",  # overnight
    "Tu,Th 13:00-17:00",
    "Mo[1] 09:00-12:00",  # first Monday of the month
    "We 14:00-18:00; Dec 24-Dec 26 off",
    "24/7",
    "Sa 09:00-12:00; PH 10:00-11:00",
    None,  # unknown
]
STATUSES = ["active", "active", "active", "temporarily_closed", "inactive"]


@pytest.fixture
async def varied(pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder) -> list[str]:
    """Forty services with every kind of hours, some closed, some with dated exceptions."""
    await catalogue.organisation()
    places = [await catalogue.place(f"Lieu {i}") for i in range(4)]
    created = []
    for i, (hours, status) in enumerate(
        itertools.islice(zip(itertools.cycle(HOURS), itertools.cycle(STATUSES)), 40)
    ):
        exceptions: list[tuple[date, date, str | None]] = []
        if i % 6 == 0:
            exceptions = [(date(2026, 12, 7), date(2026, 12, 8), None)]  # closed two days
        if i % 6 == 3:
            exceptions = [(date(2026, 12, 9), date(2026, 12, 9), "We 08:00-10:00")]
        created.append(
            await catalogue.service(
                f"Service {i}",
                places=[(places[i % 4], hours), (places[(i + 1) % 4], hours)],
                exceptions=exceptions,
                status=status,
            )
        )
    await sync(pool, [PostgresEngine(pool)], builder)
    return created


async def brute_force_open(pool: asyncpg.Pool, service_ids: list[str], at: datetime) -> set[str]:
    """Every (service, place) the catalogue itself says is open at `at`."""
    open_ids = set()
    async with pool.acquire() as conn:
        for service_id in service_ids:
            service = await services.get(conn, UUID(service_id), at)
            for place in service.places:
                if place.open is not None and place.open.now:
                    open_ids.add(f"{service_id}/{place.place_id}")
    return open_ids


MOMENTS = [
    "2026-12-07T10:00",  # Monday, first of the month, inside a closure exception
    "2026-12-14T10:00",  # Monday, not the first
    "2026-12-09T09:00",  # Wednesday morning, replacement hours
    "2026-12-09T15:00",
    "2026-12-25T10:30",  # Christmas (PH) and in "Dec 24-Dec 26 off"
    "2026-12-26T10:30",  # Saturday, PH in Belgium? no: 26 Dec is not a Belgian holiday
    "2026-12-10T02:00",  # overnight
    "2026-12-10T14:00+01:00",
    "2026-12-10T13:00Z",
    "2027-03-28T02:30",  # the hour DST skips
    "2027-01-04T11:59",
    "2027-06-15T23:00",  # beyond the coarse window: no pre-filter, still exact
]


async def test_open_at_equals_brute_force_evaluation(
    client: httpx.AsyncClient, pool: asyncpg.Pool, varied: list[str]
) -> None:
    for moment in MOMENTS:
        response = await client.get("/api/v1/search", params={"open_at": moment, "limit": 100})
        assert response.status_code == 200, response.text
        body = response.json()
        found = {f"{item['service_id']}/{item['location_id']}" for item in body["items"]}
        at = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        at = (at if at.tzinfo else at.replace(tzinfo=TZ)).astimezone(UTC).astimezone(TZ)
        expected = await brute_force_open(pool, varied, at)
        assert found == expected, moment
        assert body["total"] == len(expected) and body["total_exact"], moment
        assert all(item["open"]["now"] for item in body["items"])
    assert expected  # the moments are not all closed ones


async def open_quarters(
    pool: asyncpg.Pool, service_ids: list[str], day: date
) -> dict[str, set[datetime]]:
    """The quarters of an hour of `day` at which the catalogue says each (service, place) is
    open (every hour in the fixture starts and ends on a half hour)."""
    start = datetime.combine(day, time(0), tzinfo=TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)
    quarters = []
    moment = start
    while moment < end:
        quarters.append(moment.astimezone(TZ))
        moment = (moment.astimezone(UTC) + timedelta(minutes=15)).astimezone(TZ)
    found = {}
    async with pool.acquire() as conn:
        for service_id in service_ids:
            service = await services.get(conn, UUID(service_id))
            for place in service.places:
                hours = services.hours_of(place)
                found[f"{service_id}/{place.place_id}"] = {
                    q for q in quarters if services.is_open_at(service.status, hours, q)
                }
    return found


async def brute_force_open_on(pool: asyncpg.Pool, service_ids: list[str], day: date) -> set[str]:
    """Every (service, place) the catalogue says is open at some quarter of an hour of `day`."""
    return {
        key for key, open_then in (await open_quarters(pool, service_ids, day)).items() if open_then
    }


DAYS = [
    "2026-12-07",  # Monday, first of the month, a closure; a night begun on Sunday ends in it
    "2026-12-08",  # the closure's second day
    "2026-12-09",  # Wednesday, replacement hours
    "2026-12-25",  # Christmas (PH) and in "Dec 24-Dec 26 off"
    "2026-12-26",  # Saturday
    "2027-03-28",  # the day DST skips an hour: 23 hours
    "2027-06-15",  # beyond the coarse window: no pre-filter, still exact
]


async def test_open_on_a_day_equals_brute_force_evaluation(
    client: httpx.AsyncClient, pool: asyncpg.Pool, varied: list[str]
) -> None:
    """open_on keeps the services open at some moment of the day, as the catalogue's hours
    say minute by minute, and tells their opening at the day's start."""
    for text in DAYS:
        day = date.fromisoformat(text)
        response = await client.get("/api/v1/search", params={"open_on": text, "limit": 100})
        assert response.status_code == 200, response.text
        body = response.json()
        found = {f"{item['service_id']}/{item['location_id']}" for item in body["items"]}
        expected = await brute_force_open_on(pool, varied, day)
        assert found == expected, text
        assert body["total"] == len(expected) and body["total_exact"], text
        if day != datetime.now(TZ).date():  # today's is told now (the next test)
            assert all(i["open"]["at"].startswith(f"{text}T00:00") for i in body["items"])
        # Each says when it is open that day: the quarters the catalogue says, no other.
        quarters = await open_quarters(pool, varied, day)
        for item in body["items"]:
            stretches = [tuple(map(datetime.fromisoformat, s)) for s in item["open"]["intervals"]]
            within = {q for q in _day_quarters(day) if any(a <= q < b for a, b in stretches)}
            assert within == quarters[f"{item['service_id']}/{item['location_id']}"], text
    # The days are neither all closed nor all open, and a day is more than its start.
    sets = [await brute_force_open_on(pool, varied, date.fromisoformat(d)) for d in DAYS]
    assert all(sets) and len({frozenset(s) for s in sets}) > 2
    christmas = date(2026, 12, 25)
    at_eleven = await brute_force_open(pool, varied, datetime(2026, 12, 25, 11, tzinfo=TZ))
    assert at_eleven < await brute_force_open_on(pool, varied, christmas)


def _day_quarters(day: date) -> set[datetime]:
    start = datetime.combine(day, time(0), tzinfo=TZ).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ).astimezone(UTC)
    return {
        start + timedelta(minutes=15 * i) for i in range(int((end - start) / timedelta(minutes=15)))
    }


async def test_open_on_today_tells_the_opening_now(
    client: httpx.AsyncClient, catalogue: Catalogue, pool: asyncpg.Pool, builder: DocumentBuilder
) -> None:
    place = await catalogue.place()
    await catalogue.service("Permanence toujours", places=[(place, "24/7")])
    await sync(pool, [PostgresEngine(pool)], builder)
    today = datetime.now(TZ).date().isoformat()
    body = (await client.get("/api/v1/search", params={"open_on": today})).json()
    (item,) = body["items"]
    told = datetime.fromisoformat(item["open"]["at"])
    assert abs((told - datetime.now(UTC)).total_seconds()) < 60 and item["open"]["now"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"open_on": "samedi"}, "ISO 8601 date"),
        ({"open_on": "2026-02-30"}, "ISO 8601 date"),
        ({"open_on": "9999-12-31"}, "years"),
        ({"open_on": "2026-12-12", "open_now": "true"}, "not both"),
        ({"open_on": "2026-12-12", "open_at": "2026-12-12T10:00"}, "not both"),
    ],
)
async def test_open_on_that_cannot_be_understood_is_a_422_naming_it(
    client: httpx.AsyncClient, params: dict[str, str], message: str
) -> None:
    response = await client.get("/api/v1/search", params=params)
    assert response.status_code == 422, response.text
    assert "open_on" in response.text and message in response.text


async def test_answer_shape(client: httpx.AsyncClient, varied: list[str]) -> None:
    response = await client.get(
        "/api/v1/search",
        params={
            "q": "service",
            "lat": 50.47,
            "lon": 4.18,
            "limit": 3,
            "open_at": "2026-12-14T10:00",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["engine"] == "postgres"
    assert set(body) >= {"items", "total", "facets", "engine"}
    item = body["items"][0]
    assert set(item) >= {
        "service_id",
        "location_id",
        "name",
        "organisation",
        "themes",
        "address",
        "distance_km",
        "open",
        "highlight",
    }
    assert item["open"]["now"] is True and item["open"]["next_change"]
    assert item["highlight"]["name"].startswith("<mark>Service</mark>")
    assert body["facets"]["themes"]["food"] >= 1


async def test_empty_query_browses_and_closed_services_are_never_open(
    client: httpx.AsyncClient, varied: list[str]
) -> None:
    body = (await client.get("/api/v1/search", params={"limit": 100})).json()
    # Each of 40 services at two places, but the inactive ones (one in five): no longer
    # offered, they are not found at all.
    assert body["total"] == 64
    assert {i["status"] for i in body["items"]} == {"active", "temporarily_closed"}
    closed = [i for i in body["items"] if i["status"] != "active"]
    assert closed and all(i["open"] is None or i["open"]["now"] is False for i in closed)


async def test_open_at_says_when_only_some_words_are_found(
    client: httpx.AsyncClient, pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    """At night the services with every word are closed: the open ones that the answer holds
    have only some of the words, and it says so."""
    place = await catalogue.place()
    await catalogue.service(
        "Aide médicale urgente",
        description="Soins de santé pour les personnes sans papiers.",
        places=[(place, "Mo-Fr 09:00-12:00")],
    )
    await catalogue.service(
        "Ligne d'écoute",
        description="Une écoute jour et nuit, et des conseils pour les premiers soins.",
        places=[(place, "24/7")],
    )
    await sync(pool, [PostgresEngine(pool)], builder)
    query = {"q": "soins sans papiers"}
    day = (await client.get("/api/v1/search", params=query)).json()
    assert [i["name"] for i in day["items"]] == ["Aide médicale urgente"] and day["all_words"]
    night = await client.get("/api/v1/search", params={**query, "open_at": "2026-12-14T22:00"})
    body = night.json()
    assert [i["name"] for i in body["items"]] == ["Ligne d'écoute"]
    assert body["all_words"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "soup"}, "type"),
        ({"theme": "no-such-theme"}, "theme"),
        ({"age": "old"}, "age"),
        ({"age": "200"}, "age"),
        ({"gender": "robot"}, "gender"),
        ({"situation": "rich"}, "situation"),
        ({"language": "French"}, "language"),
        ({"open_at": "tomorrow"}, "open_at"),
        ({"open_at": "9999-12-31T23:59"}, "open_at"),  # a year far from any planning
        ({"open_at": "0001-01-01T00:00"}, "open_at"),  # before the calendar in UTC
        ({"lat": "50.4"}, "lon"),
        ({"lat": "95", "lon": "4"}, "lat"),
        ({"radius_km": "3"}, "radius_km"),
        ({"limit": "0"}, "limit"),
        ({"free": "maybe"}, "free"),
        # PostgreSQL cannot hold a NUL: the parameter that brings one is named (was "body").
        ({"section": "la-louviere\x00"}, "section"),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/v1/search", params=params)
    assert response.status_code in (400, 422), response.text
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}


async def test_a_write_through_the_api_is_searchable_after_the_worker_ran(
    client: httpx.AsyncClient, pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder
) -> None:
    await catalogue.service("Médiation de dettes", themes=["income.debt-mediation"])
    assert (await client.get("/api/v1/search", params={"q": "surendettement"})).json()["total"] == 0
    await sync(pool, [PostgresEngine(pool)], builder)
    body = (await client.get("/api/v1/search", params={"q": "surendettement"})).json()
    assert [i["name"] for i in body["items"]] == ["Médiation de dettes"]
    assert body["items"][0]["location_id"] is None  # held nowhere in particular


async def test_healthz_reports_the_engine(client: httpx.AsyncClient) -> None:
    body = (await client.get("/healthz")).json()
    assert body["search"] == {"status": "ok", "engine": "postgres"}


@pytest.fixture
async def placed(pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder) -> None:
    """A service in each of three sections of the two communes, speaking various languages."""
    await catalogue.organisation()
    for name, territory, commune, languages in [
        ("Haine", "la-louviere.haine-saint-pierre", "La Louvière", ["fr", "ar"]),
        ("Strépy", "la-louviere.strepy-bracquegnies", "La Louvière", ["fr", "nl"]),
        (
            "LLN",
            "ottignies-louvain-la-neuve.louvain-la-neuve",
            "Ottignies-Louvain-la-Neuve",
            ["fr"],
        ),
    ]:
        place = await catalogue.place(f"Lieu {name}", territory=territory, commune=commune)
        await catalogue.service(f"Service {name}", places=[(place, None)], languages=languages)
    await sync(pool, [PostgresEngine(pool)], builder)


async def _found(client: httpx.AsyncClient, params: object) -> set[str]:
    response = await client.get("/api/v1/search", params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return {item["name"] for item in response.json()["items"]}


LA_LOUVIERE = {"Service Haine", "Service Strépy"}


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"commune": "la-louviere"}, LA_LOUVIERE),
        ({"commune": "ottignies-louvain-la-neuve"}, {"Service LLN"}),
        ({"commune": "Ottignies-Louvain-la-Neuve"}, {"Service LLN"}),
        ({"commune": "la louviere"}, LA_LOUVIERE),
        ({"commune": "7100"}, LA_LOUVIERE),  # a postal code of the commune
        ({"commune": "1348"}, {"Service LLN"}),
        ({"section": "la-louviere.haine-saint-pierre"}, {"Service Haine"}),
        ({"section": "Haine-Saint-Pierre"}, {"Service Haine"}),
        ({"section": "strepy bracquegnies"}, {"Service Strépy"}),
        ({"section": "1348"}, {"Service LLN"}),
        ({"section": "7110"}, LA_LOUVIERE),  # shared by sections: the commune
        ({"commune": "La Louvière", "section": "Louvain-la-Neuve"}, set()),
    ],
)
async def test_commune_and_section_take_an_id_a_name_or_a_postal_code(
    client: httpx.AsyncClient, placed: None, params: dict[str, str], names: set[str]
) -> None:
    assert await _found(client, params) == names


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"commune": "zzz"}, "commune"),
        ({"commune": "ottignies"}, "commune"),  # a section: the 422 says section=…
        ({"commune": "9999"}, "commune"),
        ({"section": "zzz"}, "section"),
        ({"section": "la-louviere"}, "section"),
    ],
)
async def test_a_place_that_is_not_one_of_the_network_is_a_422(
    client: httpx.AsyncClient, placed: None, params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/v1/search", params=params)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_communes_sections_and_languages_may_be_repeated_any_of_them(
    client: httpx.AsyncClient, placed: None
) -> None:
    both = [("commune", "ottignies-louvain-la-neuve"), ("commune", "7100")]
    assert await _found(client, both) == LA_LOUVIERE | {"Service LLN"}
    sections = [("section", "Haine-Saint-Pierre"), ("section", "Louvain-la-Neuve")]
    assert await _found(client, sections) == {"Service Haine", "Service LLN"}
    assert await _found(client, [("language", "ar"), ("language", "nl")]) == LA_LOUVIERE
    # Any of the communes, and any of the sections: both must hold.
    assert await _found(client, [*both, ("section", "Haine-Saint-Pierre")]) == {"Service Haine"}


@pytest.mark.parametrize(
    "name", ["q", "age", "gender", "situation", "free", "open_at", "lat", "limit", "offset"]
)
async def test_a_parameter_given_twice_that_is_not_repeatable_is_a_422(
    client: httpx.AsyncClient, name: str
) -> None:
    values = {
        "q": "colis", "age": "30", "gender": "female", "situation": "homeless", "free": "true",
        "open_at": "2026-12-14T10:00", "lat": "50.4", "limit": "10", "offset": "0",
    }  # fmt: skip
    params = [(name, values[name]), (name, values[name])]
    if name == "lat":
        params.append(("lon", "4.2"))
    response = await client.get("/api/v1/search", params=params)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [name]


async def test_language_codes_ignore_case(client: httpx.AsyncClient, placed: None) -> None:
    assert await _found(client, {"language": "AR"}) == {"Service Haine"}
    assert await _found(client, [("language", "Nl"), ("language", "ar")]) == LA_LOUVIERE


@pytest.fixture
async def lawyers(pool: asyncpg.Pool, catalogue: Catalogue, builder: DocumentBuilder) -> None:
    """Three legal services: one free that does not write so, one that writes "gratuit"
    but asks a fee after the first visit, one paid."""
    place = await catalogue.place("Palais")
    for name, free, description in [
        ("Permanence avocat du CPAS", True, "Conseils d'un avocat."),
        ("Avocat de quartier", False, "Premier entretien gratuit, puis honoraires réduits."),
        ("Cabinet avocat", False, "Consultations sur rendez-vous."),
    ]:
        await catalogue.service(
            name, places=[(place, None)], themes=["admin"], free=free, description=description
        )
    await sync(pool, [PostgresEngine(pool)], builder)


@pytest.mark.parametrize("q", ["avocat gratuit", "Avocat GRATUITE", "avocat gratis", "free avocat"])
async def test_words_asking_for_free_services_are_the_free_filter(
    client: httpx.AsyncClient, lawyers: None, q: str
) -> None:
    body = (await client.get("/api/v1/search", params={"q": q})).json()
    assert [i["name"] for i in body["items"]] == ["Permanence avocat du CPAS"]
    assert body["free_from_words"] is True
    # The same answer as asked with the filter, which says nothing of words.
    asked = (await client.get("/api/v1/search", params={"q": "avocat", "free": "true"})).json()
    assert asked["free_from_words"] is False
    assert asked["items"] == body["items"]


async def test_free_given_keeps_such_words_as_words(
    client: httpx.AsyncClient, lawyers: None
) -> None:
    body = (await client.get("/api/v1/search", params={"q": "gratuit", "free": "false"})).json()
    assert [i["name"] for i in body["items"]] == ["Avocat de quartier"]
    assert body["free_from_words"] is False
    # Alone, the word browses the free services.
    alone = (await client.get("/api/v1/search", params={"q": "gratuit"})).json()
    assert [i["name"] for i in alone["items"]] == ["Permanence avocat du CPAS"]
