"""What the verification pages say: true about what was sent, plain about what is missing."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from dsar.models import Subject
from tests.conftest import ALICE, MALLORY, Client, last_code, text

pytestmark = pytest.mark.django_db


def test_an_empty_number_gets_a_message_that_names_what_is_missing(client, outbox):
    r = client.post("/verify/", {"number": ""})
    assert r.status_code == 400
    page = text(r)
    assert "Enter your mobile number, for example 06 12345678." in page
    assert "This field is required." not in page
    assert outbox == []


def test_an_empty_code_gets_the_code_message(client):
    client.post("/verify/", {"number": ALICE})
    page = text(client.post("/verify/code/", {"code": ""}))
    assert "Enter the 6-digit code from the message we sent you." in page
    assert "This field is required." not in page


def test_a_wait_of_one_second_is_singular(client):
    client.post("/verify/", {"number": ALICE})
    code = last_code(ALICE)
    wrong = "000000" if code != "000000" else "111111"
    with time_machine.travel(timezone.now(), tick=False):
        client.post("/verify/code/", {"code": wrong})
        page = text(client.post("/verify/code/", {"code": code}))
    assert "Please wait 1 second before you try again." in page


def test_a_new_session_within_the_cooldown_is_told_that_nothing_was_sent(outbox):
    Client().post("/verify/", {"number": ALICE})
    assert len(outbox) == 1
    other = Client()
    r = other.post("/verify/", {"number": ALICE}, follow=True)
    page = text(r)
    assert len(outbox) == 1  # nothing sent
    assert "we have sent a 6-digit code" not in page
    assert "was asked for recently, in another browser or window" in page
    assert "That code works only there" in page
    assert "You can ask for a new code from" in page
    # No box for a code that cannot work in this session.
    assert 'name="code"' not in r.content.decode()


def test_the_same_session_within_the_cooldown_is_told_its_code_still_works(client, outbox):
    client.post("/verify/", {"number": ALICE})
    page = text(client.post("/verify/", {"number": ALICE}, follow=True))
    assert len(outbox) == 1
    assert "That code still works: we have sent no new one." in page
    r = client.post("/verify/code/", {"code": last_code(ALICE)})
    assert r.status_code == 302 and r.url == "/my/requests/"


def test_after_the_cooldown_the_new_session_gets_its_own_code(outbox):
    Client().post("/verify/", {"number": ALICE})
    other = Client()
    other.post("/verify/", {"number": ALICE})
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        page = text(other.get("/verify/code/"))
        assert "Send a new code" in page
        other.post("/verify/resend/")
        assert len(outbox) == 2
        page = text(other.get("/verify/code/"))
        assert "we have sent a 6-digit code" in page
        assert other.post("/verify/code/", {"code": last_code(ALICE)}).status_code == 302


def test_the_cooldown_answer_does_not_tell_known_from_unknown_numbers(outbox):
    Subject.objects.create(number=ALICE)  # we hold data on alice, not on mallory
    pages = []
    for number in (ALICE, MALLORY):
        Client().post("/verify/", {"number": number})
        page = text(Client().post("/verify/", {"number": number}, follow=True))
        pages.append(page.replace("+31 6 12345678", "N").replace("+31 6 87654321", "N"))
    # The times may differ by a second; everything else is the same.
    strip = lambda p: p.split("You can ask for a new code from")[0]  # noqa: E731
    assert strip(pages[0]) == strip(pages[1])


def test_a_page_with_form_errors_says_so_in_its_title(client):
    r = client.post("/verify/", {"number": ""})
    assert "<title>Error: Verify your number · Privacy portal</title>" in r.content.decode()
    r = client.get("/verify/")
    assert "<title>Verify your number · Privacy portal</title>" in r.content.decode()


def test_the_error_summary_takes_the_focus_and_links_to_the_field(client):
    body = client.post("/verify/", {"number": ""}).content.decode()
    assert 'class="error-summary" role="alert" tabindex="-1" autofocus' in body
    assert '<a href="#id_number">' in body
