"""Issue 4: the staff queue with 100,000 cases, and the case page.

The cases are made once per module with bulk_create and committed to the portal's test
database (an SQLite file, see conftest.py; PostgreSQL when DATABASE_URL says so). They
model two years of a busy contact centre: about 137 requests a day, closed after one to
five weeks, a few stragglers left open, so about 5% are open and under 1% are overdue.

Each queue figure times GET /staff/?… through the test client with an OTP-verified staff
session (the whole request: middleware, session, OTP, form, queries, template; templates
rendered without the test instrumentation) and counts its queries; next to it,
`reference_value` is the time of the hand-written SELECT … JOIN … ORDER BY due_on, id
LIMIT 50 that fetches the same page plus its COUNT(*), `reference2_value` the same page
with the LIMIT applied before the joins, and `orm_s` the selector and paginator alone (the
view's queries without request or template). Values are medians of REPEAT runs after one
warm-up request.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.template.base import Template
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsar import audit, casework, selectors
from dsar.models import REFERENCE_ALPHABET, DataRequest, Job, JobTable, Subject
from dsar.views.staff import PAGE_SIZE
from portal import roles
from tests.bench.report import emit, median, timed
from tests.conftest import staff_login

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(900)]

CASES = 100_000
PER_DAY = 137
REPEAT = 15
STAFF = ("priya", "jonas", "anna", "tom")
KINDS = (
    (DataRequest.Kind.ACCESS, 45),
    (DataRequest.Kind.ERASURE, 25),
    (DataRequest.Kind.EXPORT, 10),
    (DataRequest.Kind.OBJECTION, 12),
    (DataRequest.Kind.WITHDRAW_CONSENT, 8),
)
OPEN = (
    (DataRequest.Status.RECEIVED, 50),
    (DataRequest.Status.IN_PROGRESS, 35),
    (DataRequest.Status.AWAITING_APPROVAL, 15),
)
# Discovery of the heavy demo subject (tests/bench/test_bench_datamap.py): rows per table.
HEAVY_PLAN = (
    ("contact_numbers", 1),
    ("contacts", 1),
    ("conversations", 6287),
    ("messages", 50141),
    ("channel_consents", 2),
    ("marketing_list_members", 2),
    ("call_recordings", 0),
    ("payments", 24),
)


def _reference(rng: random.Random) -> str:
    # The shape of models.new_reference(), from the seeded generator: secrets is slow and
    # would make the data differ between runs.
    chars = "".join(rng.choices(REFERENCE_ALPHABET, k=10))
    return f"R-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _make_cases(rng: random.Random) -> dict:
    User = get_user_model()
    staff = []
    for i, name in enumerate(STAFF):
        user = User.objects.create_user(
            f"bench-{name}", password="s3cret-pass-word", is_staff=True, first_name=name.title()
        )
        names = [roles.PRIVACY_STAFF] + ([roles.APPROVERS] if i % 2 else [])
        user.groups.set(Group.objects.filter(name__in=names))
        staff.append(user)
    now = timezone.now()
    days = CASES / PER_DAY
    # Some people ask more than once: 100,000 requests from about 80,000 numbers.
    subjects = Subject.objects.bulk_create(
        [
            Subject(number=f"+3163{n:07d}", language=rng.choice(("nl", "nl", "en")))
            for n in range(int(CASES * 0.8))
        ],
        batch_size=5000,
    )
    open_count = 0
    batch: list[DataRequest] = []
    for _ in range(CASES):
        age = rng.uniform(0, days)
        received_at = now - timedelta(days=age)
        received_on = timezone.localdate(received_at)
        is_open = age < 33 or rng.random() < 0.005
        if is_open:
            status = _pick(rng, OPEN)
            open_count += 1
            assignee = rng.choice(staff) if status != "received" or rng.random() < 0.2 else None
            closed_at = None
        else:
            status = DataRequest.Status.COMPLETED if rng.random() < 0.93 else "refused"
            assignee = rng.choice(staff)
            closed_at = received_at + timedelta(days=rng.uniform(5, 30))
        extended = rng.random() < 0.03
        batch.append(
            DataRequest(
                reference=_reference(rng),
                subject=rng.choice(subjects),
                kind=_pick(rng, KINDS),
                status=status,
                language="nl",
                received_at=received_at,
                received_on=received_on,
                due_on=received_on + timedelta(days=90 if extended else 30),
                initial_due_on=received_on + timedelta(days=30),
                assignee=assignee,
                extended_at=received_at + timedelta(days=20) if extended else None,
                extension_reason="complexity" if extended else "",
                flagged_repeat=rng.random() < 0.01,
                closed_at=closed_at,
                created_at=received_at,
            )
        )
        if len(batch) == 10_000:
            DataRequest.objects.bulk_create(batch, batch_size=2000)
            batch = []
    DataRequest.objects.bulk_create(batch, batch_size=2000)
    return {"staff": staff, "open": open_count}


def _give_history(data_request: DataRequest, user, *, erased: bool) -> None:
    """What a worked case carries: audit events, jobs and, for an erasure, its plan."""
    if data_request.is_workable:
        casework.claim(data_request=data_request, user=user)
    else:  # a case being checked cannot be claimed (casework.require_workable)
        DataRequest.objects.filter(pk=data_request.pk).update(assignee=user)
    for i in range(8):
        audit.record(data_request, "dsar.job.queued", actor=user, data={"job": i})
    summary = {
        "tables": [
            {"source": "customer-service", "table": t, "rows": n, "excluded_shared": 0}
            for t, n in HEAVY_PLAN
        ],
        "shared": [],
        "total_rows": sum(n for _, n in HEAVY_PLAN),
        "fingerprint": "0" * 64,
    }
    Job.objects.create(
        data_request=data_request, kind=Job.Kind.DISCOVER, state=Job.State.DONE,
        summary=summary, finished_at=timezone.now(),
    )  # fmt: skip
    if not erased:
        return
    # An erasure job keeps its plan: every planned key, per table (dsar.jobs._plan_erasure).
    job = Job.objects.create(
        data_request=data_request, kind=Job.Kind.ERASE, state=Job.State.DONE,
        summary={"plan": summary}, finished_at=timezone.now(),
    )  # fmt: skip
    start = 1
    for position, (table, rows) in enumerate(HEAVY_PLAN):
        JobTable.objects.create(
            job=job, position=position, source="customer-service", table=table,
            state=JobTable.State.DONE, keys=list(range(start, start + rows)), rows=rows,
            report={"source": "customer-service", "table": table, "deleted": rows,
                    "anonymised": 0, "retained": []},
        )  # fmt: skip
        start += rows


@pytest.fixture(scope="module")
def cases(django_db_setup, django_db_blocker):
    """100,000 committed cases (left for the end of the session's test database)."""
    rng = random.Random(4)
    with django_db_blocker.unblock():
        start = time.perf_counter()
        with transaction.atomic():
            made = _make_cases(rng)
        seconds = time.perf_counter() - start
        staff = made["staff"][0]
        open_cases = DataRequest.objects.filter(status__in=DataRequest.OPEN_STATUSES)
        assert open_cases.count() == made["open"]
        picked = open_cases.select_related("subject").order_by("due_on", "id")[made["open"] // 2]
        with transaction.atomic():
            detail = open_cases.filter(status="received").order_by("id")[0]
            _give_history(detail, staff, erased=False)
            erased = (
                DataRequest.objects.filter(kind="erasure", status="awaiting_approval")
                .order_by("id")
                .first()
            )
            _give_history(erased, made["staff"][1], erased=True)
    emit(
        "queue_seed_cases",
        db=connection.vendor,
        value=seconds,
        unit="s",
        reference=None,
        reference_value=None,
        rows=CASES,
        open=made["open"],
    )
    return {
        "staff": staff,
        "open": made["open"],
        "reference": picked.reference,
        "number": picked.subject.number,
        "detail": detail.reference,
        "erased": erased.reference,
    }


# --- the hand-written page query ------------------------------------------------------


def _raw_page(where: str, params: list, offset: int = 0, *, limit_first: bool = False):
    """The page (each case with its subject and assignee) and its COUNT(*), by hand.

    `limit_first`: pick the page's 50 ids from the index first, then join those rows, as
    a second reference. (Joining first makes SQLite fetch, join and sort every matching
    case before it can apply LIMIT.)
    """
    r, s, u = (m._meta.db_table for m in (DataRequest, Subject, get_user_model()))
    status = ", ".join(["%s"] * len(DataRequest.OPEN_STATUSES))
    condition = f"r.status IN ({status}){where}"
    params = [*DataRequest.OPEN_STATUSES, *params]
    columns = (
        "r.id, r.reference, r.kind, r.status, r.due_on, r.extended_at, r.flagged_repeat, "
        "s.number, u.username, u.first_name, u.last_name"
    )
    subject = f"JOIN {s} s ON s.id = r.subject_id"
    joins = f"{subject} LEFT JOIN {u} u ON u.id = r.assignee_id"
    page = f"ORDER BY r.due_on, r.id LIMIT {PAGE_SIZE} OFFSET {int(offset)}"
    # Only a search by number needs the subject to find the cases.
    filtering = subject if "s." in where else ""
    if limit_first:
        sql = (
            f"SELECT {columns} FROM (SELECT r.id FROM {r} r {filtering} "  # noqa: S608
            f"WHERE {condition} {page}) p "
            f"JOIN {r} r ON r.id = p.id {joins} ORDER BY r.due_on, r.id"
        )
    else:
        sql = f"SELECT {columns} FROM {r} r {joins} WHERE {condition} {page}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        cursor.execute(f"SELECT COUNT(*) FROM {r} r {filtering} WHERE {condition}", params)  # noqa: S608
        return cursor.fetchone()[0], rows


def _orm_page(user, filters: selectors.QueueFilters, page: int | str | None) -> tuple[int, list]:
    """The view's queries without the request: the selector, the paginator, the rows."""
    paged = Paginator(selectors.case_queue(user=user, filters=filters), PAGE_SIZE).get_page(page)
    return paged.paginator.count, list(paged.object_list)


def _queue_figure(
    client, cases, name: str, query: str, filters, raw_where: str, raw_params, *, page=None
):
    user = cases["staff"]
    url = "/staff/" + (f"?{query}" if query else "")
    response = client.get(url)  # warm-up: templates, caches, the session
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    # Read now: the next request's request_started signal empties the query log.
    queries = len(ctx.captured_queries)
    times, response = timed(lambda: client.get(url), repeat=REPEAT)
    count, page_rows = _orm_page(user, filters, page)
    orm_times, _ = timed(lambda: _orm_page(user, filters, page), repeat=REPEAT)
    offset = (int(page) - 1) * PAGE_SIZE if page else 0
    ref_times, (ref_count, ref_rows) = timed(
        lambda: _raw_page(raw_where, raw_params, offset), repeat=REPEAT
    )
    ref2_times, (ref2_count, ref2_rows) = timed(
        lambda: _raw_page(raw_where, raw_params, offset, limit_first=True), repeat=REPEAT
    )
    # The same page: same total and the same cases in the same order.
    references = [dr.reference for dr in page_rows]
    assert ref_count == ref2_count == count
    assert [r[1] for r in ref_rows] == [r[1] for r in ref2_rows] == references
    assert len(page_rows) > 0
    emit(
        name,
        db=connection.vendor,
        value=median(times),
        unit="s",
        reference="raw_sql_page_select_plus_count",
        reference_value=median(ref_times),
        reference2="raw_sql_limit_then_join_plus_count",
        reference2_value=median(ref2_times),
        ratio2=round(median(times) / median(ref2_times), 1),
        queries=queries,
        orm_s=median(orm_times),
        rows=len(page_rows),
        matching=count,
        cases=CASES,
        open=cases["open"],
        runs=REPEAT,
    )


@pytest.fixture(autouse=True)
def _production_template_render(monkeypatch):
    """Render templates as production does, without the test environment's instrumented
    render (a signal and a copied context for each of the page's ~50 template renders)."""
    monkeypatch.setattr(Template, "_render", lambda self, context: self.nodelist.render(context))


@pytest.fixture
def staff_client(client, cases):
    return staff_login(client, cases["staff"])


def test_queue_first_page(staff_client, cases):
    _queue_figure(staff_client, cases, "queue_first_page", "", selectors.QueueFilters(), "", [])


def test_queue_overdue(staff_client, cases):
    today = timezone.localdate()
    _queue_figure(
        staff_client, cases, "queue_overdue", "due=overdue",
        selectors.QueueFilters(due="overdue"), " AND r.due_on < %s", [today],
    )  # fmt: skip


def test_queue_search_reference(staff_client, cases):
    # References are stored in upper case: by hand, an exact match on the unique index.
    ref = cases["reference"]
    _queue_figure(
        staff_client, cases, "queue_search_reference", f"q={ref.lower()}",
        selectors.QueueFilters(q=ref.lower()), " AND r.reference = %s", [ref],
    )  # fmt: skip


def test_queue_search_number(staff_client, cases):
    number = cases["number"]
    _queue_figure(
        staff_client, cases, "queue_search_number", f"q={number.replace('+', '%2B')}",
        selectors.QueueFilters(q=number), " AND s.number = %s", [number],
    )  # fmt: skip


def test_queue_last_page(staff_client, cases):
    last = -(-cases["open"] // PAGE_SIZE)
    _queue_figure(
        staff_client, cases, "queue_last_page", f"page={last}",
        selectors.QueueFilters(), "", [], page=last,
    )  # fmt: skip


@pytest.mark.parametrize("which", ["detail", "erased"])
def test_case_detail(staff_client, cases, which):
    url = f"/staff/cases/{cases[which]}/"
    assert staff_client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        staff_client.get(url)
    queries = len(ctx.captured_queries)
    times, response = timed(lambda: staff_client.get(url), repeat=REPEAT)
    assert response.status_code == 200
    emit(
        "case_detail" if which == "detail" else "case_detail_erasure_plan_56k_keys",
        db=connection.vendor,
        value=median(times),
        unit="s",
        reference=None,
        reference_value=None,
        queries=queries,
        html_bytes=len(response.content),
        cases=CASES,
        runs=REPEAT,
    )
