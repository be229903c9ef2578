"""Requests the site makes to other people's servers (feeds it polls, webhooks it delivers),
guarded against server-side request forgery.

A staff member types an address; the site then connects to it from inside the network. So
private, loopback, link-local, multicast, reserved and unspecified addresses are refused unless
the caller's setting allows them (tests, an intranet). Two checks, both needed:

* ``check_host`` / ``resolve_and_check`` when an address is saved, for a clear message at once;
* the connection classes of ``pool_manager``, on the address the socket actually connected to,
  after name resolution: a name that resolved to a public address at save time and resolves to
  a private one later (DNS rebinding) gains nothing.

The pool manager never retries and never follows redirects by itself (callers pass
``redirect=False``; a redirect target would have to be checked like the first address).
"""

from __future__ import annotations

import functools
import ipaddress
import socket

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")


class BlockedAddress(Exception):
    """An address that is not on the public internet, refused. The message is fit for staff."""


def check_address(ip: str, *, allow_private: bool) -> None:
    """Refuse ``ip`` unless it is a public (globally routable, not multicast) address, or
    ``allow_private`` is on. IPv4-mapped IPv6 addresses are judged as the IPv4 they carry."""
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if allow_private:
        return
    if not address.is_global or address.is_multicast or address.is_unspecified or address.is_reserved:
        raise BlockedAddress(f"Refused: {ip} is a private, loopback or reserved address.")


def is_local_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(LOCAL_SUFFIXES) or "." not in host


def check_host(host: str, *, allow_private: bool) -> None:
    """The checks that need no name resolution: a literal IP address, or a local name
    (``localhost``, ``*.local``, ``*.internal``, a bare intranet name)."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        check_address(str(literal), allow_private=allow_private)
    elif not allow_private and is_local_name(host):
        raise BlockedAddress(f"Refused: {host} is a local name.")


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to now (an empty list when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def resolve_and_check(host: str, port: int, *, allow_private: bool) -> list[str]:
    """``check_host``, then every address the name resolves to now must be public too.
    A name that does not resolve is refused with a message saying so."""
    check_host(host, allow_private=allow_private)
    addresses = resolve(host, port)
    if not addresses:
        raise BlockedAddress(f"{host} does not resolve to any address.")
    for address in addresses:
        check_address(address, allow_private=allow_private)
    return addresses


def blocked_cause(exc: BaseException | None) -> BlockedAddress | None:
    """The ``BlockedAddress`` behind a urllib3 error (urllib3 wraps what ``_new_conn`` raised)."""
    seen = 0
    while exc is not None and seen < 6:
        if isinstance(exc, BlockedAddress):
            return exc
        exc = getattr(exc, "reason", None) or exc.__context__ or exc.__cause__
        seen += 1
    return None


@functools.cache
def _pool_classes(allow_private: bool) -> dict[str, type]:
    def checked(sock: socket.socket) -> socket.socket:
        try:
            check_address(sock.getpeername()[0], allow_private=allow_private)
        except BlockedAddress:
            sock.close()
            raise
        return sock

    class CheckedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return checked(super()._new_conn())

    class CheckedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return checked(super()._new_conn())

    class CheckedHTTPPool(HTTPConnectionPool):
        ConnectionCls = CheckedHTTPConnection

    class CheckedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = CheckedHTTPSConnection

    return {"http": CheckedHTTPPool, "https": CheckedHTTPSPool}


def pool_manager(*, allow_private: bool, num_pools: int = 4) -> urllib3.PoolManager:
    """A urllib3 pool manager whose every connection is checked with ``check_address`` on the
    peer it reached, and which never retries (``retries=False``)."""
    manager = urllib3.PoolManager(num_pools=num_pools, retries=False)
    manager.pool_classes_by_scheme = _pool_classes(bool(allow_private))
    return manager
