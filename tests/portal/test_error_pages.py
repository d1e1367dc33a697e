"""Error pages are the portal's own, in the visitor's language: 400, 403, 404, 500 and 503.
The 500 and 503 pages need neither the database nor the session."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.conftest import Client, text

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.error_urls")]

LANGUAGES = ["en", "nl", "sv", "ru"]


def _in(language: str, message: str) -> str:
    with translation.override(language):
        translated = translation.gettext(message)
    if language != "en":
        assert translated != message, f"{message!r} has no {language} translation"
    return translated


def _assert_page(r, language: str, status: int, title: str) -> None:
    assert r.status_code == status
    assert r["Content-Type"].startswith("text/html")
    assert f'<html lang="{language}">' in r.content.decode()
    assert _in(language, title) in text(r)
    assert "Traceback" not in r.content.decode()


@pytest.fixture
def quiet_client():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_its_own_404_in_the_visitors_language(client, language):
    r = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    _assert_page(r, language, 404, "Page not found")
    assert _in(language, "Go to the start page") in text(r)


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_its_own_500_without_the_database(
    quiet_client, language, django_assert_num_queries
):
    with django_assert_num_queries(0):
        r = quiet_client.get("/test/broken/", HTTP_ACCEPT_LANGUAGE=language)
    _assert_page(r, language, 500, "Something went wrong")
    assert "a bug" not in r.content.decode()


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_answers_503_when_the_database_is_away(quiet_client, language):
    r = quiet_client.get("/test/database-away/", HTTP_ACCEPT_LANGUAGE=language)
    _assert_page(r, language, 503, "Temporarily unavailable")
    assert r["Retry-After"] == "120"


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_its_own_403(client, language):
    r = client.get("/test/forbidden/", HTTP_ACCEPT_LANGUAGE=language)
    _assert_page(r, language, 403, "Not allowed")


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_its_own_403_for_an_expired_form(language):
    r = Client(enforce_csrf_checks=True).post(
        "/verify/", {"number": "+31612345678"}, HTTP_ACCEPT_LANGUAGE=language
    )
    _assert_page(r, language, 403, "Not allowed")
    assert _in(language, "The form had expired. Go back, reload the page and send it again.") in (
        text(r)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_shows_its_own_400_for_an_unknown_host(client, language):
    r = client.get("/", HTTP_HOST="attacker.example", HTTP_ACCEPT_LANGUAGE=language)
    _assert_page(r, language, 400, "Bad request")


def test_the_error_pages_keep_the_content_security_policy(quiet_client):
    r = quiet_client.get("/test/broken/")
    assert "script-src 'self'" in r["Content-Security-Policy"]
    assert "<style" not in r.content.decode() and "<script" not in r.content.decode()
