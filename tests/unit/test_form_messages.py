"""What a workspace page says about a field the API or msgspec refused: a message of the
catalogues, in French and Dutch, never the API's English (`Expected `int` <= 130`)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest

from schemas.catalogue import OrganisationIn, PlaceIn, ServiceIn
from schemas.referrals import ReferralIn
from service.catalogue.services import FREE_WITH_A_PRICE
from service.catalogue.validation import NOT_BELGIAN
from service.errors import BLANK, NUL
from service.i18n import translate
from service.web.workspace_common import decoding_errors, field_errors, message_id

ORG = str(uuid.uuid4())
SERVICE = {"organisation_id": ORG, "name": "Colis", "type": "material_aid"}
ORGANISATION = {"name": "Les Restos du Cœur", "kind": "association"}
PLACE = {"name": "Maison", "street": "Rue 1", "postal_code": "7100", "commune": "La Louvière"}
REFERRAL = {"service_id": str(uuid.uuid4()), "reason": "Colis"}


def _refused(type_: type[Any], data: dict[str, Any]) -> str:
    with pytest.raises(msgspec.ValidationError) as error:
        msgspec.convert(data, type_)
    return str(error.value)


DECODED = [
    (ServiceIn, {**SERVICE, "age_max": 200}),
    (ServiceIn, {**SERVICE, "age_min": -1}),
    (ServiceIn, {**SERVICE, "age_min": "douze"}),
    (ServiceIn, {**SERVICE, "name": ""}),
    (ServiceIn, {**SERVICE, "name": "x" * 301}),
    (ServiceIn, {**SERVICE, "price": "x" * 301}),
    (ServiceIn, {**SERVICE, "themes": [f"t{n}" for n in range(11)]}),
    (ServiceIn, {**SERVICE, "type": "soup"}),
    (ServiceIn, {**SERVICE, "email": "guichet(at)restos.be"}),
    (ServiceIn, {**SERVICE, "website": "javascript:alert(1)"}),
    (ServiceIn, {**SERVICE, "phones": [{"number": "12"}]}),
    (ServiceIn, {**SERVICE, "phones": [{"number": "+3264511904", "label": "x" * 301}]}),
    (ServiceIn, {**SERVICE, "places": [{"place_id": "nonsense"}]}),
    (ServiceIn, {**SERVICE, "places": [{"place_id": ORG, "hours_note": "x" * 301}]}),
    (ServiceIn, {**SERVICE, "last_verified_on": "2026-02-30"}),
    (ServiceIn, {**SERVICE, "free": "sometimes"}),
    (ServiceIn, {**SERVICE, "colour": "blue"}),
    (OrganisationIn, {**ORGANISATION, "kind": "charity"}),
    (OrganisationIn, {**ORGANISATION, "alternate_name": "x" * 301}),
    (OrganisationIn, {**ORGANISATION, "website": "ftp://restos.be"}),
    (OrganisationIn, {**ORGANISATION, "language": "es"}),
    (OrganisationIn, {**ORGANISATION, "parent_id": "nonsense"}),
    (PlaceIn, {**PLACE, "postal_code": "71"}),
    (PlaceIn, {**PLACE, "wheelchair": "perhaps"}),
    (PlaceIn, {**PLACE, "latitude": 95.0, "longitude": 4.0}),
    (ReferralIn, {**REFERRAL, "reason": "x" * 1001}),
    (ReferralIn, {**REFERRAL, "place_id": "nonsense"}),
    (ReferralIn, {**REFERRAL, "availability": "x" * 301}),
    (ReferralIn, {**REFERRAL, "urgency": "now"}),
    (ReferralIn, {"service_id": REFERRAL["service_id"]}),
    (ReferralIn, {**REFERRAL, "beneficiary": {"first_name": "Fatima"}}),
]


@pytest.mark.parametrize(("type_", "data"), DECODED)
def test_msgspec_messages_become_translated_messages(type_: type[Any], data: Any) -> None:
    english = _refused(type_, data)
    said = field_errors(decoding_errors(msgspec.ValidationError(english)))
    [(field, message)] = said.items()
    assert "[" not in field and "." not in field, field  # the form's field, not a path
    assert message != english
    for language in ("fr", "nl"):
        assert translate(message, language) != message, (english, message, language)


API_MESSAGES = [
    FREE_WITH_A_PRICE,
    NOT_BELGIAN,
    BLANK,
    NUL,
    "must not be below age_min",
    "lists a theme twice",
    "unknown theme food.nothing",
    "unknown place 6d3c…",
    "must not be after today",
    "the service is already held at this place",
    "the service is not held at this place",
    "this service no longer exists; choose another one",
    "you belong to several organisations: say which one sends",
    "a message nobody planned for",
    "must be 10 digits starting with 0 or 1, e.g. 0207.446.574",
    "has wrong check digits (the last two must be 97 minus the first eight modulo 97)",
    "would make the organisation its own ancestor",
    "must use https: webhooks go to the organisation's public system",
    "points to a loopback, private, link-local, multicast or reserved address: webhooks go …",
    "has a host name that does not resolve: webhooks go to the organisation's public system",
    "must not carry a user name or password: webhooks go to the organisation's public system",
    "has no host: webhooks go to the organisation's public system",
    "has an invalid port: webhooks go to the organisation's public system",
]


@pytest.mark.parametrize("english", API_MESSAGES)
def test_api_messages_become_translated_messages(english: str) -> None:
    message = message_id(english)
    for language in ("fr", "nl"):
        assert translate(message, language) != message, (english, message, language)


def test_a_message_of_the_pages_stays_as_it_is() -> None:
    assert message_id("This field is required.") == "This field is required."
