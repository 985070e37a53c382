"""Belgian identifiers people type: BCE/KBO enterprise numbers (the last two digits are 97
minus the first eight modulo 97) and phone numbers."""

from __future__ import annotations

import pytest

from service.catalogue.validation import (
    enterprise_number_error,
    format_enterprise_number,
    normalise_enterprise_number,
    phone_e164,
    phone_national,
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


def test_the_example_a_wrong_number_is_shown_is_a_valid_number() -> None:
    # Someone who copies the example must not be told its check digits are wrong.
    problem = enterprise_number_error("12345")
    assert problem is not None
    example = problem.rsplit("e.g. ", 1)[1]
    assert enterprise_number_error(example) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("064/27.78.11", "+3264277811"),
        ("0470 12 34 56", "+32470123456"),
        ("+32 10 47 11 11", "+3210471111"),
        ("0032 64 27 78 11", "+3264277811"),
        ('"+44 1234 234567"', "+441234234567"),
        # the trunk 0 in brackets is not dialled after the country code
        ("+32 (0)470 11 22 33", "+32470112233"),
        ("0032 (0)64 27 78 11", "+3264277811"),
        ("+32(0)2 222 33 44", "+3222223344"),
        ("+44 (0)20 7946 0018", "+442079460018"),
        ("(064) 27 78 11", "+3264277811"),
        # +32 followed by what no Belgian number is
        ("+32 0470 11 22 33", None),
        ("+320470112233", None),
        ("0032 0470 11 22 33", None),
        ("+32 470 11 22 3", None),
        ("+32 64 27 78 11 1", None),
        ("appelez-nous", None),
        ("12", None),
    ],
)
def test_phone_numbers_as_people_write_them(text: str, expected: str | None) -> None:
    assert phone_e164(text) == expected


@pytest.mark.parametrize(
    ("e164", "written"),
    [
        ("+3264511904", "064 51 19 04"),  # La Louvière: a zone of two digits
        ("+3210457890", "010 45 78 90"),  # Ottignies
        ("+3222223344", "02 222 33 44"),  # Brussels: a zone of one digit
        ("+3292234567", "09 223 45 67"),  # Ghent
        ("+32470123456", "0470 12 34 56"),  # mobile
        ("+3280012345", "0800 12 345"),  # free number
        ("+3290312345", "0903 12 345"),  # premium number
        ("+3270233445", "070 23 34 45"),
        ("+33145678900", "+33145678900"),  # another country: as it is
        ("+321234", "+321234"),  # not a Belgian length: as it is
        ("+32 470 12 34 56", "+32 470 12 34 56"),  # not E.164: as it is
    ],
)
def test_phone_numbers_are_shown_as_belgians_dial_them(e164: str, written: str) -> None:
    assert phone_national(e164) == written
    if written != e164:
        assert phone_e164(written) == e164  # and typed back, they are the same number
