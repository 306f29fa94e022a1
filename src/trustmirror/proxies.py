"""The client's address, also behind reverse proxies (settings: ``TRUSTMIRROR_BEHIND_PROXY``).

Behind a proxy, ``REMOTE_ADDR`` is the proxy's address for every request, so whatever is keyed
on it (the rate limits) would treat all clients as one. Each proxy appends the address it saw
to ``X-Forwarded-For``; whatever stands left of our own proxies' entries the client wrote
itself and may be forged. So the header is read only when the operator says a proxy is in
front (``TRUSTMIRROR_BEHIND_PROXY=1``), and only as far as the proxies the operator names:

- ``TRUSTMIRROR_PROXY_HOPS`` (default 1): that many proxies; the client is the entry that
  many places left of the peer. With fewer entries the request did not pass them all, and
  the peer is the client (werkzeug's ``ProxyFix`` counts the same way).
- ``TRUSTMIRROR_TRUSTED_PROXIES``: the proxies' addresses or networks; walking from the peer
  leftwards, the first address that is not one of them is the client. A peer that is not a
  trusted proxy is the client, whatever the header says.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

__all__ = ["client_address"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, as a normalised string."""
    raw_peer = request.META.get("REMOTE_ADDR", "")
    parsed_peer = _parse(raw_peer)
    peer = str(parsed_peer) if parsed_peer is not None else raw_peer
    if not settings.TRUSTMIRROR_BEHIND_PROXY:
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [part.strip() for part in forwarded.split(",") if part.strip()] + [peer]
    trusted = settings.TRUSTMIRROR_TRUSTED_PROXIES
    if trusted:
        return _past_trusted_proxies(chain, trusted) or peer
    hops = settings.TRUSTMIRROR_PROXY_HOPS
    if len(chain) <= hops:
        return peer
    address = _parse(chain[-1 - hops])
    return str(address) if address is not None else peer


def _past_trusted_proxies(chain: list[str], trusted: list) -> str | None:
    seen = None
    for entry in reversed(chain):
        address = _parse(entry)
        if address is None:
            # A trusted proxy wrote something that is no address: keep the last one we know.
            return seen
        seen = str(address)
        if not any(address in network for network in trusted):
            return seen
    return seen  # every hop is a trusted proxy: the leftmost is the best we know


def _parse(entry: str) -> Address | None:
    """An address from a header entry; some proxies add a port (``1.2.3.4:5``, ``[::1]:5``).

    An IPv4 client of a dual-stack server arrives as ``::ffff:1.2.3.4``; it is that IPv4
    address (counted per /64 as IPv6, every IPv4 client would share one count).
    """
    if entry.startswith("["):
        entry = entry[1:].split("]", 1)[0]
    elif entry.count(":") == 1:
        entry = entry.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(entry)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
