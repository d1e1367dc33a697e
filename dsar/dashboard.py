"""The compliance cockpit's figures: read queries whose arithmetic the database does.

Each figure is one or two grouped queries (COUNT … FILTER, GROUP BY), whatever the number of
cases; Python only reshapes the few grouped rows that come back (at most kinds × statuses,
assignees, months, or kinds × distinct durations in days). Nothing here writes, except
`send_weekly_summary()`, which records its audit event.

Two kinds of figure:

- *Cohort* figures concern the cases **received** (local date, `received_on`) from
  `filters.start` to `filters.end` inclusive, of `filters.kind` when given: on-time shares,
  time to close, extensions and refusals, the verification funnel.
- *Snapshot* figures describe the open cases as they are `today` and ignore the period (a
  case received 13 months ago and still open is overdue all the same): open cases by status
  and kind, due soon versus load, overdue, failed and stuck jobs. The kind still applies.

A case is *answered* when `closed_at` is set (completed, or wholly refused: a refusal is an
answer the law also times). Its answer date `closed_on` is the local date of `closed_at` in
`TIME_ZONE`. Every figure and its drill-down list (`figure_cases()`) share one definition.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from dsar import deadlines
from dsar.exports import neutralise
from dsar.models import DataRequest, Job, StaffMail
from verification import selectors as verification_selectors

DUE_SOON_WORKING_DAYS = 5
OVERDUE_BUCKETS = [(1, 7), (8, 30), (31, 90), (91, None)]
LIST_LIMIT = 10
# Which deadline each on-time measure compares the answer date with.
MEASURES = {"first": "first_due", "final": "due_on"}


# --- filters and shared definitions ----------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """The cohort: cases received from `start` to `end` (inclusive), of `kind` or all ("")."""

    start: date
    end: date
    kind: str = ""

    @classmethod
    def default(cls, today: date) -> Filters:
        """The last 12 months: the first day of the month eleven months ago up to today."""
        return cls(start=deadlines.add_months(today.replace(day=1), -11), end=today)

    def months(self) -> list[date]:
        """The first day of every month the period touches, oldest first."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = deadlines.add_months(month, 1)
        return months


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in TIME_ZONE, as aware datetimes."""
    tz = _tz()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _of_kind(qs: QuerySet[DataRequest], filters: Filters) -> QuerySet[DataRequest]:
    return qs.filter(kind=filters.kind) if filters.kind else qs


def _open(filters: Filters) -> QuerySet[DataRequest]:
    return _of_kind(DataRequest.objects.filter(status__in=DataRequest.OPEN_STATUSES), filters)


def cohort(filters: Filters) -> QuerySet[DataRequest]:
    """Cases received in the period, with `first_due` (the first deadline; `due_on` where an
    old row has no `initial_due_on`) and `closed_on` (local date of the answer, or NULL)."""
    qs = DataRequest.objects.filter(received_on__gte=filters.start, received_on__lte=filters.end)
    return _of_kind(qs, filters).annotate(
        first_due=Coalesce("initial_due_on", "due_on"),
        closed_on=TruncDate("closed_at", tzinfo=_tz()),
    )


def on_time_q(measure: str) -> Q:
    """Answered on or before the measure's deadline (NULL `closed_on` never matches)."""
    return Q(closed_on__lte=F(MEASURES[measure]))


def late_q(measure: str, today: date) -> Q:
    """Answered after the deadline, or still open when the deadline has passed."""
    deadline = MEASURES[measure]
    return Q(closed_on__gt=F(deadline)) | Q(closed_at__isnull=True, **{f"{deadline}__lt": today})


ANSWERED = Q(closed_at__isnull=False)


def pending_q(measure: str, today: date) -> Q:
    """Still open and the deadline not yet passed: neither on time nor late yet."""
    return Q(closed_at__isnull=True, **{f"{MEASURES[measure]}__gte": today})


def due_soon_until(today: date) -> date:
    return deadlines.add_working_days(today, DUE_SOON_WORKING_DAYS, country=settings.DSAR_COUNTRY)


def stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.DSAR_JOB_STALE_SECONDS)


# --- snapshot figures -------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    code: str
    label: str
    n: int


@dataclass(frozen=True)
class OpenRow:
    kind: str
    label: str
    cells: list[Cell]  # one per open status, in OPEN_STATUSES order
    total: int


@dataclass(frozen=True)
class OpenCases:
    total: int
    statuses: list[Cell]
    rows: list[OpenRow]


def open_cases(filters: Filters) -> OpenCases:
    """Open cases now, by kind and status (one query). Snapshot: the period does not apply."""
    counts = {
        (kind, status): n
        for kind, status, n in _open(filters)
        .values_list("kind", "status")
        .annotate(n=Count("id"))
        .order_by()
    }
    statuses = [DataRequest.Status(s) for s in DataRequest.OPEN_STATUSES]
    kinds = [k for k in DataRequest.Kind if not filters.kind or k == filters.kind]
    rows = []
    for kind in kinds:
        cells = [Cell(s.value, s.label, counts.get((kind.value, s.value), 0)) for s in statuses]
        rows.append(OpenRow(kind.value, kind.label, cells, sum(c.n for c in cells)))
    totals = [
        Cell(s.value, s.label, sum(r.cells[i].n for r in rows)) for i, s in enumerate(statuses)
    ]
    return OpenCases(sum(c.n for c in totals), totals, rows)


@dataclass(frozen=True)
class Load:
    assignee_id: int | None  # None: nobody has the case yet
    name: str
    open: int
    due_soon: int
    overdue: int


@dataclass(frozen=True)
class DueSoon:
    until: date
    total: int
    rows: list[Load]


def due_soon(filters: Filters, today: date) -> DueSoon:
    """Open cases due from today to 5 working days on, next to each assignee's open load.

    One query grouped by assignee; rows with most cases due soon first, unassigned last
    among equals. Snapshot: the period does not apply.
    """
    until = due_soon_until(today)
    rows = (
        _open(filters)
        .values_list(
            "assignee", "assignee__username", "assignee__first_name", "assignee__last_name"
        )
        .annotate(
            n_open=Count("id"),
            n_soon=Count("id", filter=Q(due_on__gte=today, due_on__lte=until)),
            n_overdue=Count("id", filter=Q(due_on__lt=today)),
        )
        .order_by()
    )
    loads = [
        Load(pk, f"{first} {last}".strip() or username or "", n_open, n_soon, n_overdue)
        for pk, username, first, last, n_open, n_soon, n_overdue in rows
    ]
    loads.sort(key=lambda r: (-r.due_soon, -r.open, r.assignee_id is None, r.name))
    return DueSoon(until, sum(r.due_soon for r in loads), loads)


@dataclass(frozen=True)
class Bucket:
    low: int
    high: int | None
    n: int


@dataclass(frozen=True)
class OverdueCase:
    reference: str
    kind_label: str
    due_on: date
    days: int  # calendar days past due_on


@dataclass(frozen=True)
class Overdue:
    total: int
    buckets: list[Bucket]
    oldest: list[OverdueCase]


def overdue(filters: Filters, today: date) -> Overdue:
    """Open cases past `due_on`, counted by days overdue, and the ten oldest (two queries).

    Age is calendar days from `due_on` to `today` (due yesterday: 1). Snapshot.
    """
    qs = _open(filters).filter(due_on__lt=today)
    counts = {}
    for i, (low, high) in enumerate(OVERDUE_BUCKETS):
        condition = Q(due_on__lte=today - timedelta(days=low))
        if high is not None:
            condition &= Q(due_on__gte=today - timedelta(days=high))
        counts[f"b{i}"] = Count("id", filter=condition)
    result = qs.aggregate(total=Count("id"), **counts)
    buckets = [Bucket(low, high, result[f"b{i}"]) for i, (low, high) in enumerate(OVERDUE_BUCKETS)]
    kinds = dict(DataRequest.Kind.choices)
    oldest = [
        OverdueCase(ref, kinds.get(kind, kind), due, (today - due).days)
        for ref, kind, due in qs.order_by("due_on", "id").values_list(
            "reference", "kind", "due_on"
        )[:LIST_LIMIT]
    ]
    return Overdue(result["total"], buckets, oldest)


@dataclass(frozen=True)
class JobProblem:
    reference: str
    kind_label: str
    state: str
    at: datetime | None


@dataclass(frozen=True)
class JobProblems:
    failed_open: int  # failed jobs whose case is still open: someone must act
    failed_in_period: int  # failed jobs created in the period, whatever happened next
    stuck: int  # running, heartbeat older than DSAR_JOB_STALE_SECONDS
    rows: list[JobProblem]
    # Staff e-mails (reminders, summaries): given up after the last attempt, or still
    # being retried after a failed send.
    mail_failed: int = 0
    mail_retrying: int = 0


def failed_jobs_q() -> Q:
    return Q(state=Job.State.FAILED, data_request__status__in=DataRequest.OPEN_STATUSES)


def stuck_jobs_q(now: datetime) -> Q:
    # The same test as the sweeper (dsar.jobs.requeue_stale): a stuck job that stays on
    # this list means the beat that should re-queue it is not running.
    return Q(state=Job.State.RUNNING, heartbeat_at__lt=stale_before(now))


def job_problems(filters: Filters, now: datetime) -> JobProblems:
    """Failed jobs on open cases, stuck jobs, failures in the period, the ten newest, and
    staff e-mails that failed or are being retried (three queries). Kind filters the cases
    the jobs belong to."""
    qs = Job.objects.all()
    if filters.kind:
        qs = qs.filter(data_request__kind=filters.kind)
    since, until = local_bounds(filters.start, filters.end)
    result = qs.aggregate(
        failed_open=Count("id", filter=failed_jobs_q()),
        failed_in_period=Count(
            "id", filter=Q(state=Job.State.FAILED, created_at__gte=since, created_at__lt=until)
        ),
        stuck=Count("id", filter=stuck_jobs_q(now)),
    )
    kinds = dict(Job.Kind.choices)
    rows = [
        JobProblem(ref, kinds.get(kind, kind), state, at)
        for ref, kind, state, at in qs.filter(failed_jobs_q() | stuck_jobs_q(now))
        .annotate(at=Coalesce("finished_at", "heartbeat_at", "created_at"))
        .order_by("-at", "-id")
        .values_list("data_request__reference", "kind", "state", "at")[:LIST_LIMIT]
    ]
    mails = StaffMail.objects.aggregate(
        failed=Count("id", filter=Q(state=StaffMail.State.FAILED)),
        retrying=Count("id", filter=Q(state=StaffMail.State.PENDING, attempts__gt=0)),
    )
    return JobProblems(
        result["failed_open"],
        result["failed_in_period"],
        result["stuck"],
        rows,
        mail_failed=mails["failed"],
        mail_retrying=mails["retrying"],
    )


# --- cohort figures ---------------------------------------------------------------------
@dataclass(frozen=True)
class Share:
    on_time: int
    late: int
    pending: int

    @property
    def decided(self) -> int:
        return self.on_time + self.late

    @property
    def percent(self) -> float | None:
        """On time as a percentage of the decided cases; None when none is decided yet."""
        return round(100 * self.on_time / self.decided, 1) if self.decided else None


@dataclass(frozen=True)
class MonthShare:
    month: date  # first day of the month of receipt
    received: int
    first: Share  # answered by the first deadline (one month under GDPR)
    final: Share  # answered by the deadline that applied (≤ three months if extended)


def on_time_by_month(filters: Filters, today: date) -> list[MonthShare]:
    """Per month of receipt in the period: how many were answered in time (one query).

    Two measures, each a count of on-time, late and pending cases:

    - `first`: answered (`closed_on`) on or before the first deadline, `initial_due_on`:
      "within one month" (GDPR; the first deadline of the case's policy otherwise).
    - `final`: answered on or before `due_on`, the deadline that applied: the extended one
      (at most three months after receipt) for an extended case, else the first one. A
      case that was not extended in time and answered in month two is late on both.

    Unanswered cases: still open after the deadline counts as **late** (it can no longer
    be on time); still open on or before the deadline is **pending** and left out of the
    share's denominator. The share is on_time / (on_time + late). Months without cases
    are listed with zeros, so a chart has every month.
    """
    # late = answered − answered on time + open past the deadline: the same cases as
    # late_q(), but the local date of closed_at (a function call per row on SQLite) is
    # computed once per measure instead of twice.
    aggregates = {"received": Count("id"), "answered": Count("id", filter=ANSWERED)}
    for measure, deadline in MEASURES.items():
        aggregates[f"{measure}_on_time"] = Count("id", filter=on_time_q(measure))
        aggregates[f"{measure}_open_late"] = Count(
            "id", filter=Q(closed_at__isnull=True, **{f"{deadline}__lt": today})
        )
    rows = {
        row["month"]: row
        for row in cohort(filters)
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(**aggregates)
        .order_by()
    }
    result = []
    for month in filters.months():
        row = rows.get(month, dict.fromkeys(aggregates, 0))
        shares = {}
        for measure in MEASURES:
            on_time = row[f"{measure}_on_time"]
            late = row["answered"] - on_time + row[f"{measure}_open_late"]
            shares[measure] = Share(on_time, late, row["received"] - on_time - late)
        result.append(MonthShare(month, row["received"], shares["first"], shares["final"]))
    return result


def total_share(months: list[MonthShare], measure: str) -> Share:
    shares = [getattr(m, measure) for m in months]
    return Share(*(sum(getattr(s, f) for s in shares) for f in ("on_time", "late", "pending")))


@dataclass(frozen=True)
class CloseTime:
    kind: str
    label: str
    closed: int
    median: float | None  # days
    p90: float | None


def time_to_close(filters: Filters) -> list[CloseTime]:
    """Median and 90th percentile of days to answer, per kind, for answered cases.

    Days are calendar days from `received_on` to `closed_on` (same day: 0). The database
    groups the cases by kind and duration and counts them (one query, at most kinds × the
    distinct durations: a few hundred rows whatever the number of cases); Python takes the
    percentiles from that histogram with linear interpolation between ranks, which is what
    PostgreSQL's `percentile_cont` computes. The same code runs on SQLite and PostgreSQL.
    """
    histograms: dict[str, list[tuple[int, int]]] = {}
    rows = (
        cohort(filters)
        .filter(ANSWERED)
        .annotate(days=DaysBetween("closed_on", "received_on"))
        .values_list("kind", "days")
        .annotate(n=Count("id"))
        .order_by("kind", "days")
    )
    for kind, days, n in rows:
        histograms.setdefault(kind, []).append((days, n))
    result = []
    for kind in DataRequest.Kind:
        if filters.kind and kind != filters.kind:
            continue
        hist = histograms.get(kind.value, [])
        result.append(
            CloseTime(
                kind.value,
                kind.label,
                sum(n for _, n in hist),
                percentile(hist, 0.5),
                percentile(hist, 0.9),
            )
        )
    return result


class DaysBetween(Func):
    """Whole days from the second date to the first: `date - date` is an integer on
    PostgreSQL; SQLite subtracts Julian day numbers (built in, no Python function)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def percentile(histogram: list[tuple[int, int]], p: float) -> float | None:
    """`percentile_cont(p)` of the values a sorted (value, count) histogram describes,
    rounded to 0.1 (days)."""
    total = sum(n for _, n in histogram)
    if not total:
        return None
    position = p * (total - 1)
    below = int(position)
    low = _value_at(histogram, below)
    fraction = position - below
    if not fraction:
        return float(low)
    return round(low + fraction * (_value_at(histogram, below + 1) - low), 1)


def _value_at(histogram: list[tuple[int, int]], index: int) -> int:
    seen = 0
    for value, n in histogram:
        seen += n
        if index < seen:
            return value
    raise IndexError(index)


@dataclass(frozen=True)
class Outcomes:
    received: int
    extended: int
    by_reason: list[Cell]
    refused: int  # wholly refused
    partly_refused: int
    by_ground: list[tuple[Cell, int]]  # (ground with whole refusals, partial refusals)

    @property
    def extension_percent(self) -> float | None:
        return round(100 * self.extended / self.received, 1) if self.received else None


def outcomes(filters: Filters) -> Outcomes:
    """Extension rate (extended / received in the period) and refusals by legal ground.

    A refusal counts by its recorded ground: whole (the case was closed as refused) or
    partial (`partially_refused`, the rest was answered). Two queries.
    """
    reasons = DataRequest.ExtensionReason
    totals = cohort(filters).aggregate(
        received=Count("id"),
        extended=Count("id", filter=Q(extended_at__isnull=False)),
        **{
            f"reason_{r.value}": Count(
                "id", filter=Q(extended_at__isnull=False, extension_reason=r)
            )
            for r in reasons
        },
    )
    grounds = {
        ground: (whole, partial)
        for ground, whole, partial in cohort(filters)
        .exclude(refusal_ground="")
        .values_list("refusal_ground")
        .annotate(
            whole=Count("id", filter=Q(partially_refused=False)),
            partial=Count("id", filter=Q(partially_refused=True)),
        )
        .order_by()
    }
    by_ground = [
        (Cell(g.value, g.label, grounds.get(g.value, (0, 0))[0]), grounds.get(g.value, (0, 0))[1])
        for g in DataRequest.RefusalGround
    ]
    return Outcomes(
        received=totals["received"],
        extended=totals["extended"],
        by_reason=[Cell(r.value, r.label, totals[f"reason_{r.value}"]) for r in reasons],
        refused=sum(c.n for c, _ in by_ground),
        partly_refused=sum(p for _, p in by_ground),
        by_ground=by_ground,
    )


# Requests a verified customer filed on the portal's own forms: each carries the form's
# token (`idempotency_key`). Requests that came another way (the demo's seeded cases, any a
# member of staff logs for a customer) never asked for a code, so the funnel leaves them out.
FILED_IN_PORTAL = ~Q(idempotency_key="")


@dataclass(frozen=True)
class Funnel:
    requested: int
    sent: int
    verified: int
    filed: int  # filed on the portal's forms (FILED_IN_PORTAL)
    send_failed: int
    rejected: int
    locked: int
    rate_limited: int
    other_routes: int = 0  # received in the period by another route: not in the funnel

    def _of_requested(self, n: int) -> float | None:
        """A step as a share of the codes requested; None when there is no such share.

        A step can outgrow the codes asked in the period (a customer verified the day
        before it began, or filed twice in one session): it is then no part of them, and
        a share over 100 % would say something false.
        """
        if not self.requested or n > self.requested:
            return None
        return round(100 * n / self.requested, 1)

    @property
    def sent_percent(self) -> float | None:
        return self._of_requested(self.sent)

    @property
    def verified_percent(self) -> float | None:
        return self._of_requested(self.verified)

    @property
    def filed_percent(self) -> float | None:
        return self._of_requested(self.filed)


def verification_funnel(filters: Filters) -> Funnel:
    """Codes requested and sent, numbers verified, requests filed in the period (two queries).

    Verification happens before a customer chooses a kind, so the funnel counts requests of
    every kind and ignores `filters.kind`; and only the requests filed in the portal after a
    code (`FILED_IN_PORTAL`), the rest counted apart. Events are counted, not people: a
    customer who asks for a second code counts twice among requested and sent.
    """
    since, until = local_bounds(filters.start, filters.end)
    events = verification_selectors.event_counts(since=since, until=until)
    requests = cohort(Filters(filters.start, filters.end)).aggregate(
        filed=Count("id", filter=FILED_IN_PORTAL), other=Count("id", filter=~FILED_IN_PORTAL)
    )
    return Funnel(
        requested=events["requested"],
        sent=events["sent"],
        verified=events["verified"],
        filed=requests["filed"],
        send_failed=events["send_failed"],
        rejected=events["rejected"],
        locked=events["locked"],
        rate_limited=events["rate_limited"],
        other_routes=requests["other"],
    )


# --- the whole cockpit ------------------------------------------------------------------
@dataclass(frozen=True)
class Cockpit:
    filters: Filters
    today: date
    open: OpenCases
    due_soon: DueSoon
    overdue: Overdue
    months: list[MonthShare]
    first: Share  # the period's totals
    final: Share
    close_times: list[CloseTime]
    outcomes: Outcomes
    funnel: Funnel
    jobs: JobProblems


def cockpit(filters: Filters, *, today: date, now: datetime | None = None) -> Cockpit:
    """Every figure of the cockpit: a fixed number of queries (12), whatever the data."""
    months = on_time_by_month(filters, today)
    return Cockpit(
        filters=filters,
        today=today,
        open=open_cases(filters),
        due_soon=due_soon(filters, today),
        overdue=overdue(filters, today),
        months=months,
        first=total_share(months, "first"),
        final=total_share(months, "final"),
        close_times=time_to_close(filters),
        outcomes=outcomes(filters),
        funnel=verification_funnel(filters),
        jobs=job_problems(filters, now or timezone.now()),
    )


# --- the cases behind a figure, and the accountability CSV ------------------------------
COHORT_FIGURES = {
    "received": lambda today: Q(),
    "filed": lambda today: FILED_IN_PORTAL,
    **{f"on_time_{m}": (lambda today, m=m: on_time_q(m)) for m in MEASURES},
    **{f"late_{m}": (lambda today, m=m: late_q(m, today)) for m in MEASURES},
    **{f"pending_{m}": (lambda today, m=m: pending_q(m, today)) for m in MEASURES},
    "closed": lambda today: Q(closed_at__isnull=False),
    "extended": lambda today: Q(extended_at__isnull=False),
    "refused": lambda today: ~Q(refusal_ground=""),
}
SNAPSHOT_FIGURES = ("due_soon", "overdue", "jobs_failed", "jobs_stuck")
FIGURES = (*COHORT_FIGURES, *SNAPSHOT_FIGURES)


@dataclass(frozen=True)
class Drill:
    """Which cases to list: a figure plus the one detail its link narrows it by."""

    figure: str
    month: date | None = None  # a month of receipt (cohort figures)
    assignee: str = ""  # "none" or an id (due_soon)
    ground: str = ""  # a refusal ground (refused)
    reason: str = ""  # an extension reason (extended)


def figure_cases(drill: Drill, filters: Filters, *, today: date, now: datetime) -> QuerySet:
    """The cases a figure counts, as rows without personal data (reference, kind, status,
    dates), by the same conditions as the figure. Raises ValueError for an unknown figure.

    Job figures list the cases that have such a job (a case with two failed jobs is listed
    once, and counted twice by the figure).
    """
    if drill.figure in COHORT_FIGURES:
        qs = cohort(filters).filter(COHORT_FIGURES[drill.figure](today))
        if drill.month:
            qs = qs.filter(received_on__gte=drill.month, received_on__lt=_next_month(drill.month))
        if drill.figure == "refused" and drill.ground:
            qs = qs.filter(refusal_ground=drill.ground)
        if drill.figure == "extended" and drill.reason:
            qs = qs.filter(extension_reason=drill.reason)
    elif drill.figure == "due_soon":
        qs = _open(filters).filter(due_on__gte=today, due_on__lte=due_soon_until(today))
        if drill.assignee == "none":
            qs = qs.filter(assignee__isnull=True)
        elif drill.assignee.isdigit():
            qs = qs.filter(assignee_id=int(drill.assignee))
    elif drill.figure == "overdue":
        qs = _open(filters).filter(due_on__lt=today)
    elif drill.figure in ("jobs_failed", "jobs_stuck"):
        condition = failed_jobs_q() if drill.figure == "jobs_failed" else stuck_jobs_q(now)
        jobs = Job.objects.filter(condition, data_request=OuterRef("pk"))
        qs = _of_kind(DataRequest.objects.filter(Exists(jobs)), filters)
    else:
        raise ValueError(f"unknown figure {drill.figure!r}")
    return (
        qs.annotate(answered_on=TruncDate("closed_at", tzinfo=_tz()))
        .order_by("due_on", "id")
        .values("reference", "kind", "status", "received_on", "due_on", "answered_on")
    )


def _next_month(month: date) -> date:
    return deadlines.add_months(month.replace(day=1), 1)


CSV_HEADER = [
    "reference",
    "kind",
    "status",
    "received_on",
    "policy",
    "initial_due_on",
    "due_on",
    "extended",
    "extension_reason",
    "closed_on",
    "on_time",
    "refusal_ground",
    "partially_refused",
]


def accountability_rows(filters: Filters, *, today: date) -> Iterator[list[str]]:
    """The header, then one row per case received in the period, oldest first.

    Codes, dates and yes/no only: no number, no name, no free text. `policy` is the legal
    clock the case is answered under; `initial_due_on` the first deadline, which no change
    of clock rewrites. `on_time` compares the
    answer with the deadline that applied (`due_on`, as the `final` measure): "yes", "no"
    (answered late, or open past the deadline) or "" (open, deadline not passed). Every
    cell goes through `exports.neutralise()` against spreadsheet formula injection. The
    rows are read in chunks (`iterator()`), so a response can stream any number.
    """
    on_time = Case(
        When(on_time_q("final"), then=Value("yes")),
        When(late_q("final", today), then=Value("no")),
        default=Value(""),
        output_field=CharField(),
    )
    rows = (
        cohort(filters)
        .annotate(on_time=on_time)
        .order_by("received_on", "id")
        .values_list(
            "reference",
            "kind",
            "status",
            "received_on",
            "policy",
            "first_due",
            "due_on",
            "extended_at",
            "extension_reason",
            "closed_on",
            "on_time",
            "refusal_ground",
            "partially_refused",
        )
    )
    yield CSV_HEADER
    for row in rows.iterator(chunk_size=2000):
        (ref, kind, status, received, policy, first, due, extended_at, reason, closed, ok) = row[
            :11
        ]
        ground, part = row[11:]
        values = [ref, kind, status, received, policy, first, due, "yes" if extended_at else "no"]
        values += [reason, closed, ok, ground, "yes" if part else "no"]
        yield [neutralise(v) for v in values]
