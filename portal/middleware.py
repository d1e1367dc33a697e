"""Rules for staff sessions that hold on every request, whatever the view."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

SEEN_KEY = "_staff_seen"
# The staff side of the site: its pages are never stored by a browser or a proxy.
STAFF_PREFIXES = ("/staff/", "/admin/")


class StaffSessionMiddleware:
    """The staff idle timeout and `Cache-Control: no-store` on staff pages.

    A signed-in user (staff: customers have no accounts) who sends no request for
    `STAFF_SESSION_IDLE` seconds is signed out on the next one and lands on the sign-in
    page with a message. Every response under `STAFF_PREFIXES`, and every response to a
    signed-in user, gets `Cache-Control: no-store` (with Django's other never-cache
    headers), so a shared or stolen computer's cache holds no case. Needs the session,
    authentication and message middleware before it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            seen = request.session.get(SEEN_KEY)
            # SECURITY: an unattended staff session dies; the next request signs in again.
            if isinstance(seen, int | float) and now - seen > settings.STAFF_SESSION_IDLE:
                logout(request)
                minutes = max(1, settings.STAFF_SESSION_IDLE // 60)
                messages.info(
                    request,
                    _("You were signed out after %(minutes)s minutes without activity.")
                    % {"minutes": minutes},
                )
            else:
                request.session[SEEN_KEY] = now
        response = self.get_response(request)
        if request.path.startswith(STAFF_PREFIXES) or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
