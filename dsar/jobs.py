"""Background work on a request: discovery, access/export packages and erasure.

Every job is a `Job` row (QUEUED → RUNNING → DONE/FAILED) with per-table `JobTable` rows;
Celery only carries the job id. `run_job()` claims the row before it works, so a second
delivery of the same task does nothing, and a job whose worker died is taken over once
its heartbeat is stale (`requeue_stale()`, run by beat, or a redelivered task).
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from dsar import (
    audit,
    connectors,
    datamap,
    erasure,
    exports,
    extracts,
    files,
    register,
    retention,
    suppress,
)
from dsar.models import AccessPackage, DataMapVersion, DataRequest, Job, JobTable

logger = logging.getLogger(__name__)

KIND_FOR_REQUEST = {
    DataRequest.Kind.ACCESS: Job.Kind.PACKAGE,
    DataRequest.Kind.EXPORT: Job.Kind.PACKAGE,
    DataRequest.Kind.ERASURE: Job.Kind.ERASE,
    DataRequest.Kind.OBJECTION: Job.Kind.SUPPRESS,
    DataRequest.Kind.WITHDRAW_CONSENT: Job.Kind.SUPPRESS,
}


class JobFailed(Exception):
    """The job cannot finish; `message` is safe to show staff (no personal values)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def start_job(
    *,
    data_request: DataRequest,
    kind: str,
    by=None,
    approved_sha256: str = "",
    run_after=None,
) -> Job:
    """Queue one job for a request; it runs after commit (or, with `run_after`, once that
    moment has passed: the sweeper hands it to a worker). No inverse: a job is a record.

    An erasure runs only with the plan fingerprint an approver approved (four-eyes).
    """
    if kind == Job.Kind.ERASE and data_request.kind != DataRequest.Kind.ERASURE:
        raise JobFailed("Only an erasure request can be erased.")
    if kind == Job.Kind.ERASE and not approved_sha256:
        raise JobFailed("An erasure runs only after its plan was approved.")
    if kind == Job.Kind.SUPPRESS and not data_request.executes_itself:
        raise JobFailed("Only an objection or a consent withdrawal suppresses marketing.")
    if kind != Job.Kind.ERASE and data_request.status not in (
        DataRequest.Status.RECEIVED,
        DataRequest.Status.IN_PROGRESS,
    ):
        # A new package would silently void a pending approval or change a closed case.
        raise JobFailed("This case is being approved or is closed; send it back before new work.")
    job = Job.objects.create(
        data_request=data_request, kind=kind, approved_sha256=approved_sha256, run_after=run_after
    )
    audit.record(data_request, "dsar.job.queued", actor=by, data={"job": job.pk, "kind": kind})
    if run_after is None or run_after <= timezone.now():
        _enqueue(job)
    return job


def _enqueue(job: Job) -> None:
    from dsar.tasks import enqueue, run_job_task

    Job.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
    enqueue(run_job_task, job.pk)


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.DSAR_JOB_STALE_SECONDS)


def worker_id() -> str:
    """This process as a job's owner: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_dead(owner: str) -> bool:
    """True when `owner` was a process on this host that no longer exists: its job can be
    taken over at once instead of waiting for its lease to run out."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class LeaseHeld(Exception):
    """The job runs elsewhere and its lease is alive; `seconds` until it could run out."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"job leased for another {seconds:.0f} s")
        self.seconds = seconds


def _claim(job_id: int) -> bool:
    """Take the job for this process: a conditional UPDATE that changes one row or none.

    A queued job that is due is taken. A running job is taken over when its lease has run
    out (its owner stopped renewing `heartbeat_at`) or at once when its owner was a process
    of this host that has died (a redelivered task after the worker was killed). Raises
    LeaseHeld when another live process holds it.
    """
    now = timezone.now()
    me = worker_id()
    due = Q(run_after__isnull=True) | Q(run_after__lte=now)
    taken = {"state": Job.State.RUNNING, "started_at": now, "heartbeat_at": now, "owner": me}
    if Job.objects.filter(due, pk=job_id, state=Job.State.QUEUED).update(**taken) == 1:
        Job.objects.filter(pk=job_id).update(attempts=F("attempts") + 1)
        return True
    running = Job.objects.filter(pk=job_id, state=Job.State.RUNNING).first()
    if running is None:
        return False
    lapsed = running.heartbeat_at is None or running.heartbeat_at < _stale_before()
    if not (lapsed or _owner_dead(running.owner)):
        left = (running.heartbeat_at - _stale_before()).total_seconds()
        raise LeaseHeld(max(left, 1.0))
    # The compare-and-set on the old owner and heartbeat: two takers, one winner.
    with transaction.atomic():
        won = Job.objects.filter(
            pk=job_id,
            state=Job.State.RUNNING,
            owner=running.owner,
            heartbeat_at=running.heartbeat_at,
        ).update(**taken, attempts=F("attempts") + 1)
        if won:
            audit.record(
                running.data_request,
                "dsar.job.taken_over",
                data={"job": job_id, "lapsed": lapsed},
            )
    if won:
        _remove_leftovers(running)
    return bool(won)


def _remove_leftovers(job: Job) -> None:
    """A dead attempt's half-written package (personal data under a `.part` name) goes."""
    if job.kind == Job.Kind.PACKAGE:
        folder = Path(settings.PRIVATE_MEDIA_ROOT) / "packages"
        (folder / f"{job.data_request.reference}-job{job.pk}.part").unlink(missing_ok=True)


class _Lease:
    """Renews the job's lease (`heartbeat_at`) from a thread every third of its length
    while the job runs, so that a long step (a PDF, one big table) keeps it; when the
    process dies the renewals stop and the lease runs out."""

    def __init__(self, job_id: int) -> None:
        self.job_id, self.owner = job_id, worker_id()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        # In eager mode (tests, `make run`) the job runs inside the caller's transaction,
        # which a second connection must not wait for: nothing can die separately there.
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=5)

    def _run(self) -> None:
        from django.db import connection

        interval = max(settings.DSAR_JOB_STALE_SECONDS / 3, 0.5)
        try:
            while not self.stop.wait(interval):
                try:
                    Job.objects.filter(
                        pk=self.job_id, state=Job.State.RUNNING, owner=self.owner
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # noqa: BLE001 - a missed renewal is retried next time
                    logger.warning("could not renew the lease of job %s", self.job_id)
        finally:
            connection.close()


class LeaseLost(Exception):
    """Another process took the job over (this one stalled past its lease): stop, quietly."""


def _beat(job: Job) -> None:
    # SECURITY: a process that lost its job must not go on changing data next to the new owner.
    if not Job.objects.filter(pk=job.pk, owner=worker_id(), state=Job.State.RUNNING).update(
        heartbeat_at=timezone.now()
    ):
        raise LeaseLost(job.pk)
    delay = settings.DSAR_JOB_TABLE_DELAY
    if delay:
        # A diagnostic knob (0 in production): the fault tests use it to kill a worker
        # in the middle of a job.
        time.sleep(delay)


def run_job(*, job_id: int) -> bool:
    """Run a job if this call can claim it. Returns False when it was not ours to run.

    Transient database trouble (OperationalError) puts the job back in the queue and is
    re-raised for the task to retry; any other error marks it FAILED with a message that
    names tables and counts, never values. Raises LeaseHeld while another live process
    runs it (the task retries once the lease could have run out).
    """
    if not _claim(job_id):
        return False
    job = Job.objects.select_related("data_request__subject").get(pk=job_id)
    runner = {
        Job.Kind.DISCOVER: _discover,
        Job.Kind.PACKAGE: _package,
        Job.Kind.ERASE: _erase,
        Job.Kind.SUPPRESS: _suppress,
    }
    try:
        with _Lease(job.pk):
            summary = runner[job.kind](job)
    except LeaseLost:
        logger.warning("job %s was taken over by another worker; this attempt stops", job.pk)
        return True
    except OperationalError:
        Job.objects.filter(pk=job.pk, owner=worker_id()).update(state=Job.State.QUEUED)
        raise
    except (JobFailed, suppress.SuppressFailed) as e:
        _finish(job, Job.State.FAILED, error=e.message)
        return True
    except Exception as e:
        logger.exception("job %s failed", job.pk)
        _finish(
            job,
            Job.State.FAILED,
            error=f"Unexpected error ({type(e).__name__}); see the server log.",
        )
        return True
    _finish(job, Job.State.DONE, summary=summary)
    return True


def _finish(job: Job, state: str, *, summary: dict | None = None, error: str = "") -> None:
    """Mark the job finished and, for an erasure, close its case: one transaction, so a
    crash leaves either both or neither (the sweeper repairs a case left behind)."""
    with transaction.atomic():
        fields = {"state": state, "finished_at": timezone.now(), "error": error}
        if summary is not None:
            fields["summary"] = summary
        Job.objects.filter(pk=job.pk).update(**fields)
        action = "dsar.job.done" if state == Job.State.DONE else "dsar.job.failed"
        audit.record(job.data_request, action, data={"job": job.pk, "kind": job.kind})
        if state == Job.State.DONE and job.kind in (Job.Kind.ERASE, Job.Kind.SUPPRESS):
            _follow_up(job)
        if state == Job.State.FAILED and job.kind == Job.Kind.SUPPRESS:
            from dsar import casework

            casework.suppression_failed(job=job)


def _follow_up(job: Job) -> None:
    from dsar import casework

    if job.kind == Job.Kind.SUPPRESS:
        casework.suppression_finished(job=job)
    else:
        casework.erasure_finished(job=job)


def loaded_map() -> tuple[DataMapVersion, datamap.DataMap]:
    """The newest map that load_datamap accepted (the file itself may have changed since),
    checked against the live databases. Raises JobFailed when none is loaded or it no
    longer matches."""
    version = DataMapVersion.objects.first()
    if version is None:
        raise JobFailed("No data map is loaded: run `manage.py load_datamap`.")
    dm = datamap.from_dict(version.content, origin=version.origin, sha256=version.sha256)
    errors = datamap.validate(dm, connections=_connections())
    if errors:
        raise JobFailed(
            f"The loaded data map no longer matches the databases ({len(errors)} problem(s)); "
            "run `manage.py load_datamap` to see them."
        )
    return version, dm


def _load_map(job: Job) -> datamap.DataMap:
    version, dm = loaded_map()
    Job.objects.filter(pk=job.pk).update(datamap_sha256=dm.sha256)
    job.datamap_version = version.pk
    return dm


def requester_of(data_request: DataRequest) -> dict[tuple[str, str, str], str | None]:
    """Staff's decisions about who the customer is behind a shared number, as discovery
    applies them (`connectors.Requester`)."""
    return {d.link: d.value for d in data_request.requester_decisions.all()}


def discover(data_request: DataRequest, dm: datamap.DataMap) -> connectors.Discovery:
    """Discovery for the request's verified number, with staff's decisions applied."""
    return connectors.discover(
        dm,
        data_request.subject.number,
        connections=_connections(),
        requester=requester_of(data_request),
    )


def _retention(dm: datamap.DataMap, found: connectors.Discovery) -> list[retention.Held]:
    return retention.for_subject(
        dm,
        found,
        rules=retention.register_rules(),
        today=timezone.localdate(),
        connections=_connections(),
    )


def _connections():
    from django.db import connections

    return connections


def _discovery_summary(found: connectors.Discovery) -> dict:
    return {
        "tables": [
            {
                "source": h.source,
                "table": h.table,
                "rows": h.count,
                "excluded_shared": h.excluded_shared,
            }
            for h in found.hits
        ],
        "shared": [
            {
                "source": s.source,
                "number_table": s.number_table,
                "linked_table": s.linked_table,
                "keys": s.keys_count,
                "values": list(s.values),
            }
            for s in found.shared
        ],
        # The decisions applied: [source, number table, linked table, contact or None].
        "requester": [list(r) for r in found.requester],
        "total_rows": found.total_rows,
        "withheld": found.withheld,
        "fingerprint": found.fingerprint(),
    }


def _retention_summary(held: list[retention.Held]) -> dict:
    """How long the subject's rows are kept, and those already past their rule (for staff)."""
    return {
        "retention": [h.to_dict() for h in held],
        "past_rule": [h.to_dict() for h in retention.past_rule(held)],
    }


def _discover(job: Job) -> dict:
    dm = _load_map(job)
    found = discover(job.data_request, dm)
    _beat(job)
    return {**_discovery_summary(found), **_retention_summary(_retention(dm, found))}


def _package(job: Job) -> dict:
    dr = job.data_request
    made = _made_before(job)
    if made is not None:
        return made
    dm = _load_map(job)
    found = discover(dr, dm)
    portable = dr.kind == DataRequest.Kind.EXPORT
    tables, attachments = [], []
    for hit in found.hits:
        table = dm.table(hit.source, hit.table)
        columns = table.provided_columns() if portable else table.columns
        if not hit.count or not columns:
            continue
        file_columns = tuple(c.name for c in columns if c.file)
        if file_columns:
            attachments += _attachments(dm, table, hit, file_columns)
        tables.append(
            exports.TableExport(
                source=hit.source,
                table=hit.table,
                activity=table.activity or "",
                file_columns=file_columns,
                columns=tuple((c.name, c.category or "") for c in columns),
                rows=_beating(
                    job,
                    connectors.iter_rows(
                        dm,
                        table,
                        hit.keys,
                        columns=[c.name for c in columns],
                        connections=_connections(),
                    ),
                ),
            )
        )
    held = _retention(dm, found)
    now = timezone.now()
    provenance = {
        "register_version": register.current_version(),
        "datamap_version": job.datamap_version,
        "datamap_sha256": dm.sha256,
    }
    extra_files, warnings = [], {"missing_translations": []}
    if not portable:
        # Art. 15(1)(a)-(h) and 15(2): the register extract travels in the package itself,
        # so the approved hash covers it.
        extract = extracts.register_extract(
            data_request=dr,
            datamap=dm,
            discovery=found,
            language=dr.language,
            retention=held,
            connections=_connections(),
            now=now,
            datamap_version=job.datamap_version,
        )
        extra_files.append((exports.REGISTER_EXTRACT, extract.pdf))
        warnings["missing_translations"] = extract.missing
        _beat(job)
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / "packages"
    folder.mkdir(parents=True, exist_ok=True)
    # One name per job: a rerun after a crash overwrites the killed attempt's ".part" file
    # instead of leaving personal data behind under a random name.
    name = f"{dr.reference}-job{job.pk}.zip"
    result = exports.build_package(
        folder / name,
        reference=dr.reference,
        kind="export" if portable else "access",
        language=dr.language,
        generated_at=now,
        tables=tables,
        extra_files=extra_files,
        provenance=provenance,
        withheld=found.withheld,
        attachments=attachments,
        privacy_contact=_privacy_contact(dr.language),
    )
    summary = {
        **_discovery_summary(found),
        **_retention_summary(held),
        **warnings,
        **provenance,
        "counts": result.counts,
        "files": result.files,
        "missing_files": result.missing_files,
    }
    with transaction.atomic():
        # A rerun after a crash that killed the run before it finished replaces the file
        # of that run: the record follows the file, never the other way round.
        package, created = AccessPackage.objects.update_or_create(
            job=job,
            defaults={
                "data_request": dr,
                "kind": "export" if portable else "access",
                "path": f"packages/{name}",
                "sha256": result.sha256,
                "size": result.size,
                "expires_at": timezone.now() + timedelta(days=settings.DSAR_PACKAGE_TTL_DAYS),
            },
        )
        summary.update(package=package.pk, sha256=package.sha256)
        # Kept with the package, so that a rerun that finds both intact reuses them.
        Job.objects.filter(pk=job.pk).update(summary=summary)
        audit.record(
            dr,
            "dsar.package.built",
            data={
                "job": job.pk,
                "package": package.pk,
                "sha256": result.sha256,
                "size": result.size,
            },
        )
    return summary


def _privacy_contact(language: str) -> str:
    """How the customer reaches the privacy team, from the register, in their language."""
    from django.utils import translation

    from dsar.models import ProcessingActivity

    activity = ProcessingActivity.objects.order_by("pk").first()
    if activity is None:
        return ""
    with translation.override(language):
        return activity.controller_contact


def _made_before(job: Job) -> dict | None:
    """What an earlier run of this job made, if its package is there and intact: a rerun
    (the worker died after the package, before the job was marked done) reuses it."""
    package = AccessPackage.objects.filter(job=job).first()
    summary = job.summary or {}
    if package is None or summary.get("package") != package.pk:
        return None
    path = Path(settings.PRIVATE_MEDIA_ROOT) / package.path
    if not path.exists() or exports.file_sha256(path) != package.sha256:
        return None
    return summary


def _attachments(dm, table, hit, file_columns: tuple[str, ...]) -> list[exports.Attachment]:
    """The files the subject's rows of `table` point at, to stream into the package."""
    key = f"{hit.source}/{hit.table}"
    return [
        exports.Attachment(
            name=ref.package_name,
            table_key=key,
            column=ref.column,
            value=ref.key,
            open=functools.partial(files.open_file, ref),
        )
        for ref in files.refs(dm, table, hit.keys, connections=_connections())
        if ref.column in file_columns
    ]


def _beating(job: Job, rows, every: int = 5000):
    for i, row in enumerate(rows, 1):
        if i % every == 0:
            _beat(job)
        yield row
    _beat(job)


def _plan_erasure(job: Job, dm: datamap.DataMap) -> None:
    # SECURITY: rows withheld for a shared number (and another contact's) are not planned.
    found = discover(job.data_request, dm)
    hits = {(h.source, h.table): h for h in found.hits}
    ordered = erasure.erasure_order(dm, list(dm.tables))
    with transaction.atomic():
        for position, table in enumerate(ordered):
            hit = hits[(table.source, table.name)]
            JobTable.objects.create(
                job=job,
                position=position,
                source=table.source,
                table=table.name,
                keys=list(hit.keys),
                files=[ref.to_list() for ref in _erased_files(dm, table, hit.keys)],
                rows=hit.count,
            )
        # How long each retained column is kept is fixed now, from the rows as they were
        # before anything changed: the receipt states these dates.
        summary = {**_discovery_summary(found), **_retention_summary(_retention(dm, found))}
        Job.objects.filter(pk=job.pk).update(summary={"plan": summary})


def _erased_files(dm: datamap.DataMap, table: datamap.Table, keys) -> list[files.FileRef]:
    """The files an erasure of these rows deletes: all of a deleted row's, and those of
    columns emptied by 'null'; a retained reference keeps its file."""
    going = {c.name for c in table.file_columns() if table.deletes_rows or c.erasure == "null"}
    if not going or not keys:
        return []
    return [r for r in files.refs(dm, table, keys, connections=_connections()) if r.column in going]


def _erase(job: Job) -> dict:
    dm = _load_map(job)
    # The plan (which rows, per table) is fixed before the first change and kept, so a
    # rerun after a crash finishes the same plan instead of rediscovering a half-erased
    # subject.
    if not job.tables.exists():
        _plan_erasure(job, dm)
        job.refresh_from_db()
    # SECURITY: four-eyes covers this exact plan; a rerun checks it again.
    if (job.summary or {}).get("plan", {}).get("fingerprint") != job.approved_sha256:
        from dsar import casework

        casework.erasure_plan_changed(job=job)
        raise JobFailed(
            "The subject's data changed since the erasure plan was approved; the approval "
            "is void. Run discovery again and submit the new plan."
        )
    hash_key = secrets.token_bytes(32)
    held = [retention.Held.from_dict(h) for h in job.summary["plan"].get("retention", [])]
    for jt in job.tables.filter(state=JobTable.State.PENDING).order_by("position"):
        table = dm.table(jt.source, jt.table)
        if jt.keys:
            kept = {h.activity: h for h in held if (h.source, h.table) == (jt.source, jt.table)}
            report = erasure.erase_table(
                dm, table, jt.keys, hash_key=hash_key, retention=kept, connections=_connections()
            )
            report_data = report.to_dict()
        else:
            report_data = {
                "source": jt.source,
                "table": jt.table,
                "deleted": 0,
                "anonymised": 0,
                "retained": [],
            }
        # The rows are gone (committed); now their files. A crash in between leaves the
        # table PENDING: the rerun's erase changes nothing and deletes the files again.
        report_data["files_deleted"] = files.delete(files.FileRef.from_list(f) for f in jt.files)
        JobTable.objects.filter(pk=jt.pk).update(
            state=JobTable.State.DONE, report=report_data, finished_at=timezone.now()
        )
        _beat(job)
    return _verify_erasure(job, dm)


def _suppress(job: Job) -> dict:
    """An objection or consent withdrawal, carried out (dsar.suppress): the plan is fixed
    first and kept, so a rerun after a crash finishes the same rows and tells the same."""
    dm = _load_map(job)
    if not job.tables.exists():
        suppress.plan(job, dm, discover(job.data_request, dm), connections=_connections())
        job.refresh_from_db()
    when = job.data_request.received_at
    reports = []
    for jt in job.tables.order_by("position"):
        if jt.state == JobTable.State.PENDING:
            report = suppress.apply(dm, jt, when=when, connections=_connections())
            JobTable.objects.filter(pk=jt.pk).update(
                state=JobTable.State.DONE, report=report, finished_at=timezone.now()
            )
            _beat(job)
        else:
            report = jt.report
        reports.append(report)
    suppress.verify(job, dm, connections=_connections())
    return {"plan": (job.summary or {}).get("plan", {}), "report": reports, "done": True}


def _verify_erasure(job: Job, dm: datamap.DataMap) -> dict:
    """Never report an erasure done on trust: re-read the plan and rediscover the number."""
    problems: list[str] = []
    reports = []
    for jt in job.tables.order_by("position"):
        table = dm.table(jt.source, jt.table)
        if jt.keys:
            problems += erasure.check_erased(dm, table, jt.keys, connections=_connections())
        left = files.still_there(files.FileRef.from_list(f) for f in jt.files)
        if left:
            problems.append(
                f"{jt.source}.{jt.table}: {len(left)} file(s) of erased rows still exist "
                f"(row id {', '.join(str(r.row) for r in left[:10])})."
            )
        reports.append(jt.report)
    # With the same decisions: the other contact of a shared number is not the subject.
    found = discover(job.data_request, dm)
    for hit in found.hits:
        table = dm.table(hit.source, hit.table)
        if hit.count and any(c.erasure != "retain" for c in table.columns):
            problems.append(
                f"{hit.source}.{hit.table}: {hit.count} row(s) still link to the subject "
                "with values that are not retained."
            )
    if problems:
        raise JobFailed("Erasure not complete: " + " ".join(problems))
    return {"report": reports, "plan": (job.summary or {}).get("plan", {})}


def requeue_stale(*, limit: int = 100) -> int:
    """The sweeper (beat, every minute). Puts RUNNING jobs whose worker stopped beating back
    in the queue; hands QUEUED jobs that are due (an erasure after its cooling-off) and sat
    unclaimed past the grace period to a worker again; and closes the case of a finished
    erasure whose follow-up did not happen. Returns how many jobs it touched."""
    now = timezone.now()
    grace = now - timedelta(seconds=settings.DSAR_JOB_ENQUEUE_GRACE_SECONDS)
    with transaction.atomic():
        stale = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(state=Job.State.RUNNING, heartbeat_at__lt=_stale_before())
            .order_by("heartbeat_at")[:limit]
        )
        for job in stale:
            Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED)
            audit.record(job.data_request, "dsar.job.requeued", data={"job": job.pk})
            _enqueue(job)
        waiting = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(Q(run_after__isnull=True) | Q(run_after__lte=now), state=Job.State.QUEUED)
            .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=grace))
            .order_by("created_at")[:limit]
        )
        for job in waiting:
            _enqueue(job)
        behind = list(
            Job.objects.select_related("data_request").filter(
                Q(kind=Job.Kind.ERASE, data_request__status=DataRequest.Status.ERASING)
                | Q(
                    kind=Job.Kind.SUPPRESS,
                    data_request__status__in=DataRequest.WORKABLE_STATUSES,
                ),
                state=Job.State.DONE,
            )[:limit]
        )
        for job in behind:
            _follow_up(job)
    return len(stale) + len(waiting) + len(behind)
