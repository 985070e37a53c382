"""Outgoing e-mail: rendered when queued, kept in `mail_outbox`, sent by the worker.

Queue a mail inside the transaction of the change it announces, so that it is sent if and
only if the change is committed::

    from service.mail import queue_mail

    await queue_mail(conn, to=address, template="referral_received", language="nl",
                     context={"referral_url": url, "service_name": name})

Templates live in `templates/emails/`, three files per template and language:

    {template}.{language}.subject   one line (newlines are folded), plain text
    {template}.{language}.txt       the plain-text body (not escaped)
    {template}.{language}.html      the HTML body (autoescaped); may `{% extends "_layout.html" %}`

`language` is one of fr, nl, en; when a language's files are missing, the French ones are
used. `template` is a lower-case name such as `login_link` or `referral_declined`. The
context is the template's variables, plus `language`; links must be absolute (build them
from `settings.public_url`). Rendering fails at queue time on an undefined variable.

The worker task `run_mail_sender` sends due mails over SMTP (`SMTP_URL`) and retries
failures with exponential backoff; without `SMTP_URL`, mails stay in the table and are
readable on the development page `/dev/mails`. Bodies and recipients are never logged.
"""

from __future__ import annotations

from service.mail.outbox import queue_mail, queue_mails
from service.mail.rendering import LANGUAGES, RenderedMail, render_mail
from service.mail.sender import purge_old_mails, run_mail_sender, send_due

__all__ = [
    "LANGUAGES",
    "RenderedMail",
    "purge_old_mails",
    "queue_mail",
    "queue_mails",
    "render_mail",
    "run_mail_sender",
    "send_due",
]
