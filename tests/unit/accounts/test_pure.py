"""Pure pieces of accounts and mail: rendering, backoff, SMTP URLs, tokens, languages."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from service.accounts.csrf import derive
from service.accounts.passwords import password_problem
from service.accounts.throttle import subject
from service.i18n import _accepted
from service.mail.rendering import _environment, render_mail
from service.mail.sender import LONGEST_RETRY, retry_delay
from service.mail.smtp import OutgoingMail, build_message, parse_smtp_url
from service.web.workspace import AFTER_LOGIN, safe_next

LINK = {"link_url": "https://b.example/workspace/login/link/t", "minutes": 15}


def test_mails_render_in_each_language_with_both_bodies() -> None:
    for language, word in (("fr", "connexion"), ("nl", "aanmeldlink"), ("en", "sign-in")):
        mail = render_mail("login_link", language, LINK)
        assert mail.language == language
        assert word in mail.subject.lower()
        assert LINK["link_url"] in mail.text and LINK["link_url"] in mail.html
        assert f'<html lang="{language}">' in mail.html


def test_html_bodies_are_escaped_and_text_bodies_are_not(tmp_path: Path) -> None:
    for suffix in ("subject", "txt", "html"):
        (tmp_path / f"note.fr.{suffix}").write_text("{{ who }}\n", encoding="utf-8")
    env = _environment(tmp_path)
    mail = render_mail("note", "nl", {"who": "Tom & <Jerry>\nBcc: x"}, env=env)
    assert mail.language == "fr"  # no Dutch files: French
    assert mail.text == "Tom & <Jerry>\nBcc: x\n"
    assert mail.html == "Tom &amp; &lt;Jerry&gt;\nBcc: x\n"
    assert mail.subject == "Tom & <Jerry> Bcc: x"  # one line: no header injection


def test_a_missing_variable_fails_at_queue_time() -> None:
    with pytest.raises(UndefinedError):
        render_mail("login_link", "fr", {"minutes": 15})
    with pytest.raises(ValueError):
        render_mail("../secrets", "fr", {})


def test_retries_wait_longer_each_time_up_to_a_limit() -> None:
    assert retry_delay(1) == timedelta(minutes=1)
    assert retry_delay(2) == timedelta(minutes=2)
    assert retry_delay(5) == timedelta(minutes=16)
    assert retry_delay(50) == LONGEST_RETRY


def test_smtp_urls() -> None:
    plain = parse_smtp_url("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.security, plain.username) == (
        "127.0.0.1",
        2525,
        "none",
        None,
    )
    tls = parse_smtp_url("smtps://user%40x:p%3Ass@mail.example")
    assert (tls.port, tls.security, tls.username, tls.password) == (465, "tls", "user@x", "p:ss")
    assert parse_smtp_url("smtp+starttls://mail.example").port == 587
    with pytest.raises(ValueError):
        parse_smtp_url("http://mail.example")


def test_a_message_has_text_and_html_alternatives() -> None:
    message = build_message(
        OutgoingMail("a@example.org", "Sujet", "texte", "<p>html</p>"),
        "Boussole <noreply@boussole.example>",
    )
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Message-ID"].endswith("@boussole.example>")


def test_only_local_paths_are_followed_after_sign_in() -> None:
    assert safe_next("/workspace/referrals?box=inbox") == "/workspace/referrals?box=inbox"
    for bad in ("https://evil.example", "//evil.example", "/\\evil.example", None, "", "/a\r\nb"):
        assert safe_next(bad) == AFTER_LOGIN


def test_csrf_tokens_depend_on_the_secret_cookie() -> None:
    assert derive("session-a") == derive("session-a")
    assert derive("session-a") != derive("session-b")
    assert "session-a" not in derive("session-a")


def test_throttling_subjects_hold_no_address_in_clear() -> None:
    assert subject("account", "Marie@Example.org ") == subject("account", "marie@example.org")
    assert b"marie" not in subject("account", "marie@example.org")
    assert subject("account", "x") != subject("address", "x")


def test_passwords() -> None:
    assert password_problem("short") == "too_short"
    assert password_problem("a" * 2000) == "too_long"
    assert password_problem("marie@example.org", "Marie@example.org") == "same_as_email"
    assert password_problem("une phrase facile à retenir") is None


def test_languages() -> None:
    assert _accepted("nl-BE,nl;q=0.9,fr;q=0.8") == "nl"
    assert _accepted("de-DE, en;q=0.5, fr;q=0.7") == "fr"
    assert _accepted("de, es") is None


@pytest.mark.parametrize(("language", "word"), [("fr", "jamais"), ("nl", "nooit"), ("en", "never")])
def test_the_reminder_renders_in_every_language(language: str, word: str) -> None:
    mail = render_mail(
        "verification_reminder",
        language,
        {
            "organisation": "Épicerie <sociale>",
            "services": [
                {"name": "Colis", "last_verified_on": None, "edit_url": "https://b.example/e/1"},
                {
                    "name": "Douches & lavoir",
                    "last_verified_on": date(2026, 1, 31),
                    "edit_url": "https://b.example/e/2",
                },
            ],
            "months": 6,
            "workspace_url": "https://b.example/workspace/",
        },
    )
    assert mail.subject.startswith("Boussole") and "2" in mail.subject
    assert word in mail.text and "31/01/2026" in mail.text and "https://b.example/e/2" in mail.text
    assert "Épicerie &lt;sociale&gt;" in mail.html and "Douches &amp; lavoir" in mail.html


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("fr", "les horaires sont faux"),
        ("nl", "openingsuren kloppen niet"),
        ("en", "hours are wrong"),
    ],
)
def test_the_report_mail_renders_in_every_language(language: str, label: str) -> None:
    mail = render_mail(
        "service_report",
        language,
        {
            "service_name": "Épicerie <sociale>",
            "organisation": "CPAS",
            "kind": "hours",
            "details": "Fermé le mercredi & le jeudi",
            "service_url": "https://b.example/services/1",
            "edit_url": "https://b.example/workspace/services/1/edit",
            "workspace_url": "https://b.example/workspace/",
        },
    )
    assert "Épicerie <sociale>" in mail.subject
    assert label in mail.text and label in mail.html
    assert "Fermé le mercredi & le jeudi" in mail.text
    assert "Fermé le mercredi &amp; le jeudi" in mail.html
    assert "https://b.example/workspace/services/1/edit" in mail.html
