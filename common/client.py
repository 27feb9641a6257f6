"""The client's address, one way for every caller: the access log, the API throttles and the sign-in lockout."""

from __future__ import annotations

import ipaddress

from rest_framework.throttling import BaseThrottle


def client_address(request) -> str | None:
    """The client's address, the same way the API throttles see it (REST_FRAMEWORK NUM_PROXIES).

    Behind N trusted reverse proxies (DJANGO_NUM_PROXIES=N) it is the address the outermost trusted proxy saw, taken
    from X-Forwarded-For; with 0 (the default) it is REMOTE_ADDR, so a client cannot pick its own address with an
    X-Forwarded-For header and escape the per-address count or be logged under another address. None when the
    request has none that parses as an IP address.
    """
    if request is None:
        return None
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address(ident.strip()))
    except (ValueError, AttributeError):
        return None
