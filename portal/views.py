from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def site_context(request: HttpRequest) -> dict:
    return {"site_url": settings.SITE_URL}


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/landing.html")


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
