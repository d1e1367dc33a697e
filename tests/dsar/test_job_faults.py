"""A real Celery worker is SIGKILLed in the middle of a package build and of an erasure;
after a restart each job finishes exactly once with a correct result."""

import json
import os
import signal
import time
import zipfile

import pytest
from django.db import connections

from dsar import jobs, services
from dsar.demo import DEMO_NUMBERS, seed
from dsar.models import AccessPackage, Job, JobTable
from tests.conftest import committed
from tests.dsar.conftest import load_demo_map
from tests.worker import celery_worker, require_worker_tests, wait_for

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True, databases=["default", "customer_service"]),
]
FIRST = DEMO_NUMBERS["first_contact"]
# The worker sleeps this long after each table, so that it can be killed mid-job. The lease
# (DSAR_JOB_STALE_SECONDS) keeps its default: recovery is measured as it is in production.
SLOW = {"DSAR_JOB_TABLE_DELAY": "1.5"}
# A killed worker's job is finished within this long after the kill (the bound).
RECOVERY_SECONDS = 60


def _state(job):
    job.refresh_from_db()
    return job.state


def _kill(worker):
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def _finish_after_restart(job, killed_at: float):
    """A new worker and the beat's sweeper (every DSAR_SWEEP_SECONDS) finish the job."""
    with celery_worker():
        sweeps = {"last": 0.0}

        def done():
            if time.monotonic() - sweeps["last"] >= 20:  # the beat's default period
                sweeps["last"] = time.monotonic()
                jobs.requeue_stale()
            return _state(job) in ("done", "failed")

        wait_for(done, timeout=RECOVERY_SECONDS + 30, interval=0.5)
    job.refresh_from_db()
    return job, time.monotonic() - killed_at


def test_it_finishes_a_package_once_after_the_worker_is_killed(settings):
    require_worker_tests()
    seed("customer_service", subjects=30, messages=600, seed=7)
    load_demo_map()
    dr = services.open_request(number=FIRST, kind="access")
    with celery_worker(SLOW) as worker:
        with committed():
            job = jobs.start_job(data_request=dr, kind=Job.Kind.PACKAGE)
        wait_for(lambda: _state(job) == "running", timeout=60)
        _kill(worker)
    killed_at = time.monotonic()
    assert _state(job) == "running"
    job, took = _finish_after_restart(job, killed_at)
    assert job.state == "done", job.error
    assert took <= RECOVERY_SECONDS, f"recovered after {took:.0f} s"
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
    with committed():
        plan = jobs.start_job(data_request=dr, kind=Job.Kind.DISCOVER)  # eager, here
    plan.refresh_from_db()
    with celery_worker(SLOW) as worker:
        with committed():
            job = jobs.start_job(
                data_request=dr, kind=Job.Kind.ERASE, approved_sha256=plan.summary["fingerprint"]
            )
        wait_for(lambda: JobTable.objects.filter(job=job, state="done").count() >= 2, timeout=60)
        _kill(worker)
    killed_at = time.monotonic()
    done_before = JobTable.objects.filter(job=job, state="done").count()
    assert 2 <= done_before < JobTable.objects.filter(job=job).count()
    job, took = _finish_after_restart(job, killed_at)
    assert job.state == "done", job.error
    assert took <= RECOVERY_SECONDS, f"recovered after {took:.0f} s"
    assert JobTable.objects.filter(job=job).exclude(state="done").count() == 0
    with connections["customer_service"].cursor() as cursor:
        cursor.execute("SELECT number FROM channel_consents WHERE number LIKE %s", ["h1:%"])
        hashed = [row[0] for row in cursor.fetchall()]
    assert hashed and all(len(v) == 67 for v in hashed)  # hashed once, never twice


def test_a_killed_child_process_is_taken_over_at_once_by_its_redelivered_task():
    """The worker's child process dies mid-package (the OOM killer, a segfault): the
    redelivered task sees that the job's owner is dead and takes over at once, long before
    the lease would run out."""
    require_worker_tests()
    seed("customer_service", subjects=30, messages=600, seed=7)
    load_demo_map()
    dr = services.open_request(number=FIRST, kind="access")
    with celery_worker(SLOW, pool="prefork"):
        with committed():
            job = jobs.start_job(data_request=dr, kind=Job.Kind.PACKAGE)
        wait_for(lambda: _state(job) == "running" and job.owner, timeout=60)
        first_owner = job.owner
        os.kill(int(first_owner.rpartition(":")[2]), signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for(lambda: _state(job) == "running" and job.owner != first_owner, timeout=60)
        took = time.monotonic() - killed_at
        wait_for(lambda: _state(job) == "done", timeout=60, interval=0.2)
    job.refresh_from_db()
    assert job.attempts == 2
    # No sweeper ran: the takeover came with the redelivery, well within the lease (30 s).
    assert took < 10, f"taken over after {took:.1f} s"
    assert AccessPackage.objects.filter(data_request=dr).count() == 1
