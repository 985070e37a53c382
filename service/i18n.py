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
    "Show by status": (
        "Afficher par statut",
        "Tonen per status",
    ),
    "All": (
        "Toutes",
        "Alle",
    ),
    "Pages of referrals": (
        "Pages d'orientations",
        "Pagina's met doorverwijzingen",
    ),
    "No referral with this status.": (
        "Aucune orientation avec ce statut.",
        "Geen doorverwijzing met deze status.",
    ),
    "Other services for the same need": (
        "Autres services pour le même besoin",
        "Andere diensten voor dezelfde nood",
    ),
    "Nearest to this service first.": (
        "Les plus proches de ce service d'abord.",
        "De dichtstbijzijnde bij deze dienst eerst.",
    ),
    "See other services for the same need": (
        "Voir d'autres services pour le même besoin",
        "Andere diensten voor dezelfde nood bekijken",
    ),
    "This service says it is full: the referral may be declined.": (
        "Ce service indique qu'il est complet : l'orientation pourrait être refusée.",
        "Deze dienst meldt dat hij volzet is: de doorverwijzing kan geweigerd worden.",
    ),
    "This service says it has few places left.": (
        "Ce service indique qu'il lui reste peu de places.",
        "Deze dienst meldt dat er nog weinig plaatsen zijn.",
    ),
    "Day by day": (
        "Jour par jour",
        "Dag per dag",
    ),
    "As text, in the OpenStreetMap format (for monthly rules, seasons, night hours)": (
        (
            "En texte, au format OpenStreetMap (pour les règles mensuelles, les saisons, les "
            "heures de nuit)"
        ),
        "Als tekst, in het OpenStreetMap-formaat (voor maandelijkse regels, seizoenen, nachturen)",
    ),
    (
        "These hours use rules that the day-by-day form cannot show: change them as text, or "
        "choose “Day by day” and enter the whole week again."
    ): (
        (
            "Ces horaires utilisent des règles que le formulaire jour par jour ne peut pas montrer "
            ": modifiez-les en texte, ou choisissez « Jour par jour » et encodez à nouveau toute "
            "la semaine."
        ),
        (
            "Deze openingsuren gebruiken regels die het formulier dag per dag niet kan tonen: "
            "wijzig ze als tekst, of kies „Dag per dag” en vul de hele week opnieuw in."
        ),
    ),
    (
        "Brussels time. A day left empty is closed; leave every day empty if the hours are not "
        "known (by appointment, for instance)."
    ): (
        (
            "Heure de Bruxelles. Un jour laissé vide est fermé ; laissez tous les jours vides si "
            "les horaires ne sont pas connus (sur rendez-vous, par exemple)."
        ),
        (
            "Brusselse tijd. Een lege dag is gesloten; laat alle dagen leeg als de uren niet "
            "gekend zijn (op afspraak, bijvoorbeeld)."
        ),
    ),
    "Opens": (
        "Ouvre",
        "Opent",
    ),
    "Closes": (
        "Ferme",
        "Sluit",
    ),
    "Opens again": (
        "Rouvre",
        "Opent opnieuw",
    ),
    "Closed on public holidays": (
        "Fermé les jours fériés",
        "Gesloten op feestdagen",
    ),
    "As text": (
        "En texte",
        "Als tekst",
    ),
    "Enter a time such as 09:30.": (
        "Indiquez une heure comme 09:30.",
        "Geef een uur in zoals 09:30.",
    ),
    "The second opening must start after the first one closes.": (
        "La deuxième ouverture doit commencer après la fin de la première.",
        "De tweede opening moet beginnen nadat de eerste sluit.",
    ),
    "As people know it: the words of the name count most in the search": (
        "Tel que les gens le connaissent : les mots du nom comptent le plus dans la recherche",
        "Zoals mensen hem kennen: de woorden van de naam tellen het meest bij het zoeken",
    ),
    "What people look for when they need this service; at most 10": (
        "Ce que les gens cherchent quand ils ont besoin de ce service ; 10 au plus",
        "Wat mensen zoeken wanneer ze deze dienst nodig hebben; hoogstens 10",
    ),
    "%(theme)s, all of it": (
        "%(theme)s, dans son ensemble",
        "%(theme)s, in zijn geheel",
    ),
    "Enter the name of the service, as people know it.": (
        "Indiquez le nom du service, tel que les gens le connaissent.",
        "Geef de naam van de dienst, zoals mensen hem kennen.",
    ),
    "Choose at least one theme: people find services by what they need.": (
        "Choisissez au moins un thème : les gens trouvent les services par ce dont ils ont besoin.",
        "Kies minstens één thema: mensen vinden diensten via wat ze nodig hebben.",
    ),
    "Choose at most 10 themes.": (
        "Choisissez 10 thèmes au plus.",
        "Kies hoogstens 10 thema's.",
    ),
    "Add a service": (
        "Ajouter un service",
        "Een dienst toevoegen",
    ),
    "For which organisation?": (
        "Pour quelle organisation ?",
        "Voor welke organisatie?",
    ),
    (
        "What people search with first. Once it is added, you complete what they check before "
        "going (conditions, documents, contact) and set its hours."
    ): (
        (
            "Ce que les gens cherchent d'abord. Une fois le service ajouté, vous complétez ce "
            "qu'ils vérifient avant de venir (conditions, documents, contact) et vous indiquez ses "
            "horaires."
        ),
        (
            "Waar mensen eerst op zoeken. Zodra de dienst is toegevoegd, vult u aan wat ze nagaan "
            "voor ze komen (voorwaarden, documenten, contact) en geeft u de openingsuren op."
        ),
    ),
    "Kind of service": (
        "Type de service",
        "Soort dienst",
    ),
    "What the service does, in everyday words": (
        "Ce que fait le service, en mots de tous les jours",
        "Wat de dienst doet, in alledaagse woorden",
    ),
    "Where it is held": (
        "Où il a lieu",
        "Waar hij plaatsvindt",
    ),
    "None ticked: by phone or online. A new address is added by the network's coordinators.": (
        (
            "Aucun coché : par téléphone ou en ligne. Une nouvelle adresse est ajoutée par les "
            "coordinateurs du réseau."
        ),
        (
            "Geen aangevinkt: telefonisch of online. Een nieuw adres wordt toegevoegd door de "
            "coördinatoren van het netwerk."
        ),
    ),
    "This organisation has no address yet.": (
        "Cette organisation n'a pas encore d'adresse.",
        "Deze organisatie heeft nog geen adres.",
    ),
    "Add the service": (
        "Ajouter le service",
        "De dienst toevoegen",
    ),
    (
        "The service is added. Complete what people check before going, then set its hours from "
        "the workspace."
    ): (
        (
            "Le service est ajouté. Complétez ce que les gens vérifient avant de venir, puis "
            "indiquez ses horaires depuis l'espace de travail."
        ),
        (
            "De dienst is toegevoegd. Vul aan wat mensen nagaan voor ze komen en geef daarna de "
            "openingsuren op vanuit de werkruimte."
        ),
    ),
    "Choose what kind of service it is.": (
        "Choisissez le type de service.",
        "Kies de soort dienst.",
    ),
    "Only the editors and admins of an organisation may add its services.": (
        "Seuls les éditeurs et administrateurs d'une organisation peuvent ajouter ses services.",
        "Enkel de redacteurs en beheerders van een organisatie kunnen haar diensten toevoegen.",
    ),
    "Information": (
        "Information",
        "Informatie",
    ),
    "Accompaniment": (
        "Accompagnement",
        "Begeleiding",
    ),
    "Financial aid": (
        "Aide financière",
        "Financiële hulp",
    ),
    "Material aid": (
        "Aide matérielle",
        "Materiële hulp",
    ),
    "Workshop or activity": (
        "Atelier ou activité",
        "Workshop of activiteit",
    ),
    "Accommodation": (
        "Hébergement",
        "Onderdak",
    ),
    "Care": (
        "Soins",
        "Zorg",
    ),
    "Legal aid": (
        "Aide juridique",
        "Juridische hulp",
    ),
    "Orientation": (
        "Orientation",
        "Oriëntatie",
    ),
    "Edit the place": (
        "Modifier le lieu",
        "De plaats bewerken",
    ),
    "The form now shows the place as it is saved. Check it and save your change again.": (
        (
            "Le formulaire montre maintenant le lieu tel qu'il est enregistré. Vérifiez-le et "
            "enregistrez à nouveau votre modification."
        ),
        (
            "Het formulier toont nu de plaats zoals ze is opgeslagen. Controleer ze en sla uw "
            "wijziging opnieuw op."
        ),
    ),
    "Address": (
        "Adresse",
        "Adres",
    ),
    (
        "The map position stays where it is: if the place moves, tell the network's coordinators "
        "so that distances stay right."
    ): (
        (
            "La position sur la carte reste où elle est : si le lieu déménage, prévenez les "
            "coordinateurs du réseau pour que les distances restent justes."
        ),
        (
            "De positie op de kaart blijft waar ze is: als de plaats verhuist, verwittig dan de "
            "coördinatoren van het netwerk zodat de afstanden juist blijven."
        ),
    ),
    "Name of the place": (
        "Nom du lieu",
        "Naam van de plaats",
    ),
    "Street and number": (
        "Rue et numéro",
        "Straat en nummer",
    ),
    "Postal code": (
        "Code postal",
        "Postcode",
    ),
    "Commune": (
        "Commune",
        "Gemeente",
    ),
    "Wheelchair access": (
        "Accès en fauteuil roulant",
        "Toegang met een rolstoel",
    ),
    "How to get in": (
        "Comment entrer",
        "Hoe binnen te komen",
    ),
    "Steps, doorbell, floor, lift, entrance at the back…": (
        "Marches, sonnette, étage, ascenseur, entrée à l'arrière…",
        "Trappen, deurbel, verdieping, lift, ingang achteraan…",
    ),
    "Bus and train lines, the nearest stop": (
        "Lignes de bus et de train, l'arrêt le plus proche",
        "Bus- en treinlijnen, de dichtstbijzijnde halte",
    ),
    "Optional: what people find there": (
        "Facultatif : ce que les gens y trouvent",
        "Optioneel: wat mensen er vinden",
    ),
    "Save the place": (
        "Enregistrer le lieu",
        "De plaats opslaan",
    ),
    "the address and access": (
        "l'adresse et l'accès",
        "het adres en de toegang",
    ),
    "This place does not exist.": (
        "Ce lieu n'existe pas.",
        "Deze plaats bestaat niet.",
    ),
    "Only the editors of the organisation may change this place.": (
        "Seuls les éditeurs de l'organisation peuvent modifier ce lieu.",
        "Enkel de redacteurs van de organisatie kunnen deze plaats wijzigen.",
    ),
    "Enter a Belgian postal code: four digits, such as 7100.": (
        "Indiquez un code postal belge : quatre chiffres, comme 7100.",
        "Geef een Belgische postcode: vier cijfers, zoals 7100.",
    ),
    "Find a referral by its reference": (
        "Retrouver une orientation par sa référence",
        "Een doorverwijzing terugvinden via haar referentie",
    ),
    "As on the slip or read out on the phone, e.g. KX7-M4PQ": (
        "Comme sur le talon ou lue au téléphone, par exemple KX7-M4PQ",
        "Zoals op het strookje of voorgelezen aan de telefoon, bijvoorbeeld KX7-M4PQ",
    ),
    "Find": (
        "Chercher",
        "Zoeken",
    ),
    "No referral of your organisations has the reference %(reference)s.": (
        "Aucune orientation de vos organisations n'a la référence %(reference)s.",
        "Geen enkele doorverwijzing van uw organisaties heeft de referentie %(reference)s.",
    ),
    "Services held here": (
        "Services proposés à cette adresse",
        "Diensten op dit adres",
    ),
    "Addresses": (
        "Adresses",
        "Adressen",
    ),
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
    # Public pages and the workspace (service/web/public.py, workspace_*.py).
    "%(count)s services found": (
        "%(count)s services trouvés",
        "%(count)s diensten gevonden",
    ),
    "1 waiting for an answer": ("1 en attente de réponse", "1 wacht op een antwoord"),
    "%(num)s waiting for an answer": (
        "%(num)s en attente de réponse",
        "%(num)s wachten op een antwoord",
    ),
    (
        "The service's background work needs attention. Tell whoever runs Boussole (the command "
        "“boussole status” says more):"
    ): (
        "Le travail de fond du service demande votre attention. Prévenez qui fait tourner Boussole "
        "(la commande « boussole status » en dit plus) :",
        "Het achtergrondwerk van de dienst vraagt aandacht. Verwittig wie Boussole beheert (het "
        "commando ‘boussole status’ zegt meer):",
    ),
    (
        "No mail server is configured: e-mails are kept, not sent, so people are not told of "
        "their referrals by e-mail."
    ): (
        "Aucun serveur de courrier n'est configuré : les e-mails sont gardés, pas envoyés, et "
        "personne n'est averti de ses orientations par e-mail.",
        "Er is geen mailserver ingesteld: e-mails worden bewaard, niet verstuurd, dus niemand "
        "krijgt bericht van zijn doorverwijzingen per e-mail.",
    ),
    (
        "The search engine (Meilisearch) does not answer: searches are answered by the database "
        "meanwhile."
    ): (
        "Le moteur de recherche (Meilisearch) ne répond pas : la base de données répond aux "
        "recherches en attendant.",
        "De zoekmachine (Meilisearch) antwoordt niet: de databank beantwoordt intussen de "
        "zoekopdrachten.",
    ),
    "1 e-mail could not be delivered in the past day.": (
        "1 e-mail n'a pas pu être remis depuis hier.",
        "1 e-mail kon de voorbije dag niet worden afgeleverd.",
    ),
    "%(num)s e-mails could not be delivered in the past day.": (
        "%(num)s e-mails n'ont pas pu être remis depuis hier.",
        "%(num)s e-mails konden de voorbije dag niet worden afgeleverd.",
    ),
    (
        "E-mails have been waiting to be sent for more than a quarter of an hour: people are not "
        "told of their referrals."
    ): (
        "Des e-mails attendent d'être envoyés depuis plus d'un quart d'heure : les personnes ne "
        "sont pas averties de leurs orientations.",
        "E-mails wachten al meer dan een kwartier om verstuurd te worden: mensen worden niet op de "
        "hoogte gebracht van hun doorverwijzingen.",
    ),
    "The search is behind the changes made to the directory.": (
        "La recherche est en retard sur les changements apportés à l'annuaire.",
        "De zoekfunctie loopt achter op de wijzigingen in de gids.",
    ),
    "Referrals cannot be passed on to some partners' own systems (webhooks).": (
        "Les orientations ne peuvent pas être transmises aux systèmes de certains partenaires "
        "(webhooks).",
        "Doorverwijzingen kunnen niet worden doorgegeven aan de eigen systemen van sommige "
        "partners (webhooks).",
    ),
    "1 referral is past its expiry date and still waits for an answer.": (
        "1 orientation a dépassé sa date d'expiration et attend toujours une réponse.",
        "1 doorverwijzing is over haar vervaldatum en wacht nog op een antwoord.",
    ),
    "%(num)s referrals are past their expiry date and still wait for an answer.": (
        "%(num)s orientations ont dépassé leur date d'expiration et attendent toujours une "
        "réponse.",
        "%(num)s doorverwijzingen zijn over hun vervaldatum en wachten nog op een antwoord.",
    ),
    "1 referral keeps the person's data past its erasure date.": (
        "1 orientation garde les données de la personne au-delà de leur date d'effacement.",
        "1 doorverwijzing bewaart de gegevens van de persoon na hun wisdatum.",
    ),
    "%(num)s referrals keep the person's data past their erasure date.": (
        "%(num)s orientations gardent les données des personnes au-delà de leur date d'effacement.",
        "%(num)s doorverwijzingen bewaren de gegevens van de personen na hun wisdatum.",
    ),
    (
        "The service's background work keeps up: e-mails are sent, the search follows the "
        "directory, personal data is erased on time."
    ): (
        "Le travail de fond du service suit : les e-mails partent, la recherche suit l'annuaire, "
        "les données personnelles sont effacées à temps.",
        "Het achtergrondwerk van de dienst loopt bij: e-mails vertrekken, de zoekfunctie volgt de "
        "gids, persoonsgegevens worden op tijd gewist.",
    ),
    (
        "Where to find food, a roof, care, help with papers or debts near you: the services of "
        "the social network, their hours, addresses and phone numbers."
    ): (
        "Où trouver à manger, un toit, des soins, de l'aide pour vos papiers ou vos dettes près "
        "de chez vous : les services du réseau social, leurs horaires, adresses et téléphones.",
        "Waar u in uw buurt eten, onderdak, zorg of hulp bij papieren of schulden vindt: de "
        "diensten van het sociale netwerk, hun openingsuren, adressen en telefoonnummers.",
    ),
    "none waiting for an answer": ("aucune en attente de réponse", "geen wacht op een antwoord"),
    "%(km)s km away": (
        "à %(km)s km",
        "op %(km)s km",
    ),
    "1 service found": (
        "1 service trouvé",
        "1 dienst gevonden",
    ),
    "Accept": (
        "Accepter",
        "Aanvaarden",
    ),
    "Accepted": (
        "Acceptée",
        "Aanvaard",
    ),
    "All communes": (
        "Toutes les communes",
        "Alle gemeenten",
    ),
    "All themes": (
        "Tous les thèmes",
        "Alle thema's",
    ),
    "Anonymous referral": (
        "Orientation anonyme",
        "Anonieme doorverwijzing",
    ),
    "Anonymous referral: the person brings the reference.": (
        "Orientation anonyme : la personne présente la référence.",
        "Anonieme doorverwijzing: de persoon toont de referentie.",
    ),
    "Answer": (
        "Répondre",
        "Antwoorden",
    ),
    "Any language": (
        "Toutes les langues",
        "Alle talen",
    ),
    "Asylum seekers": (
        "Demandeurs d'asile",
        "Asielzoekers",
    ),
    "Availability": (
        "Disponibilités",
        "Beschikbaarheid",
    ),
    "Back to the search": (
        "Retour à la recherche",
        "Terug naar de zoekopdracht",
    ),
    "Back to the workspace": (
        "Retour à l'espace de travail",
        "Terug naar de werkruimte",
    ),
    "Browse by theme": (
        "Parcourir par thème",
        "Bladeren per thema",
    ),
    "By e-mail": (
        "Par e-mail",
        "Per e-mail",
    ),
    "By phone": (
        "Par téléphone",
        "Telefonisch",
    ),
    "Cancel the referral": (
        "Annuler l'orientation",
        "De doorverwijzing annuleren",
    ),
    "Cancelled": (
        "Annulée",
        "Geannuleerd",
    ),
    "Capacity": (
        "Capacité",
        "Capaciteit",
    ),
    "Choose a reason.": (
        "Choisissez un motif.",
        "Kies een reden.",
    ),
    "Choose a service first.": (
        "Choisissez d'abord un service.",
        "Kies eerst een dienst.",
    ),
    "Choose available, limited or full.": (
        "Choisissez : places disponibles, peu de places ou complet.",
        "Kies: plaatsen vrij, weinig plaatsen of volzet.",
    ),
    "Choose the outcome.": (
        "Choisissez le résultat.",
        "Kies het resultaat.",
    ),
    "Close the referral": (
        "Clôturer l'orientation",
        "De doorverwijzing afsluiten",
    ),
    "Open all day": ("Ouvert toute la journée", "De hele dag open"),
    "next day": ("le lendemain", "de volgende dag"),
    "Closed": (
        "Fermé",
        "Gesloten",
    ),
    "Closed now": (
        "Fermé maintenant",
        "Nu gesloten",
    ),
    "Closed now, opens on %(day)s at %(time)s": (
        "Fermé, ouvre le %(day)s à %(time)s",
        "Gesloten, opent op %(day)s om %(time)s",
    ),
    "Closed now, opens today at %(time)s": (
        "Fermé, ouvre aujourd'hui à %(time)s",
        "Gesloten, opent vandaag om %(time)s",
    ),
    "Closed now, opens tomorrow at %(time)s": (
        "Fermé, ouvre demain à %(time)s",
        "Gesloten, opent morgen om %(time)s",
    ),
    "Conditions": (
        "Conditions",
        "Voorwaarden",
    ),
    "Consent": (
        "Consentement",
        "Toestemming",
    ),
    "Contact": (
        "Contact",
        "Contact",
    ),
    "Dashboard": (
        "Tableau de bord",
        "Overzicht",
    ),
    "Dated exceptions": (
        "Exceptions datées",
        "Uitzonderingen op datum",
    ),
    "Day": (
        "Jour",
        "Dag",
    ),
    "Decline": (
        "Refuser",
        "Weigeren",
    ),
    "Declined": (
        "Refusée",
        "Geweigerd",
    ),
    "Did not come": (
        "Ne s'est pas présentée",
        "Niet gekomen",
    ),
    "Do not contact: the person will come": (
        "Ne pas contacter : la personne viendra",
        "Niet contacteren: de persoon komt zelf",
    ),
    "Documents to bring": (
        "Documents à apporter",
        "Mee te brengen documenten",
    ),
    "Duplicate": (
        "Doublon",
        "Dubbel",
    ),
    "Edit the hours at %(place)s": (
        "Modifier l'horaire à %(place)s",
        "De openingsuren in %(place)s wijzigen",
    ),
    "Elderly people": (
        "Personnes âgées",
        "Ouderen",
    ),
    "Empty: closed": (
        "Vide : fermé",
        "Leeg: gesloten",
    ),
    "Enter a date such as 2026-12-24.": (
        "Entrez une date, par exemple 2026-12-24.",
        "Geef een datum in, bijvoorbeeld 2026-12-24.",
    ),
    "Everyone": (
        "Tout le monde",
        "Iedereen",
    ),
    "Exception %(number)s": (
        "Exception %(number)s",
        "Uitzondering %(number)s",
    ),
    "Expired": (
        "Expirée",
        "Verlopen",
    ),
    "Expires on": (
        "Expire le",
        "Verloopt op",
    ),
    "Families": (
        "Familles",
        "Gezinnen",
    ),
    "Few places left": (
        "Peu de places",
        "Weinig plaatsen",
    ),
    "Filters": ("Filtres", "Filters"),
    "Find help near you": (
        "Trouver de l'aide près de chez vous",
        "Hulp vinden in uw buurt",
    ),
    "First day": (
        "Premier jour",
        "Eerste dag",
    ),
    "First name": (
        "Prénom",
        "Voornaam",
    ),
    "Free": (
        "Gratuit",
        "Gratis",
    ),
    "Friday": (
        "vendredi",
        "vrijdag",
    ),
    "From": (
        "De",
        "Van",
    ),
    "From %(min)s to %(max)s years old": (
        "De %(min)s à %(max)s ans",
        "Van %(min)s tot %(max)s jaar",
    ),
    "From %(min)s years old": (
        "À partir de %(min)s ans",
        "Vanaf %(min)s jaar",
    ),
    "Full": (
        "Complet",
        "Volzet",
    ),
    "Give a phone number to be contacted by phone.": (
        "Indiquez un numéro pour un contact par téléphone.",
        "Geef een nummer om telefonisch gecontacteerd te worden.",
    ),
    "Give an e-mail address to be contacted by e-mail.": (
        "Indiquez une adresse pour un contact par e-mail.",
        "Geef een adres om per e-mail gecontacteerd te worden.",
    ),
    "Homeless people": (
        "Personnes sans abri",
        "Daklozen",
    ),
    "Hours": (
        "Heures",
        "Uren",
    ),
    "Hours not known: call before going": (
        "Horaire inconnu : téléphonez avant de vous déplacer",
        "Openingsuren onbekend: bel voor u gaat",
    ),
    "Hours on those days": (
        "Horaire ces jours-là",
        "Openingsuren op die dagen",
    ),
    "How to access": (
        "Comment y accéder",
        "Hoe er te komen",
    ),
    "How to contact the person": (
        "Comment contacter la personne",
        "Hoe de persoon te contacteren",
    ),
    "I read this to the person: “Your name, contact details and the reason for this referral "
    "will be sent to the organisation named above, so that it can help you. Only its workers and "
    "ours can read them. They are erased one year after the referral ends. You can ask to see "
    "them or to erase them at any time.”": (
        "J'ai lu ceci à la personne : « Votre nom, vos coordonnées et le motif de cette "
        "orientation seront transmis à l'organisation indiquée ci-dessus, pour qu'elle puisse "
        "vous aider. Seuls ses travailleurs et les nôtres peuvent les lire. Ils sont effacés un "
        "an après la fin de l'orientation. Vous pouvez demander à tout moment à les consulter ou "
        "à les effacer. »",
        "Ik las dit voor aan de persoon: ‘Uw naam, contactgegevens en de reden van deze "
        "doorverwijzing worden doorgegeven aan de organisatie hierboven, zodat ze u kan helpen. "
        "Alleen haar medewerkers en de onze kunnen ze lezen. Ze worden gewist één jaar na het "
        "einde van de doorverwijzing. U kunt ze op elk moment inkijken of laten wissen.’",
    ),
    "In everyday words, e.g. food parcel, rent, doctor": (
        "Avec des mots simples, par ex. colis alimentaire, loyer, médecin",
        "In gewone woorden, bv. voedselpakket, huur, dokter",
    ),
    "Information last verified on %(date)s": (
        "Informations vérifiées le %(date)s",
        "Informatie nagekeken op %(date)s",
    ),
    "Information not verified yet": (
        "Informations pas encore vérifiées",
        "Informatie nog niet nagekeken",
    ),
    "Language spoken": (
        "Langue parlée",
        "Gesproken taal",
    ),
    "Languages spoken": (
        "Langues parlées",
        "Gesproken talen",
    ),
    "Last day": (
        "Dernier jour",
        "Laatste dag",
    ),
    "Last name": (
        "Nom",
        "Achternaam",
    ),
    "Main menu": (
        "Menu principal",
        "Hoofdmenu",
    ),
    "Map on OpenStreetMap": (
        "Carte sur OpenStreetMap",
        "Kaart op OpenStreetMap",
    ),
    "Message to the public": (
        "Message au public",
        "Bericht voor het publiek",
    ),
    "Message to the sender": (
        "Message à l'envoyeur",
        "Bericht aan de verzender",
    ),
    "Monday": (
        "lundi",
        "maandag",
    ),
    "Name": (
        "Nom",
        "Naam",
    ),
    "Near me": (
        "Près de moi",
        "Dicht bij mij",
    ),
    "New exception": (
        "Nouvelle exception",
        "Nieuwe uitzondering",
    ),
    "Next page": (
        "Page suivante",
        "Volgende pagina",
    ),
    "No capacity": (
        "Plus de place",
        "Geen plaats",
    ),
    "No fixed place: contact the service.": (
        "Pas de lieu fixe : contactez le service.",
        "Geen vaste plaats: contacteer de dienst.",
    ),
    "No longer offered": (
        "N'est plus proposé",
        "Niet meer aangeboden",
    ),
    "No name is recorded: the person brings the reference code or the slip.": (
        "Aucun nom n'est enregistré : la personne présente la référence ou le papier.",
        "Er wordt geen naam bewaard: de persoon toont de referentie of het papier.",
    ),
    "No referral yet.": (
        "Aucune orientation pour l'instant.",
        "Nog geen doorverwijzingen.",
    ),
    "No service listed.": (
        "Aucun service répertorié.",
        "Geen diensten vermeld.",
    ),
    "Also searched for “%(near)s”, close to “%(typed)s”, which no service uses.": (
        "Recherche aussi « %(near)s », proche de « %(typed)s », qu'aucun service n'utilise.",
        "Ook gezocht naar „%(near)s”, dicht bij „%(typed)s”, dat geen enkele dienst gebruikt.",
    ),
    "Or browse by theme:": (
        "Ou parcourez les thèmes :",
        "Of blader per thema:",
    ),
    "See the %(count)s services found without the filters": (
        "Voir les %(count)s services trouvés sans les filtres",
        "Bekijk de %(count)s diensten gevonden zonder de filters",
    ),
    "See the service found without the filters": (
        "Voir le service trouvé sans les filtres",
        "Bekijk de dienst gevonden zonder de filters",
    ),
    "No service matches. Try other words or fewer filters.": (
        "Aucun service ne correspond. Essayez d'autres mots ou moins de filtres.",
        "Geen enkele dienst komt overeen. Probeer andere woorden of minder filters.",
    ),
    "Not a valid opening hours expression. Example: Mo-Fr 09:00-12:00,13:30-16:00; PH off": (
        "Horaire non valide. Exemple : Mo-Fr 09:00-12:00,13:30-16:00; PH off",
        "Ongeldige openingsuren. Voorbeeld: Mo-Fr 09:00-12:00,13:30-16:00; PH off",
    ),
    "Not allowed": (
        "Non autorisé",
        "Niet toegestaan",
    ),
    "Not eligible": (
        "Ne remplit pas les conditions",
        "Voldoet niet aan de voorwaarden",
    ),
    "Not wheelchair accessible": (
        "Pas accessible en fauteuil roulant",
        "Niet toegankelijk met een rolstoel",
    ),
    "Note": (
        "Note",
        "Notitie",
    ),
    "Note about the hours": (
        "Remarque sur l'horaire",
        "Opmerking over de openingsuren",
    ),
    "Offered by": (
        "Proposé par",
        "Aangeboden door",
    ),
    "On appointment": (
        "Sur rendez-vous",
        "Op afspraak",
    ),
    "Only services that are": (
        "Seulement les services",
        "Alleen diensten die",
    ),
    "Only the editors of the organisation may change this service.": (
        "Seuls les éditeurs de l'organisation peuvent modifier ce service.",
        "Alleen de redacteurs van de organisatie mogen deze dienst wijzigen.",
    ),
    "Only when referred by a social worker": (
        "Uniquement sur orientation d'un travailleur social",
        "Alleen na doorverwijzing door een maatschappelijk werker",
    ),
    "Open now": (
        "Ouvert maintenant",
        "Nu open",
    ),
    "Open now until %(time)s": (
        "Ouvert maintenant jusqu'à %(time)s",
        "Nu open tot %(time)s",
    ),
    "OpenStreetMap format, Brussels time. Example: Mo-Fr 09:00-12:00,13:30-16:00; PH off": (
        "Format OpenStreetMap, heure de Bruxelles. Exemple : Mo-Fr 09:00-12:00,13:30-16:00; PH off",
        "OpenStreetMap-formaat, Brusselse tijd. Voorbeeld: Mo-Fr 09:00-12:00,13:30-16:00; PH off",
    ),
    "Opening hours": (
        "Horaire",
        "Openingsuren",
    ),
    "Opening hours for the next 7 days": (
        "Horaire des 7 prochains jours",
        "Openingsuren voor de komende 7 dagen",
    ),
    "Optional": (
        "Facultatif",
        "Niet verplicht",
    ),
    "Optional, e.g. last entry 30 minutes before closing": (
        "Facultatif, par ex. dernière entrée 30 minutes avant la fermeture",
        "Niet verplicht, bv. laatste toegang 30 minuten voor sluiting",
    ),
    "Other outcome": (
        "Autre résultat",
        "Ander resultaat",
    ),
    "Other reason": (
        "Autre motif",
        "Andere reden",
    ),
    "Outcome": (
        "Résultat",
        "Resultaat",
    ),
    "Page %(page)s of %(pages)s": (
        "Page %(page)s sur %(pages)s",
        "Pagina %(page)s van %(pages)s",
    ),
    "Something went wrong": ("Un problème est survenu", "Er ging iets mis"),
    "The page could not be shown. The failure was recorded; please try again in a moment.": (
        "La page n'a pas pu être affichée. L'erreur a été enregistrée ; réessayez dans un instant.",
        "De pagina kon niet worden getoond. De fout werd geregistreerd; probeer het zo meteen "
        "opnieuw.",
    ),
    "Page not found": (
        "Page introuvable",
        "Pagina niet gevonden",
    ),
    "Pages of results": (
        "Pages de résultats",
        "Pagina's met resultaten",
    ),
    "Part of": (
        "Fait partie de",
        "Maakt deel uit van",
    ),
    "Partly wheelchair accessible": (
        "Partiellement accessible en fauteuil roulant",
        "Gedeeltelijk toegankelijk met een rolstoel",
    ),
    "People receiving the integration income (RIS)": (
        "Bénéficiaires du revenu d'intégration (RIS)",
        "Leefloners",
    ),
    "People with a disability": (
        "Personnes en situation de handicap",
        "Personen met een handicap",
    ),
    "People without residence papers": (
        "Personnes sans titre de séjour",
        "Mensen zonder verblijfsdocumenten",
    ),
    "Person": (
        "Personne",
        "Persoon",
    ),
    "Person helped": (
        "Personne aidée",
        "Persoon geholpen",
    ),
    "Person unreachable": (
        "Personne injoignable",
        "Persoon onbereikbaar",
    ),
    "Person withdrew": (
        "La personne a renoncé",
        "De persoon zag ervan af",
    ),
    "Personal data erased": (
        "Données personnelles effacées",
        "Persoonsgegevens gewist",
    ),
    "Phone": (
        "Téléphone",
        "Telefoon",
    ),
    "Place": (
        "Lieu",
        "Plaats",
    ),
    "Places available": (
        "Places disponibles",
        "Plaatsen vrij",
    ),
    "Previous page": (
        "Page précédente",
        "Vorige pagina",
    ),
    "Price": (
        "Prix",
        "Prijs",
    ),
    "Printable slip for the person": (
        "Papier à imprimer pour la personne",
        "Papier om af te drukken voor de persoon",
    ),
    "Public transport": (
        "Transports en commun",
        "Openbaar vervoer",
    ),
    "Reason for declining": (
        "Motif du refus",
        "Reden van weigering",
    ),
    "Redirected": (
        "Réorientée",
        "Doorgestuurd",
    ),
    "Refer someone": (
        "Orienter quelqu'un",
        "Iemand doorverwijzen",
    ),
    "Refer someone to this service": (
        "Orienter quelqu'un vers ce service",
        "Iemand naar deze dienst doorverwijzen",
    ),
    "Reference": (
        "Référence",
        "Referentie",
    ),
    "Referral": (
        "Orientation",
        "Doorverwijzing",
    ),
    "Referrals": (
        "Orientations",
        "Doorverwijzingen",
    ),
    "Referrals received": (
        "Orientations reçues",
        "Ontvangen doorverwijzingen",
    ),
    "Referrals sent": (
        "Orientations envoyées",
        "Verstuurde doorverwijzingen",
    ),
    "Regular hours": (
        "Horaire habituel",
        "Gewone openingsuren",
    ),
    "Remove this exception": (
        "Supprimer cette exception",
        "Deze uitzondering verwijderen",
    ),
    "Results": (
        "Résultats",
        "Resultaten",
    ),
    "Saturday": (
        "samedi",
        "zaterdag",
    ),
    "Save the hours": (
        "Enregistrer l'horaire",
        "De openingsuren opslaan",
    ),
    "Saved.": (
        "Enregistré.",
        "Opgeslagen.",
    ),
    "Search": (
        "Rechercher",
        "Zoeken",
    ),
    "Search services": (
        "Rechercher des services",
        "Diensten zoeken",
    ),
    "Search the directory": (
        "Chercher dans l'annuaire",
        "Zoeken in de gids",
    ),
    "Send the referral": (
        "Envoyer l'orientation",
        "De doorverwijzing versturen",
    ),
    "Sent": (
        "Envoyée",
        "Verstuurd",
    ),
    "Sent by": (
        "Envoyée par",
        "Verstuurd door",
    ),
    "Sent on": (
        "Envoyée le",
        "Verstuurd op",
    ),
    "Service": (
        "Service",
        "Dienst",
    ),
    "Services": (
        "Services",
        "Diensten",
    ),
    "The services your organisation refers people to most": (
        "Les services vers lesquels votre organisation oriente le plus",
        "De diensten waarnaar uw organisatie het vaakst doorverwijst",
    ),
    "Services you keep up to date": (
        "Les services que vous tenez à jour",
        "De diensten die u bijhoudt",
    ),
    "Signed in as %(name)s": (
        "Connecté en tant que %(name)s",
        "Aangemeld als %(name)s",
    ),
    "Single parents": (
        "Familles monoparentales",
        "Alleenstaande ouders",
    ),
    "Some search fields were not understood; they were left out.": (
        "Certains champs de recherche n'ont pas été compris ; ils ont été ignorés.",
        "Sommige zoekvelden werden niet begrepen; ze werden weggelaten.",
    ),
    "Someone changed this meanwhile": (
        "Quelqu'un a modifié ceci entre-temps",
        "Iemand heeft dit intussen gewijzigd",
    ),
    "Someone changed this meanwhile.": (
        "Quelqu'un a modifié ceci entre-temps.",
        "Iemand heeft dit intussen gewijzigd.",
    ),
    "Someone changed this meanwhile. Here is the referral as it is now.": (
        "Quelqu'un a modifié ceci entre-temps. Voici l'orientation telle qu'elle est maintenant.",
        "Iemand heeft dit intussen gewijzigd. Hier is de doorverwijzing zoals ze nu is.",
    ),
    "Someone changed this meanwhile. Here is the service as it is now: check it and try again.": (
        "Quelqu'un a modifié ceci entre-temps. Voici le service tel qu'il est maintenant : "
        "vérifiez-le et réessayez.",
        "Iemand heeft dit intussen gewijzigd. Hier is de dienst zoals hij nu is: kijk hem na en "
        "probeer opnieuw.",
    ),
    "Sorted by distance from your position.": (
        "Triés selon la distance depuis votre position.",
        "Gesorteerd op afstand van uw positie.",
    ),
    "Status": (
        "Statut",
        "Status",
    ),
    "Students": (
        "Étudiants",
        "Studenten",
    ),
    "Sunday": (
        "dimanche",
        "zondag",
    ),
    "Temporarily closed": (
        "Temporairement fermé",
        "Tijdelijk gesloten",
    ),
    "The form now shows the hours as they are saved. Check them and save your change again.": (
        "Le formulaire montre maintenant l'horaire tel qu'il est enregistré. Vérifiez-le et "
        "enregistrez à nouveau votre modification.",
        "Het formulier toont nu de opgeslagen openingsuren. Kijk ze na en sla uw wijziging "
        "opnieuw op.",
    ),
    "The last day must not be before the first day.": (
        "Le dernier jour ne peut pas précéder le premier.",
        "De laatste dag mag niet voor de eerste dag liggen.",
    ),
    "The person": (
        "La personne",
        "De persoon",
    ),
    "The person agrees that their data is shared": (
        "La personne accepte que ses données soient transmises",
        "De persoon gaat akkoord dat haar gegevens worden doorgegeven",
    ),
    "The personal data has been erased.": (
        "Les données personnelles ont été effacées.",
        "De persoonsgegevens zijn gewist.",
    ),
    "The referral is sent. Give the person the reference %(reference)s, or print the slip.": (
        "L'orientation est envoyée. Donnez à la personne la référence %(reference)s, ou imprimez "
        "le papier.",
        "De doorverwijzing is verstuurd. Geef de persoon de referentie %(reference)s, of druk "
        "het papier af.",
    ),
    "The closing time must differ from the opening time.": (
        "L'heure de fermeture doit être différente de l'heure d'ouverture.",
        "Het sluitingsuur moet verschillen van het openingsuur.",
    ),
    "A closing time earlier than the opening time means the next morning (a night shelter, "
    "for instance); such an opening comes last in its day.": (
        "Une heure de fermeture plus tôt que l'heure d'ouverture veut dire le lendemain matin "
        "(un abri de nuit, par exemple) ; cette ouverture vient en dernier dans sa journée.",
        "Een sluitingsuur vóór het openingsuur betekent de volgende ochtend (een nachtopvang, "
        "bijvoorbeeld); zo'n opening komt als laatste op haar dag.",
    ),
    "The organisation writes about its services in %(language)s.": (
        "L'organisation décrit ses services en %(language)s.",
        "De organisatie beschrijft haar diensten in het %(language)s.",
    ),
    "French": ("français", "Frans"),
    "Dutch": ("néerlandais", "Nederlands"),
    "German": ("allemand", "Duits"),
    "English": ("anglais", "Engels"),
    "Call %(number)s": ("Appeler le %(number)s", "Bel %(number)s"),
    "Will be erased on": ("Effacement prévu le", "Wordt gewist op"),
    "Privacy": ("Vie privée", "Privacy"),
    "Refer someone here": ("Orienter quelqu'un ici", "Iemand hierheen doorverwijzen"),
    "Narrow the results": ("Affiner les résultats", "Resultaten verfijnen"),
    "Theme": (
        "Thème",
        "Thema",
    ),
    "Themes": (
        "Thèmes",
        "Thema's",
    ),
    "This action does not exist.": (
        "Cette action n'existe pas.",
        "Deze actie bestaat niet.",
    ),
    "This answer is not possible any more.": (
        "Cette réponse n'est plus possible.",
        "Dit antwoord is niet meer mogelijk.",
    ),
    "This field is required.": (
        "Ce champ est obligatoire.",
        "Dit veld is verplicht.",
    ),
    "This is not in the expected form.": (
        "Ce n'est pas dans la forme attendue.",
        "Dit heeft niet de verwachte vorm.",
    ),
    "This page does not exist, or the service was removed from the directory.": (
        "Cette page n'existe pas, ou le service a été retiré de l'annuaire.",
        "Deze pagina bestaat niet, of de dienst werd uit de gids verwijderd.",
    ),
    "This referral does not exist.": (
        "Cette orientation n'existe pas.",
        "Deze doorverwijzing bestaat niet.",
    ),
    "This service does not exist.": (
        "Ce service n'existe pas.",
        "Deze dienst bestaat niet.",
    ),
    "This service is no longer held here.": (
        "Ce service n'est plus proposé à cet endroit.",
        "Deze dienst wordt hier niet meer aangeboden.",
    ),
    "This service is no longer offered.": (
        "Ce service n'est plus proposé.",
        "Deze dienst wordt niet meer aangeboden.",
    ),
    "This service is not held at this place.": (
        "Ce service n'est pas proposé à cet endroit.",
        "Deze dienst wordt op deze plaats niet aangeboden.",
    ),
    "This service is temporarily closed.": (
        "Ce service est temporairement fermé.",
        "Deze dienst is tijdelijk gesloten.",
    ),
    "Through me (the referrer)": (
        "Par moi (qui oriente)",
        "Via mij (de doorverwijzer)",
    ),
    "Thursday": (
        "jeudi",
        "donderdag",
    ),
    "Tick this box, or send an anonymous referral.": (
        "Cochez cette case, ou envoyez une orientation anonyme.",
        "Vink dit vakje aan, of verstuur een anonieme doorverwijzing.",
    ),
    "Timeline": (
        "Historique",
        "Tijdlijn",
    ),
    "To": (
        "Vers",
        "Naar",
    ),
    "To refer someone, search for a service and use “Refer someone to this service” on its page.": (
        "Pour orienter quelqu'un, cherchez un service et utilisez « Orienter quelqu'un vers ce "
        "service » sur sa page.",
        "Om iemand door te verwijzen, zoek een dienst en gebruik ‘Iemand naar deze dienst "
        "doorverwijzen’ op de pagina ervan.",
    ),
    "Tuesday": (
        "mardi",
        "dinsdag",
    ),
    "Unconditional welcome": (
        "Accueil inconditionnel",
        "Onvoorwaardelijk onthaal",
    ),
    "Up to %(max)s years old": (
        "Jusqu'à %(max)s ans",
        "Tot %(max)s jaar",
    ),
    "Urgent": (
        "Urgent",
        "Dringend",
    ),
    "Victims of violence": (
        "Victimes de violences",
        "Slachtoffers van geweld",
    ),
    "Waiting for an answer": (
        "En attente de réponse",
        "Wacht op antwoord",
    ),
    "Wednesday": (
        "mercredi",
        "woensdag",
    ),
    "What do you need?": (
        "De quoi avez-vous besoin ?",
        "Wat hebt u nodig?",
    ),
    "What help is asked for, in a few sentences. No health details or diagnoses.": (
        "L'aide demandée, en quelques phrases. Pas de détails de santé ni de diagnostic.",
        "Welke hulp gevraagd wordt, in enkele zinnen. Geen gezondheidsgegevens of diagnoses.",
    ),
    "What you typed": (
        "Ce que vous aviez tapé",
        "Wat u had ingetikt",
    ),
    "Wheelchair access not known": (
        "Accès en fauteuil roulant inconnu",
        "Rolstoeltoegankelijkheid onbekend",
    ),
    "Wheelchair accessible": (
        "Accessible en fauteuil roulant",
        "Toegankelijk met een rolstoel",
    ),
    "When is the person available?": (
        "Quand la personne est-elle disponible ?",
        "Wanneer is de persoon beschikbaar?",
    ),
    "Where": (
        "Où",
        "Waar",
    ),
    "Where and when": (
        "Où et quand",
        "Waar en wanneer",
    ),
    "Who it is for": (
        "Pour qui",
        "Voor wie",
    ),
    "Whole days with other hours, or closed (leave the hours empty): summer closure, 27 "
    "September, winter plan.": (
        "Des journées entières avec un autre horaire, ou fermées (laissez l'horaire vide) : "
        "fermeture d'été, 27 septembre, plan hiver.",
        "Hele dagen met andere uren, of gesloten (laat de uren leeg): zomersluiting, 27 "
        "september, winterplan.",
    ),
    "Why": (
        "Motif",
        "Reden",
    ),
    "Why cancel?": (
        "Pourquoi annuler ?",
        "Waarom annuleren?",
    ),
    "Why is the person referred?": (
        "Pourquoi la personne est-elle orientée ?",
        "Waarom wordt de persoon doorverwezen?",
    ),
    "Without appointment": (
        "Sans rendez-vous",
        "Zonder afspraak",
    ),
    "Workspace menu": (
        "Menu de l'espace de travail",
        "Menu van de werkruimte",
    ),
    "You must belong to an organisation to refer someone.": (
        "Vous devez faire partie d'une organisation pour orienter quelqu'un.",
        "U moet lid zijn van een organisatie om iemand door te verwijzen.",
    ),
    "Young people": (
        "Jeunes",
        "Jongeren",
    ),
    "Your position is not available.": (
        "Votre position n'est pas disponible.",
        "Uw positie is niet beschikbaar.",
    ),
    "all": (
        "tout",
        "alles",
    ),
    "consent text version %(version)s": (
        "version %(version)s du texte de consentement",
        "versie %(version)s van de toestemmingstekst",
    ),
    "since %(date)s": (
        "depuis le %(date)s",
        "sinds %(date)s",
    ),
    "whole commune": (
        "toute la commune",
        "hele gemeente",
    ),
    # Erasure on request and redirecting from the workspace.
    "Erase the person's data": (
        "Effacer les données de la personne",
        "De gegevens van de persoon wissen",
    ),
    "The person's name, contact details, the reason and every note written about them are "
    "erased now, for both organisations. This cannot be undone. The referral stays, without "
    "them, for the statistics.": (
        "Le nom de la personne, ses coordonnées, le motif et toutes les notes écrites à son "
        "sujet sont effacés maintenant, pour les deux organisations. C'est irréversible. "
        "L'orientation reste, sans elles, pour les statistiques.",
        "De naam van de persoon, de contactgegevens, de reden en alle notities over de persoon "
        "worden nu gewist, voor beide organisaties. Dit kan niet ongedaan worden gemaakt. De "
        "doorverwijzing blijft, zonder die gegevens, voor de statistieken.",
    ),
    "Yes, erase the person's data": (
        "Oui, effacer les données de la personne",
        "Ja, de gegevens van de persoon wissen",
    ),
    "No, back to the referral": (
        "Non, retour à l'orientation",
        "Nee, terug naar de doorverwijzing",
    ),
    "Back to the referral": (
        "Retour à l'orientation",
        "Terug naar de doorverwijzing",
    ),
    "Only the worker who sent the referral and the admins of the two organisations may erase "
    "the person's data.": (
        "Seuls le travailleur qui a envoyé l'orientation et les administrateurs des deux "
        "organisations peuvent effacer les données de la personne.",
        "Alleen de hulpverlener die de doorverwijzing stuurde en de beheerders van beide "
        "organisaties mogen de gegevens van de persoon wissen.",
    ),
    "Redirect to another service": (
        "Réorienter vers un autre service",
        "Doorverwijzen naar een andere dienst",
    ),
    "The person is sent on to the service you choose: a new referral from the same sender, "
    "with the person's data. This referral ends as redirected.": (
        "La personne est orientée vers le service choisi : une nouvelle orientation du même "
        "envoyeur, avec les données de la personne. Cette orientation se termine comme "
        "réorientée.",
        "De persoon wordt doorgestuurd naar de gekozen dienst: een nieuwe doorverwijzing van "
        "dezelfde afzender, met de gegevens van de persoon. Deze doorverwijzing eindigt als "
        "doorverwezen.",
    ),
    "Redirect the referral": (
        "Réorienter",
        "Doorverwijzen",
    ),
    "Redirected to": (
        "Réorientée vers",
        "Doorverwezen naar",
    ),
    "reference": (
        "référence",
        "referentie",
    ),
    "Choose a service.": (
        "Choisissez un service.",
        "Kies een dienst.",
    ),
    "This service cannot receive referrals. Choose another one.": (
        "Ce service ne peut pas recevoir d'orientations. Choisissez-en un autre.",
        "Deze dienst kan geen doorverwijzingen ontvangen. Kies een andere.",
    ),
    "Only the receiving organisation may redirect.": (
        "Seule l'organisation qui reçoit peut réorienter.",
        "Alleen de ontvangende organisatie mag doorverwijzen.",
    ),
    # The referral page and the printable slip.
    "You are referred to this service. Show this paper at the reception.": (
        "Vous êtes orienté·e vers ce service. Présentez ce papier à l'accueil.",
        "U wordt naar deze dienst doorverwezen. Toon dit papier aan het onthaal.",
    ),
    "See on the map": ("Voir sur la carte", "Bekijk op de kaart"),
    "Next openings": ("Prochaines ouvertures", "Volgende openingen"),
    "Usual hours": ("Horaire habituel", "Gewone openingsuren"),
    "Hours not known: call before you go.": (
        "Horaire non communiqué : téléphonez avant de vous déplacer.",
        "Openingsuren niet bekend: bel voor u gaat.",
    ),
    "How to get there": ("Comment y accéder", "Hoe er te geraken"),
    "Referred by": ("Orienté par", "Doorverwezen door"),
    "Date": ("Date", "Datum"),
    "Print": ("Imprimer", "Afdrukken"),
    "By appointment.": ("Sur rendez-vous.", "Op afspraak."),
    "No appointment needed.": ("Sans rendez-vous.", "Zonder afspraak."),
    "Reason": ("Motif", "Reden"),
    "E-mail": ("E-mail", "E-mail"),
    "Preferred contact": ("Contact souhaité", "Gewenst contact"),
    "Languages": ("Langues", "Talen"),
    "Criteria checked": ("Critères vérifiés", "Nagegane voorwaarden"),
    "Print the slip for the person": (
        "Imprimer le papier pour la personne",
        "Papier voor de persoon afdrukken",
    ),
    "sent": ("envoyée", "verstuurd"),
    "accepted": ("acceptée", "aanvaard"),
    "declined": ("refusée", "geweigerd"),
    "redirected": ("réorientée", "doorgestuurd"),
    "closed": ("clôturée", "afgesloten"),
    "cancelled": ("annulée", "geannuleerd"),
    "expired": ("expirée", "verlopen"),
    # The service edit page and "still up to date" (workspace_edit).
    "Edit the service": ("Modifier le service", "De dienst bewerken"),
    "Edit this service": ("Modifier ce service", "Deze dienst bewerken"),
    "Edit the description, audience, conditions and contact": (
        "Modifier la description, le public, les conditions et le contact",
        "Beschrijving, doelgroep, voorwaarden en contact bewerken",
    ),
    "What people check before going": (
        "Ce que les personnes vérifient avant de venir",
        "Wat mensen nakijken voor ze komen",
    ),
    "Save the service": ("Enregistrer le service", "De dienst opslaan"),
    "Still up to date": ("Toujours à jour", "Nog steeds juist"),
    "Still up to date?": ("Toujours à jour ?", "Nog steeds juist?"),
    "Thank you: the service is marked as verified today.": (
        "Merci : le service est marqué comme vérifié aujourd'hui.",
        "Bedankt: de dienst is vandaag als nagekeken gemarkeerd.",
    ),
    "not verified for more than 6 months": (
        "pas vérifié depuis plus de 6 mois",
        "al meer dan 6 maanden niet nagekeken",
    ),
    "The form now shows the service as it is saved. Check it and save your change again.": (
        "Le formulaire montre maintenant le service tel qu'il est enregistré. "
        "Vérifiez-le et enregistrez à nouveau votre modification.",
        "Het formulier toont nu de dienst zoals hij is opgeslagen. "
        "Kijk hem na en sla uw wijziging opnieuw op.",
    ),
    "Form": ("Formulaire", "Formulier"),
    "Description": ("Description", "Beschrijving"),
    "Minimum age": ("Âge minimum", "Minimumleeftijd"),
    "Maximum age": ("Âge maximum", "Maximumleeftijd"),
    "In years; empty: no minimum": (
        "En années ; vide : pas de minimum",
        "In jaren; leeg: geen minimum",
    ),
    "In years; empty: no maximum": (
        "En années ; vide : pas de maximum",
        "In jaren; leeg: geen maximum",
    ),
    "Genders": ("Genres", "Genders"),
    "Women": ("Femmes", "Vrouwen"),
    "Men": ("Hommes", "Mannen"),
    "People of gender X": ("Personnes de genre X", "Personen met gender X"),
    "Situations": ("Situations", "Situaties"),
    "None ticked: everyone": ("Aucune case cochée : tout le monde", "Niets aangevinkt: iedereen"),
    "Other conditions to be eligible": (
        "Autres conditions d'accès",
        "Andere toegangsvoorwaarden",
    ),
    "Optional, e.g. living in the commune": (
        "Facultatif, par exemple habiter la commune",
        "Facultatief, bijvoorbeeld in de gemeente wonen",
    ),
    "When it is not free, e.g. 2 € per parcel": (
        "S'il n'est pas gratuit, par exemple 2 € par colis",
        "Als het niet gratis is, bijvoorbeeld 2 € per pakket",
    ),
    "One per line": ("Un par ligne", "Eén per regel"),
    "E.g. call first, come with a referral, register on Monday morning": (
        "Par exemple : téléphoner d'abord, venir avec une orientation, s'inscrire le lundi matin",
        "Bijvoorbeeld: eerst bellen, komen met een doorverwijzing, inschrijven op maandagochtend",
    ),
    "Website": ("Site web", "Website"),
    "Phone numbers": ("Numéros de téléphone", "Telefoonnummers"),
    "One per line, as you write them: 064 27 78 11": (
        "Un par ligne, comme vous les écrivez : 064 27 78 11",
        "Eén per regel, zoals u ze schrijft: 064 27 78 11",
    ),
    "Active": ("Actif", "Actief"),
    "Yes": ("Oui", "Ja"),
    "No": ("Non", "Nee"),
    "Enter an age in years, between 0 and 130.": (
        "Indiquez un âge en années, entre 0 et 130.",
        "Geef een leeftijd in jaren, tussen 0 en 130.",
    ),
    "The maximum age must not be below the minimum age.": (
        "L'âge maximum ne peut pas être inférieur à l'âge minimum.",
        "De maximumleeftijd mag niet lager zijn dan de minimumleeftijd.",
    ),
    "Not a phone number. Write it as 064 27 78 11 or +32 470 12 34 56.": (
        "Ce n'est pas un numéro de téléphone. Écrivez-le comme 064 27 78 11 ou +32 470 12 34 56.",
        "Dit is geen telefoonnummer. Schrijf het als 064 27 78 11 of +32 470 12 34 56.",
    ),
    "Enter an e-mail address such as info@example.org.": (
        "Indiquez une adresse e-mail comme info@example.org.",
        "Geef een e-mailadres zoals info@example.org.",
    ),
    "Enter a web address such as https://www.example.org.": (
        "Indiquez une adresse web comme https://www.example.org.",
        "Geef een webadres zoals https://www.example.org.",
    ),
    "This text is too long.": ("Ce texte est trop long.", "Deze tekst is te lang."),
    # The coordinators' page of services to verify (service/web/workspace_network.py).
    "Information to verify across the network": (
        "Informations à vérifier dans le réseau",
        "Na te kijken gegevens in het netwerk",
    ),
    "A service is to verify when its information was never confirmed, or not since "
    "%(date)s (%(months)s months).": (
        "Un service est à vérifier quand ses informations n'ont jamais été confirmées, ou plus "
        "depuis le %(date)s (%(months)s mois).",
        "Een dienst moet nagekeken worden als de gegevens nooit bevestigd werden, of niet meer "
        "sinds %(date)s (%(months)s maanden).",
    ),
    "The reminder was not sent.": (
        "Le rappel n'a pas été envoyé.",
        "De herinnering is niet verstuurd.",
    ),
    "The reminder is on its way to the organisation's admins and editors.": (
        "Le rappel part vers les administrateurs et éditeurs de l'organisation.",
        "De herinnering gaat naar de beheerders en redacteurs van de organisatie.",
    ),
    "1 service to verify": ("1 service à vérifier", "1 dienst na te kijken"),
    "%(num)s services to verify": ("%(num)s services à vérifier", "%(num)s diensten na te kijken"),
    "in 1 organisation.": ("dans 1 organisation.", "in 1 organisatie."),
    "in %(num)s organisations.": ("dans %(num)s organisations.", "in %(num)s organisaties."),
    "Every service of the network was verified recently.": (
        "Tous les services du réseau ont été vérifiés récemment.",
        "Alle diensten van het netwerk werden onlangs nagekeken.",
    ),
    "%(count)s of %(num)s service to verify": (
        "%(count)s service sur %(num)s à vérifier",
        "%(count)s van de %(num)s dienst na te kijken",
    ),
    "%(count)s of %(num)s services to verify": (
        "%(count)s services sur %(num)s à vérifier",
        "%(count)s van de %(num)s diensten na te kijken",
    ),
    "1 never verified": ("1 jamais vérifié", "1 nooit nagekeken"),
    "%(num)s never verified": ("%(num)s jamais vérifiés", "%(num)s nooit nagekeken"),
    "last verified on %(date)s": ("vérifié le %(date)s", "nagekeken op %(date)s"),
    "never verified": ("jamais vérifié", "nooit nagekeken"),
    "Last reminder: %(date)s": ("Dernier rappel : %(date)s", "Laatste herinnering: %(date)s"),
    "Nobody can verify these services: invite an admin or an editor first.": (
        "Personne ne peut vérifier ces services : invitez d'abord un administrateur ou un éditeur.",
        "Niemand kan deze diensten nakijken: nodig eerst een beheerder of redacteur uit.",
    ),
    "The next reminder may go from %(date)s.": (
        "Le prochain rappel pourra partir à partir du %(date)s.",
        "De volgende herinnering kan vertrekken vanaf %(date)s.",
    ),
    "Remind the admins and editors by e-mail": (
        "Envoyer un rappel aux administrateurs et éditeurs",
        "De beheerders en redacteurs per e-mail herinneren",
    ),
    "Up to date": ("À jour", "Actueel"),
    "%(count)s services": ("%(count)s services", "%(count)s diensten"),
    "A reminder went to this organisation less than a week ago.": (
        "Un rappel est parti vers cette organisation il y a moins d'une semaine.",
        "Er ging minder dan een week geleden een herinnering naar deze organisatie.",
    ),
    "Every service of this organisation was verified recently.": (
        "Tous les services de cette organisation ont été vérifiés récemment.",
        "Alle diensten van deze organisatie werden onlangs nagekeken.",
    ),
    "Only network coordinators may see the services of every organisation.": (
        "Seule la coordination du réseau peut voir les services de toutes les organisations.",
        "Alleen de netwerkcoördinatie kan de diensten van alle organisaties zien.",
    ),
    "This organisation does not exist.": (
        "Cette organisation n'existe pas.",
        "Deze organisatie bestaat niet.",
    ),
    # Searching for services open at a chosen day and time (templates/public/home.html).
    "Or open on this day": ("Ou ouverts ce jour-là", "Of open op deze dag"),
    "At this time": ("À cette heure", "Om dit uur"),
    "e.g. 20:00; without a day, today": (
        "p. ex. 20:00 ; sans jour, aujourd'hui",
        "bv. 20:00; zonder dag, vandaag",
    ),
    "Open then": ("Ouvert à ce moment-là", "Open op dat moment"),
    "Open then, until %(time)s": (
        "Ouvert à ce moment-là, jusqu'à %(time)s",
        "Open op dat moment, tot %(time)s",
    ),
    "Services open on %(day)s at %(time)s": (
        "Services ouverts le %(day)s à %(time)s",
        "Diensten open op %(day)s om %(time)s",
    ),
    # An organisation's team (service/web/workspace_team.py).
    "Team of %(organisation)s": ("Équipe de %(organisation)s", "Team van %(organisation)s"),
    "Team": ("Équipe", "Team"),
    "Manage the team": ("Gérer l'équipe", "Het team beheren"),
    "Members": ("Membres", "Leden"),
    "Members search, refer and answer referrals; editors also keep the services right; "
    "administrators also manage the team.": (
        "Les membres cherchent, orientent et répondent aux orientations ; les éditeurs tiennent "
        "aussi les services à jour ; les administrateurs gèrent aussi l'équipe.",
        "Leden zoeken, verwijzen door en beantwoorden doorverwijzingen; redacteurs houden ook "
        "de diensten bij; beheerders beheren ook het team.",
    ),
    "you": ("vous", "u"),
    "Role": ("Rôle", "Rol"),
    "Change the role": ("Changer le rôle", "De rol wijzigen"),
    "Leave the organisation": ("Quitter l'organisation", "De organisatie verlaten"),
    "Remove from the team": ("Retirer de l'équipe", "Uit het team verwijderen"),
    "Nobody yet: invite the first members below.": (
        "Personne pour l'instant : invitez les premiers membres ci-dessous.",
        "Nog niemand: nodig hieronder de eerste leden uit.",
    ),
    "Invitations waiting for an answer": (
        "Invitations en attente de réponse",
        "Uitnodigingen die op antwoord wachten",
    ),
    "until %(date)s": ("jusqu'au %(date)s", "tot %(date)s"),
    "Withdraw": ("Retirer", "Intrekken"),
    "None.": ("Aucune.", "Geen."),
    "Invite someone": ("Inviter quelqu'un", "Iemand uitnodigen"),
    "They receive a link by e-mail, valid 7 days, to choose their password.": (
        "La personne reçoit par e-mail un lien, valable 7 jours, pour choisir son mot de passe.",
        "De persoon krijgt per e-mail een link, 7 dagen geldig, om een wachtwoord te kiezen.",
    ),
    "Language of the invitation e-mail": (
        "Langue de l'e-mail d'invitation",
        "Taal van de uitnodigingsmail",
    ),
    "Send the invitation": ("Envoyer l'invitation", "De uitnodiging versturen"),
    "The invitation was not sent: see below.": (
        "L'invitation n'a pas été envoyée : voir ci-dessous.",
        "De uitnodiging is niet verstuurd: zie hieronder.",
    ),
    "The invitation is on its way.": ("L'invitation est envoyée.", "De uitnodiging is verstuurd."),
    "The role is changed.": ("Le rôle est changé.", "De rol is gewijzigd."),
    "The member was removed.": ("La personne a été retirée de l'équipe.", "Het lid is verwijderd."),
    "The invitation was withdrawn.": (
        "L'invitation a été retirée.",
        "De uitnodiging is ingetrokken.",
    ),
    "Only the organisation's admins and the network coordinators manage its team.": (
        "Seuls les administrateurs de l'organisation et la coordination du réseau gèrent son "
        "équipe.",
        "Alleen de beheerders van de organisatie en de netwerkcoördinatie beheren het team.",
    ),
    "This person is already a member of the organisation.": (
        "Cette personne est déjà membre de l'organisation.",
        "Deze persoon is al lid van de organisatie.",
    ),
    "An organisation keeps at least one admin: name another admin first.": (
        "Une organisation garde au moins un administrateur : nommez d'abord un autre "
        "administrateur.",
        "Een organisatie houdt minstens één beheerder: benoem eerst een andere beheerder.",
    ),
    "Choose a role.": ("Choisissez un rôle.", "Kies een rol."),
    "This person is not in the team.": (
        "Cette personne ne fait pas partie de l'équipe.",
        "Deze persoon maakt geen deel uit van het team.",
    ),
    "This invitation was already accepted or withdrawn.": (
        "Cette invitation a déjà été acceptée ou retirée.",
        "Deze uitnodiging werd al aanvaard of ingetrokken.",
    ),
    # Reporting wrong information (service/web/reports.py) and handling reports.
    "Report wrong information": ("Signaler une information erronée", "Foute informatie melden"),
    "Back to the service": ("Retour au service", "Terug naar de dienst"),
    "The report was not sent: see below.": (
        "Le signalement n'a pas été envoyé : voir ci-dessous.",
        "De melding is niet verstuurd: zie hieronder.",
    ),
    "What is wrong?": ("Qu'est-ce qui est faux ?", "Wat klopt er niet?"),
    "The service closed or no longer exists": (
        "Le service est fermé ou n'existe plus",
        "De dienst is gesloten of bestaat niet meer",
    ),
    "The hours are wrong": ("Les horaires sont faux", "De openingsuren kloppen niet"),
    "The address or the place is wrong": (
        "L'adresse ou le lieu est faux",
        "Het adres of de plaats klopt niet",
    ),
    "The phone, e-mail or website is wrong": (
        "Le téléphone, l'e-mail ou le site est faux",
        "Telefoon, e-mail of website klopt niet",
    ),
    "The conditions or who it is for are wrong": (
        "Les conditions ou le public sont faux",
        "De voorwaarden of het publiek kloppen niet",
    ),
    "Something else": ("Autre chose", "Iets anders"),
    "In a few words": ("En quelques mots", "In een paar woorden"),
    "For example the right hours or the new address. Do not write anything about the people "
    "you help: no names, no situations.": (
        "Par exemple les bons horaires ou la nouvelle adresse. N'écrivez rien sur les personnes "
        "que vous aidez : ni nom, ni situation.",
        "Bijvoorbeeld de juiste uren of het nieuwe adres. Schrijf niets over de mensen die u "
        "helpt: geen namen, geen situaties.",
    ),
    "Send the report": ("Envoyer le signalement", "De melding versturen"),
    "The report goes to the organisation that offers the service. It does not say who you are.": (
        "Le signalement va à l'organisation qui propose le service. Il ne dit pas qui vous êtes.",
        "De melding gaat naar de organisatie die de dienst aanbiedt. Ze zegt niet wie u bent.",
    ),
    "Thank you": ("Merci", "Bedankt"),
    "The organisation that offers this service has been told, and will check its information.": (
        "L'organisation qui propose ce service est prévenue et va vérifier ses informations.",
        "De organisatie die deze dienst aanbiedt is verwittigd en zal de gegevens nakijken.",
    ),
    "Choose what is wrong.": ("Choisissez ce qui est faux.", "Kies wat er niet klopt."),
    "Say in a few words what is wrong.": (
        "Dites en quelques mots ce qui est faux.",
        "Zeg in een paar woorden wat er niet klopt.",
    ),
    "Too many reports were sent from here lately. Try again in a quarter of an hour.": (
        "Trop de signalements sont partis d'ici récemment. Réessayez dans un quart d'heure.",
        "Er werden hier onlangs te veel meldingen verstuurd. Probeer het over een kwartier "
        "opnieuw.",
    ),
    "The report is marked as handled.": (
        "Le signalement est marqué comme traité.",
        "De melding is als behandeld gemarkeerd.",
    ),
    "Problems reported about your services": (
        "Problèmes signalés sur vos services",
        "Gemelde problemen over uw diensten",
    ),
    "Reported on %(date)s": ("Signalé le %(date)s", "Gemeld op %(date)s"),
    "Checked: mark as handled": (
        "Vérifié : marquer comme traité",
        "Nagekeken: als behandeld markeren",
    ),
    "This report does not exist any more.": (
        "Ce signalement n'existe plus.",
        "Deze melding bestaat niet meer.",
    ),
    "Only the editors of the organisation may handle its reports.": (
        "Seuls les éditeurs de l'organisation peuvent traiter ses signalements.",
        "Alleen de redacteurs van de organisatie kunnen haar meldingen behandelen.",
    ),
    "Problems reported and not yet handled: %(count)s": (
        "Problèmes signalés et pas encore traités : %(count)s",
        "Gemelde en nog niet behandelde problemen: %(count)s",
    ),
    # Messages between the two organisations of a referral.
    "Message": ("Message", "Bericht"),
    "Messages": ("Messages", "Berichten"),
    "No message yet.": ("Pas encore de message.", "Nog geen bericht."),
    "Write to the other organisation": (
        "Écrire à l'autre organisation",
        "Aan de andere organisatie schrijven",
    ),
    "Only the two organisations read it, and it is erased with the person's data. "
    "No health details.": (
        "Seules les deux organisations le lisent, et il est effacé avec les données de la "
        "personne. Pas de détails de santé.",
        "Alleen de twee organisaties lezen het, en het wordt gewist met de gegevens van de "
        "persoon. Geen gezondheidsdetails.",
    ),
    "Send the message": ("Envoyer le message", "Het bericht versturen"),
    "The message is sent.": ("Le message est envoyé.", "Het bericht is verstuurd."),
    "Erased with the person's data.": (
        "Effacé avec les données de la personne.",
        "Gewist met de gegevens van de persoon.",
    ),
    "Write the message.": ("Écrivez le message.", "Schrijf het bericht."),
    "The person's data was erased: no more messages on this referral.": (
        "Les données de la personne ont été effacées : plus de messages sur cette orientation.",
        "De gegevens van de persoon werden gewist: geen berichten meer bij deze doorverwijzing.",
    ),
    "last on %(date)s": ("le dernier le %(date)s", "de laatste op %(date)s"),
    "For whom": ("Pour qui", "Voor wie"),
    "Age of the person": ("Âge de la personne", "Leeftijd van de persoon"),
    "Situation": ("Situation", "Situatie"),
    "Any situation": ("Toute situation", "Elke situatie"),
    "Send this information by e-mail": (
        "Envoyer ces informations par e-mail",
        "Deze informatie per e-mail versturen",
    ),
    "1 active": ("1 actif", "1 actief"),
    "%(num)s active": ("%(num)s actifs", "%(num)s actief"),
    # Statistics in the workspace (service/web/workspace_statistics.py).
    "Statistics": ("Statistiques", "Statistieken"),
    "Counts from 1 to 4 are hidden (<5) so that nobody can be singled out; rates need at "
    "least 5 cases on each side.": (
        "Les nombres de 1 à 4 sont cachés (<5) pour que personne ne puisse être reconnu ; les "
        "taux demandent au moins 5 cas de chaque côté.",
        "Aantallen van 1 tot 4 worden verborgen (<5) zodat niemand herkend kan worden; "
        "percentages vragen minstens 5 gevallen aan elke kant.",
    ),
    "first day, e.g. 2026-01-01": ("premier jour, p. ex. 2026-01-01", "eerste dag, bv. 2026-01-01"),
    "last day, included": ("dernier jour, compris", "laatste dag, inbegrepen"),
    "Organisation": ("Organisation", "Organisatie"),
    "The whole network": ("Tout le réseau", "Het hele netwerk"),
    "Show": ("Afficher", "Tonen"),
    "Accepted, of those answered": (
        "Acceptées, parmi celles qui ont reçu une réponse",
        "Aanvaard, van de beantwoorde",
    ),
    "Median time to answer": ("Délai médian de réponse", "Mediane antwoordtijd"),
    "%(hours)s h": ("%(hours)s h", "%(hours)s u"),
    "Closed with an outcome, or ended": (
        "Clôturées avec un résultat, ou terminées",
        "Afgesloten met een resultaat, of beëindigd",
    ),
    "Download these figures (CSV)": (
        "Télécharger ces chiffres (CSV)",
        "Deze cijfers downloaden (CSV)",
    ),
    "Per month": ("Par mois", "Per maand"),
    "Month": ("Mois", "Maand"),
    "Per theme": ("Par thème", "Per thema"),
    "Unmet needs": ("Besoins non couverts", "Onvervulde noden"),
    "Themes where referrals were declined for lack of capacity or eligibility:": (
        "Thèmes où des orientations ont été refusées faute de place ou de conditions remplies :",
        "Thema's waar doorverwijzingen geweigerd werden wegens plaatsgebrek of voorwaarden:",
    ),
    "Where referrals stand": ("Où en sont les orientations", "Stand van de doorverwijzingen"),
    "Reasons for declining": ("Motifs de refus", "Redenen van weigering"),
    "Outcomes": ("Résultats", "Resultaten"),
    "Per organisation": ("Par organisation", "Per organisatie"),
    "Choose which of your organisations to report on.": (
        "Choisissez laquelle de vos organisations.",
        "Kies over welke van uw organisaties.",
    ),
    "You can only read the statistics of your own organisations.": (
        "Vous ne pouvez lire que les statistiques de vos propres organisations.",
        "U kunt alleen de statistieken van uw eigen organisaties lezen.",
    ),
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
