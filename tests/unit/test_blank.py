"""Required texts that show nothing are as empty as none."""

from __future__ import annotations

import pytest

from schemas.common import FieldError
from service.errors import BLANK, blank_fields


@pytest.mark.parametrize(
    "text",
    ["", " ", "\t\n", "\u00a0", "\u200b", "\u200c\u200d", "\u2060", "\ufeff", " \u200b\u3000"],
)
def test_spaces_and_invisible_characters_are_blank(text: str) -> None:
    assert blank_fields({"first_name": text}) == [FieldError("first_name", BLANK)]


@pytest.mark.parametrize("text", ["Awa", "\u200bAwa", "李", "👩\u200d👩"])
def test_a_text_that_shows_something_is_not(text: str) -> None:
    assert blank_fields({"first_name": text}) == []
