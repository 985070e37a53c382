"""A hit carries only `HIT_FIELDS` of its document (PostgreSQL reads no more for a page):
what is built from a hit is the same as from the whole document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
import pytest

from schemas.search import ExceptionDoc, GeoPoint, SearchDocument
from search.backend import FACETS, HIT_FIELDS, TZ, EngineHit
from search.results import count_facets, highlight_hit
from service.search.routes import OpeningCheck, item_from

DOCUMENT = SearchDocument(
    id="sp-1", service_id="s-1", location_id="p-1", name="Colis alimentaires du lundi",
    alternate_name="Colis", description="Distribution de colis alimentaires aux familles.",
    organisation="CPAS de La Louvière", organisation_alternate_name="CPAS",
    organisation_id="o-1", themes=["food", "food.food-parcels"],
    theme_labels=["Aide alimentaire", "Voedselhulp"], type="distribution", age_min=18,
    age_max=130, genders=["female", "male", "x"], situations=["homeless"], open_to_all=False,
    eligibility="Sur orientation", conditions="Carte d'identité", free=True, walk_in=True,
    unconditional=False, appointment_required=False, referral_only=True,
    languages=["fr", "nl"], commune="la-louviere", commune_name="La Louvière",
    section="la-louviere.haine-saint-paul", territories=["la-louviere"],
    territory_names=["La Louvière"], place_name="Antenne Haine", address="Rue de la Paix 1",
    postal_code="7100", geo=GeoPoint(lat=50.47, lng=4.18), wheelchair="limited",
    capacity_status="limited", status="active", opening_hours="Mo 09:00-12:00",
    exceptions=[ExceptionDoc(starts_on="2026-12-21", ends_on="2026-12-21", message="Fermé")],
    hours_note="Venir tôt", phone="+3264000000", content_language="fr", has_hours=True,
    open_slots=[9, 10, 11], slots_from=1, slots_until=2, refresh_at=3,
    last_verified_on="2026-11-02", updated_at=4,
)  # fmt: skip


# Values other than the defaults, so that a field a hit lacked would show.
CLOSED = msgspec.structs.replace(
    DOCUMENT, status="temporarily_closed", free=False, content_language="nl"
)


@pytest.mark.parametrize("document", [DOCUMENT, CLOSED], ids=["active", "closed"])
def test_hits_keep_what_items_facets_opening_and_highlights_read(
    document: SearchDocument,
) -> None:
    whole: dict[str, Any] = msgspec.to_builtins(document)
    hit = {name: value for name, value in whole.items() if name in HIT_FIELDS}
    assert set(FACETS) <= HIT_FIELDS
    assert len(hit) < len(whole)  # labels, territories, eligibility... stay behind
    for at in (datetime(2026, 12, 14, 10, tzinfo=TZ), datetime(2026, 12, 21, 10, tzinfo=TZ)):
        opening = OpeningCheck(at)
        highlight = highlight_hit(EngineHit(hit), "colis").highlight
        assert highlight == highlight_hit(EngineHit(whole), "colis").highlight
        assert set(highlight) == {"name", "description"}
        item = item_from(hit, highlight, 1.5, opening)
        assert item == item_from(whole, highlight, 1.5, opening)
        assert item.open is not None
    assert count_facets([hit]) == count_facets([whole])
