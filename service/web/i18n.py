"""Translation of the UI (gettext-style, English message ids) into French, Dutch and English.

Templates write `{{ _("Sign in") }}` or `{% trans %}…{% endtrans %}`; Python code calls
`translate(message, language)`. A message missing from a catalogue shows in English.
The language of a page: `?lang=`, else the `boussole_lang` cookie, else Accept-Language,
else French.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, pass_context
from litestar import Request

LANGUAGES = ("fr", "nl", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_COOKIE = "boussole_lang"
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}

# English message id -> French, Dutch.
_MESSAGES: dict[str, tuple[str, str]] = {
    "Skip to content": ("Aller au contenu", "Naar de inhoud"),
    "Language": ("Langue", "Taal"),
    "Workspace": ("Espace de travail", "Werkruimte"),
    "Partner directory and guided referrals of the social network": (
        "Annuaire des partenaires et orientations du réseau social",
        "Gids van de partners en doorverwijzingen van het sociaal netwerk",
    ),
    "Sign in": ("Se connecter", "Aanmelden"),
    "Sign out": ("Se déconnecter", "Afmelden"),
    "E-mail address": ("Adresse e-mail", "E-mailadres"),
    "Password": ("Mot de passe", "Wachtwoord"),
    "Sign in with your password": (
        "Se connecter avec son mot de passe",
        "Aanmelden met uw wachtwoord",
    ),
    "Or receive a sign-in link by e-mail": (
        "Ou recevoir un lien de connexion par e-mail",
        "Of een aanmeldlink per e-mail ontvangen",
    ),
    "Send me a link": ("M'envoyer un lien", "Stuur mij een link"),
    "The e-mail address or the password is wrong.": (
        "L'adresse e-mail ou le mot de passe est incorrect.",
        "Het e-mailadres of het wachtwoord is onjuist.",
    ),
    "Too many attempts. Try again in %(minutes)s minute(s).": (
        "Trop de tentatives. Réessayez dans %(minutes)s minute(s).",
        "Te veel pogingen. Probeer opnieuw over %(minutes)s minuut/minuten.",
    ),
    "Check your mailbox": ("Consultez votre boîte mail", "Kijk in uw mailbox"),
    "If an account exists for this address, we have sent it a sign-in link. "
    "It works once, for 15 minutes.": (
        "Si un compte existe pour cette adresse, nous lui avons envoyé un lien de connexion. "
        "Il n'est valable qu'une fois, pendant 15 minutes.",
        "Als er een account bestaat voor dit adres, hebben we er een aanmeldlink naartoe "
        "gestuurd. De link werkt één keer, gedurende 15 minuten.",
    ),
    "Sign in with a link": ("Connexion par lien", "Aanmelden met een link"),
    "Press the button to sign in. The link then stops working.": (
        "Appuyez sur le bouton pour vous connecter. Le lien ne fonctionnera plus ensuite.",
        "Druk op de knop om u aan te melden. Daarna werkt de link niet meer.",
    ),
    "This link does not work any more": (
        "Ce lien ne fonctionne plus",
        "Deze link werkt niet meer",
    ),
    "It was already used or it has expired. Ask for a new one on the sign-in page.": (
        "Il a déjà été utilisé ou il a expiré. Demandez-en un nouveau sur la page de connexion.",
        "Hij werd al gebruikt of is verlopen. Vraag een nieuwe aan op de aanmeldpagina.",
    ),
    "Back to the sign-in page": ("Retour à la page de connexion", "Terug naar de aanmeldpagina"),
    "Do you want to sign out?": ("Voulez-vous vous déconnecter ?", "Wilt u zich afmelden?"),
    "You are signed out.": ("Vous êtes déconnecté.", "U bent afgemeld."),
    "Invitation": ("Invitation", "Uitnodiging"),
    "You are invited to join %(organisation)s as %(role)s.": (
        "Vous êtes invité à rejoindre %(organisation)s en tant que %(role)s.",
        "U bent uitgenodigd om lid te worden van %(organisation)s als %(role)s.",
    ),
    "Your name": ("Votre nom", "Uw naam"),
    "Choose a password": ("Choisissez un mot de passe", "Kies een wachtwoord"),
    "At least 12 characters. A sentence is easier to remember than a code.": (
        "Au moins 12 caractères. Une phrase se retient mieux qu'un code.",
        "Minstens 12 tekens. Een zin onthoudt u makkelijker dan een code.",
    ),
    "Repeat the password": ("Répétez le mot de passe", "Herhaal het wachtwoord"),
    "You already have an account: enter your password to accept.": (
        "Vous avez déjà un compte : entrez votre mot de passe pour accepter.",
        "U hebt al een account: geef uw wachtwoord in om te aanvaarden.",
    ),
    "Accept the invitation": ("Accepter l'invitation", "De uitnodiging aanvaarden"),
    "This invitation does not work any more": (
        "Cette invitation ne fonctionne plus",
        "Deze uitnodiging werkt niet meer",
    ),
    "It was already accepted, withdrawn or it has expired. Ask the person who invited you "
    "for a new one.": (
        "Elle a déjà été acceptée, retirée, ou elle a expiré. Demandez-en une nouvelle à la "
        "personne qui vous a invité.",
        "Ze werd al aanvaard of ingetrokken, of ze is verlopen. Vraag een nieuwe aan wie u "
        "uitnodigde.",
    ),
    "The password is too short.": ("Le mot de passe est trop court.", "Het wachtwoord is te kort."),
    "The password is too long.": ("Le mot de passe est trop long.", "Het wachtwoord is te lang."),
    "The password must not be your e-mail address.": (
        "Le mot de passe ne peut pas être votre adresse e-mail.",
        "Het wachtwoord mag niet uw e-mailadres zijn.",
    ),
    "The two passwords differ.": (
        "Les deux mots de passe sont différents.",
        "De twee wachtwoorden verschillen.",
    ),
    "The password is wrong.": ("Le mot de passe est incorrect.", "Het wachtwoord is onjuist."),
    "There is a problem": ("Il y a un problème", "Er is een probleem"),
    "My account": ("Mon compte", "Mijn account"),
    "Network coordinator": ("Coordination du réseau", "Netwerkcoördinatie"),
    "My organisations": ("Mes organisations", "Mijn organisaties"),
    "You are not a member of any organisation yet.": (
        "Vous n'êtes encore membre d'aucune organisation.",
        "U bent nog geen lid van een organisatie.",
    ),
    "admin": ("administrateur", "beheerder"),
    "editor": ("éditeur", "redacteur"),
    "member": ("membre", "lid"),
    "This form has expired": ("Ce formulaire a expiré", "Dit formulier is verlopen"),
    "The form was too old or did not come from this site. "
    "Go back, reload the page and try again.": (
        "Le formulaire était trop ancien ou ne venait pas de ce site. "
        "Revenez en arrière, rechargez la page et réessayez.",
        "Het formulier was te oud of kwam niet van deze site. "
        "Ga terug, laad de pagina opnieuw en probeer nog eens.",
    ),
    "Mails kept in the database": (
        "Mails conservés dans la base de données",
        "Mails bewaard in de database",
    ),
    "No SMTP server is configured: mails are not sent but kept here.": (
        "Aucun serveur SMTP n'est configuré : les mails ne sont pas envoyés mais gardés ici.",
        "Er is geen SMTP-server ingesteld: mails worden niet verzonden maar hier bewaard.",
    ),
    "No mail yet.": ("Aucun mail pour l'instant.", "Nog geen mails."),
    "Recipient": ("Destinataire", "Ontvanger"),
    "Subject": ("Objet", "Onderwerp"),
    "Template": ("Modèle", "Sjabloon"),
    "Queued at": ("Mis en file le", "In de wachtrij gezet op"),
    "Plain text": ("Texte brut", "Platte tekst"),
    "All mails": ("Tous les mails", "Alle mails"),
}

CATALOGUES: dict[str, dict[str, str]] = {
    "fr": {k: v[0] for k, v in _MESSAGES.items()},
    "nl": {k: v[1] for k, v in _MESSAGES.items()},
    "en": {},
}


def translate(message: str, language: str) -> str:
    """The message in `language`, or the English message id when it has no translation."""
    return CATALOGUES.get(language, {}).get(message, message)


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
    return translate(singular if n == 1 else plural, _language_in(context))


@pass_context
def current_language(context: Mapping[str, Any]) -> str:
    """The page's language, for `<html lang>` and the switcher."""
    return _language_in(context)


def install(env: Environment) -> None:
    """Give a Jinja environment `_`, `gettext`, `{% trans %}` and `current_language()`."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    env.globals["current_language"] = current_language
    env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
