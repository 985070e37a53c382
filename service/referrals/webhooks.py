"""Where webhooks may go, and how they are POSTed there.

A webhook URL is chosen by an organisation's admin, and Boussole calls it from inside its own
network: without care, it would reach the database, the mail server or a cloud's metadata
address for anyone who can set a URL. So the host must resolve only to public addresses, the
scheme must be https, and both are checked when the URL is set and again at each delivery
(DNS answers change); the delivery connects to the very addresses checked (each in turn, as
the resolver ordered them, until one answers: an IPv6 address first that this network cannot
reach does not stop delivery) and never follows a redirect. `webhook_allow_private`
(development, tests) lifts both rules.

Behind a proxy (`webhook_proxy`), the call tunnels through it with CONNECT to the checked
address itself, and TLS runs end to end with the host's name: the proxy never chooses where
the call goes, and never sees what it carries.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import ipaddress
import secrets
import socket
import ssl
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit
from uuid import UUID

import asyncpg
import msgspec

from schemas.referrals import Webhook, WebhookIn
from service.accounts.identity import Identity
from service.errors import Forbidden, invalid
from service.referrals.queries import Q

TIMEOUT = 10.0

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeTarget(ValueError):
    """The URL may not be called: wrong scheme, no host, or an address that is not public."""


@dataclass(frozen=True)
class Target:
    """A checked webhook URL: where to connect, and what to ask for there."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]
    """Every address the host resolved to, all checked, in the resolver's order."""


def is_public(address: Address) -> bool:
    """False for loopback, private, link-local, multicast, reserved, unspecified and other
    non-global addresses, IPv4 ones written as IPv6 included."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


async def resolve(url: str, *, allow_private: bool) -> Target:
    """Check a webhook URL and resolve its host; every address it resolves to must be public.

    Raises UnsafeTarget saying why (never the addresses found, which would map the network).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_private):
        raise UnsafeTarget("must use https")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise UnsafeTarget("has an invalid port") from error
    if not host:
        raise UnsafeTarget("has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("must not carry a user name or password")
    port = port or (443 if scheme == "https" else 80)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeTarget("has a host name that does not resolve") from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not addresses:
        raise UnsafeTarget("has a host name that does not resolve")
    if not allow_private and not all(is_public(a) for a in addresses):
        raise UnsafeTarget(
            "points to a loopback, private, link-local, multicast or reserved address"
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port, path, tuple(dict.fromkeys(str(a) for a in addresses)))


async def check_url(url: str, *, allow_private: bool) -> None:
    """For an admin setting a webhook: a 422 on `url` when Boussole may not call it."""
    try:
        await resolve(url, allow_private=allow_private)
    except UnsafeTarget as error:
        raise invalid("url", f"{error}: webhooks go to the organisation's public system") from None


# The organisation's webhook, as its admins manage it: the API and the organisation's page.


def require_admin(identity: Identity, organisation_id: UUID) -> None:
    """Only the organisation's admins manage its webhook (not its editors, nor coordinators:
    the calls carry its referrals' changes to a system of its own)."""
    if identity.role_in(organisation_id) != "admin":
        raise Forbidden("only the organisation's admins may manage its referral webhook")


async def current(
    conn: asyncpg.Connection, identity: Identity, organisation_id: UUID
) -> Webhook | None:
    """The organisation's webhook without its secret (never shown again), or None."""
    require_admin(identity, organisation_id)
    row = await conn.fetchrow(Q.get_webhook, organisation_id)
    return None if row is None else msgspec.convert(dict(row), Webhook)


async def set_webhook(
    conn: asyncpg.Connection,
    identity: Identity,
    organisation_id: UUID,
    data: WebhookIn,
    *,
    allow_private: bool,
) -> Webhook:
    """Call `data.url` with each change of the organisation's referrals, signed with
    `data.secret`, or a new one made here; the answer carries the secret, this once."""
    require_admin(identity, organisation_id)
    await check_url(data.url, allow_private=allow_private)
    secret = data.secret or secrets.token_urlsafe(32)
    row = await conn.fetchrow(Q.upsert_webhook, organisation_id, data.url, secret)
    return msgspec.convert(dict(row), Webhook)


async def remove(conn: asyncpg.Connection, identity: Identity, organisation_id: UUID) -> None:
    """Stop the calls; those still waiting are dropped with the webhook, so that one set
    later (another system, another secret) is not sent this old backlog."""
    require_admin(identity, organisation_id)
    async with conn.transaction():
        await conn.execute(Q.delete_webhook, organisation_id)
        await conn.execute(Q.drop_pending_webhooks, organisation_id)


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy to tunnel through, and its credentials if it asks for them."""

    host: str
    port: int
    authorization: str | None = None

    @classmethod
    def parse(cls, url: str) -> Proxy:
        """From `http://[user:password@]host:port`, as HTTPS_PROXY is written."""
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if not parts.hostname:
            raise ValueError(f"no host in the proxy address {url!r}")
        authorization = None
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            authorization = "Basic " + base64.b64encode(pair.encode()).decode()
        return cls(parts.hostname, parts.port or 3128, authorization)


def proxy_for(target: Target, proxy_url: str | None) -> Proxy | None:
    """The proxy to go through for this target: none when unset or when NO_PROXY names it."""
    if not proxy_url or urllib.request.proxy_bypass(target.host):
        return None
    return Proxy.parse(proxy_url)


def _tunnel(proxy: Proxy, address: str, port: int, timeout: float | None) -> socket.socket:
    """A connection through the proxy to exactly `address`:`port` (CONNECT)."""
    sock = socket.create_connection((proxy.host, proxy.port), timeout)
    authority = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    request = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
    if proxy.authorization:
        request += f"Proxy-Authorization: {proxy.authorization}\r\n"
    try:
        sock.sendall((request + "\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk or len(answer) > 16 * 1024:
                raise OSError("the proxy closed the tunnel before answering")
            answer += chunk
        status = answer.split(b"\r\n", 1)[0].split()
        if len(status) < 2 or status[1] != b"200":
            raise OSError(f"the proxy refused the tunnel: {b' '.join(status[1:3]).decode()}")
    except BaseException:
        sock.close()
        raise
    return sock


def _connect(
    addresses: tuple[str, ...], port: int, timeout: float | None, proxy: Proxy | None = None
) -> socket.socket:
    """A connection to the first of the checked addresses that accepts one, through the proxy
    when there is one."""
    failure: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            if proxy is None:
                sock = socket.create_connection((address, port), timeout)
            else:
                sock = _tunnel(proxy, address, port, timeout)
        except OSError as error:
            failure = error
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise failure


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the addresses that were checked, not to a fresh DNS answer."""

    def __init__(self, target: Target, proxy: Proxy | None) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT)
        self._addresses = target.addresses
        self._proxy = proxy

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout, self._proxy)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the addresses that were checked, verifying the certificate of the host name."""

    def __init__(self, target: Target, proxy: Proxy | None) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=TIMEOUT, context=self._tls)
        self._addresses = target.addresses
        self._proxy = proxy

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self.timeout, self._proxy)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str], proxy: Proxy | None = None) -> int:
    """POST the body and return the status; a redirect is an answer like any other (not 2xx),
    never followed."""
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(target, proxy)
    else:
        connection = _PinnedHTTPConnection(target, proxy)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()
