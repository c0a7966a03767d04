"""Refuses requests to private, loopback, link-local and metadata addresses (SSRF), including after redirects."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

Resolver = Callable[[str], list[str]]


class BlockedAddress(Exception):
    """The URL's host is, or resolves to, an address blindspot must not fetch from."""


def system_resolver(host: str) -> list[str]:
    """Every address the host name resolves to (both families)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({info[4][0] for info in infos})


def address_class(address: str) -> str | None:
    """Why an address is refused ('loopback', 'private', 'link_local', ...), or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    checks = [
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link_local", ip.is_link_local),  # includes 169.254.169.254, the cloud metadata service
        ("private", ip.is_private),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("shared", ip in ipaddress.ip_network("100.64.0.0/10")),
    ]
    return next((name for name, hit in checks if hit), None)


def check_url(url: str, allow_loopback: bool = False, resolver: Resolver = system_resolver) -> None:
    """Raise BlockedAddress if any address of the URL's host is refused. Loopback may be allowed (demo, tests)."""
    host = urlsplit(url).hostname
    if not host:
        raise BlockedAddress(f"no host in {url!r}")
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = resolver(host)
        except OSError as exc:
            raise BlockedAddress(f"cannot resolve {host!r}: {exc}") from exc
    for address in addresses:
        kind = address_class(address)
        if kind is None or (kind == "loopback" and allow_loopback):
            continue
        raise BlockedAddress(f"{host} resolves to {address} ({kind}); refused")
