"""The referral as a page for the two organisations' workers: the link mails point to.

A read-only view of what `GET /api/v1/referrals/{id}` returns; reading it is logged like
any read of the person's data. Answers are given through the API (or the workspace).
"""

from __future__ import annotations

from schemas.referrals import Referral
from service.hours import local
from service.referrals.slip import PAGES

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Orientation",
        "status": "Statut",
        "service": "Service",
        "from": "De",
        "to": "Vers",
        "sent": "Envoyée le",
        "expires": "Expire le",
        "person": "Personne",
        "anonymous": "Orientation anonyme : la personne présente la référence.",
        "erased": "Les données personnelles ont été effacées.",
        "reason": "Motif",
        "phone": "Téléphone",
        "email": "E-mail",
        "contact": "Contact souhaité",
        "languages": "Langues",
        "availability": "Disponibilités",
        "eligibility": "Critères vérifiés",
        "timeline": "Historique",
        "slip": "Imprimer le papier pour la personne",
        "urgent": "Urgent",
        "sent_status": "envoyée",
        "accepted": "acceptée",
        "declined": "refusée",
        "redirected": "réorientée",
        "closed": "clôturée",
        "cancelled": "annulée",
        "expired": "expirée",
    },
    "nl": {
        "title": "Doorverwijzing",
        "status": "Status",
        "service": "Dienst",
        "from": "Van",
        "to": "Naar",
        "sent": "Verstuurd op",
        "expires": "Verloopt op",
        "person": "Persoon",
        "anonymous": "Anonieme doorverwijzing: de persoon toont de referentie.",
        "erased": "De persoonsgegevens zijn gewist.",
        "reason": "Reden",
        "phone": "Telefoon",
        "email": "E-mail",
        "contact": "Gewenst contact",
        "languages": "Talen",
        "availability": "Beschikbaarheid",
        "eligibility": "Nagegane voorwaarden",
        "timeline": "Tijdlijn",
        "slip": "Papier voor de persoon afdrukken",
        "urgent": "Dringend",
        "sent_status": "verstuurd",
        "accepted": "aanvaard",
        "declined": "geweigerd",
        "redirected": "doorgestuurd",
        "closed": "afgesloten",
        "cancelled": "geannuleerd",
        "expired": "verlopen",
    },
    "en": {
        "title": "Referral",
        "status": "Status",
        "service": "Service",
        "from": "From",
        "to": "To",
        "sent": "Sent on",
        "expires": "Expires on",
        "person": "Person",
        "anonymous": "Anonymous referral: the person brings the reference.",
        "erased": "The personal data has been erased.",
        "reason": "Reason",
        "phone": "Phone",
        "email": "E-mail",
        "contact": "Preferred contact",
        "languages": "Languages",
        "availability": "Availability",
        "eligibility": "Criteria checked",
        "timeline": "Timeline",
        "slip": "Print the slip for the person",
        "urgent": "Urgent",
        "sent_status": "sent",
        "accepted": "accepted",
        "declined": "declined",
        "redirected": "redirected",
        "closed": "closed",
        "cancelled": "cancelled",
        "expired": "expired",
    },
}


def status_label(status: str, language: str) -> str:
    labels = LABELS[language]
    return labels["sent_status"] if status == "sent" else labels[status]


def render_page(referral: Referral, language: str) -> str:
    """The referral page in `language` (fr, nl or en)."""
    return PAGES.get_template("detail.html").render(
        lang=language,
        t=LABELS[language],
        r=referral,
        status=status_label(referral.status, language),
        when=lambda moment: local(moment).strftime("%d/%m/%Y %H:%M"),
    )
