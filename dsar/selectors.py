"""Read queries for the staff queue and the case page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from dsar.models import Approval, AuditEvent, Clarification, DataRequest, Job, JobTable, Subject
from verification.phone import normalise_stored

# A search finds one case by reference or a number's cases: never more than this.
SEARCH_IDS = 500


@dataclass(frozen=True)
class QueueFilters:
    kind: str = ""
    status: str = ""
    assignee: str = ""  # "", "me", "none" or a user id
    due: str = ""  # "", "week" (within 7 days), "overdue"
    q: str = ""  # a reference or a subject's number
    closed: bool = False


def case_queue(*, user, filters: QueueFilters, today: date | None = None) -> QuerySet[DataRequest]:
    """Cases ordered by due date (then id), open ones unless `closed`; a constant number of
    queries whatever the page (subject and assignee are joined)."""
    today = today or timezone.localdate()
    qs = DataRequest.objects.select_related("subject", "assignee")
    closed_status = filters.status in DataRequest.Status.values and filters.status not in (
        DataRequest.OPEN_STATUSES
    )
    if not filters.closed and not closed_status:
        qs = qs.filter(status__in=DataRequest.OPEN_STATUSES)
    if filters.kind in DataRequest.Kind.values:
        qs = qs.filter(kind=filters.kind)
    if filters.status in DataRequest.Status.values:
        qs = qs.filter(status=filters.status)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        qs = qs.filter(assignee_id=int(filters.assignee))
    if filters.due == "week":
        qs = qs.filter(due_on__gte=today, due_on__lte=today + timedelta(days=7))
    elif filters.due == "overdue":
        qs = qs.filter(due_on__lt=today)
    if filters.q:
        text = filters.q.strip()[:40]
        number = normalise_stored(text)
        # References are stored upper-case: an exact match on the upper-cased input finds
        # the same case as iexact would, and can use the unique index.
        condition = Q(reference=text.upper())
        if number:
            subjects = Subject.objects.filter(number=number).values("pk")
            condition |= Q(subject_id__in=subjects)
        # The ids first, by the indexes alone (the unique reference, the number's subject,
        # its cases by subject: a multi-index OR), then the page of those few cases. Asked
        # together with the status and the order, SQLite reads every open case instead.
        ids = list(DataRequest.objects.filter(condition).values_list("pk", flat=True)[:SEARCH_IDS])
        qs = qs.filter(pk__in=ids)
    return _with_questions(qs).order_by("due_on", "id")


def _with_questions(qs: QuerySet[DataRequest]) -> QuerySet[DataRequest]:
    """Annotate `waiting_for_customer` (a question is unanswered: the clock is paused) and
    `customer_answered` (the customer answered and no member of staff acted since)."""
    open_question = Clarification.objects.filter(
        data_request=OuterRef("pk"), answered_at__isnull=True
    )
    staff_since = AuditEvent.objects.filter(
        data_request=OuterRef(OuterRef("pk")),
        actor_kind=AuditEvent.ActorKind.STAFF,
        created_at__gt=OuterRef("answered_at"),
    )
    answered = Clarification.objects.filter(
        data_request=OuterRef("pk"), answered_at__isnull=False
    ).filter(~Exists(staff_since))
    return qs.annotate(
        waiting_for_customer=Exists(open_question), customer_answered=Exists(answered)
    )


def customer_requests(number: str) -> QuerySet[DataRequest]:
    """A verified number's requests, newest first, with `waiting_for_customer`."""
    return _with_questions(
        DataRequest.objects.filter(subject__number=number)
        .select_related("rectification", "restriction")
        .order_by("-received_at")
    )


def customer_state(dr: DataRequest, *, waiting: bool, today: date | None = None) -> str:
    """What the customer's pages say about a request, one of: "executing" (an objection or
    consent withdrawal being carried out), "question" (we wait for their answer: the clock
    is paused), "overdue", "open", "completed", "refused", "withdrawn"."""
    today = today or timezone.localdate()
    if not dr.is_open:
        return dr.status
    if waiting:
        return "question"
    if dr.executes_itself and dr.status == DataRequest.Status.RECEIVED:
        running = dr.jobs.filter(
            kind=Job.Kind.SUPPRESS, state__in=[Job.State.QUEUED, Job.State.RUNNING]
        )
        if running.exists():
            return "executing"
    if today > dr.due_on:
        return "overdue"
    return "open"


def case_events(data_request: DataRequest) -> QuerySet[AuditEvent]:
    return data_request.events.select_related("actor").order_by("seq")


def case_jobs(data_request: DataRequest) -> list[Job]:
    """The newest jobs with their tables; the planned keys (up to every row id of an erasure
    plan) stay in the database, the page shows only counts and reports."""
    tables = Prefetch("tables", queryset=JobTable.objects.defer("keys", "files"))
    return list(data_request.jobs.prefetch_related(tables).order_by("-created_at")[:10])


def latest_discovery(data_request: DataRequest) -> dict | None:
    """What the newest finished discovery or package job found (counts, shared warnings)."""
    job = (
        data_request.jobs.filter(
            state=Job.State.DONE, kind__in=[Job.Kind.DISCOVER, Job.Kind.PACKAGE]
        )
        .order_by("-finished_at", "-pk")
        .first()
    )
    if job is None:
        return None
    return {"job": job, **job.summary}


def case_actions(data_request: DataRequest, user, *, today: date | None = None) -> dict:
    """What `user` may do on the case page, and why not where a panel is missing.

    The services refuse the same things on their own; this only decides what the page shows.
    """
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    dr = data_request
    works = user.has_perm("dsar.work_datarequest")
    pending = (
        dr.approvals.filter(state=Approval.State.PENDING).select_related("prepared_by").first()
    )
    approves = user.has_perm("dsar.approve_datarequest")
    claimed = dr.status == DataRequest.Status.IN_PROGRESS
    extend_blocked = ""
    if dr.is_extended:
        extend_blocked = _("Extended already: a case can be extended once.")
    elif today > dr.due_on:
        extend_blocked = _(
            "No extension: the deadline has passed. An extension must be decided and told "
            "before the deadline (Art. 12(3))."
        )
    elif dr.policy == DataRequest.Policy.LGPD:
        extend_blocked = _("No extension: the Brazilian clock allows none.")
    policy_blocked = ""
    if dr.is_extended or today > (dr.initial_due_on or dr.due_on):
        policy_blocked = _(
            "The legal clock can only change before the first deadline and any extension."
        )
    return {
        "pending": pending,
        "can_work": works and dr.is_workable,
        "can_claim": works and dr.is_workable and dr.assignee_id != user.pk,
        "can_decide": works and claimed,
        "can_approve": bool(pending and approves and pending.prepared_by_id != user.pk),
        "is_preparer": bool(pending and pending.prepared_by_id == user.pk),
        "can_review": bool(pending and (works or approves)),
        "can_extend": works and claimed and not extend_blocked,
        "extend_blocked": extend_blocked,
        "can_change_policy": works and claimed and not policy_blocked,
        "policy_blocked": policy_blocked,
    }
