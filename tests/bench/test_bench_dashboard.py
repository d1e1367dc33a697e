"""Issue 6: the compliance cockpit with 100,000 cases, next to hand-written SQL.

The cases (two years of a busy contact centre, as in test_bench_queue.py: about 137 a day,
mostly answered in one to five weeks, some late, about 3% extended, 7% refused), 2,000 jobs
and 300,000 verification-log lines are made with bulk_create inside the test's transaction,
which is rolled back at the end, so the other benchmarks find the database as they left it.

- `dashboard_100k`: every figure of the cockpit (`dsar.dashboard.cockpit`, the default
  period of 12 months) and its query count; `reference_value` is the same figures from
  hand-written SQL (one statement per figure, SUM(CASE …), GROUP BY; on
  PostgreSQL the percentiles by `percentile_cont`, on SQLite from the same histogram as the
  portal's code), whose results are asserted equal to the cockpit's.
- `dashboard_page_100k`: GET /staff/dashboard/ as a manager (session, OTP, figures, three
  SVG charts, template); no reference.
- `dashboard_csv_100k`: the accountability CSV for the 12 months, streamed to the end,
  next to a raw SELECT written with the csv module.
- `dashboard_pdf_100k`: the accountability PDF (WeasyPrint); no reference.

Values are medians of REPEAT runs after a warm-up.
"""

from __future__ import annotations

import csv
import io
import random
import time
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsar import dashboard
from dsar.models import DataRequest, Job, Subject
from portal import roles
from tests.bench.report import emit, median, timed
from tests.conftest import staff_login
from verification.models import VerificationLog

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.timeout(1800),
]

CASES = 100_000
PER_DAY = 137
LOG_LINES = 300_000
REPEAT = 5
KINDS = ("access",) * 45 + ("erasure",) * 25 + ("export",) * 10 + ("objection",) * 12
KINDS += ("withdraw_consent",) * 8
GROUNDS = [g.value for g in DataRequest.RefusalGround]


def _make(rng: random.Random, today: date) -> dict:
    User = get_user_model()
    staff = [
        User.objects.create_user(f"dash-{n}", is_staff=True, first_name=n.title())
        for n in ("priya", "jonas", "anna", "tom", "eva")
    ]
    for user in staff:
        user.groups.set(Group.objects.filter(name=roles.PRIVACY_STAFF))
    subjects = Subject.objects.bulk_create(
        [Subject(number=f"+3164{n:07d}") for n in range(CASES * 4 // 5)], batch_size=5000
    )
    now = timezone.now()
    batch = []
    for age in sorted((rng.uniform(0, CASES / PER_DAY) for _ in range(CASES)), reverse=True):
        received_at = now - timedelta(days=age)
        received_on = timezone.localdate(received_at)
        first_due = received_on + timedelta(days=30)
        extended = rng.random() < 0.03
        is_open = age < 40 or rng.random() < 0.004
        refused = not is_open and rng.random() < 0.07
        closed_at = None
        if not is_open:
            closed_at = received_at + timedelta(days=rng.triangular(2, 75 if extended else 45, 22))
        batch.append(
            DataRequest(
                subject=rng.choice(subjects),
                kind=rng.choice(KINDS),
                status=(
                    rng.choice(DataRequest.OPEN_STATUSES)
                    if is_open
                    else ("refused" if refused else "completed")
                ),
                received_at=received_at,
                received_on=received_on,
                initial_due_on=first_due,
                due_on=received_on + timedelta(days=90) if extended else first_due,
                extended_at=received_at + timedelta(days=20) if extended else None,
                extension_reason=rng.choice(("complexity", "number")) if extended else "",
                refusal_ground=rng.choice(GROUNDS) if refused or rng.random() < 0.01 else "",
                partially_refused=not refused and rng.random() < 0.01,
                assignee=rng.choice(staff) if is_open and rng.random() < 0.7 else None,
                closed_at=closed_at,
                created_at=received_at,
                # Nine in ten filed on the portal's forms (the funnel's), the rest otherwise.
                idempotency_key=f"form-{len(batch)}" if len(batch) % 10 else "",
            )
        )
    DataRequest.objects.bulk_create(batch, batch_size=5000)
    ids = list(DataRequest.objects.values_list("id", flat=True))
    states = ("done",) * 90 + ("failed",) * 5 + ("running",) * 5
    Job.objects.bulk_create(
        [
            Job(
                data_request_id=rng.choice(ids),
                kind=rng.choice(("discover", "package", "erase")),
                state=(state := rng.choice(states)),
                heartbeat_at=now - timedelta(minutes=rng.choice((1, 30)))
                if state == "running"
                else None,
                created_at=now - timedelta(days=rng.uniform(0, 700)),
            )
            for _ in range(2000)
        ],
        batch_size=2000,
    )
    events = ("requested",) * 40 + ("sent",) * 38 + ("verified",) * 15 + ("rejected",) * 5
    events += ("send_failed", "rate_limited")
    # In the order they happen, as in real life (and appending to the indexes is faster).
    ages = sorted((rng.uniform(0, 730) for _ in range(LOG_LINES)), reverse=True)
    VerificationLog.objects.bulk_create(
        [
            VerificationLog(event=rng.choice(events), created_at=now - timedelta(days=age))
            for age in ages
        ],
        batch_size=10_000,
    )
    return {"staff": staff}


# --- the hand-written SQL ---------------------------------------------------------------
def _sql() -> dict[str, str]:
    """Vendor-specific pieces: the local date of closed_at, a month, a day difference."""
    tz = settings.TIME_ZONE.replace("'", "")
    if connection.vendor == "postgresql":
        closed_on = f"(closed_at AT TIME ZONE '{tz}')::date"
        return {
            "closed_on": closed_on,
            "month": "date_trunc('month', received_on)::date",
            "days": f"({closed_on} - received_on)",
        }
    # SQLite has no time zones; Django registers this function on every connection.
    closed_on = f"django_datetime_cast_date(closed_at, '{tz}', 'UTC')"
    return {
        "closed_on": closed_on,
        "month": "date(received_on, 'start of month')",
        "days": f"CAST(julianday({closed_on}) - julianday(received_on) AS INTEGER)",
    }


def _rows(sql: str, params: list) -> list[tuple]:
    # Datetimes as the backend stores them (UTC text on SQLite), as the ORM would send them.
    params = [
        connection.ops.adapt_datetimefield_value(p) if isinstance(p, datetime) else p
        for p in params
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def raw_figures(filters: dashboard.Filters, today: date) -> dict:
    """The cockpit's figures, each from one hand-written statement (12, as the cockpit)."""
    r, j, v = DataRequest._meta.db_table, Job._meta.db_table, VerificationLog._meta.db_table
    p = _sql()
    opened = "status IN ('received', 'in_progress', 'awaiting_approval', 'erasing')"
    first_due = "COALESCE(initial_due_on, due_on)"
    until = dashboard.due_soon_until(today)
    now = timezone.now()
    since, before = dashboard.local_bounds(filters.start, filters.end)
    period = [filters.start, filters.end]
    out: dict = {}
    out["open"] = _rows(
        f"SELECT kind, status, COUNT(*) FROM {r} WHERE {opened} GROUP BY kind, status", []
    )  # noqa: S608
    out["load"] = _rows(
        f"SELECT assignee_id, COUNT(*), SUM(CASE WHEN due_on >= %s AND due_on <= %s THEN 1 ELSE 0 END), "  # noqa: S608
        f"SUM(CASE WHEN due_on < %s THEN 1 ELSE 0 END) FROM {r} WHERE {opened} GROUP BY assignee_id",
        [today, until, today],
    )
    buckets = ", ".join(
        f"SUM(CASE WHEN due_on <= %s {'AND due_on >= %s' if high else ''} THEN 1 ELSE 0 END)"
        for _, high in dashboard.OVERDUE_BUCKETS
    )
    bucket_params = []
    for low, high in dashboard.OVERDUE_BUCKETS:
        bucket_params.append(today - timedelta(days=low))
        if high:
            bucket_params.append(today - timedelta(days=high))
    out["overdue"] = _rows(
        f"SELECT COUNT(*), {buckets} FROM {r} WHERE {opened} AND due_on < %s",  # noqa: S608
        [*bucket_params, today],
    )[0]
    out["oldest"] = _rows(
        f"SELECT reference FROM {r} WHERE {opened} AND due_on < %s ORDER BY due_on, id LIMIT 10",  # noqa: S608
        [today],
    )
    # The local date of closed_at once per row (a materialised CTE: SQLite would otherwise
    # inline it into every CASE), then plain comparisons.
    shares = []
    for deadline in ("first_due", "due_on"):
        shares.append(f"SUM(CASE WHEN closed_on <= {deadline} THEN 1 ELSE 0 END)")
        shares.append(
            f"SUM(CASE WHEN closed_on > {deadline} OR (closed_on IS NULL AND {deadline} < %s) "
            "THEN 1 ELSE 0 END)"
        )
    out["months"] = _rows(
        f"WITH c AS MATERIALIZED (SELECT {p['month']} AS month, {first_due} AS first_due, "  # noqa: S608
        f"due_on, {p['closed_on']} AS closed_on FROM {r} "
        f"WHERE received_on >= %s AND received_on <= %s) "
        f"SELECT month, COUNT(*), {', '.join(shares)} FROM c GROUP BY month ORDER BY month",
        [*period, today, today],
    )
    if connection.vendor == "postgresql":
        out["close"] = _rows(
            f"SELECT kind, COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY {p['days']}), "  # noqa: S608
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {p['days']}) FROM {r} "
            f"WHERE closed_at IS NOT NULL AND received_on >= %s AND received_on <= %s GROUP BY kind",
            period,
        )
    else:
        hist: dict[str, list] = {}
        for kind, days, n in _rows(
            f"SELECT kind, {p['days']} AS d, COUNT(*) FROM {r} WHERE closed_at IS NOT NULL "  # noqa: S608
            f"AND received_on >= %s AND received_on <= %s GROUP BY kind, d ORDER BY kind, d",
            period,
        ):
            hist.setdefault(kind, []).append((days, n))
        out["close"] = [
            (k, sum(n for _, n in h), dashboard.percentile(h, 0.5), dashboard.percentile(h, 0.9))
            for k, h in hist.items()
        ]
    out["outcomes"] = _rows(
        f"SELECT COUNT(*), SUM(CASE WHEN extended_at IS NOT NULL THEN 1 ELSE 0 END) FROM {r} "  # noqa: S608
        f"WHERE received_on >= %s AND received_on <= %s",
        period,
    )[0]
    out["grounds"] = _rows(
        f"SELECT refusal_ground, SUM(CASE WHEN partially_refused THEN 0 ELSE 1 END), "  # noqa: S608
        f"SUM(CASE WHEN partially_refused THEN 1 ELSE 0 END) FROM {r} WHERE refusal_ground <> '' "
        f"AND received_on >= %s AND received_on <= %s GROUP BY refusal_ground",
        period,
    )
    out["funnel"] = _rows(
        f"SELECT event, COUNT(*) FROM {v} WHERE created_at >= %s AND created_at < %s GROUP BY event",  # noqa: S608
        [since, before],
    )
    out["filed"] = _rows(
        f"SELECT COUNT(*) FROM {r} WHERE received_on >= %s AND received_on <= %s "  # noqa: S608
        f"AND idempotency_key <> ''",
        period,
    )[0][0]
    out["job_rows"] = _rows(
        f"SELECT r.reference, j.kind, j.state FROM {j} j JOIN {r} r ON r.id = j.data_request_id "  # noqa: S608
        f"WHERE (j.state = 'failed' AND r.{opened}) OR (j.state = 'running' AND j.heartbeat_at < %s) "
        f"ORDER BY COALESCE(j.finished_at, j.heartbeat_at, j.created_at) DESC, j.id DESC LIMIT 10",
        [dashboard.stale_before(now)],
    )
    out["jobs"] = _rows(
        f"SELECT SUM(CASE WHEN j.state = 'failed' AND r.{opened} THEN 1 ELSE 0 END), "  # noqa: S608
        f"SUM(CASE WHEN j.state = 'failed' AND j.created_at >= %s AND j.created_at < %s THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN j.state = 'running' AND j.heartbeat_at < %s THEN 1 ELSE 0 END) "
        f"FROM {j} j JOIN {r} r ON r.id = j.data_request_id",
        [since, before, dashboard.stale_before(now)],
    )[0]
    return out


def _same(orm: dashboard.Cockpit, raw: dict, today: date) -> None:
    """The hand-written SQL and the cockpit agree on every figure."""
    assert orm.open.total == sum(n for _, _, n in raw["open"])
    loads = {row.assignee_id: (row.open, row.due_soon, row.overdue) for row in orm.due_soon.rows}
    assert loads == {a: (o, s, d) for a, o, s, d in raw["load"]}
    assert [orm.overdue.total, *(b.n for b in orm.overdue.buckets)] == list(raw["overdue"])
    assert [o.reference for o in orm.overdue.oldest] == [ref for (ref,) in raw["oldest"]]
    months = {m.month: m for m in orm.months}
    for month, received, f_on, f_late, d_on, d_late in raw["months"]:
        month = month if isinstance(month, date) else date.fromisoformat(month)
        m = months[month]
        assert (m.received, m.first.on_time, m.first.late, m.final.on_time, m.final.late) == (
            received, f_on, f_late, d_on, d_late,
        )  # fmt: skip
    close = {c.kind: c for c in orm.close_times}
    for kind, n, med, p90 in raw["close"]:
        assert (close[kind].closed, close[kind].median) == (n, pytest.approx(med))
        assert close[kind].p90 == pytest.approx(p90)
    assert (orm.outcomes.received, orm.outcomes.extended) == tuple(raw["outcomes"])
    grounds = {c.code: (c.n, partly) for c, partly in orm.outcomes.by_ground}
    assert all(grounds[g] == (w, pt) for g, w, pt in raw["grounds"])
    funnel = dict(raw["funnel"])
    assert (orm.funnel.requested, orm.funnel.sent, orm.funnel.verified) == (
        funnel["requested"], funnel["sent"], funnel["verified"],
    )  # fmt: skip
    assert (orm.jobs.failed_open, orm.jobs.failed_in_period, orm.jobs.stuck) == tuple(raw["jobs"])
    assert orm.funnel.filed == raw["filed"]
    assert [j.reference for j in orm.jobs.rows] == [ref for ref, _, _ in raw["job_rows"]]


def _raw_csv(filters: dashboard.Filters) -> int:
    out = io.StringIO()
    writer = csv.writer(out)
    r, closed_on = DataRequest._meta.db_table, _sql()["closed_on"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT reference, kind, status, received_on, COALESCE(initial_due_on, due_on), due_on, "  # noqa: S608
            f"extended_at, extension_reason, {closed_on}, refusal_ground, partially_refused FROM {r} "
            f"WHERE received_on >= %s AND received_on <= %s ORDER BY received_on, id",
            [filters.start, filters.end],
        )
        while rows := cursor.fetchmany(2000):
            writer.writerows(rows)
    return len(out.getvalue())


def test_dashboard_100k(client):
    start = time.perf_counter()
    made = _make(random.Random(6), timezone.localdate())
    emit(
        "dashboard_seed_cases",
        db=connection.vendor,
        value=time.perf_counter() - start,
        unit="s",
        reference=None,
        reference_value=None,
        rows=CASES,
        verification_lines=LOG_LINES,
    )
    today = timezone.localdate()
    filters = dashboard.Filters.default(today)
    cases = DataRequest.objects.count()

    dashboard.cockpit(filters, today=today)  # warm-up
    with CaptureQueriesContext(connection) as ctx:
        figures = dashboard.cockpit(filters, today=today)
    queries = len(ctx.captured_queries)
    times, figures = timed(lambda: dashboard.cockpit(filters, today=today), repeat=REPEAT)
    ref_times, raw = timed(lambda: raw_figures(filters, today), repeat=REPEAT)
    _same(figures, raw, today)
    emit(
        "dashboard_100k",
        db=connection.vendor,
        value=median(times),
        unit="s",
        reference="raw_sql_aggregates",
        reference_value=median(ref_times),
        queries=queries,
        cases=cases,
        in_period=figures.outcomes.received,
        open=figures.open.total,
        verification_lines=LOG_LINES,
        runs=REPEAT,
    )

    manager = get_user_model().objects.create_user("dash-manager", is_staff=True)
    manager.groups.set(Group.objects.filter(name=roles.MANAGERS))
    staff_login(client, manager)
    assert client.get("/staff/dashboard/").status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get("/staff/dashboard/")
    page_queries = len(ctx.captured_queries)
    page_times, response = timed(lambda: client.get("/staff/dashboard/"), repeat=REPEAT)
    emit(
        "dashboard_page_100k",
        db=connection.vendor,
        value=median(page_times),
        unit="s",
        reference=None,
        reference_value=None,
        queries=page_queries,
        html_bytes=len(response.content),
        cases=cases,
        runs=REPEAT,
    )

    def stream() -> int:
        return sum(
            len(chunk) for chunk in client.get("/staff/dashboard/export.csv").streaming_content
        )

    csv_times, size = timed(stream, repeat=3)
    raw_csv_times, _ = timed(lambda: _raw_csv(filters), repeat=3)
    emit(
        "dashboard_csv_100k",
        db=connection.vendor,
        value=median(csv_times),
        unit="s",
        reference="raw_sql_select_csv_writer",
        reference_value=median(raw_csv_times),
        rows=figures.outcomes.received,
        csv_bytes=size,
        cases=cases,
        runs=3,
    )

    pdf_times, response = timed(lambda: client.get("/staff/dashboard/report.pdf"), repeat=3)
    assert response["Content-Type"] == "application/pdf"
    emit(
        "dashboard_pdf_100k",
        db=connection.vendor,
        value=median(pdf_times),
        unit="s",
        reference=None,
        reference_value=None,
        pdf_bytes=len(response.content),
        cases=cases,
        runs=3,
    )
    assert made["staff"]
