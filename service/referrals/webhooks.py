"""Where webhooks may go, and how they are POSTed there.

A webhook URL is chosen by an organisation's admin, and Boussole calls it from inside its own
network: without care, it would reach the database, the mail server or a cloud's metadata
address for anyone who can set a URL. So the host must resolve only to public addresses, the
scheme must be https, and both are checked when the URL is set and again at each delivery
(DNS answers change); the delivery connects to the very addresses checked (each in turn, as
the resolver ordered them, until one answers: an IPv6 address first that this network cannot
reach does not stop delivery) and never follows a redirect. `webhook_allow_private`
(development, tests) lifts both rules.
"""

from __future__ import annotations

import asyncio
import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from service.errors import invalid

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


def _connect(addresses: tuple[str, ...], port: int, timeout: float | None) -> socket.socket:
    """A connection to the first of the checked addresses that accepts one."""
    failure: OSError = OSError("no address to connect to")
    for address in addresses:
        try:
            sock = socket.create_connection((address, port), timeout)
        except OSError as error:
            failure = error
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise failure


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the addresses that were checked, not to a fresh DNS answer."""

    def __init__(self, target: Target) -> None:
        super().__init__(target.host, target.port, timeout=TIMEOUT)
        self._addresses = target.addresses

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the addresses that were checked, verifying the certificate of the host name."""

    def __init__(self, target: Target) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=TIMEOUT, context=self._tls)
        self._addresses = target.addresses

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post(target: Target, body: bytes, headers: dict[str, str]) -> int:
    """POST the body and return the status; a redirect is an answer like any other (not 2xx),
    never followed."""
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(target)
    else:
        connection = _PinnedHTTPConnection(target)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()
