"""The cockpit's pages, the accountability pack and the weekly mail: roles, filters, bad input,
no personal data in the exports."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from pypdf import PdfReader

from dsar import services
from dsar.models import AuditEvent
from dsar.weekly_summary import send_weekly_summary
from portal import roles
from tests.conftest import ALICE, Client, committed, staff_login, text
from tests.factories import DataRequestFactory

pytestmark = pytest.mark.django_db


AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2025, 3, 20)
URLS = [
    "/staff/dashboard/",
    "/staff/dashboard/cases/?figure=overdue",
    "/staff/dashboard/export.csv",
    "/staff/dashboard/report.pdf",
]


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime(2025, 3, 20, 9, 0, tzinfo=AMS), tick=False):
        yield


@pytest.fixture
def cases():
    """An overdue erasure, an access case due soon, a late answer and an on-time one."""
    return {
        "late_open": DataRequestFactory(
            kind="erasure",
            received_on=date(2025, 2, 10),
            initial_due_on=date(2025, 3, 10),
            due_on=date(2025, 3, 10),
        ),
        "soon": DataRequestFactory(
            kind="access",
            received_on=date(2025, 2, 24),
            initial_due_on=date(2025, 3, 24),
            due_on=date(2025, 3, 24),
        ),
        "late_closed": DataRequestFactory(
            kind="access",
            status="completed",
            received_on=date(2025, 1, 6),
            initial_due_on=date(2025, 2, 6),
            due_on=date(2025, 2, 6),
            closed_at=datetime(2025, 2, 10, 12, tzinfo=AMS),
        ),
        "on_time": DataRequestFactory(
            kind="access",
            status="completed",
            received_on=date(2025, 1, 7),
            initial_due_on=date(2025, 2, 7),
            due_on=date(2025, 2, 7),
            closed_at=datetime(2025, 2, 3, 12, tzinfo=AMS),
        ),
    }


@pytest.fixture
def manager(client, maria):
    return staff_login(client, maria)


# --- who may see it -----------------------------------------------------------------------
@pytest.mark.parametrize("url", URLS)
def test_managers_see_the_cockpit_and_the_pack(manager, cases, url):
    assert manager.get(url).status_code == 200


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("persona", ["bob", "carol", "dave"])
def test_staff_without_the_manager_role_get_403(client, request, url, persona):
    staff_login(client, request.getfixturevalue(persona))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_anonymous_users_and_customers_go_to_the_staff_sign_in(alice_client, url, db):
    for c in (Client(), alice_client):
        r = c.get(url)
        assert r.status_code == 302 and r.url.startswith("/staff/login/")


def test_a_password_alone_is_not_enough(client, maria):
    client.force_login(maria)  # no second factor
    r = client.get("/staff/dashboard/")
    assert r.status_code == 302 and "/staff/login/" in r.url


@pytest.mark.parametrize("url", URLS)
def test_it_only_answers_get(manager, url):
    assert manager.post(url).status_code == 405


# --- the page -----------------------------------------------------------------------------
def test_the_cockpit_shows_the_figures_with_links_to_their_cases(manager, cases):
    r = manager.get("/staff/dashboard/")
    page = text(r)
    assert "Compliance dashboard" in page
    assert "Requests received 1 April 2024 – 20 March 2025" in page
    body = r.content.decode()
    assert 'href="/staff/?due=overdue"' in body
    assert "/staff/dashboard/cases/?figure=due_soon&amp;start=2024-04-01&amp;end=2025-03-20" in body
    assert "/staff/?kind=erasure&amp;status=received" in body
    assert cases["late_open"].reference in page  # the longest overdue, with a link
    # Charts: inline SVG, labelled, followed by their numbers.
    assert body.count('role="img"') == 3
    assert 'aria-labelledby="chart-on-time-title chart-on-time-desc"' in body
    assert "<script" not in body and "http://" not in body.replace("http://www.w3.org", "")
    # Within one month: on_time answered in time; late_closed answered late; late_open still
    # open after its deadline; soon is pending: 1 of 3.
    assert "33.3% Answered within one month" in page


def test_the_kind_filter_narrows_the_figures(manager, cases):
    page = text(manager.get("/staff/dashboard/?kind=erasure"))
    body = manager.get("/staff/dashboard/?kind=erasure").content.decode()
    assert '<option value="erasure" selected>' in body
    assert "/staff/?due=overdue&amp;kind=erasure" in body
    assert cases["late_open"].reference in page


def test_the_period_filter_moves_the_cohort(manager, cases):
    r = manager.get("/staff/dashboard/?start=2025-02-01&end=2025-02-28")
    page = text(r)
    assert "Requests received 1 February 2025 – 28 February 2025" in page
    assert not list(r.context["messages"])
    assert r.context["f"].outcomes.received == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2025-13-45", "Enter dates as YYYY-MM-DD"),
        ("start=yesterday&end=", "Enter dates as YYYY-MM-DD"),
        ("start=2025-03-01&end=2025-01-01", "The period ends before it starts"),
        ("start=2015-01-01&end=2025-01-01", "at most three years"),
        ("kind=everything", "That kind of request does not exist"),
        ("kind=%00%ff&start=%3Cscript%3E", "Enter dates as YYYY-MM-DD"),
    ],
)
def test_bad_filters_fall_back_to_the_defaults_with_a_message(manager, cases, query, message):
    r = manager.get(f"/staff/dashboard/?{query}")
    assert r.status_code == 400
    assert message in text(r)
    assert r.context["f"].filters.start in (date(2024, 4, 1), date(2025, 3, 1))
    assert "<script>" not in r.content.decode()


# --- drill-down -------------------------------------------------------------------------
def test_the_drill_down_lists_references_only(manager, cases):
    services.open_request(number=ALICE, kind="access", channel="whatsapp")
    r = manager.get("/staff/dashboard/cases/?figure=received&start=2025-01-01&end=2025-03-20")
    page = text(r)
    assert "Requests received" in page and "5 cases" in page
    for dr in cases.values():
        assert dr.reference in page
    assert ALICE not in r.content.decode() and "612345678" not in r.content.decode()


def test_the_drill_down_narrows_to_a_month(manager, cases):
    r = manager.get("/staff/dashboard/cases/?figure=late_first&month=2025-01")
    page = text(r)
    assert cases["late_closed"].reference in page
    assert cases["on_time"].reference not in page and "1 case" in page


def test_the_drill_down_pages(manager):
    for i in range(55):
        DataRequestFactory(received_on=TODAY - timedelta(days=i % 20), due_on=TODAY)
    first = text(manager.get("/staff/dashboard/cases/?figure=received"))
    assert "55 cases" in first and "Page 1 of 2" in first
    assert "Page 2 of 2" in text(manager.get("/staff/dashboard/cases/?figure=received&page=2"))
    assert manager.get("/staff/dashboard/cases/?figure=received&page=x").status_code == 200


@pytest.mark.parametrize("query", ["", "figure=everything", "figure=%3Cb%3E"])
def test_an_unknown_figure_goes_back_to_the_cockpit(manager, query):
    r = manager.get(f"/staff/dashboard/cases/?{query}", follow=True)
    assert r.redirect_chain[-1][0] == "/staff/dashboard/"
    assert "That figure does not exist" in text(r)


def test_a_bad_month_shows_the_whole_period(manager, cases):
    r = manager.get("/staff/dashboard/cases/?figure=received&month=2025-99&assignee=x&ground=y")
    assert r.status_code == 400
    assert "Enter the month as YYYY-MM" in text(r)
    assert "That assignee does not exist" in text(r)
    assert "That refusal ground does not exist" in text(r)
    assert "4 cases" in text(r)


# Issue 10: every query parameter is validated; bad input is a 400 with a message, not a 500.
BAD_INPUT = [
    ("/staff/dashboard/cases/?figure=due_soon&assignee=%C2%B2", "That assignee does not exist"),
    ("/staff/dashboard/cases/?figure=due_soon&assignee=" + "9" * 25, "That assignee does not"),
    ("/staff/dashboard/cases/?figure=due_soon&assignee=-3", "That assignee does not exist"),
    ("/staff/dashboard/cases/?figure=received&start=9999-12-31", "Choose dates from 2000 to 2099"),
    ("/staff/dashboard/cases/?figure=received&month=9999-12", "Enter the month as YYYY-MM"),
    ("/staff/dashboard/cases/?figure=extended&reason=%00", "That reason for an extension"),
    ("/staff/dashboard/?start=9999-12-31", "Choose dates from 2000 to 2099"),
    ("/staff/dashboard/?start=9999-12-31&end=9999-12-31", "Choose dates from 2000 to 2099"),
    ("/staff/dashboard/?start=0001-01-01&end=0001-01-02", "Choose dates from 2000 to 2099"),
    ("/staff/dashboard/?end=99999-01-01", "Enter dates as YYYY-MM-DD"),
]


@pytest.mark.parametrize(("url", "message"), BAD_INPUT)
def test_bad_query_parameters_are_a_400_with_a_message(manager, cases, url, message):
    manager.raise_request_exception = False
    r = manager.get(url)
    assert r.status_code == 400
    assert message in text(r)


@pytest.mark.parametrize(
    "query",
    ["start=9999-12-31", "start=9999-01-01&end=9999-12-31", "start=0001-01-01&end=0001-01-02"],
)
@pytest.mark.parametrize("url", ["/staff/dashboard/export.csv", "/staff/dashboard/report.pdf"])
def test_the_pack_refuses_dates_out_of_range(manager, url, query):
    manager.raise_request_exception = False
    r = manager.get(f"{url}?{query}", follow=True)
    assert r.redirect_chain[0][0].startswith("/staff/dashboard/?")
    assert "Nothing was exported" in text(r)


@pytest.mark.parametrize(
    "url",
    [
        "/staff/dashboard/?start=2099-01-01&end=2099-12-31",
        "/staff/dashboard/?start=2000-01-01&end=2000-12-31",
        "/staff/dashboard/cases/?figure=due_soon&start=2099-12-01&end=2099-12-31&month=2099-12",
        "/staff/dashboard/cases/?figure=due_soon&assignee=" + str(2**63 - 1),
        "/staff/dashboard/report.pdf?start=2099-01-01&end=2099-12-31",
    ],
)
def test_the_edges_of_the_ranges_work(manager, cases, url):
    assert manager.get(url).status_code == 200


# --- the accountability CSV ---------------------------------------------------------------
def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_lists_the_cases_of_the_period_without_personal_data(manager, cases):
    alice_case = services.open_request(number=ALICE, kind="erasure", channel="whatsapp")
    r = manager.get("/staff/dashboard/export.csv?start=2025-01-01&end=2025-03-20")
    assert r.streaming
    assert r["Content-Type"] == "text/csv; charset=utf-8"
    assert r["Content-Disposition"] == 'attachment; filename="accountability-20250101-20250320.csv"'
    assert "no-cache" in r["Cache-Control"] or "no-store" in r["Cache-Control"]
    rows = _csv(r)
    assert rows[0][:4] == ["reference", "kind", "status", "received_on"]
    by_ref = {row[0]: row for row in rows[1:]}
    assert set(by_ref) == {dr.reference for dr in cases.values()} | {alice_case.reference}
    on_time = rows[0].index("on_time")
    assert by_ref[cases["late_closed"].reference][on_time] == "no"
    assert by_ref[cases["on_time"].reference][on_time] == "yes"
    assert {row[rows[0].index("policy")] for row in rows[1:]} == {"gdpr"}
    flat = "\n".join(",".join(row) for row in rows)
    assert ALICE not in flat and ALICE[1:] not in flat and "612345678" not in flat


def test_the_csv_neutralises_a_hostile_reference(manager):
    # 16 characters, the column's length: PostgreSQL would refuse a longer one.
    DataRequestFactory(reference="=cmd|'/C calc'!A", received_on=TODAY, due_on=TODAY)
    rows = _csv(manager.get("/staff/dashboard/export.csv"))
    assert rows[1][0] == "'=cmd|'/C calc'!A"


def test_the_csv_refuses_a_bad_period_rather_than_export_another(manager, cases):
    r = manager.get("/staff/dashboard/export.csv?start=2025-03-01&end=2025-01-01", follow=True)
    assert r.redirect_chain[0][0].startswith("/staff/dashboard/?")
    assert "Nothing was exported" in text(r)


# --- the PDF report -----------------------------------------------------------------------
def test_the_pdf_report_has_the_key_figures_and_the_procedure(manager, cases):
    services.open_request(number=ALICE, kind="access", channel="whatsapp")
    r = manager.get("/staff/dashboard/report.pdf?start=2025-01-01&end=2025-03-20")
    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == 'attachment; filename="accountability-20250101-20250320.pdf"'
    reader = PdfReader(io.BytesIO(r.content))
    content = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Accountability report on privacy requests" in content
    assert "Answered within one month" in content
    assert "33.3% (1 of 3 decided)" in content
    assert "Four eyes" in content and "Audit trail" in content
    assert "Autoriteit Persoonsgegevens" in content
    assert ALICE not in content and "612345678" not in content
    assert reader.metadata.title == "Accountability report on privacy requests"


def test_the_pdf_report_refuses_a_bad_period(manager):
    r = manager.get("/staff/dashboard/report.pdf?end=not-a-date")
    assert r.status_code == 302


# --- the weekly summary -----------------------------------------------------------------
@pytest.fixture
def managers(maria, django_user_model):
    maria.email = "maria@example.org"
    maria.save()
    group = Group.objects.get(name=roles.MANAGERS)
    gone = django_user_model.objects.create_user(
        "gone", email="gone@example.org", is_staff=True, is_active=False
    )
    gone.groups.add(group)
    nomail = django_user_model.objects.create_user("nomail", is_staff=True)
    nomail.groups.add(group)
    return maria


def test_the_weekly_summary_goes_to_active_managers_once_a_week(managers, bob, cases):
    bob.email = "bob@example.org"
    bob.save()
    services.open_request(number=ALICE, kind="access", channel="whatsapp")
    with committed():
        assert send_weekly_summary(today=TODAY) == 1
    with committed():
        assert send_weekly_summary(today=TODAY + timedelta(days=3)) == 0  # same ISO week
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@example.org"]
    assert message.subject == "Privacy compliance summary, week 2025-W12"
    assert "Open cases: 3" in message.body
    assert "Overdue: 1" in message.body
    assert f"{cases['late_open'].reference}  10 days overdue" in message.body
    assert "Answered within one month: 33.3% (1 of 3)" in message.body
    assert "/staff/dashboard/" in message.body
    assert ALICE not in message.body and "612345678" not in message.body
    event = AuditEvent.objects.get(action="dsar.summary.queued")
    assert event.data == {"week": "2025-W12", "recipients": 1}
    sent = AuditEvent.objects.get(action="dsar.staff_mail.sent")
    assert sent.data["key"] == "weekly-summary:2025-W12" and sent.data["recipients"] == 1
    with committed():
        assert send_weekly_summary(today=TODAY + timedelta(days=4)) == 1  # Monday: week 13
    assert len(mail.outbox) == 2


def test_without_a_manager_address_nothing_is_sent_or_recorded(maria):
    assert send_weekly_summary(today=TODAY) == 0
    assert not mail.outbox
    assert not AuditEvent.objects.filter(action="dsar.summary.queued").exists()


def test_the_command_sends_the_summary(managers, capsys):
    with committed():
        call_command("send_weekly_summary", "--today", "2025-03-20")
    with committed():
        call_command("send_weekly_summary", "--today", "2025-03-21")
    out = capsys.readouterr().out
    assert "sent to 1 manager" in out and "Nothing sent" in out
    assert len(mail.outbox) == 1


def test_the_csv_is_streamed_in_chunks_of_whole_rows():
    from dsar.views.dashboard import _csv_chunks

    rows = [["a", str(i)] for i in range(5)]
    chunks = list(_csv_chunks(iter(rows), per_chunk=2))
    assert chunks == ["a,0\r\na,1\r\n", "a,2\r\na,3\r\n", "a,4\r\n"]
    assert "".join(_csv_chunks(iter([]), per_chunk=2)) == ""
