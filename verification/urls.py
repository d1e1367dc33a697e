from django.urls import path

from verification import views

app_name = "verification"

urlpatterns = [
    path("verify/", views.start, name="start"),
    path("verify/code/", views.code, name="code"),
    path("verify/resend/", views.resend, name="resend"),
    path("verify/again/", views.reverify, name="reverify"),
    path("sign-out/", views.logout, name="logout"),
]
