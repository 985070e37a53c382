"""The words a referral's codes are said in: statuses, steps of its timeline, reasons for
declining, outcomes, ways of contacting the person (English message ids, translated where
shown). The workspace's pages, the statistics and the referral page read them here."""

from __future__ import annotations

from service.i18n import N_

STATUS = {
    "sent": N_("Waiting for an answer"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "redirected": N_("Redirected"),
    # Not the "Closed" of opening hours ("Fermé", "Gesloten"): followed up and closed.
    "closed": N_("Closed with an outcome"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired"),
}
"""The status of a referral."""
DONE = {
    "accept": N_("Accepted: the sending organisation sees your answer."),
    "decline": N_("Declined: the sending organisation sees your answer and its reason."),
    "redirect": N_("Redirected: the sending organisation sees where the person is sent."),
    "close": N_("Closed with its outcome."),
    "cancel": N_("Cancelled: the receiving organisation sees that it is no longer needed."),
    "message": N_("The message is sent."),
    "erase": N_("The personal data has been erased."),
}
"""What the referral page says once an action is done (`?done=`); any other value says
"Saved"."""
EVENTS = {
    "send": N_("Sent"),
    "accept": N_("Accepted"),
    "decline": N_("Declined"),
    "redirect": N_("Redirected"),
    "close": N_("Closed with an outcome"),
    "cancel": N_("Cancelled"),
    "expire": N_("Expired"),
    "erase": N_("Personal data erased"),
    "message": N_("Message"),
}
"""A step of a referral's timeline."""
DECLINE_REASONS = {
    "no_capacity": N_("No capacity"),
    "not_eligible": N_("Not eligible"),
    "unreachable": N_("Person unreachable"),
    "duplicate": N_("Duplicate"),
    "other": N_("Other reason"),
    "redirected": N_("Redirected"),
}
OUTCOMES = {
    "served": N_("Person helped"),
    "no_show": N_("Did not come"),
    "withdrawn": N_("Person withdrew"),
    "other": N_("Other outcome"),
}
CONTACTS = {
    "phone": N_("By phone"),
    "email": N_("By e-mail"),
    "through_referrer": N_("Through me (the referrer)"),
    "do_not_contact": N_("Do not contact: the person will come"),
}
"""How to contact the person, as the referring worker chooses it on the refer form."""
CONTACTS_READ = {
    "phone": N_("By phone"),
    "email": N_("By e-mail"),
    "through_referrer": N_("Through the referring worker"),
    "do_not_contact": N_("Do not contact: the person will come"),
}
"""The same choice as both organisations read it on the referral (not "me")."""
