"""Customer pages: the verified subject's requests. Every page needs a verified session."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dsar import (
    audit,
    casework,
    extracts,
    recipients_ledger,
    rectification,
    restriction,
    selectors,
    services,
)
from dsar.forms import (
    KIND_HELP,
    AnswerForm,
    ConfirmErasureForm,
    NewRequestForm,
    RectifyForm,
    RestrictForm,
)
from dsar.models import AuditEvent, DataRequest
from verification.decorators import fresh_subject_required, subject_required
from verification.phone import pretty


def _get_request_for_subject(request: HttpRequest, reference: str) -> DataRequest:
    # SECURITY: scoped to the verified number; anyone else's reference is a plain 404.
    dr = DataRequest.objects.select_related("subject").filter(reference=reference).first()
    if dr is None:
        raise Http404
    if dr.subject.number != request.subject_number:
        # SECURITY: the attempt goes on that case's trail, with no number: whose it was
        # is exactly what must not be written down.
        with transaction.atomic():
            audit.record(
                dr,
                "dsar.request.access_refused",
                actor_kind=AuditEvent.ActorKind.SUBJECT,
                data={"page": request.resolver_match.url_name if request.resolver_match else ""},
            )
        raise Http404
    return dr


def _language() -> str:
    return (get_language() or "en").split("-")[0]


@never_cache
@subject_required
def request_list(request: HttpRequest) -> HttpResponse:
    requests = list(selectors.customer_requests(request.subject_number))
    for dr in requests:
        dr.customer_state = selectors.customer_state(dr, waiting=dr.waiting_for_customer)
        dr.asked_detail = _asked_detail(dr, request.LANGUAGE_CODE)
    context = {"requests": requests, "number": pretty(request.subject_number)}
    return render(request, "dsar/request_list.html", context)


@never_cache
@subject_required
@require_http_methods(["GET", "POST"])
def request_new(request: HttpRequest) -> HttpResponse:
    form = NewRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        kind, channel = form.cleaned_data["kind"], form.cleaned_data["channel"]
        if kind == DataRequest.Kind.ERASURE:
            # Erasure is confirmed on its own page, which asks for a fresh code.
            return redirect("dsar:request-confirm-erasure")
        if kind == DataRequest.Kind.RECTIFICATION:
            return redirect("dsar:request-rectify")
        if kind == DataRequest.Kind.RESTRICTION:
            return redirect("dsar:request-restrict")
        dr = services.open_request(
            number=request.subject_number,
            kind=kind,
            channel=channel,
            language=_language(),
            idempotency_key=form.cleaned_data["token"],
        )
        return redirect(reverse("dsar:request-detail", args=[dr.reference]) + "?new=1")
    context = {"form": form, "kind_help": KIND_HELP}
    return render(request, "dsar/request_new.html", context, status=400 if form.errors else 200)


@never_cache
@fresh_subject_required
@require_http_methods(["GET", "POST"])
def confirm_erasure(request: HttpRequest) -> HttpResponse:
    form = ConfirmErasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        dr = services.open_request(
            number=request.subject_number,
            kind=DataRequest.Kind.ERASURE,
            language=_language(),
            idempotency_key=form.cleaned_data["token"],
        )
        return redirect(reverse("dsar:request-detail", args=[dr.reference]) + "?new=1")
    status = 400 if form.errors else 200
    context = {"form": form, "cooling_off_hours": settings.DSAR_ERASURE_COOLING_OFF_HOURS}
    return render(request, "dsar/confirm_erasure.html", context, status=status)


@never_cache
@subject_required
@require_http_methods(["GET", "POST"])
def rectify(request: HttpRequest) -> HttpResponse:
    try:
        values, withheld = rectification.customer_values(
            request.subject_number, language=_language()
        )
    except services.NotAllowed as e:
        return render(request, "dsar/rectify.html", {"error": e.message}, status=503)
    token = request.POST.get("field") or request.GET.get("field")
    if not token:
        return render(request, "dsar/rectify.html", {"values": values, "withheld": withheld})
    # SECURITY: only one of this customer's own values; anything else is a plain 404.
    value = rectification.find(values, token)
    if value is None:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = RectifyForm(data, kind=value.kind, max_length=value.max_length, name=value.label)
    if data is not None and form.is_valid():
        try:
            dr = rectification.file_request(
                number=request.subject_number,
                value=value,
                corrected=form.cleaned_data["corrected"],
                language=_language(),
                idempotency_key=form.cleaned_data["token"],
            )
        except services.NotAllowed as e:
            form.add_error("corrected", e.message)
        else:
            return redirect(reverse("dsar:request-detail", args=[dr.reference]) + "?new=1")
    context = {"value": value, "form": form}
    return render(request, "dsar/rectify.html", context, status=400 if form.errors else 200)


@never_cache
@subject_required
@require_http_methods(["GET", "POST"])
def restrict(request: HttpRequest) -> HttpResponse:
    form = RestrictForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        dr = restriction.file_request(
            number=request.subject_number,
            reason=form.cleaned_data["reason"],
            language=_language(),
            idempotency_key=form.cleaned_data["token"],
        )
        return redirect(reverse("dsar:request-detail", args=[dr.reference]) + "?new=1")
    status = 400 if form.errors else 200
    return render(request, "dsar/restrict.html", {"form": form}, status=status)


@never_cache
@subject_required
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    dr = _get_request_for_subject(request, reference)
    package = services.downloadable_package(data_request=dr)
    open_question = dr.clarifications.filter(answered_at__isnull=True).first()
    erased = services.finished_erasure(data_request=dr)
    context = {
        "dr": dr,
        "state": selectors.customer_state(dr, waiting=open_question is not None),
        "outcome": services.suppression_outcome(dr),
        "asked_detail": _asked_detail(dr, request.LANGUAGE_CODE),
        "is_new": request.GET.get("new") == "1",
        "package": package,
        "erasure_done": erased is not None,
        # Records of a shared number left out of the erasure: the answer is partial.
        "erasure_withheld": ((erased.summary or {}).get("plan") or {}).get("withheld", 0)
        if erased
        else 0,
        "erasure_pending": services.cancellable_erasure(data_request=dr),
        "recipients_told": recipients_ledger.for_case(dr),
        "restriction": getattr(dr, "restriction", None)
        if dr.kind == DataRequest.Kind.RESTRICTION
        else None,
        "answer_form": AnswerForm(clarification=open_question) if open_question else None,
        "open_question": open_question,
        "authority": settings.DSAR_SUPERVISORY_AUTHORITY,
        "authority_url": settings.DSAR_SUPERVISORY_AUTHORITY_URL,
    }
    return render(request, "dsar/request_detail.html", context)


@never_cache
@subject_required
@require_http_methods(["POST"])
def answer(request: HttpRequest, reference: str, clarification_id: int) -> HttpResponse:
    dr = _get_request_for_subject(request, reference)
    clarification = dr.clarifications.filter(pk=clarification_id).first()
    if clarification is None:
        raise Http404
    form = AnswerForm(request.POST, clarification=clarification)
    if form.is_valid():
        try:
            casework.answer_clarification(
                clarification=clarification, answer=form.cleaned_data["answer"]
            )
        except services.NotAllowed as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("Thank you. We continue with your request."))
    else:
        messages.error(request, _("Choose one of the answers."))
    return redirect("dsar:request-detail", reference)


@never_cache
@subject_required
@require_http_methods(["POST"])
def cancel_erasure(request: HttpRequest, reference: str) -> HttpResponse:
    dr = _get_request_for_subject(request, reference)
    try:
        casework.cancel_erasure(data_request=dr)
    except services.NotAllowed as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("You cancelled the erasure. We erase nothing."))
    return redirect("dsar:request-detail", reference)


@never_cache
@fresh_subject_required
def download_started(request: HttpRequest, reference: str, what: str) -> HttpResponse:
    """The page a download button leads to (after a fresh code if needed): it starts the
    file with a meta refresh and stays, so the browser does not sit on the code page."""
    dr = _get_request_for_subject(request, reference)
    if what == "data":
        if services.downloadable_package(data_request=dr) is None:
            return render(request, "dsar/package_gone.html", {"dr": dr}, status=410)
        url, filename = reverse("dsar:request-download", args=[reference]), f"{reference}.zip"
    else:
        if services.finished_erasure(data_request=dr) is None:
            raise Http404
        url = reverse("dsar:request-receipt", args=[reference])
        filename = f"{reference}-erasure-receipt.pdf"
    context = {"dr": dr, "file_url": url, "filename": filename}
    return render(request, "dsar/download_started.html", context)


@never_cache
@fresh_subject_required
def download(request: HttpRequest, reference: str) -> HttpResponse:
    dr = _get_request_for_subject(request, reference)
    package = services.downloadable_package(data_request=dr)
    if package is None:
        return render(request, "dsar/package_gone.html", {"dr": dr}, status=410)
    handle = services.open_package_for_subject(package=package)
    return FileResponse(
        handle, as_attachment=True, filename=f"{dr.reference}.zip", content_type="application/zip"
    )


@never_cache
@fresh_subject_required
def erasure_receipt(request: HttpRequest, reference: str) -> HttpResponse:
    dr = _get_request_for_subject(request, reference)
    job = services.finished_erasure(data_request=dr)
    if job is None:
        raise Http404
    pdf = extracts.erasure_receipt_pdf(job=job, language=dr.language)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{dr.reference}-erasure-receipt.pdf"'
    return response


def _asked_detail(dr, language: str) -> str:
    """What exactly the customer asked, beyond the kind: the field to correct, the reason
    for a restriction."""
    if dr.kind == DataRequest.Kind.RECTIFICATION:
        from dsar import rectification

        return rectification.describe(dr, language)
    if dr.kind == DataRequest.Kind.RESTRICTION:
        restriction = getattr(dr, "restriction", None)
        return restriction.get_reason_display() if restriction else ""
    return ""
