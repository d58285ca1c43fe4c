"""Webhooks: how an organisation hears about events without polling.

The one that matters most is ``safety_incident.created``: a trainee wrote as themselves in
distress, the role-play paused and crisis resources were shown, and the organisation's
safety contact should know now, not when someone next lists the incidents.
``session.report_ready`` saves partners polling ``GET /v1/sessions/{id}/report``.

Payloads carry ids, never transcript text: webhook receivers log bodies, and the text
is one authenticated API call away. Each delivery is signed so the receiver can check it
came from Practicum and is fresh (the scheme is the common ``t=<unix time>,v1=<hex
HMAC-SHA256 of "<t>.<body>">`` one, so receivers need no library of ours).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Sequence
from urllib.parse import urlsplit

from practicum_common.errors import InvalidInput

SAFETY_INCIDENT_CREATED = "safety_incident.created"
REPORT_READY = "session.report_ready"
EVENT_TYPES = (SAFETY_INCIDENT_CREATED, REPORT_READY)

SIGNATURE_HEADER = "Practicum-Signature"

# Seconds to wait before each retry of a delivery that failed: quick at first (a receiver
# restarting), then hours (a receiver down for the night). 11 attempts over about 28 h;
# after the last one the delivery is marked failed and listed as such.
RETRY_DELAYS_S = (5, 30, 120, 600, 1800, 3600, 7200, 14400, 28800, 43200)

MAX_URL_CHARS = 2000


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Practicum-Signature`` header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def retry_delay_s(attempts: int) -> int | None:
    """Seconds until the next attempt after ``attempts`` failed ones; None: give up."""
    return RETRY_DELAYS_S[attempts - 1] if 1 <= attempts <= len(RETRY_DELAYS_S) else None


def validate_subscription(url: str, events: Sequence[str], *, allow_insecure: bool) -> tuple[str, list[str]]:
    """The URL and event types as stored; InvalidInput naming the field otherwise.

    In production the URL must be https and must not name a non-public address (loopback,
    private, link-local, shared, reserved) literally: the platform would otherwise make
    requests into its own network on a partner's behalf. A host *name* is checked where
    it is resolved, when the subscription is set and again at every delivery (the
    webhook adapter), because its records can change after the check.
    """
    url = url.strip()
    if not url or len(url) > MAX_URL_CHARS:
        raise InvalidInput("url", f"must be 1-{MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  -- reading it validates it: "[::1", "[zz]", port 99999
    except ValueError as exc:
        raise InvalidInput("url", f"is not a valid URL ({exc})") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidInput("url", "must be an absolute http(s) URL")
    if parts.username or parts.password:
        raise InvalidInput("url", "must not carry credentials; verify the signature instead")
    if not allow_insecure:
        if parts.scheme != "https":
            raise InvalidInput("url", "must use https")
        if parts.hostname == "localhost" or _is_non_public_literal(parts.hostname):
            raise InvalidInput("url", "must not point at a loopback, private or link-local address")
    chosen = list(dict.fromkeys(events)) if events else list(EVENT_TYPES)
    unknown = [e for e in chosen if e not in EVENT_TYPES]
    if unknown:
        raise InvalidInput("events", f"unknown event type(s) {unknown}; known: {list(EVENT_TYPES)}")
    return url, chosen


def _is_non_public_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False  # a name, not an address literal
    return not is_public_address(host)


def is_public_address(address: str) -> bool:
    """Whether a webhook may be delivered to ``address`` (an IP address as text).

    Only globally routable unicast addresses: ``is_global`` already excludes loopback,
    private, link-local (cloud metadata at 169.254.169.254), shared (100.64/10),
    unspecified and reserved ranges; multicast is excluded on top. An IPv4 address
    written as IPv6 (``::ffff:10.0.0.1``) is judged as the IPv4 address it reaches.
    """
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return parsed.is_global and not parsed.is_multicast
