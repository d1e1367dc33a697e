"""The managers' compliance cockpit: figures, the cases behind them, the accountability pack.

Every view needs `dsar.view_compliance` (the Managers role). Filters come from the query
string and are all validated: a page with a bad value answers 400 and shows the defaults it
used instead, with a message; the exports refuse and go back to the cockpit. Never a 500.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dsar import charts, dashboard
from dsar.models import DataRequest
from dsar.pdf import render_pdf
from portal.auth import staff_required
from portal.formats import human_date

PAGE_SIZE = 50
MAX_PERIOD_DAYS = 3 * 366
# Dates outside these are typing errors (or probes): date arithmetic on year 9999 overflows.
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2099, 12, 31)
# Larger than any id a database gives out (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1

FIGURE_TITLES = {
    "received": gettext_lazy("Requests received"),
    "filed": gettext_lazy("Requests filed in the portal after a code"),
    "on_time_first": gettext_lazy("Answered within one month"),
    "late_first": gettext_lazy("Not answered within one month"),
    "pending_first": gettext_lazy("Open, first deadline not yet passed"),
    "on_time_final": gettext_lazy("Answered within the legal deadline"),
    "late_final": gettext_lazy("Answered late or still open after the deadline"),
    "pending_final": gettext_lazy("Open, deadline not yet passed"),
    "closed": gettext_lazy("Answered requests"),
    "extended": gettext_lazy("Extended requests"),
    "refused": gettext_lazy("Refused requests (wholly or partly)"),
    "due_soon": gettext_lazy("Open cases due within 5 working days"),
    "overdue": gettext_lazy("Overdue cases"),
    "jobs_failed": gettext_lazy("Open cases with a failed job"),
    "jobs_stuck": gettext_lazy("Cases with a stuck job"),
}


class DashboardFilterForm(forms.Form):
    """The period and kind (GET). The view replaces what does not validate by the default."""

    start = forms.DateField(
        label=gettext_lazy("Received from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[MinValueValidator(FIRST_DATE), MaxValueValidator(LAST_DATE)],
    )
    end = forms.DateField(
        label=gettext_lazy("to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[MinValueValidator(FIRST_DATE), MaxValueValidator(LAST_DATE)],
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *DataRequest.Kind.choices],
    )


def _filters(request: HttpRequest, today: date) -> tuple[dashboard.Filters, list[str]]:
    """The filters from the query string and a message for each value that was replaced."""
    default = dashboard.Filters.default(today)
    form = DashboardFilterForm(request.GET)
    form.is_valid()
    data, problems = form.cleaned_data, []
    kind = data.get("kind", "")
    if "kind" in form.errors:
        problems.append(_("That kind of request does not exist; showing all kinds."))
    start, end = data.get("start") or default.start, data.get("end") or default.end
    out_of_range = any(
        form.has_error(name, code)
        for name in ("start", "end")
        for code in ("min_value", "max_value")
    )
    if out_of_range:
        start, end = default.start, default.end
        problems.append(
            _("Choose dates from %(first)s to %(last)s; showing the last 12 months.")
            % {"first": FIRST_DATE.year, "last": LAST_DATE.year}
        )
    elif "start" in form.errors or "end" in form.errors:
        start, end = default.start, default.end
        problems.append(_("Enter dates as YYYY-MM-DD; showing the last 12 months."))
    elif start > end:
        start, end = default.start, default.end
        problems.append(_("The period ends before it starts; showing the last 12 months."))
    elif (end - start).days > MAX_PERIOD_DAYS:
        start, end = default.start, default.end
        problems.append(_("Choose a period of at most three years; showing the last 12 months."))
    return dashboard.Filters(start, end, kind), problems


def _period_query(filters: dashboard.Filters) -> str:
    values = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    if filters.kind:
        values["kind"] = filters.kind
    return urlencode(values)


def cockpit_charts(figures: dashboard.Cockpit) -> dict:
    """The three charts of the cockpit and the report, as inline SVG."""
    months = [human_date(m.month, "SHORT_YEAR_MONTH_FORMAT") for m in figures.months]
    on_time = charts.column_chart(
        chart_id="chart-on-time",
        title=_("Answered on time, by month of receipt"),
        desc=_(
            "Share of the decided requests received each month from %(start)s to %(end)s that "
            "were answered within one month and within the legal deadline, with the number of "
            "decided requests under each bar. No bar: nothing received that month is decided "
            "yet. The table after the chart gives the numbers."
        )
        % {"start": months[0], "end": months[-1]},
        categories=months,
        series=[
            charts.Series(
                _("Within one month"),
                [m.first.percent for m in figures.months],
                counts=[m.first.decided for m in figures.months],
            ),
            charts.Series(
                _("Within the legal deadline"),
                [m.final.percent for m in figures.months],
                charts.BROWN,
                counts=[m.final.decided for m in figures.months],
            ),
        ],
        maximum=100,
        unit="%",
    )
    open_cases = charts.bar_chart(
        chart_id="chart-open",
        title=_("Open cases by status"),
        desc=_("%(n)s open cases today, by status. The table after the chart gives the numbers.")
        % {"n": figures.open.total},
        rows=[(str(c.label), c.n) for c in figures.open.statuses],
    )
    f = figures.funnel
    funnel = charts.bar_chart(
        chart_id="chart-funnel",
        title=_("Verification funnel"),
        desc=_(
            "Codes requested, codes sent, numbers verified and requests filed in the portal in "
            "the period. The table after the chart gives the numbers."
        ),
        rows=[
            (_("Codes requested"), f.requested),
            (_("Codes sent"), f.sent),
            (_("Numbers verified"), f.verified),
            (_("Requests filed in the portal"), f.filed),
        ],
        colour=charts.GREEN,
    )
    return {"on_time": on_time, "open": open_cases, "funnel": funnel}


@require_GET
@staff_required("dsar.view_compliance")
def cockpit(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filters, problems = _filters(request, today)
    for problem in problems:
        messages.warning(request, problem)
    figures = dashboard.cockpit(filters, today=today)
    form = DashboardFilterForm(
        initial={"start": filters.start, "end": filters.end, "kind": filters.kind}
    )
    context = {
        "form": form,
        "f": figures,
        "charts": cockpit_charts(figures),
        "period_query": _period_query(filters),
        "kind_query": urlencode({"kind": filters.kind}) if filters.kind else "",
    }
    return render(request, "dsar/dashboard/cockpit.html", context, status=400 if problems else 200)


def _month(value: str) -> date | None:
    try:
        month = datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None
    return month if FIRST_DATE <= month <= LAST_DATE else None


def _assignee(value: str) -> str | None:
    """The assignee filter: "none", a user id, or None for anything else. ASCII digits only
    ("²".isdigit() is true) and within the range of an id (a 25-digit one overflows)."""
    if value == "none":
        return value
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_ID:
        return str(int(value))
    return None


def _drill(request: HttpRequest) -> tuple[dashboard.Drill | None, list[str]]:
    """The figure to list and its detail, from the query string; None for an unknown figure.
    A detail that does not validate is dropped, with a message."""
    get = request.GET.get
    figure = get("figure", "")
    if figure not in dashboard.FIGURES:
        return None, []
    problems = []
    month = _month(get("month", ""))
    if get("month") and month is None:
        problems.append(_("Enter the month as YYYY-MM; showing the whole period."))
    assignee = _assignee(get("assignee", ""))
    if get("assignee") and assignee is None:
        problems.append(_("That assignee does not exist; showing every assignee."))
    ground, reason = get("ground", ""), get("reason", "")
    if ground and ground not in DataRequest.RefusalGround.values:
        problems.append(_("That refusal ground does not exist; showing every ground."))
    if reason and reason not in DataRequest.ExtensionReason.values:
        problems.append(_("That reason for an extension does not exist; showing every reason."))
    drill = dashboard.Drill(
        figure=figure,
        month=month,
        assignee=assignee or "",
        ground=ground if ground in DataRequest.RefusalGround.values else "",
        reason=reason if reason in DataRequest.ExtensionReason.values else "",
    )
    return drill, problems


@require_GET
@staff_required("dsar.view_compliance")
def cases(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filters, problems = _filters(request, today)
    drill, more = _drill(request)
    if drill is None:
        messages.warning(request, _("That figure does not exist. Choose one on the dashboard."))
        return redirect("dsar:dashboard")
    for problem in [*problems, *more]:
        messages.warning(request, problem)
    qs = dashboard.figure_cases(drill, filters, today=today, now=timezone.now())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    kinds, statuses = dict(DataRequest.Kind.choices), dict(DataRequest.Status.choices)
    rows = [
        {**r, "kind_label": kinds.get(r["kind"]), "status_label": statuses.get(r["status"])}
        for r in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": FIGURE_TITLES[drill.figure],
        "drill": drill,
        "filters": filters,
        "snapshot": drill.figure in dashboard.SNAPSHOT_FIGURES,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "period_query": _period_query(filters),
    }
    status = 400 if problems or more else 200
    return render(request, "dsar/dashboard/cases.html", context, status=status)


def _csv_chunks(rows: Iterable[list[str]], per_chunk: int = 500) -> Iterator[str]:
    """The CSV text, `per_chunk` rows at a time: fewer, larger writes than a row each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for i, row in enumerate(rows, 1):
        writer.writerow(row)
        if i % per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _pack_filters(request: HttpRequest) -> dashboard.Filters | None:
    """The period for an export, or None (with a message) when the input is bad: an
    accountability pack for another period than the one asked for would mislead."""
    filters, problems = _filters(request, timezone.localdate())
    if not problems:
        return filters
    messages.error(request, " ".join([*problems[:1], _("Nothing was exported.")]))
    return None


def _filename(filters: dashboard.Filters, extension: str) -> str:
    kind = f"-{filters.kind}" if filters.kind else ""
    return f"accountability-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}{kind}.{extension}"


@require_GET
@never_cache
@staff_required("dsar.view_compliance")
def export_csv(request: HttpRequest) -> HttpResponse:
    filters = _pack_filters(request)
    if filters is None:
        return redirect(reverse("dsar:dashboard") + "?" + request.GET.urlencode())
    rows = dashboard.accountability_rows(filters, today=timezone.localdate())
    response = StreamingHttpResponse(_csv_chunks(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(filters, "csv")}"'
    return response


@require_GET
@never_cache
@staff_required("dsar.view_compliance")
def report_pdf(request: HttpRequest) -> HttpResponse:
    filters = _pack_filters(request)
    if filters is None:
        return redirect(reverse("dsar:dashboard") + "?" + request.GET.urlencode())
    today, now = timezone.localdate(), timezone.now()
    figures = dashboard.cockpit(filters, today=today, now=now)
    period = f"{human_date(filters.start)} – {human_date(filters.end)}"
    title = _("Accountability report on privacy requests")
    context = {
        "f": figures,
        "charts": cockpit_charts(figures),
        "kind_label": DataRequest.Kind(filters.kind).label if filters.kind else "",
        "authority": settings.DSAR_SUPERVISORY_AUTHORITY,
        "period": period,
        "header_left": title,
        "header_right": period,
        "footer_left": _("Generated %(when)s") % {"when": human_date(now)},
    }
    language = translation.get_language() or "en"
    pdf = render_pdf("dsar/pdf/accountability.html", context, language=language, title=title)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(filters, "pdf")}"'
    return response
