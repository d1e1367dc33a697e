"""Chromium enforces the Content-Security-Policy on every kind of page and nothing breaks:
no violation is reported on the customer's pages, the staff pages or the admin."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from dsar import services
from tests.conftest import ALICE, last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "s3cret-pass-word"


def _watch(page) -> list[str]:
    """Collects what the browser reports: CSP violations arrive as console errors."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_no_page_breaks_the_policy(live_server, chromium, django_user_model):
    root = django_user_model.objects.create_user(
        "root", password=PASSWORD, is_staff=True, is_superuser=True
    )
    device = TOTPDevice.objects.create(user=root, name="phone", confirmed=True)
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    problems = _watch(page)
    base = live_server.url

    page.goto(base + "/")
    page.goto(base + "/verify/")
    page.get_by_label("Your mobile number").fill("06 12345678")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").fill(last_code(ALICE))
    page.get_by_role("button", name="Verify").click()
    dr = services.open_request(number=ALICE, kind="access", channel="whatsapp")
    page.goto(f"{base}/my/requests/{dr.reference}/")
    page.goto(base + "/my/requests/new/")

    page.goto(base + "/staff/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.get_by_label("Code").fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("h1").inner_text() == "Case queue"
    for path in (
        f"/staff/cases/{dr.reference}/",
        "/staff/dashboard/",
        "/staff/register/",
        "/staff/team/",
        "/admin/",
        "/admin/dsar/datarequest/",
        f"/admin/auth/user/{root.pk}/change/",
    ):
        response = page.goto(base + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
    context.close()
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
