"""The staff case page in words: the audit trail as sentences with names, finished jobs that
show what they found, and why a panel is missing."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from dsar import audit_text, casework, services
from dsar.demo import DEMO_NUMBERS
from dsar.models import DataRequest, Job
from tests.conftest import ALICE, committed, staff_login, text

FIRST = DEMO_NUMBERS["first_contact"]


@pytest.fixture
def case(db):
    with committed():
        return services.open_request(number=ALICE, kind="access")


def _named(user, first, last):
    user.first_name, user.last_name = first, last
    user.save()
    return user


@pytest.mark.django_db
def test_the_trail_reads_as_sentences_with_names(client, bob, carol, case):
    _named(bob, "Bob", "de Vries")
    _named(carol, "Carol", "Lindqvist")
    casework.claim(data_request=case, user=bob)
    casework.assign(data_request=case, assignee=carol, by=bob)
    page = text(staff_login(client, bob).get(f"/staff/cases/{case.reference}/"))
    assert "Bob de Vries took the case on." in page
    assert "Bob de Vries assigned the case to Carol Lindqvist." in page
    assert "Bob de Vries moved the case from “Received” to “In progress”." in page
    assert "The customer was told on their channel: Request received." in page
    assert "dsar.request" not in page and "assignee:" not in page


@pytest.mark.django_db
def test_the_trail_speaks_the_readers_language(bob, case):
    casework.claim(data_request=case, user=bob)
    with translation.override("nl"):
        lines = [line.text for line in audit_text.lines(case.events.order_by("seq"))]
    assert "bob heeft de zaak opgepakt." in lines
    assert any(line.startswith("De klant heeft het verzoek") for line in lines)


@pytest.mark.django_db
def test_an_unknown_action_keeps_its_code_and_data(case):
    from dsar import audit

    with committed():
        audit.record(case, "dsar.something.new", data={"n": 3})
    line = audit_text.lines(case.events.filter(action="dsar.something.new"))[0]
    assert line.text == "dsar.something.new (n: 3)"


@pytest.mark.django_db(databases=["default", "customer_service"])
def test_a_hash_is_short_with_the_whole_one_behind_it(demo_db, client, bob):
    dr = services.open_request(number=FIRST, kind="access")
    casework.claim(data_request=dr, user=bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.PACKAGE, by=bob)
    job = dr.jobs.get(kind="package")
    sha = job.summary["sha256"]
    body = staff_login(client, bob).get(f"/staff/cases/{dr.reference}/").content.decode()
    assert f"<summary>SHA-256 <code>{sha[:12]}…</code></summary>" in body
    assert f'<code class="hash-full">{sha}</code>' in body
    assert f'data-copy="{sha}"' in body and "js/copy.js" in body
    # A finished package job shows what it found, not an empty box.
    page = text(client.get(f"/staff/cases/{dr.reference}/"))
    rows = job.summary["total_rows"]
    assert f"{rows} records found" in page
    assert "customer-service.contacts: 1" in page
    assert "The package was built" in page


@pytest.mark.django_db(databases=["default", "customer_service"])
def test_a_finished_discovery_shows_its_tables(demo_db, client, bob):
    dr = services.open_request(number=FIRST, kind="erasure")
    casework.claim(data_request=dr, user=bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.DISCOVER, by=bob)
    job = dr.jobs.get(kind="discover")
    page = text(staff_login(client, bob).get(f"/staff/cases/{dr.reference}/"))
    jobs_panel = page.split("Jobs", 1)[1].split("Audit trail", 1)[0]
    assert f"{job.summary['total_rows']} records found" in jobs_panel
    assert "customer-service.messages:" in jobs_panel


@pytest.mark.django_db
def test_an_unclaimed_overdue_case_says_why_there_is_no_extension(client, bob, case):
    DataRequest.objects.filter(pk=case.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    page = text(staff_login(client, bob).get(f"/staff/cases/{case.reference}/"))
    assert "No extension: the deadline has passed." in page
    assert "Claim the case to refuse it or to ask the customer a question." in page


@pytest.mark.django_db
def test_an_unclaimed_case_says_what_claiming_opens(client, bob, case):
    page = text(staff_login(client, bob).get(f"/staff/cases/{case.reference}/"))
    assert (
        "Claim the case to extend the deadline, refuse it or ask the customer a question." in page
    )


DUTCH_CAPITALS = (
    r"\b(Ma|Di|Wo|Do|Vr|Za|Zo|Jan|Feb|Mrt|Apr|Mei|Jun|Jul|Aug|Sep|Okt|Nov|Dec)\b\.? ?\d"
    r"|\d \b(Jan|Feb|Mrt|Apr|Mei|Jun|Jul|Aug|Sep|Okt|Nov|Dec)\b"
)


@pytest.mark.django_db
def test_dutch_staff_pages_write_dates_in_lower_case(client, bob, maria, case):
    import re

    casework.claim(data_request=case, user=bob)
    client.cookies["django_language"] = "nl"
    case_page = text(staff_login(client, bob).get(f"/staff/cases/{case.reference}/"))
    assert "ontvangen" in case_page  # Dutch indeed
    queue = text(client.get("/staff/"))
    cockpit = staff_login(client, maria).get("/staff/dashboard/").content.decode()
    for page in (case_page, queue, cockpit):
        assert not re.search(DUTCH_CAPITALS, page), re.search(DUTCH_CAPITALS, page)


def test_every_action_the_code_records_on_a_case_reads_as_a_sentence():
    """Every `audit.record(<case>, "dsar.…")` in the code has its sentence: a new kind of
    event does not reach the trail as a raw code."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "dsar"
    recorded = set()
    for path in root.rglob("*.py"):
        recorded |= set(
            re.findall(r'audit\.record\(\s*(?!None)[\w.]+,\s*"(dsar\.[a-z_.]+)"', path.read_text())
        )
    assert len(recorded) > 20
    assert sorted(recorded - set(audit_text._SENTENCES)) == []


@pytest.mark.django_db
def test_a_recipients_notice_is_not_called_a_staff_reminder(case):
    from dsar import audit

    with committed():
        audit.record(case, "dsar.staff_mail.sent", data={"key": "art19:7", "recipients": 1})
        audit.record(
            case, "dsar.recipients.notified", data={"notices": [7, 8], "action": "erasure"}
        )
    lines = [
        line.text for line in audit_text.lines(case.events.filter(action__startswith="dsar.re"))
    ]
    lines += [
        line.text for line in audit_text.lines(case.events.filter(action="dsar.staff_mail.sent"))
    ]
    assert "A recipient of the data was told by e-mail (Art. 19)." in lines
    assert "2 recipients of the data are told (Art. 19)." in lines
    assert not any("reminder" in line for line in lines)
