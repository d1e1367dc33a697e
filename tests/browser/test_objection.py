"""Stopping direct marketing on a phone: carried out at once, and the page says what was done."""

from pathlib import Path

import pytest
from django.db import connections

from dsar.demo import DEMO_NUMBERS
from dsar.models import DataRequest
from tests.conftest import last_code
from tests.dsar.conftest import demo_db  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, databases=["default", "customer_service"]),
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
FIRST = DEMO_NUMBERS["first_contact"]


@pytest.mark.usefixtures("demo_db")
def test_an_objection_on_a_phone_says_what_was_done(live_server, phone):
    page = phone
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server.url + "/verify/")
    page.get_by_label("Your mobile number").fill("06 10000001")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").fill(last_code(FIRST))
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("link", name="New request").click()
    page.get_by_label("Stop direct marketing").check()
    page.get_by_label("WhatsApp", exact=True).check()
    page.get_by_role("button", name="Send request").click()

    assert page.locator("h1").inner_text() == "Direct marketing to your number has stopped"
    box = page.locator(".confirmation").inner_text()
    assert "You are off" in box and "WhatsApp marketing consent withdrawn." in box
    assert "at the latest" not in box
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(SHOTS / "objection-confirmation.png"), full_page=True)

    assert DataRequest.objects.get().status == "completed"
    with connections["customer_service"].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM marketing_list_members WHERE contact_id = 1")
        assert cursor.fetchone() == (0,)
