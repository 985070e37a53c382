"""Checks that need more than a type: enterprise numbers, hours, references to other records."""

from __future__ import annotations

import re
from collections.abc import Iterable
from uuid import UUID

import asyncpg

from schemas.common import FieldError
from service.hours import hours_error

_SEPARATORS = re.compile(r"[\s.\-/]")


def enterprise_number_error(text: str) -> str | None:
    """Why a BCE/KBO enterprise number is wrong, or None when it is right."""
    digits = _SEPARATORS.sub("", text).upper().removeprefix("BE")
    if not re.fullmatch(r"[01][0-9]{9}", digits):
        return "must be 10 digits starting with 0 or 1, e.g. 0207.446.574"
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        return "has wrong check digits (the last two must be 97 minus the first eight modulo 97)"
    return None


def normalise_enterprise_number(text: str) -> str:
    """The 10 digits of a valid enterprise number, as stored."""
    return _SEPARATORS.sub("", text).upper().removeprefix("BE")


def format_enterprise_number(digits: str | None) -> str | None:
    """0212345678 → 0212.345.678, the way Belgians write it."""
    if not digits:
        return None
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


# '+32 (0)470 …': the trunk 0 in brackets after a country code is not dialled from abroad.
_BRACKETED_TRUNK = re.compile(r"^([^\d+(]*(?:\+|00)\s*[1-9][0-9]{0,2}\s*)\(\s*0\s*\)")
# After +32: a mobile's 9 digits from 4, or 8 digits from neither 0 nor 4 (fixed lines,
# free and premium numbers).
_BELGIAN_NATIONAL = re.compile(r"4[0-9]{8}|[1-35-9][0-9]{7}")


def phone_e164(text: object) -> str | None:
    """A phone number as people write it ('064/27.78.11', '+32 470 …', '0032 …',
    '+32 (0)470 …') in E.164.

    A leading single 0 is a Belgian national number. None when it cannot be a number,
    or cannot be a Belgian one though it starts with +32 (e.g. '+32 0470 …').
    """
    digits = re.sub(r"[^\d+]", "", _BRACKETED_TRUNK.sub(r"\1", str(text or "")))
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("0"):
        digits = "+32" + digits[1:]
    if not re.fullmatch(r"\+[1-9][0-9]{6,14}", digits):
        return None
    if digits.startswith("+32") and not _BELGIAN_NATIONAL.fullmatch(digits[3:]):
        return None
    return digits


NOT_BELGIAN = (
    "is not a Belgian phone number: after +32 come 8 digits, or 9 for a mobile, "
    "without the 0 dialled within Belgium"
)


def check_phones(errors: Errors, field: str, numbers: Iterable[str]) -> None:
    """Add an error for each number in E.164 that starts with +32 but cannot be Belgian."""
    for i, number in enumerate(numbers):
        if phone_e164(number) != number:
            errors.add(f"{field}[{i}].number", NOT_BELGIAN)


# Belgian zones of one digit (Brussels, Antwerp, Liège, Ghent); the other zones have two.
_ONE_DIGIT_ZONES = "2349"


def phone_national(number: str) -> str:
    """A Belgian number in E.164 the way Belgians write and dial it: '+3264511904' →
    '064 51 19 04', '+32470123456' → '0470 12 34 56', '+3222223344' → '02 222 33 44',
    '+3280012345' → '0800 12 345'. Other countries' numbers stay as they are."""
    rest = number.removeprefix("+32")
    if rest == number or not rest.isdigit():
        return number
    if len(rest) == 9 and rest[0] == "4":  # mobile
        return f"0{rest[:3]} {rest[3:5]} {rest[5:7]} {rest[7:]}"
    if len(rest) != 8:
        return number
    if rest.startswith(("800", "90")):  # free and premium numbers
        return f"0{rest[:3]} {rest[3:5]} {rest[5:]}"
    if rest[0] in _ONE_DIGIT_ZONES:
        return f"0{rest[0]} {rest[1:4]} {rest[4:6]} {rest[6:]}"
    return f"0{rest[:2]} {rest[2:4]} {rest[4:6]} {rest[6:]}"


class Errors:
    """Field errors gathered while checking one request, reported together."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(FieldError(field, message))

    def extend(self, items: list[FieldError]) -> None:
        self.items.extend(items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        from service.errors import InvalidInput

        if self.items:
            raise InvalidInput(self.items)


def check_hours(errors: Errors, field: str, expression: str | None) -> None:
    if expression is not None:
        problem = hours_error(expression)
        if problem:
            errors.add(field, problem)


async def check_references(
    conn: asyncpg.Connection,
    errors: Errors,
    query: str,
    field: str,
    wanted: Iterable[tuple[str, UUID | str]],
    what: str,
) -> None:
    """Add an error for each wanted id (with its field path) that the query does not find."""
    wanted = list(wanted)
    if not wanted:
        return
    found = set(await conn.fetchval(query, list({value for _, value in wanted})))
    for path, value in wanted:
        if value not in found:
            errors.add(path or field, f"unknown {what} {value!s}")
