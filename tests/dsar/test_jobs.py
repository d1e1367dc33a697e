"""Discovery, access/export packages and erasure as jobs, end to end on the demo data."""

import hashlib
import json
import zipfile
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.db import connections
from django.utils import timezone

from dsar import erasure, jobs, services
from dsar.demo import DEMO_NUMBERS
from dsar.models import AccessPackage, AuditEvent, Job, JobTable
from tests.conftest import committed, last_code, verify

pytestmark = pytest.mark.django_db(databases=["default", "customer_service"])
FIRST = DEMO_NUMBERS["first_contact"]


def _request(number, kind):
    return services.open_request(number=number, kind=kind)


def _run(dr, kind):
    approved = ""
    if kind == Job.Kind.ERASE:
        # The four-eyes step approves this plan; see test_casework for that flow.
        approved = _run(dr, Job.Kind.DISCOVER).summary["fingerprint"]
    with committed():
        job = jobs.start_job(data_request=dr, kind=kind, approved_sha256=approved)
    job.refresh_from_db()
    return job


def _released(number, kind, bob, carol):
    from dsar import casework

    dr = _request(number, kind)
    casework.claim(data_request=dr, user=bob)
    with committed():
        casework.start_job(data_request=dr, kind=Job.Kind.PACKAGE, by=bob)
    casework.submit_for_approval(data_request=dr, by=bob)
    casework.record_review(data_request=dr, by=carol)
    with committed():
        casework.approve(data_request=dr, approver=carol)
    dr.refresh_from_db()
    return dr


def _scalar(sql, params=()):
    with connections["customer_service"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _zip(package):
    return zipfile.ZipFile(settings.PRIVATE_MEDIA_ROOT / package.path)


def test_it_discovers_the_subjects_rows(demo_db):
    job = _run(_request(FIRST, "access"), Job.Kind.DISCOVER)
    assert job.state == "done", job.error
    rows = {t["table"]: t["rows"] for t in job.summary["tables"]}
    assert rows["contacts"] == 1 and rows["contact_numbers"] >= 1
    assert rows["messages"] > 0 and rows["conversations"] > 0
    assert job.summary["fingerprint"]
    assert FIRST not in json.dumps(job.summary)


def test_it_flags_a_shared_number_for_review(demo_db):
    job = _run(_request(DEMO_NUMBERS["household"], "access"), Job.Kind.DISCOVER)
    assert job.state == "done"
    assert job.summary["shared"] and job.summary["shared"][0]["keys"] >= 2


def test_it_builds_an_access_package(demo_db):
    dr = _request(FIRST, "access")
    job = _run(dr, Job.Kind.PACKAGE)
    assert job.state == "done", job.error
    package = AccessPackage.objects.get(job=job)
    import hashlib

    data = (settings.PRIVATE_MEDIA_ROOT / package.path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == package.sha256 and len(data) == package.size
    with _zip(package) as zf:
        names = zf.namelist()
        doc = json.loads(zf.read("data.json"))
    assert "README.txt" in names and any(n.endswith("messages.csv") for n in names)
    tables = {t["table"]: t for s in doc["sources"] for t in s["tables"]}
    assert tables["contacts"]["fields"]["full_name"] == "identity"
    assert "customer_no" in tables["contacts"]["fields"]
    assert len(tables["messages"]["records"]) == job.summary["counts"]["customer-service/messages"]
    assert package.expires_at > timezone.now() + timedelta(days=29)
    assert AuditEvent.objects.filter(action="dsar.package.built", data_request=dr).count() == 1


def test_it_limits_an_export_to_provided_data(demo_db):
    job = _run(_request(FIRST, "export"), Job.Kind.PACKAGE)
    with _zip(job.package) as zf:
        doc = json.loads(zf.read("data.json"))
    tables = {t["table"]: t for s in doc["sources"] for t in s["tables"]}
    assert "customer_no" not in tables["contacts"]["fields"]  # ours, not provided
    assert "full_name" in tables["contacts"]["fields"]
    assert doc["kind"] == "export"


def test_it_runs_a_job_once(demo_db):
    job = _run(_request(FIRST, "access"), Job.Kind.PACKAGE)
    assert jobs.run_job(job_id=job.pk) is False  # a second delivery of the task
    assert AccessPackage.objects.filter(job=job).count() == 1


def test_it_takes_over_a_job_whose_worker_died(demo_db, settings):
    dr = _request(FIRST, "access")
    with mock.patch("dsar.jobs._enqueue", autospec=True):
        job = jobs.start_job(data_request=dr, kind=Job.Kind.DISCOVER)
    Job.objects.filter(pk=job.pk).update(state="running", heartbeat_at=timezone.now())
    assert jobs.requeue_stale() == 0  # still beating
    with (
        time_machine.travel(
            timezone.now() + timedelta(seconds=settings.DSAR_JOB_STALE_SECONDS + 1)
        ),
        committed(),
    ):
        assert jobs.requeue_stale() == 1
    job.refresh_from_db()
    assert job.state == "done" and job.attempts == 1


def test_it_erases_and_reports(demo_db):
    dr = _request(FIRST, "erasure")
    contact_id = _scalar("SELECT contact_id FROM contact_numbers WHERE number = %s", [FIRST])
    job = _run(dr, Job.Kind.ERASE)
    assert job.state == "done", job.error
    report = {r["table"]: r for r in job.summary["report"]}
    assert report["messages"]["deleted"] > 0
    assert report["contacts"]["anonymised"] == 1
    kept = {r["column"]: r for r in report["contacts"]["retained"]}
    assert "GDPR Art. 17(3)(b)" in kept["customer_no"]["legal_basis"]
    assert report["payments"]["retained"]  # bookkeeping: kept, with a date
    assert _scalar("SELECT COUNT(*) FROM contact_numbers WHERE contact_id = %s", [contact_id]) == 0
    assert _scalar("SELECT full_name FROM contacts WHERE id = %s", [contact_id]) == "[erased]"
    assert _scalar("SELECT COUNT(*) FROM payments WHERE contact_id = %s", [contact_id]) > 0
    assert all(t.state == "done" for t in job.tables.all())


def test_a_rerun_of_a_half_finished_erasure_never_hashes_twice(demo_db):
    dr = _request(FIRST, "erasure")
    real = erasure.erase_table
    calls = {"n": 0}

    def crash_after_three(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 3:
            raise RuntimeError("worker died")
        return real(*args, **kwargs)

    with mock.patch("dsar.erasure.erase_table", side_effect=crash_after_three):
        job = _run(dr, Job.Kind.ERASE)
    assert job.state == "failed"
    done_before = set(job.tables.filter(state="done").values_list("table", flat=True))
    assert done_before
    hashed_before = _scalar("SELECT COUNT(*) FROM channel_consents WHERE number LIKE %s", ["h1:%"])
    Job.objects.filter(pk=job.pk).update(state="queued")
    jobs.run_job(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == "done", job.error
    # every hashed value is a single hash: "h1:" + 64 hex characters, never "h1:h1:…"
    with connections["customer_service"].cursor() as cursor:
        cursor.execute("SELECT number FROM channel_consents WHERE number LIKE %s", ["h1:%"])
        hashed = [row[0] for row in cursor.fetchall()]
    assert hashed and len(hashed) >= hashed_before
    assert all(len(v) == 67 and not v.startswith("h1:h1:") for v in hashed)


def test_it_fails_loudly_when_data_still_links_after_erasure(demo_db):
    dr = _request(FIRST, "erasure")
    with mock.patch(
        "dsar.erasure.erase_table",
        side_effect=lambda dm, table, keys, **kw: erasure.TableReport(
            table.source, table.name, 0, 0, ()
        ),
    ):
        job = _run(dr, Job.Kind.ERASE)
    assert job.state == "failed"
    assert "Erasure not complete" in job.error and FIRST not in job.error
    assert AuditEvent.objects.filter(action="dsar.job.failed").exists()


def test_it_refuses_to_erase_for_another_kind_of_request(demo_db):
    with pytest.raises(jobs.JobFailed):
        jobs.start_job(data_request=_request(FIRST, "access"), kind=Job.Kind.ERASE)


def test_it_lets_the_subject_download_after_a_fresh_code(demo_db, client, bob, carol):
    verify(client, FIRST)
    dr = _released(FIRST, "access", bob, carol)
    job = dr.jobs.get(kind="package")
    page = client.get(f"/my/requests/{dr.reference}/")
    assert b"Download your data" in page.content
    r = client.get(f"/my/requests/{dr.reference}/download/")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    assert b"".join(r.streaming_content)[:2] == b"PK"
    assert AuditEvent.objects.filter(action="dsar.package.downloaded").count() == 1
    assert AccessPackage.objects.get(job=job).downloads == 1


def test_it_asks_for_a_fresh_code_before_a_download(demo_db, client, bob, carol):
    verify(client, FIRST)
    dr = _released(FIRST, "access", bob, carol)
    later = timezone.now() + timedelta(minutes=11)
    with time_machine.travel(later - timedelta(minutes=5)):
        client.get("/my/requests/")
    with time_machine.travel(later):
        r = client.get(f"/my/requests/{dr.reference}/download/")
        assert r.status_code == 302 and r.url.startswith("/verify/again/")
        client.post("/verify/again/", {"next": f"/my/requests/{dr.reference}/download/"})
        r = client.post("/verify/code/", {"code": last_code(FIRST)})
        assert r.url == f"/my/requests/{dr.reference}/download/"
        assert client.get(r.url).status_code == 200


def test_another_customer_cannot_download(demo_db, client, mallory_client, bob, carol):
    dr = _released(FIRST, "access", bob, carol)
    assert mallory_client.get(f"/my/requests/{dr.reference}/download/").status_code == 404
    assert client.get(f"/my/requests/{dr.reference}/download/").status_code == 302  # not verified
    assert not AuditEvent.objects.filter(action="dsar.package.downloaded").exists()


def test_a_package_is_not_downloadable_before_approval(demo_db, client):
    verify(client, FIRST)
    dr = _request(FIRST, "access")
    _run(dr, Job.Kind.PACKAGE)
    assert client.get(f"/my/requests/{dr.reference}/download/").status_code == 410
    assert b"Download your data" not in client.get(f"/my/requests/{dr.reference}/").content


def test_an_expired_package_is_gone(demo_db, client, bob, carol):
    verify(client, FIRST)
    dr = _released(FIRST, "access", bob, carol)
    job = dr.jobs.get(kind="package")
    AccessPackage.objects.filter(job=job).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(f"/my/requests/{dr.reference}/download/").status_code == 410
    assert b"Download your data" not in client.get(f"/my/requests/{dr.reference}/").content


def test_the_package_lives_outside_static_and_media_urls(demo_db):
    job = _run(_request(FIRST, "access"), Job.Kind.PACKAGE)
    path = settings.PRIVATE_MEDIA_ROOT / job.package.path
    assert str(settings.STATIC_ROOT) not in str(path)
    assert not JobTable.objects.filter(job=job).exists()  # packages plan no tables


def test_load_datamap_stores_a_valid_map_once_and_a_bad_one_never(demo_db, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    from dsar.models import DataMapVersion

    before = DataMapVersion.objects.count()
    call_command("load_datamap")
    assert DataMapVersion.objects.count() == before  # same file: nothing new
    bad = tmp_path / "bad.toml"
    bad.write_text(
        settings.DSAR_DATAMAP_PATH.read_text().replace('name = "messages"', 'name = "mesages"')
    )
    with pytest.raises(CommandError):
        call_command("load_datamap", str(bad))
    assert DataMapVersion.objects.count() == before
    assert "mesages" in capsys.readouterr().err


def test_a_job_needs_a_loaded_map(demo_db):
    from dsar.models import DataMapVersion

    DataMapVersion.objects.all().delete()
    job = _run(_request(FIRST, "access"), Job.Kind.DISCOVER)
    assert job.state == "failed" and "load_datamap" in job.error


# --- files the data map points at (call recordings) ----------------------------------------


def _recording_key(number=FIRST) -> str:
    from verification.phone import normalise_stored

    with connections["customer_service"].cursor() as cursor:
        cursor.execute("SELECT recording_uri, caller_number FROM call_recordings")
        rows = cursor.fetchall()
    for key, stored in rows:
        if normalise_stored(stored, region="NL") == number:
            return key
    raise AssertionError("no recording")


def test_the_package_holds_the_recordings_themselves(demo_db):
    from django.core.files.storage import storages

    key = _recording_key()
    job = _run(_request(FIRST, "access"), Job.Kind.PACKAGE)
    zf = _zip(job.package)
    document = json.loads(zf.read("data.json"))
    (table,) = [
        t for s in document["sources"] for t in s["tables"] if t["table"] == "call_recordings"
    ]
    (entry,) = [r["recording_uri"] for r in table["records"]]
    stored = storages["recordings"].open(key, "rb").read()
    assert entry["stored_as"] == key and entry["file"] == f"recordings/{key}"
    assert zf.read(entry["file"]) == stored
    assert entry["sha256"] == hashlib.sha256(stored).hexdigest()
    assert job.summary["files"] == 1 and job.summary["missing_files"] == 0
    assert "recordings/" in zf.read("README.txt").decode()
    # In the CSV, the file's place in the ZIP.
    rows = zf.read("csv/customer-service__call_recordings.csv").decode("utf-8-sig").splitlines()
    assert f"recordings/{key}" in rows[1] and "sha256" not in rows[1]


def test_a_recording_that_is_gone_is_named_missing_not_a_failure(demo_db):
    from django.core.files.storage import storages

    storages["recordings"].delete(_recording_key())
    job = _run(_request(FIRST, "access"), Job.Kind.PACKAGE)
    assert job.state == "done" and job.summary["missing_files"] == 1
    zf = _zip(job.package)
    document = json.loads(zf.read("data.json"))
    (table,) = [
        t for s in document["sources"] for t in s["tables"] if t["table"] == "call_recordings"
    ]
    assert table["records"][0]["recording_uri"]["missing"] is True
    assert "could not be found in our storage" in " ".join(zf.read("README.txt").decode().split())


def test_erasure_deletes_the_recordings_with_their_rows(demo_db):
    from django.core.files.storage import storages

    key = _recording_key()
    assert storages["recordings"].exists(key)
    job = _run(_request(FIRST, "erasure"), Job.Kind.ERASE)
    assert job.state == "done", job.error
    assert not storages["recordings"].exists(key)
    report = job.tables.get(table="call_recordings").report
    assert report["deleted"] == 1 and report["files_deleted"] == 1


def test_an_erasure_that_leaves_a_file_fails_loudly(demo_db, monkeypatch):
    from dsar import files

    monkeypatch.setattr(files, "delete", lambda refs: 0)
    job = _run(_request(FIRST, "erasure"), Job.Kind.ERASE)
    assert job.state == "failed"
    assert "call_recordings: 1 file(s) of erased rows still exist" in job.error


# --- leases: a job whose worker died is taken over quickly ------------------------------------


def _dead_pid() -> int:
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _running(dr, kind, *, owner: str):
    with mock.patch("dsar.jobs._enqueue", autospec=True):
        job = jobs.start_job(data_request=dr, kind=kind)
    Job.objects.filter(pk=job.pk).update(state="running", heartbeat_at=timezone.now(), owner=owner)
    return job


def test_a_job_whose_owner_died_on_this_host_is_taken_over_at_once(demo_db, settings):
    import socket

    dr = _request(FIRST, "access")
    job = _running(dr, Job.Kind.PACKAGE, owner=f"{socket.gethostname()}:{_dead_pid()}")
    folder = settings.PRIVATE_MEDIA_ROOT / "packages"
    folder.mkdir(parents=True, exist_ok=True)
    leftover = folder / f"{dr.reference}-job{job.pk}.part"
    leftover.write_bytes(b"half a zip of personal data")
    # The lease is fresh, but its owner is gone: a redelivered task takes over now.
    assert jobs.run_job(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.state == "done" and job.owner == jobs.worker_id()
    assert not leftover.exists()
    assert AuditEvent.objects.filter(action="dsar.job.taken_over", data__job=job.pk).exists()


def test_a_job_leased_by_a_live_worker_is_left_to_it(demo_db):
    import os
    import socket

    dr = _request(FIRST, "access")
    for owner in (f"{socket.gethostname()}:{os.getppid()}", "other-host:123"):
        job = _running(dr, Job.Kind.DISCOVER, owner=owner)
        with pytest.raises(jobs.LeaseHeld) as held:
            jobs.run_job(job_id=job.pk)
        assert 1 <= held.value.seconds <= 30
        job.refresh_from_db()
        assert job.state == "running" and job.owner == owner


def test_a_lapsed_lease_is_taken_over_within_its_length(demo_db, settings):
    assert settings.DSAR_JOB_STALE_SECONDS == 30  # the default: seconds, not minutes
    dr = _request(FIRST, "access")
    job = _running(dr, Job.Kind.DISCOVER, owner="other-host:123")
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert jobs.run_job(job_id=job.pk) is True
    job.refresh_from_db()
    assert job.state == "done"


def test_a_worker_that_lost_its_job_stops_changing_data(demo_db):
    dr = _request(FIRST, "erasure")
    approved = _run(dr, Job.Kind.DISCOVER).summary["fingerprint"]
    with mock.patch("dsar.jobs._enqueue", autospec=True):
        job = jobs.start_job(data_request=dr, kind=Job.Kind.ERASE, approved_sha256=approved)
    real = erasure.erase_table
    calls = {"n": 0}

    def taken_over_after_two(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # another worker took the job over meanwhile
            Job.objects.filter(pk=job.pk).update(owner="other-host:1")
        return real(*args, **kwargs)

    with mock.patch("dsar.erasure.erase_table", side_effect=taken_over_after_two):
        assert jobs.run_job(job_id=job.pk) is True
    assert calls["n"] == 3  # it stopped at its next heartbeat
    job.refresh_from_db()
    assert job.state == "running" and job.owner == "other-host:1"


@pytest.mark.django_db(databases=["default", "customer_service"], transaction=True)
def test_a_running_worker_renews_its_lease_every_third_of_its_length(settings):
    """In a real worker (not eager) a thread moves `heartbeat_at` while the job runs, so a
    long step keeps the job; it stops when the job ends."""
    import time

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.DSAR_JOB_STALE_SECONDS = 1.5  # renewed every 0.5 s
    dr = _request(FIRST, "access")
    job = _running(dr, Job.Kind.DISCOVER, owner=jobs.worker_id())
    start = Job.objects.get(pk=job.pk).heartbeat_at
    with jobs._Lease(job.pk):
        time.sleep(1.3)
        renewed = Job.objects.get(pk=job.pk).heartbeat_at
    assert renewed > start
    time.sleep(0.8)
    assert Job.objects.get(pk=job.pk).heartbeat_at == renewed  # stopped with the job
