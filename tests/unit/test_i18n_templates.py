"""What the pages' templates get from service.i18n: messages, plurals and French punctuation."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from service import i18n

TEMPLATE = '{{ _("Price") }}{{ colon() }} 2 € · {{ ngettext("1 active", "%(num)s active", count) }}'


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("fr", 1, "Prix\u202f: 2 € · 1 actif"),
        ("fr", 3, "Prix\u202f: 2 € · 3 actifs"),
        ("nl", 1, "Prijs: 2 € · 1 actief"),
        ("en", 2, "Price: 2 € · 2 active"),
    ],
)
def test_labels_and_counts_read_right_in_each_language(
    language: str, count: int, expected: str
) -> None:
    env = Environment(autoescape=True)
    i18n.install(env)
    rendered = env.from_string(TEMPLATE).render(language=language, count=count)
    assert rendered == expected
