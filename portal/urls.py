from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django_otp.admin import OTPAdminSite

from portal import auth, team, views

# SECURITY: the admin needs the same second factor as the staff pages; its own password-only
# login form is replaced by the staff sign-in.
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", views.landing, name="landing"),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/login/", auth.staff_login, name="staff-login"),
    path("staff/login/code/", auth.staff_otp, name="staff-otp"),
    path("staff/login/setup/", auth.staff_otp_setup, name="staff-otp-setup"),
    path("staff/logout/", auth.staff_logout, name="staff-logout"),
    path("staff/enrol/<str:token>/", auth.staff_enrol, name="staff-enrol"),
    path("staff/team/", team.team, name="staff-team"),
    path("staff/team/<int:user_id>/enrolment-link/", team.issue_link, name="staff-team-link"),
    path("admin/login/", RedirectView.as_view(pattern_name="staff-login", query_string=True)),
    path("admin/", admin.site.urls),
    path("", include("verification.urls")),
    path("", include("dsar.urls")),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
