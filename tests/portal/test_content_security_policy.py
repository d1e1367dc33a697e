"""Every page sends a Content-Security-Policy without inline script, and the pages need none."""

import re
from pathlib import Path

import pytest

from dsar import services
from tests.conftest import ALICE, last_code, staff_login

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parts = [p.split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def assert_strict(response, url: str) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"], url
    assert policy["script-src"] == ["'self'"], url
    assert policy["style-src"] == ["'self'"], url
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"], url
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"], url
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, url


def test_customer_pages_send_the_policy(client):
    pages = ["/", "/verify/"]
    for url in pages:
        assert_strict(client.get(url), url)
    client.post("/verify/", {"number": ALICE})
    assert_strict(client.get("/verify/code/"), "/verify/code/")
    client.post("/verify/code/", {"code": last_code(ALICE)})
    dr = services.open_request(number=ALICE, kind="access", channel="whatsapp")
    for url in ("/my/requests/", "/my/requests/new/", f"/my/requests/{dr.reference}/"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert_strict(r, url)


def test_staff_pages_send_the_policy(client, django_user_model):
    dr = services.open_request(number=ALICE, kind="access", channel="whatsapp")
    admin = django_user_model.objects.create_user("root", is_staff=True, is_superuser=True)
    assert_strict(client.get("/staff/login/"), "/staff/login/")
    staff_login(client, admin)
    for url in (
        "/staff/",
        f"/staff/cases/{dr.reference}/",
        "/staff/dashboard/",
        "/staff/register/",
        "/staff/team/",
        "/admin/",
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        assert_strict(r, url)


def test_redirects_and_refusals_send_it_too(client):
    for url in ("/my/requests/", "/staff/"):
        r = client.get(url)
        assert r.status_code == 302 and "Content-Security-Policy" in r, url


def _page_templates() -> list[Path]:
    # PDFs are drawn by WeasyPrint from our files only (dsar/pdf.py), never by a browser.
    return [p for p in TEMPLATES.rglob("*.html") if "pdf" not in p.relative_to(TEMPLATES).parts]


@pytest.mark.parametrize("template", _page_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_inline_script_or_style(template):
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html), "an on… event handler attribute"
    assert not re.search(r"<style|\sstyle\s*=", html), "inline style"
    assert "javascript:" not in html
