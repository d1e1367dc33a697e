"""Details every page gets right: the icon, error titles and summaries that name the field."""

import re

import pytest

from tests.conftest import text

pytestmark = pytest.mark.django_db


def test_every_page_links_an_icon_and_favicon_ico_leads_to_it(client):
    body = client.get("/").content.decode()
    assert re.search(r'<link rel="icon" href="/static/img/favicon\.[0-9a-f.]*ico', body)
    assert 'type="image/svg+xml"' in body
    r = client.get("/favicon.ico")
    assert r.status_code == 302 and r.url.startswith("/static/img/favicon.")
    assert "max-age=86400" in r["Cache-Control"]


def test_the_icon_files_are_there():
    from django.contrib.staticfiles import finders

    assert finders.find("img/favicon.ico") and finders.find("img/favicon.svg")


def test_the_staff_sign_in_names_the_missing_fields(client):
    r = client.post("/staff/login/", {"username": "", "password": ""})
    assert r.status_code == 400
    page = text(r)
    assert "Enter your username." in page and "Enter your password." in page
    assert "This field is required." not in page
    body = r.content.decode()
    assert '<a href="#id_username">Enter your username.</a>' in body
    assert '<a href="#id_password">Enter your password.</a>' in body
    assert "<title>Error: Staff sign-in" in body


def test_the_error_summary_is_the_only_autofocus_after_a_failed_sign_in(client):
    body = client.get("/staff/login/").content.decode()
    assert body.count("autofocus") == 1 and 'name="username" autofocus' in body
    body = client.post("/staff/login/", {"username": "", "password": ""}).content.decode()
    assert body.count("autofocus") == 1 and 'tabindex="-1" autofocus' in body


def test_a_radio_group_error_is_tied_to_its_radios(alice_client):
    r = alice_client.post("/my/requests/new/", {"kind": ""})
    assert r.status_code == 400
    body = r.content.decode()
    radios = re.findall(r'<input type="radio" name="kind"[^>]*>', body)
    assert radios and all('aria-describedby="id_kind_error"' in tag for tag in radios)
    assert all('aria-invalid="true"' in tag for tag in radios)
    assert 'id="id_kind_error"' in body
    # The summary link lands on the first radio, which exists.
    link = re.search(r'<div class="error-summary".*?<a href="#([^"]+)"', body, re.S).group(1)
    assert link == "id_kind_0" and f'id="{link}"' in body
    assert "<title>Error: New request" in body
