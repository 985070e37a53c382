"""Addresses in what organisations write become links, and nothing else does: the text stays
escaped, and a link goes only to http, https or mailto."""

from __future__ import annotations

import pytest

from service.web.templating import linked


def link(href: str, shown: str) -> str:
    return f'<a href="{href}" rel="nofollow noopener">{shown}</a>'


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        (
            "Inscription sur https://example.be/aide.",
            f"Inscription sur {link('https://example.be/aide', 'https://example.be/aide')}.",
        ),
        (
            "Voir www.cpas.be, ou écrivez à info@cpas.be.",
            f"Voir {link('https://www.cpas.be', 'www.cpas.be')}, ou écrivez à "
            f"{link('mailto:info@cpas.be', 'info@cpas.be')}.",
        ),
        # A closing bracket ends the sentence, unless the address opened one.
        (
            "(voir http://example.be/a) et (https://fr.wikipedia.org/wiki/CPAS_(Belgique))",
            f"(voir {link('http://example.be/a', 'http://example.be/a')}) et "
            f"({link('https://fr.wikipedia.org/wiki/CPAS_(Belgique)', 'https://fr.wikipedia.org/wiki/CPAS_(Belgique)')})",
        ),
        (
            "https://example.be/?a=1&b=2",
            link("https://example.be/?a=1&amp;b=2", "https://example.be/?a=1&amp;b=2"),
        ),
        ("Plain text, no address: 10 h.", "Plain text, no address: 10 h."),
        ("", ""),
    ],
)
def test_web_and_mail_addresses_become_links(written: str, shown: str) -> None:
    assert str(linked(written)) == shown


def test_nothing_else_becomes_a_link_or_markup() -> None:
    written = (
        '<script>alert(1)</script> <a href="javascript:alert(2)">x</a> javascript:alert(3) '
        'JAVASCRIPT://evil data:text/html,<b>hi</b> https://ok.example/"onmouseover=alert(4)'
    )
    shown = str(linked(written))
    assert "<script" not in shown and "<b>" not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    hrefs = [part.split('"')[0] for part in shown.split('href="')[1:]]
    assert hrefs == ["https://ok.example/"]
    # The quote that ends the address is text, escaped: no attribute is added to the link.
    assert link("https://ok.example/", "https://ok.example/") + "&#34;onmouseover" in shown
