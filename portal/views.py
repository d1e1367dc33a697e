from __future__ import annotations

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control, never_cache
from kombu.exceptions import OperationalError as BrokerError

from portal import health as health_checks

# An exception from these is the database or the broker being away, not a bug: the
# customer gets "try again in a few minutes" (503), the log still gets the traceback.
UNAVAILABLE = (OperationalError, InterfaceError, BrokerError)


def site_context(request: HttpRequest) -> dict:
    return {"site_url": settings.SITE_URL}


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/landing.html")


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links: send them to the static file.

    Not a permanent redirect: the target's hashed name changes when the icon does.
    """
    return HttpResponseRedirect(static("img/favicon.ico"))


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer within a second; 503 names the failing."""
    checks = health_checks.run_checks(timeout=1.0)
    failed = [name for name, answer in checks.items() if answer not in {"ok", "not used"}]
    status = "unavailable" if failed else "ok"
    return JsonResponse(
        {"status": status, "failed": failed, "checks": checks}, status=503 if failed else 200
    )


# Error pages. 400, 403 and 404 use the site's layout; 500 and 503 render a page that
# needs neither the database nor the session (the failure may be theirs).


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "portal/error.html", {"code": 400}, status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "portal/error.html", {"code": 403}, status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "portal/error.html", {"code": 403, "csrf": True}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "portal/error.html", {"code": 404}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception: a database or broker that is away
    # answers 503, anything else 500.
    code = 503 if isinstance(sys.exc_info()[1], UNAVAILABLE) else 500
    try:
        css = static("css/portal.css")
    except Exception:
        css = f"{settings.STATIC_URL}css/portal.css"
    context = {"code": code, "css": css, "LANGUAGE_CODE": get_language()}
    body = loader.get_template("portal/error_plain.html").render(context)
    response = HttpResponse(body, status=code)
    if code == 503:
        response["Retry-After"] = "120"
    return response
