from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("health/", views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("verification.urls")),
    path("", include("dsar.urls")),
]
