"""The portal's URLs and error handlers plus views that fail, for the error-page tests."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401
from portal.urls import urlpatterns as portal_urlpatterns


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


def database_away(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection timeout expired")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [
    path("test/broken/", broken),
    path("test/database-away/", database_away),
    path("test/forbidden/", forbidden),
    *portal_urlpatterns,
]
