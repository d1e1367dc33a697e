"""What customers and staff see, in the browser: the download after a fresh code, the cooldown,
where the focus goes after an error, the case page's trail, the cockpit on a phone; and an
axe-core audit of every page state visited, which fails on any violation."""

from pathlib import Path

import pytest

from dsar import casework, demo, services
from dsar.demo.register import seed_register
from dsar.models import DataRequest, Job
from portal import roles
from tests.browser.axe import Audit
from tests.browser.test_staff_journey import LAPTOP, _sign_in, _staff
from tests.conftest import ALICE, last_code
from tests.dsar.conftest import load_demo_map
from verification import gateways

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "customer_service"]),
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
NUMBER = demo.DEMO_NUMBERS["first_contact"]


def _verify(page, base: str, typed: str, number: str) -> None:
    page.goto(base + "/verify/")
    page.get_by_label("Your mobile number").fill(typed)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").fill(last_code(number))
    page.get_by_role("button", name="Verify").click()


def _focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.className")


def test_the_customer_pages(live_server, phone, chromium, settings, django_user_model):
    """Download after a fresh code, the cooldown message, error focus; axe on every state."""
    demo.seed("customer_service", subjects=30, messages=600, seed=7)
    seed_register()
    load_demo_map()
    bob = _staff(django_user_model, "bob", roles.PRIVACY_STAFF)
    carol = _staff(django_user_model, "carol", roles.APPROVERS, roles.PRIVACY_STAFF)
    # A session counts as fresh for two seconds only, so the download asks for a new code.
    settings.VERIFICATION_FRESH = 2
    base, page, audit = live_server.url, phone, Audit()

    page.goto(base + "/")
    audit.check(page, "landing")
    page.goto(base + "/verify/")
    audit.check(page, "number")

    # An empty number: the summary takes the focus, names what is missing, links the field.
    page.get_by_role("button", name="Send me a code").click()
    assert page.title().startswith("Error: Verify your number")
    assert _focused(page) == "error-summary"
    assert "Enter your mobile number" in page.locator(".error-summary").inner_text()
    audit.check(page, "number, empty")
    page.locator(".error-summary a").click()
    assert _focused(page) == "id_number"

    # A wrong code keeps the focus story: the summary, then the field.
    page.get_by_label("Your mobile number").fill("06 1000 0001")
    page.get_by_role("button", name="Send me a code").click()
    audit.check(page, "code")
    page.get_by_label("Code").fill("12")
    page.get_by_role("button", name="Verify").click()
    assert _focused(page) == "error-summary"
    audit.check(page, "code, wrong")
    page.get_by_label("Code").fill(last_code(NUMBER))
    page.get_by_role("button", name="Verify").click()
    assert page.locator("h1").inner_text() == "Your requests"
    audit.check(page, "request list")

    # No choice made: the error is tied to the radios and the summary leads to the first one.
    page.get_by_role("link", name="New request").click()
    audit.check(page, "new request")
    page.get_by_role("button", name="Send request").click()
    assert page.title().startswith("Error: New request")
    assert _focused(page) == "error-summary"
    audit.check(page, "new request, no choice")
    page.locator(".error-summary a").first.click()
    assert _focused(page) == "id_kind_0"
    radio = page.locator("#id_kind_0")
    assert "id_kind_error" in radio.get_attribute("aria-describedby")
    description = page.evaluate(
        "document.getElementById(document.getElementById('id_kind_0')"
        ".getAttribute('aria-describedby').split(' ').pop()).textContent"
    )
    assert "Choose" in description
    page.get_by_label("Access to my data").check()
    page.get_by_role("button", name="Send request").click()
    assert page.locator("h1").inner_text() == "We have received your request"
    audit.check(page, "confirmation")

    # Staff release the package (services, as the staff journey test does in the browser).
    dr = DataRequest.objects.get(subject__number=NUMBER)
    casework.claim(data_request=dr, user=bob)
    casework.start_job(data_request=dr, kind=Job.Kind.PACKAGE, by=bob)
    casework.submit_for_approval(data_request=dr, by=bob)
    casework.record_review(data_request=dr, by=carol)
    casework.approve(data_request=dr, approver=carol)

    # The download, after a fresh code: the browser leaves the code page.
    page.wait_for_timeout(2500)
    page.goto(f"{base}/my/requests/{dr.reference}/")
    audit.check(page, "request with a download")
    page.get_by_role("link", name="Download your data").click()
    assert page.locator("h1").inner_text() == "Confirm it is you"
    audit.check(page, "confirm it is you")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").fill(last_code(NUMBER))
    with page.expect_download() as download:
        page.get_by_role("button", name="Verify").click()
    assert download.value.suggested_filename == f"{dr.reference}.zip"
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Your download starts"
    assert page.get_by_label("Code").count() == 0
    link = page.get_by_role("link", name=f"Download {dr.reference}.zip")
    assert link.is_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "journey-5-download.png"))
    audit.check(page, "download started")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Another browser asks for a code within the cooldown: told the truth, nothing sent.
    page.goto(base + "/verify/")
    page.get_by_label("Your mobile number").fill("06 12345678")
    page.get_by_role("button", name="Send me a code").click()
    sent = len([m for m in gateways.outbox if m.to == ALICE])
    other = chromium.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    second = other.new_page()
    second.goto(base + "/verify/")
    second.get_by_label("Your mobile number").fill("+31 6 12345678")
    second.get_by_role("button", name="Send me a code").click()
    message = second.locator("main").inner_text()
    assert "was asked for recently, in another browser or window" in message
    assert "we have sent a 6-digit code" not in message
    assert "You can ask for a new code from" in message
    assert len([m for m in gateways.outbox if m.to == ALICE]) == sent
    audit.check(second, "code, cooldown from another browser")
    other.close()

    page.goto(base + "/no-such-page/")
    audit.check(page, "404")
    audit.assert_clean()


def _history(bob) -> None:
    """Answered and open cases over the last months, for the cockpit's chart."""
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import DataRequestFactory

    now = timezone.now()
    plan = {8: (0, 0), 6: (2, 1), 5: (0, 0), 4: (6, 1), 3: (9, 2), 2: (12, 0), 1: (7, 3)}
    for months_ago, (on_time, late) in plan.items():
        received = now - timedelta(days=30 * months_ago + 3)
        for i in range(on_time + late):
            answered = received + timedelta(days=12 if i < on_time else 41)
            due = timezone.localdate(received) + timedelta(days=30)
            DataRequestFactory(
                received_at=received,
                due_on=due,
                initial_due_on=due,
                status="completed",
                closed_at=answered,
                assignee=bob,
            )
    for _ in range(4):
        DataRequestFactory(received_at=now - timedelta(days=2), initial_due_on=None)


def test_the_staff_pages(live_server, chromium, django_user_model):
    """The case page's trail, the cockpit on a phone and its chart; axe on every state."""
    demo.seed("customer_service", subjects=30, messages=600, seed=7)
    seed_register()
    load_demo_map()
    bob = _staff(django_user_model, "bob", roles.PRIVACY_STAFF)
    bob.first_name, bob.last_name = "Bob", "de Vries"
    bob.save()
    carol = _staff(django_user_model, "carol", roles.APPROVERS, roles.PRIVACY_STAFF)
    maria = _staff(django_user_model, "maria", roles.MANAGERS)
    base, audit = live_server.url, Audit()
    SHOTS.mkdir(parents=True, exist_ok=True)

    dr = services.open_request(number=NUMBER, kind="access", idempotency_key="form-1")
    casework.claim(data_request=dr, user=bob)
    casework.start_job(data_request=dr, kind=Job.Kind.DISCOVER, by=bob)
    casework.start_job(data_request=dr, kind=Job.Kind.PACKAGE, by=bob)
    casework.submit_for_approval(data_request=dr, by=bob)
    _history(bob)

    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    page = context.new_page()
    page.goto(base + "/staff/login/")
    audit.check(page, "staff sign-in")
    page.get_by_role("button", name="Continue").click()
    errors = page.locator(".error-summary").inner_text()
    assert "Enter your username." in errors and "Enter your password." in errors
    assert _focused(page) == "error-summary"
    audit.check(page, "staff sign-in, empty")
    page.goto(base + "/staff/login/")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill("s3cret-pass-word")
    page.get_by_role("button", name="Continue").click()
    audit.check(page, "staff code")
    context.close()

    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    page = context.new_page()
    page.goto(base + "/staff/")
    _sign_in(page, carol)
    audit.check(page, "queue")
    page.goto(f"{base}/staff/cases/{dr.reference}/")
    trail = page.locator("section.panel", has_text="Audit trail")
    assert "Bob de Vries took the case on." in trail.inner_text()
    assert "dsar.request" not in trail.inner_text()
    # A finished job opens onto what it found.
    page.locator("details", has_text="Discovery").locator("summary").first.click()
    assert "records found" in page.locator("details", has_text="Discovery").first.inner_text()
    # The hash: short, the whole one behind it, a Copy button (script) that copies it.
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    hashes = trail.locator(".hash")
    assert hashes.count() >= 1
    first = hashes.first
    assert first.locator("summary").inner_text().endswith("…")
    first.get_by_role("button", name="Copy").click()
    first.get_by_role("button", name="Copied").wait_for(timeout=5000)
    assert page.evaluate("navigator.clipboard.readText()") == first.get_attribute("data-copy")
    assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    audit.check(page, "case page")
    trail.scroll_into_view_if_needed()
    trail.screenshot(path=str(SHOTS / "staff-audit-trail.png"))
    page.get_by_role("link", name="Review what goes out, then approve").click()
    audit.check(page, "review")
    context.close()

    # maria: the cockpit, on a laptop and on a phone.
    context = chromium.new_context(viewport=LAPTOP, locale="en-GB")
    page = context.new_page()
    page.goto(base + "/staff/dashboard/")
    _sign_in(page, maria)
    assert page.locator("h1").inner_text() == "Compliance dashboard"
    audit.check(page, "cockpit")
    chart = page.locator("section.panel", has_text="Answered on time, by month of receipt")
    chart.screenshot(path=str(SHOTS / "dashboard-on-time.png"))
    funnel = page.locator("section.panel", has_text="Verification").inner_text()
    assert "came another way and are not part of the funnel" in funnel
    page.goto(base + "/staff/dashboard/cases/?figure=filed")
    audit.check(page, "cockpit drill-down")
    page.goto(base + "/staff/register/")
    audit.check(page, "register")
    page.goto(base + "/staff/team/")
    audit.check(page, "team")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(base + "/staff/dashboard/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)
    audit.check(page, "cockpit on a phone")
    context.close()
    audit.assert_clean()
