"""A download leads to a page that starts the file and stays, not to the code page."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import last_code, verify
from tests.dsar.test_jobs import FIRST, _released, _request

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])


def test_the_button_leads_to_a_page_that_starts_the_download(demo_db, client, bob, carol):
    verify(client, FIRST)
    dr = _released(FIRST, "access", bob, carol)
    detail = client.get(f"/my/requests/{dr.reference}/").content.decode()
    assert f'href="/my/requests/{dr.reference}/download/started/"' in detail
    r = client.get(f"/my/requests/{dr.reference}/download/started/")
    body = r.content.decode()
    assert r.status_code == 200
    assert (
        f'<meta http-equiv="refresh" content="0; url=/my/requests/{dr.reference}/download/">'
        in body
    )
    assert f'href="/my/requests/{dr.reference}/download/" download' in body
    assert f"{dr.reference}.zip" in body


def test_after_a_fresh_code_the_customer_lands_on_the_download_page(demo_db, client, bob, carol):
    verify(client, FIRST)
    dr = _released(FIRST, "access", bob, carol)
    later = timezone.now() + timedelta(minutes=11)
    with time_machine.travel(later - timedelta(minutes=5)):
        client.get("/my/requests/")
    with time_machine.travel(later):
        started = f"/my/requests/{dr.reference}/download/started/"
        r = client.get(started)
        assert r.status_code == 302 and r.url.startswith("/verify/again/")
        client.post("/verify/again/", {"next": started})
        r = client.post("/verify/code/", {"code": last_code(FIRST)})
        assert r.url == started
        assert client.get(started).status_code == 200


def test_the_page_says_when_there_is_nothing_to_download(demo_db, client):
    verify(client, FIRST)
    dr = _request(FIRST, "access")
    assert client.get(f"/my/requests/{dr.reference}/download/started/").status_code == 410
    assert client.get(f"/my/requests/{dr.reference}/erasure-receipt/started/").status_code == 404


def test_another_customer_gets_no_download_page(demo_db, client, mallory_client, bob, carol):
    dr = _released(FIRST, "access", bob, carol)
    assert mallory_client.get(f"/my/requests/{dr.reference}/download/started/").status_code == 404


def test_the_erasure_receipt_starts_from_the_same_kind_of_page(demo_db, client):
    from dsar.models import DataRequest, Job

    verify(client, FIRST)
    dr = _request(FIRST, "erasure")
    DataRequest.objects.filter(pk=dr.pk).update(status="completed")
    Job.objects.create(data_request=dr, kind="erase", state="done", summary={"plan": {}})
    detail = client.get(f"/my/requests/{dr.reference}/").content.decode()
    started = f"/my/requests/{dr.reference}/erasure-receipt/started/"
    assert f'href="{started}"' in detail
    body = client.get(started).content.decode()
    assert f'content="0; url=/my/requests/{dr.reference}/erasure-receipt.pdf"' in body
    assert f"{dr.reference}-erasure-receipt.pdf" in body
