"""Customer verification pages: number → code → verified session."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from verification import phone, services
from verification import session as subject_session
from verification.decorators import subject_required
from verification.forms import CodeForm, PhoneForm
from verification.ip import client_ip


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("dsar:request-list")


def _send_code(request: HttpRequest, number: str, next_url: str) -> services.Challenge:
    binding = subject_session.begin_challenge(request.session, number=number)
    if not request.session.session_key:
        request.session.save()
    challenge = services.start_verification(
        number=number,
        binding=binding,
        ip=client_ip(request),
        session_key=request.session.session_key,
    )
    subject_session.set_challenge_device(
        request.session, device_id=challenge.device_id, resend_at=challenge.resend_at.timestamp()
    )
    # What the code page may truthfully say: a code went out now, or one went out shortly
    # before (to this session or another) and none can be asked for until `resend_at`.
    earlier = "here" if challenge.earlier_works_here else "elsewhere"
    request.session[subject_session.PENDING] = {
        **request.session[subject_session.PENDING],
        "next": next_url,
        "sent": "now" if challenge.sent else earlier,
    }
    return challenge


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = PhoneForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _send_code(request, form.cleaned_data["number"], next_url)
            except services.RateLimited as e:
                form.add_error(None, e.message)
                status = 429
            else:
                # The same answer whether or not we hold anything on this number.
                return redirect("verification:code")
        else:
            status = 400
    return render(
        request, "verification/start.html", {"form": form, "next": next_url}, status=status
    )


@never_cache
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    pending = subject_session.pending_challenge(request.session)
    if pending is None:
        messages.info(request, _("Enter your mobile number first."))
        return redirect("verification:start")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                number = services.confirm_code(
                    device_id=pending["device_id"],
                    binding=pending["binding"],
                    code=form.cleaned_data["code"],
                    ip=client_ip(request),
                    session_key=request.session.session_key or "",
                )
            except services.VerificationError as e:
                form.add_error("code", e.message)
                status = 429 if isinstance(e, services.RateLimited) else 400
            else:
                subject_session.open_subject_session(request.session, number=number)
                # SECURITY: a CSRF token seen before verification is worthless after it.
                rotate_token(request)
                return redirect(_safe_next(request, pending.get("next")))
        else:
            status = 400
    context = {
        "form": form,
        "number": phone.pretty(pending["number"]),
        "sent": pending.get("sent", "now"),
        "can_resend": time.time() >= pending.get("resend_at", 0),
        "resend_at": datetime.fromtimestamp(pending.get("resend_at", 0), tz=UTC),
    }
    return render(request, "verification/code.html", context, status=status)


@require_POST
def resend(request: HttpRequest) -> HttpResponse:
    pending = subject_session.pending_challenge(request.session)
    if pending is None:
        return redirect("verification:start")
    try:
        _send_code(request, pending["number"], pending.get("next") or "")
    except services.RateLimited as e:
        messages.error(request, e.message)
    else:
        if subject_session.pending_challenge(request.session).get("sent") == "now":
            messages.success(
                request, _("If the number can receive messages, a new code is on its way.")
            )
    return redirect("verification:code")


@never_cache
@subject_required
@require_http_methods(["GET", "POST"])
def reverify(request: HttpRequest) -> HttpResponse:
    """Ask for a fresh code to the verified number before a sensitive step."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        try:
            _send_code(request, request.subject_number, next_url)
        except services.RateLimited as e:
            messages.error(request, e.message)
        else:
            return redirect("verification:code")
    context = {"number": phone.pretty(request.subject_number), "next": next_url}
    return render(request, "verification/reverify.html", context)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    subject_session.close_subject_session(request.session)
    messages.success(request, _("You have signed out."))
    return redirect("landing")
