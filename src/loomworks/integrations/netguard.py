"""Where a webhook may go: public addresses only, unless the settings allow private ones.

A URL names a host; the host resolves to addresses. An endpoint is refused
when any of its addresses is loopback, private, link-local, reserved,
multicast or otherwise not public (server-side request forgery: a webhook
must not become a way to reach the brand's own network). The check runs when
an endpoint is registered and again before each send, and the request then
goes to the address that was checked, not to a second lookup.
`WEBHOOKS_ALLOW_PRIVATE=1` lets private, loopback and link-local targets
through, for tests and development; unspecified and multicast addresses stay
refused.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_URL_LENGTH = 2000


class TargetRefused(Exception):
    """The URL is not one we send to; the message says why, for a person."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked IP address the request goes to

    @property
    def default_port(self) -> bool:
        return self.port == (443 if self.scheme == "https" else 80)


def _split(url: str):
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(_("The URL is at most %(max)s characters.") % {"max": MAX_URL_LENGTH})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused(_("This is not a valid URL.")) from None
    if parts.scheme not in ("http", "https"):
        raise TargetRefused(_("The URL must start with https:// (or http://)."))
    if not parts.hostname:
        raise TargetRefused(_("The URL must name a host."))
    if parts.username or parts.password:
        raise TargetRefused(_("Leave user names and passwords out of the URL."))
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if address.is_unspecified or address.is_multicast:
        return _("%(address)s is not an address a webhook can be sent to.")
    if address.is_global:
        return None
    if settings.WEBHOOKS_ALLOW_PRIVATE and (
        address.is_private or address.is_loopback or address.is_link_local
    ):
        return None
    return _(
        "%(address)s is a private, loopback, link-local or reserved address; webhooks go to "
        "public addresses only."
    )


def resolve_target(url: str) -> Target:
    """Check `url` and the addresses its host has now; raise `TargetRefused` with the reason."""
    scheme, host, port = _split(url)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise TargetRefused(
                _("The host %(host)s could not be found; check the URL.") % {"host": host}
            ) from None
        addresses = []
        for *_rest, sockaddr in found:
            address = ipaddress.ip_address(sockaddr[0].split("%")[0])
            if address not in addresses:
                addresses.append(address)
        if not addresses:
            raise TargetRefused(
                _("The host %(host)s could not be found; check the URL.") % {"host": host}
            )
    for address in addresses:
        reason = _refusal(address)
        if reason:
            raise TargetRefused(reason % {"address": address})
    return Target(scheme=scheme, host=host, port=port, address=str(addresses[0]))
