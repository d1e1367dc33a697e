"""Two members of staff take one access request from the queue to release, on a laptop:
bob (privacy staff) claims it, builds the package and submits it; carol (approver) approves
and releases it; the customer then finds the download on their phone."""

from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from dsar import demo
from dsar.demo.register import seed_register
from dsar.models import AccessPackage, Approval, DataRequest
from portal import roles
from tests.conftest import last_code
from tests.dsar.conftest import load_demo_map

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "customer_service"]),
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
NUMBER = demo.DEMO_NUMBERS["first_contact"]
PASSWORD = "s3cret-pass-word"
LAPTOP = {"width": 1280, "height": 800}


def _group(name: str) -> Group:
    # A transactional test before this one may have flushed the groups the migration made.
    group, _ = Group.objects.get_or_create(name=name)
    perms = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in (p.split(".") for p in roles.ROLES[name])
    ]
    group.permissions.set(perms)
    return group


def _staff(django_user_model, username: str, *groups: str):
    user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.set([_group(g) for g in groups])
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def _totp(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()


def _laptop(chromium):
    return chromium.new_context(viewport=LAPTOP, locale="en-GB")


def _sign_in(page, user) -> None:
    """Both steps on the staff sign-in page the browser is on: password, then TOTP code."""
    assert page.locator("h1").inner_text() == "Staff sign-in"
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    assert page.locator("h1").inner_text() == "Enter your authentication code"
    page.get_by_label("Code").fill(f"{_totp(user):06d}")
    page.get_by_role("button", name="Sign in").click()


def _customer_files_a_request(page, base_url: str) -> str:
    page.goto(base_url + "/verify/")
    page.get_by_label("Your mobile number").fill("06 1000 0001")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").fill(last_code(NUMBER))
    page.get_by_role("button", name="Verify").click()
    assert page.locator("h1").inner_text() == "Your requests"
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Access to my data").check()
    page.get_by_role("button", name="Send request").click()
    assert page.locator("h1").inner_text() == "We have received your request"
    return DataRequest.objects.get(subject__number=NUMBER).reference


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_it_takes_an_access_request_from_the_queue_to_release(
    live_server, chromium, phone, django_user_model
):
    demo.seed("customer_service", subjects=30, messages=600, seed=7)
    seed_register()
    load_demo_map()
    bob = _staff(django_user_model, "bob", roles.PRIVACY_STAFF)
    carol = _staff(django_user_model, "carol", roles.APPROVERS, roles.PRIVACY_STAFF)
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url

    reference = _customer_files_a_request(phone, base)

    # bob, on a laptop: the queue, search by reference, claim, build, submit.
    bob_context = _laptop(chromium)
    page = bob_context.new_page()
    page.goto(base + "/staff/login/")
    _sign_in(page, bob)
    assert page.locator("h1").inner_text() == "Case queue"
    page.get_by_label("Reference or number").fill(reference)
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.cases tbody tr")
    assert rows.count() == 1
    assert reference in rows.first.inner_text()
    assert "Received" in rows.first.inner_text()
    page.screenshot(path=str(SHOTS / "staff-queue.png"), full_page=True)
    # The page itself fits a 360 px screen; the table may scroll inside .table-scroll.
    page.set_viewport_size({"width": 360, "height": 740})
    assert _page_width(page) <= 360, "the queue overflows a 360 px screen"
    page.set_viewport_size(LAPTOP)

    page.get_by_role("link", name=reference).click()
    assert page.locator("h1").inner_text().startswith(reference)
    page.get_by_role("button", name="Claim").click()
    assert "The case is yours." in page.locator(".messages").inner_text()
    assert "In progress" in page.locator(".facts").inner_text()

    page.get_by_role("button", name="Build package").click()
    job = page.locator("details", has_text="Access package")
    assert "Done" in job.locator("summary").inner_text()

    page.get_by_role("button", name="Submit for approval").click()
    assert "Submitted for approval" in page.locator(".messages").inner_text()
    assert "Being checked" in page.locator(".facts").inner_text()
    approval = page.locator("section.panel", has_text="Four-eyes approval")
    assert "another approver must approve it" in approval.inner_text()
    assert page.get_by_role("button", name="Approve and release").count() == 0
    page.screenshot(path=str(SHOTS / "staff-case-submitted.png"), full_page=True)
    bob_context.close()

    # carol, in her own browser: opens the case (the sign-in brings her back), approves.
    carol_context = _laptop(chromium)
    page = carol_context.new_page()
    page.goto(f"{base}/staff/cases/{reference}/")
    _sign_in(page, carol)
    assert page.locator("h1").inner_text().startswith(reference)
    assert "prepared by" in page.locator("section.panel", has_text="Four-eyes").inner_text()
    # Four eyes that look: she approves from the review of exactly what goes out.
    assert page.get_by_role("button", name="Approve and release").count() == 0
    page.get_by_role("link", name="Review what goes out, then approve").click()
    assert page.locator("h1").inner_text().startswith("Review before release")
    files = page.locator("section.panel", has_text="Files in the package").inner_text()
    assert "register-extract.pdf" in files and "data.json" in files
    package = AccessPackage.objects.get(data_request__reference=reference)
    assert package.sha256 in page.locator("code.hash").inner_text()
    assert "csv/customer-service__messages.csv" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / "staff-review.png"), full_page=True)
    link = page.get_by_role("link", name="Open the register extract (PDF)")
    extract = carol_context.request.get(base + link.get_attribute("href"))
    assert extract.status == 200 and extract.headers["content-type"] == "application/pdf"
    assert extract.body()[:5] == b"%PDF-"
    page.get_by_role("button", name="Approve and release").click()
    assert "Approved." in page.locator(".messages").inner_text()
    assert "Completed" in page.locator(".facts").inner_text()
    page.screenshot(path=str(SHOTS / "staff-case-released.png"), full_page=True)
    carol_context.close()

    dr = DataRequest.objects.get(reference=reference)
    assert dr.status == DataRequest.Status.COMPLETED
    assert dr.assignee == bob
    package = AccessPackage.objects.get(data_request=dr)
    assert package.released_at is not None
    approval = Approval.objects.get(data_request=dr)
    assert approval.state == Approval.State.APPROVED
    assert (approval.prepared_by, approval.approved_by) == (bob, carol)
    assert approval.sha256 == package.sha256

    # The customer, back on the phone, finds the download on the request's page.
    phone.goto(f"{base}/my/requests/{reference}/")
    assert phone.locator(".facts").inner_text().count("Completed") == 1
    assert phone.get_by_role("link", name="Download your data").is_visible()
    assert _page_width(phone) <= 360
