"""Customer pages: the verified subject's requests. Every page needs a verified session."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dsar import services
from dsar.forms import KIND_HELP, ConfirmErasureForm, NewRequestForm
from dsar.models import DataRequest
from verification.decorators import fresh_subject_required, subject_required
from verification.phone import pretty


def _get_request_for_subject(request: HttpRequest, reference: str) -> DataRequest:
    # SECURITY: scoped to the verified number; anyone else's reference is a plain 404.
    try:
        return DataRequest.objects.select_related("subject").get(
            reference=reference, subject__number=request.subject_number
        )
    except DataRequest.DoesNotExist:
        raise Http404 from None


def _language() -> str:
    return (get_language() or "en").split("-")[0]


@never_cache
@subject_required
def request_list(request: HttpRequest) -> HttpResponse:
    requests = DataRequest.objects.filter(subject__number=request.subject_number).order_by(
        "-received_at"
    )
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
        dr = services.open_request(
            number=request.subject_number, kind=kind, channel=channel, language=_language()
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
            number=request.subject_number, kind=DataRequest.Kind.ERASURE, language=_language()
        )
        return redirect(reverse("dsar:request-detail", args=[dr.reference]) + "?new=1")
    status = 400 if form.errors else 200
    return render(request, "dsar/confirm_erasure.html", {"form": form}, status=status)


@never_cache
@subject_required
def request_detail(request: HttpRequest, reference: str) -> HttpResponse:
    dr = _get_request_for_subject(request, reference)
    context = {"dr": dr, "is_new": request.GET.get("new") == "1"}
    return render(request, "dsar/request_detail.html", context)
