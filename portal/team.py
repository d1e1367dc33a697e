"""The staff list for managers and administrators: who has an authenticator, and
one-time enrolment links to set one up (portal/enrolment.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import enrolment
from portal.auth import staff_required

# Larger than any id a database gives out; a longer one in the URL is simply unknown.
MAX_ID = 2**63 - 1


@never_cache
@require_GET
@staff_required("portal.add_enrolmentlink")
def team(request: HttpRequest) -> HttpResponse:
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .prefetch_related("groups")
        .order_by("username")
    )
    with_app = set(
        TOTPDevice.objects.filter(confirmed=True, user__in=users).values_list("user_id", flat=True)
    )
    rows = [
        {
            "user": user,
            "roles": ", ".join(sorted(g.name for g in user.groups.all())),
            "has_authenticator": user.pk in with_app,
            "can_issue": enrolment.may_issue(by=request.user, user=user),
        }
        for user in users
    ]
    return render(request, "portal/staff_team.html", {"rows": rows})


@never_cache
@require_POST
@staff_required("portal.add_enrolmentlink")
def issue_link(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_user_model().objects.filter(pk=user_id).first() if user_id <= MAX_ID else None
    if member is None:
        raise Http404
    try:
        link, url = enrolment.issue_link(user=member, by=request.user)
    except enrolment.EnrolmentRefused as e:
        messages.error(request, e.message)
        return redirect("staff-team")
    # Shown once, on this response, which is never cached; the token is not kept anywhere.
    context = {"member": member, "url": url, "expires_at": link.expires_at}
    return render(request, "portal/staff_enrolment_link.html", context)
