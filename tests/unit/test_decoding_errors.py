"""msgspec's decoding messages as the field at fault, by its whole dotted path."""

from __future__ import annotations

import msgspec
import pytest

from schemas.common import FieldError
from schemas.referrals import ReferralIn
from service.errors import decoding_error


def _error_of(body: dict[str, object]) -> str:
    with pytest.raises(msgspec.ValidationError) as raised:
        msgspec.convert(body, ReferralIn)
    return str(raised.value)


SERVICE = "00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"service_id": SERVICE}, "reason"),
        (
            {"service_id": SERVICE, "reason": "x", "beneficiary": {"first_name": "A"}},
            "beneficiary.last_name",
        ),
        (
            {
                "service_id": SERVICE,
                "reason": "x",
                "beneficiary": {"first_name": "A", "last_name": "B", "nmae": "C"},
            },
            "beneficiary.nmae",
        ),
        ({"service_id": SERVICE, "reason": 5}, "reason"),
        ({"service_id": SERVICE, "reason": "x", "languages": ["fr", 3]}, "languages[1]"),
    ],
)
def test_the_field_is_the_whole_path(body: dict[str, object], field: str) -> None:
    assert decoding_error(_error_of(body)).field == field


def test_litestar_gives_the_path_apart() -> None:
    # Litestar cuts " - at `$.beneficiary`" off the message and says it as the key.
    message = "Object missing required field `last_name`"
    assert decoding_error(message, at="beneficiary") == FieldError("beneficiary.last_name", message)
    assert decoding_error(message) == FieldError("last_name", message)
    assert decoding_error("Expected `int`, got `str`", fallback="limit").field == "limit"
    assert decoding_error("Expected `int`, got `str`").field == "body"
