"""BCE/KBO enterprise numbers: 10 digits, the last two are 97 minus the first eight mod 97."""

from __future__ import annotations

import pytest

from service.catalogue.validation import (
    enterprise_number_error,
    format_enterprise_number,
    normalise_enterprise_number,
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
