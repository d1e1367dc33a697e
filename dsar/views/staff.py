"""Staff pages: the case queue and the case with its decisions (pretix's control side)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dsar import casework, deadlines, jobs, recipients_ledger, selectors
from dsar import review as dsar_review
from dsar.exports import REGISTER_EXTRACT
from dsar.forms import (
    AssignForm,
    ClarifyForm,
    ExtendForm,
    PolicyForm,
    QueueFilterForm,
    RefuseForm,
    RequesterForm,
)
from dsar.models import Approval, DataRequest, Job, Rectification, Restriction
from dsar.services import NotAllowed, open_package_file_for_staff
from portal import roles
from portal.auth import staff_required
from verification.phone import pretty

PAGE_SIZE = 50


def _staff_choices() -> list[tuple[int, str]]:
    users = (
        get_user_model()
        .objects.filter(groups__name=roles.PRIVACY_STAFF, is_active=True)
        .order_by("username")
        .distinct()
    )
    return [(u.pk, u.get_full_name() or u.username) for u in users]


def _assign_choices() -> list[tuple[str, str]]:
    return [("", "—"), *[(str(k), v) for k, v in _staff_choices()]]


def _get_case_for_staff(request: HttpRequest, reference: str) -> DataRequest:
    # SECURITY: staff see every case (the portal serves one organisation); the reference is
    # still the only handle, and an unknown one is a plain 404.
    try:
        return DataRequest.objects.select_related("subject", "assignee").get(reference=reference)
    except DataRequest.DoesNotExist:
        raise Http404 from None


@staff_required("dsar.view_datarequest")
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET, staff_choices=[(str(k), v) for k, v in _staff_choices()])
    # Valid filters apply; a bad one is left out, said so and answered with 400.
    valid = form.is_valid()
    data = form.cleaned_data
    if not valid:
        messages.warning(
            request, _("A filter was not understood and is left out: choose from the lists.")
        )
    filters = selectors.QueueFilters(
        **{k: data.get(k) or "" for k in ("kind", "status", "assignee", "due", "q")}
    )
    page = Paginator(selectors.case_queue(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "today": timezone.localdate(),
        "query": query.urlencode(),
    }
    return render(request, "dsar/staff/queue.html", context, status=200 if valid else 400)


@staff_required("dsar.view_datarequest")
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    dr = _get_case_for_staff(request, reference)
    case_jobs = selectors.case_jobs(dr)
    context = {
        "dr": dr,
        "number": pretty(dr.subject.number),
        "language_name": dict(settings.LANGUAGES).get(dr.language, dr.language),
        "explanation": deadlines.explain(
            dr.received_on, dr.due_on, channel_label=dr.get_via_display(), extended=dr.is_extended
        ),
        "discovery": selectors.latest_discovery(dr),
        "jobs": case_jobs,
        "job_running": any(
            j.state in (Job.State.QUEUED, Job.State.RUNNING) and not j.waits for j in case_jobs
        ),
        "erasure_waits": next((j for j in case_jobs if j.waits), None),
        "events": selectors.case_events(dr),
        "approvals": dr.approvals.select_related("prepared_by", "approved_by"),
        "clarifications": dr.clarifications.all(),
        "requester_decisions": dr.requester_decisions.select_related("decided_by"),
        "ledger": recipients_ledger.for_case(dr),
        "can_acknowledge": request.user.has_perm("dsar.work_datarequest"),
        "rectification": Rectification.objects.filter(data_request=dr).first(),
        "restriction": Restriction.objects.filter(data_request=dr).first(),
        **selectors.case_actions(dr, request.user),
        "assign_form": AssignForm(staff_choices=_assign_choices()),
        "extend_form": ExtendForm(),
        "refuse_form": RefuseForm(kind=dr.kind),
        "clarify_form": ClarifyForm(),
        "policy_form": PolicyForm(),
        "acknowledge_by": deadlines.acknowledge_by(
            dr.received_on, country=settings.DSAR_COUNTRY, policy=dr.policy
        ),
        "authority": settings.DSAR_SUPERVISORY_AUTHORITY,
    }
    return render(request, "dsar/staff/case.html", context)


def _act(
    request: HttpRequest, reference: str, action: Callable[[DataRequest], object], done: str
) -> HttpResponse:
    dr = _get_case_for_staff(request, reference)
    try:
        action(dr)
    except (NotAllowed, jobs.JobFailed) as e:
        messages.error(request, e.message)
    else:
        messages.success(request, done)
    return redirect("dsar:case-detail", reference)


def _reviewer(request: HttpRequest) -> None:
    # Those who prepare or approve responses review them; managers read cases only.
    user = request.user
    if not (user.has_perm("dsar.approve_datarequest") or user.has_perm("dsar.work_datarequest")):
        raise PermissionDenied


@never_cache
@staff_required("dsar.view_datarequest")
def review(request: HttpRequest, reference: str) -> HttpResponse:
    _reviewer(request)
    dr = _get_case_for_staff(request, reference)
    try:
        approval = casework.record_review(data_request=dr, by=request.user)
    except NotAllowed as e:
        messages.error(request, e.message)
        return redirect("dsar:case-detail", reference)
    context = {
        "dr": dr,
        "approval": approval,
        "can_approve": request.user.has_perm("dsar.approve_datarequest")
        and approval.prepared_by_id != request.user.pk,
        **dsar_review.approval_preview(approval),
        "cooling_off_hours": settings.DSAR_ERASURE_COOLING_OFF_HOURS,
    }
    return render(request, "dsar/staff/review.html", context)


@never_cache
@staff_required("dsar.view_datarequest")
def review_extract(request: HttpRequest, reference: str) -> HttpResponse:
    _reviewer(request)
    dr = _get_case_for_staff(request, reference)
    approval = dr.approvals.filter(state=Approval.State.PENDING, package__isnull=False).first()
    name = REGISTER_EXTRACT
    data = approval and open_package_file_for_staff(
        package=approval.package, name=name, by=request.user
    )
    if not data:
        raise Http404
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dr.reference}-{name}"'
    return response


@require_POST
@staff_required("dsar.work_datarequest")
def claim(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        lambda dr: casework.claim(data_request=dr, user=request.user),
        _("The case is yours."),
    )


@require_POST
@staff_required("dsar.work_datarequest")
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    form = AssignForm(request.POST, staff_choices=_staff_choices())
    if not form.is_valid():
        messages.error(request, _("Choose a member of the privacy staff."))
        return redirect("dsar:case-detail", reference)
    assignee = get_user_model().objects.get(pk=form.cleaned_data["assignee"])
    return _act(
        request,
        reference,
        lambda dr: casework.assign(data_request=dr, assignee=assignee, by=request.user),
        _("The case was assigned."),
    )


@require_POST
@staff_required("dsar.work_datarequest")
def run_job(request: HttpRequest, reference: str, kind: str) -> HttpResponse:
    if kind not in (Job.Kind.DISCOVER, Job.Kind.PACKAGE, Job.Kind.SUPPRESS):
        raise Http404
    return _act(
        request,
        reference,
        lambda dr: casework.start_job(data_request=dr, kind=kind, by=request.user),
        _("The job was queued; this page shows its progress."),
    )


@require_POST
@staff_required("dsar.work_datarequest")
def submit(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        lambda dr: casework.submit_for_approval(data_request=dr, by=request.user),
        _("Submitted for approval by a second person."),
    )


@never_cache
@staff_required("dsar.work_datarequest")
def shared_number(request: HttpRequest, reference: str) -> HttpResponse:
    """The contacts behind a shared number, for staff to decide who the customer is.
    Opening it is an audit event (`casework.view_requester_evidence`)."""
    dr = _get_case_for_staff(request, reference)
    try:
        evidence = casework.view_requester_evidence(data_request=dr, by=request.user)
    except (NotAllowed, jobs.JobFailed) as e:
        messages.error(request, e.message)
        return redirect("dsar:case-detail", reference)
    context = {
        "dr": dr,
        "number": pretty(dr.subject.number),
        "evidence": evidence,
        "can_decide": dr.is_workable,
        "unknown": RequesterForm.UNKNOWN,
        "prefix": RequesterForm.PREFIX,
    }
    return render(request, "dsar/staff/shared_number.html", context)


@require_POST
@staff_required("dsar.work_datarequest")
def decide_requester(request: HttpRequest, reference: str) -> HttpResponse:
    form = RequesterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a contact, or that it cannot be told."))
        return redirect("dsar:case-shared-number", reference)
    dr = _get_case_for_staff(request, reference)
    try:
        casework.decide_requester(
            data_request=dr,
            link=form.cleaned_data["link"],
            contact=form.cleaned_data["requester"],
            by=request.user,
        )
    except (NotAllowed, jobs.JobFailed) as e:
        messages.error(request, e.message)
        return redirect("dsar:case-shared-number", reference)
    messages.success(
        request,
        _(
            "Decided. Run discovery or build the package again: what was made before the "
            "decision cannot be submitted."
        ),
    )
    return redirect("dsar:case-detail", reference)


@require_POST
@staff_required("dsar.approve_datarequest")
def approve(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        lambda dr: casework.approve(data_request=dr, approver=request.user),
        _("Approved."),
    )


@require_POST
@staff_required("dsar.approve_datarequest")
def send_back(request: HttpRequest, reference: str) -> HttpResponse:
    return _act(
        request,
        reference,
        lambda dr: casework.send_back(data_request=dr, by=request.user),
        _("Sent back to the preparer."),
    )


def _form_action(request, reference, form_class, action, done) -> HttpResponse:
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("dsar:case-detail", reference)
    return _act(request, reference, lambda dr: action(dr, form.cleaned_data), done)


@require_POST
@staff_required("dsar.work_datarequest")
def extend(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_action(
        request,
        reference,
        ExtendForm,
        lambda dr, data: casework.propose_extension(
            data_request=dr, reason=data["reason"], by=request.user
        ),
        _("The extension was submitted: a second person approves it, then the customer is told."),
    )


@require_POST
@staff_required("dsar.work_datarequest")
def refuse(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_action(
        request,
        reference,
        RefuseForm,
        lambda dr, data: casework.propose_refusal(
            data_request=dr, ground=data["ground"], partial=data["partial"], by=request.user
        ),
        _("The refusal was submitted: a second person approves it, then the customer is told."),
    )


@require_POST
@staff_required("dsar.work_datarequest")
def clarify(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_action(
        request,
        reference,
        ClarifyForm,
        lambda dr, data: casework.ask_clarification(
            data_request=dr, question=data["question"], by=request.user
        ),
        _("The question was sent to the customer."),
    )


@require_POST
@staff_required("dsar.work_datarequest")
def set_policy(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_action(
        request,
        reference,
        PolicyForm,
        lambda dr, data: casework.propose_policy(
            data_request=dr, policy=data["policy"], reason=data["reason"], by=request.user
        ),
        _(
            "The new legal clock was submitted: a second person approves it, then the customer "
            "is told."
        ),
    )
