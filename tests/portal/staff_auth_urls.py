"""The portal's URLs plus the staff sign-in and two pages behind @staff_required, for tests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from portal import auth
from portal.urls import urlpatterns as portal_urlpatterns


@auth.staff_required()
def any_staff(request: HttpRequest) -> HttpResponse:
    return HttpResponse("staff page")


@auth.staff_required("dsar.approve_datarequest")
def approvers_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("approvers page")


urlpatterns = [
    path("staff/login/", auth.staff_login, name="staff-login"),
    path("staff/login/code/", auth.staff_otp, name="staff-otp"),
    path("staff/login/setup/", auth.staff_otp_setup, name="staff-otp-setup"),
    path("staff/logout/", auth.staff_logout, name="staff-logout"),
    path("test/staff-only/", any_staff),
    path("test/approvers-only/", approvers_only),
    *portal_urlpatterns,
]
