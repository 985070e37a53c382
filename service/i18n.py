"""Translation of the UI into French, Dutch and English: gettext, English message ids.

Templates write `{{ _("Sign in") }}`, `{{ ngettext("1 active", "%(num)s active", n) }}` or
`{% trans %}…{% endtrans %}`; Python code calls `translate(message, language)` or
`translate_plural(...)`, and marks the messages of its tables with `N_`. The translations
are the .po files under `service/locale/` (read at start, no compilation step), which
translators edit with any PO editor; `pybabel extract` and `pybabel update` keep them in step
with the code (README). A message missing from a catalogue shows in English.
The language of a page: `?lang=`, else the `boussole_lang` cookie, else Accept-Language,
else French.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from jinja2 import Environment, pass_context
from litestar import Request

from service.hours import local

LANGUAGES = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_COOKIE = "boussole_lang"
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}

SPOKEN_LANGUAGES = {
    "fr": "Français",
    "nl": "Nederlands",
    "en": "English",
    "de": "Deutsch",
    "ar": "العربية",
    "es": "Español",
    "it": "Italiano",
    "pt": "Português",
    "tr": "Türkçe",
    "ro": "Română",
    "pl": "Polski",
    "ru": "Русский",
    "uk": "Українська",
}
"""Languages people ask for at the guichets, each named in itself (no translation needed)."""

LOCALE_DIR = Path(__file__).parent / "locale"
"""The gettext catalogues: `<language>/LC_MESSAGES/messages.po`, and `messages.pot`."""

EXTRACTION_KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "translate": (1,),
    "translate_plural": (1, 2),
    "_t": (2,),
}
"""The calls whose arguments are messages, for `pybabel extract -k` (README) and the test
that keeps the catalogues complete; `N_` marks a message kept in a table or a constant."""


def day_month_year(day: date | datetime | None) -> str:
    """A date the Belgian way, as pages and mails show it in every language, e.g. 23/11/2026;
    a moment is taken in Brussels time (23:30 UTC on 8/12 is already 09/12)."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = local(day).date()
    return day.strftime("%d/%m/%Y")


def N_(message: str) -> str:
    """Mark `message` for extraction where it is defined; it is translated where shown."""
    return message


def _load(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` read from its .po file (fuzzy entries left out, as msgfmt
    does); English is the message ids themselves."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


TRANSLATIONS: dict[str, gettext.NullTranslations] = {
    language: _load(language) for language in LANGUAGES
}


class Message(str):
    """A message id with the values of its placeholders, decided in the code and shown later
    on a page ("Keep it to %(limit)s characters; this text has %(length)s."): `translate`, and
    `_()` in a template, give it in the reader's language, filled in. Whole numbers are
    written as that language writes them (10 000, 10.000, 10,000)."""

    values: dict[str, Any]

    def __new__(cls, message: str, **values: Any) -> Message:
        made = super().__new__(cls, message)
        made.values = values
        return made


NUMBER_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en"}
"""How each language writes a number: Belgian French and Dutch."""


def _filled(text: str, values: Mapping[str, Any], language: str) -> str:
    locale = NUMBER_LOCALES.get(language, "en")
    return text % {
        name: format_decimal(value, locale=locale)
        if isinstance(value, int) and not isinstance(value, bool)
        else value
        for name, value in values.items()
    }


def translate(message: str, language: str) -> str:
    """The message in `language`, or the English message id when it has no translation; a
    `Message` filled in with its values."""
    translations = TRANSLATIONS.get(language)
    if not message:
        return message  # gettext("") is the catalogue's header
    text = translations.gettext(message) if translations is not None else str(message)
    if isinstance(message, Message):
        return _filled(text, message.values, language)
    return text


def translate_plural(singular: str, plural: str, n: int, language: str) -> str:
    """The form of the message for `n` in `language` (French says "0 actif", like 1)."""
    translations = TRANSLATIONS.get(language)
    if translations is None:
        return singular if n == 1 else plural
    return translations.ngettext(singular, plural, n)


def _accepted(header: str) -> str | None:
    weighted = []
    for position, part in enumerate(header.split(",")):
        code, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = code.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            weighted.append((-quality, position, primary))
    return min(weighted)[2] if weighted else None


def language_of(request: Request[Any, Any, Any]) -> str:
    """The language to answer a request in."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in LANGUAGES:
        return str(cookie)
    return _accepted(request.headers.get("accept-language", "")) or DEFAULT_LANGUAGE


def _language_in(context: Mapping[str, Any]) -> str:
    language = context.get("language")
    if language in LANGUAGES:
        return str(language)
    request = context.get("request")
    return language_of(request) if request is not None else DEFAULT_LANGUAGE


@pass_context
def _gettext(context: Mapping[str, Any], message: str) -> str:
    return translate(message, _language_in(context))


@pass_context
def _ngettext(context: Mapping[str, Any], singular: str, plural: str, n: int) -> str:
    return translate_plural(singular, plural, n, _language_in(context))


@pass_context
def current_language(context: Mapping[str, Any]) -> str:
    """The page's language, for `<html lang>` and the switcher."""
    return _language_in(context)


@pass_context
def colon(context: Mapping[str, Any]) -> str:
    """The colon after a label: French puts a narrow no-break space before it."""
    return "\u202f:" if _language_in(context) == "fr" else ":"


def install(env: Environment) -> None:
    """Give a Jinja environment `_`, `gettext`, `{% trans %}` and `current_language()`."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    env.globals["current_language"] = current_language
    env.globals["colon"] = colon
    env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
