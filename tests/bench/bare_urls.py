"""The portal's URLs plus a bare view, for the HTTP bench only (tests/bench/http_settings.py).

The bare view answers "ok" through the same gunicorn, middleware and settings as every
portal page: the reference the pages' requests per second are compared with.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import *  # noqa: F403
from portal.urls import urlpatterns as portal_urlpatterns


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *portal_urlpatterns]
