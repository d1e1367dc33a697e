"""Staff pages for the rights that change data at the source: the Art. 19 ledger,
rectification (Art. 16) and restriction (Art. 18). The case page shows them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dsar import recipients_ledger, restriction
from dsar.services import NotAllowed
from dsar.views.staff import _get_case_for_staff
from portal.auth import staff_required


@require_POST
@staff_required("dsar.work_datarequest")
def acknowledge_notice(request: HttpRequest, reference: str, notice_id: int) -> HttpResponse:
    dr = _get_case_for_staff(request, reference)
    # SECURITY: only an entry of this very case; another case's id is a 404.
    notice = dr.recipient_notices.filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    try:
        recipients_ledger.acknowledge(notice=notice, by=request.user)
    except NotAllowed as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("The recipient's confirmation is recorded."))
    return redirect("dsar:case-detail", reference)


@require_POST
@staff_required("dsar.work_datarequest")
def propose_lift(request: HttpRequest, reference: str) -> HttpResponse:
    dr = _get_case_for_staff(request, reference)
    try:
        restriction.propose_lift(data_request=dr, by=request.user)
    except NotAllowed as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request, _("Lifting the restriction waits for a second person's approval.")
        )
    return redirect("dsar:case-detail", reference)
