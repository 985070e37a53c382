"""The referral as a page for the two organisations' workers, signed in or with a token.

A read-only view of what `GET /api/v1/referrals/{id}` returns; reading it is logged like
any read of the person's data. Answers are given through the API or the workspace, whose
page (`/workspace/referrals/{id}`) is the one the mails link to.
"""

from __future__ import annotations

from schemas.referrals import Referral
from service.hours import local
from service.i18n import N_, SPOKEN_LANGUAGES, translate
from service.referrals.labels import CONTACTS_READ, DECLINE_REASONS, EVENTS, OUTCOMES, STATUS
from service.referrals.slip import PAGES

# English message ids, translated by the UI catalogue (service/i18n.py).
LABELS_EN: dict[str, str] = {
    "title": N_("Referral"),
    "status": N_("Status"),
    "service": N_("Service"),
    "from": N_("From"),
    "to": N_("To"),
    "sent": N_("Sent on"),
    "expires": N_("Expires on"),
    "person": N_("Person"),
    "anonymous": N_("Anonymous referral: the person brings the reference."),
    "erased": N_("The personal data has been erased."),
    "reason": N_("Reason"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "contact": N_("Preferred contact"),
    "languages": N_("Languages"),
    "availability": N_("Availability"),
    "eligibility": N_("Criteria checked"),
    "timeline": N_("Timeline"),
    "slip": N_("Print the slip for the person"),
    "urgent": N_("Urgent"),
}


def labels(language: str) -> dict[str, str]:
    """The page's labels in `language`."""
    return {key: translate(english, language) for key, english in LABELS_EN.items()}


def status_label(status: str, language: str) -> str:
    """The status as the workspace says it ("Waiting for an answer"), translated."""
    return translate(STATUS[status], language)


def render_page(referral: Referral, language: str) -> str:
    """The referral page in `language` (fr, nl or en): statuses, steps, reasons, outcomes and
    the way to contact the person in words, as the workspace shows them, never their codes."""

    def said(table: dict[str, str], code: str | None) -> str:
        return translate(table[code], language) if code in table else code or ""

    return PAGES.get_template("detail.html").render(
        lang=language,
        t=labels(language),
        r=referral,
        status=status_label(referral.status, language),
        step=lambda action: said(EVENTS, action),
        # A close's code is an outcome, any other a reason ("other" is both).
        code=lambda action, code: said(OUTCOMES if action == "close" else DECLINE_REASONS, code),
        contact=lambda way: said(CONTACTS_READ, way),
        spoken=lambda codes: ", ".join(SPOKEN_LANGUAGES.get(c, c) for c in codes),
        when=lambda moment: local(moment).strftime("%d/%m/%Y %H:%M"),
    )
