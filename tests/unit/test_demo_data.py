"""Checks on the demo catalogue (service/catalogue/demo/demo.hsds.json). No database needed.

The file is a paged HSDS 3.0 body whose items are full services. Each item must validate
against the HSDS compiled service schema (from ../shared/hsds/3.0) and follow Boussole's own
conventions: `boussole:*` attributes with known codes, theme and territory ids that exist in
002_reference_data.sql, valid Belgian enterprise numbers, plausible coordinates, fictional
contact details.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "service" / "catalogue" / "demo" / "demo.hsds.json"
REFERENCE_SQL = ROOT / "service" / "db" / "migrations" / "002_reference_data.sql"
HSDS = ROOT.parent / "shared" / "hsds" / "3.0"

SERVICE_TYPES = {
    "information",
    "accompaniment",
    "financial_aid",
    "material_aid",
    "workshop",
    "accommodation",
    "care",
    "legal_aid",
    "orientation",
}
AUDIENCES = {
    "gender:female",
    "gender:male",
    "situation:undocumented",
    "situation:asylum_seeker",
    "situation:homeless",
    "situation:families",
    "situation:single_parent",
    "situation:ris_beneficiary",
    "situation:student",
    "situation:elderly",
    "situation:disability",
    "situation:victim_of_violence",
    "situation:youth",
}
ACCESS = {"free", "appointment", "walk_in", "unconditional", "referral_only"}
CAPACITY = {"available", "limited", "full"}
ORG_KINDS = {"cpas", "commune", "association", "health", "public_body", "school", "cooperative"}
NETWORKS = {
    "rsull",
    "pcs-la-louviere",
    "pcs-olln",
    "plateforme-logement-la-louviere",
    "plateforme-desaffiliation-olln",
    "reseau-egalite",
    "concertation-aide-alimentaire-olln",
}
WHEELCHAIR = {"yes", "limited", "no"}
ORG_TAXONOMIES = {"boussole:organisation-kind", "boussole:network"}

# (lat_min, lat_max, lon_min, lon_max) of each commune, generous.
REGION_BBOX = {
    "la-louviere": (50.43, 50.51, 4.05, 4.25),
    "ottignies-louvain-la-neuve": (50.63, 50.70, 4.50, 4.65),
}
SECTION_TOLERANCE = 0.03  # degrees around the section centroid of 002_reference_data.sql

HHMM = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


# ----------------------------------------------------------------------------- helpers


def _insert_rows(sql: str, table: str) -> list[str]:
    """Return the value tuples (as text) of every `INSERT INTO table ... VALUES ...;`."""
    rows: list[str] = []
    pattern = rf"INSERT INTO {table} \([^)]*\) VALUES(.*?);\s*$"
    for block in re.findall(pattern, sql, flags=re.S | re.M):
        rows.extend(re.findall(r"^\s*\((.*)\),?\s*$", block, flags=re.M))
    return rows


def _reference() -> tuple[dict[str, str | None], dict[str, dict[str, Any]]]:
    sql = REFERENCE_SQL.read_text(encoding="utf-8")
    themes: dict[str, str | None] = {}
    for row in _insert_rows(sql, "theme"):
        m = re.match(r"'([^']+)', (NULL|'[^']+'), \d+, ", row)
        assert m, row
        themes[m[1]] = None if m[2] == "NULL" else m[2].strip("'")
    territories: dict[str, dict[str, Any]] = {}
    for row in _insert_rows(sql, "territory"):
        m = re.match(
            r"'([^']+)', '(commune|section|quartier)', '(?:[^']|'')+', (NULL|'[^']+'), "
            r"'\{([^}]*)\}', ([-\d.]+), ([-\d.]+)$",
            row,
        )
        assert m, row
        territories[m[1]] = {
            "kind": m[2],
            "parent": None if m[3] == "NULL" else m[3].strip("'"),
            "postal_codes": m[4].split(",") if m[4] else [],
            "lat": float(m[5]),
            "lon": float(m[6]),
        }
    return themes, territories


THEMES, TERRITORIES = _reference()


def _commune_of(territory_id: str) -> str:
    t = territory_id
    while TERRITORIES[t]["parent"] is not None:
        t = TERRITORIES[t]["parent"]
    return t


def _section_of(territory_id: str) -> str:
    t = territory_id
    while TERRITORIES[t]["kind"] == "quartier":
        t = TERRITORIES[t]["parent"]
    return t


def _valid_enterprise_number(number: str) -> bool:
    digits = number.replace(".", "")
    if not re.fullmatch(r"[01]\d{9}", digits):
        return False
    return int(digits[8:]) == 97 - int(digits[:8]) % 97


def _codes(attributes: list[dict[str, Any]], taxonomy: str) -> list[str]:
    return [
        a["taxonomy_term"]["code"]
        for a in attributes
        if a["taxonomy_term"].get("taxonomy") == taxonomy
    ]


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return json.loads(DEMO.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(demo: dict[str, Any]) -> list[dict[str, Any]]:
    return demo["contents"]


def _organizations(services: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["organization"]["id"]: s["organization"] for s in services}


def _locations(services: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        sal["location"]["id"]: sal["location"]
        for s in services
        for sal in s["service_at_locations"]
    }


# ----------------------------------------------------------------------------- tests


def test_reference_data_shape() -> None:
    parents = [t for t, p in THEMES.items() if p is None]
    children = [t for t, p in THEMES.items() if p is not None]
    assert 15 <= len(parents) <= 25
    assert 60 <= len(children) <= 90
    for child in children:
        parent = THEMES[child]
        assert parent is not None and parent in THEMES, child
        assert child.startswith(parent + "."), child
    assert {"la-louviere", "ottignies-louvain-la-neuve"} <= set(TERRITORIES)
    for tid, t in TERRITORIES.items():
        if t["parent"] is not None:
            assert tid.startswith(t["parent"] + "."), tid
        assert all(re.fullmatch(r"\d{4}", pc) for pc in t["postal_codes"]), tid
        lat0, lat1, lon0, lon1 = REGION_BBOX[_commune_of(tid)]
        assert lat0 <= t["lat"] <= lat1 and lon0 <= t["lon"] <= lon1, tid


def test_page_envelope(demo: dict[str, Any]) -> None:
    n = len(demo["contents"])
    assert demo["total_items"] == n == demo["size"]
    assert demo["total_pages"] == 1 and demo["page_number"] == 1
    assert demo["first_page"] is True and demo["last_page"] is True and demo["empty"] is False


def test_items_validate_against_hsds_schema(services: list[dict[str, Any]]) -> None:
    if not HSDS.is_dir():
        pytest.skip(f"HSDS 3.0 schemas not found at {HSDS} (shared/ folder absent)")
    from jsonschema import FormatChecker
    from jsonschema.validators import validator_for

    compiled = HSDS / "schema" / "compiled"
    path = compiled / "service_full.json"
    if not path.exists():
        path = compiled / "service.json"  # the compiled "full" service schema of HSDS 3.0
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = validator_for(
        schema, default=validator_for({"$schema": "https://json-schema.org/draft/2020-12/schema"})
    )
    validator = cls(schema, format_checker=FormatChecker())
    problems = [
        f"{s.get('name')}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for s in services
        for e in validator.iter_errors(s)
    ]
    assert not problems, "\n".join(problems[:20])


def test_volume(services: list[dict[str, Any]]) -> None:
    assert len(services) >= 80
    assert len(_organizations(services)) >= 40
    ids = [s["id"] for s in services]
    assert len(ids) == len(set(ids))
    statuses = Counter(s["status"] for s in services)
    assert statuses["temporarily closed"] >= 1 and statuses["inactive"] >= 1


def test_embedded_objects_are_identical(services: list[dict[str, Any]]) -> None:
    seen: dict[str, str] = {}
    for s in services:
        assert s["organization_id"] == s["organization"]["id"]
        objs = [s["organization"]] + [sal["location"] for sal in s["service_at_locations"]]
        for obj in objs:
            dump = json.dumps(obj, sort_keys=True)
            first = seen.setdefault(obj["id"], dump)
            assert first == dump, f"{obj['name']} differs between services"
    orgs = _organizations(services)
    for org in orgs.values():
        parent = org.get("parent_organization_id")
        assert parent is None or parent in orgs, f"parent of {org['name']} not in the file"


def test_enterprise_numbers(services: list[dict[str, Any]]) -> None:
    numbers = []
    for org in _organizations(services).values():
        idents = [
            i
            for i in org.get("organization_identifiers", [])
            if i.get("identifier_scheme") == "BE-BCE_KBO"
        ]
        assert len(idents) == 1, org["name"]
        assert idents[0]["identifier_type"] == "enterprise_number"
        assert _valid_enterprise_number(idents[0]["identifier"]), idents[0]["identifier"]
        numbers.append(idents[0]["identifier"])
    assert len(numbers) == len(set(numbers))


def test_service_attributes(services: list[dict[str, Any]]) -> None:
    allowed = {
        "boussole:themes": set(THEMES),
        "boussole:service-type": SERVICE_TYPES,
        "boussole:audience": AUDIENCES,
        "boussole:access": ACCESS,
        "boussole:capacity": CAPACITY,
        "boussole:public-holidays": {"closed", "open"},
    }
    for s in services:
        attrs = s["attributes"]
        for a in attrs:
            tax = a["taxonomy_term"]["taxonomy"]
            assert tax in allowed, f"{s['name']}: unexpected taxonomy {tax}"
            assert a["taxonomy_term"]["code"] in allowed[tax], (s["name"], tax, a["taxonomy_term"])
            assert a["link_id"] == s["id"] and a["link_type"] == "service"
            assert a["taxonomy_term_id"] == a["taxonomy_term"]["id"]
        assert 1 <= len(_codes(attrs, "boussole:themes")) <= 3, s["name"]
        assert len(_codes(attrs, "boussole:service-type")) == 1, s["name"]
        capacity = [a for a in attrs if a["taxonomy_term"]["taxonomy"] == "boussole:capacity"]
        assert len(capacity) <= 1
        for a in capacity:
            assert ISO_UTC.fullmatch(a["value"]), a
        assert ISO_DATE.fullmatch(s["assured_date"]) and s["assured_date"].startswith("2026")
        for lang in s.get("languages", []):
            assert re.fullmatch(r"[a-z]{2}", lang["code"]), lang


def test_organisation_attributes_and_contacts(services: list[dict[str, Any]]) -> None:
    for org in _organizations(services).values():
        kinds = _codes(org["attributes"], "boussole:organisation-kind")
        assert len(kinds) == 1 and kinds[0] in ORG_KINDS, org["name"]
        assert set(_codes(org["attributes"], "boussole:network")) <= NETWORKS, org["name"]
        for a in org["attributes"]:
            assert a["taxonomy_term"]["taxonomy"] in ORG_TAXONOMIES
            assert a["link_id"] == org["id"]
        assert org["description"].endswith(" (Coordonnées fictives — données de démonstration.)")
        assert re.fullmatch(r"[^@\s]+@example\.(org|be)", org["email"]), org["email"]
        assert org["website"].startswith("https://example.org/")
        for p in org.get("phones", []):
            assert re.fullmatch(r"\+32(64|10)\d{6}", p["number"]), p["number"]
    for s in services:
        if "email" in s:
            assert re.fullmatch(r"[^@\s]+@example\.(org|be)", s["email"]), s["email"]
        if "url" in s:
            assert s["url"].startswith("https://example.org/")
        for p in s.get("phones", []):
            assert re.fullmatch(r"\+32(64|10)\d{6}", p["number"]), p["number"]


def test_locations(services: list[dict[str, Any]]) -> None:
    for loc in _locations(services).values():
        territories = _codes(loc["attributes"], "boussole:territory")
        assert len(territories) == 1, f"{loc['name']}: needs exactly one boussole:territory"
        tid = territories[0]
        assert tid in TERRITORIES, tid
        wheel = _codes(loc["attributes"], "boussole:wheelchair")
        assert len(wheel) <= 1 and set(wheel) <= WHEELCHAIR, loc["name"]
        if loc["location_type"] != "physical":
            continue
        lat, lon = loc["latitude"], loc["longitude"]
        lat0, lat1, lon0, lon1 = REGION_BBOX[_commune_of(tid)]
        assert lat0 <= lat <= lat1 and lon0 <= lon <= lon1, f"{loc['name']} outside {tid}"
        section = TERRITORIES[_section_of(tid)]
        assert abs(lat - section["lat"]) <= SECTION_TOLERANCE, loc["name"]
        assert abs(lon - section["lon"]) <= SECTION_TOLERANCE, loc["name"]
        (address,) = loc["addresses"]
        assert address["country"] == "BE"
        assert address["postal_code"] in section["postal_codes"], loc["name"]


def test_schedules(services: list[dict[str, Any]]) -> None:
    kinds: Counter[str] = Counter()
    for s in services:
        for sal in s["service_at_locations"]:
            for sc in sal["schedules"]:
                if "freq" not in sc:
                    # a dated closure: a period and a message, no hours
                    assert "opens_at" not in sc and "closes_at" not in sc, sc
                    assert ISO_DATE.fullmatch(sc["valid_from"]), sc
                    assert ISO_DATE.fullmatch(sc["valid_to"]), sc
                    assert sc["valid_from"] <= sc["valid_to"] and sc.get("description"), sc
                    kinds["closure"] += 1
                    continue
                assert sc["freq"] in {"WEEKLY", "MONTHLY"}
                # HH:MM local time; closes_at 24:00 is the end of the day (00:00-24:00 = 24 h)
                assert HHMM.fullmatch(sc["opens_at"]), sc
                assert HHMM.fullmatch(sc["closes_at"]) or sc["closes_at"] == "24:00", sc
                day = r"(?:MO|TU|WE|TH|FR|SA|SU)"
                if sc["freq"] == "WEEKLY":
                    assert re.fullmatch(rf"{day}(?:,{day})*", sc["byday"]), sc
                else:
                    assert re.fullmatch(rf"-?[1-5]{day}(?:,-?[1-5]{day})*", sc["byday"]), sc
                    kinds["monthly"] += 1
                if sc["closes_at"] < sc["opens_at"]:  # overnight, e.g. a night shelter
                    kinds["overnight"] += 1
                if "valid_from" in sc:
                    assert sc["valid_from"] <= sc["valid_to"]
                    kinds["seasonal"] += 1
    assert all(kinds[k] > 0 for k in ("closure", "monthly", "overnight", "seasonal")), kinds
