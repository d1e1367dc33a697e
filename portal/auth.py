"""Staff sign-in: password, then a TOTP code (django-otp), with django-axes lockout.

Step 1 (`staff_login`) checks the password but does not log in: it leaves a signed,
five-minute "pending" marker in the session. Step 2 (`staff_otp`) checks a TOTP code and
only then calls `login()` and `django_otp.login()`. Setting up an authenticator
(`staff_otp_setup`) needs, besides the password, a one-time enrolment link a manager or
administrator issued (`staff_enrol` puts it in the session; portal/enrolment.py). Every
refused password or code is a failed login for django-axes, so guessing either factor
locks the account and the address out. `@staff_required()` guards staff pages.
"""

from __future__ import annotations

import io
import math
from base64 import b32encode, b64encode
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_lockout_response
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.qr import write_qrcode_image

from portal import enrolment
from portal.models import EnrolmentLink

STAFF_HOME = "/staff/"
PENDING_KEY = "_staff_pending"
PENDING_SALT = "portal.auth.pending"
PENDING_MAX_AGE = 5 * 60
SETUP_KEY = "_staff_setup_device"
ENROL_KEY = "_staff_enrolment_link"

CODE_ERROR = _("Enter the 6-digit code from your authenticator app.")
WRONG_CODE = _("That code is not right. Enter the code your app shows now.")


class SummaryTakesFocus:
    """After a failed submit the error summary takes the focus (its `autofocus`), so no
    field may keep one: a page has one autofocus at most."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        if self._errors:  # type: ignore[attr-defined]
            for field in self.fields.values():  # type: ignore[attr-defined]
                field.widget.attrs.pop("autofocus", None)


class StaffLoginForm(SummaryTakesFocus, AuthenticationForm):
    """AuthenticationForm that only lets staff through, with the same error as a wrong password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Enter a correct username and password. Both are case-sensitive."),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The error summary lists these without their labels: each names its field.
        self.fields["username"].error_messages["required"] = _("Enter your username.")
        self.fields["password"].error_messages["required"] = _("Enter your password.")

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        # SECURITY: the same message as a wrong password, so the page does not tell who has an
        # account; the distinct code lets the view count it as a failed login.
        if not user.is_staff:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="not_staff")


class TOTPCodeForm(SummaryTakesFocus, forms.Form):
    """The 6-digit code from an authenticator app; spaces are dropped."""

    code = forms.CharField(
        label=_("Code"),
        error_messages={"required": CODE_ERROR},
        help_text=_("6 digits from your authenticator app. A new code appears every 30 seconds."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "maxlength": 9,
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not (code.isascii() and code.isdigit()):
            raise forms.ValidationError(CODE_ERROR, code="invalid")
        return code


@dataclass(frozen=True)
class Pending:
    """A staff member who gave the right password in this session and owes a code."""

    user: Any
    backend: str
    next_url: str


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    # SECURITY: only a path on this host; anything else would make us an open redirect.
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return STAFF_HOME


def _start_pending(request: HttpRequest, user, next_url: str) -> None:
    # SECURITY: a new session key, so a session id planted before the password cannot be
    # used by someone else to send the codes.
    request.session.cycle_key()
    request.session.pop(SETUP_KEY, None)
    payload = {"uid": user.pk, "backend": user.backend, "next": next_url}
    request.session[PENDING_KEY] = signing.dumps(payload, salt=PENDING_SALT)


def _clear_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)
    request.session.pop(SETUP_KEY, None)


def _session_link(request: HttpRequest, user) -> EnrolmentLink | None:
    """The usable enrolment link this session opened, if it is `user`'s."""
    link_id = request.session.get(ENROL_KEY)
    if not isinstance(link_id, int):
        return None
    return enrolment.usable_link(link_id=link_id, user=user)


def _get_pending(request: HttpRequest) -> Pending | None:
    token = request.session.get(PENDING_KEY)
    if not token:
        return None
    try:
        # SECURITY: the password step is good for five minutes only.
        data = signing.loads(token, salt=PENDING_SALT, max_age=PENDING_MAX_AGE)
    except signing.BadSignature:
        _clear_pending(request)
        return None
    # SECURITY: read the user again: it may have been deactivated or lost staff meanwhile.
    user = get_user_model().objects.filter(pk=data["uid"], is_active=True, is_staff=True).first()
    if user is None:
        _clear_pending(request)
        return None
    return Pending(user=user, backend=data["backend"], next_url=data["next"])


def _restart(request: HttpRequest) -> HttpResponse:
    messages.error(request, _("Your sign-in has expired. Please start again."))
    return redirect("staff-login")


def _confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def _count_failure(request: HttpRequest, username: str) -> None:
    # Django's own signal, which django-axes counts: the only way in for third-party code.
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def _check_code(
    request: HttpRequest, pending: Pending, device_id: int, form: TOTPCodeForm
) -> tuple[TOTPDevice | None, int]:
    """The device if the form's code is right, else None and the status; errors go on the form."""
    with transaction.atomic():
        # SECURITY: lock the row so that two requests cannot both spend one code (last_t).
        device = TOTPDevice.objects.select_for_update().get(pk=device_id, user=pending.user)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            seconds = max(1, math.ceil((info["locked_until"] - timezone.now()).total_seconds()))
            message = ngettext(
                "Too many wrong codes. Wait %(seconds)d second, then try again.",
                "Too many wrong codes. Wait %(seconds)d seconds, then try again.",
                seconds,
            ) % {"seconds": seconds}
            form.add_error("code", message)
            return None, 429
        # verify_token() refuses a code of a time step already used and throttles failures.
        if device.verify_token(form.cleaned_data["code"]):
            return device, 200
    # SECURITY: a wrong code is a failed login for django-axes, so guessing codes locks out too.
    _count_failure(request, pending.user.get_username())
    form.add_error("code", WRONG_CODE)
    return None, 400


def _complete_login(request: HttpRequest, pending: Pending, device: TOTPDevice) -> HttpResponse:
    # login() rotates the session key; django_otp.login() marks the session as verified.
    login(request, pending.user, backend=pending.backend)
    otp_login(request, device)
    _clear_pending(request)
    return redirect(_safe_next(request, pending.next_url))


def _code_step(
    request: HttpRequest, pending: Pending, device_id: int
) -> tuple[TOTPCodeForm, TOTPDevice | HttpResponse | None, int]:
    """Shared by both code pages: the form; a device (right code), a lockout response or None;
    and the status to re-render the page with."""
    form = TOTPCodeForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return form, None, 200
    credentials = {"username": pending.user.get_username()}
    # SECURITY: a locked-out account or address gets no more guesses, right or wrong.
    if not AxesProxyHandler.is_allowed(request, credentials):
        _clear_pending(request)
        return form, get_lockout_response(request, None, credentials), 0
    if not form.is_valid():
        return form, None, 400
    device, status = _check_code(request, pending, device_id, form)
    return form, device, status


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def staff_login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = StaffLoginForm(request, data=request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        # authenticate() gets the request, so django-axes refuses locked-out users and counts.
        if form.is_valid():
            user = form.get_user()
            _start_pending(request, user, next_url)
            enrolling = _session_link(request, user) or not _confirmed_device(user)
            return redirect("staff-otp-setup" if enrolling else "staff-otp")
        if form.has_error(NON_FIELD_ERRORS, "not_staff"):
            _count_failure(request, form.cleaned_data["username"])
        status = 400
    return render(
        request, "portal/staff_login.html", {"form": form, "next": next_url}, status=status
    )


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def staff_otp(request: HttpRequest) -> HttpResponse:
    pending = _get_pending(request)
    if pending is None:
        return _restart(request)
    device = _confirmed_device(pending.user)
    if device is None:
        return redirect("staff-otp-setup")
    form, result, status = _code_step(request, pending, device.pk)
    if isinstance(result, HttpResponse):
        return result
    if result is not None:
        return _complete_login(request, pending, result)
    return render(request, "portal/staff_otp.html", {"form": form}, status=status)


@never_cache
@require_GET
def staff_enrol(request: HttpRequest, token: str) -> HttpResponse:
    """The enrolment link: remember it in this session, then the usual sign-in."""
    link = enrolment.find_link(token)
    if link is None:
        return render(request, "portal/staff_enrol_invalid.html", status=404)
    request.session[ENROL_KEY] = link.pk
    messages.info(request, _("Sign in with your password; then you set up your authenticator."))
    return redirect("staff-login")


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def staff_otp_setup(request: HttpRequest) -> HttpResponse:
    pending = _get_pending(request)
    if pending is None:
        return _restart(request)
    link = _session_link(request, pending.user)
    # SECURITY: knowing the password must never be enough to add an authenticator.
    if link is None:
        if _confirmed_device(pending.user) is not None:
            return redirect("staff-otp")
        return render(request, "portal/staff_otp_no_link.html", status=403)
    device = _setup_device(request, pending.user)
    form, result, status = _code_step(request, pending, device.pk)
    if isinstance(result, HttpResponse):
        return result
    if result is not None:
        try:
            enrolment.redeem_link(link_id=link.pk, device=result)
        except enrolment.EnrolmentRefused as e:
            _clear_pending(request)
            messages.error(request, e.message)
            return redirect("staff-login")
        request.session.pop(ENROL_KEY, None)
        return _complete_login(request, pending, result)
    context = {
        "form": form,
        "qr": _qr_data_uri(device.config_url),
        "secret": _grouped(b32encode(device.bin_key).decode()),
    }
    return render(request, "portal/staff_otp_setup.html", context, status=status)


def _setup_device(request: HttpRequest, user) -> TOTPDevice:
    device_id = request.session.get(SETUP_KEY)
    device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        # SECURITY: a fresh secret for every sign-in, so a secret shown to an earlier session
        # (perhaps someone else's, who knew the password) is worthless.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
        request.session[SETUP_KEY] = device.pk
    return device


def _qr_data_uri(data: str) -> str:
    """The QR code of `data` as an SVG data: URI for an <img>.

    An <img> rather than inline markup: the SVG django-otp writes uses `svg:rect` elements,
    which an HTML page does not draw inline, and an image needs no mark_safe.
    """
    out = io.BytesIO()
    write_qrcode_image(data, out)
    return "data:image/svg+xml;base64," + b64encode(out.getvalue()).decode()


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponse:
    # logout() flushes the session: the user, the OTP device and any pending step.
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("staff-login")


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: our page, status 429, for a locked-out user or IP."""
    cool_off = get_cool_off(request)
    minutes = math.ceil(cool_off.total_seconds() / 60) if cool_off else None
    context = {"locked_out": True, "minutes": minutes}
    return render(request, "portal/staff_login.html", context, status=429)


View = Callable[..., HttpResponse]


def staff_required(perm: str | None = None) -> Callable[[View], View]:
    """Let only signed-in, OTP-verified staff (holding `perm`, if given) reach a view.

    Anonymous users, and users signed in with a password alone (the admin, `force_login`),
    are redirected to the staff sign-in with `next`. Verified users who are not staff or
    lack `perm` get 403 (raises PermissionDenied). Needs django-otp's OTPMiddleware.
    Always call it: `@staff_required()` or `@staff_required("dsar.approve_datarequest")`.
    """
    if callable(perm):
        raise TypeError("Use @staff_required() or @staff_required('app.codename').")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            # SECURITY: a password is not enough; without a verified TOTP device in this
            # session the user signs in again, both steps.
            if not (user.is_authenticated and user.is_verified()):
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            # SECURITY: the staff flag and the role's permission, checked on every request.
            if not user.is_staff or (perm is not None and not user.has_perm(perm)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
