"""Delivering a batch of mails over one SMTP connection (stdlib smtplib, run in a thread).

`SMTP_URL` forms: `smtp://host:port` (plain), `smtp+starttls://user:pass@host:587`
(STARTTLS required), `smtps://user:pass@host:465` (implicit TLS).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Literal
from urllib.parse import unquote, urlsplit

Outcome = Literal["sent", "retry", "fail"]


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to deliver mail."""

    host: str
    port: int
    security: Literal["none", "starttls", "tls"]
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class OutgoingMail:
    recipient: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Delivery:
    """What became of one mail: the outcome and, on failure, the kind of error only."""

    outcome: Outcome
    error: str | None = None


def parse_smtp_url(url: str) -> SmtpServer:
    """The server described by an `smtp://`, `smtp+starttls://` or `smtps://` URL."""
    parts = urlsplit(url)
    security: Literal["none", "starttls", "tls"]
    if parts.scheme == "smtp":
        security, default_port = "none", 25
    elif parts.scheme == "smtp+starttls":
        security, default_port = "starttls", 587
    elif parts.scheme == "smtps":
        security, default_port = "tls", 465
    else:
        raise ValueError("SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
    if not parts.hostname:
        raise ValueError("SMTP_URL has no host")
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML second."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    # Tells auto-responders not to answer notifications.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


def _connect(server: SmtpServer) -> smtplib.SMTP:
    client: smtplib.SMTP
    if server.security == "tls":
        client = smtplib.SMTP_SSL(
            server.host, server.port, timeout=server.timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
    if server.security == "starttls":
        client.starttls(context=ssl.create_default_context())
    if server.username:
        client.login(server.username, server.password or "")
    return client


def _error_kind(error: BaseException) -> str:
    # SMTP replies may quote the address: keep the class and the code, never the text.
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def deliver(server: SmtpServer, sender: str, mails: Sequence[OutgoingMail]) -> list[Delivery]:
    """Send each mail; blocking, so call it with `asyncio.to_thread`."""
    try:
        client = _connect(server)
    except (OSError, smtplib.SMTPException) as error:
        return [Delivery("retry", _error_kind(error)) for _ in mails]
    results: list[Delivery] = []
    try:
        for index, mail in enumerate(mails):
            try:
                message = build_message(mail, sender)
            except (ValueError, TypeError) as error:
                # A mail that cannot be written as a message never will be; the others go.
                results.append(Delivery("fail", _error_kind(error)))
                continue
            try:
                client.send_message(message)
                results.append(Delivery("sent"))
            except smtplib.SMTPRecipientsRefused as error:
                codes = [code for code, _ in error.recipients.values()]
                permanent = bool(codes) and all(code >= 500 for code in codes)
                kind = f"SMTPRecipientsRefused {codes[0] if codes else ''}".strip()
                results.append(Delivery("fail" if permanent else "retry", kind))
            except smtplib.SMTPResponseException as error:
                permanent = 500 <= error.smtp_code < 600 and error.smtp_code != 552
                results.append(Delivery("fail" if permanent else "retry", _error_kind(error)))
            except (OSError, smtplib.SMTPException) as error:
                # The connection is gone: this mail and the rest wait for the next round.
                kind = _error_kind(error)
                results.extend(Delivery("retry", kind) for _ in mails[index:])
                return results
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return results
