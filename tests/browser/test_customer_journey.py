"""The customer's journey on a phone: landing, number, code, access request, confirmation, list."""

from pathlib import Path

import pytest

from dsar.models import DataRequest
from tests.conftest import ALICE, last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_it_walks_the_journey_on_a_phone(live_server, phone):
    page = phone
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Your personal data, your rights"
    page.get_by_role("link", name="Start").click()

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_label("Your mobile number").fill("06 1234 5678")
    page.screenshot(path=str(SHOTS / "journey-1-number.png"))
    page.get_by_role("button", name="Send me a code").click()
    assert page.locator("h1").inner_text() == "Enter your code"

    page.get_by_label("Code").fill("12")
    page.get_by_role("button", name="Verify").click()
    assert "Enter the 6-digit code" in page.locator(".error-summary").inner_text()

    page.screenshot(path=str(SHOTS / "journey-2-code-error.png"))
    page.get_by_label("Code").fill(last_code(ALICE))
    page.get_by_role("button", name="Verify").click()
    assert page.locator("h1").inner_text() == "Your requests"
    assert "You have no requests yet." in page.content()

    page.get_by_role("link", name="New request").click()
    page.get_by_label("Access to my data").check()
    page.screenshot(path=str(SHOTS / "journey-3-new-request.png"), full_page=True)
    page.get_by_role("button", name="Send request").click()
    assert page.locator("h1").inner_text() == "We have received your request"
    assert "answered by" in page.locator(".confirmation").inner_text()
    # Nothing is wider than the phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "journey-4-confirmation.png"), full_page=True)

    page.get_by_role("link", name="All your requests").click()
    dr = DataRequest.objects.get()
    assert dr.reference in page.locator(".cards").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_it_works_without_javascript(live_server, chromium):
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    page.goto(live_server.url + "/verify/")
    page.get_by_label("Your mobile number").fill("+31 6 12345678")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").fill(last_code(ALICE))
    page.get_by_role("button", name="Verify").click()
    assert page.locator("h1").inner_text() == "Your requests"
    context.close()


def test_it_moves_focus_in_a_sensible_order(live_server, phone):
    phone.goto(live_server.url + "/verify/")
    order = []
    for _ in range(6):
        phone.keyboard.press("Tab")
        order.append(
            phone.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")
        )
    assert order.index("id_number") < order.index("Send me a code")
