"""The staff queue and case pages: roles, four-eyes in the browser's terms, IDOR, CSRF."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dsar import services
from dsar.models import DataRequest
from tests.conftest import ALICE, Client, staff_login, text
from tests.factories import DataRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return services.open_request(number=ALICE, kind="objection", channel="whatsapp")


def test_it_lists_open_cases_by_due_date(client, bob):
    today = timezone.localdate()
    late = DataRequestFactory(due_on=today + timedelta(days=20))
    early = DataRequestFactory(due_on=today + timedelta(days=2))
    DataRequestFactory(due_on=today, status="completed")
    page = text(staff_login(client, bob).get("/staff/"))
    assert page.index(early.reference) < page.index(late.reference)
    assert "2 cases" in page


def test_the_queue_needs_an_otp_verified_staff_session(client, bob, db):
    assert client.get("/staff/").status_code == 302
    client.force_login(bob)  # password only, no second factor
    r = client.get("/staff/")
    assert r.status_code == 302 and "/staff/login/" in r.url


def test_customers_and_staff_without_a_role_cannot_see_the_queue(alice_client, client, dave):
    assert alice_client.get("/staff/").status_code == 302
    assert staff_login(client, dave).get("/staff/").status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=access", {"a"}),
        ("due=overdue", {"late"}),
        ("due=week", {"a"}),
        ("assignee=none", {"a", "late"}),
        ("status=received", {"a", "late"}),
    ],
)
def test_it_filters(client, bob, query, expected):
    today = timezone.localdate()
    cases = {
        "a": DataRequestFactory(kind="access", due_on=today + timedelta(days=3)),
        "late": DataRequestFactory(kind="erasure", due_on=today - timedelta(days=1)),
    }
    page = text(staff_login(client, bob).get(f"/staff/?{query}"))
    assert {k for k, dr in cases.items() if dr.reference in page} == expected


@pytest.mark.parametrize(
    "query", ["kind=everything&due=week", "assignee=%C2%B2&due=week", f"q={'x' * 41}&due=week"]
)
def test_a_bad_filter_is_a_400_with_a_message_and_the_good_ones_apply(client, bob, query):
    today = timezone.localdate()
    soon = DataRequestFactory(due_on=today + timedelta(days=3))
    later = DataRequestFactory(due_on=today + timedelta(days=20))
    r = staff_login(client, bob).get(f"/staff/?{query}")
    assert r.status_code == 400
    assert "A filter was not understood and is left out" in text(r)
    assert soon.reference in text(r) and later.reference not in text(r)


def test_it_searches_by_reference_and_number(client, bob, case):
    staff_login(client, bob)
    assert case.reference in text(client.get(f"/staff/?q={case.reference}"))
    assert case.reference in text(client.get("/staff/?q=06 12345678"))
    assert case.reference not in text(client.get("/staff/?q=0687654321"))


def test_the_queue_needs_the_same_queries_for_many_cases(
    client, bob, django_assert_max_num_queries
):
    staff_login(client, bob)
    DataRequestFactory.create_batch(3, assignee=bob)
    with django_assert_max_num_queries(30) as few:
        client.get("/staff/")
    DataRequestFactory.create_batch(60, assignee=bob)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get("/staff/")
    assert r.status_code == 200 and r.content.decode().count('href="/staff/cases/') == 50


def test_it_shows_a_case_with_its_dates_and_trail(client, bob, case):
    page = text(staff_login(client, bob).get(f"/staff/cases/{case.reference}/"))
    assert "via the portal → due" in page
    assert "+31 6 12345678" in page
    assert "dsar.request.received" in page


def test_an_unknown_reference_is_404(client, bob):
    assert staff_login(client, bob).get("/staff/cases/R-NOPE-NOPE-00/").status_code == 404


def test_it_claims_and_submits_and_another_approves(client, bob, carol, case, outbox):
    staff_login(client, bob)
    assert client.post(f"/staff/cases/{case.reference}/claim/").status_code == 302
    client.post(f"/staff/cases/{case.reference}/submit/")
    case.refresh_from_db()
    assert case.status == "awaiting_approval"
    page = text(client.get(f"/staff/cases/{case.reference}/"))
    assert "another approver must approve it" in page
    other = staff_login(Client(), carol)
    assert "Review what goes out, then approve" in text(
        other.get(f"/staff/cases/{case.reference}/")
    )
    assert "Approve and release" in text(other.get(f"/staff/cases/{case.reference}/review/"))
    other.post(f"/staff/cases/{case.reference}/approve/")
    case.refresh_from_db()
    assert case.status == "completed"


def test_the_preparer_cannot_approve_through_the_page(client, carol, case):
    staff_login(client, carol)
    client.post(f"/staff/cases/{case.reference}/claim/")
    client.post(f"/staff/cases/{case.reference}/submit/")
    r = client.post(f"/staff/cases/{case.reference}/approve/", follow=True)
    assert "cannot approve" in text(r)
    case.refresh_from_db()
    assert case.status == "awaiting_approval"


def test_managers_cannot_act(client, maria, case):
    staff_login(client, maria)
    assert client.get(f"/staff/cases/{case.reference}/").status_code == 200  # read-only
    for action in ["claim", "submit", "approve", "extend", "refuse", "clarify", "run/discover"]:
        assert client.post(f"/staff/cases/{case.reference}/{action}/").status_code == 403
    case.refresh_from_db()
    assert case.status == "received" and case.assignee is None


def test_privacy_staff_without_the_approver_role_cannot_approve(client, bob, carol, case):
    staff_login(Client(), carol).post(f"/staff/cases/{case.reference}/claim/")
    staff_login(Client(), carol).post(f"/staff/cases/{case.reference}/submit/")
    assert (
        staff_login(client, bob).post(f"/staff/cases/{case.reference}/approve/").status_code == 403
    )


def test_actions_refuse_get(client, bob, case):
    staff_login(client, bob)
    assert client.get(f"/staff/cases/{case.reference}/claim/").status_code == 405


def test_actions_enforce_csrf(bob, case):
    c = Client(enforce_csrf_checks=True)
    staff_login(c, bob)
    assert c.post(f"/staff/cases/{case.reference}/claim/").status_code == 403
    case.refresh_from_db()
    assert case.assignee is None


def test_another_staff_members_session_is_not_shared(client, bob, carol, case):
    staff_login(client, bob)
    client.post(f"/staff/cases/{case.reference}/claim/")
    case.refresh_from_db()
    assert case.assignee == bob
    other = Client()
    other.cookies["sessionid"] = "forged"
    assert other.post(f"/staff/cases/{case.reference}/claim/").status_code == 302  # to login
    case.refresh_from_db()
    assert case.assignee == bob


def _claimed(client, user, case):
    staff_login(client, user).post(f"/staff/cases/{case.reference}/claim/")
    return client


def _approved_by(carol, case):
    other = staff_login(Client(), carol)
    assert other.get(f"/staff/cases/{case.reference}/review/").status_code == 200
    r = other.post(f"/staff/cases/{case.reference}/approve/", follow=True)
    case.refresh_from_db()
    return text(r)


def test_it_extends_with_a_listed_reason_after_approval(client, bob, carol, case, outbox):
    _claimed(client, bob, case)
    r = client.post(f"/staff/cases/{case.reference}/extend/", {"extend-reason": "made-up"}, follow=True)
    assert "Select a valid choice" in text(r)
    r = client.post(f"/staff/cases/{case.reference}/extend/", {"extend-reason": "complexity"}, follow=True)
    assert "a second person approves it" in text(r)
    case.refresh_from_db()
    assert not case.is_extended and case.status == "awaiting_approval"
    assert not [m for m in outbox if m.kind == "request-extended"]
    _approved_by(carol, case)
    assert case.is_extended and case.status == "in_progress"
    assert [m for m in outbox if m.kind == "request-extended"]


def test_it_refuses_and_asks_from_lists(client, bob, carol, case, outbox):
    _claimed(client, bob, case)
    client.post(f"/staff/cases/{case.reference}/clarify/", {"clarify-question": "channel"})
    assert case.clarifications.count() == 1
    client.post(f"/staff/cases/{case.reference}/refuse/", {"refuse-ground": "unfounded"})
    case.refresh_from_db()
    assert case.status == "awaiting_approval"
    assert not [m for m in outbox if m.kind == "request-refused"]
    review = text(staff_login(Client(), carol).get(f"/staff/cases/{case.reference}/review/"))
    assert "Refuse the request: Manifestly unfounded (Art. 12(5))" in review
    _approved_by(carol, case)
    assert case.status == "refused"
    assert [m for m in outbox if m.kind == "request-refused"]


def test_the_case_page_says_why_there_is_no_extension(client, bob, case):
    _claimed(client, bob, case)
    DataRequest.objects.filter(pk=case.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    page = text(client.get(f"/staff/cases/{case.reference}/"))
    assert "No extension: the deadline has passed." in page
    assert "Submit the extension for approval" not in page


def test_the_customer_answers_a_question_in_the_portal(alice_client, client, bob, case):
    staff_login(client, bob).post(f"/staff/cases/{case.reference}/clarify/", {"clarify-question": "period"})
    page = text(alice_client.get(f"/my/requests/{case.reference}/"))
    assert "Which period is your request about?" in page
    c = case.clarifications.get()
    r = alice_client.post(f"/my/requests/{case.reference}/answer/{c.pk}/", {"answer": "all"})
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.answer == "all"


def test_another_customer_cannot_answer(mallory_client, client, bob, case):
    staff_login(client, bob).post(f"/staff/cases/{case.reference}/clarify/", {"clarify-question": "period"})
    c = case.clarifications.get()
    assert (
        mallory_client.post(
            f"/my/requests/{case.reference}/answer/{c.pk}/", {"answer": "all"}
        ).status_code
        == 404
    )
    c.refresh_from_db()
    assert not c.answer


def test_a_case_of_another_kind_cannot_run_an_unknown_job(client, bob, case):
    # The objection's own suppression job was queued when it was filed.
    before = list(case.jobs.values_list("pk", flat=True))
    assert (
        staff_login(client, bob).post(f"/staff/cases/{case.reference}/run/erase/").status_code
        == 404
    )
    assert list(DataRequest.objects.get(pk=case.pk).jobs.values_list("pk", flat=True)) == before


def test_work_stops_while_a_response_is_checked(client, bob, case):
    staff_login(client, bob)
    client.post(f"/staff/cases/{case.reference}/claim/")
    page = text(client.get(f"/staff/cases/{case.reference}/"))
    assert "Claim" not in page  # already bob's
    client.post(f"/staff/cases/{case.reference}/submit/")
    page = text(client.get(f"/staff/cases/{case.reference}/"))
    assert "Run discovery" not in page and "Submit for approval" not in page
    assert "prepared by bob" in page
