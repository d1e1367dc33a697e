"""The cockpit's figures on a hand-made set of cases whose right answers are worked out below.

Today is Thursday 20 March 2025 (Amsterdam, NL holidays). "Due soon" runs to Thursday
27 March (5 working days). The default period is 1 April 2024 – 20 March 2025.

 case received  kind       first due  due (final) answered              status
 D1   2024-03-15 access    2024-04-15 2024-04-15  open                  in_progress (339 d overdue)
 D2   2024-03-31 access    2024-04-30 2024-04-30  2024-04-02            completed (outside period)
 D3   2024-04-01 export    2024-05-01 2024-05-01  2024-04-05            completed  → on time, 4 d
 A1   2025-01-31 access    2025-02-28 2025-02-28  2025-02-27            completed  → on time, 27 d
 A2   2025-01-31 erasure   2025-02-28 2025-02-28  2025-03-03            completed  → late/late, 31 d
 A3   2025-01-15 access    2025-02-14 2025-04-15  2025-03-10 (extended) completed  → late/on time, 54 d
 A4   2025-01-10 access    2025-02-10 2025-02-10  2025-01-20            refused (excessive) → on time, 10 d
 A5   2025-01-20 access    2025-02-20 2025-04-22  open (extended)       in_progress → late/pending
 B1   2025-02-01 access    2025-03-03 2025-03-03  2025-03-03 23:30 local completed → on time, 30 d
 B2   2025-02-03 erasure   2025-03-03 2025-03-03  2025-03-04 00:30 local completed → late, 29 d
 B3   2025-02-17 erasure   2025-03-17 2025-03-17  open (carol)          received → late (3 d overdue)
 B4   2025-02-25 access    2025-03-25 2025-03-25  open (bob)            awaiting_approval → pending, due soon
 B5   2025-02-10 objection 2025-03-10 2025-03-10  2025-02-12            completed, partly refused → on time, 2 d
 E1   2025-02-24 access    2025-03-24 2025-03-24  open (bob)            in_progress → pending, due soon
 C1   2025-03-18 export    2025-04-17 2025-04-17  open                  received → pending
 C2   2025-03-03 withdraw  2025-04-03 2025-04-03  open                  received → pending
"""

from __future__ import annotations

import statistics
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dsar import dashboard
from dsar.models import AuditEvent, DataRequest, Job
from tests.factories import DataRequestFactory
from verification.models import VerificationLog

pytestmark = pytest.mark.django_db

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2025, 3, 20)
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=AMS)
DEFAULT = dashboard.Filters(date(2024, 4, 1), TODAY)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def local(d: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=AMS)


def case(received: str, kind: str, first: str, *, due: str | None = None, closed=None, **kw):
    """A case as the services would leave it; `closed` is a date (noon) or a datetime."""
    received_on, first_due = date.fromisoformat(received), date.fromisoformat(first)
    if isinstance(closed, str):
        closed = local(date.fromisoformat(closed))
    status = kw.pop("status", "completed" if closed else "in_progress")
    return DataRequestFactory(
        kind=kind,
        status=status,
        received_at=local(received_on, 10),
        received_on=received_on,
        initial_due_on=first_due,
        due_on=date.fromisoformat(due) if due else first_due,
        closed_at=closed,
        **kw,
    )


@pytest.fixture
def cases(bob, carol):
    c = {
        "D1": case("2024-03-15", "access", "2024-04-15"),
        "D2": case("2024-03-31", "access", "2024-04-30", closed="2024-04-02"),
        "D3": case("2024-04-01", "export", "2024-05-01", closed="2024-04-05"),
        "A1": case("2025-01-31", "access", "2025-02-28", closed="2025-02-27"),
        "A2": case("2025-01-31", "erasure", "2025-02-28", closed="2025-03-03"),
        "A3": case(
            "2025-01-15",
            "access",
            "2025-02-14",
            due="2025-04-15",
            closed="2025-03-10",
            extended_at=local(date(2025, 2, 10)),
            extension_reason="complexity",
        ),
        "A4": case(
            "2025-01-10",
            "access",
            "2025-02-10",
            closed="2025-01-20",
            status="refused",
            refusal_ground="excessive",
        ),
        "A5": case(
            "2025-01-20",
            "access",
            "2025-02-20",
            due="2025-04-22",
            extended_at=local(date(2025, 2, 12)),
            extension_reason="number",
        ),
        # 23:30 in Amsterdam on the due date is 22:30 UTC: still on time.
        "B1": case("2025-02-01", "access", "2025-03-03", closed=local(date(2025, 3, 3), 23, 30)),
        # 00:30 in Amsterdam the day after is 23:30 UTC on the due date: late.
        "B2": case("2025-02-03", "erasure", "2025-03-03", closed=local(date(2025, 3, 4), 0, 30)),
        "B3": case("2025-02-17", "erasure", "2025-03-17", status="received", assignee=carol),
        "B4": case("2025-02-25", "access", "2025-03-25", status="awaiting_approval", assignee=bob),
        "B5": case(
            "2025-02-10",
            "objection",
            "2025-03-10",
            closed="2025-02-12",
            refusal_ground="rights_of_others",
            partially_refused=True,
        ),
        "E1": case("2025-02-24", "access", "2025-03-24", assignee=bob),
        "C1": case("2025-03-18", "export", "2025-04-17", status="received"),
        "C2": case("2025-03-03", "withdraw_consent", "2025-04-03", status="received"),
    }
    return c


def refs(cases, *names):
    return {cases[n].reference for n in names}


def listed(drill, filters=DEFAULT):
    rows = dashboard.figure_cases(drill, filters, today=TODAY, now=timezone.now())
    return {r["reference"] for r in rows}


# --- the period --------------------------------------------------------------------------
def test_the_default_period_is_the_last_twelve_months():
    filters = dashboard.Filters.default(TODAY)
    assert filters == DEFAULT
    assert len(filters.months()) == 12
    assert filters.months()[0] == date(2024, 4, 1) and filters.months()[-1] == date(2025, 3, 1)


# --- snapshot figures ---------------------------------------------------------------------
def test_it_counts_open_cases_by_status_and_kind(cases):
    figure = dashboard.open_cases(DEFAULT)
    assert figure.total == 7
    assert [(c.code, c.n) for c in figure.statuses] == [
        ("received", 3),
        ("in_progress", 3),
        ("awaiting_approval", 1),
        ("erasing", 0),
    ]
    rows = {r.kind: [c.n for c in r.cells] for r in figure.rows}
    assert rows == {
        "access": [0, 3, 1, 0],  # A5, E1, D1 in progress; B4 awaiting approval
        "export": [1, 0, 0, 0],
        "erasure": [1, 0, 0, 0],
        "objection": [0, 0, 0, 0],
        "withdraw_consent": [1, 0, 0, 0],
        "rectification": [0, 0, 0, 0],
        "restriction": [0, 0, 0, 0],
    }


def test_open_cases_ignore_the_period_but_not_the_kind(cases):
    narrow = dashboard.Filters(date(2025, 3, 1), TODAY, "erasure")
    figure = dashboard.open_cases(narrow)
    assert figure.total == 1  # B3, received in February: a snapshot ignores the period
    assert [r.kind for r in figure.rows] == ["erasure"]


def test_it_sets_cases_due_within_five_working_days_against_each_load(cases, bob, carol):
    figure = dashboard.due_soon(DEFAULT, TODAY)
    assert figure.until == date(2025, 3, 27)
    assert figure.total == 2
    loads = {r.assignee_id: (r.due_soon, r.overdue, r.open) for r in figure.rows}
    assert loads == {bob.pk: (2, 0, 2), carol.pk: (0, 1, 1), None: (0, 1, 4)}
    assert figure.rows[0].assignee_id == bob.pk  # most due soon first
    assert listed(dashboard.Drill("due_soon")) == refs(cases, "B4", "E1")
    assert listed(dashboard.Drill("due_soon", assignee=str(carol.pk))) == set()
    assert listed(dashboard.Drill("due_soon", assignee="none")) == set()


def test_due_soon_skips_a_public_holiday(cases):
    # From Thursday 24 April 2025: Fri 25, (Sat, Sun), Mon 28, Tue 29, Wed 30, (King's Day
    # is Sunday 27 April that year, so no shift), Thu 1 May → the fifth working day.
    assert dashboard.due_soon_until(date(2025, 4, 24)) == date(2025, 5, 1)
    # From Friday 2 May 2025: 5 May (Liberation Day, a holiday under the Termijnenwet)
    # is skipped: Tue 6, Wed 7, Thu 8, Fri 9, Mon 12.
    assert dashboard.due_soon_until(date(2025, 5, 2)) == date(2025, 5, 12)


def test_it_lists_overdue_cases_with_their_age(cases):
    figure = dashboard.overdue(DEFAULT, TODAY)
    assert figure.total == 2
    assert [(b.low, b.high, b.n) for b in figure.buckets] == [
        (1, 7, 1),
        (8, 30, 0),
        (31, 90, 0),
        (91, None, 1),
    ]
    assert [(o.reference, o.days) for o in figure.oldest] == [
        (cases["D1"].reference, 339),
        (cases["B3"].reference, 3),
    ]
    assert listed(dashboard.Drill("overdue")) == refs(cases, "D1", "B3")


def test_a_case_due_today_is_not_overdue(bob):
    case("2025-02-20", "access", "2025-03-20")
    assert dashboard.overdue(DEFAULT, TODAY).total == 0
    assert dashboard.due_soon(DEFAULT, TODAY).total == 1


def test_it_finds_failed_and_stuck_jobs(cases):
    now = timezone.now()
    Job.objects.create(data_request=cases["A5"], kind="discover", state="failed")
    Job.objects.create(data_request=cases["A1"], kind="package", state="failed")  # case closed
    Job.objects.create(
        data_request=cases["B4"],
        kind="package",
        state="running",
        heartbeat_at=now - timedelta(minutes=20),
    )
    Job.objects.create(data_request=cases["E1"], kind="discover", state="running", heartbeat_at=now)
    Job.objects.create(data_request=cases["C1"], kind="discover", state="done")
    figure = dashboard.job_problems(DEFAULT, now)
    assert (figure.failed_open, figure.stuck, figure.failed_in_period) == (1, 1, 2)
    assert {r.reference for r in figure.rows} == refs(cases, "A5", "B4")
    assert listed(dashboard.Drill("jobs_failed")) == refs(cases, "A5")
    assert listed(dashboard.Drill("jobs_stuck")) == refs(cases, "B4")


# --- cohort figures -----------------------------------------------------------------------
def test_it_computes_on_time_shares_per_month_of_receipt(cases):
    months = {m.month: m for m in dashboard.on_time_by_month(DEFAULT, TODAY)}
    assert len(months) == 12

    def shares(month, measure):
        s = getattr(months[month], measure)
        return (months[month].received, s.on_time, s.late, s.pending, s.percent)

    assert shares(date(2024, 4, 1), "first") == (1, 1, 0, 0, 100.0)  # D3; D2 is March
    assert shares(date(2024, 5, 1), "first") == (0, 0, 0, 0, None)
    # January: A1, A4 on time; A2 late; A3 answered after its first deadline; A5 still
    # open after its first deadline. Extended A3 is on time by its extended deadline,
    # A5 is pending until 22 April.
    assert shares(date(2025, 1, 1), "first") == (5, 2, 3, 0, 40.0)
    assert shares(date(2025, 1, 1), "final") == (5, 3, 1, 1, 75.0)
    # February (1 Feb is not January): B1, B5 on time; B2 late by half an hour of local
    # time; B3 open past its deadline; B4, E1 open before theirs.
    assert shares(date(2025, 2, 1), "first") == (6, 2, 2, 2, 50.0)
    assert shares(date(2025, 2, 1), "final") == (6, 2, 2, 2, 50.0)
    assert shares(date(2025, 3, 1), "final") == (2, 0, 0, 2, None)


def test_the_period_totals_add_the_months(cases):
    months = dashboard.on_time_by_month(DEFAULT, TODAY)
    first, final = dashboard.total_share(months, "first"), dashboard.total_share(months, "final")
    assert (first.on_time, first.late, first.pending, first.percent) == (5, 5, 4, 50.0)
    assert (final.on_time, final.late, final.pending, final.percent) == (6, 3, 5, 66.7)


def test_the_drill_down_lists_exactly_the_cases_a_share_counts(cases):
    jan = date(2025, 1, 1)
    assert listed(dashboard.Drill("late_first", month=jan)) == refs(cases, "A2", "A3", "A5")
    assert listed(dashboard.Drill("on_time_final", month=jan)) == refs(cases, "A1", "A3", "A4")
    assert listed(dashboard.Drill("pending_final", month=jan)) == refs(cases, "A5")
    assert listed(dashboard.Drill("received", month=date(2025, 2, 1))) == refs(
        cases, "B1", "B2", "B3", "B4", "B5", "E1"
    )
    assert listed(dashboard.Drill("late_final")) == refs(cases, "A2", "B2", "B3")


def test_a_kind_narrows_the_cohort(cases):
    filters = dashboard.Filters(DEFAULT.start, TODAY, "erasure")
    total = dashboard.total_share(dashboard.on_time_by_month(filters, TODAY), "first")
    assert (total.on_time, total.late, total.pending) == (0, 3, 0)  # A2, B2, B3


def test_a_narrow_period_cuts_at_the_month_boundary(cases):
    january = dashboard.Filters(date(2025, 1, 1), date(2025, 1, 31))
    months = dashboard.on_time_by_month(january, TODAY)
    assert [(m.month, m.received) for m in months] == [(date(2025, 1, 1), 5)]  # with A1, A2
    february = dashboard.Filters(date(2025, 2, 1), date(2025, 2, 28))
    assert dashboard.on_time_by_month(february, TODAY)[0].received == 6


def test_it_computes_median_and_90th_percentile_days_to_answer(cases):
    times = {t.kind: (t.closed, t.median, t.p90) for t in dashboard.time_to_close(DEFAULT)}
    assert times["access"] == (4, 28.5, pytest.approx(46.8))  # 10, 27, 30, 54 days
    assert times["erasure"] == (2, 30.0, pytest.approx(30.8))  # 29 (local date), 31
    assert times["objection"] == (1, 2.0, 2.0)
    assert times["export"] == (1, 4.0, 4.0)  # D3 only: D2 was received before the period
    assert times["withdraw_consent"] == (0, None, None)
    assert listed(
        dashboard.Drill("closed"), dashboard.Filters(DEFAULT.start, TODAY, "erasure")
    ) == (refs(cases, "A2", "B2"))


def test_percentiles_match_percentile_cont():
    values = [3, 3, 7, 8, 8, 8, 12, 30, 31, 90, 2, 2, 5]
    histogram = sorted((v, values.count(v)) for v in set(values))
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    assert dashboard.percentile(histogram, 0.5) == statistics.median(values)
    assert dashboard.percentile(histogram, 0.9) == pytest.approx(deciles[8])
    assert dashboard.percentile([(5, 1)], 0.9) == 5.0
    assert dashboard.percentile([], 0.5) is None


def test_it_reports_extensions_and_refusals_by_ground(cases):
    figure = dashboard.outcomes(DEFAULT)
    assert (figure.received, figure.extended, figure.extension_percent) == (14, 2, 14.3)
    assert {c.code: c.n for c in figure.by_reason} == {"complexity": 1, "number": 1}
    grounds = {c.code: (c.n, partly) for c, partly in figure.by_ground}
    assert grounds["excessive"] == (1, 0)
    assert grounds["rights_of_others"] == (0, 1)
    assert (figure.refused, figure.partly_refused) == (1, 1)
    assert listed(dashboard.Drill("refused")) == refs(cases, "A4", "B5")
    assert listed(dashboard.Drill("extended", reason="number")) == refs(cases, "A5")


def test_it_measures_the_verification_funnel(cases):
    def log(event, when, n=1):
        for _ in range(n):
            VerificationLog.objects.create(event=event, created_at=when)

    log("requested", local(date(2024, 3, 31), 23, 30))  # before the period (local time)
    log("requested", local(date(2024, 4, 1), 0, 10))  # 31 March 22:10 UTC: inside
    log("requested", local(date(2025, 2, 1)), 4)
    log("sent", local(date(2025, 2, 1)), 4)
    log("send_failed", local(date(2025, 2, 1)))
    log("verified", local(date(2025, 2, 1)), 3)
    log("rejected", local(date(2025, 2, 1)), 2)
    # Filed in the portal after a code: the form's token. The rest came another way.
    portal = [cases[k].pk for k in ("A1", "B2")]
    DataRequest.objects.filter(pk__in=portal).update(idempotency_key="form-token")
    funnel = dashboard.verification_funnel(dashboard.Filters(DEFAULT.start, TODAY, "erasure"))
    assert (funnel.requested, funnel.sent, funnel.verified) == (5, 4, 3)
    assert (funnel.send_failed, funnel.rejected, funnel.locked) == (1, 2, 0)
    # Every kind (verification comes before the choice of kind), only its own population.
    assert (funnel.filed, funnel.other_routes) == (2, 12)
    assert (funnel.sent_percent, funnel.verified_percent, funnel.filed_percent) == (
        80.0, 60.0, 40.0,
    )  # fmt: skip
    listed = dashboard.figure_cases(
        dashboard.Drill("filed"), DEFAULT, today=TODAY, now=timezone.now()
    )
    assert {r["reference"] for r in listed} == {cases["A1"].reference, cases["B2"].reference}


@pytest.mark.parametrize(
    ("requested", "filed", "share"), [(0, 3, None), (4, 47, None), (4, 4, 100.0), (4, 1, 25.0)]
)
def test_a_funnel_share_is_never_over_100_percent(requested, filed, share):
    funnel = dashboard.Funnel(
        requested=requested, sent=requested, verified=filed, filed=filed,
        send_failed=0, rejected=0, locked=0, rate_limited=0,
    )  # fmt: skip
    assert funnel.filed_percent == share and funnel.verified_percent == share


# --- the accountability CSV ---------------------------------------------------------------
def test_the_csv_rows_say_whether_each_case_was_on_time(cases):
    rows = list(dashboard.accountability_rows(DEFAULT, today=TODAY))
    assert rows[0] == dashboard.CSV_HEADER
    by_ref = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert len(by_ref) == 14
    a3 = by_ref[cases["A3"].reference]
    assert a3 == {
        "reference": cases["A3"].reference,
        "kind": "access",
        "status": "completed",
        "received_on": "2025-01-15",
        "policy": "gdpr",
        "initial_due_on": "2025-02-14",
        "due_on": "2025-04-15",
        "extended": "yes",
        "extension_reason": "complexity",
        "closed_on": "2025-03-10",
        "on_time": "yes",
        "refusal_ground": "",
        "partially_refused": "no",
    }
    assert by_ref[cases["B2"].reference]["on_time"] == "no"
    assert by_ref[cases["B2"].reference]["closed_on"] == "2025-03-04"
    assert by_ref[cases["B3"].reference]["on_time"] == "no"  # open past its deadline
    assert by_ref[cases["B4"].reference]["on_time"] == ""  # open, deadline ahead
    assert by_ref[cases["B5"].reference]["partially_refused"] == "yes"
    # Oldest first.
    assert rows[1][0] == cases["D3"].reference


def test_the_csv_neutralises_a_formula_in_a_cell():
    DataRequestFactory(reference="=HYPERLINK(1)", received_on=TODAY, due_on=TODAY)
    rows = list(dashboard.accountability_rows(DEFAULT, today=TODAY))
    assert rows[1][0] == "'=HYPERLINK(1)"


# --- the whole cockpit: a fixed number of queries ------------------------------------------
def _many(n: int) -> None:
    kinds = DataRequest.Kind.values
    statuses = DataRequest.Status.values
    for i in range(n):
        received = TODAY - timedelta(days=3 * i % 400)
        closed = statuses[i % 5] in ("completed", "refused")
        DataRequestFactory(
            kind=kinds[i % 5],
            status=statuses[i % 5],
            received_on=received,
            received_at=local(received),
            initial_due_on=received + timedelta(days=30),
            due_on=received + timedelta(days=30 if i % 7 else 90),
            extended_at=None if i % 7 else local(received + timedelta(days=20)),
            closed_at=local(received + timedelta(days=i % 45)) if closed else None,
            refusal_ground="excessive" if statuses[i % 5] == "refused" else "",
        )


@pytest.mark.parametrize("n", [10, 200])
def test_the_cockpit_takes_the_same_queries_for_10_or_200_cases(n, django_assert_max_num_queries):
    _many(n)
    with CaptureQueriesContext(connection) as ctx:
        dashboard.cockpit(DEFAULT, today=TODAY)
    assert len(ctx.captured_queries) == 13
    with django_assert_max_num_queries(13):
        dashboard.cockpit(dashboard.Filters(DEFAULT.start, TODAY, "access"), today=TODAY)


def test_the_cockpit_puts_the_figures_together(cases):
    figures = dashboard.cockpit(DEFAULT, today=TODAY)
    assert figures.open.total == 7
    assert figures.overdue.total == 2
    assert figures.first.percent == 50.0
    assert not AuditEvent.objects.exists()  # reading writes nothing


# --- the charts ----------------------------------------------------------------------------
def test_charts_are_labelled_scalable_svg_with_every_text_escaped():
    from dsar import charts

    svg = str(
        charts.column_chart(
            chart_id="c1",
            title="On time <script>alert(1)</script>",
            desc='Months & "shares"',
            categories=["Jan <b>", "Feb"],
            series=[charts.Series("One & two", [50.0, None])],
            maximum=100,
            unit="%",
        )
    )
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-columns"')
    assert 'role="img" aria-labelledby="c1-title c1-desc"' in svg
    assert 'viewBox="0 0 800 280" width="100%"' in svg
    assert '<title id="c1-title">On time &lt;script&gt;alert(1)&lt;/script&gt;</title>' in svg
    assert '<desc id="c1-desc">Months &amp; &quot;shares&quot;</desc>' in svg
    assert "Jan &lt;b&gt;" in svg and "One &amp; two" in svg
    assert "<script" not in svg and "<b>" not in svg
    assert ">50%<" in svg  # a value label
    assert svg.count("<rect") == 2  # the legend's and one bar: None is a gap, not a dash
    assert ">–<" not in svg

    bars = str(charts.bar_chart(chart_id="c2", title="T", desc="D", rows=[("<i>", 3), ("b", 0)]))
    assert "&lt;i&gt;" in bars and "<i>" not in bars
    assert bars.count("<rect") == 2


def _labels(svg: str) -> list[tuple[float, float, str, float]]:
    """(x, y, text, font size) of every single-line <text> of a chart."""
    import re

    found = []
    for m in re.finditer(r'<text x="([\d.]+)" y="([\d.]+)"([^>]*)>([^<]+)</text>', svg):
        size = re.search(r'font-size="(\d+)"', m.group(3))
        found.append(
            (
                float(m.group(1)),
                float(m.group(2)),
                m.group(4),
                float(size.group(1)) if size else 13.0,
            )
        )
    return found


def test_the_on_time_chart_writes_counts_under_bars_and_no_label_touches_another():
    from dsar import charts

    months = [f"okt {2000 + i}" for i in range(12)]
    svg = str(
        charts.column_chart(
            chart_id="c3",
            title="T",
            desc="D",
            categories=months,
            series=[
                charts.Series("a", [100.0] * 11 + [None], counts=[4] * 11 + [0]),
                charts.Series("b", [100.0] * 11 + [None], counts=[123] * 11 + [0]),
            ],
            maximum=100,
            unit="%",
        )
    )
    labels = _labels(svg)
    counts = [t for t in labels if t[2] in ("4", "123")]
    assert len(counts) == 22  # one under each bar; none under the gap
    # Labels on one line never overlap, by the chart's own generous width estimate.
    for row in {y for _, y, _, _ in labels}:
        spans = sorted(
            (x - charts.text_width(t, size) / 2, x + charts.text_width(t, size) / 2)
            for x, y, t, size in labels
            if y == row and "middle" in svg
        )
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False)), row
    # A month label too wide for its group goes on two lines.
    assert '<tspan x="' in svg and ">2011</tspan>" in svg
    assert "100%100%" not in svg.replace("</text><text", "")


def test_the_cockpit_says_what_a_gap_and_the_counts_mean(client, maria):
    from tests.conftest import staff_login, text

    page = text(staff_login(client, maria).get("/staff/dashboard/"))
    assert "Under each bar: the requests it counts" in page
    assert "A month without a bar" in page
