"""The Jinja2 configuration of the pages: translations and CSRF helpers in every template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import pass_context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup, escape

from service.accounts.csrf import FIELD, csrf_token
from service.web import i18n

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


@pass_context
def _csrf_token(context: dict[str, Any]) -> str:
    return csrf_token(context["request"])


@pass_context
def _csrf_field(context: dict[str, Any]) -> Markup:
    token = csrf_token(context["request"])
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token)}">')  # noqa: S704


def configure(engine: JinjaTemplateEngine) -> None:
    """Install translations; replace Litestar's CSRF helpers by ours (see accounts.csrf)."""
    env = engine.engine
    i18n.install(env)
    env.globals["csrf_token"] = _csrf_token
    env.globals["csrf_field"] = _csrf_field


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Templates from `templates/`, named by audience: `workspace/login.html`…"""
    return TemplateConfig(
        directory=TEMPLATES_DIR, engine=JinjaTemplateEngine, engine_callback=configure
    )
