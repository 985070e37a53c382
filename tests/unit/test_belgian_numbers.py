"""Belgian identifiers people type: BCE/KBO enterprise numbers (the last two digits are 97
minus the first eight modulo 97) and phone numbers."""

from __future__ import annotations

import pytest

from service.catalogue.validation import (
    enterprise_number_error,
    format_enterprise_number,
    normalise_enterprise_number,
    phone_e164,
)


@pytest.mark.parametrize("text", ["0207.446.574", "BE 0207.446.574", "0207446574", "0207.446.574"])
def test_valid_numbers_in_every_usual_form(text: str) -> None:
    assert 97 - 2074465 % 97 == 74
    assert enterprise_number_error(text) is None
    assert normalise_enterprise_number(text) == "0207446574"
    assert format_enterprise_number("0207446574") == "0207.446.574"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0207.446.575", "check digits"),
        ("2207.446.574", "10 digits starting with 0 or 1"),
        ("207.446.574", "10 digits"),
        ("0207.446.57a", "10 digits"),
    ],
)
def test_invalid_numbers_say_why(text: str, reason: str) -> None:
    problem = enterprise_number_error(text)
    assert problem is not None and reason in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("064/27.78.11", "+3264277811"),
        ("0470 12 34 56", "+32470123456"),
        ("+32 10 47 11 11", "+3210471111"),
        ("0032 64 27 78 11", "+3264277811"),
        ('"+44 1234 234567"', "+441234234567"),
        ("appelez-nous", None),
        ("12", None),
    ],
)
def test_phone_numbers_as_people_write_them(text: str, expected: str | None) -> None:
    assert phone_e164(text) == expected
