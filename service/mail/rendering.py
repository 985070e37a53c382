"""Rendering a mail from its three templates (subject, plain text, HTML) in one language."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

EMAIL_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
LANGUAGES = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class RenderedMail:
    """A mail ready to store: the language actually used, subject and both bodies."""

    language: str
    subject: str
    text: str
    html: str


def _environment(directory: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(directory),
        # Only the HTML body is escaped; subject and text are plain text.
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,
    )


_ENV = _environment(EMAIL_TEMPLATES)


def render_mail(
    template: str, language: str, context: dict[str, Any], *, env: Environment | None = None
) -> RenderedMail:
    """Render `template` in `language`, or in French when that language has no templates."""
    if not _NAME.match(template):
        raise ValueError(f"mail template names are lower-case identifiers, not {template!r}")
    env = env or _ENV
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    try:
        env.get_template(f"{template}.{chosen}.subject")
    except TemplateNotFound:
        chosen = DEFAULT_LANGUAGE
    variables = {**context, "language": chosen}
    subject = env.get_template(f"{template}.{chosen}.subject").render(variables)
    text = env.get_template(f"{template}.{chosen}.txt").render(variables)
    html = env.get_template(f"{template}.{chosen}.html").render(variables)
    # A subject is one header line: folding newlines also prevents header injection.
    subject = " ".join(subject.split())
    return RenderedMail(chosen, subject, text, html)
