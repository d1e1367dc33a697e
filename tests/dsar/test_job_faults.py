"""A real Celery worker is SIGKILLed in the middle of a package build and of an erasure;
after a restart each job finishes exactly once with a correct result."""

import json
import os
import signal
import zipfile

import pytest
from django.db import connections

from dsar import jobs, services
from dsar.demo import DEMO_NUMBERS, seed
from dsar.models import AccessPackage, Job, JobTable
from tests.dsar.conftest import load_demo_map
from tests.worker import celery_worker, require_worker_tests, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, databases=["default", "customer_service"]),
]
FIRST = DEMO_NUMBERS["first_contact"]
# The worker sleeps this long after each table, so that it can be killed mid-job.
SLOW = {"DSAR_JOB_TABLE_DELAY": "1.5", "DSAR_JOB_STALE_SECONDS": "2"}


def _state(job):
    job.refresh_from_db()
    return job.state


def _kill(worker):
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def _finish_after_restart(job, settings):
    settings.DSAR_JOB_STALE_SECONDS = 2
    with celery_worker({"DSAR_JOB_STALE_SECONDS": "2"}):
        # Either the redelivered message or the sweeper takes the stale job over.
        def done():
            jobs.requeue_stale()
            return _state(job) in ("done", "failed")

        wait_for(done, timeout=90, interval=1)
    job.refresh_from_db()
    return job


def test_it_finishes_a_package_once_after_the_worker_is_killed(settings):
    require_worker_tests()
    seed("customer_service", subjects=30, messages=600, seed=7)
    load_demo_map()
    dr = services.open_request(number=FIRST, kind="access")
    with celery_worker(SLOW) as worker:
        job = jobs.start_job(data_request=dr, kind=Job.Kind.PACKAGE)
        wait_for(lambda: _state(job) == "running", timeout=60)
        _kill(worker)
    assert _state(job) == "running"
    job = _finish_after_restart(job, settings)
    assert job.state == "done", job.error
    assert job.attempts == 2
    assert AccessPackage.objects.filter(data_request=dr).count() == 1
    package = AccessPackage.objects.get(job=job)
    with zipfile.ZipFile(settings.PRIVATE_MEDIA_ROOT / package.path) as zf:
        assert zf.testzip() is None
        doc = json.loads(zf.read("data.json"))
    assert doc["reference"] == dr.reference
    # The killed attempt's partial file was overwritten by the rerun and renamed into place.
    assert not list((settings.PRIVATE_MEDIA_ROOT / "packages").glob("*.part"))


def test_it_finishes_an_erasure_once_after_the_worker_is_killed(settings):
    require_worker_tests()
    seed("customer_service", subjects=30, messages=600, seed=7)
    load_demo_map()
    dr = services.open_request(number=FIRST, kind="erasure")
    plan = jobs.start_job(data_request=dr, kind=Job.Kind.DISCOVER)  # eager, in this process
    plan.refresh_from_db()
    with celery_worker(SLOW) as worker:
        job = jobs.start_job(
            data_request=dr, kind=Job.Kind.ERASE, approved_sha256=plan.summary["fingerprint"]
        )
        wait_for(lambda: JobTable.objects.filter(job=job, state="done").count() >= 2, timeout=60)
        _kill(worker)
    done_before = JobTable.objects.filter(job=job, state="done").count()
    assert 2 <= done_before < JobTable.objects.filter(job=job).count()
    job = _finish_after_restart(job, settings)
    assert job.state == "done", job.error
    assert JobTable.objects.filter(job=job).exclude(state="done").count() == 0
    with connections["customer_service"].cursor() as cursor:
        cursor.execute("SELECT number FROM channel_consents WHERE number LIKE %s", ["h1:%"])
        hashed = [row[0] for row in cursor.fetchall()]
    assert hashed and all(len(v) == 67 for v in hashed)  # hashed once, never twice
