from django.urls import path

from dsar.views import customer

app_name = "dsar"

urlpatterns = [
    path("my/requests/", customer.request_list, name="request-list"),
    path("my/requests/new/", customer.request_new, name="request-new"),
    path("my/requests/new/erasure/", customer.confirm_erasure, name="request-confirm-erasure"),
    path("my/requests/<str:reference>/", customer.request_detail, name="request-detail"),
]
