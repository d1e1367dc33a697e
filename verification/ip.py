"""The client's address: one trusted-proxy rule for rate limits and for django-axes.

`TRUSTED_PROXY_COUNT` says how many reverse proxies stand in front of the portal. Each
proxy appends the address it received the request from to `X-Forwarded-For`, so with N
proxies the N-th entry from the right is the one the first proxy saw: the client. Entries
further left were sent by the client and are never trusted. Without proxies (0) only
`REMOTE_ADDR` counts. django-ipware parses the header (`AXES_CLIENT_IP_CALLABLE` points
django-axes here, so both see the same address).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ipware import get_client_ip


def client_ip(request: HttpRequest) -> str:
    """The client's address by the trusted-proxy rule; `REMOTE_ADDR` when the header lacks it.

    A header with fewer entries than there are proxies did not pass through all of them
    (or was forged on a direct connection): then the address is the connection's own,
    which can only make a limit stricter, never let a client pick its address.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        # ipware counts the proxies inside the header; the last proxy is REMOTE_ADDR itself.
        ip, _routable = get_client_ip(
            request,
            proxy_count=proxies - 1,
            request_header_order=["HTTP_X_FORWARDED_FOR"],
            strict=False,
        )
        if ip:
            return ip
    ip, _routable = get_client_ip(request, request_header_order=["REMOTE_ADDR"])
    return ip or request.META.get("REMOTE_ADDR", "")
