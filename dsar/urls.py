from django.urls import path

from dsar.views import api, customer, dashboard, register, rights, staff

app_name = "dsar"

urlpatterns = [
    path("my/requests/", customer.request_list, name="request-list"),
    path("my/requests/new/", customer.request_new, name="request-new"),
    path("my/requests/new/erasure/", customer.confirm_erasure, name="request-confirm-erasure"),
    path("my/requests/new/rectification/", customer.rectify, name="request-rectify"),
    path("my/requests/new/restriction/", customer.restrict, name="request-restrict"),
    path("my/requests/<str:reference>/", customer.request_detail, name="request-detail"),
    path("my/requests/<str:reference>/download/", customer.download, name="request-download"),
    path(
        "my/requests/<str:reference>/download/started/",
        customer.download_started,
        {"what": "data"},
        name="request-download-started",
    ),
    path(
        "my/requests/<str:reference>/erasure-receipt/started/",
        customer.download_started,
        {"what": "receipt"},
        name="request-receipt-started",
    ),
    path(
        "my/requests/<str:reference>/cancel-erasure/",
        customer.cancel_erasure,
        name="request-cancel-erasure",
    ),
    path(
        "my/requests/<str:reference>/answer/<int:clarification_id>/",
        customer.answer,
        name="request-answer",
    ),
    path("api/suppression/check/", api.suppression_check, name="suppression-check"),
    path("api/restriction/check/", api.restriction_check, name="restriction-check"),
    path("staff/", staff.queue, name="queue"),
    path("staff/register/", register.register_list, name="register"),
    path("staff/register/register.pdf", register.register_pdf, name="register-pdf"),
    path(
        "staff/register/<slug:code>/activity.pdf",
        register.activity_pdf,
        name="register-activity-pdf",
    ),
    path(
        "my/requests/<str:reference>/erasure-receipt.pdf",
        customer.erasure_receipt,
        name="request-receipt",
    ),
    path("staff/dashboard/", dashboard.cockpit, name="dashboard"),
    path("staff/dashboard/cases/", dashboard.cases, name="dashboard-cases"),
    path("staff/dashboard/export.csv", dashboard.export_csv, name="dashboard-export"),
    path("staff/dashboard/report.pdf", dashboard.report_pdf, name="dashboard-report"),
    path("staff/cases/<str:reference>/", staff.case_detail, name="case-detail"),
    path("staff/cases/<str:reference>/claim/", staff.claim, name="case-claim"),
    path("staff/cases/<str:reference>/assign/", staff.assign, name="case-assign"),
    path("staff/cases/<str:reference>/run/<str:kind>/", staff.run_job, name="case-run"),
    path("staff/cases/<str:reference>/submit/", staff.submit, name="case-submit"),
    path(
        "staff/cases/<str:reference>/shared-number/",
        staff.shared_number,
        name="case-shared-number",
    ),
    path(
        "staff/cases/<str:reference>/shared-number/decide/",
        staff.decide_requester,
        name="case-decide-requester",
    ),
    path("staff/cases/<str:reference>/review/", staff.review, name="case-review"),
    path(
        "staff/cases/<str:reference>/review/register-extract.pdf",
        staff.review_extract,
        name="case-review-extract",
    ),
    path("staff/cases/<str:reference>/approve/", staff.approve, name="case-approve"),
    path("staff/cases/<str:reference>/send-back/", staff.send_back, name="case-send-back"),
    path("staff/cases/<str:reference>/extend/", staff.extend, name="case-extend"),
    path("staff/cases/<str:reference>/refuse/", staff.refuse, name="case-refuse"),
    path("staff/cases/<str:reference>/clarify/", staff.clarify, name="case-clarify"),
    path("staff/cases/<str:reference>/policy/", staff.set_policy, name="case-policy"),
    path(
        "staff/cases/<str:reference>/recipients/<int:notice_id>/acknowledge/",
        rights.acknowledge_notice,
        name="case-acknowledge-notice",
    ),
    path(
        "staff/cases/<str:reference>/restriction/lift/",
        rights.propose_lift,
        name="case-propose-lift",
    ),
]
