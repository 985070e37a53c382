"""The shape of the HSDS 3.0 fields Boussole's import reads: which are objects, lists, text or
numbers. A record is checked against it before it is read, so that `"minimum_age": "five"`,
`"schedules": "Mo-Fr"` or `"email": ["a@b.be"]` is an error naming the record and the field,
not a traceback nor a list turned into text. Fields Boussole does not read are not checked
(HSDS has many, and files carry extensions); the official schemas stay the reference.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta

Text = str | None
Age = Annotated[float, Meta(ge=0, le=130)] | None
Objects = list[dict[str, Any]] | None


class _Shape(msgspec.Struct, kw_only=True):
    """Unknown fields are allowed: HSDS records carry many Boussole does not read."""


class Phone(_Shape):
    number: str | int | None = None
    type: Text = None
    description: Text = None


class TaxonomyTerm(_Shape):
    code: Text = None
    name: Text = None
    taxonomy: Text = None
    taxonomy_detail: dict[str, Any] | None = None


class Attribute(_Shape):
    taxonomy_term: TaxonomyTerm | None = None
    value: Any = None


class Address(_Shape):
    address_1: Text = None
    address_2: Text = None
    city: Text = None
    region: Text = None
    postal_code: str | int | None = None
    country: Text = None
    address_type: Text = None


class Location(_Shape):
    id: str | None = None
    location_type: Text = None
    organization_id: Text = None
    name: Text = None
    description: Text = None
    transportation: Text = None
    latitude: float | None = None
    longitude: float | None = None
    addresses: list[Address] | None = None
    accessibility: Objects = None
    phones: list[Phone] | None = None
    attributes: list[Attribute] | None = None


class ServiceAtLocation(_Shape):
    description: Text = None
    schedules: Objects = None
    location: Location | None = None
    attributes: list[Attribute] | None = None


class Organization(_Shape):
    id: str | None = None
    name: Text = None
    alternate_name: Text = None
    description: Text = None
    website: Text = None
    url: Text = None
    email: Text = None
    parent_organization_id: Text = None
    phones: list[Phone] | None = None
    organization_identifiers: Objects = None
    attributes: list[Attribute] | None = None


class Service(_Shape):
    id: str | None = None
    name: Text = None
    alternate_name: Text = None
    description: Text = None
    url: Text = None
    email: Text = None
    status: Text = None
    application_process: Text = None
    fees_description: Text = None
    fees: Text = None
    eligibility_description: Text = None
    minimum_age: Age = None
    maximum_age: Age = None
    assured_date: Text = None
    organization: Organization | None = None
    service_at_locations: list[ServiceAtLocation] | None = None
    schedules: Objects = None
    phones: list[Phone] | None = None
    languages: Objects = None
    required_documents: Objects = None
    cost_options: Objects = None
    attributes: list[Attribute] | None = None


def shape_error(record: dict[str, Any]) -> str | None:
    """What is of the wrong kind in a service record, naming the field, or None."""
    try:
        msgspec.convert(record, Service, strict=False)
    except msgspec.ValidationError as error:
        message, _, path = str(error).partition(" - at `$")
        where = path.rstrip("`").lstrip(".")
        return f"{where or 'the record'}: {message[0].lower()}{message[1:]}"
    return None
