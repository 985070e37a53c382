"""Shared pieces of the API contract: the input base, pages, phones, problems."""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

import msgspec
from msgspec import Meta


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of everything that comes in: a misspelt field is an error, not silent data loss."""


T = TypeVar("T")


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """One page of a list."""

    items: list[T]
    total: int
    limit: int
    offset: int


E164 = Annotated[
    str,
    Meta(
        pattern=r"^\+[1-9][0-9]{6,14}$", description="Phone number in E.164 form, e.g. +3264221111"
    ),
]
PhoneKind = Literal["voice", "mobile", "fax", "text", "helpline"]
ShortText = Annotated[str, Meta(max_length=300)]
LongText = Annotated[str, Meta(max_length=10_000)]
Email = Annotated[str, Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
Url = Annotated[str, Meta(pattern=r"^https?://[^\s]+$", max_length=2000)]


class Phone(Input):
    """A phone number with what it is for."""

    number: E164
    kind: PhoneKind = "voice"
    label: ShortText = ""


class FieldError(msgspec.Struct):
    """One field at fault in a request."""

    field: str
    message: str


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """An RFC 9457 problem details body."""

    title: str
    status: int
    type: str = "about:blank"
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
