"""The pages' Content-Security-Policy runs no inline script (service.app.SECURITY_HEADERS):
the templates hold none, and no event handler attribute either."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_holds_an_inline_script_or_an_event_handler() -> None:
    pages = list(TEMPLATES.rglob("*.html"))
    assert pages
    for template in pages:
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template
