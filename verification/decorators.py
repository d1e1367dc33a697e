"""Guards for customer pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from verification import session as subject_session


def _login_redirect(request: HttpRequest, name: str) -> HttpResponse:
    return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


def subject_required(view: Callable) -> Callable:
    """Let only a verified-subject session through; sets `request.subject_number` (E.164).

    An expired or missing session goes to the number page, with `next` set. Every page
    view counts as activity for the idle timeout.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        marker = subject_session.read_marker(request.session)
        if marker is None:
            if subject_session.MARKER in request.session:
                request.session.flush()
                messages.info(
                    request, _("Your session has ended. Please verify your number again.")
                )
            return _login_redirect(request, "verification:start")
        subject_session.touch(request.session)
        request.subject_number = marker["number"]
        request.subject_marker = marker
        return view(request, *args, **kwargs)

    return wrapper


def fresh_subject_required(view: Callable) -> Callable:
    """Like `subject_required`, and the last code must be at most 10 minutes old.

    For sensitive steps (downloads, confirming an erasure): an older session is sent to
    re-verify with a fresh code and then comes back.
    """

    @subject_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not subject_session.is_fresh(request.subject_marker):
            return _login_redirect(request, "verification:reverify")
        return view(request, *args, **kwargs)

    return wrapper
