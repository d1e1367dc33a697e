"""Manager pages for the processing register (Art. 30): the list, and PDFs of it.

Editing happens in the Django admin (versioned and audited by `ProcessingActivityAdmin`);
these pages link there. The register holds no customer data, so its PDFs are rendered
while the manager waits.
"""

from __future__ import annotations

from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dsar import extracts, register
from dsar.models import ProcessingActivity, RegisterVersion
from portal.auth import staff_required


@require_GET
@staff_required("dsar.view_processingactivity")
def register_list(request: HttpRequest) -> HttpResponse:
    activities = list(
        ProcessingActivity.objects.annotate(last_number=Max("versions__number")).order_by("name")
    )
    numbers = [a.last_number for a in activities if a.last_number]
    changes = RegisterVersion.objects.filter(number__in=numbers).select_related("changed_by")
    by_number = {v.number: v for v in changes}
    context = {
        "rows": [{"activity": a, "change": by_number.get(a.last_number)} for a in activities],
        "register_version": register.current_version(),
        "can_edit": request.user.has_perm("dsar.change_processingactivity"),
    }
    return render(request, "dsar/staff/register.html", context)


@require_GET
@never_cache
@staff_required("dsar.view_processingactivity")
def register_pdf(request: HttpRequest) -> HttpResponse:
    activities = ProcessingActivity.objects.prefetch_related("recipients").order_by("name")
    name = f"processing-register-v{register.current_version()}.pdf"
    return _pdf(extracts.register_pdf(activities=activities, language=_language()), name)


@require_GET
@never_cache
@staff_required("dsar.view_processingactivity")
def activity_pdf(request: HttpRequest, code: str) -> HttpResponse:
    activity = get_object_or_404(
        ProcessingActivity.objects.prefetch_related("recipients"), code=code
    )
    name = f"processing-activity-{activity.code}-v{activity.version}.pdf"
    return _pdf(extracts.register_pdf(activities=[activity], language=_language()), name)


def _language() -> str:
    return translation.get_language() or "en"


def _pdf(data: bytes, filename: str) -> HttpResponse:
    # The code is a slug (letters, digits, hyphens): safe in the header as it is.
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
